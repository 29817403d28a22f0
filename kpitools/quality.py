"""The quality report of loading: every excluded row with its reason, and what to fix."""
from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

# What to change in the CRM (or the mapping) for each exclusion reason.
FIXES: dict[str, str] = {
    "missing value": "fill the field in the CRM, or map another column to it",
    "unparseable date": "use one date format in the export (e.g. ISO 2024-03-31)",
    "non-numeric amount": "export amounts as plain numbers",
    "negative amount": "amounts must be >= 0; record refunds outside the pipeline",
    "non-numeric quota": "export quotas as plain numbers",
    "negative quota": "quotas must be >= 0",
    "unknown status": "map the CRM's status values to open/won/lost",
    "unknown kind": "map activity types to call/email/social/event/meeting/other",
    "unknown stage": "pass stages=(...) with the CRM's open stages in order",
    "duplicate id": "remove the duplicate record in the CRM (the first one is kept)",
    "closed before created": "correct the close or created date in the CRM",
    "closed deal without closed_at": "set the close date of every won or lost deal",
    "open deal with closed_at": "an open deal has no close date: fix its status or date",
    "orphan foreign key": "the referenced record is missing from the export: export it too",
    # Rows load_crm leaves out before mapping (whole rows of a file).
    "blank row": "nothing to fix: an empty line in the file",
    "report footer": "nothing to fix: report title/copyright lines after the data",
    "wrong number of fields": "re-export the file; a value probably holds an unquoted delimiter",
}

EXCLUDED_COLUMNS = ["table", "row", "column", "value", "reason"]


@dataclass
class QualityReport:
    """What loading found: every excluded row with its reason, and rows read/kept per table.

    Examples
    --------
    >>> import kpitools as kt
    >>> report = kt.load_sample().quality
    >>> int(report.overview()["excluded"].sum())
    0
    """

    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXCLUDED_COLUMNS))
    rows_read: dict = field(default_factory=dict)
    rows_kept: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def overview(self) -> pd.DataFrame:
        """Rows read, kept and excluded per table (read = kept + excluded)."""
        tables = list(self.rows_read)
        read = [self.rows_read[t] for t in tables]
        kept = [self.rows_kept.get(t, 0) for t in tables]
        return pd.DataFrame({"table": tables, "read": read, "kept": kept,
                             "excluded": [r - k for r, k in zip(read, kept)]})

    def summary(self) -> pd.DataFrame:
        """Problems counted per table, column and reason, with what to fix in the CRM."""
        counts = (self.excluded.groupby(["table", "column", "reason"], sort=True)
                  .size().rename("rows").reset_index())
        counts["fix"] = counts["reason"].map(FIXES).fillna("")
        return counts

    def merge(self, other: "QualityReport") -> "QualityReport":
        """Combine two reports (e.g. the reader's and the validator's)."""
        excluded = pd.concat([self.excluded, other.excluded], ignore_index=True)
        return QualityReport(excluded, {**self.rows_read, **other.rows_read},
                             {**self.rows_kept, **other.rows_kept}, self.notes + other.notes)

    def __repr__(self) -> str:
        lines = ["QualityReport"]
        lines += [f"  {r.table}: {r.read} read, {r.kept} kept, {r.excluded} excluded"
                  for r in self.overview().itertuples()]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parts = ["<h4>Data quality</h4>", self.overview().to_html(index=False)]
        if len(self.excluded):
            parts += ["<p>Why rows were left out, and what to fix in the CRM:</p>",
                      self.summary().to_html(index=False),
                      "<p>First excluded rows (all of them are in <code>.excluded</code>):</p>",
                      self.excluded.head(20).to_html(index=False)]
        else:
            parts.append("<p>No rows were excluded.</p>")
        parts += [f"<p>Note: {html.escape(n)}</p>" for n in self.notes]
        return "\n".join(parts)
