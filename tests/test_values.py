"""The value parsers (kpitools.io.values): each raw export value parsed once, correctly, or
refused as bad — one test per rule, and property tests against plain-Python references."""
import codecs
import datetime as dt
import unicodedata
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.io.values import PLACEHOLDERS, amounts, dates, decode, flags, ids, \
    plausible_window, text
from kpitools.io.values._text import _FEW, _clean

PROPERTY = settings(max_examples=100, deadline=None, derandomize=True, database=None)
WINDOW = (pd.Timestamp("1990-01-01"), pd.Timestamp("2035-01-01"))


def values(parsed):
    return [None if pd.isna(v) else v for v in parsed.values]


def one_date(*texts, **options):
    parsed, rule = dates({"x": pd.Series(texts, dtype=object)}, window=WINDOW, **options)
    return parsed["x"], rule


# --- amounts -------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, number", [
    ("$1.2M", 1_200_000), ("5k", 5_000), ("5 K", 5_000), ("2,5 Mio. €", 2_500_000),
    ("\u2212250", -250), ("250-", -250), ("(1,200.00)", -1200), ("$(5)", -5), ("-$5", -5),
    ("+5", 5), ("1.5E+06", 1_500_000), ("12,34,567.00", 1_234_567), (".5", 0.5),
    ("  42 ", 42), ("$ -", 0), ("USD 1,000", 1000), ("1,000 USD", 1000),
])
def test_amounts_read_the_number_a_person_wrote(raw, number):
    parsed = amounts(pd.Series([raw]))
    assert values(parsed) == [number] and not parsed.bad.any()


@pytest.mark.parametrize("raw", ["approx. 5000", "Q3 2024", "#DIV/0!", "#N/A", "inf", "-inf",
                                 "NaN", "1.2.3", "12-15k", "TBD", "5 %", "(5", "5)", "(-5)",
                                 "--5", "$100 EUR", "5 XYZ", "1e999", "1234567890123456",
                                 "5.", "1,2,3", "ten thousand"])
def test_amounts_that_are_not_numbers_are_bad_never_digits_pulled_out(raw):
    parsed = amounts(pd.Series([raw, "100"]))
    assert parsed.bad.tolist() == [True, False]
    assert values(parsed) == [None, 100]


@pytest.mark.parametrize("raw", ["", "  ", "-", "N/A", "null", "None", None])
def test_blank_amounts_are_missing_not_bad(raw):
    parsed = amounts(pd.Series([raw, "1"], dtype=object))
    assert values(parsed) == [None, 1] and not parsed.bad.any()


@pytest.mark.parametrize("column, expected, rule", [
    (["1,234.56", "99.5"], [1234.56, 99.5], None),
    (["1.234,56", "99,5"], [1234.56, 99.5], "decimal comma"),
    (["1'234.56", "1\u2019000"], [1234.56, 1000], None),
    (["1 234,56", "1\u00a0000,5", "1\u202f000"], [1234.56, 1000.5, 1000], "decimal comma"),
    (["1.234.567", "12"], [1234567, 12], "decimal comma"),
])
def test_one_convention_per_column(column, expected, rule):
    parsed = amounts(pd.Series(column))
    assert values(parsed) == expected
    assert (rule is None and parsed.rule is None) or rule in parsed.rule


def test_a_value_in_the_other_convention_is_bad_and_counted():
    parsed = amounts(pd.Series(["1.234,56", "99,5", "7,25", "1,234.56"]))
    assert values(parsed) == [1234.56, 99.5, 7.25, None]
    assert parsed.bad.tolist() == [False, False, False, True]
    assert "1 amount written with a decimal point" in parsed.rule


@pytest.mark.parametrize("column, expected", [
    (["1.234", "5.000", "12.500", "1.5"], [1234, 5000, 12500, None]),
    (["1,234", "5,000", "12,500", "1,5"], [1234, 5000, 12500, None]),
])
def test_one_stray_value_does_not_turn_a_columns_thousands_into_decimals(column, expected):
    parsed = amounts(pd.Series(column))
    assert values(parsed) == expected and parsed.bad.tolist() == [False] * 3 + [True]


