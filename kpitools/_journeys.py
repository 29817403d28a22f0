"""Each deal's path through the stages, rebuilt once from stage history (private).

Stages are coded 0..k-1 in order; ``WON = k`` and ``LOST = k + 1`` mark the close. History rows
of unknown deals are ignored, a stage label that is neither open nor terminal is refused
(``SchemaError``); a row repeating the deal's previous stage (a
CRM's field-history row for an amount or date edit) is not a new visit. Entries of one deal at
the same moment are taken in stage order, so the table's row order never matters. A closed
deal whose history does not end in its terminal label gets one at ``closed_at``, so its last
open visit ends when the deal closed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpitools import _conform
from kpitools._groups import lookup
from kpitools.schema import DEFAULT_STAGES, STATUSES, TERMINAL_STAGES, SchemaError

DAY = np.timedelta64(1, "D")


@dataclass
class Journeys:
    """Per deal: furthest stage, stages visited; per visit and per move: the deal and stages."""

    stages: tuple
    furthest: np.ndarray      # per deal: highest open stage entered, k if won, -1 if none
    is_open: np.ndarray       # per deal
    visited: np.ndarray       # (deals, k) bool: recorded in the stage (history or current)
    visit_deal: np.ndarray    # per visit of an open stage: the deal,
    visit_code: np.ndarray    # the stage,
    visit_start: np.ndarray   # when it began,
    visit_days: np.ndarray    # and its length in days (NaN while unfinished or unknown)
    move_deal: np.ndarray     # per move out of an open stage: the deal,
    move_from: np.ndarray     # the stage left
    move_to: np.ndarray       # and the stage entered (k won, k + 1 lost)

    @property
    def won(self) -> int:
        return len(self.stages)

    @property
    def lost(self) -> int:
        return len(self.stages) + 1


def resolve_stages(stages, opportunities: pd.DataFrame) -> tuple:
    """The open stages to use: given (one name is one stage), else the data's own
    (``attrs``), else the default.

    Examples
    --------
    >>> resolve_stages("Qualify", pd.DataFrame())
    ('Qualify',)
    """
    if stages is not None:
        return (stages,) if isinstance(stages, str) else tuple(stages)
    return tuple(opportunities.attrs.get("stages", DEFAULT_STAGES))


def stage_codes(labels: pd.Series, stages: tuple, terminal=TERMINAL_STAGES, *,
                table: str | None = None, where: str | None = None) -> np.ndarray:
    """Stage labels as codes: 0..k-1 open, k won, k+1 lost, -2 unknown or missing.

    Each distinct label is looked up once (the rows only index the result). With ``where``,
    a label that is neither an open stage nor a terminal one raises ``SchemaError``: counting
    around it would give every stage a wrong number.

    Examples
    --------
    >>> stage_codes(pd.Series(["Propose", "Closed Won", None, "Qualify", "Odd"]),
    ...             ("Qualify", "Propose")).tolist()
    [1, 2, -2, 0, -2]
    """
    mapping = {stage: code for code, stage in enumerate(stages)}
    mapping.update({terminal[0]: len(stages), terminal[1]: len(stages) + 1})
    codes, labels_seen = pd.factorize(labels)
    known = np.array([mapping.get(label, -2) for label in labels_seen] + [-2], dtype="int64")
    if where is not None and (known[:-1] == -2).any():
        unknown = [label for label, code in zip(labels_seen, known) if code == -2]
        raise SchemaError(
            f"{where}: {len(unknown)} stage label(s) of {table} are neither an open stage "
            f"{list(stages)} nor {terminal[0]!r} / {terminal[1]!r} (e.g. "
            f"{', '.join(map(repr, unknown[:3]))}). Pass the open stages in order "
            f"(stages=(...)), or load the files with kt.load_crm(..., stages=...), which "
            f"excludes rows with unknown stages with a reason in data.quality.")
    return known[codes]


def tables(stage_history: pd.DataFrame, opportunities: pd.DataFrame, where: str, *, by=None,
           required=(), optional=()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables as :func:`build` reads them (see ``_conform.table``), with further
    ``required`` and ``optional`` opportunity columns."""
    return (_conform.table(stage_history, "stage_history", where,
                           required=("opportunity_id", "stage", "entered_at")),
            _conform.table(opportunities, "opportunities", where,
                           required=("opportunity_id", "status", "stage", *required),
                           optional=("created_at", "closed_at", *optional), by=by))


