"""Text dates: each shape's layout (where its year, month, day, time and zone are) found once,
then every row of that shape read from its bytes with numpy."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kpitools.io.values._common import SPACE, Bytes, byte_offset, groups, shapes

MISSING = ("", "-", "--", "\u2013", "\u2014", "n/a", "n.a.", "null", "(null)", "<null>", "none",
           "(none)", "nan", "nat", "(blank)")
MAX_LENGTH = 80  # characters; longer cells are not dates (and are not searched)
PIVOT = 69  # two-digit years: 69-99 are 1969-1999, 00-68 are 2000-2068 (as POSIX strptime)
_MONTH_WORDS = {
    1: "jan january januar janv janvier enero ene janeiro januari gennaio gen",
    2: "feb february februar fév févr février fev febrero fevereiro februari febbraio",
    3: "mar march märz mär mrz maerz mars marzo março mrt maart",
    4: "apr april avr avril abr abril aprile",
    5: "may mai mayo maio mei maggio mag",
    6: "jun june juni juin junio junho giugno giu",
    7: "jul july juli juil juillet julio julho luglio lug",
    8: "aug august août aout ago agosto augustus",
    9: "sep sept september septembre septiembre setiembre set setembro settembre",
    10: "oct october oktober okt octobre octubre out outubro ottobre ott",
    11: "nov november novembre noviembre novembro",
    12: "dec december dezember dez déc décembre diciembre dic dezembro dicembre",
}
MONTHS = {word: month for month, words in _MONTH_WORDS.items() for word in words.split()}
WEEKDAYS = frozenset("""mon monday tue tues tuesday wed wednesday thu thur thurs thursday fri
friday sat saturday sun sunday mo di mi do fr sa so montag dienstag mittwoch donnerstag freitag
samstag sonntag lun mar mer jeu ven sam dim lundi mardi mercredi jeudi vendredi samedi dimanche
lunes martes miércoles jueves viernes sábado domingo""".split())
_S, _SP = f"{SPACE}*", f"{SPACE}+"
_WORD = r"[^\W\d_]+"
_ZONE = rf"(?:{_S}(?P<z>z|utc|gmt)|{_S}(?P<zs>[+\u2212-])(?P<zh>99):?(?P<zm>99)?)?"
_CLOCK = rf"(?P<H>9{{1,2}}):(?P<M>99)(?::(?P<S>99)(?:[.,](?P<f>9{{1,9}}))?)?" \
         rf"(?:{_S}(?P<ampm>am|pm|a\.m\.|p\.m\.))?{_ZONE}"
_ISO_CLOCK = rf"(?P<H>99)(?::(?P<M>99)(?::(?P<S>99)(?:[.,](?P<f>9{{1,9}}))?)?)?{_ZONE}"
_WEEKDAY = rf"(?:(?P<wd>{_WORD})\.?,?{_SP})?"
_LAYOUTS = [re.compile(f"{_S}{layout}{_S}") for layout in (
    rf"(?P<Y>9999)(?P<sep>[-/.])(?P<m>9{{1,2}})(?P=sep)(?P<d>9{{1,2}})(?:(?:t|{_SP}){_ISO_CLOCK})?",
    rf"(?P<Y>9999)(?P<m>99)(?P<d>99)(?:t(?P<H>99)(?P<M>99)(?:(?P<S>99)(?:[.,](?P<f>9{{1,9}}))?)?"
    rf"{_ZONE})?",
    rf"(?P<a>9{{1,2}})(?P<sep>[-/.])(?P<b>9{{1,2}})(?P=sep)(?P<y>9999|99)"
    rf"(?:,?(?:t|{_SP}){_CLOCK})?",
    rf"{_WEEKDAY}(?P<d>9{{1,2}})(?:\.|st|nd|rd|th)?(?:{_S}[-/.]{_S}|{_SP})(?:de{_SP})?"
    rf"(?P<mon>{_WORD})\.?(?:{_S}[-/.,]{_S}|{_SP})(?:de{_SP})?(?P<y>9999|99)"
    rf"(?:,?{_SP}(?:at{_SP}|um{_SP}|à{_SP})?{_CLOCK})?",
    rf"{_WEEKDAY}(?P<mon>{_WORD})\.?{_S}(?P<d>9{{1,2}})(?:st|nd|rd|th)?(?:,{_S}|{_SP})(?P<y>9999)"
    rf"(?:,?{_SP}(?:at{_SP})?{_CLOCK})?",
    rf"(?P<mon>{_WORD})\.?(?:{_SP}|{_S}-{_S})(?P<Y>9999)",
    r"(?P<Y>9999)[-/](?P<m>99)",
)]
_FIELDS = ("Y", "y", "m", "d", "a", "b", "H", "M", "S", "f", "zh", "zm")


@dataclass(frozen=True)
class _Layout:
    """Where one shape keeps each part of a date."""

    kind: str                                  # "date", "missing" or "bad"
    at: dict = field(default_factory=dict)     # field -> byte positions of its digits
    month: int | None = None                   # from a month name
    ampm: str | None = None
    zone: int | None = None                    # +1 / -1 with zh, zm; 0 for Z/UTC; None: naive
    dotted: bool = False                       # a d.m.y-like value


def _layout(shape: str) -> _Layout:
    if len(shape) > MAX_LENGTH:
        return _Layout("bad")
    if re.sub(f"^{_S}|{_S}$", "", shape) in MISSING:
        return _Layout("missing")
    for pattern in _LAYOUTS:
        match = pattern.fullmatch(shape)
        if not match:
            continue
        parts = match.groupdict()
        month = parts.get("mon")
        if month is not None and month.lower() not in MONTHS:
            continue
        if parts.get("wd") and parts["wd"].lower() not in WEEKDAYS:
            continue
        at = {name: tuple(byte_offset(shape, i) for i in range(*match.span(name)))
              for name in _FIELDS if parts.get(name)}
        zone = None
        if parts.get("z"):
            zone = 0
        elif parts.get("zs"):
            zone = 1 if parts["zs"] == "+" else -1
        ampm = parts.get("ampm")
        return _Layout("date", at, MONTHS.get(month.lower()) if month else None,
                       ampm and ampm[0], zone, parts.get("sep") == "." and "a" in at)
    return _Layout("bad")


def _days_from_civil(year, month, day):
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm)."""
    year = year - (month <= 2)
    era = np.floor_divide(year, 400)
    yoe = year - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _days_in_month(year, month):
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[month - 1] + (
        leap & (month == 2))


