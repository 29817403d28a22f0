"""A rep's own activity log: the outreach, first meetings and next steps a CRM does not record.

The log is a small SQLite file (Python's own ``sqlite3``) in the user's data folder, outside any
repository. Every entry is committed as it is written, so nothing is lost when a kernel dies,
and the file is in WAL mode with a busy timeout, so two notebooks (or two processes) can write
to it at once. It imports and exports CSV; an imported file goes through the same loader and
quality report as any CRM export. :func:`merge` adds the log to an export's activities,
counting an activity that both hold once.

One entry is one activity in the canonical ``activities`` shape: ``activity_id, rep, at, kind,
is_first_meeting, next_step_scheduled, lead_id, opportunity_id``.
"""
from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kpitools.schema import KINDS, OUTREACH_KINDS, TEXT, CRMData
from kpitools.settings import Settings, find

if TYPE_CHECKING:
    from kpitools import QualityReport

COLUMNS = ("activity_id", "rep", "at", "kind", "is_first_meeting", "next_step_scheduled",
           "lead_id", "opportunity_id")
FLAGS = ("is_first_meeting", "next_step_scheduled")
IDS = ("lead_id", "opportunity_id")
BUSY_TIMEOUT = 30.0  # seconds a writer waits for another one before giving up
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id TEXT NOT NULL UNIQUE,
    rep TEXT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    is_first_meeting INTEGER NOT NULL DEFAULT 0,
    next_step_scheduled INTEGER NOT NULL DEFAULT 0,
    lead_id TEXT,
    opportunity_id TEXT
)"""
# What counts as one activity in both the log and an export (see ``merge``).
DUPLICATE_RULE = "same rep, kind and day, and the same lead and opportunity where both name one"
# The matching passes of ``merge``: keys, and which entries/activities take part (None = all,
# True/False = only those that do/do not name a lead or opportunity).
_PASSES = ((["rep", "kind", "day", *IDS], None, None), (["rep", "kind", "day"], False, None),
           (["rep", "kind", "day"], True, False))


def default_path() -> Path:
    """Where the log lives unless told otherwise: the settings' ``activity_log``, else
    ``activity_log.sqlite`` in the user's kpitools folder."""
    return (find() or Settings()).log_path()


