"""Each deal's path through the stages, rebuilt once from stage history (private).

Stages are coded 0..k-1 in order; ``WON = k`` and ``LOST = k + 1`` mark the close. History rows
of unknown deals or unknown stages are ignored. A closed deal whose history does not end in its
terminal label gets one at ``closed_at``, so its last open visit ends when the deal closed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpitools._groups import equals, lookup
from kpitools.schema import DEFAULT_STAGES, TERMINAL_STAGES, SchemaError, require_columns

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
    visit_days: np.ndarray    # and its length in days (NaN while unfinished)
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
    """The open stages to use: given, else the data's own (``attrs``), else the default."""
    if stages is not None:
        return tuple(stages)
    return tuple(opportunities.attrs.get("stages", DEFAULT_STAGES))


def stage_codes(labels: pd.Series, stages: tuple, terminal=TERMINAL_STAGES) -> np.ndarray:
    """Stage labels as codes: 0..k-1 open, k won, k+1 lost, -2 unknown or missing.

    Each distinct label is looked up once (the rows only index the result).

    Examples
    --------
    >>> stage_codes(pd.Series(["Propose", "Closed Won", None, "Qualify", "Odd"]),
    ...             ("Qualify", "Propose")).tolist()
    [1, 2, -2, 0, -2]
    """
    mapping = {stage: code for code, stage in enumerate(stages)}
    mapping.update({terminal[0]: len(stages), terminal[1]: len(stages) + 1})
    codes, labels_seen = pd.factorize(labels)
    table = np.array([mapping.get(label, -2) for label in labels_seen] + [-2], dtype="int64")
    return table[codes]


def build(stage_history: pd.DataFrame, opportunities: pd.DataFrame, stages: tuple,
          where: str) -> Journeys:
    """Rebuild every deal's journey from its history, current stage and status."""
    require_columns(stage_history, "stage_history", ("opportunity_id", "stage", "entered_at"), where)
    require_columns(opportunities, "opportunities", ("opportunity_id", "status", "stage"), where)
    ids = pd.Index(opportunities["opportunity_id"])
    if not ids.is_unique:
        raise SchemaError(f"{where}: opportunity_id is not unique in opportunities "
                          f"(e.g. {ids[ids.duplicated()][0]!r}). Run kt.clean(...) first.")
    k = len(stages)
    n = len(opportunities)
    is_open = equals(opportunities["status"], "open")
    is_won = equals(opportunities["status"], "won")
    closed_at = _times(opportunities["closed_at"]) if "closed_at" in opportunities else \
        np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")

    terminal = np.where(is_won, k, np.where(equals(opportunities["status"], "lost"), k + 1, -1))
    deal, code, when = _with_terminals(*_entries(stage_history, ids, stages), terminal,
                                       closed_at)

    same_next = np.zeros(len(deal), bool)
    same_next[:-1] = deal[1:] == deal[:-1]
    ends = np.full(len(deal), np.datetime64("NaT"), dtype="datetime64[ns]")
    ends[:-1] = np.where(same_next[:-1], when[1:], np.datetime64("NaT"))
    is_visit = code < k
    from_rows = np.flatnonzero(same_next & is_visit)

    current = stage_codes(opportunities["stage"], stages)
    current_open = np.flatnonzero((current >= 0) & (current < k))
    visited = np.zeros((n, k), bool)
    visited[deal[is_visit], code[is_visit]] = True
    visited[current_open, current[current_open]] = True
    furthest = np.where(visited.any(axis=1), k - 1 - np.argmax(visited[:, ::-1], axis=1), -1)
    furthest = np.where(is_won, k, furthest)
    return Journeys(stages, furthest, is_open, visited, deal[is_visit], code[is_visit],
                    (ends[is_visit] - when[is_visit]) / DAY, deal[from_rows], code[from_rows],
                    code[from_rows + 1])


def _entries(stage_history: pd.DataFrame, ids: pd.Index, stages: tuple) -> tuple:
    """Deal, stage code and time of the usable history entries, by deal and then time."""
    deal = lookup(ids, stage_history["opportunity_id"])
    code = stage_codes(stage_history["stage"], stages)
    when = _times(stage_history["entered_at"])
    keep = np.flatnonzero((deal >= 0) & (code != -2) & ~np.isnat(when))
    order = keep[time_order(deal[keep], when[keep])]
    return deal[order], code[order], when[order]


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


def time_order(deal: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Positions that put history entries in order of deal, then time (stable; missing times
    last). Exports often are in that order already, and checking is far cheaper than sorting.

    Examples
    --------
    >>> when = np.array(["2024-01-02", "2024-01-01", "2024-01-03"], dtype="datetime64[ns]")
    >>> time_order(np.array([0, 1, 1]), when).tolist()
    [0, 1, 2]
    >>> time_order(np.array([0, 0, 1]), when).tolist()
    [1, 0, 2]
    """
    same = deal[1:] == deal[:-1]
    if np.all((deal[1:] > deal[:-1]) | (same & (when[1:] >= when[:-1]))):
        return np.arange(len(deal))
    return np.lexsort((when, deal))


def _times(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="datetime64[ns]")
