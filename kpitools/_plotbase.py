"""The shared look of the plots: colours, number formats, the KPI frames' metric columns, and
the helpers that turn key columns into readable row labels (private to kpitools.plots).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

BLUE, GREEN, GREY, RED = "#3b75af", "#2e8b57", "#9e9e9e", "#c0392b"
STAGE_BLUES = ("#6baed6", "#3182bd", "#08519c", "#08306b")  # light (early) → dark (late)
RATIO_COLUMNS = ("outreach", "first_meetings", "next_steps", "outreach_per_first_meeting",
                 "next_step_rate")
METRIC_LABELS = {  # metric: (title, axis label)
    "outreach_per_first_meeting": ("Outreach touches per first meeting (lower is better)",
                                   "touches per first meeting"),
    "next_step_rate": ("First meetings that end with a scheduled next step",
                       "share of first meetings"),
    "outreach": ("Outreach touches (calls, emails, social, events)", "touches"),
    "first_meetings": ("First meetings held", "first meetings"),
    "next_steps": ("First meetings with a scheduled next step", "first meetings"),
}
WIN_COLUMNS = ("won", "lost", "win_rate", "ci_low", "ci_high")
QUOTA_COLUMNS = ("quota", "closed_won", "attainment", "gap", "open_pipeline", "coverage")
STAGE_COLUMNS = ("stage", "reached", "advanced", "still_open", "conversion", "backward_moves",
                 "median_days_in_stage", "p90_days_in_stage")
PLAN_LABELS = {"deals": "Deals to win", "opportunities": "Opportunities to open",
               "first_meetings": "First meetings to hold", "outreach": "Outreach touches"}
MONEY = FuncFormatter(lambda value, _: f"{value:,.0f}")
PERCENT = PercentFormatter(xmax=1, decimals=0)


def _axes(ax: Axes | None) -> Axes:
    """``ax``, or the axes of a new figure: never a chart drawn over whatever was drawn last
    (which ``plt.gca()`` would do outside a notebook's one-figure-per-cell display)."""
    return plt.subplots()[1] if ax is None else ax


def _pct(value) -> str:
    return "–" if pd.isna(value) else f"{value:.0%}"


def _period_labels(values) -> list[str]:
    """Period starts as words: 'Q1 2024' for quarters, 'Mar 2024' for months, else the day."""
    dates = pd.to_datetime(pd.Series(values)).reset_index(drop=True)
    distinct = dates.dropna().drop_duplicates().sort_values()
    months = distinct.dt.year * 12 + distinct.dt.month
    firsts = distinct.dt.day.eq(1).all()
    if firsts and len(distinct) > 1 and (months % 3 == 1).all():
        return [f"Q{d.quarter} {d.year}" if pd.notna(d) else "–" for d in dates]
    return [d.strftime("%b %Y" if firsts else "%d %b %Y") if pd.notna(d) else "–" for d in dates]


def _labels(frame: pd.DataFrame, keys: list[str]) -> list[str]:
    """One readable label per row from the key columns, joined with ' · '."""
    parts = [_period_labels(frame[k]) if pd.api.types.is_datetime64_any_dtype(frame[k])
             else frame[k].astype(str).tolist() for k in keys]
    return [" · ".join(row) for row in zip(*parts)]


def _one_group(frame: pd.DataFrame, where: str, keys: list[str]) -> str:
    """The frame's single group as a label; a frame with several groups is an error."""
    groups = frame[keys].drop_duplicates() if keys else frame.iloc[:0]
    if len(groups) > 1:
        raise ValueError(f"{where} draws one group, but the frame has {len(groups)} "
                         f"(columns {keys}). Select one first, e.g. "
                         f"frame[frame[{keys[0]!r}] == {groups.iloc[0, 0]!r}].")
    return _labels(groups, keys)[0] if len(groups) else ""


def _rows(ax: Axes, labels: list[str]) -> np.ndarray:
    """One row per label, the first on top; returns the row positions."""
    y = np.arange(len(labels))
    ax.set_yticks(y, labels)
    ax.set_ylim(len(y) - 0.5, -0.5)
    return y


def _side_notes(ax: Axes, y, notes, size="small") -> None:
    """One note per row in the right margin, level with the row."""
    for position, note in zip(y, notes):
        ax.text(1.02, position, note, transform=ax.get_yaxis_transform(), va="center",
                fontsize=size, clip_on=False)
