"""The coaching numbers: the small-sample rule, the planning rule and the coverage rule,
checked by hand on the tiny frames of conftest (worked out in the comments)."""
import math

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import kpitools as kt
from kpitools import coaching
from kpitools._repindex import RepIndex

T = pd.Timestamp


@pytest.fixture
def small(opps, history, activities):
    """conftest's frames as CRMData. Team: A won 10 (x, 31 days), E won 8 (y, 60 days),
    B lost (x); Ann: 6 outreach, 2 first meetings, 1 next step; Bo: 2 calls. Quotas: x 20 in
    February and March, y 5 in March. No ``today``: the last date, 1 March 2024, is "now"."""
    quotas = pd.DataFrame({"rep": ["x", "y", "x"], "quota": [20.0, 5.0, 20.0],
                           "period": [T("2024-03-01"), T("2024-03-01"), T("2024-02-01")]})
    return kt.clean({"opportunities": opps, "stage_history": history,
                     "activities": activities, "quotas": quotas})


@pytest.fixture(scope="module")
def sample():
    return kt.load_sample()


def test_blend_moves_a_thin_ratio_toward_the_teams():
    # 1 won, 0 lost: (1 × 1.0 + 10 × 0.3) / 11 = 4 / 11
    assert coaching.blend(1.0, 1, 0.3) == pytest.approx(4 / 11)
    assert coaching.blend(0.2, 10, 0.4) == pytest.approx(0.3)  # 10 cases: half and half
    assert coaching.blend(0.2, 40, 0.4) == pytest.approx((8 + 4) / 50)  # 40 cases: 80% own
    assert coaching.blend(np.nan, 0, 0.3) == 0.3
    assert coaching.blend(np.nan, 5, 0.3) == 0.3  # no own number: cases do not count
    assert coaching.blend(0.2, 10, 0.4, weight=0) == pytest.approx(0.2)
    both = coaching.blend(np.array([1.0, 0.0]), np.array([1, 30]), 0.3)
    assert both.tolist() == pytest.approx([4 / 11, 3 / 40])


def test_a_reps_plan_by_hand(small):
    plan = coaching.rep_plan(small, "x")
    # cycle: median of 31 and 60 days = 45.5; 1 March + 45.5 days falls in April
    assert plan.as_of == T("2024-03-01") and plan.cycle_days == pytest.approx(45.5)
    assert plan.close_month == T("2024-04-01")
    assert plan.quota == 20.0 and "March's quota, the latest set" in plan.quota_note
    e = plan.inputs
    # win rate: x won 1, lost 1 (0.5 on 2); team 2 of 3: (2 × 0.5 + 10 × 2/3) / 12
    assert e["win_rate"].value == pytest.approx((1 + 20 / 3) / 12)
    assert (e["win_rate"].own, e["win_rate"].cases, e["win_rate"].team) == (0.5, 2, 2 / 3)
    # deal size: x won one deal of 10; team 9 on 2: (10 + 90) / 11
    assert e["avg_deal_size"].value == pytest.approx(100 / 11)
    # x logged no activities: the team's 1 next step of 2 first meetings, 8 outreach / 2
    assert e["next_step_rate"].value == 0.5 and e["next_step_rate"].cases == 0
    assert e["outreach_per_first_meeting"].value == 4.0
    # 20 / 9.09 → 3 deals; / 0.639 → 5 opportunities; / 0.5 → 10 first meetings; × 4 → 40
    # outreach a month; a month is 52 / 12 weeks: 40 / 4.33 → 10 a week
    assert plan.table()["total"].tolist() == [3, 5, 10, 40]
    assert plan.outreach_per_week == 10
    assert plan.kwargs()["weeks"] == pytest.approx(52 / 12)


def test_the_team_plan_adds_up_the_reps_latest_quotas(small):
    plan = coaching.rep_plan(small, None)
    assert plan.quota == 25.0  # x: 20 (March), y: 5
    assert {e.source for e in plan.inputs.values()} == {"team"}
    assert plan.inputs["avg_deal_size"].value == 9.0
    assert plan.table()["total"].tolist() == [3, 5, 10, 40]  # 25 / 9 → 3 deals, as above


def test_one_won_deal_is_not_a_100_percent_win_rate(small):
    one = small.opportunities[small.opportunities["opportunity_id"].isin(["A", "C", "D", "E"])]
    data = kt.CRMData(opportunities=one.assign(rep=["new", "y", "y", "y"]),
                      activities=small.activities, quotas=small.quotas, today=T("2024-03-01"))
    used = coaching.rep_plan(data, "new").inputs["win_rate"]
    assert used.own == 1.0 and used.cases == 1
    assert used.value == pytest.approx((1 + 10 * 1.0) / 11)  # the team (E won) is 100% too
    data.opportunities.loc[data.opportunities["opportunity_id"] == "C", ["status", "stage"]] = \
        ["lost", "Closed Lost"]
    data.opportunities.loc[data.opportunities["opportunity_id"] == "C", "closed_at"] = \
        T("2024-02-20")
    used = coaching.rep_plan(data, "new").inputs["win_rate"]
    # the team now: A and E won, C lost; the rep's 1 of 1 counts 1 / 11
    assert used.team == pytest.approx(2 / 3) and used.value == pytest.approx((1 + 20 / 3) / 11)
    assert "counts 9%" in used.note("new")


