"""Count differences between two views, explained in numbers (conftest's deals, by hand)."""
import pandas as pd

import kpitools as kt
from kpitools import reconcile


def test_won_deals_without_stage_history(opps, history):
    # A won with history (Q → P → N); E won without any history row
    assert reconcile.won_without_history(history, opps) == {
        "won": 2, "with_history": 1, "without_history": 1}
    matrix = kt.transition_matrix(history, opps)
    funnel = kt.stage_conversion(history, opps)
    assert matrix["won"].sum() == 1 and funnel["advanced"].iloc[-1] == 2  # the two views


def test_won_deals_by_lead(opps):
    leads = pd.DataFrame({"lead_id": ["L1", "L2"], "rep": ["x", "y"], "source": ["a", "b"],
                          "created_at": pd.to_datetime(["2024-01-01"] * 2)})
    deals = opps.assign(lead_id=["L1", "L2", "L2", None, "L1"])  # A, E won on L1; B lost
    assert reconcile.won_by_lead(leads, deals) == {
        "won_deals": 2, "leads_won": 1, "without_lead": 0, "repeat": 1}
    assert kt.lead_conversion(leads, deals)["won"].sum() == 1  # the view that counts leads
    orphan = opps.assign(lead_id=["L9", None, None, None, "L1"])
    assert reconcile.won_by_lead(leads, orphan) == {
        "won_deals": 2, "leads_won": 1, "without_lead": 1, "repeat": 0}
