"""Pipeline today vs closed-won vs quota: is the gap a pipeline problem or a closing problem?"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _groups, _journeys
from kpitools._outputs import returns
from kpitools._stats import safe_divide
from kpitools.schema import require_columns


@returns("quota", "closed_won", "attainment", "gap", "open_pipeline", "coverage",
         optional=("pipeline_*",))
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
    require_columns(quotas, "quotas", ("period", "quota"), "quota_gap")
    stages = _journeys.resolve_stages(stages, opportunities)
    quota_keys = _groups.keys(quotas, by, "period", freq, "quotas")
    won = _groups.equals(opportunities["status"], "won")
    is_open = _groups.equals(opportunities["status"], "open")
    won_keys = _deal_keys(opportunities, by, "closed_at", freq, won)
    open_keys = _deal_keys(opportunities, by, "expected_close", freq, is_open)
    if as_of is not None:
        now = _groups.period_start(pd.Series([pd.Timestamp(as_of)]), freq).iloc[0]
        period = open_keys[_groups.PERIOD]
        open_keys[_groups.PERIOD] = period.where((period >= now) | period.isna(), now)
    has_period = open_keys[_groups.PERIOD].notna().to_numpy()
    open_keys = {name: key[has_period] for name, key in open_keys.items()}
    amount = opportunities["amount"].to_numpy()
    pipeline = _zero_if_nan(amount[is_open].astype("float64"))[has_period]
    stage = _journeys.stage_codes(opportunities["stage"][is_open], stages)[has_period]

    # One numbering of the (rep, period) groups of all three sources, in sorted order.
    sources = (quota_keys, won_keys, open_keys)
    union = {name: pd.concat([keys[name] for keys in sources], ignore_index=True)
             for name in quota_keys}
    ids, count, out = _groups.group_ids(union, len(union[_groups.PERIOD]))
    quota_ids, won_ids, open_ids = np.split(ids, np.cumsum([len(quota_keys[_groups.PERIOD]),
                                                            len(won_keys[_groups.PERIOD])]))
    quota = quotas["quota"].to_numpy(dtype="float64", na_value=np.nan)  # whole numbers too
    out["quota"] = _groups.per_group({"quota": quota}, quota_ids, count)["quota"]
    closed = _groups.per_group({"closed_won": amount[won]}, won_ids, count)["closed_won"]
    out["closed_won"] = _zero_if_nan(closed)
    out["attainment"] = safe_divide(out["closed_won"], out["quota"])
    short = out["quota"] - out["closed_won"]
    out["gap"] = np.where(short < 0, 0.0, short)
    by_stage = {"open_pipeline": pipeline, **{f"pipeline_{name}": np.where(stage == code,
                                                                            pipeline, 0.0)
                                              for code, name in enumerate(stages)}}
    sums = _groups.per_group(by_stage, open_ids, count)
    past = (out[_groups.PERIOD] < now) if as_of is not None else np.zeros(count, bool)
    out.update({name: np.where(past, np.nan, _zero_if_nan(values))  # today's open deals
                for name, values in sums.items()})            # say nothing about past months
    out["coverage"] = safe_divide(out["open_pipeline"], out["gap"])
    return pd.DataFrame(out)


def _deal_keys(opportunities: pd.DataFrame, by, date_column: str, freq: str,
               rows: np.ndarray) -> dict:
    """Group keys of the chosen deals: ``by``, then the period of ``date_column`` (NaT if the
    table has no such column)."""
    keys = _groups.keys(opportunities, by, table="opportunities")
    dates = opportunities[date_column] if date_column in opportunities else pd.Series(
        pd.NaT, index=opportunities.index, dtype="datetime64[ns]")
    keys[_groups.PERIOD] = _groups.period_start(dates, freq)
    return {name: key[rows] for name, key in keys.items()}


def _zero_if_nan(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), 0.0, values)
