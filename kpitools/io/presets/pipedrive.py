"""Pipedrive deal and activity exports ("Deal - ..." and "Activity - ..." headers)."""
from kpitools.io.presets.common import ACTIVITY_NOTE

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
                "currency": ("Deal - Currency", "Deal - Currency of Value"),
                "modified_at": ("Deal - Update time",),
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
                "modified_at": ("Activity - Update time",),
            },
            "values": {"kind": {"call": "call", "email": "email", "meeting": "meeting",
                                "lunch": "meeting", "*": "other"}},
            "notes": (ACTIVITY_NOTE.format(label="Pipedrive"),),
        },
    },
}

