"""Widgets: driven by setting .value, each result equals a direct kpitools call."""
import html
import warnings

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import kpitools as kt
from kpitools import widgets as kw
from kpitools._ahead import one_click_away
from kpitools._drawing import finish

T = pd.Timestamp


@pytest.fixture(scope="module")
def sample():
    return kt.course_data("sample")  # the practice team, with data.me


@pytest.fixture
def small(opps, history, activities):
    """The hand-checkable frames of conftest as CRMData, without a ``today``."""
    quotas = pd.DataFrame({"rep": ["x", "y", "x"], "quota": [20.0, 5.0, 20.0],
                           "period": [T("2024-03-01"), T("2024-03-01"), T("2024-02-01")]})
    return kt.clean({"opportunities": opps, "stage_history": history,
                     "activities": activities, "quotas": quotas})


def kinds(widget):
    return [sorted(o["data"]) for o in widget.output.outputs]


def shown_html(widget):
    return " ".join(o["data"].get("text/html", "") for o in widget.output.outputs)


def of(frame, rep):
    return frame[frame["rep"] == rep]


def test_funnel_explorer_follows_rep_and_policy(sample):
    w = kw.funnel_explorer(sample)
    assert isinstance(w, kw.widgets.VBox) and w.output in w.children
    assert w.controls["rep"].options[0] == "All reps"
    assert list(w.controls["rep"].options[1:]) == sorted(sample.opportunities["rep"].unique())
    assert_frame_equal(w.result, kt.stage_conversion(sample.stage_history, sample.opportunities))
    assert kinds(w) == [["image/png", "text/plain"], ["text/html", "text/plain"]]
    w.controls["rep"].value = "Mei Lin"
    assert_frame_equal(w.result, kt.stage_conversion(sample.stage_history,
                                                     of(sample.opportunities, "Mei Lin")))
    w.controls["policy"].value = "strict"
    expected = kt.stage_conversion(sample.stage_history, of(sample.opportunities, "Mei Lin"),
                                   policy="strict")
    assert_frame_equal(w.result, expected)
    bars = w.figures[0].axes[0].containers[0]
    assert [b.get_width() for b in bars] == expected["reached"].astype(float).tolist()
    assert w.figures[0].axes[0].get_title().endswith("— Mei Lin")
    assert kt.display.table(expected).to_html() in shown_html(w)  # as a notebook shows it


def test_win_rate_explorer_passes_every_choice(sample):
    w = kw.win_rate_explorer(sample)
    assert_frame_equal(w.result, kt.win_rate(sample.opportunities))
    assert w.controls["confidence"].continuous_update is False
    w.controls["by"].value = "source"  # one change, one refresh
    assert_frame_equal(w.result, kt.win_rate(sample.opportunities, by="source"))
    with w.hold():  # several changes, one refresh
        w.controls["period"].value = "QS"
        w.controls["weight"].value = "amount"
        w.controls["confidence"].value = 0.8
    assert_frame_equal(w.result, kt.win_rate(sample.opportunities, by="source", freq="QS",
                                             weight="amount", confidence=0.8))
    with w.hold():
        w.controls["rep"].value = "Lukas Berg"
        w.controls["by"].value = ""
        w.controls["period"].value = ""
        w.controls["weight"].value = "count"
    mine = kt.win_rate(of(sample.opportunities, "Lukas Berg"), confidence=0.8)
    assert_frame_equal(w.result, mine)
    assert w.figures[0].axes[0].lines[0].get_xdata()[0] == mine["win_rate"][0]
    assert w.figures[0].axes[0].get_yticklabels()[0].get_text() == "Lukas Berg"
    assert "80% likely range" in w.figures[0].axes[0].get_title()


