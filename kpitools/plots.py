"""Axes-level plots of the KPI frames, labelled for a sales rep (seaborn style).

Each ``plot_*`` takes a tidy frame from a kpitools function, draws on ``ax`` (the current axes
when None) with ``ax.*`` calls only, passes ``**kwargs`` to its main matplotlib call and returns
the Axes. Only the composite ``rep_scorecard`` (in ``kpitools.scorecard``, above this module)
makes its own Figure. Nothing is computed here but layout: the numbers come from the frames.
"""
from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, MonthLocator
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import ScaledTranslation

from kpitools._outputs import key_columns, metric_columns
from kpitools._plotbase import (  # noqa: F401  (_period_labels: kt.plots._period_labels)
    BLUE, GREEN, GREY, METRIC_LABELS, MONEY, PERCENT, PLAN_LABELS, RED, STAGE_BLUES, _axes,
    _labels, _one_group, _pct, _period_labels, _rows, _side_notes, tex_safe)
from kpitools.activity import activity_ratios
from kpitools.coaching import coverage_needed
from kpitools.funnel import stage_conversion
from kpitools.quota import quota_gap
from kpitools.winrate import win_rate

__all__ = ["plot_funnel", "plot_activity_ratios", "plot_win_rate", "plot_interval_by_deals",
           "plot_quota_gap", "plot_plan", "plot_transition_heatmap", "plot_catalogue"]


