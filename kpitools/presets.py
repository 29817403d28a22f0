"""CRM export presets as plain data: which file feeds which table, and how its headers map.

Nothing here runs; :func:`kpitools.load_crm` reads these dicts. Headers are matched ignoring
case, spaces, ``_`` and ``-`` ("Close Date" = "close_date" = "CloseDate"); a canonical column
whose own name is a header is always found, so only differences need listing.

One preset: ``label``, ``export`` (where to click), ``stages`` (open stages in order),
``tables``, and optionally ``lookups`` (name → file globs of files used only to join) and
``ignore`` (file glob → why it is not data). One table:

``files``
    Globs on the lower-case file (or Excel sheet) name.
``signatures``
    Header tuples; a file holding every header of one tuple belongs to the table.
``columns``
    Canonical column → alternatives, the first that applies wins. A string is a header copied
    as is; a dict is a derivation:
    ``{"header": h, "salesforce_id": True}`` (18-character IDs cut to the 15 of reports),
    ``{"header": h, "keep_prefix": p}`` (only IDs starting with p, e.g. "006" = opportunity),
    ``{"coalesce": (h1, h2)}`` (first non-blank), ``{"flags": {"closed": h1, "won": h2}}``
    (status), ``{"from": column, "map": {...}, "default": v}`` (from a canonical column),
    ``{"by_status": {status: h}}`` (h only on rows with that status), ``{"const": v}``,
    ``{"file": {glob: v}}``, ``{"has_header": {h: v}}``, ``{"percent": h}`` (0–100 scale
    detected and divided by 100), ``{"row_number": True}`` ("<file>#<row>" as ID).
    A ``"note"`` key in a derivation is added to the quality report when it is used.
``values``
    Canonical column → {raw value (any case): value}; ``""`` is a blank cell, ``"*"`` any other.
``joins``
    ``{"file": lookup or table, "on": header or (left, right), "add": {header: new name},
    "loose": True}``; loose keys ignore case and spaces and take the other file's spelling.
``unpivot``
    ``{"from": table, "pattern": regex with a ``stage`` group, "id": canonical id column}``:
    one row per non-blank cell of every matching column (HubSpot's "Date entered" columns).
``notes``
    Sentences added to the quality report when the table is loaded.

Examples
--------
>>> from kpitools.presets import PRESETS
>>> sorted(PRESETS)
['hubspot', 'maven', 'olist', 'pipedrive', 'salesforce']
>>> PRESETS["pipedrive"]["tables"]["opportunities"]["columns"]["amount"]
('Deal - Value',)
"""
from __future__ import annotations

CLOSED_STAGES = {"closed won": "won", "closed lost": "lost"}
_STATUS_FROM_STAGE = {"from": "stage", "map": CLOSED_STAGES, "default": "open"}
_ACTIVITY_NOTE = ("{label} exports planned activities too: all are kept; filter on the export's "
                  "done/status column to count only completed ones.")

