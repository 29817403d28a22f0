import numpy as np
import pandas as pd
import pytest

import kpitools as kt


def test_ratios_by_hand(activities):
    out = kt.activity_ratios(activities)
    assert out.loc[0, ["outreach", "first_meetings", "next_steps"]].tolist() == [8, 2, 1]
    assert out.loc[0, "outreach_per_first_meeting"] == 4.0
    assert out.loc[0, "next_step_rate"] == 0.5


def test_rep_without_first_meetings_gets_nan(activities):
    out = kt.activity_ratios(activities, by="rep").set_index("rep")
    assert out.loc["Ann", "outreach_per_first_meeting"] == 3.0
    assert out.loc["Bo", "outreach"] == 2
    assert np.isnan(out.loc["Bo", "outreach_per_first_meeting"])
    assert np.isnan(out.loc["Bo", "next_step_rate"])


def test_weeks_start_on_monday(activities):
    out = kt.activity_ratios(activities, freq="W")
    # 2024-01-01 is a Monday: days 0-6 in week 1, 7-11 in week 2.
    assert out["period"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-08")]
    assert out["outreach"].tolist() == [6, 2]
    assert out["first_meetings"].tolist() == [1, 1]


def test_first_meeting_flag_on_non_meeting_does_not_count(activities):
    activities = activities.assign(is_first_meeting=True)
    assert kt.activity_ratios(activities).loc[0, "first_meetings"] == 3


def test_missing_flags_count_as_false(activities):
    out = kt.activity_ratios(activities.drop(columns=["is_first_meeting", "next_step_scheduled"]))
    assert out.loc[0, "first_meetings"] == 0 and np.isnan(out.loc[0, "next_step_rate"])


def test_missing_kind_column_names_the_fix(activities):
    with pytest.raises(kt.SchemaError, match="column 'kind' not found in activities"):
        kt.activity_ratios(activities.drop(columns="kind"))


def test_source_conversion_counts_a_lead_once_and_keeps_silent_leads(activities):
    leads = pd.DataFrame({"lead_id": ["L1", "L2", "L3", "L4", "L5"],
                          "source": ["Referral", "Referral", "Outbound", "Outbound", None],
                          "created_at": pd.to_datetime(["2024-01-01"] * 5)})
    # L1 has a first meeting and a follow-up; L2 a first meeting; L5 no activity, no source.
    out = kt.source_conversion(leads, activities)
    by_source = {(s if isinstance(s, str) else None): r for s, r in
                 zip(out["source"], out[["leads", "first_meetings"]].values.tolist())}
    assert by_source == {"Outbound": [2, 0], "Referral": [2, 2], None: [1, 0]}
    assert out["leads"].sum() == 5


def test_lead_conversion_counts_leads_not_deals():
    leads = pd.DataFrame({"lead_id": ["L1", "L2", "L3", "L4"], "source": ["a", "a", "b", "b"],
                          "created_at": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-02-01",
                                                        "2024-02-02"]),
                          "mql_at": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-02-01", None]),
                          "sql_at": pd.to_datetime(["2024-01-07", None, None, None])})
    opps = pd.DataFrame({"opportunity_id": ["O1", "O2", "O3"], "lead_id": ["L1", "L1", "L3"],
                         "status": ["won", "won", "lost"]})
    out = kt.lead_conversion(leads, opps)
    assert out.loc[0, ["leads", "opportunities", "won"]].tolist() == [4, 2, 1]
    assert out.loc[0, "lead_to_won_rate"] == 0.25
    assert out.loc[0, ["mqls", "sqls"]].tolist() == [3, 1]
    assert out.loc[0, "mql_to_sql_rate"] == pytest.approx(1 / 3)
    monthly = kt.lead_conversion(leads, opps, by="source", freq="MS")
    assert monthly[["source", "leads", "won"]].values.tolist() == [["a", 2, 1], ["b", 2, 0]]


def test_outreach_by_channel_credits_the_last_touch(activities):
    out = kt.outreach_by_channel(activities).set_index("channel")
    # L1's first meeting (day 6) follows its email (day 1); L2's (day 7) its event (day 3).
    assert out.loc["email", "first_meetings"] == 1 and out.loc["event", "first_meetings"] == 1
    assert out.loc["call", "outreach"] == 4 and out.loc["call", "first_meetings"] == 0
    assert np.isnan(out.loc["call", "outreach_per_first_meeting"])
    assert out.loc["email", "outreach_per_first_meeting"] == 2.0
    assert out["first_meetings"].sum() == kt.activity_ratios(activities).loc[0, "first_meetings"]


def test_meeting_without_prior_outreach_is_visible(activities):
    activities = activities.assign(lead_id=activities["lead_id"].replace({"L2": "L9"}))
    activities.loc[activities["activity_id"].isin(["a2", "a3"]), "lead_id"] = "L2"
    out = kt.outreach_by_channel(activities).set_index("channel")
    assert out.loc["(no outreach)", "first_meetings"] == 1


def test_outreach_by_channel_names_missing_dates_and_the_fix(activities):
    undated = activities.assign(at=activities["at"].where(activities["activity_id"] != "a2"))
    with pytest.raises(kt.SchemaError, match="1 activities have no date in 'at'.*kt.clean"):
        kt.outreach_by_channel(undated)


def test_inbound_calls_and_emails_are_activities_not_outreach(activities):
    # Ann's first call and email were the lead calling and writing in.
    direction = ["Inbound", "inbound ", None, "outbound"] + ["outbound"] * 8
    acts = activities.assign(direction=direction)
    out = kt.activity_ratios(acts).iloc[0]
    assert (out["outreach"], out["first_meetings"]) == (6, 2)
    assert out["outreach_per_first_meeting"] == 3.0
    # L1's first meeting followed only its inbound email: no outreach to credit it to.
    channels = kt.outreach_by_channel(acts).set_index("channel")
    assert channels.loc["(no outreach)", "first_meetings"] == 1
    assert channels["outreach"].sum() == 6


def test_unknown_direction_is_refused(activities):
    with pytest.raises(kt.SchemaError, match="activities.direction are not one of "
                                             "\\['inbound', 'outbound'\\] \\(e.g. 'sideways'"):
        kt.activity_ratios(activities.assign(direction="sideways"))
