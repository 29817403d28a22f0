"""Labels as a CRM writes them: headers compared loosely, stage labels (open, closed won,
closed lost) and value maps, each distinct value read once."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpitools.schema import TERMINAL_STAGES


def header_key(header) -> str:
    """Headers compare ignoring case, spaces, '_' and '-' ("Close Date" = "close_date")."""
    return re.sub(r"[\s_\-\ufeff\u200b]+", "", str(header).casefold())


def header_index(columns) -> dict:
    """header_key → the first column with that key."""
    index = {}
    for column in columns:
        index.setdefault(header_key(column), column)
    return index


def distinct(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(codes, each distinct value once), as ``pd.factorize`` numbers them (missing: -1)."""
    codes, uniques = pd.factorize(values)
    return codes, pd.Series(uniques, dtype=object)


def spread(per_value: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Results for each distinct value back on every row; missing where the value was."""
    return pd.Series(pd.api.extensions.take(per_value.to_numpy(dtype=object), codes,
                                            allow_fill=True), index=index, dtype=object)


def per_distinct(values: pd.Series, func) -> pd.Series:
    """``func`` applied to each distinct value once (labels repeat: a stage column of ten
    million rows holds a handful), spread back to every row.

    Examples
    --------
    >>> per_distinct(pd.Series(["a", "b", "a", None]), lambda s: s.str.upper()).tolist()
    ['A', 'B', 'A', nan]
    """
    codes, uniques = distinct(values)
    return spread(func(uniques), codes, values.index)


def text(values: pd.Series) -> pd.Series:
    """Text as pandas' "str" dtype (missing = NaN); typed columns (Parquet dates, numbers,
    flags) unchanged."""
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        return values.astype("str")
    return values


def label_key(label) -> str:
    """Stage labels compare ignoring case and the marks between words: "Closed-Lost",
    "closed lost" and "Closed: lost" are one label.

    Examples
    --------
    >>> label_key("Closed-Lost to Competition"), label_key(" Closed: won ")
    ('closed lost to competition', 'closed won')
    """
    return " ".join(re.sub(r"[\s\-_:;,./]+", " ", str(label).casefold()).split())


@dataclass(frozen=True)
class StageLabels:
    """Which labels are open stages (in order) and which close a deal as won or lost.

    Examples
    --------
    >>> labels = StageLabels(("Qualify", "Propose"), won=("Gewonnen",), lost=("Dead",))
    >>> labels.spell(pd.Series(["qualify", "GEWONNEN", "dead", "Other"])).tolist()
    ['Qualify', 'Closed Won', 'Closed Lost', 'Other']
    >>> labels.status(pd.Series(["Propose", "Gewonnen", "Other"])).tolist()
    ['open', 'won', 'other']
    """

    open: tuple
    won: tuple = ()
    lost: tuple = ()

    @property
    def closed(self) -> dict:
        """Lower-case closed label → its terminal spelling."""
        return {**{label_key(w): TERMINAL_STAGES[0] for w in (TERMINAL_STAGES[0], *self.won)},
                **{label_key(w): TERMINAL_STAGES[1] for w in (TERMINAL_STAGES[1], *self.lost)}}

    def spell(self, values: pd.Series) -> pd.Series:
        """Open stages in their configured spelling, closed labels as the terminal labels."""
        known = {**{label_key(s): s for s in self.open}, **self.closed}

        def spell(distinct):
            found = distinct.map(label_key, na_action="ignore").map(known)
            return distinct.where(found.isna(), found.astype(object))
        return per_distinct(values, spell)

    def status(self, values: pd.Series) -> pd.Series:
        """open / won / lost by label; any other label lower-cased (an unknown status)."""
        outcome = {**{label_key(s): "open" for s in self.open},
                   **{k: "won" if v == TERMINAL_STAGES[0] else "lost"
                      for k, v in self.closed.items()}}

        def read(distinct):
            key = distinct.map(label_key, na_action="ignore")
            return key.map(outcome).fillna(key).astype(object)
        return per_distinct(values, read)


def map_values(values, value_map, label, where, log) -> pd.Series:
    """Raw values through a value map (any case); '' maps blanks, '*' everything else.
    Each distinct value is looked up once; the notes count rows.

    Examples
    --------
    >>> from kpitools.io.report import Log
    >>> log = Log()
    >>> map_values(pd.Series(["Call", " call", "Chat", None]), {"call": "call", "*": "other"},
    ...            "x.csv", "activities.kind", log).tolist()
    ['call', 'call', 'other', nan]
    >>> log.notes
    ["x.csv: 1 activities.kind values not recognised (['Chat']) counted as 'other'."]
    """
    if not value_map:
        return values
    codes, uniques = distinct(values)
    rows = np.bincount(codes[codes >= 0], minlength=len(uniques))  # rows per distinct value
    tidy = uniques.astype("string").str.strip()
    lower = tidy.str.casefold()
    mapped = lower.map({k.casefold(): v for k, v in value_map.items() if k != "*"}).astype(object)
    blank = tidy.eq("").fillna(False).astype(bool).to_numpy()
    if "" in value_map and blank.any():
        log.note(f"{label}: {int(rows[blank].sum())} blank {where} values shown as "
                 f"{value_map['']!r}, kept apart from any literal value such as 'unknown'.")
    result = text(tidy).where(mapped.isna(), mapped)
    if "*" in value_map:
        other = (mapped.isna() & tidy.notna()).to_numpy()
        if other.any():
            examples = sorted(set(tidy[other & ~blank].dropna()))[:5]
            log.note(f"{label}: {int(rows[other].sum())} {where} values not recognised "
                     f"({examples or 'blank'}) counted as {value_map['*']!r}.")
            result = result.where(~other, value_map["*"])
    return spread(result, codes, values.index)
