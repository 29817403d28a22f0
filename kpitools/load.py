"""Bring your own CRM data: export files → the canonical tables, with a report of what was left out.

``load_crm`` reads a folder or files (CSV and Excel as text; Parquet's typed columns stay
typed), decides which table each file feeds (preset file names and header signatures, else the
file name or its headers), maps headers and values through the preset (pure data in
:mod:`kpitools.presets`), then lets :func:`kpitools.schema.clean` coerce dtypes and exclude bad
rows with reasons. Every excluded row is reported with its file and 0-based data row; the files'
own columns are kept.
"""
from __future__ import annotations

import contextlib
import difflib
from fnmatch import fnmatch
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm.auto import tqdm

from kpitools import _derive, _files
from kpitools.presets import PRESETS
from kpitools.schema import (DEFAULT_STAGES, OPTIONAL, REQUIRED, TABLES, TERMINAL_STAGES,
                             CRMData, QualityReport, SchemaError, clean)

# jemalloc hands pages freed this long ago back to the system (0 gives them back at once, at the
# cost of fresh pages on every reuse; with Arrow's own setting ~1.4 GB stayed resident after
# the activities of a scale-200 load were freed).
DECAY_MS = 200
PROGRESS_BYTES = 50 * 2**20  # a load this big shows a progress bar unless progress=False
EXCLUDED = ["table", "file", "row", "column", "header", "value", "reason"]
EXTRA_COLUMNS = {"opportunities": ("probability",)}
# Without a preset a file feeds the table its name mentions (checked in this order).
_NAME_GLOBS = (("stage_history", ("*stage_history*", "*stagehistory*", "*history*")),
               ("quotas", ("*quota*",)), ("activities", ("*activit*",)),
               ("opportunities", ("*opportunit*",)), ("leads", ("*lead*",)))


_key = _derive.header_key


def _globs_match(name: str, globs) -> int:
    """Length of the longest matching glob (0 = none); longer globs are more specific."""
    return max((len(g.strip("*")) for g in globs if fnmatch(name.lower(), g.lower())), default=0)


class _Piece:
    """One file (or Excel sheet) on its way to a table: raw text columns plus provenance."""

    def __init__(self, raw: _files.RawFile, explicit: bool):
        self.raw, self.explicit = raw, explicit
        self.label, self.frame, self.rows = raw.label, raw.frame, raw.rows
        self.index = _derive.header_index(self.frame.columns)

    def header(self, name):
        return self.index.get(_key(name))


def load_crm(source: str | Path | list, preset: str | None = None,
             mapping: dict | None = None, stages=None, progress: bool | None = None) -> CRMData:
    """Load CRM exports (a folder, a file or a list of files) into the canonical tables.

    CSV (UTF-8 with or without BOM, UTF-16, cp1252; ``,`` ``;`` tab or ``|``) and Excel (every
    sheet) are read as text, so IDs keep leading zeros; Parquet's dates and numbers stay typed.
    A preset maps a CRM's export headers and values; ``mapping`` overrides any column. Rows
    that cannot be used are excluded with a reason; ``.quality`` lists each with its file and
    0-based data row. A load of 50 MB or more shows a progress bar (a widget in a notebook).

    Parameters
    ----------
    source : str, Path or list of them
        A folder (every CSV/Excel/Parquet file in it; other files are named in a note), one
        file, or several files.
    preset : {"salesforce", "hubspot", "pipedrive", "maven", "olist"}, optional
        Without one, a file feeds the table its name mentions (``opportunities.csv``) or whose
        canonical columns its headers hold.
    mapping : dict, optional
        ``{canonical: header}`` for every table, or ``{table: {canonical: header}}``.
    stages : sequence of str, optional
        Open stages in order; default the preset's, else ``DEFAULT_STAGES``.
    progress : bool, optional
        Show a progress bar; by default only for 50 MB of files or more.

    Returns
    -------
    CRMData
        The five tables (canonical columns first, then the files' own columns) and
        ``quality``: rows read/kept/excluded per table, ``excluded`` (table, file, row, column,
        header, value, reason) and notes.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_crm("sample_data/maven", preset="maven")
    >>> data.quality.overview().query("table == 'opportunities'")
               table  read  kept  excluded
    2  opportunities  8800  8300       500
    >>> kt.load_crm("sample_data/maven", preset="maven", mapping={"amount": "close_valu"})
    Traceback (most recent call last):
    ...
    kpitools.schema.SchemaError: mapping: header 'close_valu' (for 'amount') is not in any ...
    Did you mean 'close_value'? ...
    """
    with _memory_given_back():
        return _load(source, preset, mapping, stages, progress)


