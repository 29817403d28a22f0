"""The data the course runs on, and what it lacks.

``course_data`` gives the sample team, or the rep's own export as the settings describe it, with
the rep's activity log merged in and their monthly quota standing in for a quotas file.
``missing`` and ``has`` tell a notebook cell what a rep's data lacks, in one sentence each: what
is missing, why it matters, and how to supply it, so the notebook can say so and go on.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from kpitools import mylog
from kpitools._groups import equals
from kpitools.schema import OUTREACH_KINDS, TEXT, CRMData, bool_column
from kpitools.settings import find


def course_data(settings=None) -> CRMData:
    """The data the course runs on: the rep's own export if settings say so, else the sample.

    With settings that name an export, the rep's activity log (:mod:`kpitools.mylog`) is
    merged into its activities (``data.today`` moves to the last logged day when the log runs
    past the export, unless the settings fix ``today``), and the settings' ``monthly_quota``
    becomes the rep's quotas when the export has none for them (:func:`with_monthly_quota`);
    the quality report's notes say both. ``data.me`` is the rep whose numbers the notebooks show: the settings' ``me``, or the
    practice rep of the sample team.

    Parameters
    ----------
    settings : Settings, dict, path or "sample", optional
        Default: the file ``$KPITOOLS_SETTINGS`` names, else the saved settings, else the sample.

    Examples
    --------
    >>> data = course_data("sample")
    >>> data.me, data.today.date()
    ('Sam Carter', datetime.date(2024, 12, 13))
    """
    from kpitools.load import load_crm  # the loader sits above this module
    from kpitools.sample import NEW_REP, load_sample

    chosen = find(settings)
    if chosen is None or not chosen.source:
        data = load_sample()
        data.me = NEW_REP
        return data
    paths = chosen.sources()
    options = {key: getattr(chosen, key) for key in
               ("preset", "mapping", "stages", "closed_won", "closed_lost")
               if getattr(chosen, key) is not None}
    data = load_crm(paths[0] if len(paths) == 1 else paths, **options)
    data.me = chosen.me
    if chosen.today is not None or data.today is None:
        data.today = pd.Timestamp(chosen.today) if chosen.today else _latest_record(data)
    data = mylog.merge(data, mylog.ActivityLog(chosen.log_path(), rep=chosen.me))
    logged = data.activities.loc[data.activities["from_log"].to_numpy(dtype=bool), "at"] \
        if "from_log" in data.activities else data.activities["at"].iloc[:0]
    if chosen.today is None and logged.notna().any():  # the log runs past the export
        data.today = max(pd.Timestamp(data.today), logged.max().normalize())
    if chosen.me and chosen.monthly_quota:
        data = with_monthly_quota(data, chosen.me, chosen.monthly_quota)
    return in_one_currency(data, chosen.currency, rep=chosen.me)


def main_currency(opportunities: pd.DataFrame, rep: str | None = None) -> str | None:
    """The currency most of ``rep``'s deals are in (else most of all deals); None for one or no
    currency.

    Examples
    --------
    >>> opps = pd.DataFrame({"rep": ["Ann", "Ann", "Bo"], "currency": ["EUR", "EUR", "USD"]})
    >>> main_currency(opps), main_currency(opps, rep="Bo")
    ('EUR', 'USD')
    """
    if "currency" not in opportunities or opportunities["currency"].nunique() < 2:
        return None
    mine = _rep_rows(opportunities, rep)["currency"].dropna() if rep else pd.Series(dtype=TEXT)
    counts = (mine if len(mine) else opportunities["currency"]).value_counts()
    return str(counts.index[0])


def in_one_currency(data: CRMData, currency: str | None = None, *,
                    rep: str | None = None) -> CRMData:
    """The data with only the deals (and their stage history) in one currency.

    Amounts in different currencies are never added up, and a quota is in one currency, so the
    course shows one: ``currency`` if given, else :func:`main_currency`. Data in one currency
    comes back unchanged; otherwise a note in the quality report says how many deals of which
    currencies are left out.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.clean({"opportunities": pd.DataFrame({"opportunity_id": ["1", "2"],
    ...     "rep": ["Ann", "Ann"], "created_at": ["2024-01-20"] * 2, "amount": [900, 50],
    ...     "currency": ["EUR", "USD"], "status": ["open"] * 2, "stage": ["Qualify"] * 2})})
    >>> in_one_currency(data, "USD").opportunities["amount"].tolist()
    [50.0]
    """
    opps = data.opportunities
    currency = currency or main_currency(opps, rep)
    if currency is None or "currency" not in opps:
        return data
    keep = np.asarray(equals(opps["currency"], currency), dtype=bool)
    if keep.all():
        return data
    others = opps.loc[~keep, "currency"].fillna("(none)").value_counts()
    left_out = ", ".join(f"{n:,} in {c}" for c, n in others.items())
    note = (f"opportunities: the course shows the {int(keep.sum()):,} deals in {currency} "
            f"and leaves out {left_out}: amounts in different currencies are never added up. "
            "Set currency in the settings to see another.")
    history = data.stage_history
    history = history[history["opportunity_id"].isin(opps.loc[keep, "opportunity_id"])]
    return replace(data, opportunities=opps[keep].reset_index(drop=True),
                   stage_history=history.reset_index(drop=True),
                   quality=replace(data.quality, notes=[*data.quality.notes, note]))


def _latest_record(data: CRMData) -> pd.Timestamp:
    """The date of the data's latest activity, deal creation or close."""
    dates = [data.activities["at"], data.opportunities["created_at"],
             data.opportunities.get("closed_at", pd.Series(dtype="datetime64[us]"))]
    latest = max((d.max() for d in dates if d.notna().any()), default=pd.NaT)
    return pd.Timestamp(latest).normalize() if latest is not pd.NaT else pd.Timestamp.now().normalize()


