"""What an export holds and how it would load, before loading it: for an import assistant.

:func:`inspect` reads the files once and says, per file, which table it feeds, which CRM it
looks like (and how sure that is), how each canonical column would be filled, a preview, the
stage labels with their counts (to pick the closed-won and closed-lost ones) and the owners
found. :meth:`ExportPlan.settings` turns the plan plus the user's choices into the
:class:`~kpitools.settings.Settings` to save.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpitools.io import classify
from kpitools.io.engine import build
from kpitools.io.labels import StageLabels
from kpitools.io.load import _paths, _read
from kpitools.io.mapping import all_columns
from kpitools.io.presets import CRMS, PRESETS
from kpitools.io.report import Log
from kpitools.schema import TABLES

PREVIEW_ROWS = 5


@dataclass
class FilePlan:
    """One file (or sheet): its table, the CRM it looks like, and how it would be read."""

    file: str
    table: str | None
    crm: str | None
    confidence: float
    mapping: dict = field(default_factory=dict)  # canonical column -> header or rule
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)
    labels: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))
    owners: list = field(default_factory=list)


@dataclass
class ExportPlan:
    """What :func:`inspect` found: the CRM (preset), each file's plan, all stage labels with
    counts and all owners."""

    source: list
    preset: str | None
    files: list
    notes: list = field(default_factory=list)

    @property
    def labels(self) -> pd.Series:
        """Every stage label of the export's deals with its number of deals."""
        found = [f.labels for f in self.files if f.table == "opportunities" and len(f.labels)]
        return (pd.concat(found).groupby(level=0).sum().sort_values(ascending=False)
                if found else pd.Series(dtype="int64"))

    @property
    def owners(self) -> list:
        return sorted({o for f in self.files for o in f.owners})

    def settings(self, **choices):
        """The :class:`~kpitools.settings.Settings` for this export, with the user's choices
        (``stages``, ``closed_won``, ``closed_lost``, ``mapping``, ``me``, ...) on top."""
        from kpitools.settings import Settings

        source = self.source[0] if len(self.source) == 1 else list(self.source)
        return Settings(**{"source": source, "preset": self.preset, **choices})

    def _repr_html_(self) -> str:
        def columns(plan):
            return html.escape(", ".join(f"{k} ← {v}" for k, v in plan.mapping.items()))
        rows = "".join(
            f"<tr><td>{html.escape(f.file)}</td><td>{f.table or '-'}</td>"
            f"<td>{html.escape(PRESETS[f.crm]['label']) if f.crm else '-'}</td>"
            f"<td>{f.confidence:.0%}</td><td>{columns(f)}</td></tr>" for f in self.files)
        return (f"<h4>Export: {html.escape(self.preset or 'no CRM recognised')}</h4><table>"
                "<tr><th>file</th><th>table</th><th>looks like</th><th>sure</th>"
                f"<th>columns</th></tr>{rows}</table>"
                + self.labels.to_frame("deals").to_html(escape=True))


def inspect(source, preset: str | None = None) -> ExportPlan:
    """Say what an export holds and how :func:`kpitools.load_crm` would read it.

    Parameters
    ----------
    source : str, Path or list of them
        A folder, a file or several files, as for ``load_crm``.
    preset : str, optional
        The CRM, if known; otherwise each file is compared with every CRM's preset and the
        best match is proposed.

    Returns
    -------
    ExportPlan
        ``preset`` (the CRM proposed), ``files`` (a :class:`FilePlan` each: ``table``,
        ``crm``, ``confidence`` 0-1, ``mapping`` canonical column → header or rule,
        ``preview``, ``labels`` stage labels with counts, ``owners``), ``labels`` and
        ``owners`` of the whole export, and ``settings(**choices)``.

    Examples
    --------
    >>> import kpitools as kt
    >>> plan = kt.io.inspect("tests/fixtures/pipedrive")
    >>> plan.preset, [f.table for f in plan.files]
    ('pipedrive', ['activities', 'opportunities'])
    >>> plan.files[1].mapping["amount"], plan.labels.index[0]
    ('Deal - Value', 'Demo Scheduled')
    >>> plan.settings(closed_won=["Won"]).preset
    'pipedrive'
    """
    log = Log()
    paths = _paths(source, log)
    pieces = [classify.Piece(raw, explicit) for path, explicit in paths for raw in _read(path)]
    candidates = [preset] if preset else list(CRMS)
    plans = [_plan(piece, candidates) for piece in pieces if len(piece.frame.columns)]
    found = [p.crm for p in plans if p.crm]
    chosen = preset or (max(set(found), key=found.count) if found else None)
    if chosen and not preset:  # every file read with the one CRM proposed
        plans = [_plan(piece, [chosen]) for piece in pieces if len(piece.frame.columns)]
    sources = [str(s) for s in ([source] if isinstance(source, (str, Path)) else source)]
    return ExportPlan(sources, chosen, plans, log.notes)


def _plan(piece, presets) -> FilePlan:
    """The best of ``presets`` for one file, scored by the share of its columns found."""
    best = FilePlan(piece.label, None, None, 0.0, preview=piece.frame.head(PREVIEW_ROWS))
    for name in presets:
        spec = PRESETS[name]
        kind, table = classify.classify(piece, spec, {}, {t: {} for t in TABLES})
        if kind != "table":
            continue
        tspec = {**spec["tables"].get(table, {}), "ids": spec.get("ids")}
        listed = list(tspec.get("columns", {}))
        try:
            part = build(piece, table, tspec, all_columns(table, spec), {},
                         StageLabels(tuple(spec["stages"])), Log())
        except Exception:  # noqa: BLE001 - a file this preset cannot read scores nothing
            continue
        found = [c for c in listed if c in part.headers and not str(
            part.headers[c]).startswith("(")]
        confidence = len(found) / len(listed) if listed else 0.0
        if confidence > best.confidence:
            headers = part.headers
            best = FilePlan(piece.label, table, name, round(confidence, 2),
                            {c: h for c, h in headers.items()}, best.preview,
                            _counts(piece, headers.get("stage")),
                            sorted(_counts(piece, headers.get("rep")).index))
    return best


def _counts(piece, header) -> pd.Series:
    """A file column's distinct values with their counts (empty if it is not a header)."""
    column = piece.header(header) if isinstance(header, str) else None
    if column is None:
        return pd.Series(dtype="int64")
    values = piece.frame[column].astype("string").str.strip()
    return values[values.ne("")].value_counts()