class ActivityLog:
    """A rep's activity log in a SQLite file.

    Parameters
    ----------
    path : str or Path, optional
        The log file (created on the first write); default :func:`default_path`.
    rep : str, optional
        Whose entries :meth:`add` writes (as the CRM writes the name, so the log merges with
        the export); default the settings' ``me``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> log = ActivityLog(pathlib.Path(tempfile.mkdtemp()) / "log.sqlite", rep="Ann")
    >>> _ = log.add("call", at="2024-03-04")
    >>> _ = log.add("meeting", at="2024-03-04", first_meeting=True, next_step=True)
    >>> log.tally("2024-03-04")
    {'call': 1, 'email': 0, 'social': 0, 'event': 0, 'first_meetings': 1, 'next_steps': 1}
    >>> log.undo()["kind"], len(log)
    ('meeting', 1)
    """

    def __init__(self, path: str | Path | None = None, *, rep: str | None = None):
        self.path = Path(path) if path is not None else default_path()
        chosen = find() if rep is None else None
        self.rep = rep if rep is not None else (chosen.me if chosen is not None else None)

    def __repr__(self) -> str:
        return f"ActivityLog({str(self.path)!r}, rep={self.rep!r}, entries={len(self)})"

    def __len__(self) -> int:
        if not self.path.is_file():
            return 0
        with closing(self._connect()) as db:
            return db.execute("SELECT count(*) FROM entries").fetchone()[0]

    def _connect(self) -> sqlite3.Connection:
        """A connection that waits for other writers; the file and table made on first use."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT)
        db.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, nor it them
        db.execute("PRAGMA synchronous=FULL")  # a committed entry survives a crash
        with db:
            db.execute(_SCHEMA)
        return db

    def _write(self, rows: list[tuple]) -> int:
        """Insert entries in one committed transaction; an ID already logged is skipped.
        Returns how many were new."""
        with closing(self._connect()) as db, db:
            before = db.total_changes
            db.executemany(f"INSERT OR IGNORE INTO entries ({', '.join(COLUMNS)}) "
                           f"VALUES ({', '.join('?' * len(COLUMNS))})", rows)
            return db.total_changes - before

    def add(self, kind: str, *, at=None, first_meeting: bool = False, next_step: bool = False,
            lead_id: str | None = None, opportunity_id: str | None = None) -> str:
        """Log one activity (committed at once); returns its ``activity_id``.

        Parameters
        ----------
        kind : {"call", "email", "social", "event", "meeting", "other"}
        at : date, Timestamp or str, optional
            When it happened; default now.
        first_meeting, next_step : bool
            For a meeting: it was a first meeting, and a next step was booked at it.
        lead_id, opportunity_id : str, optional
            The CRM record it was about, if you know it (helps to match the export).
        """
        if kind not in KINDS:
            raise ValueError(f"ActivityLog.add: {kind!r} is not an activity kind. "
                             f"Valid kinds: {list(KINDS)}.")
        if (first_meeting or next_step) and kind != "meeting":
            raise ValueError(f"ActivityLog.add: only a meeting can be a first meeting or book a "
                             f"next step, not a {kind!r}. Log it as kind='meeting'.")
        if next_step and not first_meeting:
            raise ValueError("ActivityLog.add: the next-step rate counts next steps booked at "
                             "first meetings; pass first_meeting=True with next_step=True.")
        if not self.rep:
            raise ValueError("ActivityLog.add: whose log is this? Give your name as your CRM "
                             "writes it: ActivityLog(rep='Your Name'), or save it as 'me' "
                             "in the settings (the import assistant does).")
        when = pd.Timestamp.now().floor("s") if at is None else pd.Timestamp(at)
        activity_id = f"log-{uuid.uuid4().hex[:16]}"
        self._write([(activity_id, self.rep, when.isoformat(sep=" "), kind, int(first_meeting),
                      int(next_step), lead_id, opportunity_id)])
        return activity_id

    def undo(self) -> dict | None:
        """Remove the latest entry (the last one written, by any writer) and return it;
        None when the log is empty."""
        if not self.path.is_file():
            return None
        with closing(self._connect()) as db, db:
            db.row_factory = sqlite3.Row
            row = db.execute("SELECT * FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM entries WHERE seq = ?", (row["seq"],))
        entry = {c: row[c] for c in COLUMNS}
        return {**entry, **{f: bool(entry[f]) for f in FLAGS}}

    def activities(self) -> pd.DataFrame:
        """Every entry as a canonical ``activities`` frame (in the order written)."""
        rows = []
        if self.path.is_file():
            with closing(self._connect()) as db:
                rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM entries ORDER BY seq"
                                  ).fetchall()
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        for column in ("activity_id", "rep", "kind", *IDS):
            frame[column] = frame[column].astype(TEXT)
        frame["at"] = pd.to_datetime(frame["at"], format="ISO8601").astype("datetime64[us]")
        for column in FLAGS:
            frame[column] = frame[column].astype(bool)
        return frame

    def tally(self, day=None) -> dict:
        """What was logged on ``day`` (default today): outreach per channel, first meetings,
        and first meetings with a next step booked."""
        day = pd.Timestamp(day if day is not None else pd.Timestamp.now()).normalize()
        frame = self.activities()
        frame = frame[(frame["at"].dt.normalize() == day).to_numpy()]
        counts = {kind: int((frame["kind"] == kind).sum()) for kind in OUTREACH_KINDS}
        counts["first_meetings"] = int(frame["is_first_meeting"].sum())
        counts["next_steps"] = int(frame["next_step_scheduled"].sum())
        return counts

    def export_csv(self, path: str | Path) -> Path:
        """Write every entry to a CSV file (canonical headers; ISO dates); returns the path."""
        path = Path(path)
        self.activities().to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S")
        return path

    def import_csv(self, path: str | Path) -> QualityReport:
        """Add the activities of a CSV file (e.g. one :meth:`export_csv` wrote) to the log.

        The file is read by :func:`kpitools.load_crm` like any export, so a malformed row (an
        unparseable date, an unknown kind, a repeated ID, a line with too many fields ...) is
        left out with its reason in the returned quality report, exactly as for an export.
        An entry whose ``activity_id`` is already in the log is not added twice; the report's
        notes say how many were added.
        """
        from kpitools.load import load_crm  # the loader sits above this module

        data = load_crm(path)
        if not len(data.activities) and not data.quality.rows_read.get("activities"):
            raise ValueError(f"ActivityLog.import_csv: {path} holds no activities. Its headers "
                             f"need activity_id, rep, at and kind (as export_csv writes them).")
        frame = data.activities
        missing = {c: None for c in COLUMNS if c not in frame}
        frame = frame.assign(**missing)[list(COLUMNS)]
        rows = [(r.activity_id, r.rep, r.at.isoformat(sep=" "), r.kind,
                 int(bool(r.is_first_meeting)), int(bool(r.next_step_scheduled)),
                 None if pd.isna(r.lead_id) else str(r.lead_id),
                 None if pd.isna(r.opportunity_id) else str(r.opportunity_id))
                for r in frame.itertuples(index=False)]
        added = self._write(rows)
        note = (f"activity log {self.path.name}: {added} of {len(rows)} kept rows of {path} "
                f"added" + (f"; {len(rows) - added} were already in the log (same activity_id)"
                            if added < len(rows) else "") + ".")
        return replace(data.quality, notes=[*data.quality.notes, note])


def merge(data: CRMData, log: pd.DataFrame | ActivityLog) -> CRMData:
    """The data with the log's activities added to its activities, each activity counted once.

    A log entry and an export activity are the same activity when they have the same rep, kind
    and day, and the same lead and opportunity where both name one (an entry logged without a
    lead matches a same-day activity of that kind to any lead). Matching is one to one: 5 calls
    logged on a day the export holds 3 calls for add 2. A matched export meeting takes the
    log's first-meeting and next-step flags (exports do not carry them). The quality report's
    notes say what was added and what was counted once. Log rows are marked ``from_log``.

    Parameters
    ----------
    data : CRMData
        The loaded export (not modified).
    log : ActivityLog or DataFrame
        The log, or its :meth:`ActivityLog.activities`.

    Returns
    -------
    CRMData

    Examples
    --------
    >>> import pandas as pd, kpitools as kt
    >>> data = kt.clean({"activities": pd.DataFrame({"activity_id": ["a1"], "rep": ["Ann"],
    ...     "at": ["2024-03-04 10:00"], "kind": ["meeting"]})})
    >>> log = pd.DataFrame({"activity_id": ["log-1", "log-2"], "rep": ["Ann", "Ann"],
    ...     "at": pd.to_datetime(["2024-03-04", "2024-03-04"]), "kind": ["meeting", "call"],
    ...     "is_first_meeting": [True, False], "next_step_scheduled": [True, False]})
    >>> merged = merge(data, log)
    >>> merged.activities[["activity_id", "kind", "is_first_meeting"]]
      activity_id     kind  is_first_meeting
    0          a1  meeting              True
    1       log-2     call             False
    """
    entries = log.activities() if isinstance(log, ActivityLog) else log
    if not len(entries):
        return data
    export = data.activities.reset_index(drop=True)
    matched_log, matched_export = _matches(entries.reset_index(drop=True), export)
    merged = export.copy()
    for flag in FLAGS:
        if flag not in merged:
            merged[flag] = False
        # a matched meeting keeps the export row and takes the flags the log adds
        gained = entries[flag].to_numpy(dtype=bool)[matched_log]
        merged.loc[matched_export[gained], flag] = True
    merged["from_log"] = False
    added = entries.drop(index=matched_log).assign(from_log=True)
    merged = pd.concat([merged, added[[c for c in added.columns if c in merged or c in COLUMNS]]],
                       ignore_index=True)
    for flag in (*FLAGS, "from_log"):
        merged[flag] = merged[flag].fillna(False).astype(bool)
    flags_taken = int(entries["is_first_meeting"].to_numpy(dtype=bool)[matched_log].sum())
    note = (f"activity log: {len(entries)} entries; {len(added)} added to the export's "
            f"activities, {len(matched_log)} already in the export ({DUPLICATE_RULE}) counted "
            "once" + (f"; {flags_taken} export meetings marked as first meetings from the log"
                      if flags_taken else "") + ".")
    return replace(data, activities=merged,
                   quality=replace(data.quality, notes=[*data.quality.notes, note]))


def _matches(log: pd.DataFrame, export: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of log entries and the export activities they duplicate, one to one.

    Three passes: the same rep, kind, day, lead and opportunity; then entries naming no lead
    or opportunity against any same-day activity of that kind; then entries naming one against
    activities naming none.
    """
    left, right = _match_keys(log), _match_keys(export)
    # only export rows of the log's reps and days can match: a small slice of a big export
    right = right[(right["rep"].isin(left["rep"].unique())
                   & right["day"].between(left["day"].min(), left["day"].max())).to_numpy()]
    free_left = pd.Series(True, index=left.index)
    free_right = pd.Series(True, index=right.index)
    found_log, found_export = [], []
    for on, log_named, export_named in _PASSES:
        rows_log, rows_export = _pair(_taking_part(left, free_left, log_named),
                                      _taking_part(right, free_right, export_named), on)
        free_left[rows_log], free_right[rows_export] = False, False
        found_log.append(rows_log)
        found_export.append(rows_export)
    return np.concatenate(found_log), np.concatenate(found_export)


