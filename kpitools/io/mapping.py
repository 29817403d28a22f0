"""The ``mapping=`` argument of :func:`kpitools.load_crm`: what a user may say about a column,
and the checks that turn a mistyped mapping into an error that names the fix.

A mapping entry is a header (or a list of headers, the first found wins) or one of three rules:

>>> import kpitools as kt
>>> mapping = {
...     "kind": kt.io.const("call"),                       # every row of the file is a call
...     "status": kt.io.value_map("Phase", {"Gewonnen": "won", "Verloren": "lost"},
...                               default="open"),         # a column's values translated
...     "opportunity_id": kt.io.row_number(),              # no record ID: number the rows
...     "rep": "Verkäufer",                                 # a header
... }
>>> mapping["kind"], mapping["opportunity_id"]
({'const': 'call'}, {'row_number': True})

The rules are plain dicts, so a mapping can be saved as JSON in the course settings. A
mapping is flat (``{canonical: entry}``, for every table) or per table
(``{"opportunities": {canonical: entry}}``).
"""
from __future__ import annotations

import difflib

import pandas as pd

from kpitools.schema import (DATE_COLUMNS, EXTRA, OPTIONAL, REQUIRED, TABLES, SchemaError)


def const(value) -> dict:
    """Every row gets ``value`` (e.g. ``const("call")`` for a file of calls).

    Examples
    --------
    >>> const("call")
    {'const': 'call'}
    """
    return {"const": value}


def value_map(header: str, values: dict, default=None) -> dict:
    """The values of ``header`` translated (matched ignoring case and spaces); values not in
    ``values`` become ``default``, or stay as they are without one.

    Examples
    --------
    >>> value_map("Stage", {"Gewonnen": "won", "Verloren": "lost"}, default="open")
    {'header': 'Stage', 'map': {'Gewonnen': 'won', 'Verloren': 'lost'}, 'default': 'open'}
    """
    rule = {"header": header, "map": dict(values)}
    if default is not None:
        rule["default"] = default
    return rule


def row_number() -> dict:
    """An ID made of the file name and the row number ("deals.csv#0"), for exports without a
    record ID. Such IDs do not match other files (stage history, activities).

    Examples
    --------
    >>> row_number()
    {'row_number': True}
    """
    return {"row_number": True}


def all_columns(table: str, spec: dict) -> list[str]:
    """Preset columns first (their order matters: 'stage' before 'status from stage'), then
    the canonical rest."""
    listed = list(spec["tables"].get(table, {}).get("columns", {}))
    rest = REQUIRED[table] + OPTIONAL[table] + EXTRA[table]
    return listed + [c for c in rest if c not in listed]


def split_mapping(mapping, spec) -> tuple[dict, dict]:
    """({canonical: alternatives} for all tables, {table: {canonical: alternatives}}); names
    checked."""
    flat, per_table = {}, {t: {} for t in TABLES}
    known = {c for t in TABLES for c in all_columns(t, spec)}
    for key, value in (mapping or {}).items():
        nested = key in TABLES and isinstance(value, dict) and not _is_rule(value)
        for canonical, entry in (value.items() if nested else [(key, value)]):
            if canonical not in known:
                close = difflib.get_close_matches(canonical, sorted(known), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise SchemaError(f"mapping: {canonical!r} is not a canonical column.{hint} "
                                  f"Canonical columns: {sorted(known)}.")
            entries = (entry,) if isinstance(entry, (str, dict)) else tuple(entry)
            (per_table[key] if nested else flat)[canonical] = entries
    return flat, per_table


def _is_rule(value: dict) -> bool:
    from kpitools.io.engine import RULES
    return any(k in value for k in RULES)


def headers_named(entries) -> list[str]:
    """The file headers a mapping entry names (rules name at most one)."""
    return [e if isinstance(e, str) else e["header"] for e in entries
            if isinstance(e, str) or "header" in e]


def check_headers(flat, per_table, by_table) -> None:
    """A mapping that names a header no loaded file has is an error naming the headers found."""
    for table, entries in [(None, flat)] + list(per_table.items()):
        pieces = [p for t, ps in by_table.items() if table in (None, t) for p in ps]
        for canonical, alternatives in entries.items():
            headers = headers_named(alternatives)
            if not pieces or not headers or any(p.header(h) for p in pieces for h in headers):
                continue
            found = list(dict.fromkeys(c for p in pieces for c in p.frame.columns))
            hint = did_you_mean(headers, found, canonical, pieces, suggest_found=True)
            raise SchemaError(
                f"mapping: header {' or '.join(map(repr, headers))} (for {canonical!r}) is not "
                f"in any {table or 'loaded'} file ({', '.join(p.label for p in pieces)}). "
                f"Headers found: {found}.{hint}")


def _kind(canonical: str) -> str:
    if canonical.endswith("_id") or canonical in ("goal",):
        return "id"
    if any(canonical in columns for columns in DATE_COLUMNS.values()):
        return "date"
    if canonical in ("amount", "quota", "probability"):
        return "number"
    return "text"


def fits(canonical: str, values: pd.Series) -> bool:
    """Could this column's values be ``canonical``? An ID is mostly distinct and not a small
    number (a 1-5 rating is not an ID); a date parses as dates; an amount as numbers.

    Examples
    --------
    >>> fits("opportunity_id", pd.Series(["4", "5", "4", "3", "5"]))
    False
    >>> fits("created_at", pd.Series(["2024-01-02", "soon"])), fits("amount", pd.Series(["$5"]))
    (True, True)
    """
    from kpitools.io import values as parse

    sample = values.dropna().astype(str).str.strip()
    sample = sample[sample.ne("")].head(200)
    if sample.empty:
        return True
    kind = _kind(canonical)
    if kind == "id":
        numbers = pd.to_numeric(sample, errors="coerce")
        small = numbers.notna().all() and numbers.abs().max() < 100
        return bool(sample.nunique() >= 0.9 * len(sample) and not small)
    if kind == "date":
        parsed, _ = parse.dates({0: sample.reset_index(drop=True)})
        return bool((~parsed[0].bad).mean() >= 0.5)
    if kind == "number":
        return bool((~parse.amounts(sample.reset_index(drop=True)).bad).mean() >= 0.5)
    return True


def did_you_mean(expected, found, canonical, pieces, suggest_found=False) -> str:
    """A hint when a found header looks like an expected one and its values fit the column
    (or, for a mistyped mapping, the other way round)."""
    from kpitools.io.labels import header_key

    best = None
    for header in found:
        for known in expected:
            ratio = difflib.SequenceMatcher(None, header_key(header), header_key(known)).ratio()
            if ratio >= 0.75 and (best is None or ratio > best[0]):
                values = next((p.frame[header] for p in pieces if header in p.frame), None)
                if values is None or fits(canonical, values):
                    best = (ratio, header, known)
    if best is None:
        return ""
    _, header, known = best
    if suggest_found:
        return f" Did you mean {header!r}? Then pass mapping={{{canonical!r}: {header!r}}}."
    return (f" Did you mean {known!r}? Header {header!r} looks like it: rename it in the "
            f"export or pass mapping={{{canonical!r}: {header!r}}}.")
