"""The mapping engine: one file's headers and values → a table's canonical columns.

A preset (:mod:`kpitools.io.presets`) or the user's ``mapping`` lists, per canonical column,
alternatives; the first that applies to the file wins. An alternative is a header, or a rule
(a dict) read by one small function of :data:`RULES`: a constant, a value map, flags that give
the status, a date that means one thing for closed deals and another for open ones, a row
number. Dates and amounts stay as the file writes them; :mod:`kpitools.io.coerce` parses them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatch

import numpy as np
import pandas as pd

from kpitools.io import values as parse
from kpitools.io.files import filled
from kpitools.io.labels import StageLabels, map_values, text
from kpitools.io.report import Log
from kpitools.schema import OPTIONAL, REQUIRED, TERMINAL_STAGES, UNASSIGNED

ID_COLUMNS = ("opportunity_id", "activity_id", "lead_id")
_OWN_ID = {"opportunities": "opportunity_id", "activities": "activity_id", "leads": "lead_id"}


@dataclass
class Part:
    """Canonical + raw columns of one file, with each row's file and 0-based data row."""

    frame: pd.DataFrame
    file: str
    rows: np.ndarray
    headers: dict  # canonical column -> the file header (or rule) it came from
    modified: float = 0.0  # the file's modification time: of two copies, the newer wins


@dataclass
class Context:
    """What deriving one file's columns needs."""

    piece: object  # has .frame, .label, .rows, .header(name)
    table: str
    tspec: dict
    labels: StageLabels
    log: Log
    out: dict = field(default_factory=dict)


def headers_of(alternative) -> list[str]:
    """File headers an alternative reads (for error messages)."""
    if isinstance(alternative, str):
        return [alternative]
    for key in ("header", "percent"):
        if key in alternative:
            return [alternative[key]]
    if "coalesce" in alternative:
        return list(alternative["coalesce"])
    return list(alternative.get("flags", {}).values()) + list(
        alternative.get("by_status", {}).values())


# --- the rules: each returns (values, where they came from, copied as the file writes them?)
# --- or None when the rule does not apply to this file -----------------------------------
def _header(alt, ctx):
    name = alt if isinstance(alt, str) else alt["header"]
    header = ctx.piece.header(name)
    if header is None:
        return None
    values = text(ctx.piece.frame[header])
    if isinstance(alt, dict) and "keep_prefix" in alt:
        values = _keep_prefix(values, alt["keep_prefix"], header, ctx)
    if isinstance(alt, dict) and "map" in alt:
        values = map_values(values, {**alt["map"], **({"*": alt["default"]} if "default" in alt
                                                      else {})},
                            ctx.piece.label, f"{ctx.table} ({header})", ctx.log)
        return values, header, False
    return values, header, True


def _keep_prefix(values, prefix, header, ctx):
    """Only IDs that start with ``prefix`` (a Salesforce WhatId also names accounts)."""
    stripped = values.astype("string").str.strip()
    other = (stripped.ne("") & ~stripped.str.startswith(prefix)).fillna(False).astype(bool)
    if other.any():
        ctx.log.note(f"{ctx.piece.label}: {int(other.sum())} {header!r} values do not start "
                     f"with {prefix!r}, so they are not record IDs of this kind: left out, "
                     f"kept in {header!r}.")
        values = values.where(~other, "")
    return values


def _coalesce(alt, ctx):
    found = [ctx.piece.header(h) for h in alt["coalesce"] if ctx.piece.header(h)]
    if not found:
        return None
    values = text(ctx.piece.frame[found[0]])
    for header in found[1:]:
        blank = values.astype("string").str.strip().eq("").fillna(True).astype(bool)
        values = values.where(~blank, text(ctx.piece.frame[header]))
    return values, " / ".join(found), True


def _flags(alt, ctx):
    """Status from the CRM's own outcome flags: won (and lost, or closed). A flag word that is
    neither yes nor no leaves the status unreadable (the row is excluded, never read as open)."""
    headers = {k: ctx.piece.header(h) for k, h in alt["flags"].items()}
    headers = {k: h for k, h in headers.items() if h}
    if "won" not in headers or not ({"lost", "closed"} & set(headers)):
        return None
    flags, unknown = {}, np.zeros(len(ctx.piece.frame), bool)
    for key, header in headers.items():
        result = parse.flags(ctx.piece.frame[header])
        flags[key] = result.values.fillna(False).to_numpy(dtype=bool)
        unknown = unknown | result.bad
    closed = flags["closed"] if "closed" in flags else flags["won"] | flags["lost"]
    lost = flags["lost"] if "lost" in flags else closed & ~flags["won"]
    status = np.select([flags["won"] & closed, lost & closed], ["won", "lost"], "open")
    status = np.where(unknown | (flags["won"] & lost), "unreadable outcome flags", status)
    return pd.Series(status, dtype=object), " + ".join(headers.values()), False


