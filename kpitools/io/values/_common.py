"""What the parsers share: the result type, text as Arrow bytes, and rows grouped by shape.

A value's *shape* is its text with every digit written as ``9`` and ASCII letters in lower
case ("$1,250.00" → "$9,999.99", "5 Mar 2024" → "9 mar 9999"). An export column holds few
shapes however many distinct values it has, so a parser reads each shape once in Python
(which format, which convention, where the digits are) and then every row of that shape at
once with numpy, straight from the UTF-8 bytes.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str" dtype, what read_csv gives
# Unicode spaces and invisible characters a spreadsheet leaves in a cell, for Python's re.
SPACE = r"[\s\u200b-\u200d\u2060\ufeff]"
_LOWER_DIGITS_AS_9 = np.arange(256, dtype=np.uint8)
_LOWER_DIGITS_AS_9[ord("0"):ord("9") + 1] = ord("9")
_LOWER_DIGITS_AS_9[ord("A"):ord("Z") + 1] += 32


@dataclass(frozen=True)
class Parsed:
    """One column parsed: canonical values, the rows that are present but unusable, the
    column-wide reading rule to report, and what else the parser found."""

    values: pd.Series
    bad: np.ndarray
    rule: str | None = None
    extra: dict = field(default_factory=dict)


def arrow_chunks(values: pd.Series) -> pa.ChunkedArray:
    """A column as Arrow (large) strings in the pieces it is stored in; no copy for pandas'
    "str" dtype (a file read in blocks is not joined).

    Examples
    --------
    >>> arrow_chunks(pd.Series(["a", None, 3], dtype=object)).to_pylist()
    ['a', None, '3']
    """
    if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"):
        values = values.astype(TEXT)
    arrow = pa.array(values.array)
    if not isinstance(arrow, pa.ChunkedArray):
        arrow = pa.chunked_array([arrow])
    return arrow if arrow.type == pa.large_string() else arrow.cast(pa.large_string())


def arrow_text(values: pd.Series) -> pa.Array:
    """A column as one Arrow (large) string array, joined if stored in pieces.

    Examples
    --------
    >>> arrow_text(pd.Series(["a", None, 3], dtype=object)).to_pylist()
    ['a', None, '3']
    """
    arrow = arrow_chunks(values)
    return arrow.chunk(0) if arrow.num_chunks == 1 else arrow.combine_chunks()


def text_series(arrow: pa.Array, index: pd.Index) -> pd.Series:
    """Arrow text as a pandas "str" series, without a copy."""
    return pd.Series(pd.array(arrow, dtype=TEXT), index=index, copy=False)


@dataclass(frozen=True)
class Bytes:
    """The UTF-8 bytes of a large-string array and where each value starts and ends."""

    data: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def of(cls, arrow: pa.Array) -> Bytes:
        _, offsets, data = arrow.buffers()
        bounds = np.frombuffer(offsets, np.int64)[arrow.offset:arrow.offset + len(arrow) + 1]
        raw = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
        return cls(raw, bounds[:-1], bounds[1:])

    def visible_ascii(self) -> bool:
        """Whether every byte of the values is a visible ASCII character (no space, control
        character, accent or other non-ASCII character): one min/max over the bytes, as in
        most ID and name columns.

        Examples
        --------
        >>> Bytes.of(pa.array(["A-1", "b_2"], pa.large_string())).visible_ascii()
        True
        >>> Bytes.of(pa.array(["A 1"], pa.large_string())).visible_ascii()
        False
        """
        used = self.data[self.starts[0]:self.ends[-1]] if len(self.starts) else self.data[:0]
        return not len(used) or bool(used.min() > 0x20 and used.max() < 0x7F)

    def number(self, rows: np.ndarray, positions: list[int] | np.ndarray) -> np.ndarray:
        """The decimal number whose digits are at these byte positions of each of these rows
        (positions counted from each value's start), as int64."""
        starts = self.starts[rows]
        number = np.zeros(len(rows), np.int64)
        for position in positions:  # the ASCII codes; their '0's are taken off at the end
            number *= 10
            number += self.data[starts + position]
        return number - 48 * (10 ** len(positions) - 1) // 9


def shapes(arrow: pa.Array) -> tuple[list[str], np.ndarray]:
    """Each distinct shape once, and each row's shape number (-1 for a missing value).

    Examples
    --------
    >>> shapes(pa.array(["$1,250.00", None, "$7,000.10", "5 Mar"], pa.large_string()))
    (['$9,999.99', '9 mar'], array([ 0, -1,  0,  1]))
    """
    validity, offsets, data = arrow.buffers()
    if data is None:
        data = pa.py_buffer(b"")
    shaped = pa.py_buffer(_LOWER_DIGITS_AS_9[np.frombuffer(data, np.uint8)])
    shaped = pa.Array.from_buffers(pa.large_string(), len(arrow), [validity, offsets, shaped],
                                   offset=arrow.offset).dictionary_encode()
    codes = shaped.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return shaped.dictionary.to_pylist(), codes


def groups(codes: np.ndarray, count: int) -> Iterator[tuple[int, np.ndarray]]:
    """(shape number, its rows) for every shape that has rows."""
    small = np.int16 if count < 2**15 else np.int64  # numpy radix-sorts 16-bit numbers
    order = np.argsort(codes.astype(small), kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(count + 1))
    for code in range(count):
        if bounds[code + 1] > bounds[code]:
            yield code, order[bounds[code]:bounds[code + 1]]


def counted(count: int, noun: str, rest: str = "", *, nouns: str | None = None) -> str | None:
    """"1 date{rest}" or "1,200 dates{rest}"; None for none.

    Examples
    --------
    >>> counted(1, "date", " outside"), counted(1200, "date", " outside"), counted(0, "date")
    ('1 date outside', '1,200 dates outside', None)
    """
    if not count:
        return None
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}{rest}"


def sentence(*parts: str | None) -> str | None:
    """The parts that are there, joined with "; "; None if there are none."""
    return "; ".join(p for p in parts if p) or None


def byte_offset(shape: str, char_index: int) -> int:
    """The byte position of a character of ``shape`` in its UTF-8 form."""
    return len(shape[:char_index].encode("utf-8"))