SALESFORCE = {
    "label": "Salesforce",
    "export": ("Reports → open (or create) an Opportunities report → the ▾ arrow next to "
               "Edit → Export → 'Details Only' → Format .csv or .xlsx. Do the same for a "
               "Tasks and Events report. Stage history: Data Loader → Export → "
               "OpportunityHistory (OpportunityId, StageName, CreatedDate)."),
    "stages": ("Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
               "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
               "Negotiation/Review"),
    "tables": {
        "opportunities": {
            "files": ("*opportunit*",),
            "signatures": (("Opportunity Name", "Stage"), ("Opportunity ID", "Stage")),
            "columns": {
                "opportunity_id": (
                    {"header": "Opportunity ID", "salesforce_id": True},
                    {"header": "Opportunity Name",
                     "note": "The opportunity report has no 'Opportunity ID' column: the "
                             "Opportunity Name is used as ID. Add 'Opportunity ID' to the "
                             "report so stage history and activities can be matched."}),
                "rep": ("Opportunity Owner",),
                "stage": ("Stage",),
                "status": ({"flags": {"closed": "Closed", "won": "Won"}}, _STATUS_FROM_STAGE),
                "amount": ("Amount",),
                "created_at": ("Created Date",),
                "closed_at": ({"by_status": {"won": "Close Date", "lost": "Close Date"}},),
                "expected_close": ({"by_status": {"open": "Close Date"}},),
                "source": ("Lead Source",),
                "probability": ({"percent": "Probability (%)"},),
            },
        },
        "stage_history": {
            "files": ("*opportunityhistory*", "*opportunity_history*", "*stage_history*"),
            "signatures": (("OpportunityId", "StageName"),),
            "columns": {
                "opportunity_id": ({"header": "OpportunityId", "salesforce_id": True},),
                "stage": ("StageName", "To Stage"),
                "entered_at": ("CreatedDate", "Edit Date"),
            },
        },
        "activities": {
            "files": ("*task*", "*event*", "*activit*"),
            "signatures": (("Subject", "Assigned To"), ("Subject", "Task Subtype"),
                           ("Subject", "Due Date"), ("Subject", "Activity Date"),
                           ("Subject", "OwnerId")),
            "columns": {
                "activity_id": ({"header": "Activity ID", "salesforce_id": True},
                                {"header": "Id", "salesforce_id": True},
                                {"row_number": True,
                                 "note": "The activity export has no ID column: activities "
                                         "are numbered '<file>#<row>'."}),
                "rep": ("Assigned To", "Assigned", "OwnerId"),
                "at": ("Due Date", "Activity Date", "Date", "Start", "StartDateTime"),
                "kind": ({"coalesce": ("Type", "Task Subtype", "Event Subtype")},
                         {"file": {"*event*": "meeting"}}),
                "opportunity_id": ({"header": "What Id", "keep_prefix": "006",
                                    "salesforce_id": True},),
                "lead_id": ({"header": "Who Id", "keep_prefix": "00Q", "salesforce_id": True},),
                "channel_detail": ("Call Result", "CallDisposition"),
            },
            "values": {"kind": {"call": "call", "email": "email", "list email": "email",
                                "meeting": "meeting", "event": "meeting", "*": "other"}},
            "notes": (_ACTIVITY_NOTE.format(label="Salesforce Task"),),
        },
        "leads": {
            "files": ("*lead*",),
            "signatures": (("Lead Owner",), ("Lead ID", "Lead Source")),
            "columns": {
                "lead_id": ({"header": "Lead ID", "salesforce_id": True},
                            {"header": "Id", "salesforce_id": True}),
                "rep": ("Lead Owner", "OwnerId"),
                "created_at": ("Create Date", "Created Date"),
                "source": ("Lead Source",),
            },
        },
    },
}

_HUBSPOT_STAGES = ("Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
                   "Decision Maker Bought-In", "Contract Sent")
# HubSpot writes labels in exports, internal names in the API and some integrations.
_HUBSPOT_STAGE_NAMES = {
    **{s.lower().replace(" ", "").replace("-", ""): s
       for s in _HUBSPOT_STAGES + ("Closed Won", "Closed Lost")}}

