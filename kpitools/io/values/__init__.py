"""Raw export values parsed once, correctly, or refused visibly.

Pure functions: a pandas Series in (any dtype: text as read from a CSV, or the typed cells of
Excel and Parquet), a :class:`Parsed` out, on the same index::

    Parsed.values  the canonical dtype: float64, datetime64[us], "boolean" or "str"
    Parsed.bad     bool array: present but unusable. The loader excludes these rows and
                   shows their raw text; no parser turns them into a number, date or False.
    Parsed.rule    what to report about the column as a whole, or None ("read with a decimal
                   comma (1.234,56)", "2 amounts with k/M/bn read as ...")
    Parsed.extra   what else was found (see each function)

==========================================  =================================================
``amounts(values)``                         float64; ``extra["currency"]`` per row
``dates({key: values, ...}, day_first=,     ({key: Parsed}, the day/month rule): ONE day-first
window=)``                                  decision for all the date columns of an export;
                                            ``extra["implausible"]``, ``["date_only"]``,
                                            ``["day_first"]``
``flags(values)``                           pandas "boolean"; blank is missing (NA)
``ids(values, salesforce=False)``           str; ``extra["bad_checksum"]`` with salesforce
``text(values)``                            str: one spelling per name, placeholders missing
``decode(data)``                            (text, notes) from a file's bytes
==========================================  =================================================

Each column is read as a set of *shapes* (see ``_common``): each shape is understood once, then
all its rows are read at once from the bytes, so a messy file costs little more than a clean
one.

Examples
--------
>>> import pandas as pd
>>> from kpitools.io import values
>>> values.amounts(pd.Series(["$1.2M", "approx. 5000"])).bad.tolist()
[False, True]
"""
from kpitools.io.values._amounts import amounts
from kpitools.io.values._common import Parsed
from kpitools.io.values._dates import dates, plausible_window
from kpitools.io.values._decode import decode
from kpitools.io.values._text import PLACEHOLDERS, flags, ids, text

__all__ = ["PLACEHOLDERS", "Parsed", "amounts", "dates", "decode", "flags", "ids",
           "plausible_window", "text"]
