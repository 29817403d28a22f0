"""CRM names drawn as they are: a '$' in a rep, segment or stage name is text, never TeX."""
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.cbook import is_math_text
from matplotlib.text import Text

import kpitools as kt
from kpitools import plots
from kpitools._plotbase import tex_safe

NAMES = ("Ana $mith", "$50k+ deals", "100% $$")
STAGES = ("$ Qualify", "Discover $$", "Propose")


def drawn(ax) -> list[str]:
    """Every text the figure shows, as matplotlib renders it (after a full draw)."""
    ax.figure.canvas.draw()
    texts = [t for t in ax.figure.findobj(Text) if t.get_text() and t.get_visible()]
    assert not any(is_math_text(t.get_text()) for t in texts), [t.get_text() for t in texts]
    return [t.get_text().replace(r"\$", "$") for t in texts]  # what is drawn: not TeX


def shows(ax, names) -> None:
    texts = drawn(ax)
    for name in names:
        assert any(name in text for text in texts), (name, texts)


@pytest.fixture
def hostile(opps, history):
    """The hand-checkable deals, with reps and stages named like user input can be."""
    reps = {"x": NAMES[0], "y": NAMES[2]}
    stages = dict(zip(kt.DEFAULT_STAGES, STAGES + ("Negotiate",)))
    opps = opps.assign(rep=opps["rep"].map(reps), segment=NAMES[1],
                       stage=opps["stage"].replace(stages))
    return opps, history.assign(stage=history["stage"].replace(stages)), STAGES + ("Negotiate",)


def test_tex_safe_escapes_every_dollar_once():
    assert [tex_safe(name) for name in NAMES] == [r"Ana \$mith", r"\$50k+ deals", r"100% \$\$"]
    assert not any(is_math_text(tex_safe(name)) for name in NAMES)


def test_labels_title_ticks_and_legend_keep_dollar_signs(hostile):
    opps, history, stages = hostile
    rates = kt.win_rate(opps, by=["rep", "segment"])
    shows(plots.plot_win_rate(rates), [f"{NAMES[0]} · {NAMES[1]}", f"{NAMES[2]} · {NAMES[1]}"])
    by_rep = kt.stage_conversion(history, opps, stages=stages, by="rep")
    one = by_rep[by_rep["rep"] == NAMES[0]]
    shows(plots.plot_funnel(one), [*STAGES, NAMES[0]])
    shows(plots.plot_transition_heatmap(kt.transition_matrix(history, opps, stages=stages)),
          STAGES)


def test_quota_gap_legend_and_rows_keep_dollar_signs(hostile):
    opps, _, stages = hostile
    quotas = pd.DataFrame({"rep": [NAMES[0], NAMES[2]], "quota": [20.0, 5.0],
                           "period": pd.to_datetime(["2024-02-01"] * 2)})
    gap = kt.quota_gap(opps, quotas, stages=stages)
    shows(plots.plot_quota_gap(gap[gap["period"] == "2024-02-01"]),
          [NAMES[0], NAMES[2], "open: " + STAGES[1]])


def test_activity_lines_and_bars_keep_dollar_signs(activities):
    acts = activities.assign(rep=activities["rep"].map({"Ann": NAMES[0], "Bo": NAMES[2]}))
    shows(plots.plot_activity_ratios(kt.activity_ratios(acts, by="rep", freq="W"), "outreach"),
          [NAMES[0], NAMES[2]])
    plt.figure()
    shows(plots.plot_activity_ratios(kt.activity_ratios(acts, by="rep"), "outreach"),
          [NAMES[0], NAMES[2]])


@pytest.mark.parametrize("draw", [
    lambda: plots.plot_quota_gap(kt.quota_gap(pd.DataFrame(columns=[
        "opportunity_id", "rep", "created_at", "amount", "status", "stage"]),
        pd.DataFrame(columns=["rep", "period", "quota"]))),
    lambda: plots.plot_win_rate(kt.win_rate(pd.DataFrame(columns=[
        "opportunity_id", "rep", "created_at", "amount", "status", "stage", "closed_at"]),
        by="rep")),
], ids=["quota_gap", "win_rate"])
def test_a_chart_without_rows_says_so(draw, recwarn):
    """No rows (a rep with no quota and no pipeline): a sentence, not an empty frame, and no
    matplotlib warning about identical limits."""
    ax = draw()
    assert "Nothing to draw" in " ".join(drawn(ax))
    assert list(ax.get_yticks()) == [] and ax.get_ylim()[0] != ax.get_ylim()[1]
    assert not [w for w in recwarn if "identical" in str(w.message)]


def test_a_long_name_wraps_instead_of_squeezing_the_chart(opps, recwarn):
    """An owner written with an e-mail address is a long tick label: on lines of at most
    28 characters, the scorecard's panels keep their size."""
    long_name = "Ana Maria Ruiz Fernandez (ana.ruiz@example.com) — EMEA"
    fig = plt.figure(figsize=(13, 9), layout="constrained")
    data = kt.CRMData(opportunities=opps.assign(rep=long_name))
    kt.scorecard.plot_scorecard(kt.coaching.scorecard_frames(data, long_name), fig=fig)
    fig.canvas.draw()
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert any(long_name.split()[0] in t for t in ticks)
    assert all(len(line) <= 28 or " " not in line for t in ticks for line in t.split("\n"))
    assert not [w for w in recwarn if "collapsed" in str(w.message)]
    plt.close(fig)
