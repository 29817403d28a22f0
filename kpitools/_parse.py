"""Vectorised parsers from raw export values to canonical dtypes (private).

Each parser returns the parsed series and, where parsing can fail, a mask of the values that
were present but could not be parsed, so the caller can exclude those rows with a reason.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kpitools.schema import DATES, TEXT  # noqa: F401 (TEXT: imported from here by others)
_BLANKS = ("", "nan", "none", "null", "nat", "n/a", "na", "-")
_LONGEST_BLANK = max(map(len, _BLANKS))
# d/m/y at the start of a value, for Arrow's RE2 engine: Python's \s spelled out, both
# separators captured (compared afterwards: RE2 has no back-references), and a year that does
# not run into a further digit.
_SPACE = r"[\t-\r\x1c-\x1f\x85\p{Z}]"
_DMY = (rf"^{_SPACE}*(?P<day>\d{{1,2}})(?P<sep>[./-])(?P<month>\d{{1,2}})"
        r"(?P<sep2>[./-])(?P<year>\d{4}|\d{2})(?P<rest>\D.*)?$")
# How a value that makes its column day-first starts: a day above 12, or '.' separators.
_DAY_FIRST_HINT = rf"^{_SPACE}*((1[3-9]|[2-9]\d)[./-]\d{{1,2}}[./-]|\d{{1,2}}\.\d{{1,2}}\.)\d{{2}}"
_EU_NUMBER = r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?|-?\d+,\d{1,2}"
_DECIMAL_COMMA = r"-?\d{1,3}(?:\.\d{3})*,\d+|-?\d+,\d{1,2}"
_US_NUMBER = r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+\.\d{1,2}"
DAY_FIRST = "read as day/month/year"
DECIMAL_COMMA = "use a decimal comma (1.234,56)"
_TRUE = ("true", "yes", "y", "1", "1.0", "t", "x")


def _every_case(words: tuple[str, ...]) -> pa.Array:
    """Each ASCII word in every mix of cases: matching these finds a word in any case
    without lower-casing a whole column first.

    Examples
    --------
    >>> _every_case(("na", "-")).to_pylist()
    ['-', 'NA', 'Na', 'nA', 'na']
    """
    return pa.array(sorted({"".join(chars) for word in words for chars in
                            itertools.product(*({c.lower(), c.upper()} for c in word))}))


_BLANK_SPELLINGS = _every_case(_BLANKS)
_TRUE_SPELLINGS = _every_case(_TRUE)


def arrow_text(values: pd.Series) -> pa.Array:
    """A text column as an Arrow array for Arrow's kernels (no copy for pandas' "str" dtype).

    Examples
    --------
    >>> arrow_text(pd.Series(["a", None])).to_pylist()
    ['a', None]
    """
    return pa.array(values.astype("str").array)


def as_series(values: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """Arrow text as a pandas "str" series, without a copy."""
    return pd.Series(pd.array(values, dtype=TEXT), index=index, copy=False)


def _blank_mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Missing, empty or a placeholder such as "N/A" (in any case) in stripped Arrow text.
    Values are only looked up among the placeholders if some are as short as one (a column
    of IDs, names or empty cells is judged by length alone)."""
    length = pc.binary_length(values)
    blank = pc.or_kleene(pc.is_null(values), pc.equal(length, 0))
    if pc.any(pc.and_(pc.greater(length, 0), pc.less_equal(length, _LONGEST_BLANK))).as_py():
        blank = pc.or_(blank, pc.is_in(values, value_set=_BLANK_SPELLINGS))
    return blank.to_numpy(zero_copy_only=False)


