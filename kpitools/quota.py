"""Pipeline today vs closed-won vs quota: is the gap a pipeline problem or a closing problem?"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _conform, _groups, _journeys
from kpitools._outputs import returns
from kpitools._stats import safe_divide
from kpitools.schema import STATUSES


@returns("quota", "closed_won", "attainment", "gap", "open_pipeline", "coverage", "won_amount",
         optional=("pipeline_*",))
def quota_gap(opportunities: pd.DataFrame, quotas: pd.DataFrame, *, by="rep",
              freq: str | None = "MS",
              as_of=None, stages=None) -> pd.DataFrame:
    """Quota, closed-won, the gap still to close, and the open pipeline expected to close it.

    ``gap = max(quota − closed_won, 0)``. ``coverage = open_pipeline / gap``: pipeline
    coverage of the *remaining* quota (some CRMs divide by the full quota instead; this one
    does not). Coverage is NaN when there is no gap. Only open deals make pipeline, placed in
    the period of their ``expected_close``; with ``as_of``, overdue open deals (expected to
    close before ``as_of``'s period) roll into that period, and periods before it have no
    pipeline figure (NaN: today's open deals say nothing about a month already past). Open deals
    without an expected close date are not in any period. With ``freq=None`` there are no
    periods: every quota, every won deal and every open deal count in one row per group.
    Amounts in different currencies (a ``currency`` column) are never added up: a row whose
    closed-won or pipeline would mix them raises ``SchemaError``; select one currency first.

    Parameters
    ----------
    opportunities, quotas : DataFrame
        Canonical tables; quotas hold one row per rep and month.
    by : str, list of str or None, default "rep"
        Columns of both tables to group by; None gives team totals.
    freq : str or None, default "MS"
        Period: "MS" (months), "QS" (quarters; monthly quotas are added up), "YS", or None
        (no periods: the whole time span).
    as_of : date-like, optional
        "Today" for rolling overdue pipeline forward; None rolls nothing.
    stages : tuple of str, optional
        Open stages for the ``pipeline_<stage>`` columns; default: the data's own.

    Returns
    -------
    DataFrame
        Group columns and ``period``, then ``quota, closed_won, attainment, gap,
        open_pipeline``, one ``pipeline_<stage>`` column per open stage, ``coverage``, and
        ``won_amount`` (closed-won again, named as ``deal_metrics`` and ``win_rate`` name
        won amounts).
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
    where = "quota_gap"
    freq, as_of = _conform.freq(freq, where), _conform.as_of(as_of, where)
    opportunities = _conform.table(opportunities, "opportunities", where,
                                   required=("status", "amount", "stage"),
                                   optional=("closed_at", "expected_close"), by=by)
    quotas = _conform.table(quotas, "quotas", where, required=("period", "quota"), by=by)
    stages = _journeys.resolve_stages(stages, opportunities)
    status = _conform.label_codes(opportunities["status"], STATUSES, "opportunities", "status",
                                  where)
    won, is_open = status == STATUSES.index("won"), status == STATUSES.index("open")
    won_keys = _deal_keys(opportunities, by, "closed_at", freq)
    open_keys = _deal_keys(opportunities, by, "expected_close", freq)
    now = None if as_of is None or freq is None else _groups.period_start(
        pd.Series([as_of]), freq).iloc[0]
    if now is not None:
        period = open_keys[_groups.PERIOD]
        open_keys[_groups.PERIOD] = period.where((period >= now) | period.isna(), now)
    if freq is not None:  # an open deal without an expected close date is in no period
        is_open &= open_keys[_groups.PERIOD].notna().to_numpy()
    amount = opportunities["amount"].to_numpy(dtype="float64", na_value=np.nan)
    stage = _journeys.stage_codes(opportunities["stage"][is_open], stages,
                                  table="opportunities", where=where)

    # One numbering of the (rep, period) groups of quotas, won deals and open deals, sorted.
    parts = (quota_keys := _groups.keys(quotas, by, "period", freq),
             {name: key[won] for name, key in won_keys.items()},
             {name: key[is_open] for name, key in open_keys.items()})
    sizes = [len(quotas), int(won.sum()), int(is_open.sum())]
    union = {name: pd.concat([keys[name] for keys in parts], ignore_index=True)
             for name in quota_keys}
    ids, count, out = _groups.group_ids(union, sum(sizes))
    quota_ids, won_ids, open_ids = np.split(ids, np.cumsum(sizes[:2]))
    if "currency" in opportunities:  # closed-won and pipeline of one row in one currency
        currency = opportunities["currency"]
        _conform.same_currency(pd.concat([currency[won], currency[is_open]]),
                               np.concatenate([won_ids, open_ids]), where,
                               "closed_won and open_pipeline", group_hint=None)
    quota = quotas["quota"].to_numpy(dtype="float64", na_value=np.nan)  # whole numbers too
    out["quota"] = _groups.per_group({"quota": quota}, quota_ids, count)["quota"]
    closed = _groups.per_group({"closed_won": amount[won]}, won_ids, count)["closed_won"]
    out["closed_won"] = _zero_if_nan(closed)
    out["attainment"] = safe_divide(out["closed_won"], out["quota"])
    short = out["quota"] - out["closed_won"]
    out["gap"] = np.where(short < 0, 0.0, short)
    pipeline = _zero_if_nan(amount[is_open])
    by_stage = {"open_pipeline": pipeline, **{f"pipeline_{name}": np.where(stage == code,
                                                                            pipeline, 0.0)
                                              for code, name in enumerate(stages)}}
    sums = _groups.per_group(by_stage, open_ids, count)
    past = (out[_groups.PERIOD] < now) if now is not None else np.zeros(count, bool)
    out.update({name: np.where(past, np.nan, _zero_if_nan(values))  # today's open deals
                for name, values in sums.items()})            # say nothing about past months
    out["coverage"] = safe_divide(out["open_pipeline"], out["gap"])
    out["won_amount"] = out["closed_won"]
    return pd.DataFrame(out)


def _deal_keys(opportunities: pd.DataFrame, by, date_column: str, freq: str | None) -> dict:
    """Group keys of every deal: ``by``, then (with ``freq``) the period of ``date_column``
    (NaT if the table has no such column)."""
    keys = _groups.keys(opportunities, by)
    if freq is not None:
        dates = opportunities[date_column] if date_column in opportunities else pd.Series(
            pd.NaT, index=opportunities.index, dtype="datetime64[ns]")
        keys[_groups.PERIOD] = _groups.period_start(dates, freq)
    return keys


def _zero_if_nan(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), 0.0, values)
