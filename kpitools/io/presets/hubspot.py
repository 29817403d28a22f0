"""HubSpot deal exports (default and custom pipelines) and activity exports.

The deal export's own outcome flags ("Is Closed Won", "Is closed lost", "Is Deal Closed?")
decide won and lost whenever the export has them, so custom, renamed or translated closed
stages need no configuration; only without them do stage labels decide. Stage history comes
from the 'Date entered "<stage> (<pipeline>)"' columns.
"""
from kpitools.io.presets.common import DIRECTION, STATUS_FROM_STAGE

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
                "status": ({"flags": {"won": "Is Closed Won", "lost": "Is closed lost"}},
                           {"flags": {"won": "Is Closed Won", "closed": "Is Deal Closed?"}},
                           STATUS_FROM_STAGE),
                "currency": ("Currency", "Deal currency code"),
                "modified_at": ("Last Modified Date",),
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
                        "pattern": r'^Date entered\s*["“”\'‘’](?P<stage>.+?)\s*'
                                   r'\((?P<pipeline>[^()]*)\)\s*["“”\'‘’]$'},
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
                "direction": ("Call direction", "Call Direction"),
            },
            "values": {"kind": {"call": "call", "calls": "call", "email": "email",
                                "emails": "email", "meeting": "meeting", "meetings": "meeting",
                                "linkedin message": "social", "*": "other"},
                       "direction": DIRECTION},
        },
    },
}

