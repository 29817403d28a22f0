"""Every worked example of the domain guide, computed by kpitools.formulas."""
import inspect
import json
import math
from importlib.resources import files
from pathlib import Path

import pytest

from kpitools import formulas

EXAMPLES = json.loads((files("kpitools") / "data" / "worked_examples.json").read_text("utf-8"))
SHARED = Path(__file__).parents[2] / "shared" / "domain" / "worked_examples.json"
FORMULAS = [getattr(formulas, name) for name in formulas.__all__]


def _id(example):
    return example["kpi"]


@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_worked_example(example):
    result = getattr(formulas, example["kpi"])(**example["inputs"])
    expected = example["expected"]
    if isinstance(expected, dict):
        assert list(result) == list(expected)
        for key, value in expected.items():
            assert result[key] == pytest.approx(value, rel=1e-4), key
    else:
        assert result == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_signature_matches_example_inputs(example):
    params = inspect.signature(getattr(formulas, example["kpi"])).parameters
    assert list(params) == list(example["inputs"])
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params.values())


def test_every_example_has_a_formula_and_every_formula_is_public():
    assert {e["kpi"] for e in EXAMPLES} | {"retention_rate"} == set(formulas.__all__)


def test_repo_copy_equals_shared_worked_examples():
    if not SHARED.exists():
        pytest.skip(f"no shared domain folder at {SHARED} (checkout without ../shared)")
    assert json.loads(SHARED.read_text("utf-8")) == EXAMPLES


@pytest.mark.parametrize("func, kwargs", [
    (formulas.revenue_growth, {"current": 5, "previous": 0}),
    (formulas.avg_deal_size, {"won_revenue": 5, "won_deals": 0}),
    (formulas.lead_conversion_rate, {"converted": 0, "leads": 0}),
    (formulas.opportunity_conversion_rate, {"won": 0, "opportunities": 0}),
    (formulas.sales_cycle_days, {"total_days": 0, "won_deals": 0}),
    (formulas.lead_to_customer_rate, {"leads": 0, "customers": 3}),
    (formulas.mql_to_sql_rate, {"mqls": 0, "sqls": 0}),
    (formulas.win_rate, {"won": 0, "lost": 0}),
    (formulas.pipeline_velocity,
     {"opportunities": 200, "win_rate": 0.25, "avg_deal_size": 10_000, "cycle_days": 0}),
    (formulas.forecast_accuracy, {"actual": 0, "forecast": 10}),
    (formulas.deals_needed, {"quota": 100, "avg_deal_size": 0}),
    (formulas.leads_needed, {"quota": 100, "avg_deal_size": 0, "lead_to_customer_rate": 0.1}),
    (formulas.leads_needed, {"quota": 100, "avg_deal_size": 10, "lead_to_customer_rate": 0}),
    (formulas.cac, {"spend": 1000, "new_customers": 0}),
    (formulas.churn_rate, {"customers_at_start": 0, "lost": 0, "new": 5}),
    (formulas.net_customer_churn, {"customers_at_start": 0, "lost": 1, "new": 5}),
    (formulas.retention_rate, {"customers_at_end": 5, "new": 5, "customers_at_start": 0}),
    (formulas.quota_attainment_rate, {"reps_at_or_above_quota": 0, "reps": 0}),
    (formulas.rep_productivity, {"revenue": 100, "reps": 0}),
    (formulas.time_spent_selling, {"selling_hours": 0, "working_hours": 0}),
], ids=lambda v: getattr(v, "__name__", ""))
def test_zero_denominator_is_nan(func, kwargs):
    result = func(**kwargs)
    assert isinstance(result, float) and math.isnan(result)


def test_funnel_leak_with_no_next_stage_gives_nan_rate():
    result = formulas.funnel_leak(prospects=100, first_meeting_rate=0.4, next_stage_rate=0,
                                  prospect_to_customer_rate=0.05)
    assert result["next_stage"] == 0
    assert math.isnan(result["next_stage_to_customer_rate"])


@pytest.mark.parametrize("quota, avg, rate, deals, leads", [
    (21, 0.7, 0.7, 30, 43),                # 21 / 0.7 = 30.000000000000004 stays 30
    (100_000, 6_000, 0.10, 17, 170),       # 16.67 deals round up to 17, then 17 / 0.1
    (100_000, 5_000, 0.3, 20, 67),         # 66.67 leads round up
])
def test_needed_rounds_up_to_whole_numbers_ignoring_float_noise(quota, avg, rate, deals, leads):
    assert formulas.deals_needed(quota=quota, avg_deal_size=avg) == deals
    result = formulas.leads_needed(quota=quota, avg_deal_size=avg, lead_to_customer_rate=rate)
    assert result == leads and isinstance(result, int)


def test_gross_and_net_churn_and_retention_agree():
    inputs = {"customers_at_start": 500, "lost": 30, "new": 20}
    assert formulas.churn_rate(**inputs) == pytest.approx(0.06)
    assert formulas.churn_rate(customers_at_start=500, lost=30) == pytest.approx(0.06)
    assert formulas.net_customer_churn(**inputs) == pytest.approx(0.02)
    retained = formulas.retention_rate(customers_at_end=500 - 30 + 20, new=20,
                                       customers_at_start=500)
    assert retained == pytest.approx(1 - formulas.churn_rate(**inputs))


def test_rates_are_fractions_not_percent():
    assert formulas.win_rate(won=3, lost=2) == pytest.approx(0.6)
    assert formulas.forecast_accuracy(actual=100, forecast=250) == pytest.approx(-0.5)


@pytest.mark.parametrize("func", FORMULAS, ids=lambda f: f.__name__)
def test_docstring_is_complete_numpydoc(func):
    doc = inspect.getdoc(func)
    summary = doc.splitlines()[0]
    assert summary.endswith(".") and len(summary) <= 100
    for section in ("Parameters\n----------", "Returns\n-------", "Examples\n--------\n"):
        assert section in doc
    for name in inspect.signature(func).parameters:
        assert f"\n{name} : float" in doc
    assert ">>> " + func.__name__ + "(" in doc
