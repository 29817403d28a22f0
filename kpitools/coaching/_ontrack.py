"""On track this month? A rep's outreach, first meetings and closed-won so far against where
the plan and the quota say they should be by today (private; see ``kpitools.coaching``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools._outputs import returns
from kpitools._repindex import RepIndex
from kpitools.activity import activity_ratios
from kpitools.coaching._numbers import today
from kpitools.coaching._plan import RepPlan, monthly_quota, rep_plan
from kpitools.pacing import pace


@returns("unit", "target", "expected_by_now", "actual", "ahead", "projected", "on_track")
def on_track(data, rep: str | None = None, *, as_of=None, freq: str = "MS",
             plan: RepPlan | None = None, reps: RepIndex | None = None) -> pd.DataFrame:
    """This month (or week) so far against the plan: outreach, first meetings, closed-won.

    The targets are the plan's (``rep_plan``: outreach and first meetings a month, the steady
    flow, or a week with ``freq="W"``) and this month's quota (the same quota rule as the
    plan; not shown for a week); ``kt.pace`` turns each into where the rep should be by today,
    from the share of the period's working days gone.

    Parameters
    ----------
    data : CRMData
    rep : str, optional
        A rep's name; None for the team.
    as_of : date-like, optional
        "Today"; default the data's today.
    freq : {"MS", "W"}, default "MS"
        This month, or this week (from Monday).
    plan : RepPlan, optional
        ``rep_plan(data, rep)``, when already computed.
    reps : RepIndex, optional
        Each rep's rows found once.

    Returns
    -------
    DataFrame
        ``what, unit ("count" or "money"), target, expected_by_now, actual, ahead, projected,
        on_track``: one row each for outreach touches, first meetings and (for a month)
        closed-won.

    Examples
    --------
    >>> import kpitools as kt
    >>> track = on_track(kt.load_sample(), "Sam Carter")
    >>> track["what"].tolist()
    ['outreach touches', 'first meetings', 'closed-won']
    """
    as_of = today(data) if as_of is None else pd.Timestamp(as_of)
    reps = reps or RepIndex(data, ())
    plan = plan or rep_plan(data, rep, as_of=as_of, reps=reps)
    if freq not in ("MS", "W"):
        raise ValueError(f"on_track: freq is 'MS' (this month) or 'W' (this week), got {freq!r}.")
    month = as_of.to_period("M").start_time
    start = month if freq == "MS" else as_of.normalize() - pd.Timedelta(days=as_of.weekday())
    end = as_of.normalize() + pd.Timedelta(days=1)
    acts = reps.rows("activities", rep)
    if "at" in acts:
        acts = acts[(acts["at"] >= start).to_numpy() & (acts["at"] < end).to_numpy()]
    done = activity_ratios(acts).iloc[0] if len(acts) else pd.Series(
        {"outreach": 0, "first_meetings": 0})
    opps = reps.rows("opportunities", rep)
    won = opps[(opps["status"] == "won").to_numpy() & (opps["closed_at"] >= month).to_numpy()
               & (opps["closed_at"] < end).to_numpy()] if "closed_at" in opps else opps.iloc[:0]
    steps = plan.table().set_index("step")["total" if freq == "MS" else "per_week"]
    quota, _ = monthly_quota(data, opps, rep, month, as_of)
    targets = [steps.get("outreach", np.nan), steps.get("first_meetings", np.nan), quota]
    actual = [done["outreach"], done["first_meetings"], won["amount"].sum()]
    rows = 3 if freq == "MS" else 2
    paced = pace(actual[:rows], targets[:rows], as_of=as_of, freq=freq)
    return pd.DataFrame({"what": ["outreach touches", "first meetings", "closed-won"][:rows],
                         "unit": ["count", "count", "money"][:rows],
                         **{c: paced[c] for c in ("target", "expected_by_now", "actual", "ahead",
                                                  "projected", "on_track")}})