def _status_from_stage(alt, ctx):
    if "stage" not in ctx.out:
        return None
    return ctx.labels.status(ctx.out["stage"]), "from stage", False


def _stage_from_status(alt, ctx):
    """A closed deal's stage from its status, for exports without a stage column; an open
    deal's stage stays blank (excluded as a missing value, with a note to export the stage)."""
    if "status" not in ctx.out:
        return None
    status = ctx.out["status"].astype("string").str.strip().str.casefold()
    stage = status.map({"won": TERMINAL_STAGES[0], "lost": TERMINAL_STAGES[1]}).astype(object)
    if stage.isna().any():
        ctx.log.note(f"{ctx.piece.label}: no stage column, so closed deals are 'Closed Won' / "
                     f"'Closed Lost' and the {int(stage.isna().sum())} open deals have no "
                     "stage (excluded): add the sales stage column to the export to keep them.")
    return stage, "from status", False


def _by_status(alt, ctx):
    found = {s: ctx.piece.header(h) for s, h in alt["by_status"].items() if ctx.piece.header(h)}
    if "status" not in ctx.out or not found:
        return None
    status = ctx.out["status"].astype("string").str.strip().str.lower()
    values = pd.Series(np.nan, index=range(len(ctx.piece.frame)), dtype=object)
    for state, header in found.items():
        mask = status.eq(state).fillna(False).to_numpy()
        values[mask] = ctx.piece.frame[header].to_numpy()[mask]
    fallback = ctx.piece.header(alt.get("else", ""))
    if fallback:  # e.g. a won deal without its actual revenue: the estimate
        blank = values.astype("string").str.strip().eq("").fillna(True).to_numpy(dtype=bool)
        values[blank] = ctx.piece.frame[fallback].to_numpy()[blank]
    return values, " / ".join(dict.fromkeys(found.values())), False


def _const(alt, ctx):
    value = np.nan if alt["const"] is None else alt["const"]
    return pd.Series([value] * len(ctx.piece.frame), dtype=object), "(constant)", False


def _by_file_name(alt, ctx):
    for glob, value in alt["file"].items():
        if fnmatch(ctx.piece.label.lower(), glob):
            return _const({"const": value}, ctx)[0], f"(file name {ctx.piece.label})", False
    return None


def _has_header(alt, ctx):
    for header, value in alt["has_header"].items():
        if ctx.piece.header(header):
            return (_const({"const": value}, ctx)[0],
                    f"(file has {ctx.piece.header(header)!r})", False)
    return None


def _percent(alt, ctx):
    header = ctx.piece.header(alt["percent"])
    if header is None:
        return None
    result = parse.amounts(ctx.piece.frame[header])
    values, bad = result.values, result.bad
    raw = ctx.piece.frame[header].astype("string")
    if "%" in header or raw.str.contains("%").any() or (values > 1).any():
        values = values / 100
        ctx.log.note(f"{ctx.piece.label}: {header!r} is on a 0–100 scale: divided by 100 "
                     "(0–1).")
    if bad.any():
        ctx.log.note(f"{ctx.piece.label}: {int(bad.sum())} {header!r} values are not numbers: "
                     "left blank.")
    return values, header, False


def _row_number(alt, ctx):
    label = ctx.piece.label
    return (pd.Series([f"{label}#{r}" for r in ctx.piece.rows], dtype=object), "(row number)",
            False)


RULES = {"header": _header, "coalesce": _coalesce, "flags": _flags,
         "status_from_stage": _status_from_stage, "stage_from_status": _stage_from_status,
         "by_status": _by_status, "const": _const,
         "file": _by_file_name, "has_header": _has_header, "percent": _percent,
         "row_number": _row_number}


def evaluate(alt, ctx):
    """The first rule key of ``alt`` decides which function reads it."""
    if isinstance(alt, str):
        return _header(alt, ctx)
    kind = next((k for k in RULES if k in alt), None)
    if kind is None:
        raise ValueError(f"mapping: {alt!r} is not a header or a rule; rules have one of the "
                         f"keys {sorted(RULES)} (see kpitools.io.const, value_map, row_number).")
    return RULES[kind](alt, ctx)


