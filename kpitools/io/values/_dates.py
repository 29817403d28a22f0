"""Dates: one day-first decision for a whole export, and a window of plausible dates."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kpitools import _threads
from kpitools.io.values._common import Bytes, Parsed, arrow_chunks, counted, sentence
from kpitools.io.values._dateformats import TextDates, fast_iso

DATES = "datetime64[us]"
EARLIEST = pd.Timestamp("1990-01-01")  # no CRM holds an earlier record
YEARS_AHEAD = 5                        # expected close dates may lie this far ahead


_EXCEL_EPOCH_DAYS = 25569  # Excel's day 0 (1899-12-30) is this many days before 1970-01-01
_US = {"Excel serial dates (days since 1899-12-30)": 86_400_000_000,
       "Unix times in seconds": 1_000_000, "Unix times in milliseconds": 1_000}


def _numbers_as_dates(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Numbers as dates, read by their size: Excel serial days (below 10**6), Unix seconds
    (10**8 to 10**11) or milliseconds (10**11 to 10**14); anything else is bad."""
    finite = np.isfinite(numbers)
    if not finite.any():
        return np.zeros(len(numbers), np.int64), finite, None
    size = np.median(np.abs(numbers[finite]))
    unit = next((name for name, (low, high) in zip(_US, ((0, 1e6), (1e8, 1e11), (1e11, 1e14)))
                 if low <= size < high), None)
    if unit is None:
        return np.zeros(len(numbers), np.int64), np.zeros(len(numbers), bool), None
    days = numbers - _EXCEL_EPOCH_DAYS if unit.startswith("Excel") else numbers
    micro = days * _US[unit]
    ok = finite & (np.abs(micro) < 2.5e17)  # within datetime64[us]'s years 1-9999
    micro = np.where(ok, micro, 0)
    stamps = np.round(micro / 1000).astype(np.int64) * 1000  # to the millisecond, as Excel
    return stamps, ok, f"numbers read as {unit}"


