"""The KPI registry: what each KPI *is* (name, formula, leading or lagging, unit, direction).

One row per KPI of the domain guide: the leading and lagging indicators, the four coaching KPIs
and the wider catalogue for workshops and managers. ``function`` names what computes a KPI:
``"formulas.<name>"`` for a scalar formula, the name of a frame function (``kt.<name>``) that
computes it from CRM tables, or ``""`` when kpitools does not compute it. A KPI with a worked
example also has a scalar formula under its key in ``kpitools.formulas``.
"""
from __future__ import annotations

import difflib

import pandas as pd

__all__ = ["catalogue", "kpi", "starter_set", "COLUMNS", "FIRST_SEVEN", "STARTER_SETS"]

COLUMNS: tuple[str, ...] = ("key", "name", "group", "indicator", "formula", "unit",
                            "higher_is_better", "function", "first_seven")

# The seven KPIs the guide's sources recommend to a new rep who should not track everything at
# once. Five of them lag and none is an activity, so the course starts reps on STARTER_SETS.
FIRST_SEVEN: tuple[str, ...] = ("lead_conversion_rate", "avg_deal_size", "win_rate",
                                "quota_attainment", "revenue_growth", "pipeline_coverage",
                                "retention_rate")

# What a new rep watches first, by role: mostly leading indicators (work that can change this
# week), one or two outcomes to check it against. (key, why it is in the set)
STARTER_SETS: dict[str, tuple[tuple[str, str], ...]] = {
    "ae": (
        ("outreach_per_week", "the work itself: the one number fully in your hands this week"),
        ("outreach_per_first_meeting", "how much outreach one first meeting costs you; fewer "
                                       "touches per meeting shrinks every weekly target"),
        ("next_step_rate", "first meetings that end with a date for the next step are the ones "
                           "that become opportunities"),
        ("stage_conversion", "where your open deals stall, while you can still act on them"),
        ("pipeline_coverage", "enough deals in play for the gap? Judge it against 1 / your win "
                              "rate"),
        ("win_rate", "the outcome to check the rest against; with few closed deals, read its "
                     "likely range, not the percentage"),
        ("quota_attainment", "the score you are judged on, once a month"),
    ),
    "sdr": (
        ("outreach_per_week", "the work itself: calls, emails and messages you start each week"),
        ("connect_rate", "how many calls reach a person: the list and the call times at work"),
        ("reply_rate", "how many emails get an answer: the message and the targeting at work"),
        ("meetings_booked", "the meetings you put in the calendar: what an SDR produces"),
        ("first_meetings_per_week", "the booked meetings that really took place"),
        ("first_meeting_rate", "which lead sources turn into meetings, so you call those first"),
        ("meeting_quota_attainment", "the score you are judged on, once a month"),
    ),
}