@contextlib.contextmanager
def _memory_given_back():
    """Arrow allocates from jemalloc while a load runs, set to give freed scratch memory
    (decoded pages, trimmed copies) back to the system within ``DECAY_MS``, where Arrow's
    default (mimalloc) keeps it: at scale 200 the dashboard's peak is ~8% lower. The setting
    holds for jemalloc's arenas made from the first load on. Nothing changes where pyarrow is
    built without jemalloc."""
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:
        yield
        return
    pa.jemalloc_set_decay_ms(DECAY_MS)
    default = pa.default_memory_pool()
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(default)


def _load(source, preset, mapping, stages, progress) -> CRMData:
    spec = _preset(preset)
    stages = tuple(stages) if stages else (tuple(spec["stages"]) or DEFAULT_STAGES)
    flat, per_table = _split_mapping(mapping, spec)
    notes: list[str] = []
    paths = _paths(source, notes)
    bar = _progress_bar(paths, progress)
    pieces = []
    for path, explicit in paths:
        bar.set_postfix_str(path.name)
        pieces += [_Piece(raw, explicit) for raw in _read(path)]
        bar.update()
    bar.set_postfix_str("mapping columns and checking rows")
    by_table: dict[str, list[_Piece]] = {t: [] for t in TABLES}
    lookups: dict[str, list[_Piece]] = {}
    for piece in pieces:
        notes.extend(piece.raw.notes)
        if len(piece.frame.columns) == 0:
            notes.append(f"{piece.label} is empty: nothing to load.")
            continue
        kind, name = _classify(piece, spec, flat, per_table)
        if kind == "ignore":
            notes.append(f"{piece.label}: {name}; not loaded.")
        elif kind == "unknown":
            message = (f"{piece.label}: not recognised as any table{_preset_words(spec)}. "
                       f"Headers found: {list(piece.frame.columns)}. Name the file after its "
                       f"table (e.g. opportunities.csv), pick a preset or pass mapping={{...}}.")
            if piece.explicit:
                raise SchemaError(message)
            notes.append(message + " Not loaded.")
        else:
            (by_table if kind == "table" else lookups).setdefault(name, []).append(piece)
            if kind == "table" and len(piece.frame) == 0:
                notes.append(f"{piece.label} has headers but no rows.")
    _check_mapping_headers(flat, per_table, by_table)
    data = _assemble(by_table, lookups, spec, flat, per_table, stages, notes)
    del pieces, by_table, lookups
    pa.default_memory_pool().release_unused()  # give the reading's scratch memory back
    bar.update()
    bar.close()
    return data


def _progress_bar(paths, progress: bool | None) -> tqdm:
    """One step per file, then one for mapping and checking; shown from 50 MB by default."""
    size = sum(path.stat().st_size for path, _ in paths)
    show = size >= PROGRESS_BYTES if progress is None else progress
    return tqdm(total=len(paths) + 1, desc="load_crm", unit="step", disable=not show)