def with_monthly_quota(data: CRMData, rep: str, monthly_quota: float) -> CRMData:
    """The data with a monthly quota for ``rep`` where the export has no quotas for them.

    One quotas row per month, from the month of the rep's first record (the data's, if the rep
    has none) through the month of ``data.today``. If the quotas table already has rows for the
    rep, the data is returned unchanged. A note in the quality report says what was done.

    Examples
    --------
    >>> import pandas as pd, kpitools as kt
    >>> data = kt.clean({"opportunities": pd.DataFrame({"opportunity_id": ["1"], "rep": ["Ann"],
    ...     "created_at": ["2024-01-20"], "amount": [900], "status": ["open"],
    ...     "stage": ["Qualify"]})})
    >>> data.today = pd.Timestamp("2024-03-05")
    >>> with_monthly_quota(data, "Ann", 40_000).quotas
       rep     period    quota
    0  Ann 2024-01-01  40000.0
    1  Ann 2024-02-01  40000.0
    2  Ann 2024-03-01  40000.0
    """
    if equals(data.quotas["rep"], rep).any():
        return data
    today = pd.Timestamp(data.today if data.today is not None else _latest_record(data))
    starts = [_rep_rows(frame, rep)[column].min() for frame, column in _dated(data)]
    starts = [s for s in starts if pd.notna(s)] or [
        frame[column].min() for frame, column in _dated(data) if frame[column].notna().any()]
    first = min(starts, default=today).to_period("M")
    months = pd.period_range(first, today.to_period("M"), freq="M").start_time
    rows = pd.DataFrame({"rep": pd.Series([rep] * len(months), dtype=TEXT),
                         "period": months.astype("datetime64[us]"),
                         "quota": np.full(len(months), float(monthly_quota))})
    quotas = pd.concat([data.quotas, rows], ignore_index=True) if len(data.quotas) else rows
    note = (f"quotas: the export has none for {rep}, so the monthly quota of "
            f"{float(monthly_quota):,.0f} from the settings is used for each month from "
            f"{months[0]:%b %Y} to {months[-1]:%b %Y}.")
    return replace(data, quotas=quotas, quality=replace(data.quality, notes=[*data.quality.notes,
                                                                              note]))


def _dated(data: CRMData):
    return ((data.opportunities, "created_at"), (data.activities, "at"), (data.leads, "created_at"))


def _rep_rows(frame: pd.DataFrame, rep: str | None) -> pd.DataFrame:
    return frame if rep is None else frame[equals(frame["rep"], rep)]


# --- what a rep's data lacks -------------------------------------------------------------