def plot_funnel(conversion: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Deals reaching each stage, top to bottom, with the share that moved on.

    Parameters
    ----------
    conversion : DataFrame
        One group of ``stage_conversion`` output (one row per stage, in order).
    ax : Axes, optional
    **kwargs
        Passed to ``ax.barh`` for the ``reached`` bars.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import kpitools as kt
    >>> from matplotlib.figure import Figure
    >>> data = kt.load_sample()
    >>> funnel = kt.stage_conversion(data.stage_history, data.opportunities)
    >>> ax = plot_funnel(funnel, ax=Figure().subplots())
    >>> [int(bar.get_width()) for bar in ax.containers[0]] == funnel["reached"].tolist()
    True
    """
    group = _one_group(conversion, "plot_funnel", key_columns(stage_conversion, conversion))
    ax = _axes(ax)
    y = _rows(ax, [tex_safe(stage) for stage in conversion["stage"]])
    reached = conversion["reached"].to_numpy(dtype=float)
    still_open = conversion["still_open"].to_numpy(dtype=float)
    ax.barh(y, reached, **{"color": BLUE, "label": "reached the stage", **kwargs})
    ax.barh(y, still_open, left=reached - still_open, color="white", alpha=0.55,
            edgecolor=BLUE, hatch="///", label="still open there")
    for position, row in zip(y, conversion.itertuples()):
        ax.text(row.reached, position, f"  {row.reached:,} · {_pct(row.conversion)} moved on"
                f"\n  ({row.still_open:,} still open)", va="center", fontsize="small")
    ax.set_xlim(0, max(np.nanmax(reached, initial=0), 1) * 1.45)
    ax.set_xlabel("Deals that reached the stage")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # deals come whole
    ax.set_title("Funnel: deals per stage" + (f" — {group}" if group else ""))
    below = ax.transAxes + ScaledTranslation(0, -0.45, ax.figure.dpi_scale_trans)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below, ncol=2,
              frameon=False, fontsize="small")  # under the chart: never over a bar's note
    return ax


def plot_activity_ratios(ratios: pd.DataFrame, metric: str = "outreach_per_first_meeting", *,
                         ax: Axes | None = None, **kwargs) -> Axes:
    """An activity ratio over time, one line per group (e.g. per rep).

    Parameters
    ----------
    ratios : DataFrame
        ``activity_ratios`` output; with ``period`` (``freq=...``) lines, else one bar per group.
    metric : str, default "outreach_per_first_meeting"
        Column to draw, e.g. ``"next_step_rate"`` (drawn as %).
    ax : Axes, optional
    **kwargs
        Passed to ``ax.plot`` (``ax.bar`` without periods).

    Returns
    -------
    Axes

    Examples
    --------
    >>> import kpitools as kt
    >>> from matplotlib.figure import Figure
    >>> ratios = kt.activity_ratios(kt.load_sample().activities, by="rep", freq="MS")
    >>> ax = plot_activity_ratios(ratios, "next_step_rate", ax=Figure().subplots())
    >>> len(ax.lines) == ratios["rep"].nunique()
    True
    """
    if metric not in ratios.columns:
        raise ValueError(f"plot_activity_ratios: {metric!r} is not a column. "
                         f"Choose one of {metric_columns(activity_ratios, ratios)}.")
    ax = _axes(ax)
    title, label = METRIC_LABELS.get(metric, (metric.replace("_", " "),) * 2)
    if not ratios[metric].notna().any():  # say so, instead of an empty chart with a 1970 axis
        ax.set(title=title, xticks=[], yticks=[])
        ax.text(0.5, 0.5, "No first meetings in the data:\nnothing to divide by yet",
                ha="center", va="center", transform=ax.transAxes, color="#616161")
        return ax
    keys = [c for c in key_columns(activity_ratios, ratios) if c != "period"]
    if "period" in ratios.columns:
        groups = ratios.groupby(keys, sort=True, dropna=False) if keys else [("", ratios)]
        for _, part in groups:
            part = part.sort_values("period")
            label = _labels(part.head(1), keys)[0] if keys else "all activities"
            ax.plot(part["period"], part[metric], **{"marker": "o", "label": label, **kwargs})
        periods = pd.to_datetime(ratios["period"].drop_duplicates())
        locator = (MonthLocator(interval=max(-(-len(periods) // 8), 1))
                   if len(periods) and periods.dt.day.eq(1).all() else AutoDateLocator(maxticks=8))
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        if keys:
            ax.legend(fontsize="small", title=tex_safe(", ".join(keys)))
    else:
        names = _labels(ratios, keys) if keys else ["all activities"]
        ax.bar(names, ratios[metric], **{"color": BLUE, **kwargs})
        ax.tick_params(axis="x", labelrotation=30 if len(names) > 4 else 0)
    if metric.endswith("_rate"):
        ax.yaxis.set_major_formatter(PERCENT)
        ax.set_ylim(0, 1)
    else:
        ax.set_ylim(bottom=0)
    ax.set(ylabel=label, title=title)
    ax.grid(axis="y", alpha=0.3)
    return ax


def plot_win_rate(rates: pd.DataFrame, label: str | None = None, *, ax: Axes | None = None,
                  confidence: float | None = None, **kwargs) -> Axes:
    """Win rate per row as a dot, with its likely range (Wilson interval) as a bar.

    Parameters
    ----------
    rates : DataFrame
        ``win_rate`` output.
    label : str, optional
        Column naming each row; default: the non-metric columns joined, or "all deals".
    ax : Axes, optional
    confidence : float, optional
        The interval's confidence, for the title (0.9 → "90% likely range").
    **kwargs
        Passed to ``ax.plot`` for the dots.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import kpitools as kt
    >>> from matplotlib.figure import Figure
    >>> rates = kt.win_rate(kt.load_sample().opportunities, by="rep")
    >>> ax = plot_win_rate(rates, ax=Figure().subplots())
    >>> ax.get_yticklabels()[0].get_text() == rates["rep"][0], tuple(map(float, ax.get_xlim()))
    (True, (0.0, 1.0))
    """
    ax = _axes(ax)
    keys = [label] if label is not None else key_columns(win_rate, rates)
    y = _rows(ax, _labels(rates, keys) if keys else ["all deals"] * len(rates))
    range_label = f"{confidence:.0%} likely range" if confidence else "likely range"
    ax.hlines(y, rates["ci_low"], rates["ci_high"], color=BLUE, alpha=0.35, linewidth=6)
    ax.plot(rates["win_rate"], y, **{"marker": "o", "linestyle": "none", "color": BLUE, **kwargs})
    _side_notes(ax, y, [f"{_pct(r.win_rate)}  ({r.won:,} won / {r.lost:,} lost)"
                        if r.won + r.lost else "no closed deals yet" for r in rates.itertuples()])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PERCENT)
    weighted = len(metric_columns(win_rate, rates)) > len(win_rate.columns)
    ax.set_xlabel("Value-weighted: won amount / closed amount (range on deal counts)"
                  if weighted else "won / (won + lost); open deals left out")
    ax.set_title(f"Win rate (dot) and its {range_label} (bar)")
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_interval_by_deals(table: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """How the likely range around the same win rate narrows as closed deals accumulate.

    Parameters
    ----------
    table : DataFrame
        ``interval_by_deals`` output.
    ax : Axes, optional
    **kwargs
        Passed to ``ax.fill_between`` for the band.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import kpitools as kt
    >>> from matplotlib.figure import Figure
    >>> ax = plot_interval_by_deals(kt.interval_by_deals(0.6, [5, 50, 500]), ax=Figure().subplots())
    >>> [int(x) for x in ax.lines[0].get_xdata()]
    [5, 50, 500]
    """
    ax = _axes(ax)
    closed = table["closed"].to_numpy()
    ax.fill_between(closed, table["ci_low"], table["ci_high"],
                    **{"color": BLUE, "alpha": 0.25, "label": "likely range", **kwargs})
    ax.plot(closed, table["win_rate"], marker="o", color=BLUE, label="observed win rate")
    for i, row in enumerate(table.itertuples()):  # first and last labels kept inside
        ax.annotate(f"{_pct(row.ci_low)}–{_pct(row.ci_high)}", (row.closed, row.ci_high),
                    textcoords="offset points", xytext=(0, 6), fontsize="small",
                    ha="left" if i == 0 else "right" if i == len(table) - 1 else "center")
    if len(closed) and closed.min() > 0 and closed.max() / closed.min() >= 20:
        ax.set_xscale("log")
    ax.set_xticks(closed, [f"{c:,}" for c in closed])
    ax.set_ylim(0, 1.08)
    ax.yaxis.set_major_formatter(PERCENT)
    ax.set(xlabel="Closed deals (won + lost)", ylabel="Win rate",
           title="Same win rate, more deals: the likely range narrows")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def plot_quota_gap(gap: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Closed-won plus open pipeline by stage against the quota: build pipeline, or close it?

    The red line is the quota: a bar short of it cannot reach quota even if every open deal
    closes. With ``coverage_needed`` columns (``kpitools.coaching.coverage_needed``) a black
    diamond marks the pipeline the win rate needs (closed-won + gap × coverage needed), with
    its likely range as a thin line: a bar short of the diamond means build pipeline; a bar
    past it, close what is in play.

    Parameters
    ----------
    gap : DataFrame
        Rows of ``quota_gap`` output (one bar each), with ``pipeline_<stage>`` columns.
    ax : Axes, optional
    **kwargs
        Passed to ``ax.barh`` for the closed-won bars.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import kpitools as kt
    >>> from matplotlib.figure import Figure
    >>> data = kt.load_sample()
    >>> gap = kt.quota_gap(data.opportunities, data.quotas, as_of=data.today)
    >>> rows = kt.coaching.coverage_needed(gap[gap["period"] == "2024-12-01"], data)
    >>> ax = plot_quota_gap(rows, ax=Figure().subplots())
    >>> [float(bar.get_width()) for bar in ax.containers[0]] == rows["closed_won"].tolist()
    True
    """
    if ax is None:  # a new figure as tall as its rows need
        ax = _axes(ax)
        ax.figure.set_size_inches(8, 1.6 + 0.55 * max(len(gap), 1))
    stage_columns = [c for c in metric_columns(quota_gap, gap) if c not in quota_gap.columns
                     ] or ["open_pipeline"]
    keys = [c for c in key_columns(quota_gap, gap) if c not in coverage_needed.columns]
    varying = [k for k in keys if gap[k].nunique(dropna=False) > 1] or keys[:1]
    fixed = [k for k in keys if k not in varying and len(gap)]
    y = _rows(ax, _labels(gap, varying) if varying else ["team"] * len(gap))
    left = gap["closed_won"].to_numpy(dtype=float)
    ax.barh(y, left, **{"color": GREEN, "label": "closed won", **kwargs})
    names = [tex_safe(c.removeprefix("pipeline_").replace("_", " ")) for c in stage_columns]
    shaded = len(stage_columns) <= 4  # one shade per stage; more stages are one blue
    colours = STAGE_BLUES[-len(stage_columns):] if shaded else [BLUE]
    for i, (column, name) in enumerate(zip(stage_columns, names)):
        values = gap[column].to_numpy(dtype=float)
        label = f"open: {name}" if shaded else "open pipeline" if i == 0 else "_nolegend_"
        ax.barh(y, values, left=left, color=colours[i % len(colours)], label=label)
        left = left + np.nan_to_num(values)
    has_quota = gap["quota"].notna().to_numpy()
    ax.vlines(gap["quota"].to_numpy(dtype=float)[has_quota], y[has_quota] - 0.45,
              y[has_quota] + 0.45, color=RED, linewidth=3, label="quota")
    needed = _needed_marks(ax, gap, y)
    _side_notes(ax, y, [_gap_note(r, "coverage_needed" in gap) for r in gap.itertuples()])
    ax.set_xlim(0, np.nanmax(np.r_[left, gap["quota"].to_numpy(dtype=float), needed, 1.0]) * 1.05)
    ax.xaxis.set_major_formatter(MONEY)
    ax.xaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 2.5, 5, 10]))
    ax.set_xlabel("Amount")
    title = "Closed won + open pipeline vs quota"
    title += f" — {_labels(gap.head(1), fixed)[0]}" if fixed else ""
    rule = ("bar short of the diamond (pipeline the win rate needs): build pipeline; past it: "
            "close" if "coverage_needed" in gap else
            "short of the red line: even winning every open deal misses the quota")
    ax.set_title(f"{title}\n{rule}", fontsize="medium")
    below = ax.transAxes + ScaledTranslation(0, -0.5, ax.figure.dpi_scale_trans)
    # A CRM's stage names can be long: then two columns, so the legend stays as wide as the axes.
    entries = len(ax.get_legend_handles_labels()[1])
    long_names = shaded and max(map(len, names), default=0) > 12
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below, frameon=False,
              ncol=2 if long_names else min(entries, 3), fontsize="small")
    return ax


