"""The rep scorecard: one rep's (or the team's) four coaching KPIs on one Figure.

``scorecard_frames`` computes the frames, ``plot_scorecard`` draws them with the axes-level plots
of ``kpitools.plots`` and ``rep_scorecard`` does both. All three are re-exported by
``kpitools.plots`` (``kt.plots.rep_scorecard``).
"""
from __future__ import annotations

import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from kpitools._plotbase import WIN_COLUMNS
from kpitools._repnumbers import RepIndex, _rep_rows, _today
from kpitools.activity import activity_ratios
from kpitools.funnel import stage_conversion
from kpitools.plots import plot_activity_ratios, plot_funnel, plot_quota_gap, plot_win_rate
from kpitools.quota import quota_gap
from kpitools.winrate import win_rate

__all__ = ["scorecard_frames", "team_frames", "plot_scorecard", "rep_scorecard"]


def scorecard_frames(data, rep: str | None = None, *, as_of=None, freq: str = "MS",
                     months: int = 3, reps=None, team: dict | None = None
                     ) -> dict[str, pd.DataFrame]:
    """The four coaching KPIs of one rep (or the team), as frames for ``plot_scorecard``.

    Parameters
    ----------
    data : CRMData
    rep : str, optional
        A rep's name; None for the team.
    as_of : date-like, optional
        "Today"; default ``data.today``.
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
        ``win_rate`` (the rep and the team; label column ``who``), ``quota_gap`` (rows to draw).

    Examples
    --------
    >>> import kpitools as kt
    >>> frames = scorecard_frames(kt.load_sample(), "Mei Lin")
    >>> sorted(frames), frames["win_rate"]["who"].tolist()
    (['activity', 'funnel', 'quota_gap', 'win_rate'], ['Mei Lin', 'Team'])
    """
    as_of = _today(data) if as_of is None else pd.Timestamp(as_of)
    team = team_frames(data, as_of) if team is None else team
    if reps is None:
        reps = RepIndex(data, [])  # filters on each call
    opps = reps.rows("opportunities", rep)
    history = (reps.rows("stage_history", rep) if reps.has("stage_history")
               else data.stage_history)
    mine = (win_rate(opps, by="rep").rename(columns={"rep": "who"}) if rep is None
            else win_rate(opps).assign(who=rep))
    gap = _rep_rows(team["quota_gap"], rep)
    month = as_of.to_period("M").start_time
    gap = gap[gap["period"].eq(month)] if rep is None else gap[gap["period"] <= month].tail(months)
    return {"activity": activity_ratios(reps.rows("activities", rep), freq=freq),
            "funnel": stage_conversion(history, opps, stages=data.stages),
            "win_rate": pd.concat([mine, team["win_rate"]],
                                  ignore_index=True)[["who", *WIN_COLUMNS]],
            "quota_gap": gap.reset_index(drop=True)}


def team_frames(data, as_of) -> dict[str, pd.DataFrame]:
    """The parts of every scorecard that do not depend on the rep: the team's win rate and
    the quota gap of every rep (per month, as of ``as_of``).

    Examples
    --------
    >>> import kpitools as kt
    >>> team = team_frames(kt.load_sample(), "2024-12-13")
    >>> team["win_rate"]["who"].tolist()
    ['Team']
    """
    return {"win_rate": win_rate(data.opportunities).assign(who="Team"),
            "quota_gap": quota_gap(data.opportunities, data.quotas, as_of=pd.Timestamp(as_of),
                                   stages=data.stages)}


def plot_scorecard(frames: dict[str, pd.DataFrame], *, fig: Figure | None = None,
                   title: str = "") -> Figure:
    """Draw the four scorecard panels from ``scorecard_frames`` output on one Figure.

    Parameters
    ----------
    frames : dict of DataFrame
    fig : Figure, optional
        Figure to draw on (resized to 13 × 9 in); a new pyplot figure by default.
    title : str, optional

    Returns
    -------
    Figure

    Examples
    --------
    >>> import kpitools as kt
    >>> from matplotlib.figure import Figure
    >>> len(plot_scorecard(scorecard_frames(kt.load_sample()), fig=Figure()).axes)
    4
    """
    if fig is None:
        fig = plt.figure(figsize=(13, 9), layout="constrained")
    fig.set_layout_engine("constrained")
    fig.set_size_inches(13, 9)
    (activity, funnel), (rates, gap) = fig.subplots(2, 2)
    plot_activity_ratios(frames["activity"], ax=activity)
    plot_funnel(frames["funnel"], ax=funnel)
    plot_win_rate(frames["win_rate"], label="who", ax=rates)
    plot_quota_gap(frames["quota_gap"], ax=gap)
    if title:
        fig.suptitle(title, fontsize="x-large", fontweight="bold")
    return fig


def rep_scorecard(data, rep: str | None = None, *, as_of=None, fig: Figure | None = None) -> Figure:
    """One rep's scorecard: activity ratios, funnel, win rate with its range, and quota gap.

    Parameters
    ----------
    data : CRMData
    rep : str, optional
        A rep's name; None for the team.
    as_of : date-like, optional
        "Today"; default ``data.today``.
    fig : Figure, optional
        Figure to draw on; a new pyplot figure by default.

    Returns
    -------
    Figure
        Four panels.

    Examples
    --------
    >>> import matplotlib.pyplot as plt, kpitools as kt
    >>> fig = rep_scorecard(kt.load_sample(), "Mei Lin")
    >>> fig.get_suptitle()
    'Scorecard: Mei Lin — as of 13 Dec 2024'
    >>> plt.close(fig)
    """
    as_of = _today(data) if as_of is None else pd.Timestamp(as_of)
    return plot_scorecard(scorecard_frames(data, rep, as_of=as_of), fig=fig,
                          title=f"Scorecard: {rep or 'all reps'} — as of {as_of:%d %b %Y}")
