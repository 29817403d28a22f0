"""The rep scorecard: one rep's (or the team's) four coaching KPIs on one Figure.

``kpitools.coaching.scorecard_frames`` computes the frames, ``plot_scorecard`` draws them with
the axes-level plots of ``kpitools.plots`` and ``rep_scorecard`` does both
(``kt.scorecard.rep_scorecard``).
"""
from __future__ import annotations

import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from kpitools._plotbase import tex_safe
from kpitools.coaching import scorecard_frames, today
from kpitools.plots import plot_activity_ratios, plot_funnel, plot_quota_gap, plot_win_rate

__all__ = ["plot_scorecard", "rep_scorecard"]


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
    >>> frames = kt.coaching.scorecard_frames(kt.load_sample())
    >>> len(plot_scorecard(frames, fig=Figure()).axes)
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
    if title:  # a rep's name is user text: "$" would start matplotlib's math mode
        fig.suptitle(tex_safe(title), fontsize="x-large", fontweight="bold")
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
    as_of = today(data) if as_of is None else pd.Timestamp(as_of)
    return plot_scorecard(scorecard_frames(data, rep, as_of=as_of), fig=fig,
                          title=f"Scorecard: {rep or 'all reps'} — as of {as_of:%d %b %Y}")
