"""The generated CRM data written the way a CRM exports it, for the preset load step.

``write_salesforce`` writes what an analyst downloads from Salesforce: an Opportunities report,
a Tasks and Events report and a Leads report (US m/d/yyyy dates, "$12,000.00" amounts,
18-character record IDs, Salesforce's stage names) and OpportunityHistory from Data Loader (ISO
timestamps). ``kt.load_crm(folder, preset="salesforce")`` reads them back. The export has no
first-meeting or next-step flags, as Salesforce has none, so only the load is measured on it.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

# The generated open stages as Salesforce names them.
STAGES = {"Qualify": "Qualification", "Discover": "Needs Analysis",
          "Propose": "Proposal/Price Quote", "Negotiate": "Negotiation/Review"}
# Salesforce's activity types; the generated social touches and events have none of their own.
TYPES = {"call": "Call", "email": "Email", "meeting": "Meeting", "social": "LinkedIn",
         "event": "Webinar", "other": "Other"}


def record_ids(ids: pd.Series, prefix: str) -> pd.Series:
    """18-character Salesforce IDs (``prefix`` + 5g + a number + AAA), one per distinct value;
    missing IDs export as empty cells.

    Examples
    --------
    >>> record_ids(pd.Series(["O2", None, "O1", "O2"]), "006").tolist()
    ['0065g0000000000AAA', '', '0065g0000000001AAA', '0065g0000000000AAA']
    """
    codes, _ = pd.factorize(ids)
    numbers = pd.Series(codes, index=ids.index).astype(str).str.zfill(10)
    return (prefix + "5g" + numbers + "AAA").where(codes >= 0, "")


def us_dates(dates: pd.Series) -> pd.Series:
    """Dates as a US report shows them: 3/15/2024 (missing: empty).

    Examples
    --------
    >>> us_dates(pd.Series(pd.to_datetime(["2024-03-05 10:00", None]))).tolist()
    ['3/5/2024', '']
    """
    return dates.dt.strftime("%-m/%-d/%Y").fillna("")


def write_salesforce(data, folder: Path) -> None:
    """Write ``data`` (a CRMData from ``kt.generate``) as a Salesforce export into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    opps, leads = data.opportunities, data.leads
    opportunity_ids = dict(zip(opps["opportunity_id"], record_ids(opps["opportunity_id"], "006")))
    lead_ids = dict(zip(leads["lead_id"], record_ids(leads["lead_id"], "00Q")))
    closed = opps["status"] != "open"
    pd.DataFrame({
        "Opportunity Owner": opps["rep"], "Account Name": opps["segment"] + " account",
        "Opportunity Name": opps["opportunity_id"] + " " + opps["product"],
        "Opportunity ID": opps["opportunity_id"].map(opportunity_ids),
        "Stage": opps["stage"].replace(STAGES),
        "Amount": opps["amount"].map("${:,.2f}".format).where(opps["amount"].notna(), ""),
        "Probability (%)": (opps["status"] == "won") * 100 + (~closed) * 40,
        "Close Date": us_dates(opps["closed_at"].where(closed, opps["expected_close"])),
        "Created Date": us_dates(opps["created_at"]), "Lead Source": opps["source"],
        "Type": "New Business", "Won": (opps["status"] == "won").astype(int),
        "Closed": closed.astype(int),
    }).to_csv(folder / "Opportunities_report.csv", index=False)
    history = data.stage_history
    pd.DataFrame({
        "ID": record_ids(pd.Series(range(len(history))), "008"),
        "OPPORTUNITYID": history["opportunity_id"].map(opportunity_ids),
        "STAGENAME": history["stage"].replace(STAGES),
        "CREATEDDATE": history["entered_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }).to_csv(folder / "OpportunityHistory.csv", index=False)
    acts = data.activities
    kind = acts["kind"].map(TYPES)
    pd.DataFrame({
        "Activity ID": record_ids(acts["activity_id"], "00T"), "Assigned To": acts["rep"],
        "Subject": kind + ": " + acts["channel_detail"].fillna(""),
        "Due Date": us_dates(acts["at"]), "Type": kind,
        "What Id": acts["opportunity_id"].map(opportunity_ids).fillna(""),
        "Who Id": acts["lead_id"].map(lead_ids).fillna(""),
        "Call Result": acts["channel_detail"].fillna(""),
    }).to_csv(folder / "Tasks_and_Events_report.csv", index=False)
    pd.DataFrame({
        "Lead ID": leads["lead_id"].map(lead_ids), "Lead Owner": leads["rep"],
        "Create Date": us_dates(leads["created_at"]), "Lead Source": leads["source"],
    }).to_csv(folder / "Leads_report.csv", index=False)
