"""One rep's numbers from a ``CRMData``: their rows, the data's "today", and the arguments of
``plan`` from their own numbers (no plotting, no widgets; used by the scorecard and the widgets).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kpitools._groups import equals
from kpitools.activity import activity_ratios
from kpitools.deals import deal_metrics
from kpitools.quota import quota_gap
from kpitools.schema import SchemaError
from kpitools.winrate import win_rate

FALLBACKS = {"avg_deal_size": 10_000.0, "win_rate": 0.25, "next_step_rate": 0.5,
             "outreach_per_first_meeting": 10.0}  # when neither the rep nor the team has data


def _rep_rows(frame: pd.DataFrame, rep: str | None) -> pd.DataFrame:
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
    >>> mine.equals(_rep_rows(data.opportunities, "Mei Lin"))
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
            return _rep_rows(frame, rep)
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


def _today(data) -> pd.Timestamp:
    """The data's "now": ``data.today``, else the last activity, deal or close date."""
    if getattr(data, "today", None) is not None:
        return pd.Timestamp(data.today)
    dates = [data.activities.get("at"), data.opportunities.get("created_at"),
             data.opportunities.get("closed_at")]
    latest = max((d.max() for d in dates if d is not None and d.notna().any()), default=None)
    return pd.Timestamp(latest) if latest is not None else pd.Timestamp.now().normalize()


def _own_numbers(reps: RepIndex, rep: str | None, today: pd.Timestamp) -> dict:
    opps = reps.rows("opportunities", rep)
    try:
        gap = quota_gap(opps, reps.rows("quotas", rep), by=None, as_of=today,
                        stages=reps.data.stages)
        now = gap[gap["period"].eq(today.to_period("M").start_time).to_numpy()]
    except SchemaError:  # e.g. an export without expected_close: no target from the data
        now = pd.DataFrame({"gap": [], "quota": []})
    ratios = activity_ratios(reps.rows("activities", rep)).iloc[0]
    return {"gap": now["gap"].iloc[0] if len(now) else np.nan,
            "quota": now["quota"].iloc[0] if len(now) else np.nan,
            "avg_deal_size": deal_metrics(opps)["avg_deal_size"].iloc[0],
            "win_rate": win_rate(opps)["win_rate"].iloc[0],
            "next_step_rate": ratios["next_step_rate"],
            "outreach_per_first_meeting": ratios["outreach_per_first_meeting"]}


def _usable(value) -> bool:
    """A number a plan can use: not missing, above 0 (a 0% rate cannot plan anything)."""
    return value is not None and not pd.isna(value) and value > 0


def _plan_inputs(data, rep: str | None, reps: RepIndex | None = None) -> tuple[dict, list[str]]:
    """``plan`` keyword arguments from a rep's numbers, and notes on where each came from.

    ``reps``: a ``RepIndex`` of ``data`` to take the rep's rows from (a widget's).
    """
    reps = reps or RepIndex(data, ())
    today = _today(data)
    own = _own_numbers(reps, rep, today)
    team = {} if rep else own  # the team's numbers, computed only when a rep's are missing
    inputs, notes = {}, []
    for name in FALLBACKS:
        inputs[name] = own[name]
        if not _usable(inputs[name]):
            team = team or _own_numbers(reps, None, today)
            inputs[name] = team[name] if _usable(team[name]) else FALLBACKS[name]
            notes.append(f"{name.replace('_', ' ')}: " + (
                f"{rep} has no usable number yet, so the team's is used" if _usable(team[name])
                else "no data yet, so a typical value is used"))
    month = today.to_period("M")
    if _usable(own["gap"]):
        target, weeks = own["gap"], max(math.ceil(((month.end_time - today).days + 1) / 7), 1)
        notes.insert(0, f"target: what is still open of {month:%B}'s quota, in the weeks left")
    elif _usable(own["quota"]):
        target, weeks = own["quota"], 4
        notes.insert(0, f"target: a full monthly quota over 4 weeks ({month:%B}'s is reached)")
    else:
        target = float(data.quotas["quota"].median()) if len(data.quotas) else 0.0
        weeks = 4
        notes.insert(0, "target: no quota found, so a typical monthly quota over 4 weeks")
    inputs = {k: float(v) for k, v in inputs.items()}
    return {"target_revenue": float(target), **inputs, "weeks": int(weeks)}, notes


def plan_inputs(data, rep: str | None = None) -> dict:
    """The ``plan`` arguments from one rep's own numbers (the team's where theirs are missing).

    Target: what is still open of this month's quota (as of ``data.today``) over the weeks
    left, or a full monthly quota over 4 weeks once it is reached. Average deal size from
    ``deal_metrics``, win rate from ``win_rate``, next-step rate and outreach per first meeting
    from ``activity_ratios``.

    Parameters
    ----------
    data : CRMData
    rep : str, optional
        A rep's name; None for the team.

    Returns
    -------
    dict
        ``target_revenue, avg_deal_size, win_rate, next_step_rate,
        outreach_per_first_meeting, weeks``: pass them on with ``kt.plan(**inputs)``.

    Examples
    --------
    >>> import kpitools as kt
    >>> inputs = plan_inputs(kt.load_sample(), "Mei Lin")
    >>> kt.plan(**inputs)["step"].tolist()
    ['deals', 'opportunities', 'first_meetings', 'outreach']
    """
    return _plan_inputs(data, rep)[0]