def _as_missing(text: pa.Array | pa.ChunkedArray, missing: np.ndarray) -> pa.ChunkedArray:
    """``text`` with the ``missing`` rows made missing: only the validity bitmap is new, the
    offsets and characters stay shared (a hidden placeholder's bytes stay behind the null).

    Examples
    --------
    >>> text = pa.chunked_array([["a", "-"], ["b"]])
    >>> _as_missing(text, np.array([False, True, True])).to_pylist()
    ['a', None, None]
    """
    chunks, start = [], 0
    for chunk in text.chunks if isinstance(text, pa.ChunkedArray) else [text]:
        gone = missing[start:start + len(chunk)]
        start += len(chunk)
        valid = pa.array(np.concatenate([np.zeros(chunk.offset, bool), ~gone]))
        chunks.append(pa.Array.from_buffers(chunk.type, len(chunk),
                                            [valid.buffers()[1], *chunk.buffers()[1:]],
                                            null_count=int(gone.sum()), offset=chunk.offset))
    return pa.chunked_array(chunks, type=text.type)


def may_have_edge_space(text: pa.Array | pa.ChunkedArray) -> bool:
    """Could a value start or end with whitespace? Only each value's first and last byte are
    read: an ASCII space or control character, or any non-ASCII byte, means maybe. A column
    of plain IDs or names answers no without the copy that trimming makes.

    Examples
    --------
    >>> may_have_edge_space(pa.chunked_array([["a1", "Bo", None]]))
    False
    >>> may_have_edge_space(pa.chunked_array([["a1"], ["Bo "]]))
    True
    """
    for chunk in text.chunks if isinstance(text, pa.ChunkedArray) else [text]:
        _, offsets, data = chunk.buffers()
        if len(chunk) == 0 or data is None or data.size == 0:
            continue
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        ends = np.frombuffer(offsets, dtype=width)[chunk.offset:chunk.offset + len(chunk) + 1]
        # An empty value's "first" and "last" bytes belong to its neighbours (or are clipped
        # to the buffer): at worst a needless "maybe", never a missed space.
        data = np.frombuffer(data, dtype=np.uint8)
        for edge in (ends[:-1], ends[1:] - 1):
            outside_printable_ascii = np.take(data, edge, mode="clip") - np.uint8(0x21) >= 0x5E
            if outside_printable_ascii.any():  # 0x00-0x20 and 0x7F-0xFF wrap round to >= 0x5E
                return True
    return False