def test_without_a_decimal_mark_three_digits_after_a_separator_are_thousands():
    parsed = amounts(pd.Series(["1,234", "5.000", "12"]))
    assert values(parsed) == [1234, 5000, 12]
    assert "(no value shows the decimal mark)" in parsed.rule
    assert values(amounts(pd.Series(["1.234", "0.5", "2.25"]))) == [1.234, 0.5, 2.25]


def test_currencies_are_reported_per_row_and_mixed_ones_named():
    parsed = amounts(pd.Series(["€ 1.234,56", "12,5 EUR", "£3", "R$ 10", "7", "$5 USD"]))
    assert parsed.extra["currency"].tolist() == ["EUR", "EUR", "GBP", "BRL", np.nan, "USD"]
    assert "mixed currencies: EUR (2), GBP (1), BRL (1), USD (1)" in parsed.rule


def test_notes_for_shorthands_brackets_and_accounting_zeros():
    parsed = amounts(pd.Series(["$1.2M", "(300)", "$ -"]))
    assert "'$1.2M' = 1,200,000" in parsed.rule
    assert "1 amount in brackets or with a trailing minus read as negative" in parsed.rule
    assert "accounting zero" in parsed.rule


def test_typed_amounts():
    parsed = amounts(pd.Series([1.5, np.inf, np.nan, -np.inf]))
    assert values(parsed) == [1.5, None, None, None]
    assert parsed.bad.tolist() == [False, True, False, True]
    assert values(amounts(pd.Series([3, 4]))) == [3.0, 4.0]
    assert amounts(pd.Series([True, False])).bad.all()


def test_spreadsheet_numbers_are_not_read_again_in_the_columns_convention():
    parsed = amounts(pd.Series([1234.5, "1.234,50", "7,5", None], dtype=object))
    assert values(parsed) == [1234.5, 1234.5, 7.5, None]


def test_long_or_pathological_cells_are_bad_quickly():
    cells = pd.Series([" " * 5000 + "x", "9 " * 3000, "(" * 1000, "$" + " " * 40 + "5x",
                       "1" + " " * 30 + "x"])
    assert amounts(cells).bad.all()
    assert one_date(*cells)[0].bad.all()


# --- dates ---------------------------------------------------------------------------------
def test_day_first_is_decided_once_for_the_whole_export():
    parsed, rule = dates({"created": pd.Series(["03/02/2024", "04/02/2024"]),
                          "closed": pd.Series(["13/02/2024", "05/03/2024"])}, window=WINDOW)
    assert parsed["created"].values.tolist() == [pd.Timestamp("2024-02-03"),
                                                 pd.Timestamp("2024-02-04")]
    assert parsed["closed"].values.tolist() == [pd.Timestamp("2024-02-13"),
                                                pd.Timestamp("2024-03-05")]
    assert rule == "dates read as day/month/year ('13/02/2024' can only be read so)"
    assert parsed["created"].extra["day_first"] is True


def test_dates_that_contradict_the_majority_are_bad_and_named():
    parsed, rule = one_date("13/02/2024", "14/02/2024", "02/15/2024")
    assert parsed.bad.tolist() == [False, False, True]
    assert "1 date such as '02/15/2024' cannot be read so: bad" in rule


@pytest.mark.parametrize("texts, day_first, assumed", [
    (["03/02/2024", "04/02/2024"], False, "month/day/year"),
    (["03.02.2024", "04.02.2024"], True, "day/month/year"),
])
def test_an_ambiguous_export_says_what_it_assumed(texts, day_first, assumed):
    parsed, rule = one_date(*texts)
    assert parsed.extra["day_first"] is day_first
    assert rule.startswith(f"dates read as {assumed} (assumed")


def test_day_first_can_be_forced():
    parsed, rule = one_date("03/02/2024", "02/13/2024", day_first=True)
    assert values(parsed) == [pd.Timestamp("2024-02-03"), None]
    assert "as asked" in rule and parsed.bad.tolist() == [False, True]