def _needed_marks(ax: Axes, gap: pd.DataFrame, y: np.ndarray) -> np.ndarray:
    """The diamond at closed-won + gap × coverage needed, and its range; returns the x's."""
    if "coverage_needed" not in gap:
        return np.array([])
    base, short = gap["closed_won"].to_numpy(dtype=float), gap["gap"].to_numpy(dtype=float)
    show = (short > 0) & gap["open_pipeline"].notna().to_numpy()
    x = (base + short * gap["coverage_needed"].to_numpy(dtype=float))[show]
    low = (base + short * gap["coverage_needed_low"].to_numpy(dtype=float))[show]
    high = (base + short * gap["coverage_needed_high"].to_numpy(dtype=float))[show]
    ax.hlines(y[show], low, high, color="black", linewidth=1, alpha=0.6)
    ax.plot(x, y[show], marker="D", color="black", linestyle="none",
            label="pipeline needed at the win rate (line: likely range)")
    return x


def _gap_note(row, judged: bool) -> str:
    if pd.isna(row.quota):
        return "no quota"
    if row.gap == 0:
        return "quota reached"
    note = f"gap {row.gap:,.0f}"
    if pd.isna(row.coverage):
        return note
    if judged and pd.notna(row.coverage_needed):
        return f"{note}: {row.verdict}\ncoverage {row.coverage:.1f}× of {row.coverage_needed:.1f}×"
    return f"{note}\ncoverage {row.coverage:.1f}×"