class TextDates:
    """One column's text dates, shaped and laid out, waiting for the day-first decision."""

    def __init__(self, arrow: pa.Array):
        self.arrow, self.raw = arrow, Bytes.of(arrow)
        found, codes = shapes(arrow)
        self.layouts = [_layout(shape) for shape in found]
        self.groups = list(groups(codes, len(found)))

    def _get(self, rows, layout, name):
        return self.raw.number(rows, layout.at[name])

    def evidence(self) -> dict:
        """Rows that only read day-first, only month-first, and d.m.y-like rows; an example
        of each."""
        found = {"day": 0, "month": 0, "dotted": 0, "numeric": 0}
        examples = {}
        for code, rows in self.groups:
            layout = self.layouts[code]
            if "a" not in layout.at:
                continue
            a, b = self._get(rows, layout, "a"), self._get(rows, layout, "b")
            found["numeric"] += len(rows)
            found["dotted"] += len(rows) * layout.dotted
            for key, only in (("day", (a > 12) & (a <= 31) & (b >= 1) & (b <= 12)),
                              ("month", (b > 12) & (b <= 31) & (a >= 1) & (a <= 12))):
                found[key] += int(only.sum())
                if only.any():
                    examples.setdefault(key, self.arrow[int(rows[only][0])].as_py())
            examples.setdefault("numeric", self.arrow[int(rows[0])].as_py())
        return found | {"examples": examples}

    def parse(self, day_first: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """(microseconds since 1970 as int64, valid, missing, every value date-only)."""
        n = len(self.arrow)
        stamp = np.zeros(n, np.int64)
        valid, missing = np.zeros(n, bool), np.ones(n, bool)
        date_only = True
        for code, rows in self.groups:
            layout = self.layouts[code]
            missing[rows] = layout.kind == "missing"
            if layout.kind != "date":
                continue
            stamp[rows], valid[rows], zero = self._stamps(rows, layout, day_first)
            missing[rows] = zero
            date_only &= "H" not in layout.at
        return stamp, valid, missing, date_only

    def _stamps(self, rows, layout, day_first):
        get = lambda name, default=0: (self._get(rows, layout, name) if name in layout.at  # noqa
                                       else np.full(len(rows), default, np.int64))
        if "a" in layout.at:
            first, second = get("a"), get("b")
            day, month = (first, second) if day_first else (second, first)
        else:
            day, month = get("d"), get("m", layout.month)
        if "Y" in layout.at:
            year = get("Y")
        elif len(layout.at["y"]) == 2:
            year = get("y")
            year = year + np.where(year >= PIVOT, 1900, 2000)
        else:
            year = get("y")
        if "d" not in layout.at and "a" not in layout.at:  # a month: its first day
            day = np.ones(len(rows), np.int64)
        zero = (year == 0) & (month == 0) & (day == 0)  # MySQL's "0000-00-00": no date
        hour, minute, second = get("H"), get("M"), get("S")
        ok = (month >= 1) & (month <= 12) & (day >= 1) & (year >= 1) & (minute <= 59) & (
            second <= 59)
        ok &= day <= _days_in_month(year, np.clip(month, 1, 12))
        if layout.ampm:
            ok &= (hour >= 1) & (hour <= 12)
            hour = hour % 12 + (12 if layout.ampm == "p" else 0)
        ok &= hour <= 23
        micro = 0
        if "f" in layout.at:
            width = len(layout.at["f"])
            fraction = get("f")
            micro = fraction * 10 ** (6 - width) if width <= 6 else fraction // 10 ** (width - 6)
        offset = 0
        if layout.zone:
            zh, zm = get("zh"), get("zm")
            ok &= (zh <= 14) & (zm <= 59)
            offset = layout.zone * (zh * 60 + zm)
        days = _days_from_civil(year, np.clip(month, 1, 12), day)
        stamp = (((days * 24 + hour) * 60 + minute - offset) * 60 + second) * 1_000_000 + micro
        return stamp, ok & ~zero, zero


def fast_iso(arrow: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """Plain ISO dates and times without a zone ("2024-03-01", "2024-03-01 08:03:00"), blanks
    missing, read by Arrow's own strict cast; None when any value is something else. Arrow
    reads every value before it gives up, slowly where they fail, so the first 1,000 values
    are tried first: a column of mixed formats fails there."""
    empty = pc.equal(pc.binary_length(arrow), 0)
    if pc.any(empty).as_py():
        arrow = pc.if_else(empty, pa.scalar(None, arrow.type), arrow)
    try:
        pc.cast(arrow.slice(0, 1000), pa.timestamp("us"))
        return pc.cast(arrow, pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
