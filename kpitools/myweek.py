"""The weekly check-in of notebook 09: this week's activity numbers next to the recent weeks'
and the plan's (the plan is :func:`kpitools.coaching.rep_plan`, the course's one rule).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools._repindex import rep_rows
from kpitools.activity import activity_ratios
from kpitools.coaching import RepPlan, rep_plan, today

RECENT_WEEKS = 4
NUMBERS = ("outreach", "first_meetings", "next_step_rate", "outreach_per_first_meeting")
ROWS = ("this week so far", "last week", f"the {RECENT_WEEKS} weeks before (a week)",
        "your plan (a week)")


def week_start(day) -> pd.Timestamp:
    """The Monday of ``day``'s week (weeks run Monday to Sunday, as ``freq="W"`` counts them).

    Examples
    --------
    >>> week_start("2024-12-13").date()  # a Friday
    datetime.date(2024, 12, 9)
    """
    return pd.Timestamp(day).to_period("W").start_time


def check_in(data, rep: str | None = None, *, plan: RepPlan | None = None) -> pd.DataFrame:
    """This week so far next to last week, the weeks before and the plan.

    Parameters
    ----------
    data : CRMData
        The course data (``kt.course_data()``: the export with the activity log merged in).
    rep : str, optional
        Default ``data.me``.
    plan : RepPlan, optional
        Default ``kt.coaching.rep_plan(data, rep)``.

    Returns
    -------
    DataFrame
        One row per week in ``ROWS`` (this week so far, last week, the ``RECENT_WEEKS`` weeks
        before as a week's average, the plan): ``week, outreach, first_meetings,
        next_step_rate, outreach_per_first_meeting``. The plan's row holds its weekly targets
        and the ratios it assumes. Ratios are NaN for weeks without first meetings.

    Examples
    --------
    >>> import kpitools as kt
    >>> week = check_in(kt.course_data("sample"))
    >>> week.set_index("week").loc["this week so far", ["outreach", "first_meetings"]].tolist()
    [29.0, 5.0]
    """
    rep = data.me if rep is None else rep
    plan = plan or rep_plan(data, rep)
    monday = week_start(today(data))
    weeks = [(monday, monday + pd.Timedelta(weeks=1), 1),
             (monday - pd.Timedelta(weeks=1), monday, 1),
             (monday - pd.Timedelta(weeks=1 + RECENT_WEEKS), monday - pd.Timedelta(weeks=1),
              RECENT_WEEKS)]
    mine = rep_rows(data.activities, rep)
    rows = []
    for start, end, count in weeks:
        span = (mine["at"] >= start).to_numpy() & (mine["at"] < end).to_numpy()
        ratios = activity_ratios(mine[span]).iloc[0]
        rows.append([ratios["outreach"] / count, ratios["first_meetings"] / count,
                     ratios["next_step_rate"], ratios["outreach_per_first_meeting"]])
    targets = plan.table().set_index("step")["per_week"]
    rows.append([targets.get("outreach", np.nan), targets.get("first_meetings", np.nan),
                 plan.inputs["next_step_rate"].value,
                 plan.inputs["outreach_per_first_meeting"].value])
    out = pd.DataFrame(rows, columns=list(NUMBERS), dtype="float64")
    out.insert(0, "week", list(ROWS))
    return out
