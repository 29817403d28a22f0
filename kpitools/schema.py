"""The canonical CRM tables: column names, dtypes, the data container and the quality report.

Every other module takes its column names from here. ``clean`` coerces raw frames to the
canonical dtypes once and excludes bad rows *with a reason*; ``validate`` returns only the report.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from kpitools import _groups, _parse, _threads
from kpitools._parse import TEXT
from kpitools.quality import EXCLUDED_COLUMNS, FIXES, QualityReport  # noqa: F401 (re-exported)

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
                   "channel_detail"),
    "opportunities": ("closed_at", "expected_close", "source", "lead_id", "product", "region",
                      "segment", "loss_reason"),
    "stage_history": (),
    "quotas": (),
}
ID_COLUMNS: dict[str, str] = {
    "leads": "lead_id",
    "activities": "activity_id",
    "opportunities": "opportunity_id",
}
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "leads": ("created_at", "mql_at", "sql_at"),
    "activities": ("at",),
    "opportunities": ("created_at", "closed_at", "expected_close"),
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
                                   "channel_detail")
# Text columns come back as pandas' "str" dtype (Arrow-backed, missing = NaN): what pandas 3
# itself gives for text, and several times smaller and faster to hash than Python strings.
TEXT_COLUMNS: tuple[str, ...] = STRING_COLUMNS + ("kind", "status")
BOOL_COLUMNS: tuple[str, ...] = ("is_first_meeting", "next_step_scheduled")
_LABEL_COLUMNS = {"activities": ("kind",), "opportunities": ("status",)}  # lower-cased
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
    quality: QualityReport = field(default_factory=QualityReport)
    stages: tuple = DEFAULT_STAGES
    today: pd.Timestamp | None = None
    me: str | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The five frames by table name."""
        return {name: getattr(self, name) for name in TABLES}

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(frame):,}" for name, frame in self.tables().items())
        return f"CRMData({sizes}; stages={self.stages})"


def empty_table(table: str) -> pd.DataFrame:
    """An empty frame with the table's required columns and canonical dtypes."""
    frame = pd.DataFrame({c: pd.Series(dtype=TEXT) for c in REQUIRED[table]})
    for column in DATE_COLUMNS[table]:
        if column in frame:
            frame[column] = pd.Series(dtype="datetime64[us]")
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


class _Problems:
    """Collects (table, row, column, value, reason) records, vectorised per check."""

    def __init__(self):
        self.parts: list[pd.DataFrame] = []

    def add(self, table: str, rows: pd.Index, column: str, values: pd.Series, reason: str):
        if len(rows):
            shown = values.astype("object")
            if reason == "missing value":  # an empty cell reads as one, typed or not (not NaT)
                shown = shown.where(shown.notna(), "")
            self.parts.append(pd.DataFrame({
                "table": table, "row": rows.to_numpy(), "column": column,
                "value": shown.to_numpy(), "reason": reason}))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=EXCLUDED_COLUMNS)
        out = pd.concat(self.parts, ignore_index=True)
        return out.sort_values(["table", "row"], kind="stable", ignore_index=True)


def _as_frames(data) -> dict[str, pd.DataFrame]:
    if isinstance(data, CRMData):
        return data.tables()
    unknown = set(data) - set(TABLES)
    if unknown:
        raise SchemaError(f"unknown table(s) {sorted(unknown)}; valid tables: {list(TABLES)}")
    return {t: data.get(t, empty_table(t)) for t in TABLES}


def check_columns(frames: dict[str, pd.DataFrame]) -> None:
    """Raise one SchemaError listing every missing required column of every non-empty table."""
    problems = []
    for table, frame in frames.items():
        if frame is None or (len(frame) == 0 and len(frame.columns) == 0):
            continue
        for column in REQUIRED[table]:
            if column not in frame.columns:
                problems.append(f"column {column!r} not found in {table}. "
                                f"Found: {list(frame.columns)}.")
    if problems:
        raise SchemaError(" ".join(problems) + " Load exports with kt.load_crm(path, preset=...) "
                          "or pass mapping={'canonical_name': 'your header'}.")


