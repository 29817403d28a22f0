"""Turn one recognised file into canonical columns, following a preset's declarative spec (private).

The spec format is documented in :mod:`kpitools.presets`. Each derivation here reads raw text
columns and writes text (or, for percentages, numbers); dtypes are coerced later by
:func:`kpitools.schema.clean`. Every value that is changed rather than copied leaves a note.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatch

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from kpitools import _parse, _threads
from kpitools.schema import DATE_COLUMNS, OPTIONAL, REQUIRED



@dataclass
class Part:
    """Canonical + raw columns of one file, with each row's file and 0-based data row."""

    frame: pd.DataFrame
    file: str
    rows: np.ndarray
    headers: dict  # canonical column -> the file header (or derivation) it came from


def header_key(header) -> str:
    """Headers compare ignoring case, spaces, '_' and '-' ("Close Date" = "close_date")."""
    return re.sub(r"[\s_\-\ufeff\u200b]+", "", str(header).casefold())


def header_index(columns) -> dict:
    """header_key → the first column with that key."""
    index = {}
    for column in columns:
        index.setdefault(header_key(column), column)
    return index


def _text(values: pd.Series) -> pd.Series:
    """Text as pandas' "str" dtype (missing = NaN); typed columns (Parquet dates, numbers,
    flags) unchanged."""
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        return values.astype("str")
    return values


