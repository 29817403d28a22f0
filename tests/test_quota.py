import numpy as np
import pandas as pd
import pytest

import kpitools as kt

T = pd.Timestamp


@pytest.fixture
def quotas():
    return pd.DataFrame({"rep": ["x", "x", "y", "y"],
                         "period": [T("2024-01-01"), T("2024-02-01"), T("2024-02-01"),
                                    T("2024-03-01")],
                         "quota": [20.0, 10.0, 0.0, 5.0]})


def row(frame, rep, period):
    return frame[(frame["rep"] == rep) & (frame["period"] == T(period))].iloc[0]


def test_gap_attainment_and_coverage_by_hand(opps, quotas):
    gap = kt.quota_gap(opps, quotas)
    # x: A won 10 on 2024-02-01 (quota 10 → attainment 1, gap 0); B lost in January.
    feb = row(gap, "x", "2024-02-01")
    assert (feb["closed_won"], feb["attainment"], feb["gap"]) == (10.0, 1.0, 0.0)
    assert np.isnan(feb["coverage"])
    jan = row(gap, "x", "2024-01-01")
    assert (jan["quota"], jan["closed_won"], jan["gap"]) == (20.0, 0.0, 20.0)
    assert jan["open_pipeline"] == 0 and jan["coverage"] == 0
    # y: zero quota in February: attainment NaN, gap 0; D (2, Discover) is pipeline there.
    y_feb = row(gap, "y", "2024-02-01")
    assert np.isnan(y_feb["attainment"]) and y_feb["gap"] == 0 and np.isnan(y_feb["coverage"])
    assert y_feb["open_pipeline"] == 2.0 and y_feb["pipeline_Discover"] == 2.0
    # y March: quota 5, E won 8 → attainment 1.6, gap 0; C (3, back in Discover) in March.
    mar = row(gap, "y", "2024-03-01")
    assert mar["attainment"] == pytest.approx(1.6) and mar["gap"] == 0
    assert mar["open_pipeline"] == 3.0 and mar["pipeline_Discover"] == 3.0


@pytest.mark.parametrize("quota_dtype", ["float64", "int64"])
def test_rows_without_quota_have_nan_quota(opps, quotas, quota_dtype):
    quotas = quotas.astype({"quota": quota_dtype})
    gap = kt.quota_gap(opps, quotas[quotas["rep"] == "x"])
    y_mar = row(gap, "y", "2024-03-01")
    assert np.isnan(y_mar["quota"]) and np.isnan(y_mar["gap"]) and y_mar["closed_won"] == 8.0


def test_as_of_rolls_overdue_pipeline_into_current_period(opps, quotas):
    gap = kt.quota_gap(opps, quotas, as_of="2024-03-10")
    mar = row(gap, "y", "2024-03-01")
    assert mar["open_pipeline"] == 5.0  # D (expected Feb) rolled into March with C
    assert kt.quota_gap(opps, quotas)["open_pipeline"].sum() == 5.0


def test_closed_deals_stale_expected_close_is_not_pipeline(opps, quotas):
    gap = kt.quota_gap(opps, quotas)
    assert gap["open_pipeline"].sum() == opps.loc[opps["status"] == "open", "amount"].sum()


def test_quarters_add_up_monthly_quotas_and_team_totals(opps, quotas):
    quarter = kt.quota_gap(opps, quotas, by=None, freq="QS")
    assert len(quarter) == 1
    assert quarter.loc[0, "quota"] == 35.0 and quarter.loc[0, "closed_won"] == 18.0
    assert quarter.loc[0, "gap"] == 17.0
    assert quarter.loc[0, "coverage"] == pytest.approx(5 / 17)


def test_pipeline_as_of_rebuilds_stage_from_history(history, opps):
    then = kt.pipeline_as_of(history, opps, as_of="2024-01-06").set_index("opportunity_id")
    # On Jan 6: A in Propose, B already... no: B closed Jan 20, so still open, in Discover;
    # C in Propose (entered Jan 4); D in Discover; E created Jan 1, no history → current stage.
    assert then.loc["A", "stage"] == "Propose"
    assert then.loc["B", "stage"] == "Discover"
    assert then.loc["C", "stage"] == "Propose"
    assert then.loc["D", "stage"] == "Discover"
    later = kt.pipeline_as_of(history, opps, as_of="2024-01-25")
    assert "B" not in set(later["opportunity_id"])  # lost on Jan 20
    assert kt.pipeline_as_of(history, opps, as_of="2023-12-31").empty


