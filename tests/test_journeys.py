"""Deals' journeys: the sortedness shortcut orders entries as a full sort would."""
import numpy as np
import pytest

from kpitools import _journeys


@pytest.mark.parametrize("presorted", [True, False])
def test_time_order_is_lexsort_by_deal_time_stage(rng, presorted):
    deal = rng.integers(0, 30, 400)
    when = np.datetime64("2024-01-01") + rng.integers(0, 20, 400).astype("timedelta64[D]")
    code = rng.integers(0, 6, 400)
    full = np.lexsort((code, when, deal))
    if presorted:
        deal, when, code = deal[full], when[full], code[full]
        full = np.lexsort((code, when, deal))
    order = _journeys.time_order(deal, when, code)
    np.testing.assert_array_equal(order, full)
    assert (order == np.arange(400)).all() == presorted
