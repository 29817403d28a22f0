"""``clean`` and ``validate``: the rules of :mod:`kpitools.io.rules` applied to five tables.

Each table is parsed once (:mod:`kpitools.io.coerce`), its rules run in order, then foreign keys
are checked across tables. Every excluded row is reported with its reason; rows that break a
flag-only rule are kept and listed as flagged. The caller's frames are never changed.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools._groups import is_in_each
from kpitools.io.coerce import as_text, coerce
from kpitools.io.report import EXCLUDED_COLUMNS, QualityReport
from kpitools.io.rules import FOREIGN_KEYS, RULES, Check
from kpitools.schema import (DEFAULT_STAGES, REQUIRED, TABLES, TERMINAL_STAGES, TEXT_COLUMNS,
                             CRMData, SchemaError, empty_table)


class _Problems:
    """Collects (table, row, column, value, reason) records, one frame per rule that fired."""

    def __init__(self):
        self.parts: list[pd.DataFrame] = []

    def add(self, table: str, rows: np.ndarray, column: str, values: pd.Series, reason: str):
        if len(rows):
            shown = values.astype("object")
            if reason == "missing value":  # an empty cell reads as one, typed or not (not NaT)
                shown = shown.where(shown.notna(), "")
            self.parts.append(pd.DataFrame({"table": table, "row": rows, "column": column,
                                            "value": shown.to_numpy(), "reason": reason}))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=EXCLUDED_COLUMNS)
        out = pd.concat(self.parts, ignore_index=True)
        return out.sort_values(["table", "row"], kind="stable", ignore_index=True)


def check_columns(frames: dict[str, pd.DataFrame]) -> None:
    """Raise one SchemaError listing every missing required column of every non-empty table."""
    problems = [f"column {column!r} not found in {table}. Found: {list(frame.columns)}."
                for table, frame in frames.items()
                if frame is not None and (len(frame) or len(frame.columns))
                for column in REQUIRED[table] if column not in frame.columns]
    if problems:
        raise SchemaError(" ".join(problems) + " Load exports with kt.load_crm(path, preset=...) "
                          "or pass mapping={'canonical_name': 'your header'}.")


def _apply(check: Check, raw: pd.DataFrame, excluded: _Problems, flagged: _Problems) -> None:
    """Run the table's rules in order; ``check.bad`` grows as rows are excluded."""
    for rule in (r for r in RULES if r.table == check.table):
        needed = rule.column if rule.column in check.frame else None
        if needed is None and rule.adds is None:
            continue
        mask = np.asarray(rule.test(check) if needed else False)
        if mask.ndim == 0:
            mask = np.full(len(check.frame), bool(mask))
        if mask.dtype != bool:  # (a nullable column's missing values: False)
            mask = pd.Series(mask).fillna(False).to_numpy(dtype=bool)
        if not mask.any():
            continue
        if rule.adds:  # only when some row is flagged: a clean table stays as it was
            check.frame[rule.adds] = mask
        shown = raw[rule.column] if rule.column in raw else check.col(rule.column)
        if rule.name == "older copy" or rule.name == "duplicate id":
            shown = check.col(rule.column).astype(object)
            if check.table == "quotas":
                shown = check.col("rep") + " " + check.col("period").astype(str)
        if rule.name == "deleted":
            check.memo["deleted"] = mask
        target = flagged if rule.flag_only else excluded
        target.add(check.table, np.flatnonzero(mask), rule.column,
                   shown.reset_index(drop=True)[mask], rule.reason)
        if not rule.flag_only:
            check.bad = check.bad | mask


def _flag_orphans(kept: dict, bad: dict, deleted: dict, problems: _Problems, notes) -> None:
    """Exclude rows whose foreign key names no kept parent row. A row whose parent the CRM
    marks deleted is kept without the link (a call about a deleted deal still happened).
    A parent's IDs are hashed once for all the columns that refer to it."""
    for parent, parent_id in dict.fromkeys((p, key) for _, _, p, key in FOREIGN_KEYS):
        children = [(table, column) for table, column, p, _ in FOREIGN_KEYS
                    if p == parent and column in kept[table]]
        if not children or len(kept[parent]) == 0:
            continue
        ids = kept[parent][parent_id]
        if deleted.get(parent) is not None:
            _unlink_deleted(kept, bad, [c for c in children if c[0] != "stage_history"],
                            parent, ids[deleted[parent]], notes)
        found = is_in_each([kept[t][c] for t, c in children], ids[~bad[parent]].dropna())
        for (table, column), present in zip(children, found):
            values = kept[table][column]
            orphan = values.notna().to_numpy() & ~present & ~bad[table]
            if orphan.any():
                problems.add(table, np.flatnonzero(orphan), column, values[orphan],
                             "orphan foreign key")
                bad[table] = bad[table] | orphan


