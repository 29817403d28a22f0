"""The open pipeline as it stood on a past date, rebuilt from stage history."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _conform, _groups, _journeys
from kpitools._compat import old_calls
from kpitools._outputs import returns
from kpitools.funnel import stage_conversion

UNKNOWN_STAGE = "(unknown)"
COLUMNS = ["opportunity_id", "rep", "stage", "amount", "currency", "created_at",
           "expected_close"]
STALLED_COLUMNS = ["opportunity_id", "rep", "stage", "amount", "currency"]


@returns("opportunity_id", "stage",
         optional=("rep", "amount", "currency", "created_at", "expected_close"))
@old_calls(positional=("as_of",), renamed={"date": "as_of"})
def pipeline_as_of(stage_history: pd.DataFrame, opportunities: pd.DataFrame, *, as_of,
                   stages=None) -> pd.DataFrame:
    """The deals that were open on ``as_of``, each in the stage it was in then.

    A deal was open on ``as_of`` if it was created by then and not yet closed. Its stage is
    its last history entry up to that day (of entries at the same moment, the later stage); a
    deal whose history starts later shows its first recorded stage, and a deal with no history
    its current stage — or "(unknown)" if it has closed since. Amounts are today's (CRM history
    rarely tracks amount changes); with a ``currency`` column, each deal keeps its currency.

    Parameters
    ----------
    stage_history, opportunities : DataFrame
        Canonical tables.
    as_of : date-like
        The day to look back to (the whole day counts). Formerly ``date`` (still accepted,
        with a FutureWarning, as is passing it by position).
    stages : tuple of str, optional
        Open stages; default: the data's own.

    Returns
    -------
    DataFrame
        ``opportunity_id, rep, stage, amount, currency, created_at, expected_close`` (columns
        the opportunities table lacks are left out), one row per deal open on ``as_of``, in
        the table's order.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> then = kt.pipeline_as_of(data.stage_history, data.opportunities, as_of="2024-09-30")
    >>> bool(then["stage"].isin(data.stages + ("(unknown)",)).all())
    True
    """
    where = "pipeline_as_of"
    as_of = _conform.as_of(as_of, where)
    stage_history, opportunities = _journeys.tables(
        stage_history, opportunities, where, required=("created_at",),
        optional=("amount", "expected_close"))
    stages = _journeys.resolve_stages(stages, opportunities)
    cutoff = (as_of.normalize() + pd.Timedelta(days=1)).to_datetime64()
    alive = opportunities["created_at"].to_numpy() < cutoff
    if "closed_at" in opportunities:
        alive &= ~(opportunities["closed_at"].to_numpy() < cutoff)
    deals = opportunities.loc[alive, [c for c in COLUMNS if c in opportunities.columns]]
    deal, ids = pd.factorize(deals["opportunity_id"])
    then, first = (np.append(codes, -1)[deal]  # a deal without an ID has no history
                   for codes in _stages_then(stage_history, ids, stages, cutoff, where))
    current = _journeys.stage_codes(deals["stage"], stages, table="opportunities", where=where)
    current = np.where((current >= 0) & (current < len(stages)), current, len(stages))
    code = np.where(then >= 0, then, np.where(first >= 0, first, current))
    labels = np.asarray([*stages, UNKNOWN_STAGE], dtype=object)
    return deals.assign(stage=labels[code]).reset_index(drop=True)


def _stages_then(stage_history: pd.DataFrame, ids: pd.Index, stages: tuple,
                 cutoff: np.datetime64, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Per deal of ``ids``: the open stage of its last history entry before ``cutoff`` and of
    its first entry (codes into ``stages``; -1 without one). Entries without a date count
    as the latest."""
    deal = _groups.lookup(ids, stage_history["opportunity_id"])
    code = _journeys.stage_codes(stage_history["stage"], stages, table="stage_history",
                                 where=where)
    keep = (deal >= 0) & (code >= 0) & (code < len(stages))
    when = stage_history["entered_at"].to_numpy()[keep]
    order = _journeys.time_order(deal[keep], when, code[keep])
    deal, code, before = deal[keep][order], code[keep][order], when[order] < cutoff
    count = np.bincount(deal, minlength=len(ids))
    start = np.cumsum(count) - count
    count_before = np.bincount(deal[before], minlength=len(ids))
    code = np.append(code, -1)  # what a deal without such an entry reads
    return (code[np.where(count_before > 0, start + count_before - 1, -1)],
            code[np.where(count > 0, start, -1)])


@returns("opportunity_id", "stage", "days_in_stage", "threshold_days",
         optional=("rep", "amount", "currency"))
@old_calls(positional=("as_of",))
def stalled_deals(stage_history: pd.DataFrame, opportunities: pd.DataFrame, *, as_of,
                  days: float | None = None, stages=None) -> pd.DataFrame:
    """Open deals sitting in their stage longer than usual: the ones to chase or close out.

    A deal's current visit started at its last stage change in the history (a row repeating
    the stage is not a change), or at its creation without history. It is stalled when that
    visit is longer than ``days`` or, by default, longer than the stage's 90th percentile of
    finished visits (see ``stage_conversion``). A stage without finished visits has no
    threshold, so no deal stalls there.

    Parameters
    ----------
    stage_history, opportunities : DataFrame
        Canonical tables (either may have no rows).
    as_of : date-like
        Today (keyword; passing it by position still works, with a FutureWarning).
    days : float, optional
        A fixed threshold in days for every stage.
    stages : tuple of str, optional
        Open stages; default: the data's own.

    Returns
    -------
    DataFrame
        ``opportunity_id, rep, stage, amount, currency, days_in_stage, threshold_days``
        (columns the opportunities table lacks are left out), longest first (then by ID).

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> stalled = kt.stalled_deals(data.stage_history, data.opportunities, as_of=data.today)
    >>> bool((stalled["days_in_stage"] > stalled["threshold_days"]).all())
    True
    """
    where = "stalled_deals"
    now = _conform.as_of(as_of, where).to_datetime64()
    stage_history, opportunities = _journeys.tables(
        stage_history, opportunities, where, required=("created_at",), optional=("amount",))
    stages = _journeys.resolve_stages(stages, opportunities)
    paths = _journeys.build(stage_history, opportunities, stages, where)
    since = opportunities["created_at"].to_numpy(dtype="datetime64[ns]").copy()
    deal = paths.visit_deal  # visits by deal, then time: a deal's last visit is its current one
    last = np.flatnonzero(np.append(deal[1:] != deal[:-1], True)) if len(deal) else deal
    since[deal[last]] = paths.visit_start[last]
    columns = [c for c in STALLED_COLUMNS if c in opportunities.columns]
    deals = opportunities.loc[paths.is_open, columns].assign(
        days_in_stage=(now - since[paths.is_open]) / np.timedelta64(1, "D"))
    if days is None:
        p90 = stage_conversion(stage_history, opportunities, stages=stages)
        limit = dict(zip(p90["stage"], p90["p90_days_in_stage"]))
        deals["threshold_days"] = deals["stage"].map(limit).astype("float64")
    else:
        deals["threshold_days"] = float(days)
    stalled = deals[(deals["days_in_stage"] > deals["threshold_days"]).to_numpy()]
    return stalled.sort_values(["days_in_stage", "opportunity_id"], ascending=[False, True],
                               ignore_index=True)
