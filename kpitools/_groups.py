"""Grouping by columns and calendar periods, shared by every KPI function (private)."""
from __future__ import annotations

import numpy as np
import pandas as pd

PERIOD = "period"
_MONTHS_PER = {"M": 1, "MS": 1, "ME": 1, "Q": 3, "QS": 3, "QE": 3,
               "Y": 12, "YS": 12, "YE": 12, "A": 12, "AS": 12}


def as_list(by) -> list:
    """``by`` as a list of column names (None → [])."""
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def period_start(dates: pd.Series, freq: str) -> pd.Series:
    """The first day of the period each date falls in ("W" weeks start on Monday).

    Examples
    --------
    >>> dates = pd.Series(pd.to_datetime(["2024-05-15 13:00", "2024-05-19 08:00"]))
    >>> period_start(dates, "W").dt.strftime("%Y-%m-%d").tolist()
    ['2024-05-13', '2024-05-13']
    >>> period_start(dates, "QS").dt.strftime("%Y-%m-%d").tolist()
    ['2024-04-01', '2024-04-01']
    """
    values = dates.to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(values)
    key = freq.upper().split("-")[0] if freq.upper() in ("W", "W-SUN", "D") else freq
    if key == "D":
        out = values.astype("datetime64[D]")
    elif key == "W":
        days = values.astype("datetime64[D]").astype("int64")
        out = (days - (days + 3) % 7).astype("datetime64[D]")  # 1970-01-01 was a Thursday
    elif freq.upper() in _MONTHS_PER:
        step = _MONTHS_PER[freq.upper()]
        months = values.astype("datetime64[M]").astype("int64")
        out = (months - months % step).astype("datetime64[M]")
    else:
        return dates.dt.to_period(freq).dt.start_time.rename(PERIOD)
    out = np.where(missing, np.datetime64("NaT"), out.astype("datetime64[ns]"))
    return pd.Series(out.astype("datetime64[ns]"), index=dates.index, name=PERIOD)


def keys(frame: pd.DataFrame, by, date_column: str | None = None, freq: str | None = None,
         table: str = "table", where: str = "kpitools") -> dict[str, pd.Series]:
    """The group-key columns for ``frame``: the ``by`` columns, then ``period`` if ``freq``."""
    out = {}
    for column in as_list(by):
        if column not in frame.columns:
            raise KeyError(f"{where}: cannot group by {column!r}: not a column of {table}. "
                           f"Columns: {list(frame.columns)}.")
        out[column] = frame[column]
    if freq is not None:
        out[PERIOD] = period_start(frame[date_column], freq)
    return out


def summarise(values: pd.DataFrame, group_keys: dict[str, pd.Series], how="sum") -> pd.DataFrame:
    """Aggregate each column of ``values`` per group (``how``: "sum" or {column: function}).

    One row of totals when there are no keys. Keys become ordinary columns (tidy output);
    missing key values form their own group.
    """
    how = how if isinstance(how, dict) else {column: how for column in values.columns}
    if not group_keys:
        return pd.DataFrame({column: [values[column].agg(func)] for column, func in how.items()})
    names = [f"__key{i}" for i in range(len(group_keys))]
    grouped = values.assign(**{n: k.to_numpy() for n, k in zip(names, group_keys.values())})
    out = grouped.groupby(names, dropna=False, sort=True, observed=True).agg(how).reset_index()
    return out.rename(columns=dict(zip(names, group_keys)))
