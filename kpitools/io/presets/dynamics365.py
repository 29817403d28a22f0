"""Dynamics 365 Sales: Opportunities, Activities and Goals exported with "Export to Excel".

A view exported to Excel carries each record's ID in the hidden column "(Do Not Modify)
Opportunity" (and a hidden sheet of option lists, which is not loaded). The status (Open, Won,
Lost) decides the outcome; "Status Reason" says why. A won deal's revenue and close date are
the actual ones, an open deal's the estimates. Goals that other goals name as their parent are
team or manager targets (excluded as "team roll-up").
"""
from kpitools.io.presets.common import ACTIVITY_NOTE, DIRECTION

_PHASES = {f"{n}-{s}".casefold(): s for n, s in
           enumerate(("Qualify", "Develop", "Propose", "Close"), start=1)}

DYNAMICS365 = {
    "label": "Dynamics 365",
    "export": ("Sales → Opportunities → pick the view 'All Opportunities' (add the columns "
               "Owner, Status, Status Reason, Sales Stage, Est. Close Date, Est. Revenue, "
               "Actual Close Date, Actual Revenue, Created On, Currency with 'Edit columns') "
               "→ Export to Excel → Static worksheet. The same for Activities and for Goals."),
    "stages": ("Qualify", "Develop", "Propose", "Close"),
    "tables": {
        "opportunities": {
            "files": ("*opportunit*",),
            "signatures": (("(Do Not Modify) Opportunity",), ("Est. Close Date", "Status"),
                           ("Est. Revenue", "Status Reason")),
            "columns": {
                "opportunity_id": ("(Do Not Modify) Opportunity", "Opportunity"),
                "rep": ("Owner",),
                "status": ("Status",),
                "stage": ("Sales Stage", "Pipeline Phase", "Process Stage",
                          {"stage_from_status": True}),
                "amount": ({"by_status": {"won": "Actual Revenue", "lost": "Est. Revenue",
                                          "open": "Est. Revenue"}, "else": "Est. Revenue"},
                           "Est. Revenue"),
                "currency": ("Currency",),
                "created_at": ("Created On",),
                "closed_at": ({"by_status": {"won": "Actual Close Date",
                                             "lost": "Actual Close Date"}},),
                "expected_close": ({"by_status": {"open": "Est. Close Date"}},),
                "loss_reason": ({"by_status": {"lost": "Status Reason"}},),
                "modified_at": ("(Do Not Modify) Modified On", "Modified On"),
                "probability": ({"percent": "Probability"},),
            },
            "values": {"stage": _PHASES},
        },
        "activities": {
            "files": ("*activit*", "*phone call*", "*appointment*"),
            "signatures": (("(Do Not Modify) Activity",), ("Activity Type", "Regarding")),
            "columns": {
                "activity_id": ("(Do Not Modify) Activity", "(Do Not Modify) Phone Call",
                                "(Do Not Modify) Appointment"),
                "rep": ("Owner", "Assigned To"),
                "at": ("Actual End", "Due Date", "Start Date", "Created On"),
                "kind": ("Activity Type", {"file": {"*phone call*": "call",
                                                    "*appointment*": "meeting"}}),
                "direction": ("Direction",),
                "modified_at": ("(Do Not Modify) Modified On", "Modified On"),
            },
            "values": {"kind": {"phone call": "call", "email": "email", "appointment": "meeting",
                                "*": "other"},
                       "direction": DIRECTION},
            "notes": (ACTIVITY_NOTE.format(label="Dynamics 365"),),
        },
        "quotas": {
            "files": ("*goal*",),
            "signatures": (("Parent Goal", "Goal Owner"), ("Goal Owner", "Target (Money)")),
            "columns": {
                "rep": ("Goal Owner", "Owner"),
                "period": ("From", "Goal Start Date", "Start Date"),
                "quota": ("Target (Money)", "Target"),
                "goal": ("Name", "Goal", "Title"),
                "parent_goal": ("Parent Goal",),
            },
            "notes": ("Dynamics 365 goals: each goal's target counts in the month it starts "
                      "('From').",),
        },
    },
}
