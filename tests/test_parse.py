"""Text cleaning on Arrow-backed text agrees with plain Python on any text, however the Arrow
data is cut into chunks and slices (the fast paths read Arrow's buffers directly)."""
import re

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools import _parse

PLACEHOLDERS = {"", "nan", "none", "null", "nat", "n/a", "na", "-"}
# Edges that matter: ASCII and Unicode spaces, accents, placeholders' letters.
CHARS = st.sampled_from(list("aAnN/-1 \t\n\r\x0b\x1f\xa0é\u2003\u3000x"))
# Placeholders and flag words in mixed case, some padded with spaces.
WORDS = st.tuples(st.sampled_from(["", " ", "\t", "\xa0"]),
                  st.sampled_from(["NaN", "None", "NULL", "nAt", "N/A", "nA", "-", "True", "yEs",
                                   "Y", "1", "1.0", "t", "X", "x1", "false", "nul"]),
                  st.sampled_from(["", " ", "\u3000"])).map("".join)
VALUES = st.lists(st.none() | st.text(CHARS, max_size=5) | WORDS, max_size=12)


def arrow_series(values, cut, skip, large):
    """``values`` as a "str" series over Arrow data cut into two chunks, then sliced."""
    kind = pa.large_string() if large else pa.string()
    chunks = [pa.array(values[:cut], kind), pa.array(values[cut:], kind)]
    arrow = pa.chunked_array(chunks, kind).slice(min(skip, len(values)))
    return pd.Series(pd.array(arrow, dtype=_parse.TEXT)), arrow.to_pylist()


def as_list(series):
    return [None if pd.isna(v) else v for v in series]


def expected(values):
    out = []
    for value in values:
        text = None if value is None else value.strip()
        out.append(None if text is None or text.lower() in PLACEHOLDERS else text)
    return out


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(VALUES, st.integers(0, 3), st.integers(0, 2), st.booleans())
def test_to_string_strips_and_blanks_like_python(values, cut, skip, large):
    series, plain = arrow_series(values, cut, skip, large)
    assert as_list(_parse.to_string(series)) == expected(plain)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(VALUES, st.integers(0, 3), st.integers(0, 2), st.booleans())
def test_to_lower_strips_and_lowers_like_python(values, cut, skip, large):
    series, plain = arrow_series(values, cut, skip, large)
    assert as_list(_parse.to_lower(series)) == [
        None if v is None else v.strip().lower() for v in plain]


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(VALUES, st.integers(0, 3), st.integers(0, 2), st.booleans())
def test_to_bool_reads_flag_words_like_python(values, cut, skip, large):
    series, plain = arrow_series(values, cut, skip, large)
    assert _parse.to_bool(series).tolist() == [
        v is not None and v.strip().lower() in {"true", "yes", "y", "1", "1.0", "t", "x"}
        for v in plain]


# d/m/y-like values: 1-3 digit parts, mixed separators, 2- or 4-digit years running into more
# digits or a time, leading spaces of any kind; and values that are not dates at all.
DMY_LIKE = st.tuples(
    st.sampled_from(["", " ", "\xa0", "\t", "x"]), st.integers(0, 40).map(str),
    st.sampled_from("./-"), st.integers(0, 15).map(lambda m: f"{m:0{1 + m % 2}d}"),
    st.sampled_from("./-_"), st.sampled_from(["2024", "24", "69", "70", "202", "20245", "9"]),
    st.sampled_from(["", " 10:00", "T08:00:00Z", "5", "/1"])).map("".join)
DATES = st.lists(st.none() | DMY_LIKE | st.text(CHARS, max_size=4), min_size=1, max_size=10)
PYTHON_DMY = re.compile(r"^\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)(.*)$")


def day_first_in_python(values):
    """The day-first rule value by value: the ISO text of each d/m/y value, or None when the
    column is not day-first (a month above 12, or no day above 12 and no '.' separator)."""
    found = {i: PYTHON_DMY.match(v).groups() for i, v in enumerate(values)
             if v is not None and PYTHON_DMY.match(v)}
    parts = list(found.values())
    if not parts or any(int(p[2]) > 12 for p in parts) or not (
            any(int(p[0]) > 12 for p in parts) or any(p[1] == "." for p in parts)):
        return None
    iso = {}
    for i, (day, _, month, year, rest) in found.items():
        year = year if len(year) == 4 else ("20" if int(year) < 70 else "19") + year
        iso[i] = f"{year}-{month.zfill(2)}-{day.zfill(2)}{rest}"
    return [iso.get(i, v) for i, v in enumerate(values)]


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(DATES, st.integers(0, 3), st.integers(0, 2), st.booleans())
def test_day_first_dates_become_iso_like_python(values, cut, skip, large):
    series, plain = arrow_series(values, cut, skip, large)
    result = _parse.day_first_as_iso(series)
    expected_iso = day_first_in_python(plain)
    assert (None if result is None else as_list(result)) == expected_iso


@pytest.mark.parametrize("values", [["13/02/2024", "01/02/2024"], ["12/02/2024"], ["99-1-24"],
                                    ["1.2.24"], ["02/13/2024", "13/02/2024"], ["\u3000013.1.1970"]])
def test_day_first_at_the_edges_of_the_rule(values):
    result = _parse.day_first_as_iso(pd.Series(values, dtype="str"))
    assert (None if result is None else as_list(result)) == day_first_in_python(values)



# US-style dates around the edges (month 0-14, day 0-33, years 1899-2100, two-digit years),
# some padded or with a time, among ISO dates, placeholders and text.
US_LIKE = st.tuples(st.sampled_from(["", " "]), st.sampled_from(["", "0"]), st.integers(0, 14),
                    st.integers(0, 33), st.sampled_from(["1899", "1900", "2024", "2099", "2100",
                                                         "24", "0024"]),
                    st.sampled_from(["", " 10:00"])).map(
    lambda t: f"{t[0]}{t[1] if t[2] < 10 else ''}{t[2]}/{t[3]}/{t[4]}{t[5]}")
DATE_TEXTS = st.lists(st.none() | US_LIKE | st.sampled_from(
    ["2024-03-05", "2024-02-30", "", "N/A", "soon", "2024-03-05T10:00:00+02:00"]),
    min_size=1, max_size=8)


def pandas_dates(values):
    """The rule in plain pandas: blanks and placeholders missing, a day-first column's d/m/y
    as ISO, then each value as ISO 8601 or else by pandas' mixed-format parser, in UTC."""
    stripped = [None if v is None or v.strip().lower() in PLACEHOLDERS else v.strip()
                for v in values]
    text = pd.Series(day_first_in_python(stripped) or stripped, dtype=object)
    parsed = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    retry = parsed.isna() & text.notna()
    if retry.any():
        parsed[retry] = pd.to_datetime(text[retry], errors="coerce", utc=True, format="mixed")
    return parsed.dt.tz_localize(None), parsed.isna() & text.notna()


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(DATE_TEXTS, st.integers(0, 3), st.booleans())
def test_dates_are_read_as_pandas_reads_them(values, cut, large):
    series, plain = arrow_series(values, cut, 0, large)
    parsed, bad, _ = _parse.to_datetime(series)
    expected, expected_bad = pandas_dates(plain)
    assert parsed.tolist() == expected.tolist()
    assert bad.tolist() == expected_bad.tolist()
