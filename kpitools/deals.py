"""Deal metrics: revenue, average deal size and sales cycle of won deals."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _groups
from kpitools._outputs import returns
from kpitools._stats import safe_divide
from kpitools.schema import require_columns

DAY = pd.Timedelta(days=1)


def cycle_days(opportunities: pd.DataFrame) -> pd.Series:
    """Sales cycle of each deal in fractional days: (closed_at − created_at) / 1 day.

    Examples
    --------
    >>> import pandas as pd
    >>> opps = pd.DataFrame({"created_at": pd.to_datetime(["2024-01-01"]),
    ...                      "closed_at": pd.to_datetime(["2024-01-11 12:00"])})
    >>> cycle_days(opps).tolist()
    [10.5]
    """
    return (opportunities["closed_at"] - opportunities["created_at"]) / DAY


@returns("won_deals", "revenue", "avg_deal_size", "avg_cycle_days", "median_cycle_days")
def deal_metrics(opportunities: pd.DataFrame, *, by=None, freq: str | None = None) -> pd.DataFrame:
    """Won deals, revenue, average deal size and sales cycle length, by when deals were won.

    Average deal size is revenue over won deals that have an amount.

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
        avg_cycle_days, median_cycle_days`` (cycle = closed_at − created_at in days).

    Examples
    --------
    >>> import kpitools as kt
    >>> opps = kt.load_sample().opportunities
    >>> metrics = kt.deal_metrics(opps)
    >>> won = opps[opps["status"] == "won"]
    >>> bool(metrics.loc[0, "revenue"] == won["amount"].sum())
    True
    """
    require_columns(opportunities, "opportunities", ("status", "amount", "created_at", "closed_at"),
                    "deal_metrics")
    won = _groups.equals(opportunities["status"], "won")
    amount = opportunities["amount"].to_numpy(dtype="float64")[won]
    cycle = cycle_days(opportunities).to_numpy()[won]
    values = {"won_deals": np.ones(len(amount), dtype="int64"), "revenue": amount,
              "priced": ~np.isnan(amount), "avg_cycle_days": cycle, "median_cycle_days": cycle}
    group_keys = {name: key[won] for name, key in _groups.keys(
        opportunities, by, "closed_at", freq, "opportunities", "deal_metrics").items()}
    out = _groups.aggregate(values, group_keys, {
        "won_deals": "sum", "revenue": "sum", "priced": "sum",
        "avg_cycle_days": "mean", "median_cycle_days": "median"})
    cycle = {name: out.pop(name) for name in ("avg_cycle_days", "median_cycle_days")}
    out["avg_deal_size"] = safe_divide(out["revenue"], out.pop("priced"))
    return pd.DataFrame({**out, **cycle})
