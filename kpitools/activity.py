"""Activity ratios: how much outreach books a first meeting, and how many meetings move on."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _groups
from kpitools._outputs import returns
from kpitools._stats import safe_divide
from kpitools.schema import OUTREACH_KINDS, SchemaError, bool_column, require_columns


def _first_meetings(activities: pd.DataFrame) -> np.ndarray:
    """Which activities are first meetings: meetings flagged ``is_first_meeting``.

    Examples
    --------
    >>> acts = pd.DataFrame({"kind": ["meeting", "call", "meeting"],
    ...                      "is_first_meeting": [True, True, False]})
    >>> _first_meetings(acts).tolist()
    [True, False, False]
    """
    flagged = np.flatnonzero(bool_column(activities, "is_first_meeting"))
    first = np.zeros(len(activities), dtype=bool)  # the kind read only where flagged: few rows
    first[flagged] = _groups.equals(activities["kind"].iloc[flagged], "meeting")
    return first


@returns("outreach", "first_meetings", "next_steps", "outreach_per_first_meeting",
         "next_step_rate")
def activity_ratios(activities: pd.DataFrame, *, by=None, freq: str | None = None) -> pd.DataFrame:
    """Outreach needed per first meeting, and the share of first meetings with a next step.

    Outreach is calls, emails, social touches and events. A next step counts only when it was
    *scheduled* at the first meeting (a second meeting, a demo, a proposal date).

    Parameters
    ----------
    activities : DataFrame
        The canonical activities table.
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
    require_columns(activities, "activities", ("kind",), "activity_ratios")
    first = _first_meetings(activities)
    counts = {"outreach": activities["kind"].isin(OUTREACH_KINDS).to_numpy(),
              "first_meetings": first,
              "next_steps": first & bool_column(activities, "next_step_scheduled")}
    keys = _groups.keys(activities, by, "at", freq, "activities", "activity_ratios")
    out = _groups.aggregate(counts, keys)
    out["outreach_per_first_meeting"] = safe_divide(out["outreach"], out["first_meetings"])
    out["next_step_rate"] = safe_divide(out["next_steps"], out["first_meetings"])
    return pd.DataFrame(out)


@returns("channel", "outreach", "first_meetings", "outreach_per_first_meeting")
def outreach_by_channel(activities: pd.DataFrame, *, channel: str = "kind", by=None) -> pd.DataFrame:
    """Outreach per first meeting for each channel, crediting each meeting to its last touch.

    A first meeting is credited to the lead's last outreach before it (its channel, e.g.
    ``kind`` or the template in ``channel_detail``); a meeting with no earlier outreach to its
    lead is credited to "(no outreach)".

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
    require_columns(activities, "activities", ("kind", "lead_id", "at", channel),
                    "outreach_by_channel")
    undated = int(activities["at"].isna().sum())
    if undated:
        raise SchemaError(f"outreach_by_channel: {undated} activities have no date in 'at', so "
                          "the last touch before a meeting cannot be found. Pass the table "
                          "through kt.clean (or load it with kt.load_crm), which excludes them "
                          "with a reason in the quality report.")
    group = _groups.as_list(by)
    columns = list(dict.fromkeys(["lead_id", "at", channel, *group]))
    outreach = activities.loc[activities["kind"].isin(OUTREACH_KINDS).to_numpy(), columns]
    first = _first_meetings(activities)
    meetings = activities.loc[first & activities["lead_id"].notna().to_numpy(), columns]
    touches = outreach.dropna(subset=["lead_id"]).sort_values("at", kind="stable")
    credited = pd.merge_asof(
        meetings.drop(columns=[channel]).sort_values("at", kind="stable"),
        touches[["lead_id", "at", channel]],
        on="at", by="lead_id", direction="backward", allow_exact_matches=True)
    credited[channel] = credited[channel].astype(object).where(credited[channel].notna(),
                                                               "(no outreach)")
    rows = pd.concat([outreach.assign(outreach=1, first_meetings=0),
                      credited.assign(outreach=0, first_meetings=1)], ignore_index=True)
    keys = _groups.keys(rows, group + [channel], table="activities", where="outreach_by_channel")
    out = _groups.summarise(rows[["outreach", "first_meetings"]], keys)
    out = out.rename(columns={channel: "channel"}) if channel != "channel" else out
    out["outreach_per_first_meeting"] = safe_divide(out["outreach"], out["first_meetings"])
    return out