# Leading: activities and in-process conversions a rep can change this week.
# Lagging: outcomes, measured after the fact. higher_is_better is None where no direction applies.
# (key, name, group, indicator, formula, unit, higher_is_better, function)
_KPIS: tuple[tuple[str, str, str, str, str, str, bool | None, str], ...] = (
    # activity: the daily work and the three activity ratios
    ("calls_per_day", "Calls per day (or week)", "activity", "leading",
     "calls made / working days (or weeks)", "calls per day", True, "activity_ratios"),
    ("prospects_visited_per_week", "Prospects visited per week (or month)", "activity",
     "leading", "distinct prospects met / weeks (or months)", "prospects per week", True, ""),
    ("lead_source_mix", "Lead source mix", "activity", "leading",
     "leads contacted from a source / all leads contacted", "share", None, "source_conversion"),
    ("first_meeting_rate", "Lead source → first meeting rate", "activity", "leading",
     "leads with a first meeting / leads, per lead source", "share", True, "source_conversion"),
    ("outreach_per_first_meeting", "Outreach per first meeting", "activity", "leading",
     "outreach touches (calls, emails, social, events) / first meetings booked",
     "touches per meeting", False, "activity_ratios"),
    ("next_step_rate", "First meeting → next step rate", "activity", "leading",
     "first meetings ending with a scheduled next step / first meetings", "share", True,
     "activity_ratios"),
    ("outreach_per_week", "Outreach touches per week", "activity", "leading",
     "calls, emails, social messages and events the rep started in a week", "touches per week",
     True, "activity_ratios"),
    ("first_meetings_per_week", "First meetings held per week", "activity", "leading",
     "first meetings that took place in a week", "meetings per week", True, "activity_ratios"),
    ("meetings_booked", "Meetings booked per week", "activity", "leading",
     "first meetings put in the calendar during a week, whenever they take place",
     "meetings per week", True, ""),
    ("connect_rate", "Call connect rate", "activity", "leading",
     "calls that reached the person / calls made", "share", True, ""),
    ("reply_rate", "Email reply rate", "activity", "leading",
     "emails (and social messages) answered / sent", "share", True, ""),
    # conversion
    ("call_to_opportunity_rate", "Calls → opportunities", "conversion", "leading",
     "opportunities created / calls made", "share", True, ""),
    ("stage_conversion", "Stage-to-stage conversion", "conversion", "leading",
     "per stage: deals that moved to a later stage or won / deals that reached it and closed "
     "or moved on", "share per stage", True, "stage_conversion"),
    ("out_of_order_share", "Out-of-order stage moves", "conversion", "leading",
     "stage transitions that skip a stage or go back / all transitions", "share", False,
     "transition_matrix"),
    ("funnel_leak", "Funnel leak", "conversion", "leading",
     "prospects × each step's rate; late-stage rate = customers / prospects at the next stage",
     "counts and share", True, "formulas.funnel_leak"),
    ("lead_conversion_rate", "Lead conversion rate", "conversion", "leading",
     "converted leads (leads that became an opportunity) / all leads", "share", True,
     "lead_conversion"),
    ("mql_to_sql_rate", "MQL → SQL rate", "conversion", "leading", "SQLs / MQLs", "share",
     True, "lead_conversion"),
    ("opportunity_conversion_rate", "Opportunity conversion rate (opportunities → wins)",
     "conversion", "leading", "won deals / all opportunities (open, won and lost)", "share",
     True, "formulas.opportunity_conversion_rate"),
    ("win_rate", "Win rate", "conversion", "lagging",
     "closed-won / (closed-won + closed-lost); open deals are left out", "share", True,
     "win_rate"),
    ("lead_to_customer_rate", "Lead-to-customer conversion", "conversion", "lagging",
     "leads that bought / all leads", "share", True, "lead_conversion"),
    ("sales_cycle_days", "Sales cycle length", "conversion", "lagging",
     "days from creation to close, summed over won deals / won deals", "days", False,
     "deal_metrics"),
    # revenue
    ("total_revenue", "Total revenue", "revenue", "lagging",
     "average price per unit × units sold (= sum of won amounts)", "money", True,
     "deal_metrics"),
    ("sales_volume", "Total sales volume", "revenue", "lagging",
     "units (or deals) sold in the period", "count", True, ""),
    ("revenue_growth", "Revenue growth", "revenue", "lagging",
     "(current revenue - previous revenue) / previous revenue", "share", True,
     "formulas.revenue_growth"),
    ("monthly_sales_growth", "Monthly sales growth", "revenue", "lagging",
     "(this month's revenue - last month's) / last month's", "share", True,
     "formulas.revenue_growth"),
    ("avg_deal_size", "Average deal size", "revenue", "lagging",
     "won revenue / number of won deals", "money", True, "deal_metrics"),
    # pipeline
    ("opportunities_won", "Opportunities won", "pipeline", "lagging",
     "count of closed-won opportunities", "count", True, "win_rate"),
    ("opportunities_lost", "Opportunities lost", "pipeline", "lagging",
     "count of closed-lost opportunities", "count", False, "win_rate"),
    ("qualified_leads", "Qualified leads", "pipeline", "leading",
     "count of leads that meet the agreed qualification criteria", "count", True, ""),
    ("open_pipeline", "Open pipeline by stage", "pipeline", "leading",
     "amounts of open deals expected to close in the period, per stage", "money", True,
     "quota_gap"),
    ("quota_gap", "Pipeline vs quota gap", "pipeline", "leading",
     "gap = quota - closed-won (at least 0), set against the open pipeline for the period",
     "money", False, "quota_gap"),
    ("pipeline_coverage", "Pipeline coverage", "pipeline", "leading",
     "open pipeline for the period / remaining quota (the gap); enough once it reaches "
     "1 / win rate", "ratio", True, "quota_gap"),
    ("weighted_pipeline", "Weighted pipeline", "pipeline", "leading",
     "open deals' amounts × the win rate of the stage each one is in", "money", True,
     "weighted_pipeline"),
    ("slipped_deals", "Slipped close dates", "pipeline", "leading",
     "open deals whose expected close date has passed (count and amount)", "deals", False,
     "slipped_deals"),
    ("pacing", "Pacing (on track?)", "pipeline", "leading",
     "done so far in the month / (monthly target × share of the month's working days gone)",
     "share", True, "pace"),
    ("pipeline_velocity", "Pipeline velocity", "pipeline", "leading",
     "qualified opportunities × win rate × average deal size / sales cycle days",
     "money per day", True, "formulas.pipeline_velocity"),
    ("deals_needed", "Deals needed for the quota", "pipeline", "leading",
     "quota / average deal size, rounded up", "deals", None, "plan"),
    ("leads_needed", "Leads needed for the quota", "pipeline", "leading",
     "deals needed / lead-to-customer rate, rounded up", "leads", None,
     "formulas.leads_needed"),
    ("forecast_accuracy", "Forecast accuracy", "pipeline", "lagging",
     "1 - |actual - forecast| / actual", "share", True, "formulas.forecast_accuracy"),
    # customers
    ("number_of_customers", "Number of customers", "customers", "lagging",
     "count of paying customers at the end of the period", "count", True, ""),
    ("churn_rate", "Churn rate (gross)", "customers", "lagging",
     "customers lost in the period / customers at the start", "share", False,
     "formulas.churn_rate"),
    ("net_customer_churn", "Net customer churn", "customers", "lagging",
     "(customers lost - new customers) / customers at the start", "share", False,
     "formulas.net_customer_churn"),
    ("retention_rate", "Customer retention rate", "customers", "lagging",
     "(customers at the end - new customers) / customers at the start", "share", True,
     "formulas.retention_rate"),
    ("cac", "Customer acquisition cost (CAC)", "customers", "lagging",
     "(marketing + sales spend) / new customers", "money per customer", False, "formulas.cac"),
    ("cltv", "Customer lifetime value (CLTV)", "customers", "lagging",
     "average revenue per customer per year × average customer lifetime in years", "money",
     True, "formulas.cltv"),
    # team
    ("quota_attainment", "Quota attainment", "team", "lagging",
     "a rep's closed-won / the rep's quota", "share", True, "quota_gap"),
    ("meeting_quota_attainment", "Meeting quota attainment", "team", "lagging",
     "first meetings held in the month / the month's meeting quota (an SDR's quota)", "share",
     True, ""),
    ("quota_attainment_rate", "Quota attainment rate (team)", "team", "lagging",
     "reps at or above quota / all reps", "share", True, "formulas.quota_attainment_rate"),
    ("rep_productivity", "Rep productivity", "team", "lagging", "revenue / number of reps",
     "money per rep", True, "formulas.rep_productivity"),
    ("sales_per_rep", "Sales per rep", "team", "lagging", "won deals / number of reps",
     "deals per rep", True, "deal_metrics"),
    ("calls_per_rep_per_month", "Calls per rep per month", "team", "leading",
     "calls made / reps / months", "calls per rep per month", True, "activity_ratios"),
    ("time_spent_selling", "Time spent selling", "team", "leading",
     "selling hours / total working hours", "share", True, "formulas.time_spent_selling"),
    ("data_entry_time_share", "Time on data entry", "team", "leading",
     "hours on CRM data entry / total working hours", "share", False, ""),
    # breakdowns: outcomes split by one dimension
    ("sales_by_product", "Sales by product", "breakdowns", "lagging",
     "won deals and revenue grouped by product", "money", None, "deal_metrics"),
    ("sales_by_region", "Sales by region", "breakdowns", "lagging",
     "won deals and revenue grouped by region", "money", None, "deal_metrics"),
    ("sales_by_lead_source", "Sales by lead source", "breakdowns", "lagging",
     "won deals and revenue grouped by lead source", "money", None, "deal_metrics"),
    ("sales_by_contact_method", "Sales by contact method", "breakdowns", "lagging",
     "won deals and revenue grouped by the channel that started the deal", "money", None, ""),
    ("cancelled_orders_by_reason", "Cancelled orders by reason", "breakdowns", "lagging",
     "cancelled orders counted per reason", "count", None, ""),
    ("revenue_from_new_initiatives", "Revenue from new initiatives", "breakdowns", "lagging",
     "revenue grouped by initiative (new products, markets or campaigns)", "money", None, ""),
)


