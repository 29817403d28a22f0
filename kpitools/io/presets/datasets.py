"""Public teaching datasets: Maven Analytics CRM Sales Opportunities and the Olist marketing
funnel (see ../shared/datasets)."""
from kpitools.io.presets.common import STATUS_FROM_STAGE

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
                "status": (STATUS_FROM_STAGE,),
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
            "values": {"source": {"": "(no origin)"}},
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
            "values": {"source": {"": "(no origin)"}},
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

