"""The reverse funnel: from a revenue target back to the outreach it takes each week."""
from __future__ import annotations

import math

import pandas as pd

STEPS = ("deals", "opportunities", "first_meetings", "outreach")


def round_up(value: float) -> float:
    """Round up to a whole number, ignoring float noise (21 / 0.7 = 30.000000000000004 → 30).

    Examples
    --------
    >>> round_up(21 / 0.7), round_up(30.2), round_up(float("nan"))
    (30, 31, nan)
    """
    if math.isnan(value):
        return value
    return math.ceil(round(value, 9))


def _share(name: str, value) -> float | None:
    if value is None:
        return None
    if not 0 <= value <= 1:
        hint = f" Did you mean {value / 100:g}?" if 1 < value <= 100 else ""
        raise ValueError(f"plan: {name} is a share between 0 and 1, got {value!r}.{hint}")
    return value


def plan(target_revenue: float, avg_deal_size: float, win_rate: float,
         next_step_rate: float | None = None, outreach_per_first_meeting: float | None = None,
         weeks: float | None = None) -> pd.DataFrame:
    """Work back from a revenue target to the deals, opportunities, meetings and outreach it needs.

    Each step rounds up, chained: deals = ⌈target / avg_deal_size⌉, opportunities =
    ⌈deals / win_rate⌉, first meetings = ⌈opportunities / next_step_rate⌉ (a first meeting
    with a scheduled next step becomes an opportunity), outreach = ⌈first meetings ×
    outreach_per_first_meeting⌉; per week = ⌈total / weeks⌉. A step whose rate is not given is
    left out; a zero rate gives NaN from that step on (the target cannot be reached that way).

    Parameters
    ----------
    target_revenue : float
        Revenue to win, e.g. the quota still open.
    avg_deal_size : float
        Average won deal (see ``deal_metrics``).
    win_rate, next_step_rate : float
        Shares between 0 and 1 (see ``win_rate``, ``activity_ratios``).
    outreach_per_first_meeting : float, optional
        Touches per first meeting booked (see ``activity_ratios``); needs ``next_step_rate``.
    weeks : float, optional
        Weeks the totals are spread over (``52 / 12`` for a month); adds ``per_week``.

    Returns
    -------
    DataFrame
        ``step, total`` (and ``per_week``), one row per step.

    Examples
    --------
    >>> import kpitools as kt
    >>> kt.plan(100_000, 5_000, 0.25, next_step_rate=0.5, outreach_per_first_meeting=12, weeks=12)
                 step  total  per_week
    0           deals     20         2
    1   opportunities     80         7
    2  first_meetings    160        14
    3        outreach   1920       160
    """
    if target_revenue < 0:
        raise ValueError(f"plan: target_revenue must be >= 0, got {target_revenue!r}.")
    _share("win_rate", win_rate)
    _share("next_step_rate", next_step_rate)
    if outreach_per_first_meeting is not None and next_step_rate is None:
        raise ValueError("plan: outreach needs next_step_rate too (outreach books first "
                         "meetings, and first meetings with a next step become opportunities).")
    deals = _divide(target_revenue, avg_deal_size)
    totals = {"deals": deals, "opportunities": _divide(deals, win_rate)}
    if next_step_rate is not None:
        totals["first_meetings"] = _divide(totals["opportunities"], next_step_rate)
    if outreach_per_first_meeting is not None:
        totals["outreach"] = round_up(totals["first_meetings"] * outreach_per_first_meeting)
    out = pd.DataFrame({"step": list(totals), "total": list(totals.values())})
    if weeks is not None:
        if weeks <= 0:
            raise ValueError(f"plan: weeks must be a positive number, got {weeks!r}.")
        out["per_week"] = [round_up(total / weeks) for total in totals.values()]
    if not out.drop(columns="step").isna().any().any():
        out[out.columns[1:]] = out[out.columns[1:]].astype("int64")
    return out


def _divide(numerator: float, denominator: float) -> float:
    if denominator == 0 or math.isnan(numerator):
        return float("nan")
    return round_up(numerator / denominator)