@pytest.mark.parametrize("raw, stamp", [
    ("2024-03-05", "2024-03-05"), ("2024-03-05T10:00:00Z", "2024-03-05 10:00"),
    ("2024-03-05 10:00:00+02:00", "2024-03-05 08:00"),
    ("2024-03-05T10:00-0130", "2024-03-05 11:30"),
    ("2024-03-05T10:00:00.123456789", "2024-03-05 10:00:00.123456"), ("20240305", "2024-03-05"),
    ("2024/03/05", "2024-03-05"), ("5 Mar 2024", "2024-03-05"), ("March 5, 2024", "2024-03-05"),
    ("Tuesday, March 5th, 2024", "2024-03-05"), ("5. März 2024", "2024-03-05"),
    ("5 janv. 2024", "2024-01-05"), ("5 de marzo de 2024", "2024-03-05"),
    ("05-Mar-24", "2024-03-05"), ("Tue, 05 Mar 2024 10:00:00 GMT", "2024-03-05 10:00"),
    ("3/5/2024 2:30 PM", "2024-03-05 14:30"), ("3/5/2024, 12:10 a.m.", "2024-03-05 00:10"),
    ("03/05/99", "1999-03-05"), ("March 2024", "2024-03-01"), ("2024-03", "2024-03-01"),
    ("  2024-03-05\u00a0", "2024-03-05"),
])
def test_date_formats(raw, stamp):
    parsed, _ = one_date(raw)
    assert values(parsed) == [pd.Timestamp(stamp)] and not parsed.bad.any()
    assert parsed.values.dtype == "datetime64[us]"


@pytest.mark.parametrize("raw", ["2024-02-30", "2023-02-29", "31/31/2024", "2024-13-01",
                                 "yesterday", "Q3 2024", "12:30", "5 Foo 2024",
                                 "Foo, 5 Mar 2024", "45352", "3/5/2024 13:00 PM",
                                 "2024-03-05 24:00", "#N/A"])
def test_dates_that_are_not_dates_are_bad(raw):
    parsed, _ = one_date(raw, "2024-01-01")
    assert parsed.bad.tolist() == [True, False] and values(parsed)[0] is None


@pytest.mark.parametrize("raw", ["9999-12-31", "2099-01-01", "1900-01-01", "0001-01-01",
                                 "01/01/1970"])
def test_implausible_dates_are_bad_and_marked(raw):
    parsed, _ = one_date(raw, "2024-01-01")
    assert parsed.bad.tolist() == [True, False]
    assert parsed.extra["implausible"].tolist() == [True, False]
    assert "1 date outside 1990-01-01 to 2035-01-01" in parsed.rule


def test_the_window_holds_its_first_and_its_whole_last_day():
    parsed, _ = one_date("1990-01-01 00:00", "2035-01-01 23:59", "1989-12-31 23:59",
                         "2035-01-02 00:00")
    assert parsed.extra["implausible"].tolist() == [False, False, True, True]


def test_the_default_window_runs_from_1990_to_five_years_from_today():
    assert plausible_window(pd.Timestamp("2024-06-30")) == (pd.Timestamp("1990-01-01"),
                                                           pd.Timestamp("2029-06-30"))
    parsed, _ = dates({"x": pd.Series([f"{pd.Timestamp.now().year + 6}-01-01"])})
    assert parsed["x"].extra["implausible"].all()


@pytest.mark.parametrize("raw", ["", " ", "N/A", "-", "NaT", "0000-00-00", "0000-00-00 00:00:00",
                                 None])
def test_blank_dates_are_missing_not_bad(raw):
    parsed, _ = one_date(raw, "05/03/2024")
    assert values(parsed)[0] is None and not parsed.bad.any()