HUBSPOT = {
    "label": "HubSpot",
    "export": ("CRM → Deals → switch to the table view → Export (top right) → include all "
               "properties, format CSV or XLSX; the file arrives by e-mail. Calls and "
               "meetings: CRM → Activities (or Reports → Data → Activities) → Export."),
    "stages": _HUBSPOT_STAGES,
    "tables": {
        "opportunities": {
            "files": ("*deal*",),
            "signatures": (("Deal Name", "Deal Stage"),),
            "columns": {
                "opportunity_id": ("Record ID", "Deal ID"),
                "rep": ("Deal owner",),
                "stage": ("Deal Stage",),
                "status": (_STATUS_FROM_STAGE,),
                "amount": ("Amount",),
                "created_at": ("Create Date",),
                "closed_at": ({"by_status": {"won": "Close Date", "lost": "Close Date"}},),
                "expected_close": ({"by_status": {"open": "Close Date"}},),
                "source": ("Original Source", "Original Traffic Source"),
                "loss_reason": ("Closed Lost Reason",),
            },
            "values": {"stage": _HUBSPOT_STAGE_NAMES},
        },
        "stage_history": {
            "unpivot": {"from": "opportunities", "id": "opportunity_id",
                        "pattern": r'^Date entered\s*["“”](?P<stage>.+?)\s*'
                                   r'\((?P<pipeline>[^()]*)\)\s*["“”]$'},
            "values": {"stage": _HUBSPOT_STAGE_NAMES},
            "notes": ("Stage history is rebuilt from the deals export's 'Date entered "
                      "\"<stage> (<pipeline>)\"' columns (one row per filled cell).",),
        },
        "activities": {
            "files": ("*call*", "*meeting*", "*email*", "*activit*", "*engagement*"),
            "signatures": (("Activity date", "Activity assigned to"), ("Call outcome",),
                           ("Meeting outcome",)),
            "columns": {
                "activity_id": ("Record ID", "Activity ID"),
                "rep": ("Activity assigned to", "Assigned to"),
                "at": ("Activity date", "Meeting start time", "Call date"),
                "kind": ("Activity type",
                         {"has_header": {"Call outcome": "call", "Call Title": "call",
                                         "Meeting outcome": "meeting", "Meeting name": "meeting"}},
                         {"file": {"*call*": "call", "*meeting*": "meeting", "*email*": "email"}}),
                "channel_detail": ("Call outcome", "Meeting outcome"),
            },
            "values": {"kind": {"call": "call", "calls": "call", "email": "email",
                                "emails": "email", "meeting": "meeting", "meetings": "meeting",
                                "linkedin message": "social", "*": "other"}},
        },
    },
}

PIPEDRIVE = {
    "label": "Pipedrive",
    "export": ("Deals → list view → the '...' menu (top right) → Export filter results → "
               "choose CSV or Excel. Activities: Activities → list view → '...' → Export "
               "filter results."),
    "stages": ("Qualified", "Contact Made", "Demo Scheduled", "Proposal Made",
               "Negotiations Started"),
    "tables": {
        "opportunities": {
            "files": ("*deal*",),
            "signatures": (("Deal - Title",), ("Deal - ID", "Deal - Stage")),
            "columns": {
                "opportunity_id": ("Deal - ID",),
                "rep": ("Deal - Owner",),
                "stage": ("Deal - Stage",),
                "status": ("Deal - Status",),
                "amount": ("Deal - Value",),
                "created_at": ("Deal - Deal created", "Deal - Add time"),
                "closed_at": ({"by_status": {"won": "Deal - Won time",
                                             "lost": "Deal - Lost time"}},),
                "expected_close": ({"by_status": {"open": "Deal - Expected close date"}},),
                "loss_reason": ("Deal - Lost reason",),
                "source": ("Deal - Source channel", "Deal - Source origin"),
            },
        },
        "activities": {
            "files": ("*activit*",),
            "signatures": (("Activity - Type",), ("Activity - ID", "Activity - Due date")),
            "columns": {
                "activity_id": ("Activity - ID",),
                "rep": ("Activity - Assigned to user", "Activity - Owner"),
                "at": ("Activity - Due date",),
                "kind": ("Activity - Type",),
                "opportunity_id": ("Activity - Deal ID", "Deal - ID"),
            },
            "values": {"kind": {"call": "call", "email": "email", "meeting": "meeting",
                                "lunch": "meeting", "*": "other"}},
            "notes": (_ACTIVITY_NOTE.format(label="Pipedrive"),),
        },
    },
}