@dataclass(frozen=True)
class Need:
    """Something a notebook needs from the data: a test, the sentence that says it is
    missing (what, why it matters, how to supply it), and the needs it builds on (when one of
    those is missing, its sentence is said instead: no first meetings at all, rather than
    first meetings without lead IDs)."""

    key: str
    present: callable  # (data, rep) -> bool
    sentence: str
    requires: tuple[str, ...] = ()


def _activities(data, rep):
    return _rep_rows(data.activities, rep)


def _opportunities(data, rep):
    return _rep_rows(data.opportunities, rep)


def _first_meetings(data, rep):
    activities = _activities(data, rep)
    return activities[bool_column(activities, "is_first_meeting")]


def _won_in_last_months(data, rep, months: int) -> np.ndarray:
    """For each of the last ``months`` complete months before ``data.today``: any won deal?"""
    won = _opportunities(data, rep).query("status == 'won'")
    closed = won["closed_at"].dt.to_period("M") if len(won) else pd.Series(dtype="period[M]")
    current = pd.Timestamp(data.today if data.today is not None else _latest_record(data))
    wanted = pd.period_range(end=current.to_period("M") - 1, periods=months, freq="M")
    return np.isin(wanted, closed.unique())


def _statuses(data, rep, *statuses):
    return bool(_opportunities(data, rep)["status"].isin(statuses).any())


def _filled(rows, column: str):
    """A need's test: ``column`` of the rep's rows (``rows(data, rep)``) holds a value."""
    def present(data, rep) -> bool:
        frame = rows(data, rep)
        return column in frame and bool(frame[column].notna().any())
    return present


NEEDS: tuple[Need, ...] = (
    Need("me", lambda data, rep: rep is None or any(
        equals(frame["rep"], rep).any() for frame in data.tables().values() if "rep" in frame),
        "{who} is not among the reps in the data, so the course cannot show your numbers: pick "
        "your name among the owners in the import assistant, as your CRM writes it."),
    Need("outreach", lambda data, rep: bool(
        _activities(data, rep)["kind"].isin(OUTREACH_KINDS).any()),
        "{whose} data holds no outreach (calls, emails, social messages, events), so activity "
        "counts and outreach per first meeting cannot be computed: add your CRM's calls/tasks "
        "export to the export folder (notebook 08 shows where), or log them with the activity "
        "log (kt.log_today(), in notebook 09)."),
    Need("first_meetings", lambda data, rep: bool(
        bool_column(_activities(data, rep), "is_first_meeting").any()),
        "No first meetings are marked in {whose_lower} data (CRM exports do not mark them), so "
        "outreach per first meeting and the next-step rate cannot be computed: log each first "
        "meeting, and whether you booked a next step, with the activity log (kt.log_today(), "
        "in notebook 09)."),
    Need("leads", lambda data, rep: len(_rep_rows(data.leads, rep)) > 0,
        "{whose} data holds no leads, so lead conversion and the lead-source figures cannot be "
        "computed: add your CRM's leads (or contacts) export to the export folder."),
    Need("opportunities", lambda data, rep: len(_opportunities(data, rep)) > 0,
        "{whose} data holds no deals, so the funnel, win rate and pipeline cannot be computed: "
        "add your CRM's deals/opportunities export to the export folder (notebook 08 shows "
        "where)."),
    Need("stage_history", lambda data, rep: bool(data.stage_history["opportunity_id"].isin(
        _opportunities(data, rep)["opportunity_id"]).any()),
        "{whose} data has no stage history, so each deal counts only at its current stage and "
        "time in stage and backward moves cannot be measured: add your CRM's stage-history "
        "export to the export folder (notebook 08 shows where)."),
    Need("closed_deals", lambda data, rep: _statuses(data, rep, "won", "lost"),
        "{whose} data holds no won or lost deals yet, so win rate cannot be computed: it will "
        "appear as deals close; until then plans use the team's figures or typical ones."),
    Need("won_deals", lambda data, rep: _statuses(data, rep, "won"),
        "{whose} data holds no won deals yet, so deal size, revenue and cycle time cannot be "
        "computed: they will appear with the first won deal; until then plans use the team's "
        "figures or typical ones."),
    Need("open_deals", lambda data, rep: _statuses(data, rep, "open"),
        "{whose} data holds no open deals, so there is no pipeline to measure: open deals "
        "appear when the export is made with open deals included (not only closed ones)."),
    Need("meeting_leads", _filled(_first_meetings, "lead_id"),
        "{whose} first meetings carry no lead ID, so a first meeting cannot be traced back to "
        "its lead and the outreach before it (which channel or lead source booked it): "
        "export your activities with the lead or contact each one was for (notebook 08 shows "
        "where).",
        requires=("first_meetings",)),
    Need("channel_detail", _filled(_activities, "channel_detail"),
        "{whose} activities carry no template or format (channel_detail), so templates cannot "
        "be compared: add the column that names the template, call result or meeting type to "
        "your activities export.",
        requires=("outreach",)),
    Need("deal_leads", _filled(_opportunities, "lead_id"),
        "{whose} deals carry no lead ID, so leads cannot be followed to the deals they became "
        "(lead conversion): export your deals with the lead (or contact) each came from.",
        requires=("opportunities",)),
    Need("deal_sources", _filled(_opportunities, "source"),
        "{whose} deals carry no lead source, so results by lead source cannot be shown: add "
        "the lead source column to your deals export.",
        requires=("opportunities",)),
    Need("products", _filled(_opportunities, "product"),
        "{whose} deals carry no product, so revenue and deal size by product cannot be shown: "
        "add the product (or product line) column to your deals export.",
        requires=("opportunities",)),
    Need("two_months", lambda data, rep: bool(_won_in_last_months(data, rep, 2).all()),
        "{whose} data holds no won deal in one of the last two complete months, so monthly "
        "sales growth cannot be computed: it appears once both months have a win; until then "
        "compare quarters (freq=\"QS\").",
        requires=("won_deals",)),
    Need("quota", lambda data, rep: len(_rep_rows(data.quotas, rep)) > 0,
        "{whose} data holds no quota, so attainment, the gap and coverage cannot be computed and "
        "a plan has no target: enter your monthly quota once in the import assistant, or run "
        "kt.save_settings(monthly_quota=...)."),
)
_BY_KEY = {need.key: need for need in NEEDS}