def test_numbers_are_dates_only_in_typed_columns():
    serial, _ = dates({"x": pd.Series([45356.5, np.nan])}, window=WINDOW)
    assert values(serial["x"]) == [pd.Timestamp("2024-03-05 12:00"), None]
    assert "Excel serial" in serial["x"].rule
    epoch, _ = dates({"x": pd.Series([1709633400000])}, window=WINDOW)
    assert values(epoch["x"]) == [pd.Timestamp("2024-03-05 10:10")]
    cells, _ = dates({"x": pd.Series([dt.datetime(2024, 3, 5), 45356, "06/03/2024"],
                                     dtype=object)}, window=WINDOW)
    assert values(cells["x"]) == [pd.Timestamp("2024-03-05"), pd.Timestamp("2024-03-05"),
                                  pd.Timestamp("2024-06-03")]


def test_typed_and_zoned_dates():
    zoned = pd.Series(pd.to_datetime(["2024-03-05 10:00"]).tz_localize("Europe/Berlin"))
    parsed, rule = dates({"x": zoned, "y": pd.Series(pd.to_datetime(["2024-03-05"]))},
                         window=WINDOW)
    assert values(parsed["x"]) == [pd.Timestamp("2024-03-05 09:00")] and rule is None
    assert parsed["x"].values.dtype == parsed["y"].values.dtype == "datetime64[us]"
    assert parsed["y"].extra["date_only"] and not parsed["x"].extra["date_only"]


def test_date_only_columns_are_told_apart_from_timestamps():
    assert one_date("2024-03-05", "05/03/2024")[0].extra["date_only"]
    assert not one_date("2024-03-05", "05/03/2024 10:00")[0].extra["date_only"]
    assert one_date("2024-03-05", "2024-03-06")[0].extra["date_only"]
    assert not one_date("2024-03-05 00:00:00")[0].extra["date_only"]


@pytest.mark.parametrize("last", ["2024-03-05", "2024-03-05 10:00"])
def test_one_time_of_day_anywhere_makes_a_column_timestamps(last):
    """Long columns are looked at in slices, and text in the blocks it was read in."""
    days = ["2024-03-04"] * 200_000 + [last]
    typed = pd.Series(pd.to_datetime(days, format="ISO8601")).where(np.arange(len(days)) % 7 > 0)
    text = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(
        [pa.array(days[:100_000], pa.large_string()), pa.array(days[100_000:],
                                                                pa.large_string())])))
    parsed, _ = dates({"typed": typed, "text": text}, window=WINDOW)
    assert parsed["typed"].extra["date_only"] == parsed["text"].extra["date_only"] == (
        last == "2024-03-05")


def test_the_fast_iso_path_and_the_general_path_agree():
    clean = [f"2024-03-{d:02d} {h:02d}:15:00" for d in range(1, 29) for h in (0, 9, 23)]
    fast, _ = one_date(*clean)
    general, _ = one_date(*clean, "5 Mar 2024")
    assert values(general)[:-1] == values(fast)


# --- flags ---------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, truth", [
    ("TRUE", True), (" false ", False), ("Yes", True), ("n", False), ("1", True), ("0", False),
    ("x", True), ("X", True), ("\u2713", True), ("\u2714", True), ("\u2717", False),
    ("\u2718", False), ("WAHR", True), ("FALSCH", False), ("ja", True), ("Nein", False),
    ("VRAI", True), ("faux", False), ("oui", True), ("non", False), ("sí", True), ("Si", True),
    ("no", False), ("verdadeiro", True), ("falso", False), ("sim", True), ("não", False),
    ("Nao", False), ("nee", False), ("waar", True), ("onwaar", False), ("1.0", True),
    ("\u00a0yes\t", True),
])
def test_flag_words(raw, truth):
    parsed = flags(pd.Series([raw]))
    assert parsed.values.tolist() == [truth] and not parsed.bad.any()


def test_flags_blank_is_missing_and_anything_else_is_bad_never_false():
    parsed = flags(pd.Series(["", None, "N/A", "maybe", "2", "nope", "yes"], dtype=object))
    assert parsed.values.isna().tolist() == [True] * 6 + [False]
    assert parsed.bad.tolist() == [False, False, False, True, True, True, False]
    assert parsed.values.dtype == "boolean"


