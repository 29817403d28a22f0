"""The planning rule: a rep's plan inputs (the small-sample rule applied to each), the monthly
target, and the reverse funnel they give (private; see ``kpitools.coaching``)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpitools import display
from kpitools._repindex import RepIndex, rep_rows
from kpitools.coaching._numbers import (FALLBACKS, SMALL_SAMPLE, _usable, blend, team_numbers,
                                        today)
from kpitools.plan import plan

WEEKS_PER_MONTH = 52 / 12  # a month of outreach, in weeks
RATIOS = {  # plan input: (label, the cases behind it, kind of number)
    "avg_deal_size": ("Average deal size", "won deals", "money"),
    "win_rate": ("Win rate", "closed deals", "percent"),
    "next_step_rate": ("First meetings with a next step", "first meetings", "percent"),
    "outreach_per_first_meeting": ("Outreach per first meeting", "first meetings", "ratio"),
}


@dataclass(frozen=True)
class Estimate:
    """One input of a rep's plan: the value used, and the rep's and team's numbers behind it.

    ``source`` is "blend" (the small-sample rule), "team" (the team's own plan) or "typical"
    (no data at all: a typical value).
    """

    name: str
    value: float
    own: float
    cases: int
    team: float
    source: str

    @property
    def own_share(self) -> float:
        """How much of ``value`` is the rep's own number (0 to 1)."""
        if self.source != "blend" or np.isnan(self.own):
            return 0.0
        return self.cases / (self.cases + SMALL_SAMPLE)

    def note(self, rep: str | None) -> str:
        """Where the number comes from, in a sentence (the small-sample rule, stated)."""
        label, cases, kind = RATIOS[self.name]
        shown = display.value(self.value, kind)
        if self.source == "typical":
            return f"{label} {shown}: no data yet, so a typical value."
        if self.source == "team":
            return f"{label} {shown}: the team's, on {display.count(self.cases, cases)}."
        if self.cases == 0 or np.isnan(self.own):
            return f"{label} {shown}: {rep} has no {cases} yet, so the team's."
        return (f"{label} {shown}: {rep}'s own {display.value(self.own, kind)} on "
                f"{display.count(self.cases, cases)} counts {self.own_share:.0%}, the team's "
                f"{display.value(self.team, kind)} the rest.")


@dataclass(frozen=True)
class RepPlan:
    """A rep's weekly plan: the inputs, the rule's dates, and the reverse funnel they give.

    Build it with ``rep_plan``; ``table()`` is the ``kt.plan`` frame.
    """

    rep: str | None
    as_of: pd.Timestamp
    quota: float
    quota_note: str
    close_month: pd.Timestamp
    cycle_days: float
    inputs: dict
    weeks: float = WEEKS_PER_MONTH

    def kwargs(self) -> dict:
        """The ``kt.plan`` arguments: ``kt.plan(**rep_plan(...).kwargs())``."""
        return {"target_revenue": self.quota,
                **{name: estimate.value for name, estimate in self.inputs.items()},
                "weeks": self.weeks}

    def table(self) -> pd.DataFrame:
        """The reverse funnel: ``step, total, per_week`` (total = one month)."""
        return plan(**self.kwargs())

    def headline(self) -> str:
        """The plan in one sentence (the planner and the dashboard show the same)."""
        return headline(self.table(), self.close_month)

    @property
    def outreach_per_week(self) -> float:
        """The weekly outreach target (NaN when a rate is 0)."""
        return float(self.table().set_index("step").loc["outreach", "per_week"])

    def notes(self) -> list[str]:
        """The rule and the origin of every number, one sentence each."""
        cycle = ("no won deals yet to measure a sales cycle, so new deals are planned for "
                 "this month" if np.isnan(self.cycle_days) else
                 f"the team's deals close a median {self.cycle_days:.0f} days after they are "
                 f"opened, so outreach done now wins deals from {self.close_month:%B %Y} on")
        return [f"Target: {self.quota_note}; {cycle}. A month has {self.weeks:.1f} weeks.",
                *(estimate.note(self.rep) for estimate in self.inputs.values())]

    def inputs_table(self) -> pd.DataFrame:
        """One row per ratio: the value used, the rep's own, its cases, the team's, the share
        of the rep's own (the small-sample rule, next to every number it affects)."""
        rows = [{"number": RATIOS[e.name][0], "used": display.value(e.value, RATIOS[e.name][2]),
                 "yours": display.value(e.own, RATIOS[e.name][2]),
                 "based on": display.count(e.cases, RATIOS[e.name][1]),
                 "team": display.value(e.team, RATIOS[e.name][2]),
                 "yours counts": f"{e.own_share:.0%}"} for e in self.inputs.values()]
        return pd.DataFrame(rows)


def _estimates(own: dict, team: dict, rep: str | None) -> dict:
    out = {}
    for name in RATIOS:
        team_value = team[name][0]
        if not _usable(team_value):
            out[name] = Estimate(name, FALLBACKS[name], own[name][0], own[name][1], np.nan,
                                 "typical")
        elif rep is None:
            out[name] = Estimate(name, team_value, team_value, team[name][1], team_value,
                                 "team")
        else:
            value = blend(own[name][0], own[name][1], team_value)
            out[name] = Estimate(name, value, own[name][0], own[name][1], team_value, "blend")
    return out


def monthly_quota(data, opps: pd.DataFrame, rep: str | None, month: pd.Timestamp,
                   as_of: pd.Timestamp) -> tuple:
    """(quota, note): the quota of ``month``, else the latest one set before it, else the
    team's median, else what the rep (or team) won a month lately; NaN with no target at all."""
    quotas = data.quotas
    known = quotas[(quotas["period"] <= month).to_numpy() & quotas["quota"].notna().to_numpy()]
    known = known.sort_values("period", kind="stable").groupby("rep", sort=False).tail(1)
    mine = rep_rows(known, rep)
    if len(mine):
        latest = mine["period"].max()
        amount = float(mine["quota"].sum())
        when = f"{month:%B}'s quota" if latest == month and rep else (
            f"{latest:%B}'s quota, the latest set" if rep else "the reps' latest monthly quotas")
        return amount, f"a monthly quota of {amount:,.0f} ({when})"
    if len(known):
        amount = float(known["quota"].median())
        return amount, f"{rep} has no quota, so the team's median monthly quota of {amount:,.0f}"
    won = _recent_monthly_revenue(opps, as_of)
    if won > 0:
        return won, (f"no quota in the data, so what {rep or 'the team'} won a month over the "
                     f"last {RECENT_MONTHS} months: {won:,.0f} (set a monthly quota to plan "
                     "for it instead)")
    return np.nan, "no quota and no won deals in the data yet: set a monthly quota"


RECENT_MONTHS = 6  # months of won revenue that stand in for a missing quota


def _recent_monthly_revenue(opps: pd.DataFrame, as_of: pd.Timestamp) -> float:
    """Won revenue a month over the ``RECENT_MONTHS`` complete months before ``as_of``'s."""
    if not {"status", "closed_at", "amount"} <= set(opps.columns):
        return 0.0
    end = as_of.to_period("M").start_time
    start = end - pd.DateOffset(months=RECENT_MONTHS)
    won = opps[opps["status"].eq("won").to_numpy() & opps["closed_at"].ge(start).to_numpy()
               & opps["closed_at"].lt(end).to_numpy()]
    return float(won["amount"].sum()) / RECENT_MONTHS


def headline(frame: pd.DataFrame, close_month: pd.Timestamp | None = None) -> str:
    """The plan in one sentence: "You need N outreach touches a week ...".

    Examples
    --------
    >>> import kpitools as kt
    >>> headline(kt.plan(100_000, 5_000, 0.25, next_step_rate=0.5,
    ...                  outreach_per_first_meeting=12, weeks=52 / 12))
    'You need 444 outreach touches a week (1,920 a month) to win 20 deals a month.'
    >>> headline(kt.plan(0, 5_000, 0.25, next_step_rate=0.5, outreach_per_first_meeting=12))
    'No target yet: set a monthly quota above zero to see the outreach it takes.'
    """
    steps = frame.set_index("step")
    if "outreach" not in steps.index:
        return "The plan needs a next-step rate and outreach per first meeting."
    deals = steps.loc["deals", "total"]
    if pd.isna(deals) or deals <= 0:  # no target (a deal size of 0 is not offered)
        return "No target yet: set a monthly quota above zero to see the outreach it takes."
    if pd.isna(steps.loc["outreach", "total"]):
        return "Not reachable with these numbers: a rate is 0."
    when = f" from {close_month:%B %Y} on" if close_month is not None else ""
    return (f"You need {steps.loc['outreach', 'per_week']:,.0f} outreach touches a week "
            f"({steps.loc['outreach', 'total']:,.0f} a month) to win {deals:,.0f} "
            f"deal{'s' if deals != 1 else ''} a month{when}.")


def rep_plan(data, rep: str | None = None, *, as_of=None, reps: RepIndex | None = None,
             team: dict | None = None) -> RepPlan:
    """A rep's weekly plan under the course's one planning rule (see the module docstring).

    Parameters
    ----------
    data : CRMData
    rep : str, optional
        A rep's name; None for the whole team (the sum of the reps' quotas, the team's ratios).
    as_of : date-like, optional
        "Today"; default ``today(data)``.
    reps : RepIndex, optional
        Each rep's rows found once (a widget passes its own).
    team : dict, optional
        ``team_numbers`` of the whole team, computed once and reused for every rep.

    Returns
    -------
    RepPlan
        ``.table()`` is the reverse funnel, ``.outreach_per_week`` the weekly target,
        ``.notes()`` and ``.inputs_table()`` say where every number came from.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> mine = rep_plan(data, "Sam Carter")
    >>> mine.table()["step"].tolist()
    ['deals', 'opportunities', 'first_meetings', 'outreach']
    >>> mine.inputs["win_rate"].cases  # 3 won + 7 lost: the team's rate counts as much again
    10
    >>> bool(mine.outreach_per_week == kt.plan(**mine.kwargs())["per_week"].iloc[-1])
    True
    """
    as_of = today(data) if as_of is None else pd.Timestamp(as_of)
    reps = reps or RepIndex(data, ())
    team = team or team_numbers(data.opportunities, data.activities)
    own = team if rep is None else team_numbers(reps.rows("opportunities", rep),
                                                reps.rows("activities", rep))
    cycle = team["cycle_days"]
    close_month = (as_of + pd.Timedelta(days=0 if np.isnan(cycle) else cycle)).to_period(
        "M").start_time
    quota, note = monthly_quota(data, reps.rows("opportunities", rep), rep, close_month, as_of)
    return RepPlan(rep, as_of, quota, note, close_month, cycle, _estimates(own, team, rep))


def plan_inputs(data, rep: str | None = None) -> dict:
    """The ``kt.plan`` arguments of ``rep_plan(data, rep)``.

    Examples
    --------
    >>> import kpitools as kt
    >>> sorted(plan_inputs(kt.load_sample(), "Mei Lin"))  # doctest: +NORMALIZE_WHITESPACE
    ['avg_deal_size', 'next_step_rate', 'outreach_per_first_meeting', 'target_revenue',
     'weeks', 'win_rate']
    """
    return rep_plan(data, rep).kwargs()