def test_notes_state_the_rule_next_to_every_number(small):
    notes = coaching.rep_plan(small, "x").notes()
    assert notes[0].startswith("Target: a monthly quota of 20 (March's quota, the latest set)")
    assert "median 46 days" in notes[0] and "from April 2024 on" in notes[0]
    assert "x's own 50% on 2 closed deals counts 17%, the team's 67% the rest" in notes[2]
    assert notes[3] == ("First meetings with a next step 50%: x has no first meetings yet, so "
                        "the team's.")
    table = coaching.rep_plan(small, "x").inputs_table()
    assert table["yours counts"].tolist() == ["9%", "17%", "0%", "0%"]


def test_no_data_anywhere_uses_typical_values_and_says_so():
    plan = coaching.rep_plan(kt.clean({}), None)
    assert plan.inputs["win_rate"].value == coaching.FALLBACKS["win_rate"]
    assert np.isnan(plan.quota) and "no quota and no won deals in the data" in plan.notes()[0]
    assert plan.headline().startswith("No target yet")
    assert "no data yet, so a typical value" in plan.notes()[2]


def test_without_quotas_the_target_is_what_was_won_a_month_lately(small):
    data = kt.CRMData(opportunities=small.opportunities, activities=small.activities,
                      today=T("2024-03-15"))
    # the six months before March: A (10, February) for x; A and E... E closed in March
    plan = coaching.rep_plan(data, "x")
    assert plan.quota == pytest.approx(10 / 6)
    assert "what x won a month over the last 6 months" in plan.quota_note
    assert coaching.rep_plan(data, "y").quota_note.startswith("no quota and no won deals")


def test_a_rep_without_a_quota_gets_the_teams_median(small):
    plan = coaching.rep_plan(small, "Ann")  # Ann logs activities but has no quota
    assert plan.quota == 12.5 and "Ann has no quota" in plan.quota_note  # median of 20 and 5
    assert plan.inputs["next_step_rate"].value == pytest.approx((2 * 0.5 + 10 * 0.5) / 12)


def test_coverage_needed_is_one_over_the_win_rate(small):
    gap = kt.quota_gap(small.opportunities, small.quotas, as_of=T("2024-03-01"))
    checked = coaching.coverage_needed(gap, small).set_index(["rep", "period"])
    x = checked.loc[("x", T("2024-03-01"))]
    assert x["win_rate_used"] == pytest.approx((1 + 20 / 3) / 12)
    assert x["coverage_needed"] == pytest.approx(12 / (1 + 20 / 3))
    assert x["coverage_needed_low"] < x["coverage_needed"] < x["coverage_needed_high"]
    # x: quota 20, nothing won in March, no open deal: coverage 0 < 1.57 needed
    assert x["verdict"] == "build pipeline"
    assert checked.loc[("y", T("2024-03-01")), "verdict"] == "quota reached"  # 8 won of 5
    assert checked.loc[("x", T("2024-02-01")), "verdict"] == "past month"
    team = coaching.coverage_needed(kt.quota_gap(small.opportunities, small.quotas, by=None,
                                                 as_of=T("2024-03-01")), small)
    assert team["coverage_needed"].tolist() == pytest.approx([1.5] * len(team))  # 2 won of 3


def test_enough_pipeline_at_the_win_rate_says_close(small):
    gap = pd.DataFrame({"rep": ["x", "x"], "period": [T("2024-03-01")] * 2,
                        "quota": [20.0, 20.0], "closed_won": [0.0, 0.0],
                        "gap": [20.0, 20.0], "open_pipeline": [40.0, 30.0],
                        "coverage": [2.0, 1.5]})
    checked = coaching.coverage_needed(gap, small)  # x needs 1 / 0.639 = 1.57×
    assert checked["verdict"].tolist() == ["close", "build pipeline"]
    assert set(checked["verdict"]) <= set(coaching.VERDICTS)


def test_scorecard_frames_with_a_rep_index_and_team_frames_are_the_same(sample):
    reps = RepIndex(sample, ["opportunities", "activities", "stage_history"])
    team = coaching.team_frames(sample, sample.today)
    for rep in ("Mei Lin", "Sam Carter", None):
        plain = coaching.scorecard_frames(sample, rep)
        fast = coaching.scorecard_frames(sample, rep, reps=reps, team=team)
        for name in plain:
            assert_frame_equal(fast[name], plain[name], obj=name)


def test_team_scorecard_compares_reps_this_month(sample):
    frames = coaching.scorecard_frames(sample)
    assert frames["quota_gap"]["period"].unique().tolist() == [T("2024-12-01")]
    assert "coverage_needed" in frames["quota_gap"]
    assert frames["win_rate"]["who"].iloc[-1] == "Team"
    assert len(frames["win_rate"]) == sample.opportunities["rep"].nunique() + 1