def missing(data: CRMData, *needs: str, rep: str | None = None) -> list[str]:
    """What the data lacks of ``needs``, one sentence each (what, why it matters, how to add it).

    Parameters
    ----------
    data : CRMData
    *needs : str
        Keys of :data:`NEEDS`: "me", "outreach", "first_meetings", "leads", "opportunities",
        "stage_history", "closed_deals", "won_deals", "open_deals", "meeting_leads",
        "channel_detail", "deal_leads", "deal_sources", "products", "two_months", "quota".
    rep : str, optional
        Check this rep's rows (e.g. ``data.me``); default the whole team.

    Returns
    -------
    list of str
        Empty when nothing is missing.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> missing(data, "stage_history", "quota", rep="Sam Carter")
    []
    >>> print(missing(kt.CRMData(), "stage_history")[0])
    The data has no stage history, so each deal counts only at its current stage ...
    """
    unknown = [key for key in needs if key not in _BY_KEY]
    if unknown:
        raise KeyError(f"missing: {unknown} are not course needs. Valid: {list(_BY_KEY)}.")
    words = {"who": rep, "whose": "Your" if rep else "The", "whose_lower": "your" if rep else "the"}
    sentences = []
    for need in (_BY_KEY[key] for key in needs):
        if need.present(data, rep):
            continue
        unmet = [key for key in need.requires if not _BY_KEY[key].present(data, rep)]
        for key in unmet or [need.key]:
            sentence = _BY_KEY[key].sentence.format(**words)
            if sentence not in sentences:  # one sentence per thing missing
                sentences.append(sentence)
    return sentences


def has(data: CRMData, *needs: str, rep: str | None = None) -> bool:
    """Whether the data has everything in ``needs``; prints a sentence for each thing missing.

    A notebook cell runs its figures only when the data has what they need, and otherwise says
    what is missing and how to add it, then the notebook goes on::

        if kt.has(data, "stage_history", rep=ME):
            kt.transition_matrix(data.stage_history, data.opportunities)

    Examples
    --------
    >>> import kpitools as kt
    >>> has(kt.CRMData(), "quota")
    The data holds no quota, so attainment, the gap and coverage cannot be computed and a plan has no target: enter your monthly quota once in the import assistant, or run kt.save_settings(monthly_quota=...).
    False
    """
    sentences = missing(data, *needs, rep=rep)
    for sentence in sentences:
        print(sentence)
    return not sentences
