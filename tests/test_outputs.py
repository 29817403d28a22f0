"""Each KPI function's declared columns are exactly what it returns, next to its group keys."""
import pandas as pd
import pytest

import kpitools as kt
from kpitools._outputs import key_columns, metric_columns


@pytest.fixture(scope="module")
def data():
    return kt.load_sample()


CALLS = {  # function: (tables, options) — the options give the group keys
    kt.activity_ratios: (("activities",), {"by": "rep", "freq": "W"}),
    kt.outreach_by_channel: (("activities",), {"by": "rep"}),
    kt.source_conversion: (("leads", "activities"), {"by": ["source", "region"]}),
    kt.lead_conversion: (("leads", "opportunities"), {"by": "source", "freq": "QS"}),
    kt.stage_conversion: (("stage_history", "opportunities"), {"by": "rep"}),
    kt.win_rate: (("opportunities",), {"by": "rep", "freq": "QS", "weight": "amount"}),
    kt.deal_metrics: (("opportunities",), {"by": "product", "freq": "MS"}),
    kt.quota_gap: (("opportunities", "quotas"), {"by": "rep"}),
}


@pytest.mark.parametrize("func", CALLS, ids=lambda f: f.__name__)
def test_declared_columns_in_order_and_the_rest_are_group_keys(data, func):
    tables, options = CALLS[func]
    out = func(*(getattr(data, t) for t in tables), **options)
    metrics = metric_columns(func, out)
    assert [c for c in metrics if c in func.columns] == list(func.columns)
    expected_keys = ([options["by"]] if isinstance(options["by"], str) else options["by"]) + (
        ["period"] if "freq" in options or func is kt.quota_gap else [])
    assert key_columns(func, out) == expected_keys


def test_optional_columns_are_the_ones_some_calls_add(data):
    plain = kt.win_rate(data.opportunities)
    weighted = kt.win_rate(data.opportunities, weight="amount")
    assert set(weighted.columns) - set(plain.columns) == {"won_amount", "lost_amount"}
    assert set(metric_columns(kt.win_rate, weighted)) == set(weighted.columns)
    gap = kt.quota_gap(data.opportunities, data.quotas)
    assert {f"pipeline_{s}" for s in data.stages} <= set(metric_columns(kt.quota_gap, gap))


def test_listings_and_matrix_declare_their_columns(data):
    then = kt.pipeline_as_of(data.stage_history, data.opportunities, as_of="2024-09-30")
    assert set(metric_columns(kt.pipeline_as_of, then)) == set(then.columns)
    stalled = kt.stalled_deals(data.stage_history, data.opportunities, as_of=data.today)
    assert set(metric_columns(kt.stalled_deals, stalled)) == set(stalled.columns)
    matrix = kt.transition_matrix(data.stage_history, data.opportunities)
    assert list(matrix.columns) == [*data.stages, *kt.transition_matrix.columns]
    table = kt.interval_by_deals(0.3, [5, 50])
    assert list(table.columns) == list(kt.interval_by_deals.columns)


def test_won_counts_and_won_amounts_have_one_name_everywhere(data):
    opps, quotas = data.opportunities, data.quotas
    rates = kt.win_rate(opps, by="rep", weight="amount").set_index("rep")
    deals = kt.deal_metrics(opps, by="rep").set_index("rep")
    gap = kt.quota_gap(opps, quotas, freq=None).set_index("rep")
    assert rates["won"].equals(deals["won"])
    pd.testing.assert_series_equal(rates["won_amount"], deals["won_amount"])
    pd.testing.assert_series_equal(gap["won_amount"], deals["won_amount"], check_names=False)
    for func in (kt.win_rate, kt.deal_metrics, kt.lead_conversion):
        assert "won" in func.columns
    for func in (kt.deal_metrics, kt.quota_gap):
        assert "won_amount" in func.columns
