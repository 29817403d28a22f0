"""Zoho CRM: Deals and activities exported from Setup → Data Administration → Export.

Zoho writes one "Closing Date": the close date of a won or lost deal and the expected close of
an open one. Outcome comes from the stage ("Closed Won"; "Closed Lost" and "Closed Lost to
Competition"). A Deals file is never taken for stage history: that export has its own columns.
"""
from kpitools.io.presets.common import ACTIVITY_NOTE, DIRECTION, STATUS_FROM_STAGE

ZOHO = {
    "label": "Zoho CRM",
    "export": ("Setup → Data Administration → Export → Module 'Deals' → all fields → "
               "Export (CSV); the same for Calls, Tasks and Meetings. Stage history: "
               "Reports → 'Deals by Stage History' (or the Stage History related list) → "
               "Export."),
    "stages": ("Qualification", "Needs Analysis", "Value Proposition",
               "Id. Decision Makers", "Proposal/Price Quote", "Negotiation/Review"),
    "closed_won": ("Closed Won",),
    "closed_lost": ("Closed Lost", "Closed Lost to Competition"),
    "tables": {
        "opportunities": {
            "files": ("*deal*", "*potential*"),
            "signatures": (("Deal Name", "Deal Owner"), ("Deal Owner", "Closing Date")),
            "columns": {
                "opportunity_id": ("Record Id", "Deal Id", "Id"),
                "rep": ("Deal Owner",),
                "stage": ("Stage",),
                "status": (STATUS_FROM_STAGE,),
                "amount": ("Amount",),
                "currency": ("Currency",),
                "created_at": ("Created Time",),
                "closed_at": ({"by_status": {"won": "Closing Date", "lost": "Closing Date"}},),
                "expected_close": ({"by_status": {"open": "Closing Date"}},),
                "source": ("Lead Source",),
                "loss_reason": ("Reason For Loss", "Reason for Loss"),
                "modified_at": ("Modified Time",),
                "probability": ({"percent": "Probability (%)"},),
            },
        },
        "stage_history": {
            "files": ("*stage_history*", "*stage history*", "*stagehistory*"),
            "signatures": (("Stage", "Stage Duration (Calendar Days)"),),
            "not": (("Deal Owner",),),
            "columns": {
                "opportunity_id": ("Deal Id", "Deal ID", "Record Id"),
                "stage": ("Stage",),
                "entered_at": ("Modified Time", "Last Modified Time"),
            },
        },
        "activities": {
            "files": ("*call*", "*task*", "*meeting*", "*event*", "*activit*"),
            "signatures": (("Call Owner", "Call Start Time"), ("Task Owner", "Due Date"),
                           ("Host", "From", "Title")),
            "columns": {
                "activity_id": ("Record Id", "Id"),
                "rep": ("Call Owner", "Task Owner", "Host", "Activity Owner"),
                "at": ("Call Start Time", "Due Date", "From", "Start Date"),
                "kind": ({"has_header": {"Call Start Time": "call", "Host": "meeting"}},
                         {"file": {"*call*": "call", "*meeting*": "meeting",
                                   "*event*": "meeting"}}, {"const": "other"}),
                "direction": ("Call Type",),
                "modified_at": ("Modified Time",),
            },
            "values": {"direction": {**DIRECTION, "missed": "inbound"}},
            "notes": (ACTIVITY_NOTE.format(label="Zoho CRM"),),
        },
    },
}