def test_activity_explorer_rep_period_and_comparison(sample):
    w = kw.activity_explorer(sample)
    assert_frame_equal(w.result, kt.activity_ratios(sample.activities, freq="MS"))
    with w.hold():
        w.controls["rep"].value = "Priya Nair"
        w.controls["period"].value = "W"
    expected = kt.activity_ratios(of(sample.activities, "Priya Nair"), freq="W")
    assert_frame_equal(w.result, expected)
    w.controls["metric"].value = "next_step_rate"
    line = w.figures[0].axes[0].lines[0]
    assert line.get_ydata().tolist() == pytest.approx(expected["next_step_rate"].tolist(),
                                                      nan_ok=True)
    w.controls["rep"].value = kw.EACH_REP
    assert_frame_equal(w.result, kt.activity_ratios(sample.activities, by="rep", freq="W"))
    assert len(w.figures[0].axes[0].lines) == sample.activities["rep"].nunique()


def test_quota_gap_explorer_rows_of_the_chosen_rep_and_month(sample):
    w = kw.quota_gap_explorer(sample)
    gap = kt.coaching.coverage_needed(
        kt.quota_gap(sample.opportunities, sample.quotas, as_of=sample.today), sample)
    this_month = gap[gap["period"] == T("2024-12-01")].reset_index(drop=True)
    assert_frame_equal(w.result, this_month)
    with w.hold():
        w.controls["rep"].value = "Mei Lin"
        w.controls["month"].value = T("2024-11-01")
    expected = gap[(gap["rep"] == "Mei Lin") & (gap["period"] == T("2024-11-01"))]
    assert_frame_equal(w.result, expected.reset_index(drop=True))
    assert [b.get_width() for b in w.figures[0].axes[0].containers[0]] == \
        expected["closed_won"].tolist()


def test_planner_starts_at_the_reps_exact_plan_and_replans(sample):
    w = kw.planner(sample)
    assert w.controls["rep"].value == sample.me  # the course's rep first
    assert w.controls["win_rate"].continuous_update is False
    w.controls["rep"].value = "Mei Lin"
    chosen = kt.coaching.rep_plan(sample, "Mei Lin")
    inputs = chosen.kwargs()
    c = {name: control.value for name, control in w.controls.items()}
    assert c["target"] == inputs["target_revenue"]  # exactly, not rounded to a slider step
    for name in ("avg_deal_size", "win_rate", "next_step_rate", "outreach_per_first_meeting"):
        assert c[name] == inputs[name], name
    assert_frame_equal(w.result, chosen.table())
    per_week = chosen.outreach_per_week
    assert w.headline.startswith(f"You need {per_week:,.0f} outreach touches a week")
    assert "from January 2025 on" in w.headline
    assert w.headline in shown_html(w)
    assert all(html.escape(note) in shown_html(w) for note in chosen.notes())
    deal = w.controls["avg_deal_size"]  # a range around the rep's own number
    assert deal.min == 1 and deal.max == pytest.approx(c["avg_deal_size"] * 3)
    w.controls["win_rate"].value = 0.5
    expected = kt.plan(c["target"], c["avg_deal_size"], 0.5, next_step_rate=c["next_step_rate"],
                       outreach_per_first_meeting=c["outreach_per_first_meeting"],
                       weeks=52 / 12)
    assert_frame_equal(w.result, expected)


def test_planner_for_all_reps_is_the_teams_plan(sample):
    w = kw.planner(sample, rep=kw.ALL_REPS)
    assert_frame_equal(w.result, kt.coaching.rep_plan(sample, None).table())


def test_choosing_each_rep_resets_the_sliders_to_that_reps_plan(sample):
    w = kw.planner(sample)
    for rep in w.controls["rep"].options:
        w.controls["win_rate"].value = 0.9  # a slider moved by hand, then a rep chosen
        w.controls["rep"].value = rep
        chosen = kt.coaching.rep_plan(sample, kw._rep(rep))
        inputs = chosen.kwargs()
        assert w.values()["target"] == inputs.pop("target_revenue"), rep
        assert {n: w.values()[n] for n in inputs if n != "weeks"} == {
            n: v for n, v in inputs.items() if n != "weeks"}, rep
        assert_frame_equal(w.result, chosen.table())
        assert w.plan == chosen and w.notes == chosen.notes()
        assert w.headline == chosen.headline()


