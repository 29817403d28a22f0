"""Salesforce: report exports (labels such as "Opportunity Owner") and API-name exports (Data
Loader, the weekly Data Export, Workbench, Inspector: Id, OwnerId, StageName, IsWon, ...).

Each file is read by whichever headers it has, so both styles (and a mix of files) load with one
preset. Every ID column is compared on its first 15 characters: 18-character API IDs and the
15-character IDs of reports name the same records.
"""
from kpitools.io.presets.common import ACTIVITY_NOTE

SALESFORCE = {
    "label": "Salesforce",
    "export": ("Reports → open (or create) an Opportunities report with 'Opportunity ID' → "
               "the ▾ arrow next to Edit → Export → 'Details Only' → Format .csv or .xlsx; "
               "the same for a Tasks and Events report. Or Setup → Data Export (or Data "
               "Loader → Export) of Opportunity, OpportunityHistory, Task, Event, Lead and "
               "User (and Metric and GoalLink for quotas set as Goals): the API-name files "
               "load as they are."),
    "stages": ("Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
               "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
               "Negotiation/Review"),
    "ids": "salesforce",
    "lookups": {"users": ("user*.csv", "user*.xlsx", "*_user.*", "*users*"),
                "goal_links": ("goallink*",)},
    "ignore": {"goal.csv": "Goal records (their targets are read from the Metric file)",
               "goal.xlsx": "Goal records (their targets are read from the Metric file)"},
    "tables": {
        "opportunities": {
            "files": ("*opportunit*",),
            "signatures": (("Opportunity Name", "Stage"), ("Opportunity ID", "Stage"),
                           ("StageName", "IsWon"), ("StageName", "CloseDate", "Name")),
            "not": (("OpportunityId", "StageName"),),  # OpportunityHistory
            "joins": ({"file": "users", "on": ("OwnerId", "Id"), "add": {"Name": "Owner Name"},
                       "ids": "salesforce", "only_if": "OwnerId"},),
            "columns": {
                "opportunity_id": ("Opportunity ID", "Id"),
                "rep": ("Opportunity Owner", {"coalesce": ("Owner Name", "OwnerId")}),
                "stage": ("Stage", "StageName"),
                "status": ({"flags": {"won": "Won", "closed": "Closed"}},
                           {"flags": {"won": "IsWon", "closed": "IsClosed"}},
                           {"status_from_stage": True}),
                "amount": ("Amount",),
                "currency": ("Opportunity Currency", "Amount Currency", "CurrencyIsoCode",
                             "Currency"),
                "created_at": ("Created Date", "CreatedDate"),
                "closed_at": ({"by_status": {"won": "Close Date", "lost": "Close Date"}},
                              {"by_status": {"won": "CloseDate", "lost": "CloseDate"}}),
                "expected_close": ({"by_status": {"open": "Close Date"}},
                                   {"by_status": {"open": "CloseDate"}}),
                "source": ("Lead Source", "LeadSource"),
                "loss_reason": ("Loss Reason", "Loss_Reason__c"),
                "modified_at": ("Last Modified Date", "LastModifiedDate"),
                "probability": ({"percent": "Probability (%)"}, {"percent": "Probability"}),
                "is_deleted": ("IsDeleted",),
            },
        },
        "stage_history": {
            "files": ("*opportunityhistory*", "*opportunity_history*", "*stage_history*"),
            "signatures": (("OpportunityId", "StageName"), ("Opportunity ID", "To Stage")),
            "columns": {
                "opportunity_id": ("OpportunityId", "Opportunity ID"),
                "stage": ("StageName", "To Stage"),
                "entered_at": ("CreatedDate", "Edit Date", "Last Modified"),
                "is_deleted": ("IsDeleted",),
            },
        },
        "activities": {
            "files": ("*task*", "*event*", "*activit*"),
            "signatures": (("Subject", "Assigned To"), ("Subject", "Task Subtype"),
                           ("Subject", "Due Date"), ("Subject", "Activity Date"),
                           ("Subject", "OwnerId"), ("TaskSubtype", "OwnerId"),
                           ("EventSubtype", "OwnerId")),
            "joins": ({"file": "users", "on": ("OwnerId", "Id"), "add": {"Name": "Owner Name"},
                       "ids": "salesforce", "only_if": "OwnerId"},),
            "columns": {
                "activity_id": ("Activity ID", "Id"),
                "rep": ("Assigned To", "Assigned", {"coalesce": ("Owner Name", "OwnerId")}),
                "at": ("Due Date", "Activity Date", "Date", "Start", "ActivityDateTime",
                       "StartDateTime", "ActivityDate"),
                "kind": ({"coalesce": ("Type", "TaskSubtype", "Task Subtype", "EventSubtype",
                                       "Event Subtype")},
                         {"file": {"*event*": "meeting"}}),
                "direction": ("Call Type", "CallType"),
                "opportunity_id": ({"header": "What Id", "keep_prefix": "006"},
                                   {"header": "WhatId", "keep_prefix": "006"}),
                "lead_id": ({"header": "Who Id", "keep_prefix": "00Q"},
                            {"header": "WhoId", "keep_prefix": "00Q"}),
                "channel_detail": ("Call Result", "CallDisposition"),
                "modified_at": ("Last Modified Date", "LastModifiedDate"),
                "is_deleted": ("IsDeleted",),
            },
            "values": {"kind": {"call": "call", "email": "email", "list email": "email",
                                "listemail": "email", "linkedin": "social",
                                "meeting": "meeting", "event": "meeting", "*": "other"},
                       "direction": {"inbound": "inbound", "outbound": "outbound",
                                     "*": ""}},
            "notes": (ACTIVITY_NOTE.format(label="Salesforce Task"),),
        },
        "quotas": {
            "files": ("*metric*",),
            "signatures": (("GoalId", "TargetValue"),),
            "joins": ({"file": "users", "on": ("OwnerId", "Id"), "add": {"Name": "Owner Name"},
                       "ids": "salesforce", "only_if": "OwnerId"},
                      {"file": "goal_links", "on": ("GoalId", "SubgoalId"),
                       "add": {"ParentGoalId": "Parent Goal"}, "ids": "salesforce"}),
            "columns": {
                "rep": ({"coalesce": ("Owner Name", "OwnerId")},),
                "period": ("StartDate",),
                "quota": ("TargetValue",),
                "goal": ("GoalId",),
                "parent_goal": ("Parent Goal",),
                "metric_type": ("MetricType",),
                "is_deleted": ("IsDeleted",),
            },
            "notes": ("Salesforce Goals: each metric's target counts in the month its goal "
                      "starts (StartDate); a goal that others roll up into (GoalLink) is the "
                      "team's, not a rep's quota.",),
        },
        "leads": {
            "files": ("*lead*",),
            "signatures": (("Lead Owner",), ("Lead ID", "Lead Source"),
                           ("IsConverted", "LeadSource")),
            "joins": ({"file": "users", "on": ("OwnerId", "Id"), "add": {"Name": "Owner Name"},
                       "ids": "salesforce", "only_if": "OwnerId"},),
            "columns": {
                "lead_id": ("Lead ID", "Id"),
                "rep": ("Lead Owner", {"coalesce": ("Owner Name", "OwnerId")}),
                "created_at": ("Create Date", "Created Date", "CreatedDate"),
                "source": ("Lead Source", "LeadSource"),
                "modified_at": ("Last Modified Date", "LastModifiedDate"),
                "is_deleted": ("IsDeleted",),
            },
        },
    },
}