def catalogue() -> pd.DataFrame:
    """Every KPI the toolkit teaches, one row each: what it measures and what computes it.

    Returns
    -------
    pandas.DataFrame
        Columns ``key`` (snake_case id, as in ``kt.kpi(key)``), ``name``, ``group`` (activity,
        conversion, revenue, pipeline, customers, team, breakdowns), ``indicator`` ("leading"
        or "lagging"), ``formula`` (in words), ``unit``, ``higher_is_better`` (nullable
        boolean; NA where no direction applies), ``function`` ("formulas.<name>", a frame
        function's name, or "" when nothing computes it) and ``first_seven`` (True for the
        seven KPIs a new rep should watch first). A new frame on every call.

    Examples
    --------
    >>> cat = catalogue()
    >>> cat.loc[cat["first_seven"], "key"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['lead_conversion_rate', 'win_rate', 'revenue_growth', 'avg_deal_size',
     'pipeline_coverage', 'retention_rate', 'quota_attainment']
    >>> cat.groupby("indicator").size()
    indicator
    lagging    ...
    leading    ...
    dtype: int64
    """
    frame = pd.DataFrame(list(_KPIS), columns=list(COLUMNS[:-1]))
    frame["higher_is_better"] = frame["higher_is_better"].astype("boolean")
    frame["first_seven"] = frame["key"].isin(FIRST_SEVEN)
    return frame


