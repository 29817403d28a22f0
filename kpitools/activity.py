"""Activity ratios: how much outreach books a first meeting, and how many meetings move on."""
from __future__ import annotations

import pandas as pd

from kpitools import _groups
from kpitools._stats import safe_divide
from kpitools.schema import OUTREACH_KINDS, bool_column, require_columns


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
    meeting = activities["kind"].to_numpy() == "meeting"
    first = meeting & bool_column(activities, "is_first_meeting")
    counts = pd.DataFrame({
        "outreach": activities["kind"].isin(OUTREACH_KINDS).to_numpy(),
        "first_meetings": first,
        "next_steps": first & bool_column(activities, "next_step_scheduled"),
    }).astype("int64")
    keys = _groups.keys(activities, by, "at", freq, "activities", "activity_ratios")
    out = _groups.summarise(counts, keys)
    out["outreach_per_first_meeting"] = safe_divide(out["outreach"], out["first_meetings"])
    out["next_step_rate"] = safe_divide(out["next_steps"], out["first_meetings"])
    return out

