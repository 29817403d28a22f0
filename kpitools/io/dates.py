"""Day-first or month-first: decided once for a whole export, from every date column in it.

"03/02/2024" is March 2 in a US export and February 3 in a UK one; the value alone cannot tell.
A value with a first number above 12 (or '.' separators) shows a day-first export; one with a
second number above 12 shows a month-first one. :func:`order_of` reads one column's evidence,
:func:`decide` weighs all the columns of an export, and :func:`as_iso` rewrites d/m/y text as
ISO so that the dates parse one way.
"""
from __future__ import annotations

import re

import pandas as pd

_DMY = re.compile(r"^\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)(.*)$", re.S)


def _parts(values: pd.Series) -> pd.DataFrame:
    """Each distinct text value split as a/b/year (rows that do not look so are missing)."""
    if not pd.api.types.is_string_dtype(values) and values.dtype != object:
        return pd.DataFrame(columns=["a", "sep", "b", "year", "rest", "value"])
    distinct = pd.Series(pd.unique(values.dropna().astype(str)))
    parts = distinct.str.extract(_DMY.pattern)
    parts.columns = ["a", "sep", "b", "year", "rest"]
    parts["value"] = distinct
    return parts.dropna(subset=["a"])


def order_of(values: pd.Series) -> set[str]:
    """What a column's values show: {"dmy"}, {"mdy"}, both (a mixed column) or nothing.

    Examples
    --------
    >>> order_of(pd.Series(["13/02/2024", "03/02/2024"])), order_of(pd.Series(["02/13/2024"]))
    ({'dmy'}, {'mdy'})
    >>> order_of(pd.Series(["01.02.2024"])), order_of(pd.Series(["2024-02-01", "1/2/2024"]))
    ({'dmy'}, set())
    """
    parts = _parts(values)
    if parts.empty:
        return set()
    a, b = parts["a"].astype(int), parts["b"].astype(int)
    shown = set()
    if (a > 12).any() or parts["sep"].eq(".").any():
        shown.add("dmy")
    if (b > 12).any():
        shown.add("mdy")
    return shown


def decide(evidence: dict[str, set[str]]) -> tuple[dict[str, bool], str | None]:
    """Day-first or not for each file, from ``{file: what its date columns show}``, and a
    sentence for the report. One export is read one way: if any file shows day-first dates
    and none shows month-first, every file is day-first (and the other way round). Only if
    files disagree is each read its own way (ambiguous files month-first).

    Examples
    --------
    >>> decide({"deals.csv": {"dmy"}, "calls.csv": set()})[0]
    {'deals.csv': True, 'calls.csv': True}
    """
    shows = set().union(*evidence.values()) if evidence else set()
    if shows == {"dmy"}:
        example = next(f for f, s in evidence.items() if s)
        return dict.fromkeys(evidence, True), (
            f"Dates read as day/month/year in every file of this export ({example} has dates "
            "that can only be day-first, such as 13/02); pass mapping with ISO dates if "
            "that is wrong.")
    if shows == {"dmy", "mdy"}:
        return {f: s == {"dmy"} for f, s in evidence.items()}, (
            "Files of this export write dates in different orders: day/month/year in "
            f"{sorted(f for f, s in evidence.items() if s == {'dmy'})}, month/day/year in "
            "the others; a file that shows both is read month-first.")
    return dict.fromkeys(evidence, False), None


def as_iso(values: pd.Series) -> pd.Series:
    """d/m/y values rewritten as ISO text (y-m-d plus whatever followed); others unchanged.

    Examples
    --------
    >>> as_iso(pd.Series(["13/02/2024 10:00", "3.2.24", "2024-01-01", None])).tolist()
    ['2024-02-13 10:00', '2024-02-03', '2024-01-01', nan]
    """
    parts = _parts(values)
    if parts.empty:
        return values
    year = parts["year"].where(parts["year"].str.len() == 4,
                               parts["year"].map(lambda y: ("20" if int(y) < 70 else "19") + y))
    iso = year + "-" + parts["b"].str.zfill(2) + "-" + parts["a"].str.zfill(2) + parts["rest"]
    codes, distinct = pd.factorize(values)  # each distinct date rewritten once
    distinct = pd.Series(distinct, dtype=object)
    distinct = distinct.map(dict(zip(parts["value"], iso))).fillna(distinct)
    out = pd.Series(pd.array(distinct.to_numpy(), dtype=values.dtype).take(codes, allow_fill=True),
                    index=values.index)
    return out
