"""Each rep's rows of a ``CRMData``, found once (private; used by ``kpitools.coaching`` and the
widgets, which ask for one rep's rows on every change of the rep dropdown).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools._groups import equals


def rep_rows(frame: pd.DataFrame, rep: str | None) -> pd.DataFrame:
    """The rows of one rep (all rows for None)."""
    return frame if rep is None else frame[equals(frame["rep"], rep)]


class RepIndex:
    """Where each rep's rows are in some of a ``CRMData``'s tables, found once.

    A widget builds one when it is built, so that choosing a rep takes that rep's rows instead
    of filtering whole tables on every change. Stage history rows belong to the rep of their
    opportunity. The index describes the tables as they were when it was built; other tables
    are filtered on each call.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> mine = RepIndex(data, ["opportunities"]).rows("opportunities", "Mei Lin")
    >>> mine.equals(rep_rows(data.opportunities, "Mei Lin"))
    True
    """

    def __init__(self, data, tables):
        self.data = data
        self._splits = {table: _split(*self._owners(table)) for table in tables}

    def has(self, table: str) -> bool:
        """Whether ``table`` was split when the index was built."""
        return table in self._splits

    def rows(self, table: str, rep: str | None) -> pd.DataFrame:
        """The rows of ``rep`` in ``data.<table>``, in table order (the whole table for None)."""
        frame = getattr(self.data, table)
        if rep is None or table not in self._splits:
            return rep_rows(frame, rep)
        names, positions, starts = self._splits[table]
        code = names.get_indexer([rep])[0]
        return frame.take(positions[starts[code]:starts[code + 1]] if code >= 0 else
                          positions[:0])

    def _owners(self, table: str) -> tuple[np.ndarray, pd.Series]:
        """Row positions of ``table`` and the rep each belongs to (a row may have several)."""
        frame = getattr(self.data, table)
        if table != "stage_history":
            return np.arange(len(frame)), frame["rep"]
        deals = self.data.opportunities[["opportunity_id", "rep"]].drop_duplicates()
        owned = pd.DataFrame({"opportunity_id": frame["opportunity_id"].array,
                              "row": np.arange(len(frame))}).merge(deals, on="opportunity_id")
        return owned["row"].to_numpy(), owned["rep"]  # an inner merge keeps the rows' order


def _split(rows: np.ndarray, reps: pd.Series) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Ascending ``rows`` grouped by rep (each group stays ascending), and the group starts."""
    codes, names = pd.factorize(reps)
    small = codes.astype(np.min_scalar_type(-len(names) - 1))  # int16 sorts by radix
    order = np.argsort(small, kind="stable")[np.count_nonzero(codes < 0):]  # no rep: no group
    starts = np.concatenate([[0], np.cumsum(np.bincount(codes[codes >= 0],
                                                        minlength=len(names)))])
    return pd.Index(names), rows[order], starts
