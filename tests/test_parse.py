"""Text cleaning on Arrow-backed text agrees with plain Python on any text, however the Arrow
data is cut into chunks and slices (the fast paths read Arrow's buffers directly)."""
import pandas as pd
import pyarrow as pa
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