def plot_plan(plan_frame: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """The reverse funnel: the outreach, meetings, opportunities and deals a target needs.

    Parameters
    ----------
    plan_frame : DataFrame
        ``plan`` output (``step, total`` and optionally ``per_week``).
    ax : Axes, optional
    **kwargs
        Passed to ``ax.barh``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import kpitools as kt
    >>> from matplotlib.figure import Figure
    >>> ax = plot_plan(kt.plan(100_000, 5_000, 0.25, next_step_rate=0.5), ax=Figure().subplots())
    >>> [float(bar.get_width()) for bar in ax.containers[0]]
    [20.0, 80.0, 160.0]
    """
    ax = _axes(ax)
    y = np.arange(len(plan_frame))  # the first step (deals) at the bottom: a funnel
    width = np.nan_to_num(plan_frame["total"].to_numpy(dtype=float))
    ax.barh(y, width, left=-width / 2, **{"color": BLUE, "height": 0.7, **kwargs})
    weekly = "per_week" in plan_frame.columns
    missing = ("no target yet" if len(plan_frame) and pd.isna(plan_frame["total"].iloc[0])
               else "not reachable: a rate is 0")
    _side_notes(ax, y, [missing if pd.isna(r.total) else
                        f"{r.total:,.0f} in total" + (f"\n{r.per_week:,.0f} a week" if weekly
                                                      else "") for r in plan_frame.itertuples()],
                size="large")
    ax.set_yticks(y, [PLAN_LABELS.get(s, tex_safe(s)) for s in plan_frame["step"]],
                  fontsize="large")
    ax.tick_params(axis="y", length=0)
    ax.set_xticks([])
    half = max(width.max(initial=0), 1) * 0.55
    ax.set_xlim(-half, half)
    ax.spines[:].set_visible(False)
    ax.set_title("Your plan, worked back from the target")
    return ax


def plot_transition_heatmap(matrix: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Where deals move from each stage: forward, back, won or lost (annotated counts).

    Parameters
    ----------
    matrix : DataFrame
        ``transition_matrix`` output; ``out_of_order_share`` is used only in the title.
    ax : Axes, optional
    **kwargs
        Passed to ``ax.imshow``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import kpitools as kt
    >>> from matplotlib.figure import Figure
    >>> data = kt.load_sample()
    >>> matrix = kt.transition_matrix(data.stage_history, data.opportunities)
    >>> ax = plot_transition_heatmap(matrix, ax=Figure().subplots())
    >>> ax.images[0].get_array().shape
    (4, 6)
    """
    ax = _axes(ax)
    counts = matrix.drop(columns="out_of_order_share", errors="ignore")
    values = counts.to_numpy()
    ax.imshow(values, **{"cmap": "Blues", "aspect": "auto", **kwargs})
    for (i, j), value in np.ndenumerate(values):
        ax.text(j, i, f"{value:,}", ha="center", va="center",
                color="white" if value > np.nanmax(values) / 2 else "black")
    ax.set_xticks(range(counts.shape[1]), [str(c).capitalize() if c in ("won", "lost") else
                                           tex_safe(c) for c in counts.columns])
    ax.set_yticks(range(counts.shape[0]), [tex_safe(stage) for stage in counts.index])
    share = matrix.attrs.get("out_of_order_share")
    ax.set(xlabel="Moved to", ylabel="From stage", title="Stage moves" + (
        f" — {share:.0%} skip a stage or go back" if share is not None and pd.notna(share) else ""))
    return ax


def plot_catalogue(catalogue: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """How many KPIs of each group are leading (steer by them) or lagging (outcomes).

    Parameters
    ----------
    catalogue : DataFrame
        ``catalogue()`` output.
    ax : Axes, optional
    **kwargs
        Passed to ``ax.barh`` for the leading bars.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import kpitools as kt
    >>> from matplotlib.figure import Figure
    >>> ax = plot_catalogue(kt.catalogue(), ax=Figure().subplots())
    >>> int(sum(bar.get_width() for bars in ax.containers for bar in bars)) == len(kt.catalogue())
    True
    """
    ax = _axes(ax)
    table = pd.crosstab(catalogue["group"], catalogue["indicator"]).reindex(
        columns=["leading", "lagging"], fill_value=0)
    y = _rows(ax, [tex_safe(group) for group in table.index])
    ax.barh(y, table["leading"], **{"color": BLUE, "label": "leading: steer by these", **kwargs})
    ax.barh(y, table["lagging"], left=table["leading"], color=GREY,
            label="lagging: outcomes, after the fact")
    ax.set(xlabel="KPIs in the catalogue", title="Leading vs lagging KPIs per group")
    below = ax.transAxes + ScaledTranslation(0, -0.45, ax.figure.dpi_scale_trans)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below, ncol=2,
              frameon=False, fontsize="small")  # under the chart: never over a bar
    return ax


_MOVED = {"scorecard_frames": "coaching", "team_frames": "coaching",
          "plot_scorecard": "scorecard", "rep_scorecard": "scorecard"}


def __getattr__(name: str):
    """Deprecated aliases: the scorecard's numbers moved to ``kpitools.coaching`` and its
    figure to ``kpitools.scorecard`` (which sit above this module)."""
    if name not in _MOVED:
        raise AttributeError(f"module 'kpitools.plots' has no attribute {name!r}")
    home = _MOVED[name]
    warnings.warn(f"kt.plots.{name} is deprecated; use kt.{home}.{name}.", DeprecationWarning,
                  stacklevel=2)
    return getattr(importlib.import_module(f"kpitools.{home}"), name)
