"""Canonical columns parsed to canonical dtypes, once each, with what could not be read.

:func:`coerce` turns one table's canonical columns (text as exported, or typed from Parquet)
into the canonical dtypes through the value parsers of :mod:`kpitools.io.values`, and returns
per column the mask of values that were present but could not be read (and, for dates, which
of those lie outside the plausible window). It decides nothing about rows: the rules
(:mod:`kpitools.io.rules`) do.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kpitools import _threads
from kpitools.io import values as parse
from kpitools.schema import BOOL_COLUMNS, DATE_COLUMNS, LABEL_COLUMNS, STRING_COLUMNS, TEXT

IMPLAUSIBLE = "{}:implausible"  # the failed-mask key of a date column's implausible dates


@dataclass
class Parsed:
    """One table in canonical dtypes, the masks of unreadable values (``failed[column]``;
    ``failed["created_at:implausible"]`` for dates outside the plausible window), and the
    column-wide reading rules applied, as notes."""

    frame: pd.DataFrame
    failed: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def coerce(table: str, frame: pd.DataFrame, dates: dict | None = None) -> Parsed:
    """Each canonical column of ``frame`` parsed once; the caller's frame is not changed.

    ``dates`` holds date columns the loader already parsed for the whole export
    (``{column: values.Parsed}``); the table's other date columns are read here, with one
    day/month order for the table.

    Examples
    --------
    >>> raw = pd.DataFrame({"rep": [" Ann "], "at": ["31/01/2024"], "kind": ["Call"]})
    >>> parsed = coerce("activities", raw)
    >>> parsed.frame.iloc[0].tolist()
    ['Ann', Timestamp('2024-01-31 00:00:00'), 'call']
    >>> parsed.notes
    ["activities: dates read as day/month/year ('31/01/2024' can only be read so)."]
    """
    out = frame.reset_index(drop=True)  # a new frame: copy-on-write keeps the caller's intact
    failed, notes = {}, []
    flags = [c for c in BOOL_COLUMNS + ("is_deleted",) if c in out]
    simple = [c for c in STRING_COLUMNS + LABEL_COLUMNS.get(table, ()) if c in out] + flags
    work = [(c, out[c]) for c in simple]  # taken from the frame here, read in threads
    for column, result in zip(simple, _threads.each(lambda cv: _read_simple(*cv), work,
                                                    len(out) * len(simple))):
        if column in flags:
            out[column] = result.values.to_numpy(dtype=bool, na_value=False)
            failed[column] = result.bad
        else:
            out[column] = result.values
    given = dates or {}
    todo = {c: out[c] for c in DATE_COLUMNS[table] if c in out and c not in given}
    found, rule = parse.dates(todo) if todo else ({}, None)
    notes += [f"{table}: {rule}."] if rule else []
    for column, result in {**found, **given}.items():
        implausible = np.asarray(result.extra.get("implausible", np.zeros(len(out), bool)))
        out[column] = result.values.reset_index(drop=True)
        failed[column] = np.asarray(result.bad) & ~implausible
        failed[IMPLAUSIBLE.format(column)] = implausible
    for column in (c for c in ("amount", "quota") if c in out):
        result = parse.amounts(out[column])
        out[column], failed[column] = result.values, result.bad
        notes += [f"{table}.{column}: {result.rule}."] if result.rule else []
        currency = result.extra.get("currency")
        named = (set(pd.Series(currency).dropna().unique()) if currency is not None
                 else set())  # the distinct names only: a set of 1M cells iterates in Python
        if column == "amount" and "currency" not in out and len(named) > 1:
            # Amounts in several currencies must never be added up: say which is which.
            out["currency"] = pd.Series(currency, dtype=object).astype(TEXT)
            notes.append(f"{table}: no currency column, but the amounts name {sorted(named)}: "
                         "currency read from them.")
    if "probability" in out:
        out["probability"] = pd.to_numeric(out["probability"], errors="coerce")
    return Parsed(out, failed, notes)


def _read_simple(column: str, values: pd.Series) -> parse.Parsed:
    """A column read on its own: an ID, a name, a label (lower case, such as an activity's
    kind) or a yes/no flag."""
    if column in BOOL_COLUMNS or column == "is_deleted":
        return parse.flags(values)
    if column.endswith("_id"):
        return parse.ids(values)
    return parse.text(values, lower=column not in STRING_COLUMNS)


def as_text(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """These columns as pandas' "str" dtype (a no-op for those already so)."""
    loose = {c: TEXT for c in columns if c in frame and frame[c].dtype != TEXT}
    return frame.astype(loose) if loose else frame


def _arrow(values) -> pa.Array | pa.ChunkedArray:
    """Text as Arrow (no copy for pandas' "str" dtype)."""
    return pa.array(pd.Series(values, dtype=object if isinstance(values, (tuple, list)) else None
                              ).astype(TEXT).array)


def is_in(values: pd.Series, known) -> np.ndarray:
    """Which values are among ``known`` (missing values are not): Arrow's hash lookup.

    Examples
    --------
    >>> is_in(pd.Series(["a", "b", None]), ("b", "c", None)).tolist()
    [False, True, False]
    """
    text, value_set = _arrow(values), _arrow(known)
    found = pc.is_in(text, value_set=value_set.cast(text.type), skip_nulls=True)
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def all_distinct(values: pd.Series) -> bool:
    """Whether no present value repeats (Arrow counts the distinct values once, where pandas
    would number every row of Arrow text in Python's hash table).

    Examples
    --------
    >>> all_distinct(pd.Series(["a", "b", None, None])), all_distinct(pd.Series(["a", "a"]))
    (True, False)
    >>> all_distinct(pd.Series(["a", "b", "c"])), all_distinct(pd.Series(["b", "a", "b"]))
    (True, False)
    """
    text = _arrow(values)
    if text.null_count == 0 and len(text) > 1 and pc.all(pc.greater(text[1:], text[:-1])).as_py():
        return True  # sorted without repeats, as exports by ID often are: one comparison pass
    return pc.count_distinct(text).as_py() == len(text) - text.null_count
