"""The KPI functions' inputs made safe to count: canonical dtypes, or an error saying why (private).

Every public KPI function passes its tables and options through here first. Tables from
``kt.load_crm`` or ``kt.clean`` pass untouched: only each column's dtype is looked at. A frame
made another way (``pd.read_csv(dtype=str)``, a hand-made frame, a database query) has its
dates, flags, amounts and IDs read with the loader's own parsers, on a copy; a value that does
not parse raises ``SchemaError`` naming the table, the column, examples and the fix, because
a KPI that quietly skipped or misread it would teach a wrong number. Labels (status, kind,
direction) are read by :func:`label_codes` where a function counts them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kpitools import _groups
from kpitools.io import values as parse
from kpitools.schema import BOOL_COLUMNS, DATE_COLUMNS, SchemaError, require_columns

ID_COLUMNS = ("lead_id", "activity_id", "opportunity_id")
NUMBER_COLUMNS = ("amount", "quota")
_FIX = ("Pass the tables through kt.clean(...) (or load the files with kt.load_crm(...)): it "
        "reads {what} and excludes what it cannot read with a reason in data.quality.")


def table(frame: pd.DataFrame, name: str, where: str, *, required=(), optional=(), by=None,
          numbers=()) -> pd.DataFrame:
    """``frame`` with the columns a KPI function reads in canonical dtypes.

    ``required`` columns must exist (``SchemaError`` otherwise), ``optional`` ones are read if
    present, ``by`` columns must exist; ``numbers`` are further amount-like columns (a
    ``weight``). Returns ``frame`` itself when nothing needed reading, else a new frame (with
    a ``currency`` column when its amounts, read from text, name more than one currency).

    Examples
    --------
    >>> raw = pd.DataFrame({"kind": ["meeting"], "is_first_meeting": ["False"]})
    >>> table(raw, "activities", "activity_ratios", required=("kind",),
    ...       optional=("is_first_meeting",))["is_first_meeting"].tolist()
    [False]
    """
    if not isinstance(frame, pd.DataFrame):
        hint = f" Pass data.{name}." if hasattr(frame, name) else ""
        raise TypeError(f"{where}: {name} must be a pandas DataFrame, got "
                        f"{type(frame).__name__}.{hint}")
    require_columns(frame, name, required, where)
    for column in _groups.as_list(by):
        if column not in frame.columns:
            raise SchemaError(f"{where}: cannot group by {column!r}: not a column of {name}. "
                              f"Found: {list(frame.columns)}. Group by one of those, or add "
                              f"the column with mapping={{...}} in kt.load_crm.")
    wanted = [c for c in dict.fromkeys((*required, *optional, *numbers)) if c in frame.columns]
    read = _Reading(frame, name, where)
    read.dates([c for c in wanted if c in DATE_COLUMNS.get(name, ())])
    for column in wanted:
        if column in BOOL_COLUMNS:
            read.flags(column)
        elif column in numbers or column in NUMBER_COLUMNS:
            read.amounts(column)
        elif column in ID_COLUMNS:
            read.ids(column)
    return frame.assign(**read.changed) if read.changed else frame


class _Reading:
    """The columns of one table that were not in canonical dtype, read (``changed``)."""

    def __init__(self, frame: pd.DataFrame, name: str, where: str):
        self.frame, self.name, self.where = frame, name, where
        self.changed: dict[str, pd.Series] = {}

    def dates(self, columns: list[str]) -> None:
        """Dates: a zone converted to UTC; text read with one day/month order for the table."""
        text = {}
        for column in columns:
            values = self.frame[column]
            if isinstance(values.dtype, pd.DatetimeTZDtype):
                self.changed[column] = values.dt.tz_convert("UTC").dt.tz_localize(None)
            elif not (isinstance(values.dtype, np.dtype) and values.dtype.kind == "M"):
                text[column] = values
        parsed, _ = parse.dates(text) if text else ({}, None)
        for column, result in parsed.items():
            self._check(column, result, "are not dates, or not plausible ones (before 1990 or "
                                        "more than five years ahead)", "dates")
            self.changed[column] = result.values

    def flags(self, column: str) -> None:
        values = self.frame[column]
        if values.dtype != bool:
            result = parse.flags(values)
            self._check(column, result, "are neither yes nor no",
                        "yes/no flags (True/False, yes/no, 1/0, in eight languages)")
            self.changed[column] = result.values.fillna(False).astype(bool)

    def amounts(self, column: str) -> None:
        values = self.frame[column]
        if pd.api.types.is_float_dtype(values) and isinstance(values.dtype, np.dtype):
            numbers = values.to_numpy()
        else:
            result = parse.amounts(values)
            self._check(column, result, "are not amounts", "amounts (currency signs, "
                                                            "separators, k/M)")
            numbers = result.values.to_numpy()
            self.changed[column] = result.values
            currency = result.extra.get("currency")
            if currency is not None and currency.nunique() > 1 and \
                    "currency" not in self.frame:
                self.changed["currency"] = currency  # never added up: see one_currency
        with np.errstate(invalid="ignore"):
            wrong = (numbers < 0) | np.isinf(numbers)
        if wrong.any():
            raise _unreadable(self.frame[column][wrong], self.name, column, self.where,
                              "are negative or infinite", "amounts")

    def ids(self, column: str) -> None:
        values = self.frame[column]
        if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
            self.changed[column] = parse.ids(values).values  # 12 and "12": one ID

    def _check(self, column: str, result, problem: str, what: str) -> None:
        if result.bad.any():
            raise _unreadable(self.frame[column][result.bad], self.name, column, self.where,
                              problem, what)


def _unreadable(bad: pd.Series, name: str, column: str, where: str, problem: str,
                what: str) -> SchemaError:
    examples = ", ".join(repr(v) for v in pd.unique(bad.astype(object))[:3])
    return SchemaError(f"{where}: {len(bad)} value(s) of {name}.{column} {problem} "
                       f"(e.g. {examples}). " + _FIX.format(what=what))


def label_codes(values: pd.Series, labels: tuple, name: str, column: str, where: str, *,
                missing_ok: bool = False) -> np.ndarray:
    """Each value's position in ``labels`` (-1 where missing), read in any case and spacing
    as the loader reads them; an unknown value (or a missing one, unless ``missing_ok``)
    raises ``SchemaError``. One hash lookup per row: cheaper than comparing to each label.

    Examples
    --------
    >>> label_codes(pd.Series(["won", " Lost", "open"]), ("open", "won", "lost"),
    ...             "opportunities", "status", "win_rate").tolist()
    [1, 2, 0]
    """
    text = _groups.arrow_text(values)
    codes = pc.index_in(text, value_set=pa.array(labels, text.type))
    if codes.null_count > text.null_count:  # some value is not a label as written
        text = pc.utf8_lower(_groups.arrow_text(parse.text(values).values))
        codes = pc.index_in(text, value_set=pa.array(labels, text.type))
    if codes.null_count > text.null_count:
        unknown = pc.and_(pc.is_null(codes), pc.is_valid(text)).to_numpy(zero_copy_only=False)
        raise SchemaError(f"{where}: {int(unknown.sum())} value(s) of {name}.{column} are not "
                          f"one of {list(labels)} (e.g. "
                          + ", ".join(repr(v) for v in pd.unique(values[unknown])[:3]) + "). "
                          + _FIX.format(what=f"{column} labels"))
    if text.null_count and not missing_ok:
        raise SchemaError(f"{where}: {text.null_count} row(s) of {name} have no {column}. "
                          + _FIX.format(what=f"{column} labels"))
    return (codes.fill_null(-1) if codes.null_count else codes).to_numpy(zero_copy_only=False)


def as_of(value, where: str, name: str = "as_of") -> pd.Timestamp | None:
    """A "today" option as a UTC-naive Timestamp (None stays None).

    Examples
    --------
    >>> as_of("2024-03-10T09:00+02:00", "quota_gap")
    Timestamp('2024-03-10 07:00:00')
    """
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {name}={value!r} is not a date ({error}). Give a date such "
                         f"as '2024-12-13' or data.today.") from None
    if pd.isna(stamp):
        raise ValueError(f"{where}: {name} is missing (NaT). Give a date such as '2024-12-13'.")
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo is not None else stamp


def freq(value, where: str) -> str | None:
    """A ``freq`` option checked once: None, or a pandas period alias such as "W" or "MS".

    Examples
    --------
    >>> freq("QS", "win_rate")
    'QS'
    """
    if value is None or _groups.is_fast_freq(value):
        return value
    try:
        _groups.period_start(pd.Series(pd.to_datetime(["2024-05-15"])), value)
    except (TypeError, ValueError, AttributeError):
        raise ValueError(f"{where}: freq={value!r} is not a period pandas knows. Use 'W' "
                         "(weeks from Monday), 'MS' (months), 'QS' (quarters) or 'YS' (years), "
                         "or None for no periods.") from None
    return value


def one_currency(opportunities: pd.DataFrame, rows: np.ndarray, group_keys: dict,
                 where: str, what: str, group_hint: str | None = "by=[..., 'currency']") -> None:
    """Raise ``SchemaError`` if some output row would add up amounts in two currencies.

    ``rows`` (bool) are the deals whose amounts are summed and ``group_keys`` their group keys
    (as ``_groups.keys`` gives them, for every row of the table). Without a ``currency``
    column, or with one currency per group, there is nothing to say. A deal without a
    currency is taken to be in its group's currency.

    Examples
    --------
    >>> opps = pd.DataFrame({"rep": ["Al", "Bo"], "currency": ["EUR", "USD"]})
    >>> one_currency(opps, np.array([True, True]), {"rep": opps["rep"]}, "deal_metrics", "revenue")
    >>> one_currency(opps, np.array([True, True]), {}, "deal_metrics", "revenue")
    Traceback (most recent call last):
    ...
    kpitools.schema.SchemaError: deal_metrics: revenue would add up amounts in EUR and USD, ...
    """
    if "currency" in opportunities:
        ids = _groups.group_ids({k: v[rows] for k, v in group_keys.items()}, int(rows.sum())).ids
        same_currency(opportunities["currency"][rows], ids, where, what, group_hint)


def same_currency(currency: pd.Series, ids: np.ndarray, where: str, what: str,
                  group_hint: str | None) -> None:
    """Raise ``SchemaError`` if two rows of one group (``ids``: group numbers) have different
    currencies (missing ones aside; case and spacing aside)."""
    known = currency.notna().to_numpy()
    codes, names = pd.factorize(currency[known].astype(str).str.strip().str.upper())
    if len(names) < 2:
        return
    pairs = np.unique(ids[known] * len(names) + codes)
    if len(np.unique(pairs // len(names))) == len(pairs):
        return  # one currency in each group
    names = sorted(names)
    hint = f", or group by it ({group_hint})" if group_hint else ""
    raise SchemaError(
        f"{where}: {what} would add up amounts in {', '.join(names[:-1])} and {names[-1]}, and "
        f"amounts in different currencies are never added together. Select one currency "
        f"first (opportunities[opportunities['currency'] == {names[0]!r}]){hint}.")
