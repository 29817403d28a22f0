"""A rep's coaching numbers in one place: the weekly plan and its one rule, the pipeline
coverage a win rate needs, and the frames behind the scorecard.

Notebooks 05 and 06, the planner widget and the dashboard all take these numbers from here, so
one question gets one answer wherever a rep asks it.

**The planning rule.** Outreach done this week books first meetings; they become opportunities,
and those close about one sales cycle later. So the weekly outreach target is not "this month's
gap spread over the weeks left" (deals opened now would close too late to count): it is the
steady flow that, kept up every week, opens enough pipeline to win one monthly quota a month,
from the month new deals close in. Per month: quota ÷ deal size = deals, ÷ win rate =
opportunities, ÷ next-step rate = first meetings, × outreach per first meeting = outreach; a
month has 52 / 12 weeks. This month's gap is closed from the pipeline already in play, which
``coverage_needed`` judges.

**The small-sample rule.** A ratio built on a handful of cases is mostly noise (3 won of 5 is
not a solid 60%). Each of a rep's ratios is blended with the team's:
``(n × own + 10 × team) / (n + 10)``, where n counts the rep's cases behind the ratio (closed
deals for the win rate, won deals for the deal size, first meetings for the activity ratios).
With 10 cases the rep's own number counts half; with 40, four fifths.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpitools import display
from kpitools._outputs import returns
from kpitools._repindex import RepIndex, rep_rows
from kpitools._stats import safe_divide, wilson_interval
from kpitools.activity import activity_ratios
from kpitools.deals import deal_metrics
from kpitools.funnel import stage_conversion
from kpitools.plan import plan
from kpitools.quota import quota_gap
from kpitools.schema import SchemaError
from kpitools.winrate import win_rate

__all__ = ["SMALL_SAMPLE", "WEEKS_PER_MONTH", "FALLBACKS", "today", "blend", "Estimate",
           "RepPlan", "rep_plan", "plan_inputs", "headline", "team_numbers", "coverage_needed",
           "scorecard_frames", "team_frames", "RepIndex"]

SMALL_SAMPLE = 10          # the team's ratio counts as this many of the rep's own cases
WEEKS_PER_MONTH = 52 / 12  # a month of outreach, in weeks
# When neither the rep nor the team has a number: typical values, said so in the notes.
FALLBACKS = {"avg_deal_size": 10_000.0, "win_rate": 0.25, "next_step_rate": 0.5,
             "outreach_per_first_meeting": 10.0}
RATIOS = {  # plan input: (label, the cases behind it, kind of number)
    "avg_deal_size": ("Average deal size", "won deals", "money"),
    "win_rate": ("Win rate", "closed deals", "percent"),
    "next_step_rate": ("First meetings with a next step", "first meetings", "percent"),
    "outreach_per_first_meeting": ("Outreach per first meeting", "first meetings", "ratio"),
}
VERDICTS = {  # coverage_needed's verdict: what to do this month
    "build pipeline": "short of what the win rate needs: close the late-stage deals this "
                      "month, and build pipeline now for the months ahead",
    "close": "enough in play at the win rate: spend this month on the late-stage deals, and "
             "keep the weekly outreach going for the months ahead",
    "quota reached": "quota reached: keep the weekly outreach going for the months ahead",
    "no quota": "no quota for this month",
    "past month": "a past month: today's open deals say nothing about it",
}


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
            return f"{label} {shown}: the team's, on {self.cases:,} {cases}."
        if self.cases == 0 or np.isnan(self.own):
            return f"{label} {shown}: {rep} has no {cases} yet, so the team's."
        return (f"{label} {shown}: {rep}'s own {display.value(self.own, kind)} on "
                f"{self.cases:,} {cases} counts {self.own_share:.0%}, the team's "
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
                 "based on": f"{e.cases:,} {RATIOS[e.name][1]}",
                 "team": display.value(e.team, RATIOS[e.name][2]),
                 "yours counts": f"{e.own_share:.0%}"} for e in self.inputs.values()]
        return pd.DataFrame(rows)


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


def _monthly_quota(data, opps: pd.DataFrame, rep: str | None, month: pd.Timestamp,
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
    quota, note = _monthly_quota(data, reps.rows("opportunities", rep), rep, close_month, as_of)
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


@returns("win_rate_used", "coverage_needed", "coverage_needed_low", "coverage_needed_high",
         "verdict")  # added to quota_gap's own columns
def coverage_needed(gap: pd.DataFrame, data, *, as_of=None, confidence: float = 0.9
                    ) -> pd.DataFrame:
    """``quota_gap`` rows with the coverage each rep's win rate needs, and what to do.

    At a win rate w, an open deal closes about w of the time, so covering the gap takes open
    pipeline of gap / w: coverage needed = 1 / w. The win rate is the plan's (the small-sample
    rule for a rep, the team's own for team rows); the range comes from its interval
    (Wilson's, on the blended counts), high win rate → low coverage needed.

    Parameters
    ----------
    gap : DataFrame
        ``quota_gap`` output, by rep (``rep`` column) or for the team (no ``rep`` column).
    data : CRMData
        The data whose deals give the win rates.
    as_of : date-like, optional
        "Today", for the verdict of past months; default ``today(data)``.
    confidence : float, default 0.9

    Returns
    -------
    DataFrame
        ``gap`` plus ``win_rate_used, coverage_needed, coverage_needed_low,
        coverage_needed_high, verdict`` ("build pipeline", "close", "quota reached",
        "no quota" or "past month"; ``VERDICTS`` says what each means).

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> gap = kt.quota_gap(data.opportunities, data.quotas, as_of=data.today)
    >>> checked = coverage_needed(gap[gap["period"] == "2024-12-01"], data)
    >>> bool((checked["coverage_needed"] * checked["win_rate_used"]).round(9).eq(1).all())
    True
    """
    as_of = today(data) if as_of is None else pd.Timestamp(as_of)
    team = _safe(win_rate, data.opportunities)
    team_rate = float(team.get("win_rate", np.nan))
    if not _usable(team_rate):
        team_rate = FALLBACKS["win_rate"]
    if "rep" in gap.columns:
        per_rep = win_rate(data.opportunities, by="rep").set_index("rep")
        won = gap["rep"].map(per_rep["won"]).fillna(0).to_numpy(dtype="float64")
        lost = gap["rep"].map(per_rep["lost"]).fillna(0).to_numpy(dtype="float64")
        weight = SMALL_SAMPLE
    else:
        won = np.full(len(gap), float(team.get("won", 0)))
        lost = np.full(len(gap), float(team.get("lost", 0)))
        weight = 0
    used = blend(safe_divide(won, won + lost), won + lost, team_rate, weight)
    low, high = wilson_interval(won + weight * team_rate, won + lost + weight, confidence)
    out = gap.assign(win_rate_used=used, coverage_needed=safe_divide(1.0, used),
                     coverage_needed_low=safe_divide(1.0, high),
                     coverage_needed_high=safe_divide(1.0, low))
    month = as_of.to_period("M").start_time
    out["verdict"] = np.select(
        [out["period"].lt(month).to_numpy(), out["quota"].isna().to_numpy(),
         out["gap"].eq(0).to_numpy(),
         (out["coverage"] >= out["coverage_needed"]).to_numpy()],
        ["past month", "no quota", "quota reached", "close"], "build pipeline")
    return out


def scorecard_frames(data, rep: str | None = None, *, as_of=None, freq: str = "MS",
                     months: int = 3, reps: RepIndex | None = None, team: dict | None = None
                     ) -> dict[str, pd.DataFrame]:
    """The four coaching KPIs of one rep (or the team), as frames for the scorecard.

    Parameters
    ----------
    data : CRMData
    rep : str, optional
        A rep's name; None for the team.
    as_of : date-like, optional
        "Today"; default ``today(data)``.
    freq : str, default "MS"
        Period of the activity ratios.
    months : int, default 3
        Months of quota gap shown for a rep (the team view shows each rep this month).
    reps : RepIndex, optional
        Each rep's rows found once (a widget passes its own), instead of filtering the tables.
    team : dict, optional
        ``team_frames(data, as_of)``, computed once and reused for every rep.

    Returns
    -------
    dict of DataFrame
        ``activity`` (activity_ratios per period), ``funnel`` (stage_conversion),
        ``win_rate`` (the rep and the team; label column ``who``), ``quota_gap`` (rows to
        draw, with ``coverage_needed``).

    Examples
    --------
    >>> import kpitools as kt
    >>> frames = scorecard_frames(kt.load_sample(), "Mei Lin")
    >>> sorted(frames), frames["win_rate"]["who"].tolist()
    (['activity', 'funnel', 'quota_gap', 'win_rate'], ['Mei Lin', 'Team'])
    """
    as_of = today(data) if as_of is None else pd.Timestamp(as_of)
    team = team_frames(data, as_of) if team is None else team
    reps = reps or RepIndex(data, [])
    opps = reps.rows("opportunities", rep)
    history = (reps.rows("stage_history", rep) if reps.has("stage_history")
               else data.stage_history)
    mine = (win_rate(opps, by="rep").rename(columns={"rep": "who"}) if rep is None
            else win_rate(opps).assign(who=rep))
    gap = rep_rows(team["quota_gap"], rep)
    month = as_of.to_period("M").start_time
    gap = gap[gap["period"].eq(month)] if rep is None else gap[gap["period"] <= month].tail(months)
    columns = ["who", "won", "lost", "win_rate", "ci_low", "ci_high"]
    return {"activity": activity_ratios(reps.rows("activities", rep), freq=freq),
            "funnel": stage_conversion(history, opps, stages=data.stages),
            "win_rate": pd.concat([mine, team["win_rate"]], ignore_index=True)[columns],
            "quota_gap": gap.reset_index(drop=True)}


def team_frames(data, as_of) -> dict[str, pd.DataFrame]:
    """The parts of every scorecard that do not depend on the rep: the team's win rate and
    every rep's quota gap per month (as of ``as_of``) with the coverage needed.

    Examples
    --------
    >>> import kpitools as kt
    >>> team = team_frames(kt.load_sample(), "2024-12-13")
    >>> team["win_rate"]["who"].tolist()
    ['Team']
    """
    as_of = pd.Timestamp(as_of)
    opps = data.opportunities
    if "currency" in opps and opps["currency"].nunique() > 1:
        # Amounts in two currencies are never added up, and a quota is in one currency: the
        # gap is the team's main currency's (the other deals stay out of it).
        opps = opps[opps["currency"].eq(opps["currency"].value_counts().idxmax()).to_numpy()]
    gap = quota_gap(opps, data.quotas, as_of=as_of, stages=data.stages)
    return {"win_rate": win_rate(data.opportunities).assign(who="Team"),
            "quota_gap": coverage_needed(gap, data, as_of=as_of)}
