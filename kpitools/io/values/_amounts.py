"""Amounts: a number in the column's own convention, or a bad value — nothing in between."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from kpitools.io.values._common import SPACE, Bytes, Parsed, arrow_text, byte_offset, counted, \
    groups, sentence, shapes, text_series

# Shapes (see _common) of the cells that mean "no amount". "NaN", "inf" and "#N/A" are not
# among them: a spreadsheet's or a program's failure is shown, not hidden.
MISSING = ("", "-", "--", "---", "\u2013", "\u2014", "n/a", "n.a.", "null", "(null)", "<null>",
           "none", "(none)", "(blank)")
# Symbols that name one currency, as ISO codes; "$", "¥", "kr" and "fr." name several and are
# reported as written.
SYMBOLS = {"us$": "USD", "r$": "BRL", "c$": "CAD", "ca$": "CAD", "a$": "AUD", "au$": "AUD",
           "nz$": "NZD", "hk$": "HKD", "s$": "SGD", "mx$": "MXN", "\u20ac": "EUR",
           "\u00a3": "GBP", "\u20b9": "INR", "\u20a9": "KRW", "\u20bd": "RUB", "\u20ba": "TRY",
           "\u20aa": "ILS", "\u20ab": "VND", "\u20b1": "PHP", "\u20a6": "NGN", "\u0e3f": "THB",
           "\u20b4": "UAH", "z\u0142": "PLN", "k\u010d": "CZK", "rmb": "CNY", "$": "$",
           "\u00a5": "\u00a5", "kr": "kr", "kr.": "kr", "fr.": "Fr."}
SHARED = {"$": {"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN", "ARS", "CLP", "COP", "UYU",
                "TWD", "BRL"}, "\u00a5": {"JPY", "CNY"}, "kr": {"SEK", "NOK", "DKK", "ISK"},
          "Fr.": {"CHF", "XOF", "XAF", "XPF"}}
# ISO 4217 codes in use.
CODES = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS
VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""".split())
SCALES = {"k": 3, "m": 6, "mm": 6, "mn": 6, "mio": 6, "bn": 9}
MAX_DIGITS = 15  # what a float64 holds exactly; more is never a deal amount
_MINUS = "\u2212\u2013-"  # the minus sign, the en dash, hyphen-minus (last: not a range)
_GROUPING = ",.'\u2019 \u00a0\u202f\u2009"  # what separates thousands somewhere
MAX_LENGTH = 48  # characters; longer cells are not amounts (and are not searched)
_TOKEN = re.compile(
    rf"(?P<space>{SPACE}+)|(?P<number>9+(?:[{_GROUPING}]9+)*|[.,]9+)|(?P<exponent>e[+-]?9{{1,3}})"
    rf"|(?P<sign>[+{_MINUS}])|(?P<open>\()|(?P<close>\))"
    rf"|(?P<word>{'|'.join(sorted(map(re.escape, SYMBOLS), key=len, reverse=True))}"
    r"|[^\W\d_]+\.?)")
# The order of the tokens (one letter each): Sign, Currency, Open and closing (X) bracket,
# Number, Exponent, scale (K). A currency, a sign and brackets each have their places.
_ORDER = re.compile("(?P<s1>S)?(?P<c1>C)?(?P<s2>S)?(?P<o>O)?(?P<c2>C)?(?P<s3>S)?(?P<n>N)(?P<e>E)?"
                    "(?P<k>K)?(?P<c3>C)?(?P<x>X)?(?P<c4>C)?(?P<s4>S)?")
_LETTER = {"sign": "S", "open": "O", "close": "X", "number": "N", "exponent": "E"}
_ACCOUNTING_ZERO = re.compile("C?SC?")
_POW10 = np.array([10.0 ** k for k in range(23)])  # exact


@dataclass(frozen=True)
class _Shape:
    """How the rows of one shape read."""

    kind: str                       # "number", "zero" (Excel's "$ -"), "missing" or "bad"
    digits: tuple = ()              # byte positions of the number's digits
    decimals: dict | None = None    # decimal mark ("." or ",") -> digits after it; absent: invalid
    negative: bool = False
    marked_negative: bool = False   # "(500)" or "500-", worth a note
    scale: int = 0                  # 3 for "k", 6 for "M"...
    exponent: tuple = ()            # byte positions of an "E+06" exponent's digits
    exponent_sign: int = 1
    currency: str | None = None