def _preset(preset) -> dict:
    if preset is None:
        return {"label": None, "stages": (), "tables": {}}
    if preset not in PRESETS:
        close = difflib.get_close_matches(str(preset).lower(), PRESETS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise SchemaError(f"unknown preset {preset!r}.{hint} Valid presets: {sorted(PRESETS)} "
                          "or None (canonical column names).")
    return PRESETS[preset]


def _preset_words(spec) -> str:
    return f" of the {spec['label']} preset" if spec["label"] else " (no preset)"


def _paths(source, notes) -> list[tuple[Path, bool]]:
    sources = [source] if isinstance(source, (str, Path)) else list(source)
    out = []
    for item in map(Path, sources):
        if item.is_dir():
            for path in sorted(item.iterdir()):
                if path.is_dir():
                    notes.append(f"{path.name}/: sub-folders are not searched.")
                elif _files.is_data_file(path):
                    out.append((path, False))
                else:
                    notes.append(f"{path.name}: not a CSV, Excel or Parquet file; not loaded.")
        elif item.is_file():
            out.append((item, True))
        else:
            raise FileNotFoundError(f"load_crm: {str(item)!r} is neither a file nor a folder.")
    return out


def _read(path: Path) -> list[_files.RawFile]:
    try:
        return _files.read(path)
    except Exception as error:  # any reader failure becomes one message naming the file
        raise SchemaError(f"{path.name}: could not be read as "
                          f"{path.suffix.lstrip('.').upper() or 'CSV'} ({error}).") from error


def _all_columns(table: str, spec: dict) -> list[str]:
    """Preset columns first (their order matters for derivations), then the canonical rest."""
    listed = list(spec["tables"].get(table, {}).get("columns", {}))
    rest = REQUIRED[table] + OPTIONAL[table] + EXTRA_COLUMNS.get(table, ())
    return listed + [c for c in rest if c not in listed]


def _split_mapping(mapping, spec) -> tuple[dict, dict]:
    """{canonical: headers} for all tables and {table: {canonical: headers}}; names checked."""
    flat, per_table = {}, {t: {} for t in TABLES}
    known = {c for t in TABLES for c in _all_columns(t, spec)}
    for key, value in (mapping or {}).items():
        targets = value.items() if key in TABLES and isinstance(value, dict) else [(key, value)]
        for canonical, headers in targets:
            if canonical not in known:
                close = difflib.get_close_matches(canonical, sorted(known), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise SchemaError(f"mapping: {canonical!r} is not a canonical column.{hint} "
                                  f"Canonical columns: {sorted(known)}.")
            headers = (headers,) if isinstance(headers, str) else tuple(headers)
            (per_table[key] if key in TABLES and isinstance(value, dict) else flat)[
                canonical] = headers
    return flat, per_table


def _classify(piece: _Piece, spec, flat, per_table) -> tuple[str, str | None]:
    name = piece.label.lower() if piece.raw.sheet is None else piece.raw.sheet.lower()
    for glob, why in spec.get("ignore", {}).items():
        if fnmatch(name, glob):
            return "ignore", why
    has = lambda headers: all(piece.header(h) for h in headers)  # noqa: E731
    tables = spec["tables"]
    signed = [t for t, ts in tables.items() if any(has(s) for s in ts.get("signatures", ()))]
    if signed:
        return "table", max(signed, key=lambda t: _globs_match(name, tables[t].get("files", ())))
    named = {**{t: ts.get("files", ()) for t, ts in tables.items()},
             **{f"lookup:{n}": g for n, g in spec.get("lookups", {}).items()}}
    best = max(named, key=lambda t: _globs_match(name, named[t]), default=None)
    if best and _globs_match(name, named[best]):
        return ("lookup", best[7:]) if best.startswith("lookup:") else ("table", best)
    for table, globs in _NAME_GLOBS:
        if _globs_match(Path(name).stem, globs):
            return "table", table
    fits = [t for t in TABLES if all(
        piece.header(c) or any(piece.header(h) for h in per_table[t].get(c, flat.get(c, ())))
        for c in REQUIRED[t])]
    if fits:
        return "table", max(fits, key=lambda t: len(REQUIRED[t]))
    return _partial_fit(piece, flat, per_table)


def _partial_fit(piece: _Piece, flat, per_table) -> tuple[str, str | None]:
    """A table whose required columns the headers mostly hold, so the missing-column error
    (with its 'did you mean') can name the rest; else unknown."""
    def share(table):
        found = [piece.header(c) or any(piece.header(h) for h in
                                        per_table[table].get(c, flat.get(c, ())))
                 for c in REQUIRED[table]]
        return sum(map(bool, found)) / len(found)
    best = max(TABLES, key=share)
    return ("table", best) if share(best) >= 0.5 else ("unknown", None)


def _check_mapping_headers(flat, per_table, by_table) -> None:
    for table, entries in [(None, flat)] + list(per_table.items()):
        pieces = [p for t, ps in by_table.items() if table in (None, t) for p in ps]
        for canonical, headers in entries.items():
            if not pieces or any(p.header(h) for p in pieces for h in headers):
                continue
            found = list(dict.fromkeys(c for p in pieces for c in p.frame.columns))
            raise SchemaError(
                f"mapping: header {' or '.join(map(repr, headers))} (for {canonical!r}) is not "
                f"in any {table or 'loaded'} file ({', '.join(p.label for p in pieces)}). "
                f"Headers found: {found}.{_did_you_mean(headers, found, canonical, True)}")


def _did_you_mean(expected, found, canonical, suggest_found=False) -> str:
    """A difflib hint when a found header looks like an expected one (or, for a mistyped
    mapping, the other way round)."""
    best = None
    for header in found:
        for known in expected:
            ratio = difflib.SequenceMatcher(None, _key(header), _key(known)).ratio()
            if ratio >= 0.75 and (best is None or ratio > best[0]):
                best = (ratio, header, known)
    if best is None:
        return ""
    _, header, known = best
    if suggest_found:
        return f" Did you mean {header!r}? Then pass mapping={{{canonical!r}: {header!r}}}."
    return (f" Did you mean {known!r}? Header {header!r} looks like it: rename it in the "
            f"export or pass mapping={{{canonical!r}: {header!r}}}.")


def _assemble(by_table, lookups, spec, flat, per_table, stages, notes) -> CRMData:
    known_stages = {s.lower(): s for s in tuple(stages) + TERMINAL_STAGES}
    joined = {j["file"] for ts in spec["tables"].values() for j in ts.get("joins", ())}
    sources = {**lookups, **by_table}
    raw_by_name = {n: pd.concat([p.frame for p in sources[n]], ignore_index=True)
                   for n in joined if sources.get(n)}
    parts: dict[str, list[_derive.Part]] = {t: [] for t in TABLES}
    dropped = []
    for table in TABLES:
        tspec = spec["tables"].get(table, {})
        if by_table[table]:
            notes.extend(tspec.get("notes", ()))
        for piece in by_table[table]:
            dropped += [(table, piece.label, row, "(whole row)", "", value, reason)
                        for row, value, reason in piece.raw.dropped]
            for join in tspec.get("joins", ()):
                piece.frame = _derive.join(piece, join, raw_by_name, notes)
                piece.index = _derive.header_index(piece.frame.columns)
            columns = _all_columns(table, spec)
            user = {c: per_table[table].get(c, flat.get(c, ())) for c in columns}
            part = _derive.build(piece, table, tspec, columns, user, known_stages, notes)
            _require(part, piece, table, tspec, user, spec)
            parts[table].append(part)
        unpivot = tspec.get("unpivot")
        if unpivot and parts[unpivot["from"]]:
            made = _derive.unpivot(parts[unpivot["from"]], unpivot, tspec, known_stages, notes)
            parts[table] += made
            notes.extend(tspec.get("notes", ()))
    frames = {t: _derive.concat(ps) for t, ps in parts.items()}
    data = clean({t: f for t, (f, _) in frames.items()}, stages=stages)
    origin = {t: o for t, (_, o) in frames.items()}
    excluded = _report_rows(data.quality.excluded, origin, dropped)
    extra = pd.Series([d[0] for d in dropped], dtype=object).value_counts()
    read = {t: n + int(extra.get(t, 0)) for t, n in data.quality.rows_read.items()}
    data.quality = QualityReport(excluded, read, dict(data.quality.rows_kept),
                                 list(dict.fromkeys(notes + data.quality.notes)))
    return data


def _require(part, piece, table, tspec, user, spec) -> None:
    for column in _all_columns(table, spec):  # preset order: 'stage' before 'status from stage'
        if column in part.headers or column not in REQUIRED[table]:
            continue
        alternatives = tuple(user.get(column, ())) + tuple(
            tspec.get("columns", {}).get(column, ()))
        expected = list(dict.fromkeys(
            h for alt in alternatives for h in _derive.headers_of(alt))) + [column]
        found = list(piece.frame.columns)
        raise SchemaError(
            f"{piece.label}: cannot load it as {table}{_preset_words(spec)}: no column for "
            f"{column!r} (expected header {' or '.join(map(repr, expected))}). Headers found: "
            f"{found}.{_did_you_mean(expected, found, column)}")


def _report_rows(excluded: pd.DataFrame, origin: dict, dropped: list) -> pd.DataFrame:
    """Positions in the combined frames → file, file row and the file's header."""
    lines = [pd.DataFrame(dropped, columns=EXCLUDED)]
    for table, group in excluded.groupby("table", sort=False):
        starts, part_rows, sources = origin[table]
        positions = group["row"].to_numpy(dtype=int)
        parts = np.searchsorted(starts, positions, side="right") - 1
        rows = np.empty(len(positions), dtype=int)
        for part in np.unique(parts):
            mine = parts == part
            rows[mine] = np.asarray(part_rows[part])[positions[mine] - starts[part]]
        lines.append(pd.DataFrame({
            "table": table, "file": [sources[p][0] for p in parts], "row": rows,
            "column": group["column"].to_numpy(),
            "header": [sources[p][1].get(c, "") for p, c in zip(parts, group["column"])],
            "value": group["value"].to_numpy(), "reason": group["reason"].to_numpy()}))
    out = pd.concat([f for f in lines if len(f)] or [lines[0]], ignore_index=True)
    order = {t: i for i, t in enumerate(TABLES)}
    out = out.assign(_t=out["table"].map(order)).sort_values(["_t", "file", "row"],
                                                             kind="stable")
    return out.drop(columns="_t").reset_index(drop=True).astype({"row": "int64"})