def build(piece, table, tspec, columns, user, labels, log) -> Part:
    """Map one file's headers and values to the table's canonical columns."""
    ctx = Context(piece, table, tspec, labels, log)
    headers = {}
    for column in columns:
        given = [a for a in user.get(column, ()) if not isinstance(a, str) or piece.header(a)]
        for alternative in given + list(tspec.get("columns", {}).get(column, ())) + [column]:
            result = evaluate(alternative, ctx)
            if result is None:
                continue
            values, header, copied = result
            if copied:
                values = map_values(values, tspec.get("values", {}).get(column), piece.label,
                                    f"{table}.{column}", log)
            if column == "stage":
                values = labels.spell(values)
            ctx.out[column], headers[column] = values, header
            if isinstance(alternative, dict) and alternative.get("note"):
                log.note(alternative["note"])
            break
    _fill_missing(ctx, headers)
    if tspec.get("ids") == "salesforce":
        for column in (c for c in ID_COLUMNS if c in ctx.out):
            ctx.out[column] = short_salesforce_ids(ctx.out[column], piece.label,
                                                   headers[column], log)
    order = [c for c in REQUIRED[table] + OPTIONAL[table] if c in ctx.out]
    order += [c for c in ctx.out if c not in order]
    frame = pd.DataFrame({c: ctx.out[c] for c in order}, index=pd.RangeIndex(len(piece.frame)),
                         copy=False)
    for name in piece.frame.columns:
        if name not in frame:
            frame[name] = piece.frame[name].array
        elif headers.get(name) != name:
            frame[f"{name} (file)"] = piece.frame[name].array
    return Part(frame, piece.label, piece.rows, headers, piece.raw.modified)


def _fill_missing(ctx, headers) -> None:
    """A table without its record ID numbers its rows; one without an owner column is the
    unassigned rep's. Both are said in the report."""
    label, n = ctx.piece.label, len(ctx.piece.frame)
    own_id = _OWN_ID.get(ctx.table)
    if own_id and own_id not in ctx.out:
        ctx.out[own_id], headers[own_id] = _row_number({}, ctx)[0], "(row number)"
        ctx.log.guess(f"{label}: no record ID column, so rows are numbered '{label}#<row>' as "
                      f"{own_id}; rows are not matched across files (export the CRM's record ID "
                      "to match stage history and activities).")
    if "rep" not in ctx.out and "rep" in REQUIRED[ctx.table]:
        ctx.out["rep"], headers["rep"] = pd.Series([UNASSIGNED] * n, dtype=object), "(none)"
        ctx.log.note(f"{label}: no owner column, so every row's rep is {UNASSIGNED!r}; add the "
                     "owner field to the export to see each rep's numbers.")
    elif "rep" in ctx.out:
        blank = ~filled(ctx.out["rep"])
        if blank.any():  # the CRM counts a record without owner: so do we
            ctx.out["rep"] = ctx.out["rep"].where(~blank, UNASSIGNED)
            ctx.log.note(f"{label}: {int(blank.sum())} rows without an owner are kept as rep "
                         f"{UNASSIGNED!r}.")


def short_salesforce_ids(values: pd.Series, label: str, header: str, log: Log) -> pd.Series:
    """18-character Salesforce IDs cut to their 15-character form (the same record), so that
    15- and 18-character IDs of one record match in every ID column alike.

    Examples
    --------
    >>> short_salesforce_ids(pd.Series(["0065g00000AbCd1AAF", "0065g00000AbCd1", None]),
    ...                      "x.csv", "Id", Log()).tolist()
    ['0065g00000AbCd1', '0065g00000AbCd1', nan]
    """
    result = parse.ids(values, salesforce=True)
    if result.rule:
        log.note(f"{label}: {result.rule} in {header!r} (15- and 18-character forms of a record "
                 "are one record).")
    return result.values


def concat(parts: list[Part]):
    """One frame per table, and where its rows came from for the report: the position where
    each part starts, each part's file rows, and each part's (file, header map)."""
    sources = [(p.file, p.headers) for p in parts]
    starts = np.cumsum([0] + [len(p.frame) for p in parts])[:-1]
    if len(parts) > 1:
        frame = pd.concat([p.frame for p in parts], ignore_index=True)
    else:
        frame = parts[0].frame if parts else None
    return frame, (starts, [p.rows for p in parts], sources)
