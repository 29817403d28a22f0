"""``load_crm``: export files → the canonical tables, with a report of what was left out.

The steps: list and read the files (:mod:`~kpitools.io.files`), decide which table each file
feeds (:mod:`~kpitools.io.classify`), map its columns (:mod:`~kpitools.io.engine`, following
a preset of :mod:`~kpitools.io.presets` and the user's ``mapping``), read the export's dates one
way (:mod:`~kpitools.io.values`), then apply the rules (:mod:`~kpitools.io.rules`). One
:class:`~kpitools.io.report.Log` collects what each step found.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from kpitools.io import classify, files, joins
from kpitools.io import values as parse
from kpitools.io._pool import allocating_for_a_load
from kpitools.io.engine import build, concat, headers_of
from kpitools.io.labels import StageLabels, label_key
from kpitools.io.mapping import all_columns, check_headers, did_you_mean, split_mapping
from kpitools.io.presets import PRESETS
from kpitools.io.report import FILE_COLUMNS, Log, QualityReport
from kpitools.io.cleaning import clean
from kpitools.schema import (DATE_COLUMNS, DEFAULT_STAGES, REQUIRED, TABLES, TERMINAL_STAGES,
                             CRMData, SchemaError)

PROGRESS_BYTES = 50 * 2**20  # a load this big shows a progress bar unless progress=False
# Words that make an "open" stage look like a closed one (stages= given without closed labels).
_CLOSED_WORDS = re.compile(r"\b(won|lost|closed|dead|gewonnen|verloren|perdu|gagn|ganad|perdid|"
                           r"geschlossen|abgeschlossen|fermé|cerrad)", re.I)


def load_crm(source: str | Path | list | None = None, preset: str | None = None,
             mapping: dict | None = None, stages=None, *, closed_won=None, closed_lost=None,
             today=None, settings=None, progress: bool | None = None) -> CRMData:
    """Load CRM exports (a folder, a file or a list of files) into the canonical tables.

    CSV (UTF-8 with or without BOM, UTF-16, Windows-1252; ``,`` ``;`` tab or ``|``) and Excel
    (every visible sheet) are read as text, so IDs keep leading zeros; Parquet's dates and
    numbers stay typed. A preset maps a CRM's export headers and values; ``mapping``
    overrides any column. Where the export carries the CRM's own outcome flags (Salesforce
    IsWon/IsClosed, HubSpot "Is Closed Won"), they decide won and lost; elsewhere stage
    labels do. Rows that cannot be used are excluded with a reason; ``.quality`` lists each
    with its file and 0-based data row, and says what the loader guessed.

    Parameters
    ----------
    source : str, Path or list of them
        A folder (every CSV/Excel/Parquet file in it; other files are named in a note), one
        file, or several files. Default: the settings' source.
    preset : {"salesforce", "hubspot", "pipedrive", "dynamics365", "zoho", "maven", "olist"}
        Without one, a file feeds the table its name mentions (``opportunities.csv``) or whose
        canonical columns its headers hold.
    mapping : dict, optional
        ``{canonical: entry}`` for every table, or ``{table: {canonical: entry}}``; an entry
        is a header, a list of headers, or a rule: ``kt.io.const(value)``,
        ``kt.io.value_map(header, {raw: value}, default=...)``, ``kt.io.row_number()``.
    stages : sequence of str, optional
        Open stages in order; default the preset's, else ``DEFAULT_STAGES``.
    closed_won, closed_lost : sequence of str, optional
        Stage labels that close a deal as won / lost (custom, renamed or translated stages),
        besides "Closed Won" / "Closed Lost" and the preset's own.
    today : date-like, optional
        The data's "now". Default: the latest plausible record date of the export (the
        report says which).
    settings : Settings, dict or path, optional
        Course settings (:class:`kpitools.Settings`); arguments given here win over them.
    progress : bool, optional
        Show a progress bar; by default only for 50 MB of files or more.

    Returns
    -------
    CRMData
        The five tables (canonical columns first, then the files' own columns), ``today``,
        and ``quality``: rows read/kept/excluded/flagged per table, ``excluded`` and
        ``flagged`` (table, file, row, column, header, value, reason), notes and guesses.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_crm("sample_data/maven", preset="maven")
    >>> data.quality.overview().query("table == 'opportunities'")
               table  read  kept  excluded  flagged
    2  opportunities  8800  8300       500        0
    >>> kt.load_crm("sample_data/maven", preset="maven", mapping={"amount": "close_valu"})
    Traceback (most recent call last):
    ...
    kpitools.schema.SchemaError: mapping: header 'close_valu' (for 'amount') is not in any ...
    Did you mean 'close_value'? ...
    """
    options = _with_settings(settings, source=source, preset=preset, mapping=mapping,
                             stages=stages, closed_won=closed_won, closed_lost=closed_lost,
                             today=today)
    if options["source"] is None:
        raise SchemaError("load_crm: no source given: pass a folder or files, or settings "
                          "that name one.")
    with allocating_for_a_load():
        return _load(options, progress)


def _with_settings(settings, **given) -> dict:
    """The arguments given, the settings' values where an argument was not given."""
    if settings is None:
        return given
    from kpitools.settings import Settings, find

    chosen = find(settings) if not isinstance(settings, Settings) else settings
    if chosen is None:
        return given
    out = dict(given)
    for key in ("preset", "mapping", "stages", "closed_won", "closed_lost", "today"):
        if out[key] is None:
            out[key] = getattr(chosen, key)
    if out["source"] is None and chosen.source:
        paths = chosen.sources()
        out["source"] = paths[0] if len(paths) == 1 else paths
    return out


def _labels(options, spec, log) -> StageLabels:
    stages = options["stages"]
    stages = (stages,) if isinstance(stages, str) else stages
    stages = tuple(stages) if stages else (tuple(spec["stages"]) or DEFAULT_STAGES)
    as_tuple = lambda v: (v,) if isinstance(v, str) else tuple(v or ())  # noqa: E731
    won = tuple(spec.get("closed_won", ())) + as_tuple(options["closed_won"])
    lost = tuple(spec.get("closed_lost", ())) + as_tuple(options["closed_lost"])
    closed = {w.casefold() for w in won + lost + TERMINAL_STAGES}
    for stage in stages:
        if _CLOSED_WORDS.search(stage) and stage.casefold() not in closed:
            log.note(f"stages lists {stage!r}, which reads like a closed stage: its deals count "
                     f"as open. If they are closed, pass closed_won=[{stage!r}] or "
                     f"closed_lost=[{stage!r}] instead.")
    return StageLabels(tuple(s for s in stages if s.casefold() not in closed), won, lost)


def _preset(preset) -> dict:
    if preset is None:
        return {"label": None, "stages": (), "tables": {}}
    if preset not in PRESETS:
        close = difflib.get_close_matches(str(preset).lower(), PRESETS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise SchemaError(f"unknown preset {preset!r}.{hint} Valid presets: {sorted(PRESETS)} "
                          "or None (canonical column names).")
    return PRESETS[preset]


def _load(options, progress) -> CRMData:
    log = Log()
    spec = _preset(options["preset"])
    labels = _labels(options, spec, log)
    flat, per_table = split_mapping(options["mapping"], spec)
    paths = _paths(options["source"], log)
    bar = _progress_bar(paths, progress)
    pieces = []
    for path, explicit in paths:
        bar.set_postfix_str(f"reading {path.name}")
        pieces += [classify.Piece(raw, explicit) for raw in _read(path)]
        bar.update()
    by_table, lookups = classify.sort(pieces, spec, flat, per_table, log)
    check_headers(flat, per_table, by_table)
    bar.total = len(paths) + sum(map(len, by_table.values())) + 1  # mapping each, then checks
    bar.refresh()
    data = _assemble(by_table, lookups, spec, flat, per_table, labels, log,
                     (options["today"], [p for p, _ in paths]), bar)
    bar.close()
    return data


def _progress_bar(paths, progress: bool | None) -> tqdm:
    """A step per file read, per file mapped and one for the checks; shown from 50 MB by
    default."""
    size = sum(path.stat().st_size for path, _ in paths)
    show = size >= PROGRESS_BYTES if progress is None else progress
    return tqdm(total=2 * len(paths) + 1, desc="load_crm", unit="step", disable=not show)


def _paths(source, log) -> list[tuple[Path, bool]]:
    sources = [source] if isinstance(source, (str, Path)) else list(source)
    out = []
    for item in map(Path, sources):
        if item.is_dir():
            found, notes = files.list_folder(item)
            out += [(path, False) for path in found]
            for note in notes:
                log.note(note)
        elif item.is_file():
            out.append((item, True))
        else:
            raise FileNotFoundError(f"load_crm: {str(item)!r} is neither a file nor a folder.")
    return out


def _read(path: Path) -> list[files.RawFile]:
    try:
        return files.read(path)
    except Exception as error:  # any reader failure becomes one message naming the file
        raise SchemaError(f"{path.name}: could not be read as "
                          f"{path.suffix.lstrip('.').upper() or 'CSV'} ({error}).") from error


def _assemble(by_table, lookups, spec, flat, per_table, labels, log, when, bar) -> CRMData:
    joined = {j["file"] for ts in spec["tables"].values() for j in ts.get("joins", ())}
    sources = {**lookups, **by_table}
    raw_by_name = {n: pd.concat([p.frame for p in sources[n]], ignore_index=True)
                   for n in joined if sources.get(n)}
    parts = {t: [] for t in TABLES}
    dropped = []
    for table in TABLES:
        tspec = {**spec["tables"].get(table, {}), "ids": spec.get("ids")}
        if by_table[table]:
            for note in tspec.get("notes", ()):
                log.note(note)
        for piece in by_table[table]:
            bar.set_postfix_str(f"mapping {piece.label}")
            dropped += [(table, piece.label, row, "(whole row)", "", value, reason)
                        for row, value, reason in piece.raw.dropped]
            for join in tspec.get("joins", ()):
                piece.join(joins.join(piece, join, raw_by_name, log))
            columns = all_columns(table, spec)
            user = {c: per_table[table].get(c, flat.get(c, ())) for c in columns}
            part = build(piece, table, tspec, columns, user, labels, log)
            _require(part, piece, table, tspec, user, spec)
            parts[table].append(part)
            bar.update()
        unpivot = tspec.get("unpivot")
        if unpivot and parts[unpivot["from"]]:
            parts[table] += joins.unpivot(parts[unpivot["from"]], unpivot, tspec, labels, log)
            for note in tspec.get("notes", ()):
                log.note(note)
    labels = _learn_closed_labels(parts, labels, log)
    dates = _read_dates_one_way(parts, log)
    frames = {t: concat(ps) for t, ps in parts.items()}
    recency = {t: pd.Series(np.repeat([p.modified for p in ps], [len(p.frame) for p in ps]))
               for t, ps in parts.items() if len({p.file for p in ps}) > 1}
    if recency:
        log.note("A record found in two files is taken from the newest copy: by its modified "
                 "date where the export has one, else from the most recently saved file.")
    bar.set_postfix_str("checking rows")
    data = clean({t: f for t, (f, _) in frames.items()}, stages=labels.open,
                 terminal=TERMINAL_STAGES, recency=recency, dates=dates)
    bar.update()
    origin = {t: o for t, (_, o) in frames.items()}
    excluded = _report_rows(data.quality.excluded, origin, dropped)
    flagged = _report_rows(data.quality.flagged, origin, [])
    extra = pd.Series([d[0] for d in dropped], dtype=object).value_counts()
    read = {t: n + int(extra.get(t, 0)) for t, n in data.quality.rows_read.items()}
    data.today = _today(data, *when, log)
    data.quality = QualityReport(excluded, read, dict(data.quality.rows_kept),
                                 list(dict.fromkeys(log.notes + data.quality.notes)), flagged,
                                 log.guesses)
    return data


def _learn_closed_labels(parts, labels: StageLabels, log) -> StageLabels:
    """Where the CRM's flags decided the outcome, a stage label found only on won (or only on
    lost) deals and not an open stage is a closed stage of the CRM's own naming; its deals'
    stage and their stage-history rows read as "Closed Won" / "Closed Lost". A closed deal
    whose label is on won and lost deals alike gets the terminal label its flag says."""
    flagged = [p for p in parts["opportunities"]
               if "+" in p.headers.get("status", "") and "stage" in p.frame]
    won, lost = set(), set()
    for part in flagged:
        frame = part.frame
        for status, found in (("won", won), ("lost", lost)):
            found |= set(frame.loc[frame["status"].eq(status), "stage"].dropna().astype(str))
    known = {label_key(s) for s in labels.open} | set(labels.closed)
    won = {w for w in won if label_key(w) not in known}
    lost = {w for w in lost if label_key(w) not in known}
    learned_won, learned_lost = sorted(won - lost), sorted(lost - won)
    if learned_won or learned_lost:
        log.guess(f"Closed stages read from the CRM's won/lost flags: won {learned_won}, lost "
                  f"{learned_lost}. Pass closed_won=[...] / closed_lost=[...] to name them "
                  "yourself.")
        labels = StageLabels(labels.open, labels.won + tuple(learned_won),
                             labels.lost + tuple(learned_lost))
        for part in parts["opportunities"] + parts["stage_history"]:
            if "stage" in part.frame:
                part.frame["stage"] = labels.spell(part.frame["stage"])
    for part in flagged:
        frame = part.frame
        for status, terminal in (("won", TERMINAL_STAGES[0]), ("lost", TERMINAL_STAGES[1])):
            odd = frame["status"].eq(status) & ~frame["stage"].isin(labels.open + TERMINAL_STAGES)
            frame.loc[odd.to_numpy(dtype=bool), "stage"] = terminal
    return labels


def _read_dates_one_way(parts, log) -> dict:
    """Every date column of the export parsed at once, with one day/month order (said in the
    report); per table and column the parsed columns of all its files, one after another."""
    columns = {(t, i, c): part.frame[c] for t, ps in parts.items() for i, part in enumerate(ps)
               for c in DATE_COLUMNS[t] if c in part.frame}
    if not columns:
        return {}
    found, rule = parse.dates(columns)
    if rule:
        log.note(f"Dates of this export {rule.removeprefix('dates ')}.")
    out = {}
    for table, table_parts in parts.items():
        names = {c for (t, _, c) in found if t == table}
        out[table] = {c: _joined([found.get((table, i, c)) for i in range(len(table_parts))],
                                 [len(p.frame) for p in table_parts]) for c in names}
    return out


def _joined(pieces, sizes) -> parse.Parsed:
    """One table's column from its files' parsed columns (a file without it: missing)."""
    if len(pieces) == 1 and pieces[0] is not None:  # one file: nothing to join, no copy
        return pieces[0]
    values, bad, implausible = [], [], []
    for piece, size in zip(pieces, sizes):
        if piece is None:
            values.append(pd.Series(pd.NaT, index=range(size), dtype="datetime64[us]"))
            bad.append(np.zeros(size, bool))
            implausible.append(np.zeros(size, bool))
        else:
            values.append(piece.values.reset_index(drop=True))
            bad.append(np.asarray(piece.bad))
            implausible.append(np.asarray(piece.extra.get("implausible", np.zeros(size, bool))))
    return parse.Parsed(pd.concat(values, ignore_index=True), np.concatenate(bad), None,
                        {"implausible": np.concatenate(implausible)})


def _today(data: CRMData, given, paths, log) -> pd.Timestamp:
    """``today`` as given, else the latest record date no later than the export itself (the
    newest file's save time, and the clock): a planned activity or a typo in the future
    never moves it."""
    if given is not None:
        today = pd.Timestamp(given)
        log.note(f"today is {today.date()} (given).")
        return today
    limit = min([pd.Timestamp.now()] + [pd.Timestamp(p.stat().st_mtime, unit="s")
                                        for p in paths]) + pd.Timedelta(days=1)
    candidates = [(t, c) for t in TABLES for c in ("created_at", "closed_at", "entered_at", "at",
                                                   "modified_at")
                  if c in data.tables()[t]]
    best = None
    for table, column in candidates:
        values = data.tables()[table][column]
        latest = values.max()
        if latest > limit:  # the plain maximum is the answer unless it lies in the future
            latest = values[values <= limit].max()
        if pd.notna(latest) and (best is None or latest > best[0]):
            best = (latest, table, column)
    if best is None:
        today = pd.Timestamp.now().normalize()
        log.guess(f"today is {today.date()}, the computer's date: the export has no record "
                  "dates. Pass today=... to choose another day.")
        return today
    today = best[0].normalize()
    log.guess(
        f"today is {today.date()}: the latest {best[1]}.{best[2]} in the export (dates after "
        "the export was saved are left out). Pass today=... to choose another day.")
    return today


def _require(part, piece, table, tspec, user, spec) -> None:
    for column in all_columns(table, spec):  # preset order: 'stage' before 'status from stage'
        if column in part.headers or column not in REQUIRED[table]:
            continue
        alternatives = tuple(user.get(column, ())) + tuple(
            tspec.get("columns", {}).get(column, ()))
        expected = list(dict.fromkeys(
            h for alt in alternatives for h in headers_of(alt))) + [column]
        found = list(piece.frame.columns)
        raise SchemaError(
            f"{piece.label}: cannot load it as {table}{classify.preset_words(spec)}: no column "
            f"for {column!r} (expected header {' or '.join(map(repr, expected))}). Headers "
            f"found: {found}.{did_you_mean(expected, found, column, [piece])}")


def _report_rows(problems: pd.DataFrame, origin: dict, dropped: list) -> pd.DataFrame:
    """Positions in the combined frames → file, file row and the file's header."""
    lines = [pd.DataFrame(dropped, columns=FILE_COLUMNS)]
    for table, group in problems.groupby("table", sort=False):
        starts, part_rows, sources = origin[table]
        positions = group["row"].to_numpy(dtype=int)
        which = np.searchsorted(starts, positions, side="right") - 1
        rows = np.empty(len(positions), dtype=int)
        for part in np.unique(which):
            mine = which == part
            rows[mine] = np.asarray(part_rows[part])[positions[mine] - starts[part]]
        lines.append(pd.DataFrame({
            "table": table, "file": [sources[p][0] for p in which], "row": rows,
            "column": group["column"].to_numpy(),
            "header": [sources[p][1].get(c, "") for p, c in zip(which, group["column"])],
            "value": group["value"].to_numpy(), "reason": group["reason"].to_numpy()}))
    out = pd.concat([f for f in lines if len(f)] or [lines[0]], ignore_index=True)
    order = {t: i for i, t in enumerate(TABLES)}
    out = out.assign(_t=out["table"].map(order)).sort_values(["_t", "file", "row"],
                                                             kind="stable")
    return out.drop(columns="_t").reset_index(drop=True).astype({"row": "int64"})