def test_typed_flags():
    assert flags(pd.Series([1, 0, 2])).bad.tolist() == [False, False, True]
    assert flags(pd.Series([1.0, np.nan])).values.tolist() == [True, pd.NA]
    assert flags(pd.Series([True, False])).values.tolist() == [True, False]


def test_flag_words_beyond_true_and_false_are_reported():
    assert flags(pd.Series(["ja", "nein", "true"])).rule == (
        "flag words read as: 'ja' = true, 'nein' = false")
    assert flags(pd.Series(["True", "false", "1"])).rule is None


# --- text and IDs --------------------------------------------------------------------------
def test_look_alike_names_are_one_name():
    variants = ["José Díaz", "Jose\u0301 Di\u0301az", "José\u00a0Díaz", "José\u202fDíaz",
                "José  Díaz ", "\ufeffJosé Díaz", "Jo\u200bsé Díaz", "José\tDíaz\r\n"]
    parsed = text(pd.Series(variants))
    assert set(parsed.values) == {"José Díaz"}
    assert "7 values tidied" in parsed.rule and not parsed.bad.any()


@pytest.mark.parametrize("raw", ["", " ", "-", "—", "N/A", "n/a", "#N/A", "null", "NULL", "None",
                                 "nan", "(blank)", "undefined"])
def test_placeholders_are_missing(raw):
    assert values(text(pd.Series([raw, "Ann"]))) == [None, "Ann"]


def test_na_is_north_america_not_a_placeholder():
    assert values(text(pd.Series(["NA", "EMEA"]))) == ["NA", "EMEA"]


TEXT_PIECES = [" ", "  ", "\t", "\n", "\x7f", "\u00a0", "\u200b", "e\u0301", "\u00e9", "\u00c9",
               "-", "N/A", "null", "Ann", "Z", "7", ""]
EVERY_PAIR = [a + b for a in TEXT_PIECES for b in TEXT_PIECES] + [
    f"Ann{a}Ann" for a in TEXT_PIECES]