_BAD = _Shape("bad")


def _currency(*tokens: str | None) -> str | None | _Shape:
    """One currency from the tokens around a number; a code may name which of a symbol's
    currencies it is ("$100 USD"); two different currencies are bad."""
    named = set()
    for token in filter(None, tokens):
        if token in SYMBOLS:
            named.add(SYMBOLS[token])
        elif token.upper() in CODES:
            named.add(token.upper())
        else:
            return _BAD
    if len(named) == 2:
        symbol, code = sorted(named, key=lambda c: c in CODES)
        if code in SHARED.get(symbol, ()):
            return code
    return _BAD if len(named) > 1 else (named.pop() if named else None)


def _decimals(number: str) -> dict:
    """For each decimal mark under which ``number`` (a shape such as "9,999.99") is a
    well-formed number, the count of digits after the mark."""
    runs, seps = re.findall("9+", number), re.findall("[^9]", number)
    readings = {}
    for mark in ".,":
        if seps and seps[-1] == mark:
            whole, whole_seps, fraction = runs[:-1], seps[:-1], len(runs[-1])
        elif number[0] != "9":  # ".5" needs its mark to be the decimal mark
            continue
        else:
            whole, whole_seps, fraction = runs, seps, 0
        if mark in whole_seps or len(set(whole_seps)) > 1:
            continue
        sizes = [len(r) for r in whole]
        grouped = not whole_seps or (
            1 <= sizes[0] <= 3 and all(s == 3 for s in sizes[1:])) or (
            whole_seps[0] == "," and sizes[0] <= 2 and all(s == 2 for s in sizes[1:-1])
            and sizes[-1] == 3)  # Indian lakh grouping: 12,34,567
        if grouped:
            readings[mark] = fraction
    return readings


def _tokens(shape: str) -> list[tuple[str, str, int]] | None:
    """(kind, text, position) of each token but spaces, left to right; None if some part of
    ``shape`` is no token. Words are told apart: a currency (C) or a scale (K)."""
    tokens, position = [], 0
    while position < len(shape):
        match = _TOKEN.match(shape, position)
        if not match:
            return None
        kind, text = match.lastgroup, match.group()
        if kind == "word":
            if text in SYMBOLS or (len(text) == 3 and text.upper() in CODES):
                kind = "C"
            elif text.rstrip(".") in SCALES:
                kind = "K"
            else:
                return None
        if kind != "space":
            tokens.append((_LETTER.get(kind, kind), text, match.start()))
        position = match.end()
    return tokens


def _read_shape(shape: str) -> _Shape:
    """What one shape is, decided once for all its rows."""
    if len(shape) > MAX_LENGTH:
        return _BAD
    if re.sub(f"^{SPACE}+|{SPACE}+$", "", shape) in MISSING:
        return _Shape("missing")
    tokens = _tokens(shape)
    if tokens is None:
        return _BAD
    kinds = "".join(kind for kind, _, _ in tokens)
    if _ACCOUNTING_ZERO.fullmatch(kinds) and "C" in kinds and tokens[kinds.index("S")][1] != "+":
        currency = _currency(*(text for kind, text, _ in tokens if kind == "C"))
        return _BAD if currency is _BAD else _Shape("zero", currency=currency)
    order = _ORDER.fullmatch(kinds)
    if not order:
        return _BAD
    part = {name: tokens[order.start(name)] for name, hit in order.groupdict().items() if hit}
    signs = [part[s][1] for s in ("s1", "s2", "s3", "s4") if s in part]
    brackets = ("o" in part) + ("x" in part)
    currency = _currency(*(part[c][1] for c in ("c1", "c2", "c3", "c4") if c in part))
    if len(signs) > 1 or brackets == 1 or (brackets and signs) or currency is _BAD:
        return _BAD
    _, number, start = part["n"]
    digits = tuple(byte_offset(shape, start + i) for i, c in enumerate(number) if c == "9")
    _, exponent, at = part.get("e", ("", "", 0))
    exponent_digits = tuple(byte_offset(shape, at + i) for i, c in enumerate(exponent)
                            if c == "9")
    if len(digits) > MAX_DIGITS or (exponent and "k" in part):
        return _BAD
    return _Shape("number", digits, _decimals(number),
                  negative=brackets == 2 or bool(signs and signs[0] != "+"),
                  marked_negative=brackets == 2 or "s4" in part,
                  scale=SCALES[part["k"][1].rstrip(".")] if "k" in part else 0,
                  exponent=exponent_digits, exponent_sign=-1 if "-" in exponent else 1,
                  currency=currency)


