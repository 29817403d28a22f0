"""Tables and numbers written for people, in notebooks and widgets alike.

``table(frame)`` shows rates as percentages, money with thousands separators, ratios with one
decimal, periods as "Dec 2024" (days as "13 Dec 2024"), no index, and headers and long text
that wrap. A missing value shows as "–", and a note under the table says why (no closed deals
yet, no quota, ...). Every text is HTML-escaped and kept away from the notebook's math
renderer, so a CRM value such as ``<b>`` or ``$x$`` shows as typed.

How a column is shown follows from its name (the KPI functions' column names) and its dtype;
``kinds={"column": "money"}`` overrides it.
"""
from __future__ import annotations

import html

import numpy as np
import pandas as pd

__all__ = ["table", "Table", "value", "count", "period_labels", "text", "KINDS", "REASONS"]

KINDS = ("percent", "money", "count", "ratio", "days", "times", "date", "text")
_PERCENT = ("win_rate", "ci_low", "ci_high", "conversion", "attainment", "width",
            "win_rate_used", "out_of_order_share", "share", "own_share")
_MONEY = ("amount", "revenue", "quota", "closed_won", "gap", "open_pipeline", "avg_deal_size",
          "won_amount", "lost_amount", "weighted_pipeline", "target_revenue")
_TIMES = ("coverage", "coverage_needed", "coverage_needed_low", "coverage_needed_high")
_RATIO = ("outreach_per_first_meeting",)
NO_MEETINGS = "no first meetings yet: nothing to divide by"
PAST = "a past month: today's open deals say nothing about it"
REASONS = {  # why a value is missing, by column
    "outreach_per_first_meeting": NO_MEETINGS, "next_step_rate": NO_MEETINGS,
    "win_rate": "no closed deals yet", "ci_low": "no closed deals yet",
    "ci_high": "no closed deals yet",
    "conversion": "no deal decided at this stage yet",
    "median_days_in_stage": "no finished visit of this stage yet",
    "p90_days_in_stage": "no finished visit of this stage yet",
    "threshold_days": "no finished visit of this stage to compare with",
    "avg_deal_size": "no won deal with an amount yet",
    "avg_cycle_days": "no won deal with its created and close dates yet",
    "median_cycle_days": "no won deal with its created and close dates yet",
    "quota": "no quota set for the month", "attainment": "no quota set for the month",
    "gap": "no quota set for the month",
    "coverage": "no gap left to cover (quota reached), no quota, or a past month",
    "open_pipeline": PAST, "first_meeting_rate": "no leads",
    "lead_to_opportunity_rate": "no leads", "lead_to_won_rate": "no leads",
    "mql_to_sql_rate": "no MQLs", "expected_close": "no expected close date in the CRM",
    "closed_at": "not closed yet",
}
_STYLE = ("border-collapse:collapse;margin:4px 0;font-size:13px",
          "padding:3px 8px;border-bottom:1px solid #ddd;vertical-align:top;"
          "white-space:normal;overflow-wrap:anywhere;max-width:28em")


