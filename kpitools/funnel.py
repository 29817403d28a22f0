"""Stage-to-stage conversion: where the funnel leaks, where deals go back, how long they sit."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _groups, _journeys
from kpitools._outputs import returns
from kpitools._stats import safe_divide

POLICIES = ("backfill", "strict")
STAGE_COLUMNS = ["stage", "reached", "advanced", "still_open", "conversion", "backward_moves",
                 "median_days_in_stage", "p90_days_in_stage"]


@returns(*STAGE_COLUMNS)
def stage_conversion(stage_history: pd.DataFrame, opportunities: pd.DataFrame, *, stages=None,
                     by=None, policy: str = "backfill") -> pd.DataFrame:
    """How many deals reach each stage, how many move on, and how long a stage takes.

    ``reached`` counts deals that entered the stage or any later one (or were won);
    ``advanced`` those of them that got further; ``still_open`` open deals whose furthest stage
    is this one. ``conversion = advanced / (reached − still_open)``: undecided deals are left
    out. A move back (Propose → Discover) counts once in ``backward_moves`` at the stage left.
    Days in stage are per visit, up to the next stage entry or the close; an open deal's
    current visit is unfinished and left out, and so are visits of deals closed before the day
    they were created and visits that would end before they began (history written after the
    close). A history row repeating the deal's previous stage is not a new visit; rows of one
    deal at the same moment are taken in stage order.

    Parameters
    ----------
    stage_history, opportunities : DataFrame
        Canonical tables. History rows of unknown deals are ignored; a stage label that is
        neither one of ``stages`` nor a terminal one ("Closed Won", "Closed Lost") raises
        ``SchemaError`` (pass the CRM's own stages).
    stages : tuple of str, optional
        Open stages in order; default: the data's own, else ``DEFAULT_STAGES``.
    by : str or list of str, optional
        Opportunity columns to group by, e.g. ``"rep"``.
    policy : {"backfill", "strict"}
        ``"backfill"`` (the default, as most CRM funnel reports) counts a skipped stage as
        passed; ``"strict"`` counts a deal in a stage only if it was recorded there, and as
        advanced only if its next recorded move was to the next stage (or to won from the last).

    Returns
    -------
    DataFrame
        One row per stage in order (per group with ``by``): ``stage, reached, advanced,
        still_open, conversion, backward_moves, median_days_in_stage, p90_days_in_stage``.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> funnel = kt.stage_conversion(data.stage_history, data.opportunities)
    >>> funnel["stage"].tolist()
    ['Qualify', 'Discover', 'Propose', 'Negotiate']
    >>> bool(funnel["reached"].is_monotonic_decreasing)
    True
    """
    where = "stage_conversion"
    if policy not in POLICIES:
        raise ValueError(f"{where}: policy {policy!r} is not one of {POLICIES}.")
    stage_history, opportunities = _journeys.tables(stage_history, opportunities, where, by=by)
    stages = _journeys.resolve_stages(stages, opportunities)
    paths = _journeys.build(stage_history, opportunities, stages, where)
    k = len(stages)
    keys = _groups.keys(opportunities, by)
    ids, count, group_keys = _groups.group_ids(keys, len(opportunities))
    cells = count * k  # one output row per group and stage, stages innermost
    cell = ids[:, None] * k + np.arange(k)
    reached, advanced, still_open = (np.bincount(cell[flags], minlength=cells)
                                     for flags in _flags(paths, k, policy))
    back = paths.move_to < paths.move_from
    done = ~np.isnan(paths.visit_days)
    values = [np.tile(np.asarray(stages, dtype=object), count), reached, advanced, still_open,
              safe_divide(advanced, reached - still_open),
              np.bincount(ids[paths.move_deal[back]] * k + paths.move_from[back], minlength=cells),
              *_median_p90(ids[paths.visit_deal[done]] * k + paths.visit_code[done],
                           paths.visit_days[done], cells)]
    rows = np.repeat(np.arange(count), k)
    return pd.DataFrame({**{name: key.take(rows) for name, key in group_keys.items()},
                         **dict(zip(STAGE_COLUMNS, values))})


def _flags(paths, k: int, policy: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per deal and stage (deals × stages): reached, advanced, still open there."""
    if policy == "backfill":
        reached = paths.furthest[:, None] >= np.arange(k)
        advanced = paths.furthest[:, None] > np.arange(k)
    else:
        reached = paths.visited
        step = paths.move_to == paths.move_from + 1
        advanced = np.zeros_like(reached)
        advanced[paths.move_deal[step], paths.move_from[step]] = True
    still_open = (paths.is_open & (paths.furthest >= 0))[:, None] & (
        paths.furthest[:, None] == np.arange(k)) & reached
    return reached, advanced, still_open


def _median_p90(cell: np.ndarray, days: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Median and 90th percentile (linear interpolation, numpy's default) of ``days`` per cell
    0..cells-1; NaN for a cell without values.

    Examples
    --------
    >>> median, p90 = _median_p90(np.array([0, 0, 0, 0, 2]), np.array([4.0, 1, 3, 2, 5]), 3)
    >>> median.tolist(), p90.tolist()
    ([2.5, nan, 5.0], [3.7, nan, 5.0])
    """
    per_cell = pd.Series(days).groupby(cell)
    return tuple(result.reindex(range(cells)).to_numpy()
                 for result in (per_cell.median(), per_cell.quantile(0.9)))


@returns("won", "lost", "out_of_order_share")
def transition_matrix(stage_history: pd.DataFrame, opportunities: pd.DataFrame, *,
                      stages=None) -> pd.DataFrame:
    """Counts of moves from each open stage to each stage, won or lost, and the out-of-order share.

    A move is out of order when it skips a stage forward or goes back to an earlier one
    (winning from before the last stage is a skip; losing from any stage is not). Entries of
    one deal at the same moment are taken in stage order, so the table's row order never
    changes a count; a row repeating the deal's previous stage is not a move.

    Parameters
    ----------
    stage_history, opportunities : DataFrame
        Canonical tables.
    stages : tuple of str, optional
        Open stages in order; default: the data's own, else ``DEFAULT_STAGES``.

    Returns
    -------
    DataFrame
        Index: from-stage; columns: each open stage, ``won``, ``lost`` (move counts) and
        ``out_of_order_share`` per from-stage. ``attrs["out_of_order_share"]`` holds the share
        over all moves.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> matrix = kt.transition_matrix(data.stage_history, data.opportunities)
    >>> list(matrix.columns)
    ['Qualify', 'Discover', 'Propose', 'Negotiate', 'won', 'lost', 'out_of_order_share']
    >>> 0 <= matrix.attrs["out_of_order_share"] <= 1
    True
    """
    stage_history, opportunities = _journeys.tables(stage_history, opportunities,
                                                    "transition_matrix")
    stages = _journeys.resolve_stages(stages, opportunities)
    paths = _journeys.build(stage_history, opportunities, stages, "transition_matrix")
    k = len(stages)
    labels = list(stages) + ["won", "lost"]
    counts = np.bincount(paths.move_from * (k + 2) + paths.move_to,
                         minlength=k * (k + 2)).reshape(k, k + 2)
    out_of_order = _out_of_order(paths.move_from, paths.move_to, k)
    odd = np.bincount(paths.move_from[out_of_order], minlength=k)
    matrix = pd.DataFrame(counts, index=pd.Index(stages, name="from_stage"),
                          columns=pd.Index(labels, name="to_stage"))
    matrix["out_of_order_share"] = safe_divide(odd, counts.sum(axis=1))
    matrix.attrs["out_of_order_share"] = safe_divide(out_of_order.sum(), len(paths.move_from))
    return matrix


def _out_of_order(from_code: np.ndarray, to_code: np.ndarray, k: int) -> np.ndarray:
    lost = to_code == k + 1
    return ~lost & ((to_code > from_code + 1) | (to_code < from_code))
