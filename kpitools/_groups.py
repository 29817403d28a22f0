"""Grouping by columns and calendar periods, shared by every KPI function (private)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kpitools import _threads

PERIOD = "period"
_MONTHS_PER = {"M": 1, "MS": 1, "ME": 1, "Q": 3, "QS": 3, "QE": 3,
               "Y": 12, "YS": 12, "YE": 12, "A": 12, "AS": 12}
_DAYS_WEEKS = ("W", "W-SUN", "D")
_NS_PER_DAY = 86_400 * 10**9


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
    ticks, per_day, missing = _ticks(dates)
    key = freq.upper().split("-")[0] if freq.upper() in _DAYS_WEEKS else freq
    if key == "D":
        start = ticks - ticks % per_day
    elif key == "W":  # 1970-01-01 was a Thursday
        start = ticks + 3 * per_day
        start %= 7 * per_day
        np.subtract(ticks, start, out=start)
    elif freq.upper() in _MONTHS_PER:
        start = _month_start(ticks // per_day, missing, _MONTHS_PER[freq.upper()]) * per_day
    else:
        return dates.dt.to_period(freq).dt.start_time.rename(PERIOD)
    start *= _NS_PER_DAY // per_day  # as nanoseconds
    np.putmask(start, missing, np.iinfo("int64").min)  # NaT
    return pd.Series(start.view("datetime64[ns]"), index=dates.index, name=PERIOD, copy=False)


def is_fast_freq(freq) -> bool:
    """Whether :func:`period_start` computes ``freq`` itself (days, weeks, months, quarters,
    years) rather than through pandas' periods.

    Examples
    --------
    >>> is_fast_freq("QS"), is_fast_freq("W-MON")
    (True, False)
    """
    return isinstance(freq, str) and freq.upper() in (*_DAYS_WEEKS, *_MONTHS_PER)


def _ticks(dates: pd.Series) -> tuple[np.ndarray, int, np.ndarray]:
    """The dates as integers in their own unit (no copy), that unit's ticks per day, and where
    the date is missing. Integer arithmetic on these is what makes ``period_start`` fast."""
    values = dates.to_numpy()
    if values.dtype.kind != "M":  # e.g. time-zone aware: as naive UTC nanoseconds
        values = dates.to_numpy(dtype="datetime64[ns]")
    unit, _ = np.datetime_data(values.dtype)
    return values.view("int64"), np.timedelta64(1, "D") // np.timedelta64(1, unit), \
        np.isnat(values)


def _month_start(days: np.ndarray, missing: np.ndarray, step: int) -> np.ndarray:
    """The first day (days since 1970) of the ``step``-month period of each day.

    NumPy's month arithmetic runs once per calendar day in the data's range, not once per row.
    """
    valid = days[~missing]
    low = valid.min() if len(valid) else 0
    calendar = np.arange(low, valid.max() + 1 if len(valid) else 1).astype("datetime64[D]")
    months = calendar.astype("datetime64[M]").astype("int64")
    table = (months - months % step).astype("datetime64[M]").astype("datetime64[D]")
    return table.astype("int64")[np.where(missing, 0, days - low)]


def arrow_text(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A text column as Arrow text for Arrow's kernels (no copy for pandas' "str" dtype).

    Examples
    --------
    >>> arrow_text(pd.Series(["a", None])).to_pylist()
    ['a', None]
    """
    return pa.array(values.astype("str").array)


def dictionary(arrow: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array | pa.ChunkedArray]:
    """Each distinct value once, and each row's number among them (missing: null).

    Examples
    --------
    >>> words, codes = dictionary(pa.chunked_array([["b", "a"], ["b", None]]))
    >>> words.to_pylist(), codes.to_pylist()
    (['b', 'a'], [0, 1, 0, None])
    """
    encoded = arrow.dictionary_encode()
    if isinstance(encoded, pa.Array):
        return encoded.dictionary, encoded.indices
    words = (encoded.chunk(0).dictionary if encoded.num_chunks  # the chunks share it
             else pa.array([], encoded.type.value_type))
    return words, pa.chunked_array([c.indices for c in encoded.chunks], pa.int32())