def trimmed(raw: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Arrow text without leading or trailing whitespace; ``raw`` itself (the file's buffers,
    not a copy) when no value had any."""
    if not may_have_edge_space(raw):
        return raw
    text = pc.utf8_trim_whitespace(raw)
    return raw if pc.sum(pc.binary_length(text)) == pc.sum(pc.binary_length(raw)) else text


def _stripped(values: pd.Series) -> tuple[pa.ChunkedArray, np.ndarray]:
    """Values as stripped Arrow text with blanks and placeholders missing, and where they were."""
    text = trimmed(arrow_text(values))
    blank = _blank_mask(text)
    if blank.sum() > text.null_count:  # blanks other than missing values: make them missing
        text = _as_missing(text, blank)
    return text, blank


def to_string(values: pd.Series) -> pd.Series:
    """IDs and labels as pandas' "str" dtype (leading zeros kept, floats like 12.0 shown as
    12), blanks and placeholders such as "N/A" missing (NaN).

    Examples
    --------
    >>> to_string(pd.Series(["004211", None, " Ann ", "n/a"])).tolist()
    ['004211', nan, 'Ann', nan]
    >>> to_string(pd.Series([12.0, None])).tolist()
    ['12', nan]
    """
    if pd.api.types.is_float_dtype(values):
        whole = values.dropna()
        if len(whole) and (whole == np.floor(whole)).all():
            values = values.astype("Int64")
    return as_series(_stripped(values)[0], values.index)


def to_lower(values: pd.Series) -> pd.Series:
    """Stripped, lower-cased text as pandas' "str" dtype, sharing the input's buffers when it
    is already so (a 10-million-row column of labels is not copied for nothing).

    Examples
    --------
    >>> to_lower(pd.Series([" Call", "email", None])).tolist()
    ['call', 'email', nan]
    """
    text = arrow_text(values)
    distinct = pc.unique(text)  # judge the few labels, not every row
    tidy = pc.utf8_lower(pc.utf8_trim_whitespace(distinct))
    if pc.all(pc.equal(tidy, distinct)).as_py() is False:
        text = pc.utf8_lower(pc.utf8_trim_whitespace(text))
    return as_series(text, values.index)


def factorized(values: pd.Series, unless_mostly_distinct: bool = False
               ) -> tuple[np.ndarray | None, pd.Series]:
    """(codes, each distinct value once), as ``pd.factorize`` numbers them (missing: -1). With
    ``unless_mostly_distinct``, a column whose first 10,000 values are mostly distinct comes
    back whole, with codes None: numbering its values would not pay.

    Examples
    --------
    >>> codes, distinct = factorized(pd.Series(["a", "b", "a", None]))
    >>> codes.tolist(), distinct.tolist()
    ([0, 1, 0, -1], ['a', 'b'])
    """
    head = values.iloc[:10_000]
    if unless_mostly_distinct and head.nunique() * 2 > len(head):
        return None, values
    codes, distinct = pd.factorize(values)
    return codes, pd.Series(distinct)


def spread(per_value: pd.Series, codes: np.ndarray | None, index: pd.Index) -> pd.Series:
    """Results for each distinct value (see :func:`factorized`) back on every row; missing
    where the value was missing. With codes None the results are already per row."""
    if codes is None:
        return per_value
    return pd.Series(pd.api.extensions.take(per_value.array, codes, allow_fill=True),
                     index=index)


def per_distinct(values: pd.Series, func) -> pd.Series:
    """``func`` (series → series of the same length) applied to each distinct value once and
    spread back to every row: fast for columns that repeat a few labels, such as stages.
    Missing values stay missing.

    Examples
    --------
    >>> per_distinct(pd.Series(["a", "b", "a", None]), lambda s: s.str.upper()).tolist()
    ['A', 'B', 'A', nan]
    """
    codes, distinct = factorized(values)
    return spread(func(distinct), codes, values.index)


def any_match(values: pd.Series, pattern: str) -> bool:
    """Does any text value contain a match of ``pattern``? (Arrow's regex engine: ~6x faster
    than the Python fallback pandas takes for anchored patterns.)

    Examples
    --------
    >>> any_match(pd.Series(["1.5", "2,5"]), ","), any_match(pd.Series(["1.5", None]), ",")
    (True, False)
    """
    return some(pc.match_substring_regex(arrow_text(values), pattern))


def some(flags: pa.Array | pa.ChunkedArray) -> bool:
    """Whether any flag is true (missing ones are not)."""
    return bool(pc.any(flags).as_py())


def day_first_as_iso(values: pd.Series) -> pd.Series | None:
    """A day-first column's d/m/y dates as ISO text, or None if the column is not day-first.

    A column is day-first when its d/m/y values are '.'-separated, or some first number is
    above 12 and no second one is: a per-value parser would read "03/02/2024" as March 2 next
    to "13/02/2024" as February 13. Other values are left as they are.

    Examples
    --------
    >>> day_first_as_iso(pd.Series(["13/02/2024", "03/02/2024 10:00", None])).tolist()
    ['2024-02-13', '2024-02-03 10:00', nan]
    >>> day_first_as_iso(pd.Series(["02/13/2024", "03/02/2024"])) is None
    True
    """
    if not pd.api.types.is_string_dtype(values) or not any_match(values, _DAY_FIRST_HINT):
        return None  # dates already (Parquet), or nothing day-first (such as m/d/y) in them
    text = arrow_text(values)
    parts = pc.extract_regex(text, _DMY)
    day, sep, month, sep2, year, rest = (pc.struct_field(parts, [i]) for i in range(6))
    found = pc.fill_null(pc.equal(sep, sep2), False)
    if not some(found):
        return None
    months, days = (pc.cast(part.filter(found), pa.int64()) for part in (month, day))
    day_first = some(pc.greater(days, 12)) or some(pc.equal(sep.filter(found), "."))
    if some(pc.greater(months, 12)) or not day_first:
        return None
    word = {w: pa.scalar(w, text.type) for w in ("", "-", "19", "20")}  # Arrow joins one type
    century = pc.if_else(pc.less(pc.cast(year, pa.int64()), 70), word["20"], word["19"])
    year = pc.if_else(pc.equal(pc.utf8_length(year), 4), year,
                      pc.binary_join_element_wise(century, year, word[""]))
    iso = pc.binary_join_element_wise(year, pc.utf8_lpad(month, 2, "0"),
                                      pc.utf8_lpad(day, 2, "0"), word["-"])
    iso = pc.binary_join_element_wise(iso, pc.fill_null(rest, word[""]), word[""])
    return as_series(pc.if_else(found, iso, text).cast(pa.large_string()), values.index)


def plain_numbers(values: pd.Series) -> tuple[pd.Series, bool, int]:
    """Amounts as plain numbers in text: accounting brackets "(500)" as "-500" and, in a
    decimal-comma column (some value like "1,5" or "1.234,56", none like "1,234.5"), "1.234"
    as "1234". Returns (text, decimal comma?, number of bracketed values).

    Examples
    --------
    >>> text, comma, brackets = plain_numbers(pd.Series(["1.234", "(2,5)", "7"]))
    >>> text.tolist(), comma, brackets
    (['1234', '-2.5', '7'], True, 1)
    """
    if not pd.api.types.is_string_dtype(values) or not any_match(values, "[(,]"):
        return values, False, 0  # numbers already (Parquet), or nothing to rewrite
    text = values.astype("string").str.strip()
    negative = text.str.fullmatch(r"\(\s*[^()]*\d[^()]*\)").fillna(False).astype(bool)
    text = text.where(~negative, "-" + text.str.strip("() "))
    core = text.str.replace(r"[^\d,.\-]", "", regex=True)
    eu = core.str.fullmatch(_EU_NUMBER).fillna(False).astype(bool)
    us = core.str.fullmatch(_US_NUMBER).fillna(False).astype(bool)
    comma = bool(core.str.fullmatch(_DECIMAL_COMMA).fillna(False).any() and not us.any())
    if comma:
        text = text.where(~eu, core.str.replace(".", "", regex=False)
                          .str.replace(",", ".", regex=False))
    return text.astype(TEXT), comma, int(negative.sum())


def to_datetime(values: pd.Series) -> tuple[pd.Series, pd.Series, str | None]:
    """Timestamps as UTC-naive datetime64[us]; returns (parsed, unparseable mask, the column
    rule applied: ``DAY_FIRST`` or None).

    ISO 8601 first, then a day-first column's d/m/y (:func:`day_first_as_iso`), then pandas'
    mixed-format parser for the rest; time zones are converted to UTC and dropped.

    Examples
    --------
    >>> parsed, bad, rule = to_datetime(pd.Series(["2024-03-01", "2024-03-01T12:00:00+02:00", "soon", None]))
    >>> parsed.dt.strftime("%Y-%m-%d %H:%M").tolist(), bad.tolist(), rule
    (['2024-03-01 00:00', '2024-03-01 10:00', nan, nan], [False, False, True, False], None)
    >>> to_datetime(pd.Series(["13/02/2024", "03/02/2024"]))[0].dt.day.tolist()
    [13, 3]
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return (values.dt.tz_convert("UTC").dt.tz_localize(None).astype(DATES),
                pd.Series(False, values.index), None)
    if pd.api.types.is_datetime64_dtype(values):
        return values.astype(DATES), pd.Series(False, index=values.index), None
    stripped, blank = _stripped(values)
    plain = plain_iso(stripped, values.index)
    if plain is not None:
        return plain, pd.Series(False, index=values.index), None
    # A date repeated on many rows is read once; the day-first rule holds for a column as for
    # its distinct values.
    codes, distinct = factorized(as_series(stripped, values.index), unless_mostly_distinct=True)
    iso = day_first_as_iso(distinct)
    parsed = spread(_pandas_dates(distinct if iso is None else iso), codes, values.index)
    return parsed, (parsed.isna() & ~blank).astype(bool), None if iso is None else DAY_FIRST