def starter_set(role: str = "ae") -> pd.DataFrame:
    """What a new rep watches first: a short set of mostly leading KPIs for their role.

    Parameters
    ----------
    role : {"ae", "sdr"}
        "ae" (account executive: works deals from first meeting to signature) or "sdr" (sales
        development rep: books first meetings for AEs).

    Returns
    -------
    DataFrame
        ``key, name, indicator, why, formula, function``, in the order to read them.

    Examples
    --------
    >>> ae = starter_set("ae")
    >>> ae["key"].tolist()[:3]
    ['outreach_per_week', 'outreach_per_first_meeting', 'next_step_rate']
    >>> ae["indicator"].value_counts().to_dict()
    {'leading': 5, 'lagging': 2}
    """
    if role not in STARTER_SETS:
        raise KeyError(f"starter_set: {role!r} is not a role. Choose one of "
                       f"{sorted(STARTER_SETS)}.")
    keys, why = zip(*STARTER_SETS[role])
    rows = catalogue().set_index("key").loc[list(keys)].reset_index()
    return rows.assign(why=list(why))[["key", "name", "indicator", "why", "formula",
                                       "function"]]


def kpi(key: str) -> pd.Series:
    """One KPI's catalogue row: its name, group, formula, unit, direction and function.

    Parameters
    ----------
    key : str
        The KPI's key, e.g. ``"win_rate"``; see ``catalogue()["key"]``.

    Returns
    -------
    pandas.Series
        The row, indexed by the catalogue's columns and named after the key.

    Raises
    ------
    KeyError
        If ``key`` is not a KPI; the message suggests the closest keys.

    Examples
    --------
    >>> kpi("win_rate")["formula"]
    'closed-won / (closed-won + closed-lost); open deals are left out'
    >>> kpi("winrate")
    Traceback (most recent call last):
    ...
    KeyError: "'winrate' is not a KPI. See kt.catalogue() for valid keys.
    Did you mean 'win_rate'?"
    """
    table = catalogue()
    rows = table.index[table["key"] == key]
    if len(rows) == 0:
        keys = table["key"].tolist()
        close = difflib.get_close_matches(str(key).strip().lower(), keys, n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(repr(k) for k in close)}?" if close else ""
        raise KeyError(f"{key!r} is not a KPI. See kt.catalogue() for valid keys.{hint}")
    row = table.loc[rows[0]]
    row.name = key
    return row