def _unlink_deleted(kept: dict, bad: dict, children: list, parent: str, gone: pd.Series,
                    notes) -> None:
    """Rows that refer to a parent deleted in the CRM keep everything but that link."""
    for (table, column), linked in zip(children, is_in_each(
            [kept[t][c] for t, c in children], gone.dropna())):
        unlinked = linked & kept[table][column].notna().to_numpy() & ~bad[table]
        if unlinked.any():
            kept[table][column] = kept[table][column].where(~unlinked)
            count = int(unlinked.sum())
            notes.append(f"{table}: {count:,} {'row refers' if count == 1 else 'rows refer'} "
                         f"to {parent} deleted in the CRM: kept, without the {column}.")


def _as_frames(data) -> dict[str, pd.DataFrame]:
    if isinstance(data, CRMData):
        return data.tables()
    unknown = set(data) - set(TABLES)
    if unknown:
        raise SchemaError(f"unknown table(s) {sorted(unknown)}; valid tables: {list(TABLES)}")
    return {t: data.get(t) for t in TABLES}


def clean(data, stages=None, terminal=TERMINAL_STAGES, notes=(), *, recency=None,
          dates=None) -> CRMData:
    """Coerce the five tables to canonical dtypes and exclude bad rows, each with a reason.

    The caller's frames are never modified. Row numbers in the report are 0-based positions in
    the frames given. Rows that break a flag-only rule (a deal closed on an earlier day than
    it was created) are kept and listed in ``quality.flagged``.

    Parameters
    ----------
    data : CRMData or dict of DataFrames
    stages : sequence of str, optional
        Open stages in order (default: the data's, else ``DEFAULT_STAGES``).
    terminal : sequence of str
        Labels that mark a close (``"Closed Won"``, ``"Closed Lost"``).
    notes : sequence of str
        Sentences added to the report.
    recency : dict of Series, optional
        Per table, a number per row: of two copies of one record the larger is newer
        (``load_crm`` passes its files' modification times).
    dates : dict, optional
        Per table, date columns already parsed (``{column: kpitools.io.values.Parsed}``):
        ``load_crm`` reads all the dates of an export with one day/month order.

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
    if isinstance(stages, str):
        stages = (stages,)
    frames = _as_frames(data)
    check_columns(frames)
    stages = tuple(stages or (data.stages if isinstance(data, CRMData) else DEFAULT_STAGES))
    excluded, flagged, notes = _Problems(), _Problems(), list(notes)
    kept, bad, read, deleted = {}, {}, {}, {}
    for table in TABLES:
        frame = frames[table]
        if frame is None or (len(frame) == 0 and len(frame.columns) == 0):
            frame = empty_table(table)
        read[table] = len(frame)
        parsed = coerce(table, frame, (dates or {}).get(table))
        notes += parsed.notes
        out = _defaults(table, parsed.frame)
        check = Check(table, out, parsed.failed, np.zeros(len(out), bool), stages,
                      tuple(terminal), (recency or {}).get(table))
        _apply(check, frame.reset_index(drop=True), excluded, flagged)
        kept[table], bad[table] = check.frame, check.bad
        deleted[table] = check.memo.get("deleted")
    _flag_orphans(kept, bad, deleted, excluded, notes)
    result = {t: as_text(_without(kept[t], bad[t]), TEXT_COLUMNS) for t in TABLES}
    for frame in result.values():
        frame.attrs["stages"] = stages
    flags = flagged.frame()
    if len(flags):  # a flagged row that is excluded anyway is reported as excluded only
        keep = [not bad[t][r] for t, r in zip(flags["table"], flags["row"])]
        flags = flags[keep].reset_index(drop=True)
    report = QualityReport(excluded.frame(), read, {t: len(result[t]) for t in TABLES},
                           list(dict.fromkeys(notes + _notes(result))), flags)
    today = data.today if isinstance(data, CRMData) else None
    return CRMData(**result, quality=report, stages=stages, today=today)


def _defaults(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Columns a table always has once clean: closed_at on deals, both meeting flags (False
    on anything but a meeting)."""
    if table == "opportunities" and "closed_at" not in frame:
        frame["closed_at"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    if table == "activities":
        meeting = frame["kind"].eq("meeting").to_numpy(dtype=bool, na_value=False)
        for column in ("is_first_meeting", "next_step_scheduled"):
            frame[column] = (frame[column].to_numpy(dtype=bool) & meeting) if column in frame \
                else False
    if table == "quotas":
        frame["period"] = frame["period"].dt.to_period("M").dt.start_time.astype(
            "datetime64[us]")
    return frame


def _without(frame: pd.DataFrame, bad: np.ndarray) -> pd.DataFrame:
    """The rows not excluded, renumbered (no copy when none is)."""
    return frame[~bad].reset_index(drop=True) if bad.any() else frame


def _notes(result: dict[str, pd.DataFrame]) -> list[str]:
    missing_amount = int(result["opportunities"]["amount"].isna().sum())
    return [f"{missing_amount} opportunities have no amount: kept and counted in count-based "
            "KPIs, left out of sums and value-weighted rates."] if missing_amount else []


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
