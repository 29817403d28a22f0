"""The numbers every coaching figure starts from: the data's "today", the small-sample rule,
and one rep's (or the team's) ratios with the cases behind them (private)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools.activity import activity_ratios
from kpitools.deals import deal_metrics
from kpitools.schema import SchemaError
from kpitools.winrate import win_rate

SMALL_SAMPLE = 10          # the team's ratio counts as this many of the rep's own cases
# When neither the rep nor the team has a number: typical values, said so in the notes.
FALLBACKS = {"avg_deal_size": 10_000.0, "win_rate": 0.25, "next_step_rate": 0.5,
             "outreach_per_first_meeting": 10.0}


def today(data) -> pd.Timestamp:
    """The data's "now": ``data.today``, else the last activity, deal or close date.

    Examples
    --------
    >>> import kpitools as kt
    >>> today(kt.load_sample()).date()
    datetime.date(2024, 12, 13)
    """
    if getattr(data, "today", None) is not None:
        return pd.Timestamp(data.today)
    dates = [data.activities.get("at"), data.opportunities.get("created_at"),
             data.opportunities.get("closed_at")]
    latest = max((d.max() for d in dates if d is not None and d.notna().any()), default=None)
    return pd.Timestamp(latest) if latest is not None else pd.Timestamp.now().normalize()


def blend(own, cases, team, weight: float = SMALL_SAMPLE):
    """The small-sample rule: a rep's ratio moved toward the team's while its cases are few.

    ``(cases × own + weight × team) / (cases + weight)``; an ``own`` of NaN (no cases yet)
    gives the team's ratio.

    Parameters
    ----------
    own : float or array
        The rep's own ratio.
    cases : int or array
        The rep's cases behind it (closed deals, won deals or first meetings).
    team : float or array
        The team's ratio.
    weight : float, default ``SMALL_SAMPLE`` (10)
        How many cases the team's ratio counts as.

    Returns
    -------
    float or ndarray

    Examples
    --------
    1 won and 0 lost is not a 100% win rate; with 10 closed deals the rep's own rate counts
    half:

    >>> round(blend(1.0, 1, 0.30), 3), blend(0.2, 10, 0.4)
    (0.364, 0.3)
    >>> blend(float("nan"), 0, 0.3)
    0.3
    """
    own, cases = np.asarray(own, dtype="float64"), np.asarray(cases, dtype="float64")
    counted = np.where(np.isnan(own) | (cases <= 0), 0.0, cases)
    out = (counted * np.nan_to_num(own) + weight * np.asarray(team, dtype="float64")) / (
        counted + weight)
    return float(out) if out.ndim == 0 else out


def _first(frame: pd.DataFrame) -> pd.Series:
    return frame.iloc[0] if len(frame) else pd.Series(dtype="float64")


def _safe(function, *args, **kwargs) -> pd.Series:
    """One row of a KPI function, or an empty row when the export lacks its columns."""
    try:
        return _first(function(*args, **kwargs))
    except SchemaError:
        return pd.Series(dtype="float64")


def team_numbers(opportunities: pd.DataFrame, activities: pd.DataFrame) -> dict:
    """Ratios and their cases for one rep or the team: ``{name: (ratio, cases)}`` for the plan
    inputs, plus ``won``, ``lost`` and ``cycle_days`` (median days to win).

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> numbers = team_numbers(data.opportunities, data.activities)
    >>> numbers["win_rate"][1] == numbers["won"] + numbers["lost"]
    True
    """
    wins = _safe(win_rate, opportunities)
    deals = _safe(deal_metrics, opportunities)
    ratios = _safe(activity_ratios, activities)
    won, lost = int(wins.get("won", 0)), int(wins.get("lost", 0))
    meetings = int(ratios.get("first_meetings", 0))
    return {"win_rate": (float(wins.get("win_rate", np.nan)), won + lost),
            "avg_deal_size": (float(deals.get("avg_deal_size", np.nan)),
                              int(deals.get("won_deals", 0))),
            "next_step_rate": (float(ratios.get("next_step_rate", np.nan)), meetings),
            "outreach_per_first_meeting": (float(ratios.get("outreach_per_first_meeting",
                                                            np.nan)), meetings),
            "won": won, "lost": lost,
            "cycle_days": float(deals.get("median_cycle_days", np.nan))}


def _usable(value: float) -> bool:
    return not np.isnan(value) and value > 0
