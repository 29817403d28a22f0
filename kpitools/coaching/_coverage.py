"""The coverage rule (coverage needed = 1 / win rate) and the scorecard's frames (private;
see ``kpitools.coaching``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools._outputs import returns
from kpitools._repindex import RepIndex, rep_rows
from kpitools._stats import safe_divide, wilson_interval
from kpitools.activity import activity_ratios
from kpitools.coaching._numbers import FALLBACKS, SMALL_SAMPLE, _safe, _usable, blend, today
from kpitools.course import in_one_currency
from kpitools.funnel import stage_conversion
from kpitools.quota import quota_gap
from kpitools.winrate import win_rate

VERDICTS = {  # coverage_needed's verdict: what to do this month
    "build pipeline": "short of what the win rate needs: close the late-stage deals this "
                      "month, and build pipeline now for the months ahead",
    "close": "enough in play at the win rate: spend this month on the late-stage deals, and "
             "keep the weekly outreach going for the months ahead",
    "quota reached": "quota reached: keep the weekly outreach going for the months ahead",
    "no quota": "no quota for this month",
    "past month": "a past month: today's open deals say nothing about it",
}


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
    opps = in_one_currency(data).opportunities  # a quota is in one currency: the team's main
    gap = quota_gap(opps, data.quotas, as_of=as_of, stages=data.stages)
    return {"win_rate": win_rate(data.opportunities).assign(who="Team"),
            "quota_gap": coverage_needed(gap, data, as_of=as_of)}
