"""Which rows a table keeps: the rules, as a table.

Each :class:`Rule` names a table and column, a test (True where a row breaks the rule), the
reason shown in the quality report and what to fix. Most rules exclude the row; a few keep it
and flag it. Adding a check is adding a row to :data:`RULES` (in the spirit of pandera's checks).
:func:`kpitools.io.cleaning.clean` runs them in order on the parsed table
(:mod:`kpitools.io.coerce`); a rule's test sees which rows earlier rules excluded. Foreign keys
are checked last, across tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from kpitools._journeys import time_order
from kpitools.io.coerce import IMPLAUSIBLE, all_distinct, is_in
from kpitools.schema import (DATE_COLUMNS, KINDS, REQUIRED, REQUIRED_DATES, STATUSES,
                             STRING_COLUMNS, TABLES)

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
    an amount or date edit), ordered by time, then by row. Deals and stages are compared as
    numbers, and history already in order is not sorted (most exports are)."""
    rows = np.flatnonzero(~c.bad)
    kept = c.frame.iloc[rows] if len(rows) < len(c.frame) else c.frame
    deal = pd.factorize(kept["opportunity_id"])[0]  # missing: -1, never the same deal
    stage = pd.factorize(kept["stage"])[0]
    order = time_order(deal, kept["entered_at"].to_numpy(), np.arange(len(kept)))
    deal, stage = deal[order], stage[order]
    same = (deal[1:] == deal[:-1]) & (stage[1:] == stage[:-1]) & (deal[1:] >= 0) \
        & (stage[1:] >= 0)
    out = np.zeros(len(c.frame), dtype=bool)
    out[rows[order[1:][same]]] = True
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
    duplicate, older = np.zeros(len(c.frame), bool), np.zeros(len(c.frame), bool)
    if len(key_columns) == 1 and all_distinct(c.col(key_columns[0])):
        return duplicate, older  # the usual case, told by one pass of Arrow's hashing
    ok = np.flatnonzero(~c.bad)
    keys = c.frame.iloc[ok][list(key_columns)]
    present = keys.notna().all(axis=1).to_numpy()
    ok, keys = ok[present], keys[present]
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
    Rule("not a money target", "quotas", "metric_type",
         lambda c: (c.col("metric_type").notna()
                    & c.col("metric_type").str.casefold().ne("currency")
                    ) if c.has("metric_type") else False, "not a money target",
         "nothing to fix: a goal counting calls or meetings is not a revenue quota"),
    *_id_rules("quotas", "period", keys=("rep", "period")),
]
FIXES: dict[str, str] = {rule.reason: rule.fix for rule in RULES} | {
    "orphan foreign key": "the referenced record is missing from the export: export it too",
    # Rows load_crm leaves out before mapping (whole rows of a file).
    "blank row": "nothing to fix: an empty line in the file",
    "report footer": "nothing to fix: report title/copyright lines after the data",
    "wrong number of fields": "re-export the file; a value probably holds an unquoted delimiter",
}
