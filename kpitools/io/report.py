"""The quality report of a load, and the log a load writes it from.

A load keeps one :class:`Log`: the notes (what the loader read and how), what it guessed, and
the rows it excluded or flagged, each with its table, file, row, column, value and reason. The
log becomes a :class:`QualityReport` at the end; nothing else carries notes around.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

EXCLUDED_COLUMNS = ["table", "row", "column", "value", "reason"]
FILE_COLUMNS = ["table", "file", "row", "column", "header", "value", "reason"]


def _empty(columns=EXCLUDED_COLUMNS) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


@dataclass
class QualityReport:
    """What loading found: every excluded row with its reason, rows read/kept per table, the
    rows kept but flagged, the notes and what the loader guessed.

    For every table rows read = rows kept + rows excluded; flagged rows are among the kept.

    Examples
    --------
    >>> import kpitools as kt
    >>> report = kt.load_sample().quality
    >>> int(report.overview()["excluded"].sum())
    0
    """

    excluded: pd.DataFrame = field(default_factory=_empty)
    rows_read: dict = field(default_factory=dict)
    rows_kept: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    flagged: pd.DataFrame = field(default_factory=_empty)
    guessed: list = field(default_factory=list)

    def overview(self) -> pd.DataFrame:
        """Rows read, kept, excluded and flagged (kept, with a warning) per table."""
        tables = list(self.rows_read)
        read = [self.rows_read[t] for t in tables]
        kept = [self.rows_kept.get(t, 0) for t in tables]
        flagged = self.flagged.groupby("table")["row"].nunique() if len(self.flagged) else {}
        return pd.DataFrame({"table": tables, "read": read, "kept": kept,
                             "excluded": [r - k for r, k in zip(read, kept)],
                             "flagged": [int(flagged.get(t, 0)) for t in tables]})

    def summary(self) -> pd.DataFrame:
        """Excluded and flagged rows counted per table, column and reason, with what to fix."""
        from kpitools.io.rules import FIXES  # the rules table knows each reason's fix

        parts = [frame.assign(outcome=outcome) for outcome, frame in
                 (("excluded", self.excluded), ("flagged", self.flagged)) if len(frame)]
        if not parts:
            return pd.DataFrame(columns=["table", "column", "reason", "outcome", "rows", "fix"])
        counts = (pd.concat(parts, ignore_index=True)
                  .groupby(["table", "column", "reason", "outcome"], sort=True)
                  .size().rename("rows").reset_index())
        counts["fix"] = counts["reason"].map(FIXES).fillna("")
        return counts

    def merge(self, other: "QualityReport") -> "QualityReport":
        """Combine two reports (e.g. the reader's and the validator's)."""
        return QualityReport(pd.concat([self.excluded, other.excluded], ignore_index=True),
                             {**self.rows_read, **other.rows_read},
                             {**self.rows_kept, **other.rows_kept}, self.notes + other.notes,
                             pd.concat([self.flagged, other.flagged], ignore_index=True),
                             self.guessed + other.guessed)

    def __repr__(self) -> str:
        lines = ["QualityReport"]
        lines += [f"  {r.table}: {r.read} read, {r.kept} kept, {r.excluded} excluded"
                  + (f", {r.flagged} flagged" if r.flagged else "")
                  for r in self.overview().itertuples()]
        lines += [f"  guessed: {g}" for g in self.guessed]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        table = lambda frame: frame.to_html(index=False, escape=True)  # noqa: E731 (user text)
        parts = ["<h4>Data quality</h4>", table(self.overview())]
        if len(self.excluded) or len(self.flagged):
            parts += ["<p>Rows left out (or kept with a warning), and what to fix:</p>",
                      table(self.summary())]
        if len(self.excluded):
            parts += ["<p>First excluded rows (all of them are in <code>.excluded</code>):</p>",
                      table(self.excluded.head(20))]
        else:
            parts.append("<p>No rows were excluded.</p>")
        parts += [f"<p><b>Guessed:</b> {html.escape(g)}</p>" for g in self.guessed]
        parts += [f"<p>Note: {html.escape(n)}</p>" for n in self.notes]
        return "\n".join(parts)


class Log:
    """What one load found, in order: notes, guesses, and excluded or flagged rows.

    Each step of a load records into the same log; :meth:`report` turns it into the
    :class:`QualityReport`. Notes are kept once each, in the order first seen.

    Examples
    --------
    >>> log = Log()
    >>> log.note("a.csv: ';'-separated.")
    >>> log.guess("ID column: 'Deal - ID'.")
    >>> log.notes, log.guesses
    (["a.csv: ';'-separated."], ["ID column: 'Deal - ID'."])
    """

    def __init__(self):
        self._notes: dict[str, None] = {}
        self._guesses: dict[str, None] = {}

    def note(self, text: str) -> None:
        self._notes.setdefault(text)

    def guess(self, text: str) -> None:
        self._guesses.setdefault(text)

    @property
    def notes(self) -> list[str]:
        return list(self._notes)

    @property
    def guesses(self) -> list[str]:
        return list(self._guesses)
