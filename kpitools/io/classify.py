"""Which table a file feeds: a preset's header signatures and file names, else the file name,
else the canonical columns its headers hold."""
from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

from kpitools.io.labels import header_index, header_key
from kpitools.schema import REQUIRED, TABLES, SchemaError

# Without a preset a file feeds the table its name mentions (checked in this order).
NAME_GLOBS = (("stage_history", ("*stage_history*", "*stagehistory*", "*history*")),
              ("quotas", ("*quota*",)), ("activities", ("*activit*",)),
              ("opportunities", ("*opportunit*",)), ("leads", ("*lead*",)))


class Piece:
    """One file (or Excel sheet) on its way to a table: raw text columns plus provenance."""

    def __init__(self, raw, explicit: bool):
        self.raw, self.explicit = raw, explicit
        self.label, self.rows = raw.label, raw.rows
        self.join(raw.frame)

    def join(self, frame) -> None:
        """The file's columns (after a join added some)."""
        self.frame = frame
        self.index = header_index(frame.columns)

    def header(self, name):
        return self.index.get(header_key(name))

    @property
    def name(self) -> str:
        return self.label.lower() if self.raw.sheet is None else self.raw.sheet.lower()


def globs_match(name: str, globs) -> int:
    """Length of the longest matching glob (0 = none); longer globs are more specific."""
    return max((len(g.strip("*")) for g in globs if fnmatch(name.lower(), g.lower())), default=0)


def preset_words(spec) -> str:
    return f" of the {spec['label']} preset" if spec["label"] else " (no preset)"


def sort(pieces, spec, flat, per_table, log) -> tuple[dict, dict]:
    """({table: pieces}, {lookup name: pieces}); unrecognised files are an error when named
    explicitly, a note when found in a folder."""
    by_table, lookups = {t: [] for t in TABLES}, {}
    for piece in pieces:
        for note in piece.raw.notes:
            log.note(note)
        if len(piece.frame.columns) == 0:
            log.note(f"{piece.label} is empty: nothing to load.")
            continue
        kind, name = classify(piece, spec, flat, per_table)
        if kind == "ignore":
            log.note(f"{piece.label}: {name}; not loaded.")
        elif kind == "unknown":
            message = (f"{piece.label}: not recognised as any table{preset_words(spec)}. "
                       f"Headers found: {list(piece.frame.columns)}. Name the file after its "
                       f"table (e.g. opportunities.csv), pick a preset or pass mapping={{...}}.")
            if piece.explicit:
                raise SchemaError(message)
            log.note(message + " Not loaded.")
        else:
            (by_table if kind == "table" else lookups).setdefault(name, []).append(piece)
            if kind == "table" and len(piece.frame) == 0:
                log.note(f"{piece.label} has headers but no rows.")
    return by_table, lookups


def classify(piece: Piece, spec, flat, per_table) -> tuple[str, str | None]:
    """("table", name), ("lookup", name), ("ignore", why) or ("unknown", None)."""
    name = piece.name
    for glob, why in spec.get("ignore", {}).items():
        if fnmatch(name, glob):
            return "ignore", why
    has = lambda headers: all(piece.header(h) for h in headers)  # noqa: E731
    tables = {t: ts for t, ts in spec["tables"].items() if t not in _ruled_out(spec, piece)}
    signed = [t for t, ts in tables.items() if any(has(s) for s in ts.get("signatures", ()))]
    if signed:
        return "table", max(signed, key=lambda t: globs_match(name, tables[t].get("files", ())))
    named = {**{t: ts.get("files", ()) for t, ts in tables.items()},
             **{f"lookup:{n}": g for n, g in spec.get("lookups", {}).items()}}
    best = max(named, key=lambda t: globs_match(name, named[t]), default=None)
    if best and globs_match(name, named[best]):
        return ("lookup", best[7:]) if best.startswith("lookup:") else ("table", best)
    for table, globs in NAME_GLOBS:
        if globs_match(Path(name).stem, globs) and table not in _ruled_out(spec, piece):
            return "table", table
    share = {t: _share(piece, t, flat, per_table) for t in TABLES
             if t not in _ruled_out(spec, piece)}
    fits = [t for t, s in share.items() if s == 1]
    if fits:
        return "table", max(fits, key=lambda t: len(REQUIRED[t]))
    # Mostly there: the missing-column error (with its "did you mean") names the rest.
    best = max(share, key=share.get, default=None)
    return ("table", best) if best and share[best] >= 0.5 else ("unknown", None)


def _ruled_out(spec, piece) -> set:
    """Tables a file cannot feed: it holds every header of one of their ``not`` tuples."""
    return {t for t, ts in spec["tables"].items()
            if any(all(piece.header(h) for h in headers) for headers in ts.get("not", ()))}


def _share(piece, table, flat, per_table) -> float:
    """Share of the table's required columns the file's headers (or the mapping) give; the
    table's own record ID and the owner are not needed (rows can be numbered, a rep
    unassigned)."""
    own_id = {"leads": "lead_id", "activities": "activity_id",
              "opportunities": "opportunity_id"}.get(table)
    needed = [c for c in REQUIRED[table] if c not in ("rep", own_id)]

    def found(column):
        entries = per_table[table].get(column, flat.get(column, ()))
        return bool(piece.header(column) or any(
            not isinstance(e, str) or piece.header(e) for e in entries))
    return sum(map(found, needed)) / len(needed)
