"""The weekly check-in: this week, last week, the weeks before and the plan, counted by hand."""
import pandas as pd

import kpitools as kt
from kpitools.coaching import rep_plan
from kpitools.myweek import ROWS, check_in, week_start


def _data():
    """Ann, as of Wednesday 13 March 2024: 3 outreach and 1 first meeting with a next step this
    week, 2 outreach and 2 first meetings (no next step) last week, 8 outreach and 4 first
    meetings (2 with a next step) in the four weeks before (from 5 Feb), a call before that."""
    rows = ([("2024-03-11", "call", False, False)] * 2 + [("2024-03-13", "email", False, False),
             ("2024-03-12", "meeting", True, True)]
            + [("2024-03-04", "call", False, False)] * 2 + [("2024-03-08", "meeting", True, False)] * 2
            + [("2024-02-05", "social", False, False)] * 8
            + [("2024-02-07", "meeting", True, True), ("2024-02-14", "meeting", True, True),
               ("2024-02-21", "meeting", True, False), ("2024-03-01", "meeting", True, False)]
            + [("2024-02-02", "call", False, False)])
    acts = pd.DataFrame(rows, columns=["at", "kind", "is_first_meeting", "next_step_scheduled"])
    acts.insert(0, "activity_id", [f"a{i}" for i in range(len(acts))])
    acts.insert(1, "rep", "Ann")
    quotas = pd.DataFrame({"rep": ["Ann"] * 4, "quota": 40_000,
                           "period": ["2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01"]})
    data = kt.clean({"activities": acts, "quotas": quotas})
    data.today, data.me = pd.Timestamp("2024-03-13"), "Ann"
    return data


def test_weeks_run_monday_to_sunday():
    assert week_start("2024-03-17 23:00") == week_start("2024-03-11") == pd.Timestamp("2024-03-11")


def test_check_in_counts_each_week():
    data = _data()
    week = check_in(data).set_index("week")
    assert list(week.index) == list(ROWS)
    assert week.loc["this week so far", ["outreach", "first_meetings", "next_step_rate"]
                    ].tolist() == [3, 1, 1.0]
    assert week.loc["last week", ["outreach", "first_meetings", "next_step_rate"]
                    ].tolist() == [2, 2, 0.0]
    before = week.loc[ROWS[2]]  # 5 Feb - 3 Mar: a week's average of four weeks
    assert before[["outreach", "first_meetings"]].tolist() == [8 / 4, 4 / 4]
    assert before["next_step_rate"] == 0.5
    plan = rep_plan(data, "Ann")
    targets = plan.table().set_index("step")["per_week"]
    assert targets["outreach"] > 0
    assert week.loc["your plan (a week)", "outreach"] == targets["outreach"]
    assert week.loc["your plan (a week)", "next_step_rate"] == plan.inputs["next_step_rate"].value


def test_a_week_without_first_meetings_has_no_ratio():
    data = _data()
    data.today = pd.Timestamp("2024-03-20")  # the week after: nothing logged yet
    week = check_in(data, "Ann").set_index("week")
    assert week.loc["this week so far", "outreach"] == 0
    assert week.loc["this week so far", ["next_step_rate", "outreach_per_first_meeting"]
                    ].isna().all()
