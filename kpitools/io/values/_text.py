"""Text, IDs and yes/no flags: one spelling per name, one truth per flag word."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kpitools._groups import dictionary
from kpitools.io.values._common import Bytes, Parsed, arrow_chunks, counted, sentence, \
    text_series

# Cells that mean "nothing here", in any case. "NA" is not one: it is North America in a
# region column, and a rep called "NA" is visible where a lost region would not be.
PLACEHOLDERS = ("", "-", "--", "---", "\u2013", "\u2014", "n/a", "#n/a", "n.a.", "null",
                "(null)", "<null>", "none", "(none)", "nan", "nat", "(blank)", "undefined")
_LONGEST_PLACEHOLDER = max(len(p.encode()) for p in PLACEHOLDERS)
_PLACEHOLDERS = pa.array(PLACEHOLDERS, pa.large_string())
TRUE = ("true", "t", "yes", "y", "1", "1.0", "x", "\u2713", "\u2714", "\u2611", "\u2705", "on",
        "wahr", "ja", "j", "vrai", "oui", "s\u00ed", "si", "verdadero", "verdadeiro", "sim",
        "waar", "vero", "sant", "sand", "tak")
FALSE = ("false", "f", "no", "n", "0", "0.0", "\u2717", "\u2718", "\u2610", "\u274c", "off",
         "falsch", "nein", "faux", "non", "falso", "n\u00e3o", "nao", "nee", "onwaar", "nej",
         "falskt", "falsk", "nie")
_PLAIN_FLAGS = {"true", "false", "yes", "no", "1", "0"}  # read without a note
_FLAG_WORDS = pa.array(TRUE + FALSE, pa.large_string())
SALESFORCE_ID_LENGTH, SALESFORCE_SHORT = 18, 15
_CHECKSUM = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", np.uint8)
_CHECKSUM_VALUE = np.full(256, -1, np.int64)  # a checksum character -> its 5 bits
_CHECKSUM_VALUE[_CHECKSUM] = np.arange(32)


def _tidy(arrow: pa.Array) -> pa.Array:
    """Invisible characters gone, any run of spaces, tabs, line breaks or control characters
    one space, no space at either end, accents in their composed form (NFC)."""
    arrow = pc.replace_substring_regex(arrow, r"\p{Cf}+", "")
    arrow = pc.replace_substring_regex(arrow, r"[\p{Z}\p{Cc}]+", " ")
    return pc.utf8_normalize(pc.utf8_trim(arrow, " "), "NFC")


def _placeholder_starts() -> np.ndarray:
    """Per byte: does some placeholder start with it (in either case)?"""
    starts = np.zeros(256, bool)
    for word in PLACEHOLDERS[1:]:
        for variant in (word, word.upper()):
            starts[variant.encode()[0]] = True
    return starts


_PLACEHOLDER_STARTS = _placeholder_starts()
_FEW = 10_000  # a longer column whose values repeat is cleaned per distinct value


def _rows_to_clean(arrow: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Rows that :func:`_clean` could change, found with Arrow's string kernels: a character
    that is not printable ASCII (accents, Unicode spaces, tabs, line breaks), two spaces in a
    row, a space at either end, or a short value that starts like a placeholder; and apart
    from those, the empty values (missing, with nothing to tidy). A column of plain names or
    IDs has none and is not copied. Worked out block by block: a 10-million-row column's
    temporary arrays would be hundreds of MB of fresh memory."""
    if arrow.num_chunks == 0:
        return np.zeros(0, bool), np.zeros(0, bool)
    odd, empty = zip(*map(_block_rows_to_clean, arrow.chunks))
    return (odd[0], empty[0]) if len(odd) == 1 else (np.concatenate(odd), np.concatenate(empty))


