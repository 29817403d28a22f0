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
def on_track(data, rep: str | None = None, *, as_of=None, plan: RepPlan | None = None,
             reps: RepIndex | None = None) -> pd.DataFrame:
    """This month so far against the plan: outreach, first meetings and closed-won.

    The targets are the plan's month (``rep_plan``: outreach and first meetings a month, the
    steady flow) and this month's quota (the same quota rule as the plan); ``kt.pace`` turns
    each into where the rep should be by today, from the share of the month's working days
    gone.

    Parameters
    ----------
    data : CRMData
    rep : str, optional
        A rep's name; None for the team.
    as_of : date-like, optional
        "Today"; default the data's today.
    plan : RepPlan, optional
        ``rep_plan(data, rep)``, when already computed.
    reps : RepIndex, optional
        Each rep's rows found once.

    Returns
    -------
    DataFrame
        ``what, unit ("count" or "money"), target, expected_by_now, actual, ahead, projected,
        on_track``: one row each for outreach touches, first meetings and closed-won.

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
    month = as_of.to_period("M").start_time
    end = as_of.normalize() + pd.Timedelta(days=1)
    acts = reps.rows("activities", rep)
    if "at" in acts:
        acts = acts[(acts["at"] >= month).to_numpy() & (acts["at"] < end).to_numpy()]
    done = activity_ratios(acts).iloc[0] if len(acts) else pd.Series(
        {"outreach": 0, "first_meetings": 0})
    opps = reps.rows("opportunities", rep)
    won = opps[(opps["status"] == "won").to_numpy() & (opps["closed_at"] >= month).to_numpy()
               & (opps["closed_at"] < end).to_numpy()] if "closed_at" in opps else opps.iloc[:0]
    steps = plan.table().set_index("step")["total"]
    quota, _ = monthly_quota(data, opps, rep, month, as_of)
    targets = [steps.get("outreach", np.nan), steps.get("first_meetings", np.nan), quota]
    actual = [done["outreach"], done["first_meetings"], won["amount"].sum()]
    paced = pace(actual, targets, as_of=as_of)
    return pd.DataFrame({"what": ["outreach touches", "first meetings", "closed-won"],
                         "unit": ["count", "count", "money"],
                         **{c: paced[c] for c in ("target", "expected_by_now", "actual", "ahead",
                                                  "projected", "on_track")}})
