"""Deal metrics: revenue, average deal size and sales cycle of won deals."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _conform, _groups
from kpitools._outputs import returns
from kpitools._stats import safe_divide
from kpitools.schema import STATUSES



def cycle_days(opportunities: pd.DataFrame) -> pd.Series:
    """Sales cycle of each deal in fractional days: (closed_at − created_at) / 1 day.

    Never negative: a deal closed on the day it was created has a cycle of 0 (a CRM's
    date-only close date is midnight, before the creation time). A deal closed on an earlier
    day than its creation (entered after the fact) has no cycle (NaN): it still counts as won
    or lost, but says nothing about how long selling takes.

    Examples
    --------
    >>> import pandas as pd
    >>> opps = pd.DataFrame({
    ...     "created_at": pd.to_datetime(["2024-01-01", "2024-01-05 15:00", "2024-01-05"],
    ...                                  format="ISO8601"),
    ...     "closed_at": pd.to_datetime(["2024-01-11 12:00", "2024-01-05", "2024-01-02"],
    ...                                 format="ISO8601")})
    >>> cycle_days(opps).tolist()
    [10.5, 0.0, nan]
    """
    return pd.Series(_cycle(opportunities, np.ones(len(opportunities), bool)),
                     index=opportunities.index)


def _cycle(opportunities: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """:func:`cycle_days` of the chosen ``rows`` (bool), as an array."""
    created, closed = (opportunities[c].to_numpy(dtype="datetime64[ns]")[rows]
                       for c in ("created_at", "closed_at"))
    days = np.maximum((closed - created) / np.timedelta64(1, "D"), 0)  # NaT: NaN
    days[closed.astype("datetime64[D]") < created.astype("datetime64[D]")] = np.nan
    return days


@returns("won_deals", "revenue", "avg_deal_size", "avg_cycle_days", "median_cycle_days", "won",
         "won_amount")
def deal_metrics(opportunities: pd.DataFrame, *, by=None, freq: str | None = None) -> pd.DataFrame:
    """Won deals, revenue, average deal size and sales cycle length, by when deals were won.

    Average deal size is revenue over won deals that have an amount. The sales cycle leaves
    out deals closed before the day they were created (see ``cycle_days``); they count in
    every other column. Amounts in different currencies (a ``currency`` column) are never
    added up: a group that would mix them raises ``SchemaError``; select one currency or
    group by it (``by=["rep", "currency"]``).

    Parameters
    ----------
    opportunities : DataFrame
        The canonical opportunities table; only won deals count.
    by : str or list of str, optional
        Columns to group by, e.g. ``"rep"`` or ``"source"``.
    freq : str, optional
        Period of ``closed_at``, e.g. ``"MS"``.

    Returns
    -------
    DataFrame
        Group columns (and ``period``), then ``won_deals, revenue, avg_deal_size,
        avg_cycle_days, median_cycle_days`` (cycle = closed_at − created_at in days), then
        ``won`` and ``won_amount``: the won count and amount again, named as ``win_rate``
        and ``quota_gap`` name them.

    Examples
    --------
    >>> import kpitools as kt
    >>> opps = kt.load_sample().opportunities
    >>> metrics = kt.deal_metrics(opps)
    >>> won = opps[opps["status"] == "won"]
    >>> bool(metrics.loc[0, "revenue"] == won["amount"].sum())
    True
    """
    where = "deal_metrics"
    freq = _conform.freq(freq, where)
    opportunities = _conform.table(opportunities, "opportunities", where,
                                   required=("status", "amount", "created_at", "closed_at"),
                                   by=by)
    won = _conform.label_codes(opportunities["status"], STATUSES, "opportunities", "status",
                               where) == STATUSES.index("won")
    keys = _groups.keys(opportunities, by, "closed_at", freq)
    _conform.one_currency(opportunities, won, keys, where, "revenue")
    amount = opportunities["amount"].to_numpy(dtype="float64", na_value=np.nan)[won]
    cycle = _cycle(opportunities, won)
    values = {"won_deals": np.ones(len(amount), dtype="int64"), "revenue": amount,
              "priced": ~np.isnan(amount), "avg_cycle_days": cycle, "median_cycle_days": cycle}
    out = _groups.aggregate(values, {name: key[won] for name, key in keys.items()}, {
        "won_deals": "sum", "revenue": "sum", "priced": "sum",
        "avg_cycle_days": "mean", "median_cycle_days": "median"})
    cycle = {name: out.pop(name) for name in ("avg_cycle_days", "median_cycle_days")}
    out["avg_deal_size"] = safe_divide(out["revenue"], out.pop("priced"))
    return pd.DataFrame({**out, **cycle, "won": out["won_deals"], "won_amount": out["revenue"]})
