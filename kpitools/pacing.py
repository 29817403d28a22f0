"""On track? Pacing against a monthly target, the pipeline weighted by each stage's odds, and
deals whose close date has slipped.

- ``pace``: where you should be by today (the target × the share of the month's working days
  gone) against where you are, and the month's total at today's pace.
- ``stage_win_rates``: of the closed deals that reached each stage, the share won.
- ``weighted_pipeline``: open deals' amounts × the win rate of the stage they are in.
- ``slipped_deals``: open deals whose expected close date has already passed.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _conform, _groups
from kpitools._outputs import returns
from kpitools._stats import safe_divide
from kpitools.funnel import stage_conversion
from kpitools.schema import STATUSES

__all__ = ["working_days", "pace", "stage_win_rates", "weighted_pipeline", "slipped_deals"]


def working_days(start, end) -> int:
    """Monday-to-Friday days from ``start`` up to, not including, ``end`` (no holidays).

    Examples
    --------
    December 2024 has 22 working days; by the end of Friday 13 December, 10 have gone:

    >>> working_days("2024-12-01", "2025-01-01"), working_days("2024-12-01", "2024-12-14")
    (22, 10)
    """
    return int(np.busday_count(pd.Timestamp(start).date(), pd.Timestamp(end).date()))


@returns("target", "elapsed_share", "expected_by_now", "actual", "ahead", "projected",
         "on_track")
def pace(actual, target, *, as_of, freq: str = "MS") -> pd.DataFrame:
    """Are you on track? Where you should be by today against where you are.

    ``expected_by_now = target × elapsed_share``, where ``elapsed_share`` is the share of the
    period's working days (Monday to Friday) gone by the end of ``as_of``;
    ``ahead = actual − expected_by_now``; ``projected = actual / elapsed_share``: the period's
    total if the pace so far holds; ``on_track`` is ``actual ≥ expected_by_now`` rounded to a
    whole number, as it is shown (nobody is behind by 0.4 of a meeting; missing without a
    target).

    Parameters
    ----------
    actual, target : float or array-like
        What is done so far in the period, and the whole period's target (one or several).
    as_of : date-like
        Today.
    freq : str, default "MS"
        The period: "MS" (month), "W" (week from Monday) or "QS" (quarter).

    Returns
    -------
    DataFrame
        ``period, target, elapsed_share, expected_by_now, actual, ahead, projected,
        on_track``, one row per target.

    Examples
    --------
    A quota of 36,400 with 10 of December's 22 working days gone: 16,545 should be won by
    now.

    >>> row = pace(12_000, 36_400, as_of="2024-12-13").iloc[0]
    >>> round(float(row.elapsed_share), 4), round(row.expected_by_now), round(row.ahead)
    (0.4545, 16545, -4545)
    >>> round(row.projected), bool(row.on_track)
    (26400, False)
    """
    now = _conform.as_of(as_of, "pace").normalize()
    start = _groups.period_start(pd.Series([now]), _conform.freq(freq, "pace")).iloc[0]
    end = start + pd.tseries.frequencies.to_offset(freq)
    end = end if end > start else start + pd.DateOffset(weeks=1)
    share = safe_divide(working_days(start, now + pd.Timedelta(days=1)), working_days(start, end))
    target = np.atleast_1d(np.asarray(target, dtype="float64"))
    actual = np.broadcast_to(np.asarray(actual, dtype="float64"), target.shape)
    expected = target * share
    return pd.DataFrame({"period": start, "target": target, "elapsed_share": share,
                         "expected_by_now": expected, "actual": actual,
                         "ahead": actual - expected,
                         "projected": safe_divide(actual, np.full(target.shape, share)),
                         "on_track": pd.array(np.where(np.isnan(expected), None,
                                                       actual >= np.round(expected)),
                                              dtype="boolean")})


@returns("closed", "won", "win_rate")
def stage_win_rates(stage_history: pd.DataFrame, opportunities: pd.DataFrame, *,
                    stages=None) -> pd.DataFrame:
    """For each stage: of the closed deals that reached it, the share that was won.

    A deal that has come further has better odds: this is the chance a deal sitting in a stage
    today ends up won, judged on the deals already decided. Counted as in
    ``stage_conversion`` (skipped stages count as passed; a won deal passed every stage):
    closed = reached − open deals that reached it; won = every won deal.

    Parameters
    ----------
    stage_history, opportunities : DataFrame
        Canonical tables.
    stages : tuple of str, optional
        Open stages; default: the data's own.

    Returns
    -------
    DataFrame
        ``stage, closed, won, win_rate``, one row per stage in order.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> rates = stage_win_rates(data.stage_history, data.opportunities)
    >>> bool(rates["win_rate"].is_monotonic_increasing)  # later stages, better odds
    True
    """
    funnel = stage_conversion(stage_history, opportunities, stages=stages)
    open_from_here = funnel["still_open"].to_numpy()[::-1].cumsum()[::-1]
    closed = funnel["reached"].to_numpy() - open_from_here
    won = np.full(len(funnel), funnel["advanced"].iloc[-1] if len(funnel) else 0)
    return pd.DataFrame({"stage": funnel["stage"], "closed": closed, "won": won,
                         "win_rate": safe_divide(won, closed)})


@returns("open_deals", "open_pipeline", "weighted_pipeline")
def weighted_pipeline(stage_history: pd.DataFrame, opportunities: pd.DataFrame, *, by=None,
                      as_of=None, freq: str = "MS", stages=None) -> pd.DataFrame:
    """The open pipeline weighted by the odds of the stage each deal is in.

    Each open deal counts ``amount × win_rate`` of its current stage (``stage_win_rates``, on
    all the deals given); a stage label that is neither an open stage nor a terminal one
    raises ``SchemaError`` (pass the CRM's own ``stages``). Deals are placed in the period of their expected close date; with
    ``as_of``, overdue deals roll into today's period (as in ``quota_gap``).

    Parameters
    ----------
    stage_history, opportunities : DataFrame
        Canonical tables.
    by : str or list of str, optional
        Columns to group by, e.g. ``"rep"``.
    as_of : date-like, optional
        Today; open deals expected before its period count in it.
    freq : str, default "MS"
        Period of ``expected_close``.
    stages : tuple of str, optional

    Returns
    -------
    DataFrame
        Group columns and ``period``, then ``open_deals, open_pipeline, weighted_pipeline``.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> weighted = weighted_pipeline(data.stage_history, data.opportunities, as_of=data.today)
    >>> bool((weighted["weighted_pipeline"] <= weighted["open_pipeline"]).all())
    True
    """
    where = "weighted_pipeline"
    freq, as_of = _conform.freq(freq, where), _conform.as_of(as_of, where)
    rates = stage_win_rates(stage_history, opportunities, stages=stages)
    opportunities = _conform.table(opportunities, "opportunities", where,
                                   required=("status", "stage", "amount", "expected_close"),
                                   by=by)
    odds = dict(zip(rates["stage"], rates["win_rate"]))
    status = _conform.label_codes(opportunities["status"], STATUSES, "opportunities", "status",
                                  where)
    close = opportunities["expected_close"]
    if as_of is not None:
        now = _groups.period_start(pd.Series([as_of]), freq).iloc[0]
        close = close.where(close.isna() | (close >= now), now)
    rows = (status == STATUSES.index("open")) & close.notna().to_numpy()
    keys = _groups.keys(opportunities.assign(expected_close=close), by, "expected_close", freq)
    _conform.one_currency(opportunities, rows, keys, where, "the open pipeline")
    deals = opportunities[rows]
    first = rates["win_rate"].iloc[0] if len(rates) else np.nan
    chance = deals["stage"].map(odds).astype("float64").fillna(first).to_numpy()
    amount = deals["amount"].to_numpy(dtype="float64", na_value=np.nan)
    amount = np.where(np.isnan(amount), 0.0, amount)
    values = pd.DataFrame({"open_deals": np.ones(len(deals), dtype="int64"),
                           "open_pipeline": amount, "weighted_pipeline": amount * chance})
    keys = {name: key[rows].reset_index(drop=True) for name, key in keys.items()}
    return _groups.summarise(values, keys)


@returns("amount", "expected_close", "days_overdue", optional=("rep", "stage"))
def slipped_deals(opportunities: pd.DataFrame, *, as_of) -> pd.DataFrame:
    """Open deals whose expected close date has passed: they did not close when planned.

    A slipped deal needs a new, realistic date (after a call with the customer) or closing
    as lost; left as it is, it makes the pipeline look bigger than it is.

    Parameters
    ----------
    opportunities : DataFrame
        The canonical opportunities table.
    as_of : date-like
        Today: a deal expected to close before today's date has slipped.

    Returns
    -------
    DataFrame
        ``opportunity_id, rep, stage, amount, currency, expected_close, days_overdue``
        (columns the table lacks are left out), longest overdue first.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> slipped = slipped_deals(data.opportunities, as_of=data.today)
    >>> bool((slipped["expected_close"] < data.today).all())
    True
    """
    where = "slipped_deals"
    today = _conform.as_of(as_of, where).normalize()
    opportunities = _conform.table(opportunities, "opportunities", where,
                                   required=("status", "expected_close"), optional=("amount",))
    status = _conform.label_codes(opportunities["status"], STATUSES, "opportunities", "status",
                                  where)
    late = (status == STATUSES.index("open")) & (opportunities["expected_close"] < today
                                                 ).to_numpy()
    out = opportunities.loc[late, [c for c in ("opportunity_id", "rep", "stage", "amount",
                                              "currency", "expected_close")
                                   if c in opportunities]]
    out = out.assign(days_overdue=((today - out["expected_close"]) / pd.Timedelta(days=1))
                     .to_numpy(dtype="float64"))
    return out.sort_values("days_overdue", ascending=False, ignore_index=True, kind="stable")
