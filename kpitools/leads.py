"""Lead conversion: which lead sources book first meetings, and which leads become deals."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools import _conform, _groups
from kpitools._outputs import returns
from kpitools._stats import safe_divide
from kpitools.activity import _first_meetings
from kpitools.schema import STATUSES


@returns("leads", "first_meetings", "first_meeting_rate")
def source_conversion(leads: pd.DataFrame, activities: pd.DataFrame, *, by="source",
                      freq: str | None = None) -> pd.DataFrame:
    """Share of leads from each source that got to a first meeting (lead source : first appointment).

    A lead counts once, on its first meeting; leads with no activity at all stay in the
    denominator. Group keys come from the leads table.

    Parameters
    ----------
    leads, activities : DataFrame
        Canonical tables, joined on ``lead_id``.
    by : str or list of str, default "source"
        Lead columns to group by.
    freq : str, optional
        Period of the lead's ``created_at``.

    Returns
    -------
    DataFrame
        Group columns, then ``leads, first_meetings, first_meeting_rate``.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> table = kt.source_conversion(data.leads, data.activities)
    >>> list(table.columns)
    ['source', 'leads', 'first_meetings', 'first_meeting_rate']
    >>> int(table["leads"].sum()) == len(data.leads)
    True
    """
    where = "source_conversion"
    freq = _conform.freq(freq, where)
    leads = _lead_table(leads, where, by, freq)
    activities = _conform.table(activities, "activities", where, required=("kind", "lead_id"),
                                optional=("is_first_meeting",))
    first = np.flatnonzero(_first_meetings(activities, where))
    met = _groups.is_in(leads["lead_id"], activities["lead_id"].iloc[first])
    counts = {"leads": np.ones(len(leads), dtype="int64"), "first_meetings": met}
    keys = _groups.keys(leads, by, "created_at", freq)
    out = _groups.aggregate(counts, keys)
    out["first_meeting_rate"] = safe_divide(out["first_meetings"], out["leads"])
    return pd.DataFrame(out)


@returns("leads", "opportunities", "won", "lead_to_opportunity_rate", "lead_to_won_rate",
         optional=("mqls", "sqls", "mql_to_sql_rate"))
def lead_conversion(leads: pd.DataFrame, opportunities: pd.DataFrame, *, by=None,
                    freq: str | None = None) -> pd.DataFrame:
    """Share of leads that became an opportunity, and that became a won deal (lead to customer).

    Leads are counted, not opportunity rows: a lead with two deals counts once in
    ``opportunities`` and once in ``won`` if any of its deals was won. The period is the lead's
    ``created_at``; group keys come from the leads table. When leads carry ``mql_at`` and
    ``sql_at``, ``mqls``, ``sqls`` and ``mql_to_sql_rate`` are added.

    Parameters
    ----------
    leads, opportunities : DataFrame
        Canonical tables, joined on ``lead_id``.
    by : str or list of str, optional
        Lead columns to group by, e.g. ``"source"``.
    freq : str, optional
        Period of the lead's ``created_at``, e.g. ``"MS"``.

    Returns
    -------
    DataFrame
        Group columns, then ``leads, opportunities, won, lead_to_opportunity_rate,
        lead_to_won_rate`` (and the MQL columns when available).

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> table = kt.lead_conversion(data.leads, data.opportunities, by="source")
    >>> list(table.columns[:6])
    ['source', 'leads', 'opportunities', 'won', 'lead_to_opportunity_rate', 'lead_to_won_rate']
    >>> bool((table["won"] <= table["opportunities"]).all())
    True
    """
    where = "lead_conversion"
    freq = _conform.freq(freq, where)
    leads = _lead_table(leads, where, by, freq, optional=("mql_at", "sql_at"))
    opportunities = _conform.table(opportunities, "opportunities", where,
                                   required=("lead_id", "status"))
    status = _conform.label_codes(opportunities["status"], STATUSES, "opportunities", "status",
                                  where)
    lead_ids = opportunities["lead_id"]
    known = lead_ids.notna().to_numpy()
    won = known & (status == STATUSES.index("won"))
    with_deal = _groups.is_in(leads["lead_id"], lead_ids[known])
    rows = np.flatnonzero(with_deal)  # a won deal is a deal: look only among leads with one
    with_won = np.zeros(len(leads), dtype=bool)
    with_won[rows] = _groups.is_in(leads["lead_id"].iloc[rows], lead_ids[won])
    counts = {"leads": np.ones(len(leads), dtype="int64"), "opportunities": with_deal,
              "won": with_won}
    has_mql = "mql_at" in leads and "sql_at" in leads
    if has_mql:
        counts["mqls"] = leads["mql_at"].notna().to_numpy()
        counts["sqls"] = counts["mqls"] & leads["sql_at"].notna().to_numpy()
    keys = _groups.keys(leads, by, "created_at", freq)
    out = _groups.aggregate(counts, keys)
    out["lead_to_opportunity_rate"] = safe_divide(out["opportunities"], out["leads"])
    out["lead_to_won_rate"] = safe_divide(out["won"], out["leads"])
    if has_mql:  # the MQL columns last
        mql = {name: out.pop(name) for name in ("mqls", "sqls")}
        out.update(mql, mql_to_sql_rate=safe_divide(mql["sqls"], mql["mqls"]))
    return pd.DataFrame(out)


def _lead_table(leads: pd.DataFrame, where: str, by, freq, optional=()) -> pd.DataFrame:
    """The leads as the lead KPIs read them: IDs, and the creation date when there are periods."""
    return _conform.table(leads, "leads", where,
                          required=("lead_id", *(("created_at",) if freq else ())),
                          optional=optional, by=by)
