"""Which rows a table keeps: the rules as a table, and ``clean`` / ``validate`` that apply them.

Each :class:`Rule` names a table and column, a test (True where a row breaks the rule), the
reason shown in the quality report and what to fix. Most rules exclude the row; a few keep it
and flag it. Adding a check is adding a row to :data:`RULES` (in the spirit of pandera's checks).
Rules run in order on the parsed table (:mod:`kpitools.io.coerce`); a rule's test sees which
rows earlier rules excluded. Foreign keys are checked last, across tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from kpitools.io.coerce import IMPLAUSIBLE, as_text, coerce, is_in
from kpitools.io.report import EXCLUDED_COLUMNS, QualityReport
from kpitools.schema import (DATE_COLUMNS, DEFAULT_STAGES, KINDS, REQUIRED,
                             REQUIRED_DATES, STATUSES, STRING_COLUMNS, TABLES, TERMINAL_STAGES,
                             TEXT_COLUMNS, CRMData, SchemaError, empty_table)

# (table, column, referenced table, referenced id column)
FOREIGN_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("stage_history", "opportunity_id", "opportunities", "opportunity_id"),
    ("activities", "opportunity_id", "opportunities", "opportunity_id"),
    ("activities", "lead_id", "leads", "lead_id"),
    ("opportunities", "lead_id", "leads", "lead_id"),
)


@dataclass
class Check:
    """What a rule's test may read: the parsed table, the raw one, unreadable-value masks,
    the rows excluded so far and the load's options."""

    table: str
    frame: pd.DataFrame
    failed: dict
    bad: np.ndarray
    stages: tuple
    terminal: tuple
    recency: pd.Series | None = None  # a newer copy of a record has a larger value
    memo: dict = field(default_factory=dict)

    def has(self, *columns) -> bool:
        return all(c in self.frame for c in columns)

    def col(self, column) -> pd.Series:
        return self.frame[column]


@dataclass(frozen=True)
class Rule:
    """One check: True where a row of ``table`` breaks it."""

    name: str
    table: str
    column: str
    test: Callable[[Check], object]
    reason: str
    fix: str
    flag_only: bool = False  # keep the row, counted as flagged
    adds: str | None = None  # a flagged rule's mask kept as this bool column (if any is True)


def _missing(column):
    """Blank, and not because the value was unreadable (that has its own reason)."""
    def test(c):
        failed = c.failed.get(column)
        return c.col(column).isna() & (True if failed is None else ~failed)
    return test


def _closed(c):
    return c.col("status").isin(("won", "lost")).fillna(False).to_numpy(dtype=bool)


def _unknown_stage(c):
    return c.col("stage").notna() & ~is_in(c.col("stage"), c.stages + c.terminal)


def _same_stage_again(c):
    """A history row whose stage is the one the deal was already in (a field-history row for
    an amount or date edit), ordered by time, then by row."""
    ok = ~c.bad
    rows = c.frame.loc[ok, ["opportunity_id", "stage", "entered_at"]].assign(
        _row=np.flatnonzero(ok)).sort_values(["opportunity_id", "entered_at", "_row"],
                                              kind="stable")
    same = (rows["opportunity_id"].eq(rows["opportunity_id"].shift())
            & rows["stage"].eq(rows["stage"].shift())).fillna(False).to_numpy(dtype=bool)
    out = np.zeros(len(c.frame), dtype=bool)
    out[rows["_row"].to_numpy()[same]] = True
    return out


def _roll_up(c):
    """Goals other goals name as their parent: a team or manager target, not a rep's quota."""
    parents = set(c.col("parent_goal").dropna())
    return c.col("goal").isin(parents) & c.col("goal").notna()


def _copies(c, key_columns) -> tuple[np.ndarray, np.ndarray]:
    """(repeats of a kept row's key, older copies): among rows not yet excluded, the newest
    copy of a key is kept (by ``modified_at``, else by the load's file recency), the first
    one on a tie."""
    if "copies" not in c.memo:
        c.memo["copies"] = _find_copies(c, key_columns)
    return c.memo["copies"]


