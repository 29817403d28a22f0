"""The KPI registry: shape, keys, and that every named function exists."""
import json
from importlib.resources import files

import pandas as pd
import pytest

import kpitools as kt
from kpitools import formulas
from kpitools.catalogue import COLUMNS, catalogue, kpi

FRAME_FUNCTIONS = {"activity_ratios", "source_conversion", "lead_conversion", "stage_conversion",
                   "transition_matrix", "win_rate", "deal_metrics", "quota_gap",
                   "pipeline_as_of", "plan", "weighted_pipeline", "slipped_deals", "pace"}
GROUPS = {"activity", "revenue", "conversion", "pipeline", "customers", "team", "breakdowns"}
EXAMPLE_KEYS = {e["kpi"] for e in json.loads(
    (files("kpitools") / "data" / "worked_examples.json").read_text("utf-8"))}


@pytest.fixture(scope="module")
def cat():
    return catalogue()


def test_columns_and_types(cat):
    assert list(cat.columns) == list(COLUMNS) == [
        "key", "name", "group", "indicator", "formula", "unit", "higher_is_better", "function",
        "first_seven"]
    assert cat["higher_is_better"].dtype == "boolean"
    assert cat["first_seven"].dtype == bool
    for column in ("key", "name", "group", "indicator", "formula", "unit"):
        assert (cat[column].str.len() > 0).all(), column


def test_keys_are_unique_snake_case(cat):
    assert cat["key"].is_unique
    assert cat["key"].str.fullmatch(r"[a-z][a-z0-9_]*").all()
    assert cat["name"].is_unique


def test_indicator_and_group_values(cat):
    assert set(cat["indicator"]) == {"leading", "lagging"}
    assert set(cat["group"]) == GROUPS


def test_every_worked_example_and_formula_is_a_kpi(cat):
    assert EXAMPLE_KEYS <= set(cat["key"])
    assert set(formulas.__all__) <= set(cat["key"])


def test_the_seven_kpis_a_new_rep_watches_first(cat):
    assert set(cat.loc[cat["first_seven"], "key"]) == {
        "lead_conversion_rate", "avg_deal_size", "win_rate", "quota_attainment",
        "revenue_growth", "pipeline_coverage", "retention_rate"}


def test_guide_facts(cat):
    row = cat.set_index("key")
    assert row.loc["win_rate", "indicator"] == "lagging"
    assert row.loc["churn_rate", "indicator"] == "lagging"
    assert not row.loc["churn_rate", "higher_is_better"]
    assert row.loc["quota_gap", "indicator"] == "leading"
    assert row.loc["outreach_per_first_meeting", "function"] == "activity_ratios"
    assert row.loc["win_rate", "function"] == "win_rate"
    assert row.loc["pipeline_coverage", "function"] == "quota_gap"
    assert row.loc["avg_deal_size", "function"] == "deal_metrics"
    for key in ("calls_per_day", "first_meeting_rate", "next_step_rate", "stage_conversion",
                "lead_to_customer_rate", "calls_per_rep_per_month", "data_entry_time_share",
                "sales_by_product", "cancelled_orders_by_reason", "net_customer_churn",
                "retention_rate", "cac", "cltv", "forecast_accuracy"):
        assert key in row.index, key
    assert (row.loc[row["group"] == "breakdowns", "higher_is_better"].isna()).all()


def test_every_function_exists(cat):
    for name in cat["function"]:
        if name.startswith("formulas."):
            assert callable(getattr(formulas, name.removeprefix("formulas."), None)), name
        elif name:
            assert name in FRAME_FUNCTIONS, name
            assert callable(getattr(kt, name, None)), name


def test_catalogue_returns_a_fresh_frame():
    first = catalogue()
    first.loc[0, "name"] = "changed"
    assert catalogue().loc[0, "name"] != "changed"


def test_kpi_returns_one_row():
    row = kpi("win_rate")
    assert isinstance(row, pd.Series)
    assert row.name == "win_rate"
    assert list(row.index) == list(COLUMNS)
    assert row["function"] == "win_rate" and bool(row["first_seven"])
    assert kt.kpi("churn_rate")["function"] == "formulas.churn_rate"


def test_unknown_kpi_raises_with_a_suggestion():
    with pytest.raises(KeyError) as info:
        kpi("winrate")
    message = info.value.args[0]
    assert message.startswith("'winrate' is not a KPI. See kt.catalogue() for valid keys.")
    assert "Did you mean 'win_rate'?" in message


def test_unknown_kpi_without_close_match_still_explains():
    with pytest.raises(KeyError, match="See kt.catalogue"):
        kpi("zzz")


@pytest.mark.parametrize("role", ["ae", "sdr"])
def test_starter_sets_are_mostly_leading_and_say_why(role, cat):
    chosen = kt.starter_set(role)
    assert chosen["key"].isin(cat["key"]).all() and chosen["key"].is_unique
    leading = (chosen["indicator"] == "leading").sum()
    assert leading > len(chosen) / 2 and 5 <= len(chosen) <= 8
    assert (chosen["why"].str.len() > 20).all()


def test_the_sdr_set_holds_what_an_sdr_is_judged_on():
    keys = set(kt.starter_set("sdr")["key"])
    assert {"meetings_booked", "first_meetings_per_week", "connect_rate", "reply_rate",
            "meeting_quota_attainment"} <= keys
    with pytest.raises(KeyError, match="not a role"):
        kt.starter_set("cfo")
