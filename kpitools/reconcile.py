"""Why two views of the same deals count differently, in numbers a notebook can put in a
sentence next to the two views (one function per pair of views the course shows).
"""
from __future__ import annotations

import pandas as pd

from kpitools import _groups
from kpitools.schema import require_columns

__all__ = ["won_without_history", "won_by_lead"]


def won_without_history(stage_history: pd.DataFrame, opportunities: pd.DataFrame) -> dict:
    """Won deals in the funnel against the moves into "won" the stage history recorded.

    The funnel (``stage_conversion``) counts every won deal, since a won deal passed every
    stage; the transition matrix counts only the moves the history holds, so a won deal with
    no history row at all is in the funnel and not in the matrix.

    Returns
    -------
    dict
        ``won`` (won deals), ``with_history`` (won deals with a history row),
        ``without_history`` (the difference).

    Examples
    --------
    >>> import pandas as pd
    >>> opps = pd.DataFrame({"opportunity_id": ["A", "B", "C"],
    ...                      "status": ["won", "won", "lost"]})
    >>> history = pd.DataFrame({"opportunity_id": ["A", "C"], "stage": ["Qualify"] * 2})
    >>> won_without_history(history, opps)
    {'won': 2, 'with_history': 1, 'without_history': 1}
    """
    require_columns(opportunities, "opportunities", ("opportunity_id", "status"),
                    "won_without_history")
    won = opportunities.loc[_groups.equals(opportunities["status"], "won"), "opportunity_id"]
    recorded = int(won.isin(stage_history["opportunity_id"]).sum())
    return {"won": len(won), "with_history": recorded, "without_history": len(won) - recorded}


def won_by_lead(leads: pd.DataFrame, opportunities: pd.DataFrame) -> dict:
    """Won deals against leads that became customers (``lead_conversion``'s ``won``).

    ``lead_conversion`` counts leads: a won deal with no lead in the leads table is not in it,
    and a lead with two won deals counts once; ``win_rate`` and ``deal_metrics`` count deals.

    Returns
    -------
    dict
        ``won_deals``, ``leads_won`` (leads with a won deal), ``without_lead`` (won deals whose
        lead is missing or not in the leads table) and ``repeat`` (won deals beyond a lead's
        first): ``won_deals = leads_won + without_lead + repeat``.

    Examples
    --------
    >>> import pandas as pd
    >>> leads = pd.DataFrame({"lead_id": ["L1", "L2"]})
    >>> opps = pd.DataFrame({"lead_id": ["L1", "L1", None, "L9", "L2"],
    ...                      "status": ["won", "won", "won", "won", "lost"]})
    >>> won_by_lead(leads, opps)
    {'won_deals': 4, 'leads_won': 1, 'without_lead': 2, 'repeat': 1}
    """
    require_columns(opportunities, "opportunities", ("status", "lead_id"), "won_by_lead")
    won = opportunities.loc[_groups.equals(opportunities["status"], "won"), "lead_id"]
    known = won[won.isin(leads["lead_id"]).to_numpy()]
    leads_won = known.nunique()
    return {"won_deals": len(won), "leads_won": leads_won,
            "without_lead": len(won) - len(known), "repeat": len(known) - leads_won}