def equals(column: pd.Series, value) -> np.ndarray:
    """``column == value`` as a bool array (missing values are False).

    Examples
    --------
    >>> equals(pd.Series(["won", None, "lost"], dtype="str"), "won").tolist()
    [True, False, False]
    >>> equals(pd.Series(["won", pd.NA], dtype=object), "won").tolist()
    [True, False]
    """
    return column.eq(value).to_numpy(dtype=bool, na_value=False)


def is_in(column: pd.Series, values: pd.Series) -> np.ndarray:
    """``column.isin(values)`` as a bool array (missing matches missing), fast for either
    string dtype: Arrow's hash set takes ``str`` columns (pandas' own ``isin`` for those makes
    one Python object per value) and object columns of text; pandas hashes other objects.

    Examples
    --------
    >>> ids = pd.Series(["L1", "L2", None], dtype="str")
    >>> is_in(ids, pd.Series(["L2", "L9"], dtype="str")).tolist()
    [False, True, False]
    >>> is_in(pd.Series(["L1", 2], dtype=object), pd.Series(["2", "L1"])).tolist()
    [True, False]
    """
    return is_in_each([column], values)[0]


def is_in_each(columns: list[pd.Series], values: pd.Series) -> list[np.ndarray]:
    """:func:`is_in` for several columns against the same values, in one pass: the values are
    hashed once for all the columns (Arrow builds its hash set on every call), and a big pass
    is cut into one piece per CPU, each looked up in its own thread.

    Examples
    --------
    >>> known = pd.Series(["L1", "L2"], dtype="str")
    >>> [a.tolist() for a in is_in_each([pd.Series(["L2", "L7"]), pd.Series(["L1"])], known)]
    [[True, False], [True]]
    """
    if any(c.dtype == object and not _text_only(c, values) for c in columns):
        return [c.isin(values).to_numpy() for c in columns]
    value_set = arrow_text(values)
    every = pa.chunked_array([chunk for column in columns for chunk in _chunks(column)],
                             type=value_set.type)
    found = _threads.each(lambda piece: pc.is_in(every.slice(*piece), value_set=value_set)
                          .to_numpy(zero_copy_only=False), _threads.pieces(len(every)),
                          len(every))
    return np.split(np.concatenate(found), np.cumsum([len(c) for c in columns])[:-1])


def _chunks(column: pd.Series) -> list[pa.Array]:
    text = arrow_text(column)
    return text.chunks if isinstance(text, pa.ChunkedArray) else [text]


def _text_only(column: pd.Series, values: pd.Series) -> bool:
    """Whether Arrow's ``is_in`` answers as pandas' would: both hold only text, and missing
    values (pandas tells None from NaN, Arrow does not) are in at most one of them.

    Examples
    --------
    >>> _text_only(pd.Series(["a", None]), pd.Series(["a"])), _text_only(pd.Series(["a", None]),
    ...                                                                 pd.Series([float("nan")]))
    (True, False)
    """
    text = all(pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")
               for s in (values, column))
    return text and not (values.hasnans and column.hasnans)


def lookup(index: pd.Index, values: pd.Series) -> np.ndarray:
    """Where each of ``values`` is in the unique ``index`` (-1 if absent): ``get_indexer``,
    by dictionary encoding for Arrow ``str`` (pandas converts those to Python objects first).

    Examples
    --------
    >>> lookup(pd.Index(["O1", "O2"], dtype="str"), pd.Series(["O2", "O9", "O2"])).tolist()
    [1, -1, 1]
    """
    if index.dtype == object:
        return index.get_indexer(values)
    codes, distinct = pd.factorize(pd.concat([pd.Series(index), values], ignore_index=True),
                                   use_na_sentinel=False)
    position = np.full(len(distinct), -1)
    position[codes[:len(index)]] = np.arange(len(index))
    return position[codes[len(index):]]


