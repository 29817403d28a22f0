import numpy as np
import pandas as pd
import pytest

import kpitools as kt


def test_deal_metrics_by_hand(opps):
    out = kt.deal_metrics(opps)
    # Won: A (10, 31 days), E (8, 60 days).
    assert out.loc[0, "won_deals"] == 2 and out.loc[0, "revenue"] == 18
    assert out.loc[0, "avg_deal_size"] == 9
    assert out.loc[0, "avg_cycle_days"] == 45.5 and out.loc[0, "median_cycle_days"] == 45.5


def test_cycle_days_are_fractional(opps):
    opps = opps.assign(closed_at=opps["closed_at"] + pd.Timedelta(hours=12))
    assert kt.deal_metrics(opps).loc[0, "avg_cycle_days"] == 46.0


def test_by_rep_and_month(opps):
    out = kt.deal_metrics(opps, by="rep", freq="MS")
    assert out[["rep", "won_deals", "revenue"]].values.tolist() == [["x", 1, 10.0], ["y", 1, 8.0]]
    assert out["period"].tolist() == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")]


def test_no_won_deals_gives_zero_and_nan(opps):
    out = kt.deal_metrics(opps[opps["status"] != "won"])
    assert out.loc[0, "won_deals"] == 0 and np.isnan(out.loc[0, "avg_deal_size"])


def test_deal_without_amount_is_left_out_of_average_not_counted_as_zero(opps):
    opps = opps.copy()
    opps.loc[opps["opportunity_id"] == "E", "amount"] = np.nan
    out = kt.deal_metrics(opps)
    assert out.loc[0, "won_deals"] == 2 and out.loc[0, "avg_deal_size"] == pytest.approx(10)
