"""A rep's starter set with the rep's own figures next to the team's (private; see
``kpitools.coaching``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import display
from kpitools._repindex import RepIndex
from kpitools.activity import activity_ratios
from kpitools.catalogue import starter_set
from kpitools.coaching._coverage import coverage_needed
from kpitools.coaching._numbers import today
from kpitools.funnel import stage_conversion
from kpitools.leads import source_conversion
from kpitools.quota import quota_gap
from kpitools.schema import SchemaError
from kpitools.winrate import win_rate

WEEKS = 4  # complete weeks the weekly figures are averaged over
NOT_IN_EXPORTS = {  # KPIs a CRM export does not hold: where to count them
    "connect_rate": "not in a CRM export: your dialer counts it",
    "reply_rate": "not in a CRM export: your email tool counts it",
    "meetings_booked": "not in a CRM export: count the meetings you put in calendars",
    "meeting_quota_attainment": "no meeting quota in the data: ask your manager for yours",
}


def starter_figures(data, rep: str | None = None, role: str = "ae", *, as_of=None,
                    reps: RepIndex | None = None) -> pd.DataFrame:
    """The starter set of ``role`` (``kt.starter_set``) with the rep's figures and the team's.

    Weekly figures average the last 4 complete weeks; ratios use everything so far, with the
    cases they rest on; coverage and attainment are this month's. A KPI a CRM export does not
    hold (connect rate, reply rate, meetings booked, a meeting quota) shows "–" and says where
    to count it.

    Parameters
    ----------
    data : CRMData
    rep : str, optional
        A rep's name; None for the team.
    role : {"ae", "sdr"}
    as_of : date-like, optional
        "Today"; default the data's today.
    reps : RepIndex, optional

    Returns
    -------
    DataFrame
        ``name, indicator, yours, team, note`` (figures as text, ready to show).

    Examples
    --------
    >>> import kpitools as kt
    >>> figures = starter_figures(kt.load_sample(), "Sam Carter")
    >>> figures["name"].tolist()[:2]
    ['Outreach touches per week', 'Outreach per first meeting']
    """
    as_of = today(data) if as_of is None else pd.Timestamp(as_of)
    reps = reps or RepIndex(data, ())
    chosen = starter_set(role)
    mine = _figures(data, reps, rep, as_of)
    team = _figures(data, reps, None, as_of, per_rep=True) if rep is not None else mine
    rows = []
    for key in chosen["key"]:
        yours, note = mine.get(key, ("–", NOT_IN_EXPORTS.get(key, "not in this data")))
        rows.append({"yours": yours, "team": team.get(key, ("–", ""))[0], "note": note})
    return pd.concat([chosen[["name", "indicator"]], pd.DataFrame(rows)], axis=1)


def _figures(data, reps: RepIndex, rep: str | None, as_of: pd.Timestamp,
             per_rep: bool = False) -> dict:
    """key: (figure as text, what it rests on) for the KPIs kpitools computes."""
    out = {}
    acts = reps.rows("activities", rep)
    start = (as_of.normalize() - pd.Timedelta(days=as_of.weekday())) - pd.Timedelta(weeks=WEEKS)
    if "at" in acts:
        recent = acts[(acts["at"] >= start).to_numpy()
                      & (acts["at"] < start + pd.Timedelta(weeks=WEEKS)).to_numpy()]
        weekly = activity_ratios(recent).iloc[0] if len(recent) else None
        people = max(recent["rep"].nunique(), 1) if per_rep and len(recent) else 1
        for key, column in (("outreach_per_week", "outreach"),
                            ("first_meetings_per_week", "first_meetings")):
            figure = np.nan if weekly is None else weekly[column] / WEEKS / people
            out[key] = (display.value(figure, "ratio"), f"a week, the last {WEEKS} full weeks"
                        + (" (per rep)" if per_rep else ""))
        ratios = activity_ratios(acts).iloc[0]
        count = int(ratios["first_meetings"])
        meetings = f"on {count:,} first meetings" if count else "no first meetings logged yet"
        out["outreach_per_first_meeting"] = (
            display.value(ratios["outreach_per_first_meeting"], "ratio"), meetings)
        out["next_step_rate"] = (display.value(ratios["next_step_rate"], "percent"), meetings)
    opps = reps.rows("opportunities", rep)
    rate = win_rate(opps).iloc[0]
    out["win_rate"] = (display.value(rate["win_rate"], "percent"),
                       f"{int(rate['won']):,} won, {int(rate['lost']):,} lost; likely "
                       f"{display.value(rate['ci_low'], 'percent')}–"
                       f"{display.value(rate['ci_high'], 'percent')}"
                       if rate["won"] + rate["lost"] else "no closed deals yet")
    out.update(_funnel(data, reps, rep, opps))
    out.update(_month(data, reps, rep, as_of))
    leads = reps.rows("leads", rep)
    if len(leads) and len(data.activities):
        met = source_conversion(leads, data.activities, by=None).iloc[0]
        out["first_meeting_rate"] = (display.value(met["first_meeting_rate"], "percent"),
                                     f"of {int(met['leads']):,} leads" if met["leads"] else
                                     "no leads yet")
    return out


def _funnel(data, reps: RepIndex, rep: str | None, opps: pd.DataFrame) -> dict:
    history = reps.rows("stage_history", rep) if reps.has("stage_history") else \
        data.stage_history
    try:
        funnel = stage_conversion(history, opps, stages=data.stages)
    except SchemaError:
        return {}
    decided = funnel["reached"] - funnel["still_open"]
    if not funnel["conversion"].notna().any():
        return {}
    worst = funnel.loc[funnel["conversion"].idxmin()]
    return {"stage_conversion": (
        f"{worst['stage']}: {display.value(worst['conversion'], 'percent')}",
        f"lowest stage; {int(decided[worst.name]):,} deals decided there")}


def _month(data, reps: RepIndex, rep: str | None, as_of: pd.Timestamp) -> dict:
    opps, quotas = reps.rows("opportunities", rep), reps.rows("quotas", rep)
    if not len(quotas):
        return {}
    try:
        gap = quota_gap(opps, quotas, by=None, as_of=as_of, stages=data.stages)
    except SchemaError:
        return {}
    now = gap[gap["period"].eq(as_of.to_period("M").start_time).to_numpy()]
    if not len(now):
        return {}
    row = now.iloc[0]
    out = {"quota_attainment": (display.value(row["attainment"], "percent"),
                                f"of {display.value(row['quota'], 'money')} so far this month")}
    if rep is not None:
        needed = coverage_needed(now.assign(rep=rep), data, as_of=as_of).iloc[0]
        out["pipeline_coverage"] = (display.value(row["coverage"], "times"),
                                    f"{display.value(needed['coverage_needed'], 'times')} "
                                    f"needed: {needed['verdict']}")
    else:
        out["pipeline_coverage"] = (display.value(row["coverage"], "times"), "this month")
    return out
