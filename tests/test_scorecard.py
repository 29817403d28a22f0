"""The scorecard figure: four panels drawn from kt.coaching.scorecard_frames."""
import pandas as pd
import pytest
from matplotlib.figure import Figure

import kpitools as kt
from kpitools import scorecard


@pytest.fixture(scope="module")
def sample():
    return kt.load_sample()


def test_rep_scorecard_has_four_panels_from_the_reps_numbers(sample):
    fig = scorecard.rep_scorecard(sample, "Mei Lin")
    assert len(fig.axes) == 4 and "Mei Lin" in fig.get_suptitle()
    activity, funnel, rates, gap = fig.axes
    mine = sample.opportunities[sample.opportunities["rep"] == "Mei Lin"]
    expected = kt.stage_conversion(sample.stage_history, mine)
    assert [b.get_width() for b in funnel.containers[0]] == \
        expected["reached"].astype(float).tolist()
    assert [t.get_text() for t in rates.get_yticklabels()] == ["Mei Lin", "Team"]
    assert rates.lines[0].get_xdata()[0] == kt.win_rate(mine)["win_rate"][0]
    assert [t.get_text() for t in gap.get_yticklabels()][-1] == "Dec 2024"
    assert "diamond" in gap.get_title()  # the coverage rule: the needed mark is drawn


def test_a_dollar_in_a_reps_name_is_not_math(sample):
    frames = kt.coaching.scorecard_frames(sample, "Mei Lin")
    fig = scorecard.plot_scorecard(frames, fig=Figure(), title="$x$ Lin")
    assert fig.get_suptitle() == r"\$x\$ Lin"
    fig.canvas.draw()  # renders without a math-mode error


def test_team_scorecard_draws_every_rep_this_month(sample):
    fig = scorecard.rep_scorecard(sample, None, fig=Figure())
    gap = fig.axes[3]
    this_month = kt.coaching.scorecard_frames(sample)["quota_gap"]
    assert [t.get_text() for t in gap.get_yticklabels()] == this_month["rep"].tolist()
    assert pd.Timestamp("2024-12-13").strftime("%d %b %Y") in fig.get_suptitle()