def test_a_planner_rep_drawn_ahead_is_shown_as_a_fresh_planner_shows_it(sample):
    w = kw.planner(sample)
    w.controls["outreach_per_first_meeting"].value = 40  # not what another rep starts at
    w.controls["rep"].value = "Mei Lin"
    controls = {"rep": w.controls["rep"]}
    for values in one_click_away(controls, w.values(), {"rep": w._follow["rep"]}):
        finish(w.draw_ahead(values))  # as an idle kernel does
    calls = []
    render = w._render
    w._render = lambda values, view: calls.append(values) or render(values, view)
    w.controls["rep"].value = "Sofia Rossi"
    assert calls == []  # kept: shown without drawing
    fresh = kw.planner(sample, rep="Sofia Rossi")
    assert w.values() == fresh.values()
    assert w.output.outputs == fresh.output.outputs  # the same HTML and PNG bytes
    assert_frame_equal(w.result, fresh.result)
    assert w.headline == fresh.headline and w.headline in shown_html(w)
    w.controls["win_rate"].value = 0.5  # a slider moved after the rep: planned again
    assert len(calls) == 1 and calls[0]["win_rate"] == 0.5
    assert w.result["total"].iloc[0] == fresh.result["total"].iloc[0]  # the same deals
    assert not w.result.equals(fresh.result)


def test_an_error_in_a_callback_shows_in_the_output(sample, monkeypatch):
    w = kw.funnel_explorer(sample)

    def broken(*args, **kwargs):
        raise ValueError("stage_conversion: no stages left")

    monkeypatch.setattr(kw, "stage_conversion", broken)
    w.controls["rep"].value = "Mei Lin"  # does not raise
    assert w.result is None and isinstance(w.error, ValueError)
    assert "ValueError: stage_conversion: no stages left" in shown_html(w)
    monkeypatch.undo()
    w.controls["policy"].value = "strict"
    assert w.error is None and w.result is not None


def test_warnings_are_shown_as_notes(small, monkeypatch):
    real = kw.activity_ratios

    def noisy(*args, **kwargs):
        warnings.warn("3 activities have no date")
        return real(*args, **kwargs)

    monkeypatch.setattr(kw, "activity_ratios", noisy)
    w = kw.activity_explorer(small)
    assert "Note: 3 activities have no date" in shown_html(w)


def test_quiz_gives_instant_feedback_per_answer():
    catalogue = kt.catalogue()
    quiz = kw.leading_lagging_quiz(catalogue, ["win_rate", "next_step_rate", "churn_rate"])
    assert list(quiz.controls) == ["win_rate", "next_step_rate", "churn_rate"]
    assert quiz.result["ok"].tolist() == [None, None, None]
    quiz.controls["win_rate"].value = "lagging"
    quiz.controls["next_step_rate"].value = "lagging"
    assert quiz.result["ok"].tolist() == [True, False, None]
    assert quiz.result["expected"].tolist() == ["lagging", "leading", "lagging"]
    assert "1 of 3 right so far" in shown_html(quiz)
    marks = [child.children[1].value for child in quiz.children[1].children]
    assert "✅" in marks[0] and "❌" in marks[1] and "pick an answer in the list" in marks[2]
    assert "replace" not in marks[2]  # the learner picks from a list, there is no ... to replace
    # a wrong answer says why, from what the KPI counts: never a hint that points the wrong way
    assert "measures work, or deals still in progress" in marks[1]
    quiz.controls["win_rate"].value = "leading"
    assert "is counted once the outcome is decided" in quiz.children[1].children[0].children[1].value
    with pytest.raises(KeyError, match="not KPIs"):
        kw.leading_lagging_quiz(catalogue, ["winrate"])


