"""What each CRM itself would report for the exports in tests/fixtures/real, in plain pandas.

One function per fixture reads the raw files (every value as text, nothing guessed) and returns
the figures the CRM would show: ``won``, ``lost``, ``win_rate``, ``revenue`` (won amounts per
currency; ``None`` is the key when the export has no currency column), ``history_rows`` (stage
history rows a correct loader keeps), ``median_days_in_stage`` (per open stage),
``activity_rows``, ``outreach``, ``quota_rows`` and ``quota_total``. No kpitools import: these
are the yardstick for tests/test_real_exports.py.

Each rule cites ../shared/CONTRACT.md ("CONTRACT: <section>").
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

REAL = Path(__file__).parent / "fixtures" / "real"

# Open stages in order, as the CRM's pipeline settings list them (what a user names in stages=).
STAGES = {
    "salesforce_data_export": ("Interés", "Diseño Propuesta", "Presentación Propuesta",
                               "Negociación", "Firmas"),
    "salesforce_dataloader": ("Prospecting", "Qualification", "Needs Analysis",
                              "Value Proposition", "Id. Decision Makers", "Perception Analysis",
                              "Proposal/Price Quote", "Negotiation/Review"),
    "hubspot_default": ("Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
                        "Decision Maker Bought-In", "Contract Sent"),
    "hubspot_custom_flags": ("Discovery call", "Demo done", "Proposal out", "Verbal yes"),
    "hubspot_custom_labels_de": ("Erstgespräch", "Bedarfsanalyse", "Angebot versendet",
                                 "Verhandlung"),
}
# Closed stages a user has to name because the export carries no outcome flag for them.
CLOSED_LABELS = {
    "hubspot_custom_labels_de": {"closed_won": ("Gewonnen",),
                                 "closed_lost": ("Verloren", "Kein Bedarf")},
}
HUBSPOT_ENTERED = r"""^Date entered (["'])(?P<stage>.+) \((?P<pipeline>[^()]*)\)\1$"""


def read(path: Path, **kwargs) -> pd.DataFrame:
    """Every cell as the text the CRM wrote ("" for a blank cell)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)


def outcome(won: pd.Series, lost: pd.Series) -> dict:
    # CONTRACT: Canonical tables, `status`: where the export carries the CRM's own outcome
    # flags they decide won/lost; stage labels decide only where no flag exists.
    # CONTRACT: `win_rate` = won / (won + lost), closed deals only.
    n_won, n_lost = int(won.sum()), int(lost.sum())
    return {"won": n_won, "lost": n_lost, "win_rate": n_won / (n_won + n_lost)}


def revenue(amount: pd.Series, won: pd.Series, currency: pd.Series | None = None) -> dict:
    # CONTRACT: Canonical tables, `currency`: amounts in different currencies are never added
    # together. A blank amount adds nothing (the CRM's own sum treats it as empty).
    value = pd.to_numeric(amount.str.replace(",", "", regex=False).replace("", None))
    if currency is None:
        return {None: float(value[won].sum())}
    return {c: float(v) for c, v in value[won].groupby(currency[won]).sum().items()}


def stage_entries(hist: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
    """Rows ``id, stage, at`` that are stage entries, in time order within each deal."""
    # CONTRACT: Canonical tables, `stage_history`: deleted rows (IsDeleted) are excluded.
    # CONTRACT: Loading, validate: rows whose deal is not in the opportunities (orphan foreign
    # key) are excluded; `keep` carries both rules.
    h = hist.loc[keep, ["id", "stage", "at"]].drop_duplicates()
    h = h.sort_values(["id", "at"], kind="stable")
    # CONTRACT: `stage_history`: a row whose stage equals the deal's previous row (an amount or
    # date edit) is not a new visit.
    return h[h["stage"] != h.groupby("id")["stage"].shift()]


def median_days(entries: pd.DataFrame, closed_at: pd.Series, stages) -> dict:
    """Median days per visit of each open stage; ``closed_at`` is indexed by deal id."""
    # CONTRACT: Precise semantics, days in stage: per visit, ending at the deal's next entry
    # (entries are already real stage changes, so the next one is a different stage), or at
    # closed_at for a closed deal's last visit; an open deal's current visit is left out.
    e = entries.sort_values(["id", "at"], kind="stable")
    end = e.groupby("id")["at"].shift(-1).fillna(e["id"].map(closed_at))
    days = ((end - e["at"]) / pd.Timedelta(days=1)).dropna()
    stage = e.loc[days.index, "stage"]
    # CONTRACT: Stages: terminal labels mark the close and never count as an open stage.
    return {s: float(days[stage == s].median()) for s in stages}


def hubspot_history(deals: pd.DataFrame) -> pd.DataFrame:
    """One row per filled 'Date entered "<stage> (<pipeline>)"' cell (both label styles)."""
    cols = deals.columns[deals.columns.str.match(HUBSPOT_ENTERED)]
    long = deals.melt(id_vars="Record ID", value_vars=list(cols), var_name="column",
                      value_name="at")
    long = long[long["at"] != ""]
    return pd.DataFrame({"id": long["Record ID"],
                         "stage": long["column"].str.extract(HUBSPOT_ENTERED)["stage"],
                         "at": pd.to_datetime(long["at"])})


# --------------------------------------------------------------------------- fixtures
def salesforce_data_export() -> dict:
    folder = REAL / "salesforce_data_export"
    opps = read(folder / "Opportunity.csv")
    won = opps["IsWon"] == "1"
    lost = (opps["IsClosed"] == "1") & ~won
    hist = read(folder / "OpportunityHistory.csv")
    # CONTRACT: Canonical tables: Salesforce IDs are compared on their first 15 characters.
    hist = hist.assign(id=hist["OpportunityId"].str[:15], stage=hist["StageName"],
                       at=pd.to_datetime(hist["CreatedDate"]))
    ids = opps["Id"].str[:15]
    entries = stage_entries(hist, (hist["IsDeleted"] == "0") & hist["id"].isin(ids))
    # CONTRACT: `closed_at` is set iff status is won or lost (CloseDate, date only).
    closed_at = pd.Series(pd.to_datetime(opps["CloseDate"]).where(opps["IsClosed"] == "1").values,
                          index=ids)
    tasks, events = read(folder / "Task.csv"), read(folder / "Event.csv")
    # CONTRACT: Canonical tables, `kind`/outreach: calls and e-mails the rep started; an
    # inbound call (CallType) is an activity but not outreach.
    outreach = (tasks["Type"] == "Email") | ((tasks["Type"] == "Call")
                                             & (tasks["CallType"] != "Inbound"))
    return {**outcome(won, lost),
            "revenue": revenue(opps["Amount"], won, opps["CurrencyIsoCode"]),
            "history_rows": len(entries),
            "median_days_in_stage": median_days(entries, closed_at,
                                                STAGES["salesforce_data_export"]),
            "activity_rows": len(tasks) + len(events),
            "outreach": int(outreach.sum())}


def salesforce_goals() -> dict:
    folder = REAL / "salesforce_goals"
    metrics = read(folder / "Metric.csv")
    links = read(folder / "GoalLink.csv")
    # CONTRACT: `quotas`: a goal that other goals roll up into (a team or manager target) is
    # not a rep's quota; it is excluded with the reason "team roll-up".
    team = metrics["GoalId"].str[:15].isin(links["ParentGoalId"].str[:15])
    quotas = metrics[~team]
    return {"quota_rows": len(quotas),
            "quota_total": float(pd.to_numeric(quotas["TargetValue"]).sum())}


def salesforce_dataloader() -> dict:
    folder = REAL / "salesforce_dataloader"
    opps = read(folder / "opportunity.csv")
    # "Export All" includes records in the recycle bin; the CRM's own reports leave them out
    # (CONTRACT: `stage_history`, IsDeleted rows are excluded — the same flag on the deal).
    opps = opps[opps["ISDELETED"] == "false"]
    won = opps["ISWON"] == "true"
    lost = (opps["ISCLOSED"] == "true") & ~won
    hist = read(folder / "opportunityhistory.csv")
    hist = hist.assign(id=hist["OPPORTUNITYID"].str[:15], stage=hist["STAGENAME"],
                       at=pd.to_datetime(hist["CREATEDDATE"]).dt.tz_localize(None))
    ids = opps["ID"].str[:15]
    entries = stage_entries(hist, (hist["ISDELETED"] == "false") & hist["id"].isin(ids))
    closed_at = pd.Series(pd.to_datetime(opps["CLOSEDATE"]).where(opps["ISCLOSED"] == "true")
                          .values, index=ids)
    tasks = read(folder / "task.csv")
    # CONTRACT: outreach = calls and e-mails the rep started; TaskSubtype says which kind,
    # CallType "Inbound" keeps a call out of outreach.
    outreach = tasks["TASKSUBTYPE"].isin(["Call", "Email", "ListEmail"]) & (
        tasks["CALLTYPE"] != "Inbound")
    return {**outcome(won, lost), "revenue": revenue(opps["AMOUNT"], won),
            "history_rows": len(entries),
            "median_days_in_stage": median_days(entries, closed_at,
                                                STAGES["salesforce_dataloader"]),
            "activity_rows": len(tasks), "outreach": int(outreach.sum())}


def salesforce_report() -> dict:
    path = next((REAL / "salesforce_report").glob("report*.csv"))
    rows = read(path, encoding="iso-8859-1")
    # The export ends with a footer (report name, copyright, "Generated By"): not deals.
    rows = rows[rows["Stage"].fillna("") != ""]
    # CONTRACT: `status`: no outcome flag in this report, so the stage labels decide, and the
    # default terminal labels are "Closed Won" / "Closed Lost".
    # CONTRACT: Loading: rows without a unique record ID get one from their row number; a
    # repeated deal name is never a duplicate, so every row counts.
    won, lost = rows["Stage"] == "Closed Won", rows["Stage"] == "Closed Lost"
    return {**outcome(won, lost), "revenue": revenue(rows["Amount"], won, rows["Amount Currency"])}


def _hubspot(name: str, deals: pd.DataFrame, won: pd.Series, lost: pd.Series,
             currency: pd.Series | None) -> dict:
    history = hubspot_history(deals)
    entries = stage_entries(history, pd.Series(True, index=history.index))
    # HubSpot's close date is a timestamp; it is the close only for a closed deal.
    closed_at = pd.Series(pd.to_datetime(deals["Close Date"]).where(won | lost).values,
                          index=deals["Record ID"])
    return {**outcome(won, lost), "revenue": revenue(deals["Amount"], won, currency),
            "history_rows": len(entries),
            "median_days_in_stage": median_days(entries, closed_at, STAGES[name])}


def hubspot_default() -> dict:
    path = REAL / "hubspot_default" / "hubspot-crm-exports-all-deals-2024-06-03.csv"
    deals = read(path)
    # CONTRACT: `status`: HubSpot's own "Is Closed Won" / "Is closed lost" flags decide.
    won, lost = deals["Is Closed Won"] == "true", deals["Is closed lost"] == "true"
    return _hubspot("hubspot_default", deals, won, lost, None)


def hubspot_calls() -> dict:
    calls = read(REAL / "hubspot_calls" / "hubspot-crm-exports-all-calls-2024-06-03.csv")
    # CONTRACT: Canonical tables, outreach: the optional direction keeps inbound calls out of
    # outreach (they stay activities); a call logged without a direction is the rep's own.
    return {"activity_rows": len(calls),
            "outreach": int((calls["Call direction"] != "Inbound").sum())}


def hubspot_custom_flags() -> dict:
    path = REAL / "hubspot_custom_flags" / "hubspot-crm-exports-partner-pipeline-2024-06-03.csv"
    deals = read(path)
    # CONTRACT: `status`: the flags decide, whatever the closed stages are called
    # ("Closed: won", "Dead Deals").
    won, lost = deals["Is Closed Won"] == "true", deals["Is closed lost"] == "true"
    # The export has both the legacy 'Date entered "…"' and the newer "Date entered '…'"
    # column of each stage, with the same times: one entry each (drop_duplicates).
    return _hubspot("hubspot_custom_flags", deals, won, lost, None)


def hubspot_custom_labels_de() -> dict:
    path = REAL / "hubspot_custom_labels_de" / "hubspot-crm-exports-vertrieb-dach-2024-06-03.csv"
    deals = read(path, encoding="utf-8-sig")
    labels = CLOSED_LABELS["hubspot_custom_labels_de"]
    # CONTRACT: `status`: no flag columns in this view, so the labels the user names decide.
    won = deals["Deal Stage"].isin(labels["closed_won"])
    lost = deals["Deal Stage"].isin(labels["closed_lost"])
    return _hubspot("hubspot_custom_labels_de", deals, won, lost, deals["Currency"])


def dynamics365() -> dict:
    path = next((REAL / "dynamics365").glob("*.xlsx"))
    opps = pd.read_excel(path, sheet_name="All Opportunities", dtype=str).fillna("")
    # CONTRACT: `status`: the Dynamics status (Open / Won / Lost) decides; "Canceled" and
    # "Out-Sold" are status reasons of Lost.
    won, lost = opps["Status"] == "Won", opps["Status"] == "Lost"
    # Dynamics reports a won deal's value as its Actual Revenue (set at close), per currency.
    return {**outcome(won, lost), "revenue": revenue(opps["Actual Revenue"], won,
                                                      opps["Currency"])}


def zoho() -> dict:
    deals = read(REAL / "zoho" / "Deals_2024_06_03.csv")
    # CONTRACT: `status`: Zoho exports no outcome flag; its default closed stages decide:
    # "Closed Won", and "Closed Lost" / "Closed-Lost to Competition".
    won = deals["Stage"] == "Closed Won"
    lost = deals["Stage"].isin(["Closed Lost", "Closed-Lost to Competition"])
    return {**outcome(won, lost), "revenue": revenue(deals["Amount"], won, deals["Currency"])}


def pipedrive() -> dict:
    folder = REAL / "pipedrive"
    deals = read(folder / "deals-8712345-27.csv")
    # CONTRACT: `status`: Pipedrive's own status (Open / Won / Lost) decides.
    won, lost = deals["Deal - Status"] == "Won", deals["Deal - Status"] == "Lost"
    activities = read(folder / "activities-8712345-28.csv")
    return {**outcome(won, lost),
            "revenue": revenue(deals["Deal - Value"], won, deals["Deal - Currency of Value"]),
            # planned and done activities alike (the preset's note says so)
            "activity_rows": len(activities)}


FIGURES = {f.__name__: f for f in (salesforce_data_export, salesforce_goals,
                                   salesforce_dataloader, salesforce_report, hubspot_default,
                                   hubspot_calls, hubspot_custom_flags, hubspot_custom_labels_de,
                                   dynamics365, zoho, pipedrive)}