def _coerce_table(table: str, frame: pd.DataFrame, problems: _Problems, stages, terminal,
                  notes: list):
    """Canonical dtypes for one table; returns the coerced copy and a boolean 'bad row' mask.
    Column-wide reading rules (day-first dates, decimal commas) are added to ``notes``."""
    out = frame.reset_index(drop=True)  # a new frame: copy-on-write keeps the caller's intact
    positions = pd.RangeIndex(len(out))
    bad = pd.Series(False, index=positions)

    def flag(mask: pd.Series, column: str, reason: str, values: pd.Series | None = None):
        nonlocal bad
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            problems.add(table, positions[mask.to_numpy()], column,
                         (out[column] if values is None else values)[mask], reason)
            bad |= mask

    parsed = _parsed_columns(out, table)
    for column in (c for c in STRING_COLUMNS if c in parsed):
        original, out[column] = out[column], parsed[column]
        if column in REQUIRED[table] and column != "source":
            flag(out[column].isna(), column, "missing value", original)
    for column in (c for c in DATE_COLUMNS[table] if c in parsed):
        (dates, unparseable, rule), original = parsed[column], out[column]
        notes += [f"{table}.{column}: dates {rule}."] if rule else []
        flag(unparseable, column, "unparseable date", original)
        out[column] = dates
        if column in REQUIRED_DATES[table]:
            flag(dates.isna() & ~unparseable, column, "missing value", original)
    for column in (c for c in BOOL_COLUMNS if c in parsed):
        out[column] = parsed[column]
    for column, label in (("amount", "amount"), ("quota", "quota")):
        if column not in parsed:
            continue
        (numbers, non_numeric, rule), original = parsed[column], out[column]
        notes += [f"{table}.{column}: amounts {rule}."] if rule else []
        flag(non_numeric, column, f"non-numeric {label}", original)
        flag(numbers < 0, column, f"negative {label}", original)
        if column == "quota":
            flag(numbers.isna() & ~non_numeric, column, "missing value", original)
        out[column] = numbers

    if table == "activities":
        kind = parsed["kind"]
        flag(~kind.isin(KINDS), "kind", "unknown kind")
        out["kind"] = kind
        meeting = (kind == "meeting").to_numpy(dtype=bool, na_value=False)
        for column in BOOL_COLUMNS:
            out[column] = out[column] & meeting if column in out else False
    if table == "opportunities":
        status = parsed["status"]
        flag(~status.isin(STATUSES), "status", "unknown status")
        out["status"] = status
        closed = status.isin(("won", "lost")).fillna(False).astype(bool)
        if "closed_at" not in out:
            out["closed_at"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[us]")
        flag(closed & out["closed_at"].isna() & ~bad, "closed_at", "closed deal without closed_at")
        flag((status == "open") & out["closed_at"].notna(), "closed_at", "open deal with closed_at")
        flag(out["closed_at"] < out["created_at"], "closed_at", "closed before created")
        known = out["stage"].isin(tuple(stages) + tuple(terminal))
        flag(~known & out["stage"].notna(), "stage", "unknown stage")
    if table == "stage_history":
        known = out["stage"].isin(tuple(stages) + tuple(terminal))
        flag(~known & out["stage"].notna(), "stage", "unknown stage")
    if table == "quotas":
        out["period"] = out["period"].dt.to_period("M").dt.start_time
        flag(_later_duplicate(out[["rep", "period"]], bad), "period", "duplicate id",
             out["rep"] + " " + out["period"].astype(str))
    if table in ID_COLUMNS:
        id_column = ID_COLUMNS[table]
        flag(_later_duplicate(out[[id_column]], bad) & out[id_column].notna(), id_column,
             "duplicate id")
    return out, bad


def _parsed_columns(frame: pd.DataFrame, table: str) -> dict:
    """Each column's parser result (text, dates, flags, amounts, lower-cased labels), the
    columns parsed side by side: they do not depend on one another."""
    parsers = ([(c, _parse.to_string) for c in STRING_COLUMNS]
               + [(c, _parse.to_datetime) for c in DATE_COLUMNS[table]]
               + [(c, _parse.to_bool) for c in BOOL_COLUMNS]
               + [(c, _parse.to_number) for c in ("amount", "quota")]
               + [(c, _parse.to_lower) for c in _LABEL_COLUMNS.get(table, ())])
    present = [(column, parse) for column, parse in parsers if column in frame]
    results = _threads.each(lambda item: item[1](frame[item[0]]), present,
                            len(frame) * len(present))
    return {column: result for (column, _), result in zip(present, results)}


def _later_duplicate(keys: pd.DataFrame, bad: pd.Series) -> pd.Series:
    """Rows repeating the key of an earlier *kept* row (the first good copy is kept)."""
    good = ~bad.to_numpy()
    duplicate = pd.Series(False, index=keys.index)
    if not _strictly_increasing(keys[good]):
        duplicate[good] = keys[good].duplicated().to_numpy()
    return duplicate


def _strictly_increasing(keys: pd.DataFrame) -> bool:
    """A single text key sorted without repeats (as exports by ID often are) has no
    duplicates: one comparison pass instead of hashing every key."""
    if len(keys.columns) != 1 or not pd.api.types.is_string_dtype(keys.iloc[:, 0]):
        return False
    values = _parse.arrow_text(keys.iloc[:, 0])
    if values.null_count or len(values) < 2:
        return False
    return bool(pc.all(pc.greater(values[1:], values[:-1])).as_py())


def clean(data, stages=None, terminal=TERMINAL_STAGES, notes=()) -> CRMData:
    """Coerce the five tables to canonical dtypes and exclude bad rows, each with a reason.

    The caller's frames are never modified. Row numbers in the report are 0-based positions in
    the frames given.

    Examples
    --------
    >>> import pandas as pd, kpitools as kt
    >>> opps = pd.DataFrame({"opportunity_id": ["1", "2"], "rep": ["Ann", "Ann"],
    ...     "created_at": ["2024-01-05", "2024-01-09"], "amount": ["900", "-5"],
    ...     "status": ["open", "open"], "stage": ["Qualify", "Qualify"]})
    >>> data = kt.clean({"opportunities": opps})
    >>> len(data.opportunities), data.quality.excluded["reason"].tolist()
    (1, ['negative amount'])
    """
    frames = _as_frames(data)
    check_columns(frames)
    stages = tuple(stages or (data.stages if isinstance(data, CRMData) else DEFAULT_STAGES))
    problems, notes = _Problems(), list(notes)
    kept, bad_masks, read = {}, {}, {}
    for table in TABLES:
        frame = frames[table]
        if frame is None or (len(frame) == 0 and len(frame.columns) == 0):
            frame = empty_table(table)
        read[table] = len(frame)
        kept[table], bad_masks[table] = _coerce_table(table, frame, problems, stages,
                                                      terminal, notes)
    _flag_orphans(kept, bad_masks, problems)
    result = {t: _as_text(_without(kept.pop(t), bad_masks[t].to_numpy())) for t in TABLES}
    for frame in result.values():
        frame.attrs["stages"] = stages
    report = QualityReport(problems.frame(), read, {t: len(result[t]) for t in TABLES},
                           notes + _notes(result))
    today = data.today if isinstance(data, CRMData) else None
    return CRMData(**result, quality=report, stages=stages, today=today)


def _flag_orphans(kept, bad_masks, problems: _Problems) -> None:
    """Exclude rows whose foreign key names no kept parent row, one parent at a time (all of
    a parent's children in one lookup)."""
    for parent, parent_id in dict.fromkeys((p, key) for _, _, p, key in FOREIGN_KEYS):
        children = [(table, column) for table, column, p, _ in FOREIGN_KEYS
                    if p == parent and column in kept[table]]
        if not children or len(kept[parent]) == 0:
            continue
        known = _without(kept[parent][[parent_id]], bad_masks[parent].to_numpy())[parent_id]
        found = _groups.is_in_each([kept[table][column] for table, column in children], known)
        for (table, column), present in zip(children, found):
            values = kept[table][column]
            orphan = values.notna().to_numpy() & ~present & ~bad_masks[table].to_numpy()
            if orphan.any():
                problems.add(table, pd.RangeIndex(len(values))[orphan], column,
                             values[orphan], "orphan foreign key")
                bad_masks[table] = bad_masks[table] | orphan


def _without(frame: pd.DataFrame, bad: np.ndarray) -> pd.DataFrame:
    """The rows not flagged, renumbered (no copy when none is flagged)."""
    return frame[~bad].reset_index(drop=True) if bad.any() else frame


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical text columns as pandas' "str" dtype (a no-op for those already parsed)."""
    loose = {c: TEXT for c in TEXT_COLUMNS if c in frame and frame[c].dtype != TEXT}
    return frame.astype(loose) if loose else frame


def _notes(result: dict[str, pd.DataFrame]) -> list[str]:
    notes = []
    opps = result["opportunities"]
    missing_amount = int(opps["amount"].isna().sum())
    if missing_amount:
        notes.append(f"{missing_amount} opportunities have no amount: kept and counted in "
                     "count-based KPIs, left out of sums and value-weighted rates.")
    return notes


def validate(data, stages=None) -> QualityReport:
    """Check tables against the canonical schema and report every problem at once.

    A missing required column raises ``SchemaError``; bad rows are listed with a reason.
    Nothing in ``data`` is modified.

    Examples
    --------
    >>> import pandas as pd, kpitools as kt
    >>> acts = pd.DataFrame({"activity_id": ["a1", "a1"], "rep": ["Ann", "Ann"],
    ...     "at": ["2024-01-05", "yesterday"], "kind": ["call", "call"]})
    >>> kt.validate({"activities": acts}).excluded[["row", "column", "reason"]]
       row column            reason
    0    1     at  unparseable date
    """
    return clean(data, stages=stages).quality