def test_dashboard_shows_the_plan_pacing_starter_set_and_scorecard(sample):
    board = kw.dashboard(sample)
    assert board.controls["rep"].value == sample.me
    assert sorted(board.result) == ["activity", "funnel", "on_track", "plan", "quota_gap",
                                    "starter", "win_rate"]
    board.controls["rep"].value = "Sofia Rossi"
    assert_frame_equal(board.result["plan"], kt.coaching.rep_plan(sample, "Sofia Rossi").table())
    assert_frame_equal(board.result["win_rate"],
                       kt.coaching.scorecard_frames(sample, "Sofia Rossi")["win_rate"])
    assert_frame_equal(board.result["on_track"], kt.coaching.on_track(sample, "Sofia Rossi"))
    assert_frame_equal(board.result["starter"],
                       kt.coaching.starter_figures(sample, "Sofia Rossi", "ae"))
    assert [len(f.axes) for f in board.figures] == [4, 1]
    page = shown_html(board)
    assert "outreach touches a week" in page and "On track? December so far" in page
    assert kt.display.table(board.result["starter"], caption="What to watch first").to_html() \
        in page
    assert kinds(board).count(["image/png", "text/plain"]) == 2
    board.controls["role"].value = "sdr"
    assert "Call connect rate" in board.result["starter"]["name"].tolist()
    assert "Call connect rate" in shown_html(board)


def test_the_dashboard_drawn_ahead_in_small_steps_shows_what_a_click_on_the_rep_shows(sample):
    board = kw.dashboard(sample)
    steps = sum(1 for _ in board.draw_ahead({**board.values(), "rep": "Sofia Rossi"}))
    assert steps >= 10  # computing, making and drawing each panel: a step each
    board.controls["rep"].value = "Sofia Rossi"  # the answer drawn ahead
    assert board.figures and board._figures is not None  # Figures drawn again when asked
    fresh = kw.dashboard(sample, rep="Sofia Rossi")
    assert board.output.outputs == fresh.output.outputs  # the same HTML and PNG bytes
    assert_frame_equal(board.result["plan"], fresh.result["plan"])


def test_widgets_work_on_a_small_dataset_without_today(small):
    for build in (kw.funnel_explorer, kw.win_rate_explorer, kw.activity_explorer):
        widget = build(small)
        assert widget.error is None, (build.__name__, widget.error)
    w = kw.quota_gap_explorer(small)
    assert w.error is None and w.controls["month"].value == T("2024-03-01")
    assert w.result["rep"].tolist() == ["x", "y"]


def test_hold_refreshes_once_after_several_changes(small):
    w = kw.activity_explorer(small)
    calls = []
    render = w._render
    w._render = lambda values, view: calls.append(values) or render(values, view)
    with w.hold():
        w.controls["period"].value = "W"
        w.controls["rep"].value = "Ann"
    assert len(calls) == 1 and calls[0]["rep"] == "Ann" and calls[0]["period"] == "W"
    with w.hold(refresh=False):
        w.controls["rep"].value = "Bo"
    assert len(calls) == 1 and w.values()["rep"] == "Bo"


def test_without_a_target_the_planner_says_so_instead_of_zeros():
    w = kw.planner(kt.clean({}))
    assert w.controls["target"].value == 0 and w.error is None
    assert w.headline.startswith("No target yet") and not w.figures
    w.controls["target"].value = 1.5  # a target set by hand plans again
    assert w.headline.startswith("You need") and len(w.figures) == 1


def test_widget_tables_read_like_the_notebooks(sample):
    w = kw.quota_gap_explorer(sample)
    page = shown_html(w)
    assert "Dec 2024" in page and "2024-12-01" not in page  # as display.table writes dates
    assert kt.display.table(w.result).to_html() in page