def _pandas_dates(text: pd.Series) -> pd.Series:
    """ISO 8601 where it parses, else pandas' mixed-format parser; UTC-naive."""
    parsed = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    retry = parsed.isna() & text.notna()
    if retry.any():
        parsed[retry] = pd.to_datetime(text[retry], errors="coerce", utc=True, format="mixed")
    return parsed.dt.tz_localize(None).astype(DATES)


def plain_iso(text: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series | None:
    """Fast path: every value a plain ISO date or time without a zone ("2024-03-01",
    "2024-03-01 08:03:00") or empty → datetime64[us] via Arrow's cast; None when any value
    is something else.

    Examples
    --------
    >>> plain_iso(pa.array(["2024-03-01", None, ""]), pd.RangeIndex(3)).tolist()
    [Timestamp('2024-03-01 00:00:00'), NaT, NaT]
    >>> plain_iso(pa.array(["2024-03-01", "01/03/2024"]), pd.RangeIndex(2)) is None
    True
    """
    empty = pc.equal(pc.binary_length(text), 0)  # blank cells of a CSV file: missing dates
    if pc.any(empty).as_py():
        text = _as_missing(text, empty.fill_null(True).to_numpy(zero_copy_only=False))
    try:
        stamps = pc.cast(text, pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pd.Series(stamps.to_numpy(zero_copy_only=False), index=index, copy=False)


def to_bool(values: pd.Series) -> pd.Series:
    """Flags as bool; blanks and missing values are False.

    Examples
    --------
    >>> to_bool(pd.Series(["Yes", "no", None, 1])).tolist()
    [True, False, False, True]
    """
    if pd.api.types.is_bool_dtype(values) and not values.isna().any():
        return values.astype(bool)
    flags = pc.is_in(trimmed(arrow_text(values)), value_set=_TRUE_SPELLINGS).fill_null(False)
    return pd.Series(flags.to_numpy(zero_copy_only=False), index=values.index, copy=False)


def to_number(values: pd.Series) -> tuple[pd.Series, pd.Series, str | None]:
    """Money and quotas as float64; returns (parsed, non-numeric mask, the column rule
    applied: ``DECIMAL_COMMA`` or None).

    Currency symbols and codes, thousands separators and decimal commas are understood:
    "$12,000.00", "12.000,00 €" and "1 234,5" all parse; "(500)" is -500. In a column that
    uses decimal commas, "1.234" is 1234 (:func:`plain_numbers`).

    Examples
    --------
    >>> parsed, bad, _ = to_number(pd.Series(["$12,000.00", "12.000,00 €", "1 234,5", "(500)", "lots"]))
    >>> parsed.tolist()[:4], bad.tolist()
    ([12000.0, 12000.0, 1234.5, -500.0], [False, False, False, False, True])
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64"), pd.Series(False, index=values.index), None
    stripped, blank = _stripped(values)
    text, comma, _ = plain_numbers(as_series(stripped, values.index))
    parsed = pd.to_numeric(text, errors="coerce").astype("float64")
    retry = parsed.isna() & ~blank
    if retry.any():
        parsed[retry] = _parse_money(text[retry])
    return parsed, (parsed.isna() & ~blank).astype(bool), DECIMAL_COMMA if comma else None


def _parse_money(text: pd.Series) -> pd.Series:
    """Strip currency marks and decide per value whether ',' or '.' is the decimal mark."""
    stripped = (text.str.replace(r"[^\d,.\-]", "", regex=True)
                .str.replace(r"^-?$", "", regex=True))
    last_comma = stripped.str.rfind(",")
    last_dot = stripped.str.rfind(".")
    comma_decimal = (last_comma > last_dot) & (
        (last_dot >= 0) | (stripped.str.len() - last_comma - 1 != 3))
    us = stripped.str.replace(",", "", regex=False)
    eu = stripped.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    number = pd.to_numeric(us.where(~comma_decimal, eu), errors="coerce").astype("float64")
    bracketed = text.str.fullmatch(r"\(.*\d.*\)").fillna(False).astype(bool)  # accounting: (500)
    return number.where(~bracketed, -number.abs())