def build(stage_history: pd.DataFrame, opportunities: pd.DataFrame, stages: tuple,
          where: str) -> Journeys:
    """Rebuild every deal's journey from its history, current stage and status (tables as
    :func:`tables` gives them)."""
    ids = pd.Index(opportunities["opportunity_id"])
    if not ids.is_unique:
        raise SchemaError(f"{where}: opportunity_id is not unique in opportunities "
                          f"(e.g. {ids[ids.duplicated()][0]!r}). Run kt.clean(...) first.")
    k = len(stages)
    n = len(opportunities)
    status = _conform.label_codes(opportunities["status"], STATUSES, "opportunities", "status",
                                  where)
    is_open, is_won = status == STATUSES.index("open"), status == STATUSES.index("won")
    closed_at = _dates(opportunities, "closed_at")

    terminal = np.where(is_won, k, np.where(status == STATUSES.index("lost"), k + 1, -1))
    deal, code, when = _with_terminals(*_entries(stage_history, ids, stages, where), terminal,
                                       closed_at)

    same_next = np.zeros(len(deal), bool)
    same_next[:-1] = deal[1:] == deal[:-1]
    ends = np.full(len(deal), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    ends[:-1] = np.where(same_next[:-1], when[1:], np.datetime64("NaT", "ns"))
    is_visit = code < k
    from_rows = np.flatnonzero(same_next & is_visit)

    current = stage_codes(opportunities["stage"], stages, table="opportunities", where=where)
    current_open = np.flatnonzero((current >= 0) & (current < k))
    visited = np.zeros((n, k), bool)
    visited[deal[is_visit], code[is_visit]] = True
    visited[current_open, current[current_open]] = True
    furthest = np.where(visited.any(axis=1), k - 1 - np.argmax(visited[:, ::-1], axis=1), -1)
    furthest = np.where(is_won, k, furthest)
    days = (ends[is_visit] - when[is_visit]) / DAY
    # No length for a visit that ends before it began (history written after the close), nor
    # for the visits of a deal closed before the day it was created: times entered after
    # the fact say nothing about how long selling takes.
    created = _dates(opportunities, "created_at").astype("datetime64[D]")
    after_the_fact = closed_at.astype("datetime64[D]") < created
    days[(days < 0) | after_the_fact[deal[is_visit]]] = np.nan
    return Journeys(stages, furthest, is_open, visited, deal[is_visit], code[is_visit],
                    when[is_visit], days, deal[from_rows], code[from_rows],
                    code[from_rows + 1])


def _entries(stage_history: pd.DataFrame, ids: pd.Index, stages: tuple, where: str) -> tuple:
    """Deal, stage code and time of the usable history entries, by deal and then time, each
    repeat of a deal's previous stage left out."""
    deal = lookup(ids, stage_history["opportunity_id"])
    code = stage_codes(stage_history["stage"], stages, table="stage_history", where=where)
    when = _times(stage_history["entered_at"])
    keep = np.flatnonzero((deal >= 0) & (code != -2) & ~np.isnat(when))
    order = keep[time_order(deal[keep], when[keep], code[keep])]
    deal, code, when = deal[order], code[order], when[order]
    repeat = np.zeros(len(deal), bool)
    repeat[1:] = (deal[1:] == deal[:-1]) & (code[1:] == code[:-1])
    if repeat.any():
        deal, code, when = deal[~repeat], code[~repeat], when[~repeat]
    return deal, code, when


def _with_terminals(deal: np.ndarray, code: np.ndarray, when: np.ndarray,
                    terminal: np.ndarray, closed_at: np.ndarray) -> tuple:
    """The entries plus, after its history, a ``terminal`` entry at ``closed_at`` for each
    closed deal whose history does not already end in it (``terminal`` -1: open deal)."""
    is_last = np.append(deal[1:] != deal[:-1], True) if len(deal) else deal > 0
    last_code = np.full(len(terminal), -1)
    last_code[deal[is_last]] = code[is_last]
    add = np.flatnonzero((terminal >= 0) & (last_code != terminal))
    at = np.searchsorted(deal, add, side="right")
    return (np.insert(deal, at, add), np.insert(code, at, terminal[add]),
            np.insert(when, at, closed_at[add]))


def time_order(deal: np.ndarray, when: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Positions that put history entries in order of deal, then time, then stage code (so
    entries at the same moment come in stage order, whatever the rows' order; missing times
    last). Exports often are in that order already, and checking is far cheaper than sorting.

    Examples
    --------
    >>> when = np.array(["2024-01-02", "2024-01-01", "2024-01-01"], dtype="datetime64[ns]")
    >>> time_order(np.array([0, 1, 1]), when, np.array([0, 1, 2])).tolist()
    [0, 1, 2]
    >>> time_order(np.array([0, 1, 1]), when, np.array([0, 2, 1])).tolist()
    [0, 2, 1]
    """
    same_deal, same_time = deal[1:] == deal[:-1], when[1:] == when[:-1]
    if np.all((deal[1:] > deal[:-1]) | (same_deal & (when[1:] > when[:-1]))
              | (same_deal & same_time & (code[1:] >= code[:-1]))):
        return np.arange(len(deal))
    return np.lexsort((code, when, deal))


def _times(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="datetime64[ns]")


def _dates(opportunities: pd.DataFrame, column: str) -> np.ndarray:
    """A date column of the deals as datetime64[ns] (all NaT if the table has none)."""
    if column not in opportunities:
        return np.full(len(opportunities), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    return _times(opportunities[column])
