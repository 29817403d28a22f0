"""Activity ratios: how much outreach books a first meeting, and how many meetings move on."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _conform, _groups
from kpitools._outputs import returns
from kpitools._stats import safe_divide
from kpitools.schema import KINDS, OUTREACH_KINDS, SchemaError, bool_column

# Kinds as codes, the outreach kinds first: a code below len(OUTREACH_KINDS) is outreach.
_KINDS = OUTREACH_KINDS + tuple(kind for kind in KINDS if kind not in OUTREACH_KINDS)
_MEETING = _KINDS.index("meeting")
DIRECTIONS = ("inbound", "outbound")
FLAGS = ("is_first_meeting", "next_step_scheduled")


def _kind_codes(activities: pd.DataFrame, where: str, rows=slice(None)) -> np.ndarray:
    """The ``kind`` of the activities (of ``rows``) as codes into ``_KINDS``."""
    return _conform.label_codes(activities["kind"].iloc[rows], _KINDS, "activities", "kind",
                                where)


def _outreach(activities: pd.DataFrame, kind: np.ndarray, where: str) -> np.ndarray:
    """Which activities are outreach: calls, emails, social touches and events the rep
    started. With a ``direction`` column, inbound ones are not (they stay activities).

    Examples
    --------
    >>> acts = pd.DataFrame({"kind": ["call", "call", "meeting", "email"],
    ...                      "direction": ["outbound", "Inbound", "inbound", None]})
    >>> _outreach(acts, _kind_codes(acts, "example"), "example").tolist()
    [True, False, False, True]
    """
    outreach = (kind >= 0) & (kind < len(OUTREACH_KINDS))
    if "direction" in activities:
        direction = _conform.label_codes(activities["direction"], DIRECTIONS, "activities",
                                         "direction", where, missing_ok=True)
        outreach &= direction != DIRECTIONS.index("inbound")
    return outreach


def _first_meetings(activities: pd.DataFrame, where: str,
                    kind: np.ndarray | None = None) -> np.ndarray:
    """Which activities are first meetings: meetings flagged ``is_first_meeting``. Without
    ``kind`` codes, the kind is read only where flagged (few rows).

    Examples
    --------
    >>> acts = pd.DataFrame({"kind": ["meeting", "call", "meeting"],
    ...                      "is_first_meeting": [True, True, False]})
    >>> _first_meetings(acts, "example").tolist()
    [True, False, False]
    """
    flagged = np.flatnonzero(bool_column(activities, "is_first_meeting"))
    first = np.zeros(len(activities), dtype=bool)
    first[flagged] = (kind[flagged] if kind is not None
                      else _kind_codes(activities, where, flagged)) == _MEETING
    return first


@returns("outreach", "first_meetings", "next_steps", "outreach_per_first_meeting",
         "next_step_rate")
def activity_ratios(activities: pd.DataFrame, *, by=None, freq: str | None = None) -> pd.DataFrame:
    """Outreach needed per first meeting, and the share of first meetings with a next step.

    Outreach is calls, emails, social touches and events the rep started (with a
    ``direction`` column, inbound ones are not outreach). A next step counts only when it was
    *scheduled* at the first meeting (a second meeting, a demo, a proposal date).

    Parameters
    ----------
    activities : DataFrame
        The canonical activities table (a frame not from ``kt.load_crm`` is read as the loader
        reads it, or refused with a ``SchemaError`` saying which values and why).
    by : str or list of str, optional
        Columns to group by, e.g. ``"rep"`` or ``["rep", "channel_detail"]``.
    freq : str, optional
        Period of the activity date ``at``: ``"W"`` (weeks from Monday), ``"MS"``, ``"QS"``.

    Returns
    -------
    DataFrame
        Group columns (and ``period``), then ``outreach, first_meetings, next_steps,
        outreach_per_first_meeting, next_step_rate``. Ratios are NaN where there were no first
        meetings.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> ratios = kt.activity_ratios(data.activities, by="rep")
    >>> list(ratios.columns)
    ['rep', 'outreach', 'first_meetings', 'next_steps', 'outreach_per_first_meeting', 'next_step_rate']
    >>> bool(ratios["next_step_rate"].between(0, 1).all())
    True
    """
    where = "activity_ratios"
    freq = _conform.freq(freq, where)
    activities = _conform.table(activities, "activities", where, required=(
        "kind", *(("at",) if freq else ())), optional=FLAGS, by=by)
    kind = _kind_codes(activities, where)
    first = _first_meetings(activities, where, kind)
    counts = {"outreach": _outreach(activities, kind, where),
              "first_meetings": first,
              "next_steps": first & bool_column(activities, "next_step_scheduled")}
    keys = _groups.keys(activities, by, "at", freq)
    out = _groups.aggregate(counts, keys)
    out["outreach_per_first_meeting"] = safe_divide(out["outreach"], out["first_meetings"])
    out["next_step_rate"] = safe_divide(out["next_steps"], out["first_meetings"])
    return pd.DataFrame(out)


@returns("channel", "outreach", "first_meetings", "outreach_per_first_meeting")
def outreach_by_channel(activities: pd.DataFrame, *, channel: str = "kind", by=None) -> pd.DataFrame:
    """Outreach per first meeting for each channel, crediting each meeting to its last touch.

    A first meeting is credited to the lead's last outreach before it (its channel, e.g.
    ``kind`` or the template in ``channel_detail``; of touches at the same moment, the
    channel first in alphabetical order); a meeting with no earlier outreach to its lead is
    credited to "(no outreach)". Inbound touches are not outreach (see ``activity_ratios``).

    Parameters
    ----------
    activities : DataFrame
        The canonical activities table (needs ``lead_id``).
    channel : str, default "kind"
        Column naming the channel of each outreach touch.
    by : str or list of str, optional
        Further columns to group by, e.g. ``"rep"``.

    Returns
    -------
    DataFrame
        Group columns, ``channel``, then ``outreach, first_meetings,
        outreach_per_first_meeting``.

    Examples
    --------
    >>> import kpitools as kt
    >>> table = kt.outreach_by_channel(kt.load_sample().activities)
    >>> sorted(set(table["channel"]) - {"(no outreach)"})
    ['call', 'email', 'event', 'social']
    """
    where = "outreach_by_channel"
    activities = _conform.table(activities, "activities", where,
                                required=("kind", "lead_id", "at", channel), optional=FLAGS, by=by)
    undated = int(activities["at"].isna().sum())
    if undated:
        raise SchemaError(f"outreach_by_channel: {undated} activities have no date in 'at', so "
                          "the last touch before a meeting cannot be found. Pass the table "
                          "through kt.clean (or load it with kt.load_crm), which excludes them "
                          "with a reason in the quality report.")
    group = _groups.as_list(by)
    columns = list(dict.fromkeys(["lead_id", "at", channel, *group]))
    kind = _kind_codes(activities, where)
    outreach = activities.loc[_outreach(activities, kind, where), columns]
    first = _first_meetings(activities, where, kind)
    meetings = activities.loc[first & activities["lead_id"].notna().to_numpy(), columns]
    touches = outreach.dropna(subset=["lead_id"]).sort_values(  # of touches at one moment,
        ["at", channel], ascending=[True, False], kind="stable")  # the first channel A-Z wins
    credited = pd.merge_asof(
        meetings.drop(columns=[channel]).sort_values("at", kind="stable"),
        touches[["lead_id", "at", channel]],
        on="at", by="lead_id", direction="backward", allow_exact_matches=True)
    credited[channel] = credited[channel].astype(object).where(credited[channel].notna(),
                                                               "(no outreach)")
    rows = pd.concat([outreach.assign(outreach=1, first_meetings=0),
                      credited.assign(outreach=0, first_meetings=1)], ignore_index=True)
    keys = _groups.keys(rows, group + [channel])
    out = _groups.summarise(rows[["outreach", "first_meetings"]], keys)
    out = out.rename(columns={channel: "channel"}) if channel != "channel" else out
    out["outreach_per_first_meeting"] = safe_divide(out["outreach"], out["first_meetings"])
    return out
