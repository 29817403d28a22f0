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


def test_closed_before_created_counts_as_won_but_has_no_cycle(opps):
    # E (won, amount 8) was entered after the fact: closed on Feb 29, created on Mar 1.
    late = opps.assign(created_at=opps["created_at"].where(opps["opportunity_id"] != "E",
                                                           pd.Timestamp("2024-03-01 09:00")),
                       closed_at=opps["closed_at"].where(opps["opportunity_id"] != "E",
                                                         pd.Timestamp("2024-02-29")))
    out = kt.deal_metrics(late).iloc[0]
    assert (out["won_deals"], out["revenue"], out["avg_deal_size"]) == (2, 18.0, 9.0)
    assert out["avg_cycle_days"] == out["median_cycle_days"] == 31.0  # A's alone
    assert kt.win_rate(late).loc[0, ["won", "lost"]].tolist() == [2, 1]


def test_closed_on_the_creation_day_has_a_cycle_of_zero(opps):
    # A CRM's date-only close date is midnight: before a creation time on the same day.
    same_day = opps.assign(created_at=pd.Timestamp("2024-02-01 15:00"))
    out = kt.deal_metrics(same_day[same_day["opportunity_id"] == "A"]).iloc[0]
    assert out["avg_cycle_days"] == 0.0


def test_won_and_won_amount_are_the_counts_and_sums_under_the_shared_names(opps):
    out = kt.deal_metrics(opps, by="rep")
    assert out["won"].tolist() == out["won_deals"].tolist() == [1, 1]
    assert out["won_amount"].tolist() == out["revenue"].tolist() == [10.0, 8.0]


def test_revenue_in_several_currencies_is_never_added(opps):
    mixed = opps.assign(currency=["EUR", "USD", "USD", "USD", "USD"])
    with pytest.raises(kt.SchemaError) as error:
        kt.deal_metrics(mixed)
    assert str(error.value) == (
        "deal_metrics: revenue would add up amounts in EUR and USD, and amounts in different "
        "currencies are never added together. Select one currency first "
        "(opportunities[opportunities['currency'] == 'EUR']), or group by it "
        "(by=[..., 'currency']).")
    by_currency = kt.deal_metrics(mixed, by="currency").set_index("currency")
    assert by_currency["revenue"].to_dict() == {"EUR": 10.0, "USD": 8.0}
    # Only won deals are summed: a lost deal in another currency mixes nothing.
    assert kt.deal_metrics(opps.assign(currency=["EUR", "GBP", "EUR", "EUR", "EUR"]))[
        "revenue"].tolist() == [18.0]
    # A deal without a currency is taken to be in its group's currency.
    assert kt.deal_metrics(opps.assign(currency=["EUR", None, None, None, None]))[
        "revenue"].tolist() == [18.0]
