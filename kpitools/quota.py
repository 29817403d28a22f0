"""Pipeline today vs closed-won vs quota: is the gap a pipeline problem or a closing problem?"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _groups, _journeys
from kpitools._stats import safe_divide
from kpitools.schema import require_columns


def quota_gap(opportunities: pd.DataFrame, quotas: pd.DataFrame, *, by="rep", freq: str = "MS",
              as_of=None, stages=None) -> pd.DataFrame:
    """Quota, closed-won, the gap still to close, and the open pipeline expected to close it.

    ``gap = max(quota − closed_won, 0)``. ``coverage = open_pipeline / gap``: pipeline
    coverage of the *remaining* quota (some CRMs divide by the full quota instead; this one
    does not). Coverage is NaN when there is no gap. Only open deals make pipeline, placed in
    the period of their ``expected_close``; with ``as_of``, overdue open deals (expected to
    close before ``as_of``'s period) roll into that period, and periods before it have no
    pipeline figure (NaN: today's open deals say nothing about a month already past). Open deals
    without an expected close date are not in any period.

    Parameters
    ----------
    opportunities, quotas : DataFrame
        Canonical tables; quotas hold one row per rep and month.
    by : str, list of str or None, default "rep"
        Columns of both tables to group by; None gives team totals.
    freq : str, default "MS"
        Period: "MS" (months), "QS" (quarters; monthly quotas are added up), "YS".
    as_of : date-like, optional
        "Today" for rolling overdue pipeline forward; None rolls nothing.
    stages : tuple of str, optional
        Open stages for the ``pipeline_<stage>`` columns; default: the data's own.

    Returns
    -------
    DataFrame
        Group columns and ``period``, then ``quota, closed_won, attainment, gap,
        open_pipeline``, one ``pipeline_<stage>`` column per open stage, and ``coverage``.
        Every (rep, period) of ``quotas`` is a row, plus any with closed-won or pipeline (quota
        NaN there).

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> gap = kt.quota_gap(data.opportunities, data.quotas, as_of=data.today)
    >>> list(gap.columns[:7])
    ['rep', 'period', 'quota', 'closed_won', 'attainment', 'gap', 'open_pipeline']
    >>> bool((gap["gap"].dropna() >= 0).all())
    True
    """
    require_columns(opportunities, "opportunities", ("status", "amount", "stage"), "quota_gap")
    opportunities = opportunities.assign(**{  # optional dates: without them, nothing to place
        c: pd.NaT for c in ("closed_at", "expected_close") if c not in opportunities})
    require_columns(quotas, "quotas", ("period", "quota"), "quota_gap")
    stages = _journeys.resolve_stages(stages, opportunities)
    key_names = _groups.as_list(by) + [_groups.PERIOD]
    quota = _groups.summarise(quotas[["quota"]], _groups.keys(quotas, by, "period", freq, "quotas"))

    won = opportunities[opportunities["status"].eq("won").to_numpy()]
    closed = _groups.summarise(won[["amount"]].rename(columns={"amount": "closed_won"}),
                               _groups.keys(won, by, "closed_at", freq, "opportunities"))

    open_deals = opportunities[opportunities["status"].eq("open").to_numpy()]
    keys = _groups.keys(open_deals, by, "expected_close", freq, "opportunities")
    if as_of is not None:
        now = _groups.period_start(pd.Series([pd.Timestamp(as_of)]), freq).iloc[0]
        keys[_groups.PERIOD] = keys[_groups.PERIOD].where(keys[_groups.PERIOD] >= now, now)
    amount = open_deals["amount"].astype("float64").fillna(0).to_numpy()
    stage_columns = {f"pipeline_{stage}": np.where(open_deals["stage"].to_numpy() == stage, amount, 0.0)
                     for stage in stages}
    pipeline = pd.DataFrame({"open_pipeline": amount, **stage_columns}, index=open_deals.index)
    has_period = keys[_groups.PERIOD].notna().to_numpy()
    pipeline = _groups.summarise(pipeline[has_period], {k: v[has_period] for k, v in keys.items()})

    out = quota.merge(closed, on=key_names, how="outer").merge(pipeline, on=key_names, how="outer")
    filled = ["closed_won", "open_pipeline", *stage_columns]
    out[filled] = out[filled].fillna(0.0)
    out["attainment"] = safe_divide(out["closed_won"], out["quota"])
    out["gap"] = (out["quota"] - out["closed_won"]).clip(lower=0)
    if as_of is not None:  # today's open deals say nothing about months already past
        out.loc[(out[_groups.PERIOD] < now).to_numpy(), filled[1:]] = np.nan
    out["coverage"] = safe_divide(out["open_pipeline"], out["gap"])
    columns = key_names + ["quota", "closed_won", "attainment", "gap", "open_pipeline",
                           *stage_columns, "coverage"]
    return out.sort_values(key_names, ignore_index=True)[columns]