def text(value) -> str:
    """``value`` as HTML-escaped text (quotes too).

    Examples
    --------
    >>> text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(str(value), quote=True)


def count(number: int, nouns: str) -> str:
    """A count with its noun, singular for one: "1 won deal", "1,200 won deals".

    Examples
    --------
    >>> count(1, "open deals"), count(0, "first meetings"), count(1200, "won deals")
    ('1 open deal', '0 first meetings', '1,200 won deals')
    """
    number = int(number)
    return f"{number:,} {nouns[:-1] if number == 1 and nouns.endswith('s') else nouns}"


def value(number, kind: str = "ratio", *, decimals: int | None = None) -> str:
    """One number as people read it; "–" when missing.

    Parameters
    ----------
    number : float
    kind : {"percent", "money", "count", "ratio", "days", "times"}
    decimals : int, optional
        Decimals of a percent (default 0) or a ratio (default 1).

    Examples
    --------
    >>> value(0.3048, "percent"), value(36400, "money"), value(19.2093, "ratio")
    ('30%', '36,400', '19.2')
    >>> value(3.333, "times"), value(float("nan"), "money"), value(0.048, "percent", decimals=1)
    ('3.3×', '–', '4.8%')
    >>> value(-0.4, "count"), value(-0.004, "percent"), value(-0.6, "count")
    ('0', '0%', '-1')
    """
    if number is None or pd.isna(number):
        return "–"
    text = _formatted(float(number), kind, decimals)
    # A small negative number rounds to "-0": nothing is behind, so no sign.
    return text[1:] if text.startswith("-") and not any(c in text for c in "123456789") else text


def _formatted(number: float, kind: str, decimals: int | None) -> str:
    if kind == "percent":
        return f"{number:.{0 if decimals is None else decimals}%}"
    if kind in ("money", "days", "count"):
        return f"{number:,.0f}"
    if kind == "times":
        return f"{number:.1f}×"
    return f"{number:,.{1 if decimals is None else decimals}f}"


def period_labels(values) -> list[str]:
    """Dates as words: "Q1 2024" for quarter starts, "Dec 2024" for month starts, else the day
    ("09 Dec 2024"); "–" for a missing date.

    Examples
    --------
    >>> period_labels(pd.to_datetime(["2024-01-01", "2024-04-01"]))
    ['Q1 2024', 'Q2 2024']
    >>> period_labels(pd.to_datetime(["2024-11-01", "2024-12-01", None]))
    ['Nov 2024', 'Dec 2024', '–']
    >>> period_labels(pd.to_datetime(["2024-12-09 10:30"]))
    ['09 Dec 2024']
    """
    dates = pd.to_datetime(pd.Series(values)).reset_index(drop=True)
    distinct = dates.dropna().drop_duplicates().sort_values()
    months = distinct.dt.year * 12 + distinct.dt.month
    firsts = bool(len(distinct)) and bool(
        (distinct.dt.day.eq(1) & distinct.dt.normalize().eq(distinct)).all())
    if firsts and len(distinct) > 1 and (months % 3 == 1).all():
        return [f"Q{d.quarter} {d.year}" if pd.notna(d) else "–" for d in dates]
    return [d.strftime("%b %Y" if firsts else "%d %b %Y") if pd.notna(d) else "–" for d in dates]


def _kind(name: str, values: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return "text"
    if name in _PERCENT or name.endswith(("_rate", "_share")):
        return "percent"
    if name in _MONEY or name.startswith("pipeline_"):
        return "money"
    if name in _TIMES:
        return "times"
    if name.endswith("_days"):
        return "days"
    if name in _RATIO:
        return "ratio"
    return "count" if pd.api.types.is_integer_dtype(values) or _whole(values) else "ratio"


def _whole(values: pd.Series) -> bool:
    numbers = values.dropna().to_numpy(dtype="float64")
    return bool(len(numbers)) and bool(np.all(numbers == np.round(numbers)))


def _reason(name: str) -> str:
    if name in REASONS:
        return REASONS[name]
    if name.startswith("pipeline_"):
        return PAST
    return "not recorded"


def _column(name: str, values: pd.Series, kind: str) -> list[str]:
    if kind == "date":
        return period_labels(values)
    if kind == "text":
        if pd.api.types.is_bool_dtype(values):
            return ["–" if _missing(v) else "yes" if v else "no" for v in values]
        return ["–" if _missing(v) else str(v) for v in values]
    decimals = None
    if kind == "percent":
        shown = values.dropna().abs()
        decimals = 1 if len(shown) and float(shown.max()) < 0.1 else 0
    return [value(v, kind, decimals=decimals) for v in values]


def _missing(item) -> bool:
    try:
        return bool(pd.isna(item))
    except (TypeError, ValueError):
        return False


class Table:
    """A formatted table: ``.frame`` holds the shown strings, ``.notes`` the lines under it.

    Renders as HTML in a notebook (``_repr_html_``) and as plain text elsewhere.
    """

    def __init__(self, frame: pd.DataFrame, notes: list[str], numeric: list[bool],
                 caption: str = ""):
        self.frame, self.notes, self._numeric, self.caption = frame, notes, numeric, caption

    def to_html(self) -> str:
        """The table as one HTML fragment, every text escaped."""
        cell = _STYLE[1]
        head = "".join(f'<th style="{cell};text-align:{"right" if num else "left"}">'
                       f"{text(c)}</th>" for c, num in zip(self.frame.columns, self._numeric))
        body = "".join(
            "<tr>" + "".join(f'<td style="{cell};text-align:{"right" if num else "left"}">'
                             f"{text(v)}</td>" for v, num in zip(row, self._numeric)) + "</tr>"
            for row in self.frame.itertuples(index=False))
        caption = (f'<caption style="text-align:left;font-weight:bold">{text(self.caption)}'
                   "</caption>" if self.caption else "")
        notes = "".join(f'<p style="color:#616161;margin:2px 0;font-size:12px">{text(n)}</p>'
                        for n in self.notes)
        return (f'<div class="kt-table tex2jax_ignore mathjax_ignore">'
                f'<table style="{_STYLE[0]}">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>{notes}</div>")

    _repr_html_ = to_html

    def __repr__(self) -> str:
        lines = [self.caption] if self.caption else []
        lines.append(self.frame.to_string(index=False) if len(self.frame.columns) else "")
        return "\n".join([*lines, *self.notes])


def table(frame, *, kinds: dict | None = None, reasons: dict | None = None,
          labels: dict | None = None, caption: str = "", row_kind: str | None = None) -> Table:
    """A frame (or a Series) as a table for people.

    Parameters
    ----------
    frame : DataFrame or Series
        A Series shows as two columns: its index and its values.
    kinds : dict, optional
        Column → one of ``KINDS``, where the column's name does not say it.
    reasons : dict, optional
        Column → why a value can be missing there (added to ``REASONS``).
    labels : dict, optional
        Column → header; by default the name with spaces for underscores.
    caption : str, optional
    row_kind : str, optional
        A column naming each row's kind ("count", "money", ...), for tables whose rows hold
        different things; its numbers are shown that way and the column itself is not shown.

    Returns
    -------
    Table

    Examples
    --------
    >>> frame = pd.DataFrame({"rep": ["Ann", "<b>Bo</b>"], "won": [3, 0], "lost": [2, 0],
    ...                       "win_rate": [0.6, float("nan")],
    ...                       "period": pd.to_datetime(["2024-12-01", "2024-12-01"])})
    >>> shown = table(frame)
    >>> shown.frame.values.tolist()
    [['Ann', '3', '2', '60%', 'Dec 2024'], ['<b>Bo</b>', '0', '0', '–', 'Dec 2024']]
    >>> shown.notes
    ['– win rate: no closed deals yet']
    >>> "&lt;b&gt;Bo&lt;/b&gt;" in shown.to_html(), "<b>Bo" in shown.to_html()
    (True, False)
    """
    if isinstance(frame, pd.Series):
        frame = frame.rename_axis(frame.index.name or "").reset_index(
            name=frame.name if frame.name is not None else "value")
    kinds, reasons, labels = dict(kinds or {}), {**REASONS, **(reasons or {})}, labels or {}
    shown, numeric, missing = {}, [], {}
    per_row = frame[row_kind].tolist() if row_kind else None
    for name in frame.columns:
        if name == row_kind:
            continue
        values = frame[name]
        kind = kinds.get(name) or _kind(str(name), values)
        label = labels.get(name, str(name).replace("_", " "))
        if per_row and kind not in ("text", "date") and name not in kinds:
            shown[label] = [value(v, k) for v, k in zip(values, per_row)]
        else:
            shown[label] = _column(str(name), values, kind)
        numeric.append(kind not in ("text", "date"))
        if values.isna().any():
            why = reasons.get(name) or _reason(str(name))
            missing.setdefault(why, []).append(label)
    notes = [f"– {', '.join(columns)}: {why}" for why, columns in missing.items()]
    return Table(pd.DataFrame(shown, columns=list(shown)), notes, numeric, caption)
