"""The shared look of the plots: colours, number formats, the KPI frames' metric columns, and
the helpers that turn key columns into readable row labels (private to kpitools.plots).

CRM names are user input, and matplotlib reads text between two ``$`` as TeX: every piece of
data-borne text a plot draws (labels, ticks, titles, legends) goes through :func:`tex_safe`.
"""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from kpitools.activity import activity_ratios
from kpitools.display import period_labels as _period_labels
from kpitools.funnel import stage_conversion
from kpitools.quota import quota_gap
from kpitools.winrate import win_rate

BLUE, GREEN, GREY, RED = "#3b75af", "#2e8b57", "#9e9e9e", "#c0392b"
STAGE_BLUES = ("#6baed6", "#3182bd", "#08519c", "#08306b")  # light (early) → dark (late)
RATIO_COLUMNS = activity_ratios.columns
METRIC_LABELS = {  # metric: (title, axis label)
    "outreach_per_first_meeting": ("Outreach touches per first meeting (lower is better)",
                                   "touches per first meeting"),
    "next_step_rate": ("First meetings that end with a scheduled next step",
                       "share of first meetings"),
    "outreach": ("Outreach touches (calls, emails, social, events)", "touches"),
    "first_meetings": ("First meetings held", "first meetings"),
    "next_steps": ("First meetings with a scheduled next step", "first meetings"),
}
WIN_COLUMNS = win_rate.columns
QUOTA_COLUMNS = quota_gap.columns
STAGE_COLUMNS = stage_conversion.columns
PLAN_LABELS = {"deals": "Deals to win", "opportunities": "Opportunities to open",
               "first_meetings": "First meetings to hold", "outreach": "Outreach touches"}
MONEY = FuncFormatter(lambda value, _: f"{value:,.0f}")
PERCENT = PercentFormatter(xmax=1, decimals=0)


def tex_safe(text) -> str:
    """``text`` as a string matplotlib draws as it is: each ``$`` escaped, so a name such as
    "Ana $mith" or "100% $$" is neither parsed as TeX nor loses its dollar signs.

    Examples
    --------
    >>> tex_safe("$50k+ deals")
    '\\\\$50k+ deals'
    """
    return str(text).replace("$", r"\$")


def _axes(ax: Axes | None) -> Axes:
    """``ax``, or the axes of a new figure: never a chart drawn over whatever was drawn last
    (which ``plt.gca()`` would do outside a notebook's one-figure-per-cell display)."""
    return plt.subplots()[1] if ax is None else ax


def _pct(value) -> str:
    return "–" if pd.isna(value) else f"{value:.0%}"


def _labels(frame: pd.DataFrame, keys: list[str]) -> list[str]:
    """One readable label per row from the key columns, joined with ' · ' (TeX-safe)."""
    parts = [_period_labels(frame[k]) if pd.api.types.is_datetime64_any_dtype(frame[k])
             else [tex_safe(value) for value in frame[k].astype(str)] for k in keys]
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
    """One row per label (wrapped past 28 characters), the first on top; returns the row
    positions. With no labels the axes say there is nothing to draw, instead of showing an empty frame."""
    y = np.arange(len(labels))
    # A long name (a CRM owner with an e-mail, a stage with a comment) goes on several lines,
    # so it never squeezes the chart beside it to nothing.
    ax.set_yticks(y, [textwrap.fill(str(label), 28, break_long_words=False) for label in labels])
    if not len(y):
        ax.set_ylim(0.5, -0.5)
        ax.text(0.5, 0.5, "Nothing to draw: the data holds no rows for this chart yet",
                ha="center", va="center", transform=ax.transAxes, color="#616161")
        return y
    ax.set_ylim(len(y) - 0.5, -0.5)
    return y


def _side_notes(ax: Axes, y, notes, size="small") -> None:
    """One note per row in the right margin, level with the row."""
    for position, note in zip(y, notes):
        ax.text(1.02, position, note, transform=ax.get_yaxis_transform(), va="center",
                fontsize=size, clip_on=False)
