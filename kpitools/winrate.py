"""Win rate: the share of closed deals that were won, with an honest interval."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _groups
from kpitools._outputs import returns
from kpitools._stats import safe_divide, wilson_interval
from kpitools.schema import require_columns


@returns("won", "lost", "win_rate", "ci_low", "ci_high", optional=("won_*", "lost_*"))
def win_rate(opportunities: pd.DataFrame, *, by=None, freq: str | None = None,
             weight: str | None = None, confidence: float = 0.9) -> pd.DataFrame:
    """Share of closed opportunities that were won: won / (won + lost).

    Open deals are not in the denominator: they have not been decided yet. The interval is
    Wilson's score interval on the counts, so 3 won of 5 shows how little 5 deals can tell.

    Parameters
    ----------
    opportunities : DataFrame
        The canonical opportunities table.
    by : str or list of str, optional
        Columns to group by, e.g. ``"rep"``. Without ``freq``, groups with only open deals are
        shown with 0 won, 0 lost and a NaN rate.
    freq : str, optional
        Period of ``closed_at``, e.g. ``"QS"``.
    weight : str, optional
        ``"amount"`` gives the value-weighted rate: won amount / (won + lost amount); ``won``
        and ``lost`` stay counts and ``won_amount``, ``lost_amount`` are added.
    confidence : float, default 0.9
        Coverage of the interval.

    Returns
    -------
    DataFrame
        Group columns (and ``period``), then ``won, lost, win_rate, ci_low, ci_high``.

    Examples
    --------
    >>> import kpitools as kt
    >>> opps = kt.load_sample().opportunities
    >>> overall = kt.win_rate(opps)
    >>> int(overall.loc[0, "won"]) == int((opps["status"] == "won").sum())
    True
    >>> row = overall.iloc[0]
    >>> bool(row["ci_low"] <= row["win_rate"] <= row["ci_high"])
    True
    """
    require_columns(opportunities, "opportunities", ("status",), "win_rate")
    won = _groups.equals(opportunities["status"], "won")
    lost = _groups.equals(opportunities["status"], "lost")
    counts = {"won": won, "lost": lost}
    if weight is not None:
        require_columns(opportunities, "opportunities", (weight,), "win_rate")
        values = opportunities[weight].astype("float64").fillna(0).to_numpy()
        counts[f"won_{weight}"] = np.where(won, values, 0.0)
        counts[f"lost_{weight}"] = np.where(lost, values, 0.0)
    keys = _groups.keys(opportunities, by, "closed_at", freq, "opportunities", "win_rate")
    if freq is not None:  # open deals have no period
        closed = won | lost
        counts = {name: values[closed] for name, values in counts.items()}
        keys = {name: values[closed] for name, values in keys.items()}
    out = _groups.aggregate(counts, keys)
    numerator, other = ("won", "lost") if weight is None else (f"won_{weight}", f"lost_{weight}")
    out["win_rate"] = safe_divide(out[numerator], out[numerator] + out[other])
    out["ci_low"], out["ci_high"] = wilson_interval(out["won"], out["won"] + out["lost"],
                                                    confidence)
    return pd.DataFrame(out)


@returns("closed", "won", "win_rate", "ci_low", "ci_high", "width")
def interval_by_deals(win_rate: float, deals, confidence: float = 0.9) -> pd.DataFrame:
    """How the interval around the same win rate narrows as closed deals accumulate.

    Parameters
    ----------
    win_rate : float
        The observed share won, e.g. 0.6 for 3 of 5.
    deals : sequence of int
        Numbers of closed deals to show (the won count is rounded to the nearest whole deal).
    confidence : float, default 0.9

    Returns
    -------
    DataFrame
        ``closed, won, win_rate, ci_low, ci_high, width``.

    Examples
    --------
    >>> table = interval_by_deals(0.6, [5, 50, 500])
    >>> table[["closed", "won"]].values.tolist()
    [[5, 3], [50, 30], [500, 300]]
    >>> bool(table["width"].is_monotonic_decreasing)
    True
    """
    closed = np.asarray(deals, dtype="int64")
    won = np.rint(closed * win_rate).astype("int64")
    low, high = wilson_interval(won, closed, confidence)
    return pd.DataFrame({"closed": closed, "won": won, "win_rate": safe_divide(won, closed),
                         "ci_low": low, "ci_high": high, "width": high - low})