def _find_copies(c, key_columns) -> tuple[np.ndarray, np.ndarray]:
    ok = np.flatnonzero(~c.bad)
    keys = c.frame.iloc[ok][list(key_columns)]
    present = keys.notna().all(axis=1).to_numpy()
    ok, keys = ok[present], keys[present]
    duplicate, older = np.zeros(len(c.frame), bool), np.zeros(len(c.frame), bool)
    if not len(ok) or not keys.duplicated().any():
        return duplicate, older
    newness = []
    if "modified_at" in c.frame:
        newness.append(c.col("modified_at").iloc[ok].fillna(pd.Timestamp.min).to_numpy())
    if c.recency is not None:
        newness.append(c.recency.iloc[ok].to_numpy())
    order = pd.DataFrame({**{f"k{i}": keys.iloc[:, i].to_numpy() for i in range(keys.shape[1])},
                          **{f"n{i}": n for i, n in enumerate(newness)}, "row": ok})
    order = order.sort_values([f"n{i}" for i in range(len(newness))] + ["row"],
                              ascending=[False] * len(newness) + [True], kind="stable")
    key_names = [f"k{i}" for i in range(keys.shape[1])]
    repeat = order.duplicated(key_names).to_numpy()
    if newness:
        first = order.groupby(key_names, sort=False)[[f"n{i}" for i in range(len(newness))]] \
            .transform("first")
        same_age = (order[first.columns] == first).all(axis=1).to_numpy()
    else:
        same_age = np.ones(len(order), bool)
    rows = order["row"].to_numpy()
    duplicate[rows[repeat & same_age]] = True
    older[rows[repeat & ~same_age]] = True
    return duplicate, older


def _id_rules(table: str, id_column: str, keys=None) -> list[Rule]:
    keys = keys or (id_column,)
    return [
        Rule("older copy", table, id_column, lambda c: _copies(c, keys)[1], "older copy",
             "nothing to fix: the newest copy of the record (by its modified date, else by "
             "the newest file) is kept"),
        Rule("duplicate id", table, id_column, lambda c: _copies(c, keys)[0], "duplicate id",
             "two rows carry one record ID: remove the duplicate record in the CRM (the first "
             "row is kept)"),
    ]


def _per_table_rules() -> list[Rule]:
    rules = []
    for table in TABLES:
        rules += [Rule("missing value", table, column, _missing(column), "missing value",
                       "fill the field in the CRM, or map another column to it")
                  for column in REQUIRED[table]
                  if column in STRING_COLUMNS and column != "source"]
        rules += [Rule("unparseable date", table, column,
                       lambda c, col=column: c.failed.get(col, False),
                       "unparseable date", "use one date format in the export (e.g. ISO "
                       "2024-03-31)") for column in DATE_COLUMNS[table]]
        rules += [Rule("missing date", table, column, _missing(column), "missing value",
                       "fill the field in the CRM, or map another column to it")
                  for column in REQUIRED_DATES[table]]
        rules += [Rule("deleted", table, "is_deleted",
                       lambda c: c.col("is_deleted") | c.failed.get("is_deleted", False),
                       "deleted in the CRM", "nothing to fix: the CRM marks the record deleted "
                       "(in its recycle bin)")]
        rules += [Rule("implausible date", table, column,
                       lambda c, col=column: c.failed.get(IMPLAUSIBLE.format(col), False),
                       "implausible date", "a date before 1990 or years in the future is a "
                       "typo: correct it in the CRM") for column in DATE_COLUMNS[table]]
    return rules


