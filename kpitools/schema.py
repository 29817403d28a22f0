"""The canonical CRM tables: column names, dtypes, the data container and SchemaError.

Declarations only: every other module takes its column names from here. Coercing frames to
these dtypes and excluding bad rows with a reason is :mod:`kpitools.io.rules`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str" dtype: the canonical text
DATES = "datetime64[us]"  # the canonical date unit, whatever the file's
EXCLUDED_COLUMNS = ["table", "row", "column", "value", "reason"]
if TYPE_CHECKING:  # the report belongs to the loader, above this module
    from kpitools.io.report import QualityReport

DEFAULT_STAGES: tuple[str, ...] = ("Qualify", "Discover", "Propose", "Negotiate")
TERMINAL_STAGES: tuple[str, str] = ("Closed Won", "Closed Lost")
STATUSES: tuple[str, ...] = ("open", "won", "lost")
KINDS: tuple[str, ...] = ("call", "email", "social", "event", "meeting", "other")
OUTREACH_KINDS: tuple[str, ...] = ("call", "email", "social", "event")

TABLES: tuple[str, ...] = ("leads", "activities", "opportunities", "stage_history", "quotas")

REQUIRED: dict[str, tuple[str, ...]] = {
    "leads": ("lead_id", "rep", "created_at", "source"),
    "activities": ("activity_id", "rep", "at", "kind"),
    "opportunities": ("opportunity_id", "rep", "created_at", "amount", "status", "stage"),
    "stage_history": ("opportunity_id", "stage", "entered_at"),
    "quotas": ("rep", "period", "quota"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "leads": ("mql_at", "sql_at", "region", "segment"),
    "activities": ("lead_id", "opportunity_id", "is_first_meeting", "next_step_scheduled",
                   "channel_detail", "direction"),
    "opportunities": ("closed_at", "expected_close", "source", "lead_id", "product", "region",
                      "segment", "loss_reason", "currency"),
    "stage_history": (),
    "quotas": (),
}
# Columns the loader fills when an export has them (beyond the contract's optional ones).
EXTRA: dict[str, tuple[str, ...]] = {
    "leads": ("modified_at", "is_deleted"),
    "activities": ("modified_at", "is_deleted"),
    "opportunities": ("probability", "modified_at", "is_deleted"),
    "stage_history": ("is_deleted",),
    "quotas": ("goal", "parent_goal", "metric_type"),
}
ID_COLUMNS: dict[str, str] = {
    "leads": "lead_id",
    "activities": "activity_id",
    "opportunities": "opportunity_id",
}
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "leads": ("created_at", "mql_at", "sql_at", "modified_at"),
    "activities": ("at", "modified_at"),
    "opportunities": ("created_at", "closed_at", "expected_close", "modified_at"),
    "stage_history": ("entered_at",),
    "quotas": ("period",),
}
# Dates a row cannot do without; the others may be blank.
REQUIRED_DATES: dict[str, tuple[str, ...]] = {
    "leads": ("created_at",),
    "activities": ("at",),
    "opportunities": ("created_at",),
    "stage_history": ("entered_at",),
    "quotas": ("period",),
}
STRING_COLUMNS: tuple[str, ...] = ("lead_id", "activity_id", "opportunity_id", "rep", "source",
                                   "stage", "region", "segment", "product", "loss_reason",
                                   "channel_detail", "currency", "goal", "parent_goal",
                                   "metric_type")
# Text columns come back as pandas' "str" dtype (Arrow-backed, missing = NaN): what pandas 3
# itself gives for text, and several times smaller and faster to hash than Python strings.
TEXT_COLUMNS: tuple[str, ...] = STRING_COLUMNS + ("kind", "status", "direction")
BOOL_COLUMNS: tuple[str, ...] = ("is_first_meeting", "next_step_scheduled")
LABEL_COLUMNS = {"activities": ("kind", "direction"), "opportunities": ("status",)}  # lower-cased
DIRECTIONS: tuple[str, ...] = ("inbound", "outbound")
UNASSIGNED = "(unassigned)"  # the rep of a record whose export has no owner column
# (table, column, referenced table, referenced id column)
FOREIGN_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("stage_history", "opportunity_id", "opportunities", "opportunity_id"),
    ("activities", "opportunity_id", "opportunities", "opportunity_id"),
    ("activities", "lead_id", "leads", "lead_id"),
    ("opportunities", "lead_id", "leads", "lead_id"),
)

class SchemaError(ValueError):
    """A table lacks a required column; the message names table, column and what was found."""


@dataclass
class CRMData:
    """The five canonical tables (any may be empty) plus the quality report of loading.

    ``stages`` are the open stages in order; ``today`` is the data's "now" (fixed for the sample);
    ``me`` is the rep whose numbers the course shows (see :func:`kpitools.course_data`).

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> data.stages
    ('Qualify', 'Discover', 'Propose', 'Negotiate')
    """

    leads: pd.DataFrame = field(default_factory=lambda: empty_table("leads"))
    activities: pd.DataFrame = field(default_factory=lambda: empty_table("activities"))
    opportunities: pd.DataFrame = field(default_factory=lambda: empty_table("opportunities"))
    stage_history: pd.DataFrame = field(default_factory=lambda: empty_table("stage_history"))
    quotas: pd.DataFrame = field(default_factory=lambda: empty_table("quotas"))
    quality: "QualityReport" = field(default_factory=lambda: _report())
    stages: tuple = DEFAULT_STAGES
    today: pd.Timestamp | None = None
    me: str | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The five frames by table name."""
        return {name: getattr(self, name) for name in TABLES}

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(frame):,}" for name, frame in self.tables().items())
        return f"CRMData({sizes}; stages={self.stages})"


def _report():
    from kpitools.io.report import QualityReport  # the report belongs to the loader
    return QualityReport()


def empty_table(table: str) -> pd.DataFrame:
    """An empty frame with the table's required columns and canonical dtypes."""
    frame = pd.DataFrame({c: pd.Series(dtype=TEXT) for c in REQUIRED[table]})
    for column in DATE_COLUMNS[table]:
        if column in frame:
            frame[column] = pd.Series(dtype=DATES)
    for column in ("amount", "quota"):
        if column in frame:
            frame[column] = pd.Series(dtype="float64")
    return frame


def require_columns(frame: pd.DataFrame, table: str, columns, where: str) -> None:
    """Raise SchemaError naming the first missing column, the columns found and the fix."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{where}: column {missing[0]!r} not found in {table}. Found: {list(frame.columns)}. "
            f"Load exports with kt.load_crm(path, preset=...) or pass mapping={{...}}.")


def bool_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A flag column as a numpy bool array; a missing column or missing values count as False."""
    if column not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[column].fillna(False).astype(bool).to_numpy()


def __getattr__(name):
    """Names that moved to :mod:`kpitools.io` stay importable from here."""
    if name in ("clean", "validate"):
        from kpitools.io import cleaning
        return getattr(cleaning, name)
    if name == "FIXES":
        from kpitools.io.rules import FIXES
        return FIXES
    if name == "QualityReport":
        from kpitools.io.report import QualityReport
        return QualityReport
    raise AttributeError(f"module 'kpitools.schema' has no attribute {name!r}")