def _typed_stamps(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Datetimes (naive, or with a zone: converted to UTC) as microseconds since 1970."""
    if pd.api.types.is_datetime64_any_dtype(values):  # tz_convert(None): to UTC, zone dropped
        stamps = values.dt.tz_convert(None) if values.dt.tz is not None else values
    else:
        stamps = pd.to_datetime(values, utc=True).dt.tz_localize(None)
    stamps = stamps.astype(DATES)
    return stamps.to_numpy().view(np.int64), stamps.notna().to_numpy()


def _midnights_only(stamp: np.ndarray, valid: np.ndarray) -> bool:
    """Whether every valid stamp (microseconds) is at midnight; looked at in slices, up to the
    first time of day (a timestamp column shows one at once).

    Examples
    --------
    >>> _midnights_only(np.array([0, 86_400_000_000, 5]), np.array([True, True, False]))
    True
    """
    step = 1 << 16
    return all(not (stamp[i:i + step][valid[i:i + step]] % 86_400_000_000).any()
               for i in range(0, len(stamp), step))


class _Column:
    """One date column: its typed cells read at once, its text waiting for the decision."""

    def __init__(self, values: pd.Series):
        n = len(values)
        self.index, self.text, self.rule, self.date_only = values.index, None, None, True
        self.stamp, self.valid = np.zeros(n, np.int64), np.zeros(n, bool)
        self.present = values.notna().to_numpy(copy=True)
        if pd.api.types.is_bool_dtype(values):
            return
        if pd.api.types.is_datetime64_any_dtype(values):
            self.stamp, self.valid = _typed_stamps(values)
            self.date_only = _midnights_only(self.stamp, self.valid)
            return
        if pd.api.types.is_numeric_dtype(values):
            self.stamp, self.valid, self.rule = _numbers_as_dates(values.to_numpy("float64",
                                                                                  na_value=np.nan))
            self.date_only = False
            return
        if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) != "string":
            values = self._typed_cells(values)
        arrow = arrow_chunks(values)  # joined only for the byte-level reading of other formats
        fast = fast_iso(arrow)
        if fast is None:
            self.text = TextDates(arrow.combine_chunks())
            return
        self.present = fast.is_valid().to_numpy(zero_copy_only=False)  # the rest was blank
        self.valid = self.present.copy()
        self.stamp = fast.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        self.date_only = all(not len(b.starts) or (b.ends - b.starts).max() <= 10  # ISO days
                             for b in map(Bytes.of, arrow.chunks))

    def _typed_cells(self, values: pd.Series) -> pd.Series:
        """A spreadsheet column of mixed cells: dates and numbers (Excel serials) read as
        typed; the text cells are returned for the text path."""
        kind = values.map(lambda v: "time" if isinstance(v, (pd.Timestamp, np.datetime64))
                          or hasattr(v, "year") else "number" if isinstance(
                              v, (int, float, np.number)) and not isinstance(v, bool) else "")
        for name, read in (("time", _typed_stamps), ("number", self._serials)):
            cells = (kind == name).to_numpy()
            if cells.any():
                self.stamp[cells], self.valid[cells] = read(values[cells])
        return values.where(kind == "")

    def _serials(self, cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        stamps, ok, self.rule = _numbers_as_dates(cells.to_numpy("float64"))
        self.date_only = False
        return stamps, ok

    def finish(self, day_first: bool | None, window: tuple) -> Parsed:
        if self.text is not None:
            stamp, valid, missing, date_only = self.text.parse(bool(day_first))
            self.date_only &= date_only
            text_rows = self.text.arrow.is_valid().to_numpy(zero_copy_only=False)
            self.stamp[text_rows], self.valid[text_rows] = stamp[text_rows], valid[text_rows]
            self.present[text_rows] = ~missing[text_rows]
        low, last = (int(np.datetime64(pd.Timestamp(t), "us").astype(np.int64)) for t in window)
        inside = (self.stamp >= low) & (self.stamp < last + 86_400_000_000)  # all its last day
        implausible = self.present & self.valid & ~inside
        good = self.present & self.valid & inside
        values = np.where(good, self.stamp, np.iinfo(np.int64).min).view("datetime64[us]")
        rule = self.rule
        if implausible.any():
            first = pd.Timestamp(self.stamp[implausible][0], unit="us")
            rule = sentence(rule, counted(int(implausible.sum()), "date", (
                f" outside {window[0]:%Y-%m-%d} to {window[1]:%Y-%m-%d} (such as "
                f"{first:%Y-%m-%d}): bad")))
        return Parsed(pd.Series(values, index=self.index, copy=False), self.present & ~good,
                      rule, {"implausible": implausible, "date_only": self.date_only,
                             "day_first": day_first})


def plausible_window(today: pd.Timestamp | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The default window of plausible dates: from 1990 to ``YEARS_AHEAD`` years after today
    (the machine's real date unless given).

    Examples
    --------
    >>> plausible_window(pd.Timestamp("2024-06-30 15:00"))
    (Timestamp('1990-01-01 00:00:00'), Timestamp('2029-06-30 00:00:00'))
    """
    today = (pd.Timestamp.now() if today is None else pd.Timestamp(today)).normalize()
    return EARLIEST, today + pd.DateOffset(years=YEARS_AHEAD)


def _decide(found: dict, day_first: bool | None) -> tuple[bool | None, str | None]:
    """The export's day-first reading and the sentence that reports it."""
    examples = found["examples"]
    if not found["numeric"]:
        return day_first, None
    if day_first is not None:
        how = "as asked"
    elif found["day"] or found["month"]:
        day_first = found["day"] > found["month"] or (
            found["day"] == found["month"] and found["dotted"] > 0)
        key = "day" if day_first else "month"
        how = f"{examples[key]!r} can only be read so"
    else:
        day_first = found["dotted"] > 0
        how = (f"assumed: no date shows whether the day or the month comes first (such as "
               f"{examples['numeric']!r})" + (", and they are written with dots"
                                              if day_first else ""))
    other = "month" if day_first else "day"
    order = "day/month/year" if day_first else "month/day/year"
    return day_first, sentence(f"dates read as {order} ({how})", counted(
        found[other], "date", f" such as {examples.get(other)!r} cannot be read so: bad"))


def dates(columns: dict, *, day_first: bool | None = None,
          window: tuple | None = None) -> tuple[dict, str | None]:
    """Dates and timestamps as datetime64[us] (zones converted to UTC), for all the date
    columns of one file or export at once, with ONE day/month order for all of them.

    Read: ISO 8601 (T or space, fractions, Z or offsets, also 20240305), y/m/d and d/m/y or
    m/d/y with "/", "." or "-", two-digit years (69-99 are 1900s), 12-hour times, month names
    (English, German, French, Spanish, Portuguese, Dutch, Italian; "5 Mar 2024", "March 5,
    2024", "5. März 2024", "Tue, 05 Mar 2024 10:00:00 GMT"), "March 2024" and "2024-03" (the
    month's first day), Excel serial dates and Unix times where a column holds numbers (never
    in text), and the cells of a spreadsheet that are dates already. "0000-00-00" and
    placeholders such as "N/A" are missing.

    Day or month first is decided once for all ``columns`` (a whole export: every file's
    created, closed and history dates): by the values that can only be read one way
    ("13/02/2024"), the majority if they disagree (the others are bad); with none, '.'
    separators mean day-first and anything else month-first, and the rule says it was
    assumed. ``day_first`` forces it.

    A date outside ``window`` (default :func:`plausible_window`: 1990 to five years from
    today) is *bad* and marked in ``extra["implausible"]``, so a typo such as 2099 or 1900
    never becomes "today". ``extra["date_only"]`` tells whether no value had a time, and
    ``extra["day_first"]`` the decision.

    Parameters
    ----------
    columns : dict
        Any keys (such as (file, header)) -> the raw columns.
    day_first : bool, optional
        Force the order instead of deciding it.
    window : (Timestamp, Timestamp), optional
        The first and the last plausible day (any time on the last day is inside).

    Returns
    -------
    (dict, str or None)
        The :class:`Parsed` column for each key, and the export's day/month rule.

    Examples
    --------
    >>> parsed, rule = dates({"created": pd.Series(["05/03/2024", "13/03/2024 10:00"]),
    ...                       "closed": pd.Series(["2024-04-01T12:00:00+02:00", "01/04/2099"])},
    ...                      window=(pd.Timestamp("1990-01-01"), pd.Timestamp("2030-01-01")))
    >>> parsed["created"].values.dt.strftime("%Y-%m-%d %H:%M").tolist()
    ['2024-03-05 00:00', '2024-03-13 10:00']
    >>> parsed["closed"].values.tolist(), parsed["closed"].bad.tolist()
    ([Timestamp('2024-04-01 10:00:00'), NaT], [False, True])
    >>> rule
    "dates read as day/month/year ('13/03/2024 10:00' can only be read so)"
    """
    window = plausible_window() if window is None else tuple(map(pd.Timestamp, window))
    rows = sum(map(len, columns.values()))
    prepared = dict(zip(columns, _threads.each(_Column, list(columns.values()), rows)))
    found = {"day": 0, "month": 0, "dotted": 0, "numeric": 0, "examples": {}}
    for column in prepared.values():
        if column.text is not None:
            seen = column.text.evidence()
            for key in ("day", "month", "dotted", "numeric"):
                found[key] += seen[key]
            found["examples"] = seen["examples"] | found["examples"]
    decided, rule = _decide(found, day_first)
    done = _threads.each(lambda column: column.finish(decided, window), list(prepared.values()),
                         rows)
    return dict(zip(prepared, done)), rule