def _mark(readings: list[_Shape], rows: np.ndarray) -> tuple[str | None, int, int]:
    """The column's decimal mark (None when no value shows it), and the rows that show a
    decimal point and a decimal comma. Where some do, the rows like "1.234" (which read as
    thousands with a decimal comma) count for the comma and those like "1,234" for the
    point: one stray "1.5" does not turn a column of "1.234" into 1.234s."""
    shows, hints = {".": 0, ",": 0}, {".": 0, ",": 0}
    for reading, count in zip(readings, rows):
        if reading.kind != "number":
            continue
        if len(reading.decimals) == 1:
            shows[next(iter(reading.decimals))] += count
        elif len(set(reading.decimals.values())) > 1:
            hints[min(reading.decimals, key=reading.decimals.get)] += count
    if not shows["."] and not shows[","]:
        return None, 0, 0
    weight = {m: (shows[m] + hints[m], shows[m]) for m in ".,"}  # a tie: the ones that show it
    mark = "," if weight[","] > weight["."] else "."
    return mark, shows["."], shows[","]


def amounts(values: pd.Series) -> Parsed:
    """Money as float64: a number, or a currency-formatted number in the column's own
    convention, or a *bad* value — never digits pulled out of text.

    One decimal mark is decided per column, by the values that show it ("1,234.56", "2,5",
    "1.234.567") together with those that read as thousands with one of them ("1.234");
    values written the other way are bad. Thousands may be grouped with
    ",", ".", "'", "’" or spaces (and Indian lakhs, 12,34,567.00). If no value shows the
    mark, "1,234" and "1.234" are both 1234 (an amount with three decimals is not a deal
    amount). Currency symbols and ISO codes before or after, accounting brackets, a trailing
    minus, the Unicode minus and "k", "M", "MM", "Mio", "bn" shorthands (read with a note)
    are understood, as is Excel's accounting zero "$ -". Missing: blank, "-", "N/A", "null".
    Bad: words ("approx. 5000", "TBD"), "Q3 2024", "#DIV/0!", "NaN", "inf", "1.2.3",
    "12-15k", two currencies, more than 15 digits.

    ``extra["currency"]`` holds each row's currency (ISO code, or the symbol as written when
    it names several, such as "$") when any value names one; the rule names mixed ones.

    Examples
    --------
    >>> parsed = amounts(pd.Series(["$1,250.50", "(300)", "−250", "$1.2M", "approx. 5000", ""]))
    >>> parsed.values.tolist()
    [1250.5, -300.0, -250.0, 1200000.0, nan, nan]
    >>> parsed.bad.tolist()
    [False, False, False, False, True, False]
    >>> print(parsed.rule)
    1 amount in brackets or with a trailing minus read as negative; 1 amount with k/M/bn read
    as thousands/millions/billions (e.g. '$1.2M' = 1,200,000)
    >>> amounts(pd.Series(["1.234,50 €", "99,9 €"])).values.tolist()
    [1234.5, 99.9]
    """
    if pd.api.types.is_bool_dtype(values):
        return Parsed(pd.Series(np.nan, index=values.index), values.notna().to_numpy())
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
        bad = (numbers.notna() & ~np.isfinite(numbers)).to_numpy()
        return Parsed(numbers.where(~bad), bad)
    result, values_as_text = _typed_numbers(values)
    arrow = arrow_text(values_as_text)
    raw = Bytes.of(arrow)
    found, codes = shapes(arrow)
    readings = [_read_shape(shape) for shape in found]
    rows = np.bincount(codes[codes >= 0], minlength=len(found))
    mark, dot_rows, comma_rows = _mark(readings, rows)
    bad = np.zeros(len(values), bool)
    counts = {"negative": 0, "scaled": 0, "zero": 0}
    examples = {}
    for code, members in groups(codes, len(found)):
        reading = readings[code]
        if reading.kind == "zero":
            result[members] = 0.0
            counts["zero"] += len(members)
            continue
        decimals = None if reading.kind != "number" else (
            reading.decimals.get(mark) if mark else min(reading.decimals.values(), default=None))
        if decimals is None:
            bad[members] = reading.kind != "missing"
            continue
        number = raw.number(members, reading.digits).astype(np.float64)
        power = reading.scale - decimals + reading.exponent_sign * raw.number(
            members, reading.exponent)
        with np.errstate(over="ignore"):
            scale = np.where(np.abs(power) < len(_POW10), _POW10[np.minimum(np.abs(power), 22)],
                             10.0 ** np.abs(power).astype(np.float64))
            number = np.where(power >= 0, number * scale, number / scale)
        number = -number if reading.negative else number
        result[members] = number + 0.0  # no -0.0
        bad[members] = ~np.isfinite(number)
        for key, hit in (("negative", reading.marked_negative), ("scaled", reading.scale)):
            if hit:
                counts[key] += len(members)
                examples.setdefault(key, int(members[0]))
    result[bad] = np.nan
    extra = {}
    named = [reading.currency for reading in readings]
    if any(named):
        codes[codes < 0] = len(named)  # a missing cell: the None at the end
        currency = pa.array(named + [None], pa.large_string()).take(pa.array(codes))
        extra["currency"] = text_series(currency, values.index)
    examples = {key: (arrow[row].as_py(), result[row]) for key, row in examples.items()}
    rule = _rule(mark, dot_rows, comma_rows, readings, rows, counts, examples, extra)
    return Parsed(pd.Series(result, index=values.index, copy=False), bad, rule, extra)