def _block_rows_to_clean(block: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_rows_to_clean` for one block of a column."""
    raw = Bytes.of(block)
    if raw.visible_ascii():
        rows = np.zeros(len(block), bool)
    else:
        rows = pc.invert(pc.ascii_is_printable(block)).fill_null(False).to_numpy(
            zero_copy_only=False)
        if (raw.data[raw.starts[0]:raw.ends[-1]] == 0x20).any():
            spaced = pc.or_(pc.match_substring(block, "  "),
                            pc.or_(pc.starts_with(block, " "), pc.ends_with(block, " ")))
            rows |= spaced.fill_null(False).to_numpy(zero_copy_only=False)
    like = np.flatnonzero(_PLACEHOLDER_STARTS[np.take(raw.data, raw.starts, mode="clip")]
                          if len(raw.data) else np.zeros(0, bool))
    length = raw.ends[like] - raw.starts[like]
    rows[like] |= (length > 0) & (length <= _LONGEST_PLACEHOLDER)
    present = block.is_valid().to_numpy(zero_copy_only=False)
    empty = (raw.starts == raw.ends) & present
    return rows & ~empty & present, empty


def _clean(arrow: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Each value tidied, placeholders missing; which values were tidied, which blanked."""
    tidied = _tidy(arrow)
    blank = pc.fill_null(pc.is_in(pc.utf8_lower(tidied), value_set=_PLACEHOLDERS), False
                         ).to_numpy(zero_copy_only=False)
    changed = pc.fill_null(pc.not_equal(tidied, arrow), False).to_numpy(zero_copy_only=False)
    return (pc.if_else(pa.array(blank), pa.scalar(None, tidied.type), tidied),
            changed & ~blank, blank)


def _repeats(arrow: pa.ChunkedArray) -> bool:
    """Do the column's values repeat (judged on its first 10,000 rows)?"""
    head = arrow.slice(0, 10_000)
    head = head.filter(pc.greater(pc.binary_length(head), 0))  # empty is not a value
    return pc.count_distinct(head).as_py() * 5 < len(head)


def _clean_arrow(values: pd.Series, lower: bool = False) -> tuple[pa.ChunkedArray, int, int]:
    """The column tidied with placeholders missing (and in lower case, with ``lower``), how
    many values were tidied, and how many placeholders were made missing. A column whose
    values repeat is cleaned once per distinct value, and not copied if nothing changes."""
    if pd.api.types.is_float_dtype(values):  # IDs or codes a spreadsheet stored as 12.0
        whole = values.dropna()
        if len(whole) and (whole == np.floor(whole)).all():
            values = values.astype("Int64")
    arrow = arrow_chunks(values)
    if len(arrow) > _FEW and _repeats(arrow):
        distinct = pc.unique(arrow)  # most often all tidy: then no row needs numbering
        tidy, changed, blank = _clean(distinct)
        tidy = pc.utf8_lower(tidy) if lower else tidy
        if tidy.equals(distinct):
            return arrow, 0, 0
        codes = pc.index_in(arrow, value_set=distinct)  # a missing value: the missing one's
        counts = codes.fill_null(-1).to_numpy(zero_copy_only=False)
        rows = np.bincount(counts[counts >= 0], minlength=len(distinct))
        return tidy.take(codes), int(rows[changed].sum()), int(rows[blank].sum())
    odd, empty = _rows_to_clean(arrow)
    tidied, blanked = 0, int(empty.sum())
    if blanked:
        arrow = _empty_as_missing(arrow, empty)
    if odd.any():  # one copy of the column, its odd rows cleaned
        cleaned, changed, blank = _clean(arrow.filter(pa.array(odd)))
        arrow = pc.replace_with_mask(arrow, pa.array(odd), cleaned.combine_chunks())
        tidied, blanked = int(changed.sum()), blanked + int(blank.sum())
    return (pc.utf8_lower(arrow) if lower else arrow), tidied, blanked


def _empty_as_missing(arrow: pa.ChunkedArray, empty: np.ndarray) -> pa.ChunkedArray:
    """The column with its ``empty`` rows missing. An empty value has no bytes, so only the
    blocks' validity changes: the text is not copied (a CSV's empty foreign keys are most of
    a 10-million-row column).

    Examples
    --------
    >>> _empty_as_missing(pa.chunked_array([["a", ""], ["", None]], pa.large_string()),
    ...                   np.array([False, True, True, False])).to_pylist()
    ['a', None, None, None]
    """
    blocks, start = [], 0
    for block in arrow.chunks:
        gone, start = empty[start:start + len(block)], start + len(block)
        if gone.any():
            keep = block.is_valid().to_numpy(zero_copy_only=False) & ~gone
            validity = pa.array(np.concatenate([np.ones(block.offset, bool), keep])).buffers()[1]
            block = pa.Array.from_buffers(block.type, len(block), [validity, *block.buffers()[1:]],
                                          offset=block.offset)
        blocks.append(block)
    return pa.chunked_array(blocks, arrow.type)


def text(values: pd.Series, *, lower: bool = False) -> Parsed:
    """Names and labels written one way: composed accents (NFC), no invisible characters,
    every run of spaces, no-break spaces, tabs or line breaks one space, nothing at either
    end; placeholders such as "N/A", "null" or "-" missing; with ``lower``, in lower case
    too (labels such as an activity's kind). Nothing is bad.

    Examples
    --------
    >>> parsed = text(pd.Series(["Jose\\u0301", "Jos\\u00e9\\u00a0", " N/A ", None]))
    >>> parsed.values.tolist()
    ['José', 'José', nan, nan]
    >>> print(parsed.rule)
    2 values tidied (spaces, invisible characters, accents); 1 placeholder such as N/A read
    as missing
    >>> text(pd.Series([" Call", "EMAIL"]), lower=True).values.tolist()
    ['call', 'email']
    """
    arrow, tidied, blanked = _clean_arrow(values, lower)
    rule = sentence(counted(tidied, "value", " tidied (spaces, invisible characters, accents)"),
                    counted(blanked, "placeholder", " such as N/A read as missing"))
    return Parsed(text_series(arrow, values.index), np.zeros(len(values), bool), rule)


def ids(values: pd.Series, *, salesforce: bool = False) -> Parsed:
    """Record IDs as text (see :func:`text`; "004211" keeps its zeros, 12.0 is "12").

    With ``salesforce``, an 18-character ID is cut to its 15-character form when its last
    three characters are the checksum of the letter case of the first 15, so both forms of
    one record are one ID. If the case was lost on the way (the ID was lower- or
    upper-cased), the checksum gives it back. Other 18-character values stay as they are
    and are marked in ``extra["bad_checksum"]``.

    Examples
    --------
    >>> parsed = ids(pd.Series(["0065g00000AbCd1AAF", "0065G00000ABCD1AAF", "0065g00000AbCd1"]),
    ...              salesforce=True)
    >>> parsed.values.tolist()
    ['0065g00000AbCd1', '0065g00000AbCd1', '0065g00000AbCd1']
    >>> print(parsed.rule)
    2 IDs of 18 characters cut to Salesforce's 15; 1 ID with its letter case lost, restored
    from the checksum
    """
    arrow, _, _ = _clean_arrow(values)
    extra, rule = {}, None
    if salesforce:
        arrow, cut, restored, bad = _short_salesforce_ids(arrow)
        extra["bad_checksum"] = bad
        rule = sentence(
            counted(cut, "ID", " of 18 characters cut to Salesforce's 15"),
            counted(restored, "ID", " with its letter case lost, restored from the checksum",
                    nouns="IDs with their letter case lost, restored from the checksum"),
            counted(int(bad.sum()), "value", " of 18 characters without a Salesforce checksum "
                                             "kept whole"))
    return Parsed(text_series(arrow, values.index), np.zeros(len(values), bool), rule, extra)


def _short_salesforce_ids(arrow: pa.ChunkedArray) -> tuple[pa.Array, int, int, np.ndarray]:
    """(IDs with valid 18-character forms cut to 15, how many were cut, how many of those had
    their case restored, which 18-character values have no valid checksum)."""
    bad = np.zeros(len(arrow), bool)
    long = pc.and_(pc.equal(pc.binary_length(arrow), SALESFORCE_ID_LENGTH),
                   pc.ascii_is_alnum(arrow)).fill_null(False).to_numpy(zero_copy_only=False)
    if not long.any():
        return arrow, 0, 0, bad
    rows = np.flatnonzero(long)
    picked = Bytes.of(arrow.filter(pa.array(long)).combine_chunks())  # 18 bytes each, in a row
    chars = picked.data[picked.starts[0]:picked.ends[-1]].reshape(-1, SALESFORCE_ID_LENGTH)
    upper = (chars[:, :15] >= ord("A")) & (chars[:, :15] <= ord("Z"))
    # The checksum: each 5 characters give a character of the alphabet, 1 bit per upper case.
    checksum = _CHECKSUM[np.packbits(upper.reshape(-1, 3, 5), axis=2, bitorder="little")[..., 0]]
    exact = (checksum == chars[:, 15:]).all(1)
    head, restorable = chars[:, :15].copy(), np.zeros(len(rows), bool)
    odd = np.flatnonzero(~exact)
    restorable[odd], head[odd] = _case_restored(chars[odd])
    keep = exact | restorable
    bad[rows[~keep]] = True
    short = np.ascontiguousarray(head[keep])
    offsets = np.arange(0, SALESFORCE_SHORT * len(short) + 1, SALESFORCE_SHORT, dtype=np.int64)
    cut = pa.Array.from_buffers(pa.large_string(), len(short),
                                [None, pa.py_buffer(offsets), pa.py_buffer(short)])
    mask = np.zeros(len(arrow), bool)
    mask[rows[keep]] = True
    return (pc.replace_with_mask(arrow, pa.array(mask), cut), int(keep.sum()),
            int(restorable.sum()), bad)


def _case_restored(chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For 18-character IDs (one row of bytes each) whose suffix disagrees with their head:
    which lost their letter case on the way, and their heads in the case the suffix asks for.
    Only a head whose letters are all of one case can have lost it (a spreadsheet's or a
    database's upper-casing); a mixed-case head that disagrees with its checksum has not."""
    head = chars[:, :15].copy()
    upper = (head >= ord("A")) & (head <= ord("Z"))
    lower = (head >= ord("a")) & (head <= ord("z"))
    restorable = ~(upper.any(1) & lower.any(1))
    one_case = np.flatnonzero(restorable)
    suffix, head_of, letters = chars[one_case, 15:], head[one_case], (upper | lower)[one_case]
    # The case the suffix asks for: each of its characters is 5 bits, one per letter.
    asked = _CHECKSUM_VALUE[np.where((suffix >= ord("a")) & (suffix <= ord("z")), suffix - 32,
                                     suffix)]
    wants_upper = ((asked[:, :, None] >> np.arange(5)) & 1).astype(bool).reshape(-1, 15)
    restorable[one_case] = (asked >= 0).all(1) & ~(wants_upper & ~letters).any(1)
    recased = np.where(letters & wants_upper, head_of & 0xDF,
                       np.where(letters, head_of | 0x20, head_of))
    head[one_case] = np.where(restorable[one_case, None], recased, head_of)
    return restorable, head


def flags(values: pd.Series) -> Parsed:
    """Yes/no flags as pandas' nullable "boolean": true/false, yes/no, y/n, 1/0, x, ✓/✗ and
    the words of German, French, Spanish, Portuguese, Dutch, Italian and the Nordic
    languages, in any case; blank and placeholders missing. Anything else is *bad*, never
    False.

    Examples
    --------
    >>> parsed = flags(pd.Series(["WAHR", " nein", "✓", "", "maybe"]))
    >>> parsed.values.tolist(), parsed.bad.tolist()
    ([True, False, True, <NA>, <NA>], [False, False, False, False, True])
    >>> parsed.rule
    "flag words read as: 'WAHR' = true, 'nein' = false, '✓' = true"
    """
    if pd.api.types.is_bool_dtype(values):
        return Parsed(values.astype("boolean"), np.zeros(len(values), bool))
    if pd.api.types.is_numeric_dtype(values):
        bad = (values.notna() & ~values.isin([0, 1])).to_numpy()
        return Parsed(values.where(~bad).astype("boolean"), bad)
    words, indices = dictionary(arrow_chunks(values))  # a flag column has few distinct words
    words, _, _ = _clean(words)
    position = pc.fill_null(pc.index_in(pc.utf8_lower(words), value_set=_FLAG_WORDS), -1
                           ).to_numpy(zero_copy_only=False).astype(np.int64)
    meaning = np.where(position < 0, -1, (position < len(TRUE)).astype(np.int64))
    meaning[~words.is_valid().to_numpy(zero_copy_only=False)] = -2  # blank: missing
    codes = indices.fill_null(-1).to_numpy(zero_copy_only=False)
    per_row = np.append(meaning, -2).astype(np.int8)[codes]  # code -1 (a missing cell): -2
    result = pd.arrays.BooleanArray(per_row == 1, per_row < 0)
    unusual = sorted(f"{word!r} = {'true' if m == 1 else 'false'}"
                     for word, m in zip(words.to_pylist(), meaning)
                     if m >= 0 and word.lower() not in _PLAIN_FLAGS)
    rule = f"flag words read as: {', '.join(unusual)}" if unusual else None
    return Parsed(pd.Series(result, index=values.index, copy=False), per_row == -1, rule)
