"""Stage-to-stage conversion: where the funnel leaks, where deals go back, how long they sit."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _groups, _journeys
from kpitools._stats import safe_divide

POLICIES = ("backfill", "strict")
STAGE_COLUMNS = ["stage", "reached", "advanced", "still_open", "conversion", "backward_moves",
                 "median_days_in_stage", "p90_days_in_stage"]


def stage_conversion(stage_history: pd.DataFrame, opportunities: pd.DataFrame, *, stages=None,
                     by=None, policy: str = "backfill") -> pd.DataFrame:
    """How many deals reach each stage, how many move on, and how long a stage takes.

    ``reached`` counts deals that entered the stage or any later one (or were won);
    ``advanced`` those of them that got further; ``still_open`` open deals whose furthest stage
    is this one. ``conversion = advanced / (reached − still_open)``: undecided deals are left
    out. A move back (Propose → Discover) counts once in ``backward_moves`` at the stage left.
    Days in stage are per visit, up to the next stage entry or the close; an open deal's
    current visit is unfinished and left out.

    Parameters
    ----------
    stage_history, opportunities : DataFrame
        Canonical tables. History rows of unknown deals or stages are ignored.
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
    if policy not in POLICIES:
        raise ValueError(f"stage_conversion: policy {policy!r} is not one of {POLICIES}.")
    stages = _journeys.resolve_stages(stages, opportunities)
    paths = _journeys.build(stage_history, opportunities, stages, "stage_conversion")
    k = len(stages)
    moves = paths.transitions
    if policy == "backfill":
        reached = paths.furthest[:, None] >= np.arange(k)
        advanced = paths.furthest[:, None] > np.arange(k)
    else:
        reached = paths.visited
        step = (moves["to_code"] == moves["from_code"] + 1).to_numpy()
        advanced = np.zeros_like(reached)
        advanced[moves["deal"].to_numpy()[step], moves["from_code"].to_numpy()[step]] = True
    still_open = (paths.is_open & (paths.furthest >= 0))[:, None] & (
        paths.furthest[:, None] == np.arange(k)) & reached

    keys = _groups.keys(opportunities, by, table="opportunities", where="stage_conversion")
    counts = pd.DataFrame({f"{name}{s}": matrix[:, s].astype("int64")
                           for name, matrix in (("reached", reached), ("advanced", advanced),
                                                ("still_open", still_open)) for s in range(k)},
                          index=opportunities.index)
    wide = _groups.summarise(counts, keys)
    key_names = list(keys)
    out = _stack(wide, key_names, k)
    per_stage = _per_stage(paths, moves, keys, key_names)
    out = out.merge(per_stage, on=key_names + ["code"], how="left")
    out["backward_moves"] = out["backward_moves"].fillna(0).astype("int64")
    out["conversion"] = safe_divide(out["advanced"], out["reached"] - out["still_open"])
    out["stage"] = np.asarray(stages, dtype=object)[out["code"].to_numpy()]
    return out.sort_values(key_names + ["code"], kind="stable", ignore_index=True)[
        key_names + STAGE_COLUMNS]


def _stack(wide: pd.DataFrame, key_names: list, k: int) -> pd.DataFrame:
    """Wide per-stage count columns (reached0, reached1, ...) to one row per group and stage."""
    parts = []
    for s in range(k):
        part = wide[key_names].copy()
        part["code"] = s
        for name in ("reached", "advanced", "still_open"):
            part[name] = wide[f"{name}{s}"].to_numpy()
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _per_stage(paths, moves: pd.DataFrame, keys: dict, key_names: list) -> pd.DataFrame:
    """Backward moves and finished-visit durations per group and stage."""
    back = moves[(moves["to_code"] < moves["from_code"]).to_numpy()]
    back_counts = _with_keys(back, keys, "from_code").groupby(
        key_names + ["code"], dropna=False).size().rename("backward_moves")
    done = paths.visits[paths.visits["days"].notna().to_numpy()]
    days = _with_keys(done, keys, "code").groupby(key_names + ["code"], dropna=False)["days"]
    stats = pd.concat([back_counts, days.median().rename("median_days_in_stage"),
                       days.quantile(0.9).rename("p90_days_in_stage")], axis=1)
    return stats.reset_index()


def _with_keys(rows: pd.DataFrame, keys: dict, code_column: str) -> pd.DataFrame:
    """Per-deal rows with the deal's group keys and the stage code as columns."""
    deal = rows["deal"].to_numpy()
    columns = {name: values.to_numpy()[deal] for name, values in keys.items()}
    return pd.DataFrame({**columns, "code": rows[code_column].to_numpy(),
                         "days": rows["days"].to_numpy() if "days" in rows else 0.0})


def transition_matrix(stage_history: pd.DataFrame, opportunities: pd.DataFrame, *,
                      stages=None) -> pd.DataFrame:
    """Counts of moves from each open stage to each stage, won or lost, and the out-of-order share.

    A move is out of order when it skips a stage forward or goes back to an earlier one
    (winning from before the last stage is a skip; losing from any stage is not).

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
    stages = _journeys.resolve_stages(stages, opportunities)
    paths = _journeys.build(stage_history, opportunities, stages, "transition_matrix")
    k = len(stages)
    moves = paths.transitions
    labels = list(stages) + ["won", "lost"]
    counts = np.zeros((k, k + 2), dtype="int64")
    np.add.at(counts, (moves["from_code"].to_numpy(), moves["to_code"].to_numpy()), 1)
    out_of_order = _out_of_order(moves["from_code"].to_numpy(), moves["to_code"].to_numpy(), k)
    odd = np.bincount(moves["from_code"].to_numpy()[out_of_order], minlength=k)
    matrix = pd.DataFrame(counts, index=pd.Index(stages, name="from_stage"),
                          columns=pd.Index(labels, name="to_stage"))
    matrix["out_of_order_share"] = safe_divide(odd, counts.sum(axis=1))
    matrix.attrs["out_of_order_share"] = safe_divide(out_of_order.sum(), len(moves))
    return matrix


def _out_of_order(from_code: np.ndarray, to_code: np.ndarray, k: int) -> np.ndarray:
    lost = to_code == k + 1
    return ~lost & ((to_code > from_code + 1) | (to_code < from_code))