MAVEN = {
    "label": "Maven Analytics CRM Sales Opportunities",
    "export": "Public teaching dataset; a copy ships in sample_data/maven.",
    "stages": ("Prospecting", "Engaging"),
    "lookups": {"sales_teams": ("sales_teams*",), "accounts": ("accounts*",),
                "products": ("products*",)},
    "ignore": {"data_dictionary*": "describes the columns; not data"},
    "tables": {
        "opportunities": {
            "files": ("sales_pipeline*",),
            "signatures": (("opportunity_id", "deal_stage", "engage_date"),),
            "joins": (
                {"file": "sales_teams", "on": "sales_agent",
                 "add": {"manager": "manager", "regional_office": "region"}},
                {"file": "accounts", "on": "account", "add": {"sector": "segment"}},
                {"file": "products", "on": "product", "loose": True,
                 "add": {"series": "series", "sales_price": "sales_price"}},
            ),
            "columns": {
                "rep": ("sales_agent",),
                "stage": ("deal_stage",),
                "status": (_STATUS_FROM_STAGE,),
                "amount": ("close_value",),
                "created_at": ("engage_date",),
                "closed_at": ("close_date",),
            },
            "values": {"stage": {"won": "Closed Won", "lost": "Closed Lost"}},
            "notes": (
                "Maven has no created date: created_at is engage_date, so the sales cycle runs "
                "from engagement to close.",
                "Prospecting deals have no engage_date, hence no created date: they are "
                "excluded ('missing value' in created_at, header engage_date) rather than given "
                "an invented date, so the open pipeline here is the Engaging deals.",
                "Lost deals have close_value 0 in Maven: use the count-based win rate, not the "
                "value-weighted one.",
            ),
        },
    },
}

OLIST = {
    "label": "Olist marketing funnel",
    "export": "Public teaching dataset (CC BY-NC-SA 4.0, non-commercial): read from "
              "../shared/datasets/olist_marketing_funnel, never copied into the project.",
    "stages": (),
    "tables": {
        "leads": {
            "files": ("*marketing_qualified_leads*",),
            "signatures": (("mql_id", "first_contact_date", "origin"),),
            "columns": {
                "lead_id": ("mql_id",),
                "rep": ({"const": "(unassigned)",
                         "note": "Olist MQLs have no rep: rep is '(unassigned)'."},),
                "created_at": ("first_contact_date",),
                "mql_at": ("first_contact_date",),
                "source": ("origin",),
            },
            "values": {"source": {"": "(blank)"}},
        },
        "opportunities": {
            "files": ("*closed_deals*",),
            "signatures": (("mql_id", "won_date", "sr_id"),),
            "joins": ({"file": "leads", "on": "mql_id",
                       "add": {"first_contact_date": "first_contact_date", "origin": "origin"}},),
            "columns": {
                "opportunity_id": ("mql_id",),
                "lead_id": ("mql_id",),
                "rep": ("sr_id",),
                "created_at": ("first_contact_date",),
                "closed_at": ("won_date",),
                "status": ({"const": "won"},),
                "stage": ({"const": "Closed Won"},),
                "amount": ({"const": None},),
                "source": ("origin",),
                "segment": ("business_segment",),
            },
            "values": {"source": {"": "(blank)"}},
            "notes": (
                "Olist lists closed (won) deals only: there are no lost deals, so a win rate "
                "is 1 by construction and not meaningful; use MQL → won conversion by source.",
                "A deal's created_at is its MQL's first_contact_date (joined on mql_id); "
                "its ID is the mql_id.",
                "Olist records no deal value (declared_monthly_revenue is the seller's own "
                "declaration, mostly 0, kept as a column): amount is blank.",
            ),
        },
    },
}

PRESETS: dict[str, dict] = {"salesforce": SALESFORCE, "hubspot": HUBSPOT,
                            "pipedrive": PIPEDRIVE, "maven": MAVEN, "olist": OLIST}