def _taking_part(side: pd.DataFrame, free: pd.Series, named: bool | None) -> pd.DataFrame:
    """The rows not matched yet that take part in a pass (all, or those (not) naming an ID)."""
    return side[(free if named is None else free & (side["named"] == named)).to_numpy()]


def _match_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """rep, kind, day, lead and opportunity ("" where none) and whether either is named."""
    ids = {c: (frame[c].astype(object).where(frame[c].notna(), "") if c in frame
               else pd.Series("", index=frame.index, dtype=object)) for c in IDS}
    return pd.DataFrame({"rep": frame["rep"].astype(object), "kind": frame["kind"].astype(object),
                         "day": frame["at"].dt.normalize(), **ids,
                         "named": (ids[IDS[0]] != "") | (ids[IDS[1]] != "")})


def _pair(left: pd.DataFrame, right: pd.DataFrame, on: list[str]) -> tuple[np.ndarray, ...]:
    """Index labels of ``left`` and ``right`` rows paired one to one on ``on`` (the k-th row
    of a key on one side with the k-th of the same key on the other)."""
    numbered = [side[on].assign(_n=side.groupby(on, sort=False).cumcount(), _row=side.index)
                for side in (left, right)]
    pairs = numbered[0].merge(numbered[1], on=[*on, "_n"], suffixes=("_log", "_export"))
    return pairs["_row_log"].to_numpy(), pairs["_row_export"].to_numpy()
