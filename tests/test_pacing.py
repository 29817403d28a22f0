"""Pacing, stage odds, weighted pipeline and slipped deals, on cases worked by hand."""
import numpy as np
import pandas as pd
import pytest

import kpitools as kt
from kpitools import pacing

T = pd.Timestamp


def test_working_days_count_monday_to_friday():
    assert pacing.working_days("2024-12-02", "2024-12-09") == 5  # Mon 2 to Sun 8 December
    assert pacing.working_days("2024-12-07", "2024-12-09") == 0  # a weekend
    assert pacing.working_days("2024-02-01", "2024-03-01") == 21  # a leap February


def test_pace_against_a_monthly_target():
    # December 2024: 22 working days; by the end of Wednesday 11 December, 8 have gone
    out = pacing.pace([300, 20_000], [660, 44_000], as_of=T("2024-12-11 15:00"))
    assert out["period"].tolist() == [T("2024-12-01")] * 2
    assert out["elapsed_share"].tolist() == pytest.approx([8 / 22] * 2)
    assert out["expected_by_now"].tolist() == pytest.approx([240, 16_000])
    assert out["ahead"].tolist() == pytest.approx([60, 4_000])
    assert out["projected"].tolist() == pytest.approx([300 * 22 / 8, 20_000 * 22 / 8])
    assert out["on_track"].tolist() == [True, True]
    behind = pacing.pace(10, 660, as_of="2024-12-11").iloc[0]
    assert not behind.on_track and behind.ahead == pytest.approx(-230)


def test_pace_by_week_and_on_a_weekend():
    week = pacing.pace(40, 100, as_of="2024-12-11", freq="W").iloc[0]  # Mon 9 to Wed 11
    assert week.period == T("2024-12-09") and week.elapsed_share == pytest.approx(3 / 5)
    first = pacing.pace(0, 100, as_of="2024-06-01").iloc[0]  # Saturday 1 June: none gone yet
    assert first.elapsed_share == 0 and np.isnan(first.projected) and first.on_track
    # 10 first meetings a month, one working day of June 2024's 20 gone: 0.5 expected shows
    # as 0, and nobody is behind by half a meeting; one day more, 1 is expected
    monday = pacing.pace(0, 10, as_of="2024-06-03").iloc[0]
    assert monday.expected_by_now == pytest.approx(0.5) and monday.on_track
    assert not pacing.pace(0, 10, as_of="2024-06-04").iloc[0].on_track


def test_stage_win_rates_by_hand(opps, history):
    # conftest: A won (Q→P→N), B lost at Discover, C open (furthest Propose), D open at
    # Discover, E won without history. Closed deals reaching Qualify: A, B, E (B reached it
    # by backfill); Discover: A, B, E; Propose: A, E; Negotiate: A, E.
    rates = pacing.stage_win_rates(history, opps)
    assert rates["stage"].tolist() == ["Qualify", "Discover", "Propose", "Negotiate"]
    assert rates["closed"].tolist() == [3, 3, 2, 2]
    assert rates["won"].tolist() == [2, 2, 2, 2]
    assert rates["win_rate"].tolist() == pytest.approx([2 / 3, 2 / 3, 1, 1])


def test_weighted_pipeline_by_hand(opps, history):
    # open: C (3, at Discover, expected 15 March) and D (2, at Discover, expected 10 February)
    # each counts 2/3 of its amount; as of 1 March, D's overdue date rolls into March
    out = pacing.weighted_pipeline(history, opps, by="rep", as_of=T("2024-03-01"))
    assert out.to_dict("list") == {"rep": ["y"], "period": [T("2024-03-01")],
                                   "open_deals": [2], "open_pipeline": [5.0],
                                   "weighted_pipeline": [pytest.approx(5 * 2 / 3)]}
    apart = pacing.weighted_pipeline(history, opps)
    assert apart["period"].tolist() == [T("2024-02-01"), T("2024-03-01")]
    assert apart["weighted_pipeline"].tolist() == pytest.approx([2 * 2 / 3, 3 * 2 / 3])


def test_weighted_pipeline_refuses_a_stage_it_does_not_know(opps, history):
    odd = opps.assign(stage=opps["stage"].replace({"Discover": "Somewhere"}))
    with pytest.raises(kt.SchemaError, match="'Somewhere'.*stages="):
        pacing.weighted_pipeline(history, odd, as_of=T("2024-03-01"))


def test_slipped_deals_are_open_and_past_their_date(opps):
    out = pacing.slipped_deals(opps, as_of=T("2024-03-01 09:00"))
    assert out["opportunity_id"].tolist() == ["D"]  # C is due 15 March; A, B, E are closed
    assert out["days_overdue"].tolist() == [20.0]  # 10 February → 1 March 2024
    later = pacing.slipped_deals(opps, as_of="2024-04-01")
    assert later["opportunity_id"].tolist() == ["D", "C"]  # longest overdue first
    assert list(later.columns) == ["opportunity_id", "rep", "stage", "amount", "expected_close",
                                   "days_overdue"]


def test_declared_columns_match_the_frames(opps, history):
    assert list(pacing.pace(1, 2, as_of="2024-03-01").columns)[1:] == list(pacing.pace.columns)
    assert list(pacing.stage_win_rates(history, opps).columns)[1:] == \
        list(pacing.stage_win_rates.columns)
    assert list(pacing.weighted_pipeline(history, opps).columns)[-3:] == \
        list(pacing.weighted_pipeline.columns)


def test_on_the_sample_later_stages_have_better_odds():
    data = kt.load_sample()
    rates = pacing.stage_win_rates(data.stage_history, data.opportunities)
    assert rates["won"].iloc[0] == (data.opportunities["status"] == "won").sum()
    assert rates["win_rate"].is_monotonic_increasing
