"""The open pipeline as it stood on a past date, rebuilt from stage history."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _groups, _journeys
from kpitools._outputs import returns
from kpitools.funnel import stage_conversion
from kpitools.schema import require_columns

UNKNOWN_STAGE = "(unknown)"
COLUMNS = ["opportunity_id", "rep", "stage", "amount", "created_at", "expected_close"]


@returns("opportunity_id", "stage",
         optional=("rep", "amount", "created_at", "expected_close"))
def pipeline_as_of(stage_history: pd.DataFrame, opportunities: pd.DataFrame, date, *,
                   stages=None) -> pd.DataFrame:
    """The deals that were open on ``date``, each in the stage it was in then.

    A deal was open on ``date`` if it was created by then and not yet closed. Its stage is its
    last history entry up to ``date``; a deal whose history starts later shows its first
    recorded stage, and a deal with no history its current stage — or "(unknown)" if it has
    closed since. Amounts are today's (CRM history rarely tracks amount changes).

    Parameters
    ----------
    stage_history, opportunities : DataFrame
        Canonical tables.
    date : date-like
        The day to look back to (the whole day counts).
    stages : tuple of str, optional
        Open stages; default: the data's own.

    Returns
    -------
    DataFrame
        ``opportunity_id, rep, stage, amount, created_at, expected_close`` (columns the
        opportunities table lacks are left out), one row per deal open on ``date``.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> then = kt.pipeline_as_of(data.stage_history, data.opportunities, "2024-09-30")
    >>> bool(then["stage"].isin(data.stages + ("(unknown)",)).all())
    True
    """
    require_columns(opportunities, "opportunities", ("opportunity_id", "created_at", "stage"),
                    "pipeline_as_of")
    require_columns(stage_history, "stage_history", ("opportunity_id", "stage", "entered_at"),
                    "pipeline_as_of")
    stages = _journeys.resolve_stages(stages, opportunities)
    cutoff = (pd.Timestamp(date).normalize() + pd.Timedelta(days=1)).to_datetime64()
    alive = opportunities["created_at"].to_numpy() < cutoff
    if "closed_at" in opportunities:
        alive &= ~(opportunities["closed_at"].to_numpy() < cutoff)
    deals = opportunities.loc[alive, [c for c in COLUMNS if c in opportunities.columns]]
    deal, ids = pd.factorize(deals["opportunity_id"])
    then, first = (np.append(codes, -1)[deal]  # a deal without an ID has no history
                   for codes in _stages_then(stage_history, ids, stages, cutoff))
    current = _journeys.stage_codes(deals["stage"], stages)
    current = np.where((current >= 0) & (current < len(stages)), current, len(stages))
    code = np.where(then >= 0, then, np.where(first >= 0, first, current))
    labels = np.asarray([*stages, UNKNOWN_STAGE], dtype=object)
    return deals.assign(stage=labels[code]).reset_index(drop=True)


def _stages_then(stage_history: pd.DataFrame, ids: pd.Index, stages: tuple,
                 cutoff: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """Per deal of ``ids``: the open stage of its last history entry before ``cutoff`` and of
    its first entry (codes into ``stages``; -1 without one). Entries without a date count
    as the latest."""
    deal = _groups.lookup(ids, stage_history["opportunity_id"])
    code = _journeys.stage_codes(stage_history["stage"], stages)
    keep = (deal >= 0) & (code >= 0) & (code < len(stages))
    when = stage_history["entered_at"].to_numpy()[keep]
    order = _journeys.time_order(deal[keep], when)
    deal, code, before = deal[keep][order], code[keep][order], when[order] < cutoff
    count = np.bincount(deal, minlength=len(ids))
    start = np.cumsum(count) - count
    count_before = np.bincount(deal[before], minlength=len(ids))
    code = np.append(code, -1)  # what a deal without such an entry reads
    return (code[np.where(count_before > 0, start + count_before - 1, -1)],
            code[np.where(count > 0, start, -1)])


@returns("opportunity_id", "stage", "days_in_stage", "threshold_days",
         optional=("rep", "amount"))
def stalled_deals(stage_history: pd.DataFrame, opportunities: pd.DataFrame, as_of, *,
                  days: float | None = None, stages=None) -> pd.DataFrame:
    """Open deals sitting in their stage longer than usual: the ones to chase or close out.

    A deal's current visit started at its last history entry (or its creation without
    history). It is stalled when that visit is longer than ``days`` or, by default, longer than
    the stage's 90th percentile of finished visits (see ``stage_conversion``).

    Parameters
    ----------
    stage_history, opportunities : DataFrame
        Canonical tables.
    as_of : date-like
        Today.
    days : float, optional
        A fixed threshold in days for every stage.
    stages : tuple of str, optional
        Open stages; default: the data's own.

    Returns
    -------
    DataFrame
        ``opportunity_id, rep, stage, amount, days_in_stage, threshold_days``, longest first.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> stalled = kt.stalled_deals(data.stage_history, data.opportunities, data.today)
    >>> bool((stalled["days_in_stage"] > stalled["threshold_days"]).all())
    True
    """
    stages = _journeys.resolve_stages(stages, opportunities)
    now = pd.Timestamp(as_of)
    deals = opportunities[opportunities["status"].eq("open").to_numpy()]
    entered = (stage_history[stage_history["stage"].isin(stages).to_numpy()]
               .groupby("opportunity_id")["entered_at"].max())
    since = deals["opportunity_id"].map(entered).fillna(deals["created_at"])
    out = deals.assign(days_in_stage=((now - since) / pd.Timedelta(days=1)).to_numpy())
    if days is None:
        p90 = stage_conversion(stage_history, opportunities, stages=stages)
        out["threshold_days"] = out["stage"].map(dict(zip(p90["stage"], p90["p90_days_in_stage"])))
    else:
        out["threshold_days"] = float(days)
    out = out[(out["days_in_stage"] > out["threshold_days"]).to_numpy()]
    columns = [c for c in ("opportunity_id", "rep", "stage", "amount", "days_in_stage",
                           "threshold_days") if c in out.columns]
    return out.sort_values("days_in_stage", ascending=False, ignore_index=True)[columns]
