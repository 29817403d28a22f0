"""Canonical columns parsed to canonical dtypes, once each, with what could not be read.

:func:`coerce` turns one table's canonical columns (text as exported, or typed from Parquet)
into the canonical dtypes and returns, per column, the mask of values that were present but
could not be parsed. It decides nothing about rows: the rules (:mod:`kpitools.io.rules`) do.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kpitools import _parse
from kpitools.schema import (BOOL_COLUMNS, DATE_COLUMNS, LABEL_COLUMNS, STRING_COLUMNS, TEXT)

# Yes/no words as CRMs and spreadsheets write them, in the languages of the presets' users.
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "1.0", "t", "x", "✓", "✔", "☑", "wahr", "ja",
                        "j", "oui", "vrai", "sí", "si", "verdadero", "sim", "verdadeiro", "vero",
                        "waar", "tak", "checked", "on"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "0.0", "f", "✗", "✘", "☐", "falsch", "nein",
                         "non", "faux", "falso", "não", "nao", "nee", "onwaar", "nie",
                         "unchecked", "off", "-"})
_SPACES = "\u00a0\u2007\u202f\u2009\u200a\u3000"  # no-break and other look-alike spaces
# Text columns whose values are names people compare by eye: look-alikes are made one.
_NAME_COLUMNS = ("rep", "stage", "source", "region", "segment", "product", "loss_reason",
                 "currency", "goal", "parent_goal")


@dataclass
class Parsed:
    """One table in canonical dtypes, the masks of unreadable values, the column-wide rules
    applied (day-first dates, decimal commas) as notes."""

    frame: pd.DataFrame
    failed: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def tidy_names(values: pd.Series) -> pd.Series:
    """Names as one spelling: Unicode composed (NFC), no-break and thin spaces as plain
    spaces, runs of spaces as one. "José" typed two ways, or "Ann\\u00a0Lee", is one rep.

    Examples
    --------
    >>> tidy_names(pd.Series(["Jose\\u0301", "José", "Ann\\u00a0 Lee", None])).tolist()
    ['José', 'José', 'Ann Lee', nan]
    """
    def tidy(distinct: pd.Series) -> pd.Series:
        return distinct.map(lambda v: v if not isinstance(v, str) else " ".join(
            unicodedata.normalize("NFC", v).translate(_SPACE_TABLE).split()))
    return _parse.per_distinct(values, tidy).astype(TEXT)


_SPACE_TABLE = str.maketrans(dict.fromkeys(_SPACES, " "))


def to_flags(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Yes/no flags as bool, and the mask of words that are neither yes nor no. Blanks are
    False; "WAHR", "ja", "oui", "✓" are True; a word such as "maybe" is reported, never read
    as False without a word.

    Examples
    --------
    >>> flags, unknown = to_flags(pd.Series(["WAHR", "nein", "", None, "maybe", True]))
    >>> flags.tolist(), unknown.tolist()
    ([True, False, False, False, False, True], [False, False, False, False, True, False])
    """
    if pd.api.types.is_bool_dtype(values) and not values.isna().any():
        return values.astype(bool), pd.Series(False, index=values.index)
    if pd.api.types.is_numeric_dtype(values):
        return values.fillna(0).ne(0), pd.Series(False, index=values.index)

    def read(distinct: pd.Series) -> pd.Series:
        words = distinct.map(lambda v: str(v).strip().casefold())
        return words.map(lambda w: True if w in TRUE_WORDS else False if (
            w in FALSE_WORDS or w in ("", "nan", "none")) else None)
    flags = _parse.per_distinct(values.astype(object), read)
    unknown = flags.isna() & values.notna()
    return flags.fillna(False).astype(bool), unknown.astype(bool)


def coerce(table: str, frame: pd.DataFrame) -> Parsed:
    """Each canonical column of ``frame`` parsed once; the caller's frame is not changed.

    Examples
    --------
    >>> raw = pd.DataFrame({"rep": [" Ann "], "at": ["31/01/2024"], "kind": ["Call"]})
    >>> parsed = coerce("activities", raw)
    >>> parsed.frame.iloc[0].tolist()
    ['Ann', Timestamp('2024-01-31 00:00:00'), 'call']
    >>> parsed.notes
    ['activities.at: dates read as day/month/year.']
    """
    out = frame.reset_index(drop=True)  # a new frame: copy-on-write keeps the caller's intact
    failed, notes = {}, []
    for column in (c for c in STRING_COLUMNS if c in out):
        out[column] = _parse.to_string(out[column])
        if column in _NAME_COLUMNS and len(out):
            out[column] = tidy_names(out[column])
    for column in (c for c in DATE_COLUMNS[table] if c in out):
        out[column], failed[column], rule = _parse.to_datetime(out[column])
        notes += [f"{table}.{column}: dates {rule}."] if rule else []
    for column in (c for c in BOOL_COLUMNS + ("is_deleted",) if c in out):
        out[column], failed[column] = to_flags(out[column])
    for column in (c for c in ("amount", "quota") if c in out):
        out[column], failed[column], rule = _parse.to_number(out[column])
        notes += [f"{table}.{column}: amounts {rule}."] if rule else []
    for column in (c for c in LABEL_COLUMNS.get(table, ()) if c in out):
        out[column] = _parse.to_lower(out[column])
        if column == "direction":  # optional: a blank is unknown, not a third direction
            out[column] = out[column].where(out[column].ne(""))
    if "probability" in out:
        out["probability"] = pd.to_numeric(out["probability"], errors="coerce")
    return Parsed(out, failed, notes)


def as_text(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """These columns as pandas' "str" dtype (a no-op for those already so)."""
    loose = {c: TEXT for c in columns if c in frame and frame[c].dtype != TEXT}
    return frame.astype(loose) if loose else frame


def arrow_text(values: pd.Series) -> pa.Array:
    """A text column as an Arrow array (no copy for pandas' "str" dtype)."""
    return pa.array(values.astype(TEXT).array)


def is_in(values: pd.Series, known) -> np.ndarray:
    """Which values are among ``known`` (missing values are not)."""
    text = arrow_text(values)
    found = pc.is_in(text, value_set=pa.array([str(k) for k in known], text.type))
    return found.fill_null(False).to_numpy(zero_copy_only=False)