def _typed_numbers(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(numbers a spreadsheet stored as numbers, NaN elsewhere; the cells to read as text).
    Typed numbers in a column of mixed cells are not read again in the column's convention."""
    numbers = np.full(len(values), np.nan)
    if values.dtype != object or pd.api.types.infer_dtype(values, skipna=True) == "string":
        return numbers, values
    typed = values.map(lambda v: isinstance(v, (int, float, np.number))
                       and not isinstance(v, (bool, np.bool_))).to_numpy(bool)
    numbers[typed] = values[typed].astype("float64")
    return numbers, values.where(~typed)


def _rule(mark, dot_rows, comma_rows, readings, rows, counts, examples, extra) -> str | None:
    ambiguous = sum(n for r, n in zip(readings, rows) if r.kind == "number"
                    and len(set(r.decimals.values())) > 1)
    other = min(dot_rows, comma_rows)
    scaled = None
    if counts["scaled"]:
        text, value = examples["scaled"]
        scaled = counted(counts["scaled"], "amount", " with k/M/bn read as thousands/millions/"
                                                     f"billions (e.g. {text!r} = {value:,.12g})")
    mixed = None
    if "currency" in extra:
        found = extra["currency"].value_counts()
        if len(found) > 1:
            mixed = "mixed currencies: " + ", ".join(f"{c} ({n:,})" for c, n in found.items())
    return sentence(
        "read with a decimal comma (1.234,56)" if mark == "," else None,
        mark is None and counted(ambiguous, "amount", " like '1,234' or '1.234' read as thousands"
                                                      " (no value shows the decimal mark)"),
        counted(other, "amount", " written with a decimal {} against the column's decimal {}: "
                                 "bad".format(*(("point", "comma") if mark == "," else
                                                ("comma", "point")))),
        counted(counts["negative"], "amount", " in brackets or with a trailing minus read as "
                                              "negative"),
        scaled,
        counted(counts["zero"], "amount", " written like '$ -' (Excel's accounting zero) read "
                                          "as 0"),
        mixed)