def test_pipeline_as_of_uses_first_recorded_stage_before_history_starts(history, opps):
    history = history.assign(entered_at=history["entered_at"] + pd.Timedelta(days=30))
    then = kt.pipeline_as_of(history, opps, as_of="2024-01-06").set_index("opportunity_id")
    assert then.loc["D", "stage"] == "Discover" and then.loc["A", "stage"] == "Qualify"


def test_stalled_deals_by_fixed_threshold(history, opps):
    stalled = kt.stalled_deals(history, opps, as_of="2024-02-01", days=20)
    # C entered Discover on Jan 8 (24 days), D on Jan 2 (30 days).
    assert stalled["opportunity_id"].tolist() == ["D", "C"]
    assert stalled["days_in_stage"].tolist() == [30.0, 24.0]
    assert kt.stalled_deals(history, opps, as_of="2024-01-20", days=20).empty


def test_stalled_deals_default_threshold_is_the_stage_p90(history, opps):
    # Discover's only finished visit took 17 days, so p90 = 17.
    stalled = kt.stalled_deals(history, opps, as_of="2024-01-22")
    assert stalled["opportunity_id"].tolist() == ["D"]
    assert stalled["threshold_days"].tolist() == [17.0]


def test_pipeline_as_of_marks_closed_deal_without_history_as_unknown_stage(history, opps):
    then = kt.pipeline_as_of(history, opps, as_of="2024-02-15").set_index("opportunity_id")
    assert then.loc["E", "stage"] == "(unknown)"  # won on Mar 1, no history


def test_missing_optional_date_columns_mean_nothing_to_place(opps, quotas):
    gap = kt.quota_gap(opps.drop(columns=["expected_close"]), quotas)
    assert gap["open_pipeline"].sum() == 0 and gap["closed_won"].sum() == 18


def test_open_deal_without_expected_close_is_in_no_period_even_with_as_of(opps, quotas):
    undated = opps.assign(expected_close=opps["expected_close"].where(opps["opportunity_id"] != "D"))
    gap = kt.quota_gap(undated, quotas, as_of="2024-03-10")
    assert row(gap, "y", "2024-03-01")["open_pipeline"] == 3.0  # C only: D has no date
    assert gap["open_pipeline"].sum() == 3.0


def test_periods_before_as_of_have_no_pipeline_figure(opps, quotas):
    gap = kt.quota_gap(opps, quotas, as_of="2024-03-10")
    jan = row(gap, "x", "2024-01-01")
    assert np.isnan(jan["open_pipeline"]) and np.isnan(jan["coverage"])
    assert np.isnan(jan["pipeline_Qualify"]) and jan["closed_won"] == 0


def test_without_periods_every_quota_won_and_open_deal_counts_once(opps, quotas):
    team = kt.quota_gap(opps, quotas, by=None, freq=None)
    assert list(team.columns[:5]) == ["quota", "closed_won", "attainment", "gap",
                                      "open_pipeline"]
    assert team.loc[0, ["quota", "closed_won", "gap", "open_pipeline"]].tolist() == [
        35.0, 18.0, 17.0, 5.0]
    assert team.loc[0, "coverage"] == pytest.approx(5 / 17)
    reps = kt.quota_gap(opps, quotas, freq=None, as_of="2024-03-10").set_index("rep")
    assert reps.loc["x", ["quota", "closed_won", "gap", "open_pipeline"]].tolist() == [
        30.0, 10.0, 20.0, 0.0]
    assert reps.loc["y", ["quota", "closed_won", "gap", "open_pipeline"]].tolist() == [
        5.0, 8.0, 0.0, 5.0]


def test_won_amount_is_closed_won_under_the_shared_name(opps, quotas):
    gap = kt.quota_gap(opps, quotas)
    assert gap["won_amount"].tolist() == gap["closed_won"].tolist()


def test_mixed_currencies_are_never_added(opps, quotas):
    # x sells in EUR, y in USD: each rep's row is in one currency.
    by_rep = opps.assign(currency=opps["rep"].map({"x": "EUR", "y": "usd "}))
    assert kt.quota_gap(by_rep, quotas)["closed_won"].sum() == 18.0
    with pytest.raises(kt.SchemaError, match="quota_gap: closed_won and open_pipeline would add "
                                             "up amounts in EUR and USD.*Select one currency"):
        kt.quota_gap(by_rep, quotas, by=None, freq=None)
    # y's won deal E in EUR and its open deal C (same month, March) in USD: one row, two.
    mixed = opps.assign(currency=["EUR", "EUR", "USD", "USD", "EUR"])
    with pytest.raises(kt.SchemaError, match="EUR and USD"):
        kt.quota_gap(mixed, quotas)
    one = opps.assign(currency="EUR")
    pd.testing.assert_frame_equal(kt.quota_gap(one, quotas), kt.quota_gap(opps, quotas))