RULES: list[Rule] = _per_table_rules() + [
    Rule("non-numeric amount", "opportunities", "amount", lambda c: c.failed.get("amount", False),
         "non-numeric amount", "export amounts as plain numbers"),
    Rule("negative amount", "opportunities", "amount", lambda c: c.col("amount") < 0,
         "negative amount", "amounts must be >= 0; record refunds outside the pipeline"),
    Rule("unknown status", "opportunities", "status",
         lambda c: ~c.col("status").isin(STATUSES), "unknown status",
         "map the CRM's status values to open/won/lost, or name closed stages with "
         "closed_won=[...] / closed_lost=[...]"),
    Rule("closed without date", "opportunities", "closed_at",
         lambda c: _closed(c) & c.col("closed_at").isna() & ~c.bad,
         "closed deal without closed_at", "set the close date of every won or lost deal"),
    Rule("open with date", "opportunities", "closed_at",
         lambda c: c.col("status").eq("open") & c.col("closed_at").notna(),
         "open deal with closed_at", "an open deal has no close date: fix its status or date"),
    Rule("unknown stage", "opportunities", "stage", _unknown_stage, "unknown stage",
         "an open stage: pass stages=[...] with every open stage in order; a closed one: "
         "pass it in closed_won=[...] or closed_lost=[...]"),
    Rule("closed before created", "opportunities", "closed_at",
         lambda c: c.col("closed_at").dt.normalize() < c.col("created_at").dt.normalize(),
         "closed before created", "kept in won/lost and revenue, left out of cycle times: "
         "correct the close or created date in the CRM", flag_only=True,
         adds="closed_before_created"),
    *_id_rules("opportunities", "opportunity_id"),
    Rule("unknown kind", "activities", "kind", lambda c: ~c.col("kind").isin(KINDS),
         "unknown kind", "map activity types to call/email/social/event/meeting/other"),
    Rule("unreadable flag", "activities", "is_first_meeting",
         lambda c: c.failed.get("is_first_meeting", False), "unreadable flag",
         "export yes/no fields as true/false"),
    Rule("unreadable flag", "activities", "next_step_scheduled",
         lambda c: c.failed.get("next_step_scheduled", False), "unreadable flag",
         "export yes/no fields as true/false"),
    *_id_rules("activities", "activity_id"),
    *_id_rules("leads", "lead_id"),
    Rule("unknown stage", "stage_history", "stage", _unknown_stage, "unknown stage",
         "an open stage: pass stages=[...] with every open stage in order; a closed one: "
         "pass it in closed_won=[...] or closed_lost=[...]"),
    Rule("not a stage change", "stage_history", "stage", _same_stage_again,
         "not a stage change", "nothing to fix: the deal was already in this stage (the CRM "
         "logged an amount or date edit)"),
    Rule("non-numeric quota", "quotas", "quota", lambda c: c.failed.get("quota", False),
         "non-numeric quota", "export quotas as plain numbers"),
    Rule("negative quota", "quotas", "quota", lambda c: c.col("quota") < 0, "negative quota",
         "quotas must be >= 0"),
    Rule("missing quota", "quotas", "quota", _missing("quota"), "missing value",
         "fill the field in the CRM, or map another column to it"),
    Rule("team roll-up", "quotas", "goal",
         lambda c: _roll_up(c) if c.has("goal", "parent_goal") else False, "team roll-up",
         "nothing to fix: a team or manager target that rep goals roll up into is not a "
         "rep's quota"),
    *_id_rules("quotas", "period", keys=("rep", "period")),
]
FIXES: dict[str, str] = {rule.reason: rule.fix for rule in RULES} | {
    "orphan foreign key": "the referenced record is missing from the export: export it too",
    # Rows load_crm leaves out before mapping (whole rows of a file).
    "blank row": "nothing to fix: an empty line in the file",
    "report footer": "nothing to fix: report title/copyright lines after the data",
    "wrong number of fields": "re-export the file; a value probably holds an unquoted delimiter",
}


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
    marks deleted is kept without the link (a call about a deleted deal still happened)."""
    for table, column, parent, parent_id in FOREIGN_KEYS:
        if column not in kept[table] or len(kept[parent]) == 0:
            continue
        values = kept[table][column]
        if deleted.get(parent) is not None and table != "stage_history":
            gone = kept[parent][parent_id][deleted[parent]].dropna().unique()
            unlinked = is_in(values, gone) & ~bad[table]
            if unlinked.any():
                kept[table][column] = values = values.where(~unlinked)
                notes.append(f"{table}: {int(unlinked.sum())} rows refer to {parent} deleted in "
                             f"the CRM: kept, without the {column}.")
        known = kept[parent][parent_id][~bad[parent]].dropna().unique()
        orphan = values.notna().to_numpy() & ~is_in(values, known) & ~bad[table]
        if orphan.any():
            problems.add(table, np.flatnonzero(orphan), column, values[orphan],
                         "orphan foreign key")
            bad[table] = bad[table] | orphan


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
