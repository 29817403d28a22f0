import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import kpitools as kt
from kpitools._stats import wilson_interval


def closed(won, lost, open_=0, rep="r"):
    status = ["won"] * won + ["lost"] * lost + ["open"] * open_
    n = len(status)
    return pd.DataFrame({"opportunity_id": [f"{rep}{i}" for i in range(n)], "rep": rep,
                         "status": status, "amount": np.arange(1.0, n + 1),
                         "closed_at": [pd.Timestamp("2024-02-10")] * (won + lost) + [pd.NaT] * open_})


def test_three_of_five_is_point_six_and_open_deals_are_left_out():
    out = kt.win_rate(closed(3, 2, open_=4))
    assert (out.loc[0, "won"], out.loc[0, "lost"], out.loc[0, "win_rate"]) == (3, 2, 0.6)


def test_worked_example_five_of_thirty_closed():
    assert kt.win_rate(closed(5, 25)).loc[0, "win_rate"] == pytest.approx(1 / 6)


@pytest.mark.parametrize("won, n, confidence", [(3, 5, 0.9), (0, 4, 0.95), (10, 10, 0.8),
                                                 (17, 60, 0.9), (1, 1, 0.99)])
def test_wilson_matches_statsmodels(won, n, confidence):
    low, high = wilson_interval(won, n, confidence)
    ref_low, ref_high = proportion_confint(won, n, alpha=1 - confidence, method="wilson")
    assert float(low) == pytest.approx(ref_low, abs=1e-12)
    assert float(high) == pytest.approx(ref_high, abs=1e-12)


def test_interval_shrinks_as_deals_accumulate():
    widths = [float(np.subtract(*wilson_interval(3 * m, 5 * m)[::-1])) for m in (1, 4, 20)]
    assert widths[0] > widths[1] > widths[2]


def test_rep_with_no_closed_deals_gets_nan_not_error():
    opps = pd.concat([closed(2, 1, rep="a"), closed(0, 0, open_=3, rep="b")], ignore_index=True)
    out = kt.win_rate(opps, by="rep").set_index("rep")
    assert out.loc["b", ["won", "lost"]].tolist() == [0, 0]
    assert out.loc["b", ["win_rate", "ci_low", "ci_high"]].isna().all()
    assert out.loc["a", "win_rate"] == pytest.approx(2 / 3)


def test_value_weighted_rate_keeps_counts(opps):
    out = kt.win_rate(opps, weight="amount")
    # won A 10 + E 8, lost B 5.
    assert out.loc[0, "won_amount"] == 18 and out.loc[0, "lost_amount"] == 5
    assert out.loc[0, "win_rate"] == pytest.approx(18 / 23)
    assert (out.loc[0, "won"], out.loc[0, "lost"]) == (2, 1)
    low, high = wilson_interval(2, 3, 0.9)
    assert out.loc[0, "ci_low"] == pytest.approx(float(low))


def test_periods_by_closed_at(opps):
    out = kt.win_rate(opps, freq="MS")
    assert out["period"].tolist() == [pd.Timestamp(d) for d in ("2024-01-01", "2024-02-01", "2024-03-01")]
    assert out["win_rate"].tolist() == [0.0, 1.0, 1.0]


def test_unknown_group_column_is_explained(opps):
    with pytest.raises(kt.SchemaError, match="cannot group by 'owner': not a column of opp"):
        kt.win_rate(opps, by="owner")


def test_bad_confidence_is_explained(opps):
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        kt.win_rate(opps, confidence=90)


def test_interval_by_deals_matches_the_interval_function():
    table = kt.interval_by_deals(0.6, [5, 20, 100], confidence=0.9)
    assert table["won"].tolist() == [3, 12, 60]
    low, high = wilson_interval(3, 5, 0.9)
    assert table.loc[0, "ci_low"] == pytest.approx(float(low))
    assert table["width"].is_monotonic_decreasing


def test_value_weighted_rate_never_adds_currencies(opps):
    mixed = opps.assign(currency=["EUR", "USD", "EUR", "EUR", "EUR"])  # A won, B lost
    with pytest.raises(kt.SchemaError, match="win_rate: won and lost amount would add up "
                                             "amounts in EUR and USD"):
        kt.win_rate(mixed, weight="amount")
    assert kt.win_rate(mixed).loc[0, "won"] == 2  # counts add up whatever the currency
    per_currency = kt.win_rate(mixed, by="currency", weight="amount").set_index("currency")
    assert per_currency.loc["EUR", "win_rate"] == 1.0 and per_currency.loc["USD", "win_rate"] == 0


def test_amount_weight_read_from_text(opps):
    text = opps.assign(amount=["$10.00", "5", "3", "2", "8"])
    pd.testing.assert_frame_equal(kt.win_rate(text, weight="amount"),
                                  kt.win_rate(opps, weight="amount"))