@pytest.mark.parametrize("skip", [0, 3])
@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("long_column", [False, True])
def test_text_gives_what_cleaning_every_value_gives(long_column, lower, skip):
    # The shortcuts (only the rows whose bytes could change; empty ones made missing in the
    # blocks' validity; per distinct value in a long column that repeats) against the plain
    # way: every value through the cleaner. The blocks as read, and sliced.
    column = EVERY_PAIR * (_FEW // len(EVERY_PAIR) + 1) if long_column else EVERY_PAIR
    every, tidied, blanked = _clean(pa.array(column[skip:], pa.large_string()))
    parsed = text(chunked(column, len(column) // 2, skip), lower=lower)
    assert values(parsed) == [v.lower() if lower and v else v for v in every.to_pylist()]
    said = [part.split(" ")[:2] for part in parsed.rule.split("; ")] if parsed.rule else []
    assert said == [[f"{n:,}", noun + "s" * (n > 1)]
                    for n, noun in ((int(tidied.sum()), "value"), (int(blanked.sum()),
                                                                   "placeholder")) if n]


@pytest.mark.parametrize("skip", [0, 1, 5])
def test_empty_values_become_missing_in_blocks_read_and_sliced(skip):
    column = ["a1", "", None, "b2", "", "", "c3", "d4", ""] * 3
    assert values(ids(chunked(column, 10, skip))) == [v or None for v in column[skip:]]


@pytest.mark.parametrize("rows", [4, _FEW + 2])
def test_tidy_labels_are_still_lower_cased(rows):
    labels = pd.Series(["Call", "email"] * (rows // 2))
    assert set(text(labels, lower=True).values) == {"call", "email"}
    assert text(labels).values.equals(labels.astype("str"))


def test_ids_keep_their_zeros_and_whole_floats_lose_the_point():
    assert values(ids(pd.Series(["004211", " 7 "]))) == ["004211", "7"]
    assert values(ids(pd.Series([12.0, np.nan]))) == ["12", None]


def salesforce_checksum(short):
    """The plain definition: each 5 characters give 5 bits, 1 where a letter is upper case."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    return "".join(alphabet[sum(1 << i for i, c in enumerate(short[k:k + 5]) if c.isupper())]
                   for k in (0, 5, 10))


def test_salesforce_ids_are_cut_only_with_a_valid_checksum():
    short = "0015g00000AbCdE"
    long = short + salesforce_checksum(short)
    parsed = ids(pd.Series([long, short, long.lower(), short + "ZZZ", "AbCdEfGhIjKlMnOpQr1"]),
                 salesforce=True)
    assert values(parsed) == [short, short, short, short + "ZZZ", "AbCdEfGhIjKlMnOpQr1"]
    assert parsed.extra["bad_checksum"].tolist() == [False, False, False, True, False]
    assert "1 ID with its letter case lost, restored" in parsed.rule
    assert values(ids(pd.Series([long]))) == [long]  # only when asked


def test_a_mixed_case_salesforce_id_with_a_wrong_checksum_is_kept_and_marked():
    short = "0015g00000AbCdE"
    other = "0015g00000aBCdE"  # another record's ID: same letters, another case
    parsed = ids(pd.Series([other + salesforce_checksum(short), short]), salesforce=True)
    assert values(parsed) == [other + salesforce_checksum(short), short]
    assert parsed.extra["bad_checksum"].tolist() == [True, False]


# --- decode --------------------------------------------------------------------------------
TEXT = "rep,amount\nZoë,1\nRenée,2\n"


@pytest.mark.parametrize("data, note", [
    (TEXT.encode(), None), (codecs.BOM_UTF8 + TEXT.encode(), None),
    (TEXT.encode("utf-16"), "read as UTF-16."), (TEXT.encode("utf-16-le"), "UTF-16-LE"),
    (TEXT.encode("utf-16-be"), "UTF-16-BE"), (TEXT.encode("utf-32"), "read as UTF-32."),
    (TEXT.encode("cp1252"), "not UTF-8: read as Windows-1252."),
])
def test_decode_encodings(data, note):
    decoded, notes = decode(data)
    assert decoded == TEXT
    assert notes == [] if note is None else note in notes[0]


def test_a_stray_windows_byte_does_not_redecode_a_utf8_file():
    data = TEXT.encode() + "Noël,3\n".encode("cp1252") + "Zoë,4\n".encode()
    decoded, notes = decode(data)
    assert decoded == TEXT + "Noël,3\nZoë,4\n"
    assert notes == ["1 byte not in UTF-8 (the first on line 4) read as Windows-1252."]
    assert decode(b"\x81\x9d\xe9")[0] == "\x81\x9dé"  # bytes Windows-1252 leaves undefined


def test_stray_bytes_are_counted_after_a_plain_ascii_start():
    data = b"rep\nAnn\n" + "Noël\n".encode("cp1252") + "Zoë\n".encode() + b"\xe9\xe9\n"
    decoded, notes = decode(data)
    assert decoded == "rep\nAnn\nNoël\nZoë\néé\n"
    assert notes == ["3 bytes not in UTF-8 (the first on line 3) read as Windows-1252."]


# --- properties against plain references ---------------------------------------------------
CONVENTIONS = {"us": (",", "."), "eu": (".", ","), "swiss": ("'", "."), "space": ("\u202f", ","),
               "plain": ("", ".")}
MINUS = ["-", "\u2212"]


def format_amount(number: Decimal, convention, decimals, sign, currency, before):
    group, mark = CONVENTIONS[convention]
    whole, _, fraction = f"{abs(number):.{decimals}f}".partition(".")
    chunks = []
    while whole:
        chunks.insert(0, whole[-3:])
        whole = whole[:-3]
    text_ = group.join(chunks) + (mark + fraction if decimals else "")
    if currency:
        text_ = f"{currency} {text_}" if before else f"{text_} {currency}"
    if number < 0:
        text_ = {"minus": f"-{text_}", "unicode": f"\u2212{text_}", "brackets": f"({text_})",
                 "trailing": f"{text_}-"}[sign]
    return text_


@PROPERTY
@given(st.lists(st.tuples(st.integers(-10**11, 10**11), st.integers(0, 2)), min_size=1,
                max_size=6),
       st.sampled_from(list(CONVENTIONS)), st.sampled_from(["minus", "unicode", "brackets",
                                                            "trailing"]),
       st.sampled_from([None, "$", "€", "EUR", "chf"]), st.booleans())
def test_amounts_parse_back_to_the_written_decimal(numbers, convention, sign, currency, before):
    written = [Decimal(units).scaleb(-decimals) for units, decimals in numbers]
    texts = [format_amount(d, convention, decimals, sign, currency, before)
             for d, (_, decimals) in zip(written, numbers)]
    texts.append(format_amount(Decimal("0.50"), convention, 2, sign, currency, before))
    parsed = amounts(pd.Series(texts))
    assert not parsed.bad.any(), texts
    assert values(parsed)[:-1] == [float(d) for d in written], texts


@PROPERTY
@given(st.integers(1, 999), st.integers(0, 2), st.sampled_from(["k", "K", "M", "MM", "mio"]))
def test_shorthands_scale_exactly(units, decimals, suffix):
    number = Decimal(units).scaleb(-decimals)
    scale = 3 if suffix.lower() == "k" else 6
    parsed = amounts(pd.Series([f"${number}{suffix}", "0.5"]))
    assert values(parsed)[0] == float(number.scaleb(scale))


DATE_FORMATS = {  # format, whether it puts the day or the month first among numbers
    "%Y-%m-%d": None, "%Y-%m-%dT%H:%M:%S": None, "%Y-%m-%d %H:%M:%S.%f": None,
    "{d}/{m}/%Y": True, "{d}.{m}.%Y": True, "{d}-{m}-%y %H:%M": True, "{m}/{d}/%Y %I:%M %p": False,
    "{m}/{d}/%y": False, "%d %b %Y": None, "%B %d, %Y": None, "%d-%b-%y": None,
    "%a, %d %b %Y %H:%M:%S GMT": None,
}
DATES_ = st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2030, 12, 31))


def format_date(when: dt.datetime, fmt: str, pad: bool) -> str:
    day, month = (f"{when.day:02d}", f"{when.month:02d}") if pad else (str(when.day),
                                                                        str(when.month))
    return when.strftime(fmt.replace("{d}", day).replace("{m}", month))


def truncated(when: dt.datetime, fmt: str) -> pd.Timestamp:
    keep = {"%f": when, "%S": when.replace(microsecond=0),
            "%M": when.replace(second=0, microsecond=0)}
    for code, value in keep.items():
        if code in fmt:
            return pd.Timestamp(value)
    return pd.Timestamp(when.date())


@PROPERTY
@given(st.lists(st.tuples(DATES_, st.sampled_from(list(DATE_FORMATS)), st.booleans()),
                min_size=1, max_size=6), st.booleans())
def test_dates_parse_back_in_any_supported_format(cells, day_first):
    formats = [f for _, f, _ in cells]
    wrong_order = [f for f in formats if DATE_FORMATS[f] not in (None, day_first)]
    cells = [(w, f, p) for w, f, p in cells if f not in wrong_order]
    proof = dt.datetime(2024, 3, 13)  # the 13th: shows the order of the whole column
    cells.append((proof, "{d}/{m}/%Y" if day_first else "{m}/{d}/%Y", True))
    texts = [format_date(w, f, p) for w, f, p in cells]
    parsed, _ = dates({"a": pd.Series(texts[:-1], dtype=object), "b": pd.Series(texts[-1:])},
                      window=WINDOW)
    assert values(parsed["a"]) == [truncated(w, f) for w, f, _ in cells[:-1]], texts
    assert parsed["b"].extra["day_first"] is day_first


@PROPERTY
@given(st.lists(st.sampled_from(["true", "false", "yes", "no", "y", "n", "1", "0", "x", "wahr",
                                 "falsch", "ja", "nein", "vrai", "faux", "oui", "non", "sí", "si",
                                 "sim", "não", "waar", "onwaar", "nee", "✓", "✗", ""]),
                min_size=1, max_size=8),
       st.lists(st.sampled_from([str.lower, str.upper, str.title]), min_size=8, max_size=8),
       st.sampled_from(["", " ", "\t", "\u00a0"]))
def test_flag_words_in_any_case_and_padding(words, cases, pad):
    truth = {"true", "yes", "y", "1", "x", "wahr", "ja", "vrai", "oui", "sí", "si", "sim",
             "waar", "✓"}
    written = [pad + case(word) + pad for word, case in zip(words, cases)]
    parsed = flags(pd.Series(written))
    assert not parsed.bad.any()
    assert [None if pd.isna(v) else v for v in parsed.values] == [
        None if word == "" else word in truth for word in words]


ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@PROPERTY
@given(st.lists(st.text(ALNUM, min_size=15, max_size=15), min_size=1, max_size=5),
       st.sampled_from([str, str.lower, str.upper]))
def test_salesforce_ids_cut_to_the_same_15_characters(shorts, case):
    longs = [case(s + salesforce_checksum(s)) for s in shorts]
    parsed = ids(pd.Series(longs + shorts), salesforce=True)
    assert values(parsed) == shorts + shorts
    assert not parsed.extra["bad_checksum"].any()


NAME = st.lists(st.sampled_from(list("aeouAEOUéñüçøÅß-' ") + ["José", "Zoë"]), min_size=1,
                max_size=8).map("".join)


@PROPERTY
@given(NAME, st.sampled_from(["NFC", "NFD"]), st.sampled_from([" ", "\u00a0", "\u202f", "  ",
                                                               "\t", " \u200b"]),
       st.sampled_from(["", " ", "\ufeff", "\u00a0"]))
def test_unicode_variants_of_a_name_are_one_name(name, form, space, edge):
    variant = edge + unicodedata.normalize(form, name).replace(" ", space) + edge
    expected = unicodedata.normalize("NFC", " ".join(name.split()))
    expected = None if expected.lower() in PLACEHOLDERS else expected
    assert values(text(pd.Series([variant, name]))) == [expected, expected]


@PROPERTY
@given(st.lists(st.text(st.sampled_from(list("ab,\nëé€Zo")), max_size=8), max_size=6),
       st.lists(st.sampled_from(["é", "ë", "€", "ñ"]), max_size=3), st.data())
def test_stray_windows_bytes_are_read_alone(lines, strays, data):
    good = "\n".join(lines).encode()
    if not any(b >= 0x80 for b in good):
        good += "Zoë".encode()
    chunks = [good]
    for stray in strays:
        chunks.insert(data.draw(st.integers(0, len(chunks))), b"\n" + stray.encode("cp1252"))
    decoded, _ = decode(b"".join(chunks))
    assert decoded == b"".join(c if c is good else c.decode("cp1252").encode()
                               for c in chunks).decode()


def chunked(texts, cut, skip):
    """``texts`` as a "str" series over Arrow data cut into two chunks, then sliced."""
    arrow = pa.chunked_array([pa.array(texts[:cut], pa.large_string()),
                              pa.array(texts[cut:], pa.large_string())]).slice(skip)
    return pd.Series(pd.array(arrow, dtype="str"))


MIXED = ["$1,250.50", None, " 7 ", "x", "José\u00a0Díaz", "N/A", "13/02/2024", "", "true",
         "0015g00000AbCdEAAV", "5k", "2024-03-05T10:00:00Z", "ja"]


@settings(PROPERTY, max_examples=40)
@given(st.lists(st.sampled_from(MIXED), min_size=1, max_size=10), st.integers(0, 4),
       st.integers(0, 2))
def test_parsers_read_arrow_chunks_and_slices_as_plain_text(texts, cut, skip):
    sliced = chunked(texts, cut, skip)
    plain = pd.Series(texts[skip:], dtype=object)
    for parse in (amounts, flags, text, lambda v: ids(v, salesforce=True),
                  lambda v: dates({"x": v}, window=WINDOW)[0]["x"]):
        got, expected = parse(sliced), parse(plain)
        assert values(got) == values(expected) and got.bad.tolist() == expected.bad.tolist()