def keys(frame: pd.DataFrame, by, date_column: str | None = None,
         freq: str | None = None) -> dict[str, pd.Series]:
    """The group-key columns for ``frame``: the ``by`` columns, then ``period`` if ``freq``.
    (The KPI functions have checked that the columns exist: ``_conform.table``.)"""
    out = {column: frame[column] for column in as_list(by)}
    if freq is not None:
        out[PERIOD] = period_start(frame[date_column], freq)
    return out


class Groups(NamedTuple):
    """Rows split into groups: each row's group number, how many groups, their key values."""

    ids: np.ndarray  # per row: 0..count-1
    count: int
    keys: dict       # per key column: the groups' values (an Index), in group order


def group_ids(group_keys: dict, length: int) -> Groups:
    """Number the groups of ``length`` rows in sorted key order, as ``groupby`` orders them.

    The order is that of ``groupby(sort=True, dropna=False)``: missing key values last, as
    their own group; only groups with rows exist. Without keys every row is in group 0.

    Examples
    --------
    >>> groups = group_ids({"rep": pd.Series(["Bo", None, "Al", "Bo"])}, 4)
    >>> groups.ids.tolist(), groups.count, groups.keys["rep"].tolist()
    ([1, 2, 0, 1], 3, ['Al', 'Bo', nan])
    """
    ids, count = (np.zeros(length, dtype="int64") if not group_keys else None), 1
    levels, level_codes = [], []
    for values in group_keys.values():
        codes, uniques = _sorted_codes(values)
        size = max(len(uniques), 1)
        # Under a single group so far every code is a group of its own, already in order.
        if count > 1:
            ids *= size  # in place: on 10 million rows every temporary array is 80 MB
            ids += codes
        ids, groups = (codes, np.arange(len(uniques))) if count == 1 else \
            _renumber(ids, count * size)
        count = len(groups)
        level_codes = [c[groups // size] for c in level_codes] + [groups % size]
        levels.append(pd.Index(np.asarray(uniques)).infer_objects())  # as groupby infers
    keys = {name: level.take(codes)
            for name, level, codes in zip(group_keys, levels, level_codes)}
    return Groups(ids, count, keys)


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values, sort=True, use_na_sentinel=False)``: missing values last.

    The rows are hashed unsorted and only the distinct values are sorted; the rows' codes are
    renumbered in place. pandas' ``sort=True`` renumbers into new arrays: on 10 million
    activities that is ~160 MB of fresh memory and half the time of grouping by rep.

    Examples
    --------
    >>> codes, uniques = _sorted_codes(pd.Series(["Bo", None, "Al", "Bo"]))
    >>> codes.tolist(), list(uniques)
    ([1, 2, 0, 1], ['Al', 'Bo', nan])
    """
    codes, uniques = _text_codes(values) if _is_arrow_text(values) else pd.factorize(
        values, use_na_sentinel=False)
    order, uniques = pd.factorize(uniques, sort=True, use_na_sentinel=False)
    return np.take(order, codes, out=codes, mode="clip"), uniques  # ("raise" copies)


def _is_arrow_text(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"


def _text_codes(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """``pd.factorize(values, use_na_sentinel=False)`` for pandas' "str" dtype, straight from
    Arrow's hashing into one array of codes (pandas makes three of them), missing values last.

    Examples
    --------
    >>> codes, uniques = _text_codes(pd.Series(["Bo", None, "Al", "Bo"], dtype="str"))
    >>> codes.tolist(), uniques.tolist()
    ([0, 2, 1, 0], ['Bo', 'Al', nan])
    """
    words, indices = dictionary(pa.chunked_array(arrow_text(values)))
    codes, start = np.empty(len(values), np.int64), 0
    for block in indices.chunks:
        codes[start:start + len(block)] = block.fill_null(len(words)).to_numpy()
        start += len(block)
    if indices.null_count:
        words = pa.concat_arrays([words, pa.nulls(1, words.type)])
    return codes, pd.Series(pd.array(words, dtype=values.dtype))


def _renumber(values: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct ``values`` (all in 0..bound-1) 0, 1, ... in increasing order.

    Returns each value's number and the distinct values: ``pd.factorize(values, sort=True)``,
    by counting instead of hashing while ``bound`` is not much above the number of values;
    then the numbers overwrite ``values``.
    """
    if bound > 2 * len(values) + 4096:
        return pd.factorize(values, sort=True)
    present = np.bincount(values, minlength=bound) > 0
    return (np.take(np.cumsum(present) - 1, values, out=values, mode="clip"),  # ("raise"
            np.flatnonzero(present))  # copies: 80 MB of fresh memory at 10 million rows)


def aggregate(values, group_keys: dict[str, pd.Series], how="sum") -> dict:
    """The key columns, then each column of ``values`` aggregated per group, as arrays.

    ``values`` is a DataFrame or a mapping of equal-length arrays; ``how`` is "sum" or
    {column: function}. One group of totals when there are no keys; missing key values form
    their own group. Counts (bool or integer sums) are added up with ``np.bincount``; other
    aggregations go through pandas, so floats come out exactly as ``groupby`` gives them.
    Build the frame once from the result (``pd.DataFrame(...)``), with any ratios added.

    Examples
    --------
    >>> columns = aggregate({"won": np.array([True, False, True])},
    ...                     {"rep": pd.Series(["Bo", "Al", "Bo"])})
    >>> {name: values.tolist() for name, values in columns.items()}
    {'rep': ['Al', 'Bo'], 'won': [0, 2]}
    """
    how = how if isinstance(how, dict) else {column: how for column in values}
    groups = group_ids(group_keys, len(np.asarray(values[next(iter(how))])))
    return {**groups.keys, **per_group(values, groups.ids if group_keys else None,
                                       groups.count, how)}


def per_group(values, ids: np.ndarray | None, count: int, how="sum") -> dict:
    """Each column of ``values`` aggregated per group number in ``ids`` (0..count-1).

    A group without rows gets 0 for a count (a bool or integer sum) and NaN otherwise;
    ``ids`` None gives one total over all rows, as pandas computes it for a whole column.

    Examples
    --------
    >>> sums = per_group({"won": np.array([True, True]), "amount": np.array([2.0, 3.0])},
    ...                  np.array([2, 0]), 3)
    >>> sums["won"].tolist(), sums["amount"].tolist()
    ([1, 0, 1], [3.0, nan, 2.0])
    """
    how = how if isinstance(how, dict) else {column: how for column in values}
    return {column: _aggregate(np.asarray(values[column]), ids, count, func)
            for column, func in how.items()}


def summarise(values, group_keys: dict[str, pd.Series], how="sum") -> pd.DataFrame:
    """``aggregate`` as a tidy frame: the key columns, then the aggregated columns.

    A frame of ``values`` passes its ``attrs`` on, as ``groupby`` does.

    Examples
    --------
    >>> summarise({"won": np.array([True, False, True])}, {}).to_dict("list")
    {'won': [2]}
    """
    out = pd.DataFrame(aggregate(values, group_keys, how))
    out.attrs = getattr(values, "attrs", {})
    return out


def _aggregate(values: np.ndarray, ids: np.ndarray | None, size: int, func) -> np.ndarray:
    """One column aggregated per group (``ids`` None: the whole column, as pandas does)."""
    if func == "sum" and values.dtype.kind == "b":
        return np.bincount(ids[values], minlength=size) if ids is not None else \
            np.array([values.sum()])
    if func == "sum" and values.dtype.kind in "iu":
        return np.bincount(ids, weights=values, minlength=size).astype("int64") \
            if ids is not None else np.array([values.sum()], dtype="int64")
    series = pd.Series(values)
    if ids is None:
        return np.array([series.agg(func)])
    return series.groupby(ids, sort=True).agg(func).reindex(range(size)).to_numpy()