def _blank(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().eq("").fillna(False).astype(bool)


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


def build(piece, table, tspec, columns, user, known_stages, notes) -> Part:
    """Map one file's headers and values to the table's canonical columns."""
    out, headers = {}, {}
    for column in columns:
        given = [h for h in user.get(column, ()) if piece.header(h)]
        for alternative in given + list(tspec.get("columns", {}).get(column, ())) + [column]:
            result = _evaluate(alternative, piece, out, column, notes)
            if result is None:
                continue
            values, header, copied = result
            if copied:
                values = _map_values(values, tspec.get("values", {}).get(column), piece.label,
                                     f"{table}.{column}", notes)
            if column == "stage":
                values = _spell_stages(values, known_stages)
            out[column], headers[column] = values, header
            if isinstance(alternative, dict) and alternative.get("note"):
                notes.append(alternative["note"])
            break
    for column in DATE_COLUMNS[table]:
        if column in out:
            out[column] = _day_first(out[column], piece.label, headers[column], notes)
    for column in ("amount", "quota"):
        if column in out:
            out[column] = _numbers(out[column], piece.label, headers[column], notes)
    order = [c for c in REQUIRED[table] + OPTIONAL[table] if c in out]
    order += [c for c in out if c not in order]
    frame = pd.DataFrame({c: out[c] for c in order}, index=pd.RangeIndex(len(piece.frame)),
                         copy=False)  # columns as they are: stacking same-typed ones copies
    for name in piece.frame.columns:
        if name not in frame:
            frame[name] = piece.frame[name].array
        elif headers.get(name) != name:
            frame[f"{name} (file)"] = piece.frame[name].array
    return Part(frame, piece.label, piece.rows, headers)


def _evaluate(alt, piece, out, column, notes):
    """(values, header description, copied-as-is?) for one alternative, or None if it does not
    apply to this file."""
    frame, label, n = piece.frame, piece.label, len(piece.frame)
    const = lambda value: pd.Series([value] * n, dtype=object)  # noqa: E731
    if isinstance(alt, str):
        header = piece.header(alt)
        return None if header is None else (_text(frame[header]), header, True)
    if "header" in alt:
        header = piece.header(alt["header"])
        if header is None:
            return None
        values = _parse.trimmed(_parse.arrow_text(frame[header]))
        if alt.get("salesforce_id"):
            values, cut = _short_salesforce_ids(values)
            if cut:
                notes.append(f"{label}: {cut} 18-character Salesforce IDs in "
                             f"{header!r} cut to their 15-character form to match reports.")
        if "keep_prefix" in alt:
            other = pc.and_(pc.not_equal(values, ""),
                            pc.invert(pc.starts_with(values, alt["keep_prefix"])))
            if _parse.some(other):
                values = pc.if_else(pc.fill_null(other, False), "", values)
                notes.append(f"{label}: {pc.sum(other).as_py()} {header!r} values do not start "
                             f"with {alt['keep_prefix']!r}, so they are not {column} values: "
                             f"left out of {column}, kept in {header!r}.")
        return _parse.as_series(values, frame.index), header, True
    if "coalesce" in alt:
        found = [piece.header(h) for h in alt["coalesce"] if piece.header(h)]
        if not found:
            return None
        values = _text(frame[found[0]])
        for header in found[1:]:
            values = values.where(~_blank(values) & values.notna(), _text(frame[header]))
        return values, " / ".join(found), True
    if "flags" in alt:
        closed, won = (piece.header(alt["flags"][k]) for k in ("closed", "won"))
        if not (closed and won):
            return None
        closed_flag, won_flag = _parse.to_bool(frame[closed]), _parse.to_bool(frame[won])
        status = np.select([closed_flag & won_flag, closed_flag], ["won", "lost"], "open")
        return pd.Series(status, dtype=object), f"{closed} + {won}", False
    if "from" in alt:
        if alt["from"] not in out:
            return None
        source = out[alt["from"]].astype("string").str.strip().str.lower()
        values = source.map(alt["map"]).astype(object).fillna(alt.get("default"))
        return values, f"from {alt['from']}", False
    if "by_status" in alt:
        found = {s: piece.header(h) for s, h in alt["by_status"].items() if piece.header(h)}
        if "status" not in out or not found:
            return None
        status = out["status"].astype("string").str.strip().str.lower()
        values = pd.Series(np.nan, index=range(n), dtype=object)
        for state, header in found.items():
            mask = status.eq(state).fillna(False).to_numpy()
            values[mask] = frame[header].to_numpy()[mask]
        return values, " / ".join(dict.fromkeys(found.values())), False
    if "const" in alt:
        return const(np.nan if alt["const"] is None else alt["const"]), "(not in export)", False
    if "file" in alt:
        for glob, value in alt["file"].items():
            if fnmatch(label.lower(), glob):
                return const(value), f"(file name {label})", False
        return None
    if "has_header" in alt:
        for header, value in alt["has_header"].items():
            if piece.header(header):
                return const(value), f"(file has {piece.header(header)!r})", False
        return None
    if "percent" in alt:
        header = piece.header(alt["percent"])
        if header is None:
            return None
        values, bad, _ = _parse.to_number(_text(frame[header]))
        text = frame[header].astype("string")
        if "%" in header or text.str.contains("%").any() or (values > 1).any():
            values = values / 100
            notes.append(f"{label}: {header!r} is on a 0–100 scale: divided by 100 into "
                         f"{column!r} (0–1).")
        if bad.any():
            notes.append(f"{label}: {int(bad.sum())} {header!r} values are not numbers: "
                         f"{column!r} left blank there.")
        return values, header, False
    if "row_number" in alt:
        return pd.Series([f"{label}#{r}" for r in piece.rows], dtype=object), "(row number)", \
            False
    raise ValueError(f"preset: unknown derivation {alt!r}")


def _short_salesforce_ids(values):
    """18-character Salesforce IDs (ASCII letters and digits) cut to their 15-character form,
    and how many were cut; other values as they are.

    Examples
    --------
    >>> import pyarrow as pa
    >>> ids, cut = _short_salesforce_ids(pa.array(["0065g00000AbCd1AAC", "0065g00000AbCd1", None]))
    >>> ids.to_pylist(), cut
    (['0065g00000AbCd1', '0065g00000AbCd1', None], 1)
    """
    long = _threads.piecewise(lambda piece: pc.and_(pc.equal(pc.binary_length(piece), 18),
                                                    pc.ascii_is_alnum(piece)), values)
    cut = pc.sum(long).as_py() or 0
    if not cut:
        return values, 0
    short = _threads.piecewise(lambda piece: pc.utf8_slice_codeunits(piece, 0, 15), values)
    every = cut == pc.sum(pc.greater(pc.binary_length(values), 0)).as_py()  # "" stays ""
    return (short if every else pc.if_else(long, short, values)), cut


def _map_values(values, value_map, label, where, notes) -> pd.Series:
    """Raw values through a preset map (any case); '' maps blanks, '*' everything else.
    Each distinct value is looked up once; the notes count rows.

    Examples
    --------
    >>> notes = []
    >>> _map_values(pd.Series(["Call", " call", "Chat", None]), {"call": "call", "*": "other"},
    ...             "x.csv", "activities.kind", notes).tolist()
    ['call', 'call', 'other', nan]
    >>> notes
    ["x.csv: 1 activities.kind values not recognised (['Chat']) counted as 'other'."]
    """
    if not value_map:
        return values
    codes, distinct = _parse.factorized(values)
    rows = np.bincount(codes[codes >= 0], minlength=len(distinct))  # rows per distinct value
    text = distinct.astype("string").str.strip()
    lower = text.str.lower()
    mapped = lower.map({k.lower(): v for k, v in value_map.items() if k != "*"}).astype(object)
    blank = text.eq("").fillna(False).astype(bool).to_numpy()
    if "" in value_map and blank.any():
        notes.append(f"{label}: {int(rows[blank].sum())} blank {where} values shown as "
                     f"{value_map['']!r}, kept apart from any literal value such as 'unknown'.")
    result = _text(text).where(mapped.isna(), mapped)
    if "*" in value_map:
        other = (mapped.isna() & text.notna()).to_numpy()
        if other.any():
            examples = sorted(set(text[other & ~blank].dropna()))[:5]
            notes.append(f"{label}: {int(rows[other].sum())} {where} values not recognised "
                         f"({examples or 'blank'}) counted as {value_map['*']!r}.")
            result = result.where(~other, value_map["*"])
    return _parse.spread(result, codes, values.index)


def _spell_stages(values, known_stages) -> pd.Series:
    def spell(distinct):
        spelled = distinct.astype("string").str.strip().str.lower().map(known_stages)
        return distinct.where(spelled.isna(), spelled.astype(object))
    return _parse.per_distinct(values, spell)


def _day_first(values, label, header, notes) -> pd.Series:
    """A day-first column's d/m/y dates rewritten as ISO (see ``_parse.day_first_as_iso``);
    a column of plain ISO dates is parsed at once instead (no d/m/y in it, nothing to look for)."""
    if not pd.api.types.is_string_dtype(values):
        return values
    stamps = _parse.plain_iso(_parse.arrow_text(values), values.index)
    if stamps is not None:
        return stamps
    # The rule holds for a column as for its distinct values.
    codes, distinct = _parse.factorized(values, unless_mostly_distinct=True)
    iso = _parse.day_first_as_iso(distinct)
    if iso is None:
        return values
    notes.append(f"{label}: dates in {header!r} {_parse.DAY_FIRST}.")
    return _parse.spread(iso, codes, values.index)


def _numbers(values, label, header, notes) -> pd.Series:
    """Accounting negatives '(500)' → '-500'; in a decimal-comma column '1.234' is 1234."""
    text, comma, bracketed = _parse.plain_numbers(values)
    if comma:
        notes.append(f"{label}: amounts in {header!r} {_parse.DECIMAL_COMMA}.")
    if bracketed:
        notes.append(f"{label}: {bracketed} amounts in {header!r} in brackets read as negative.")
    return text


def join(piece, join_spec, raw_by_name, notes) -> pd.DataFrame:
    """Add columns of another file by key, one value per row (never adds or drops rows)."""
    frame, label = piece.frame.copy(), piece.label
    on = join_spec["on"]
    left, right = (on, on) if isinstance(on, str) else on
    add, name = join_spec["add"], join_spec["file"]
    other = raw_by_name.get(name)
    left_header = piece.header(left)
    right_index = {} if other is None else header_index(other.columns)
    right_header = right_index.get(header_key(right))
    if left_header is None or right_header is None:
        notes.append(f"{label}: no {name} file with {right!r} to join: "
                     f"{', '.join(add.values())} left blank.")
        for new in add.values():
            frame[new if new not in frame else f"{new} ({name})"] = np.nan
        return frame

    def norm(values):
        values = values.astype("string").str.strip()
        if join_spec.get("loose"):
            values = values.str.casefold().str.replace(r"[\s_\-]+", "", regex=True)
        return values

    keys = norm(other[right_header])
    duplicate = (keys.duplicated() & keys.ne("")).fillna(False).astype(bool)
    if duplicate.any():
        notes.append(f"{name}: {int(duplicate.sum())} repeated {right_header!r} values; the "
                     "first of each is used in the join.")
    lookup = other[~duplicate.to_numpy()].set_index(keys[~duplicate].to_numpy())
    left_keys = norm(frame[left_header])
    blank = left_keys.eq("").fillna(True).astype(bool)
    matched = left_keys.isin(lookup.index).fillna(False).astype(bool) & ~blank
    if join_spec.get("loose"):
        spelled = left_keys.map(lookup[right_header]).astype("string")
        differs = (matched & spelled.ne(frame[left_header].astype("string").str.strip())
                   ).fillna(False).astype(bool)
        for before, after in sorted(set(zip(frame[left_header][differs], spelled[differs]))):
            count = int((frame[left_header][differs] == before).sum())
            notes.append(f"{label}: {left_header} {before!r} written {after!r} as in the "
                         f"{name} file ({count:,} rows), so the join keeps every row.")
        frame[left_header] = frame[left_header].where(~differs, spelled)
    added = []
    for source, new in add.items():
        target = new if new not in frame else f"{new} ({name})"
        header = right_index.get(header_key(source))
        values = left_keys.map(lookup[header]) if header else pd.Series(np.nan, frame.index)
        frame[target] = _text(values.where(matched, np.nan))
        added.append(target)
    for mask, why in ((blank, f"a blank {left_header!r}"),
                      (~matched & ~blank, f"a {left_header!r} not found in the {name} file")):
        if mask.any():
            examples = sorted(set(frame[left_header][mask].dropna().astype(str)) - {""})[:3]
            notes.append(f"{label}: {int(mask.sum()):,} rows have {why}"
                         f"{f' (e.g. {examples})' if examples else ''}: "
                         f"{', '.join(added)} left blank there.")
    return frame


def unpivot(parts, spec, tspec, known_stages, notes) -> list[Part]:
    """One stage-history row per filled 'Date entered "<stage> (<pipeline>)"' cell."""
    pattern, made = re.compile(spec["pattern"]), []
    for part in parts:
        for column in part.frame.columns:
            match = pattern.match(str(column))
            if not match:
                continue
            cells = part.frame[column].astype("string").str.strip()
            filled = (cells.notna() & cells.ne("")).to_numpy()
            stage = _map_values(pd.Series([match["stage"]]), tspec.get("values", {}).get("stage"),
                                part.file, "stage_history.stage", notes)
            stage = _spell_stages(stage, known_stages).iloc[0]
            frame = pd.DataFrame({
                "opportunity_id": part.frame[spec["id"]].to_numpy()[filled],
                "stage": stage,
                "entered_at": _day_first(_text(cells[filled]).reset_index(drop=True),
                                         part.file, column, notes),
                "pipeline": match.groupdict().get("pipeline")})
            # The cell is the row's origin: (file row, this column) names it in the report.
            made.append(Part(frame, part.file, part.rows[filled],
                             dict.fromkeys(("opportunity_id", "stage", "entered_at"), column)))
    if not made:
        notes.append(f"{', '.join(p.file for p in parts)}: no columns like "
                     f"'Date entered \"<stage> (<pipeline>)\"', so no stage history; add the "
                     "'Date entered' properties to the export to get it.")
    return made


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
