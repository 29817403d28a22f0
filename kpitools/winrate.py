"""Win rate: the share of closed deals that were won, with an honest interval."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _conform, _groups
from kpitools._compat import old_calls
from kpitools._outputs import returns
from kpitools._stats import safe_divide, wilson_interval
from kpitools.schema import STATUSES


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
        and ``lost`` stay counts and ``won_amount``, ``lost_amount`` are added. Amounts in
        different currencies (a ``currency`` column) are never added up: a group that would
        mix them raises ``SchemaError``; select one currency or group by it.
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
    where = "win_rate"
    freq = _conform.freq(freq, where)
    opportunities = _conform.table(
        opportunities, "opportunities", where,
        required=("status", *(("closed_at",) if freq else ()), *((weight,) if weight else ())),
        by=by, numbers=(weight,) if weight else ())
    status = _conform.label_codes(opportunities["status"], STATUSES, "opportunities", "status",
                                  where)
    won, lost = status == STATUSES.index("won"), status == STATUSES.index("lost")
    counts = {"won": won, "lost": lost}
    keys = _groups.keys(opportunities, by, "closed_at", freq)
    if weight is not None:
        _conform.one_currency(opportunities, won | lost, keys, where, f"won and lost {weight}")
        values = opportunities[weight].fillna(0).to_numpy(dtype="float64")
        counts[f"won_{weight}"] = np.where(won, values, 0.0)
        counts[f"lost_{weight}"] = np.where(lost, values, 0.0)
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
@old_calls(positional=("confidence",))
def interval_by_deals(win_rate: float, deals, *, confidence: float = 0.9) -> pd.DataFrame:
    """How the interval around the same win rate narrows as closed deals accumulate.

    Parameters
    ----------
    win_rate : float
        The observed share won, e.g. 0.6 for 3 of 5.
    deals : sequence of int
        Numbers of closed deals to show (the won count is rounded to the nearest whole deal).
    confidence : float, default 0.9
        Coverage of the interval (keyword; by position still works, with a FutureWarning).

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