def test_the_old_names_still_work_with_a_warning(sample):
    with pytest.warns(DeprecationWarning, match="kt.coaching.scorecard_frames"):
        old = kt.plots.scorecard_frames
    assert old is coaching.scorecard_frames
    with pytest.warns(DeprecationWarning, match="kt.scorecard.rep_scorecard"):
        assert kt.plots.rep_scorecard is kt.scorecard.rep_scorecard
    with pytest.raises(AttributeError):
        kt.plots.no_such_plot  # noqa: B018


def test_rep_index_gives_the_rows_and_numbers_of_filtering(sample):
    reps = RepIndex(sample, ["opportunities", "stage_history", "activities"])
    of = lambda frame, rep: frame[frame["rep"] == rep]  # noqa: E731
    for rep in [*sorted(sample.opportunities["rep"].unique()), "Nobody"]:
        mine = of(sample.opportunities, rep)
        history = sample.stage_history[sample.stage_history["opportunity_id"].isin(
            mine["opportunity_id"])]
        assert_frame_equal(reps.rows("opportunities", rep), mine)
        assert_frame_equal(reps.rows("stage_history", rep), history)
        assert_frame_equal(reps.rows("activities", rep), of(sample.activities, rep))
        assert_frame_equal(reps.rows("quotas", rep), of(sample.quotas, rep))  # not indexed
    assert reps.rows("opportunities", None) is sample.opportunities


def test_rep_index_leaves_out_rows_without_a_rep(opps, history):
    opps = opps.assign(rep=["x", None, "y", "y", "y"])
    data = kt.CRMData(opportunities=opps, stage_history=history)
    reps = RepIndex(data, ["opportunities", "stage_history"])
    assert reps.rows("opportunities", "x")["opportunity_id"].tolist() == ["A"]
    assert reps.rows("stage_history", "x").index.tolist() == [0, 1, 2]
    assert reps.rows("stage_history", "y").index.tolist() == [5, 6, 7, 8]  # not B's, not X's


def test_plan_for_every_sample_rep_is_whole_numbers(sample):
    for rep in sample.opportunities["rep"].unique():
        weekly = coaching.rep_plan(sample, rep).outreach_per_week
        assert weekly > 0 and not math.isnan(weekly) and weekly == int(weekly)


def test_on_track_paces_the_plan_and_the_quota(small):
    # 1 March 2024 is a Friday: 1 of March's 21 working days has gone by its end
    track = coaching.on_track(small, "x").set_index("what")
    assert track["unit"].tolist() == ["count", "count", "money"]
    # x's plan: 40 outreach and 10 first meetings a month (test_a_reps_plan_by_hand); quota 20
    assert track["target"].tolist() == [40, 10, 20]
    assert track["expected_by_now"].tolist() == pytest.approx([40 / 21, 10 / 21, 20 / 21])
    assert track["actual"].tolist() == [0, 0, 0]  # x logged nothing; A was won in February
    # 10 / 21 = 0.48 of a first meeting is expected: shown as 0, and nobody is behind by that
    assert track["on_track"].tolist() == [False, True, False]
    week = coaching.on_track(small, "x", freq="W")  # Friday: the whole week has gone
    assert week["what"].tolist() == ["outreach touches", "first meetings"]
    assert week["target"].tolist() == [10, 3]  # the plan's per week: ⌈40 / 4.33⌉, ⌈10 / 4.33⌉
    assert week["expected_by_now"].tolist() == [10, 3]
    with pytest.raises(ValueError, match="'MS' \\(this month\\) or 'W'"):
        coaching.on_track(small, "x", freq="QS")
    won = coaching.on_track(small, "y").set_index("what").loc["closed-won"]
    assert won["target"] == 5 and won["actual"] == 8 and won["on_track"]  # E: 8 on 1 March
    assert won["projected"] == pytest.approx(8 * 21)


def test_starter_figures_by_hand(small):
    # as of Monday 15 January: the 4 full weeks before are 18 December to 14 January, which
    # hold all of Ann's work: 6 outreach, 2 first meetings (1 with a next step)
    ann = coaching.starter_figures(small, "Ann", "ae", as_of=T("2024-01-15")).set_index("name")
    assert ann.loc["Outreach touches per week", ["yours", "team"]].tolist() == ["1.5", "1.0"]
    assert ann.loc["Outreach per first meeting", "yours"] == "3.0"
    assert ann.loc["First meeting → next step rate", ["yours", "note"]].tolist() == [
        "50%", "on 2 first meetings"]
    x = coaching.starter_figures(small, "x", "ae").set_index("name")  # as of 1 March
    assert x.loc["Win rate", "yours"] == "50%"
    assert x.loc["Win rate", "note"].startswith("1 won, 1 lost; likely ")
    assert x.loc["Quota attainment", ["yours", "note"]].tolist() == [
        "0%", "of 20 so far this month"]
    assert x.loc["Pipeline coverage", ["yours", "note"]].tolist() == [
        "0.0×", "1.6× needed: build pipeline"]
    sdr = coaching.starter_figures(small, "Ann", "sdr").set_index("name")
    assert sdr.loc["Call connect rate", ["yours", "note"]].tolist() == [
        "–", "not in a CRM export: your dialer counts it"]
