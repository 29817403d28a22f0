"""One plain function per worked example: scalars in, a scalar out.

Each function takes exactly the inputs named in ``kpitools/data/worked_examples.json``, so a
notebook can check its arithmetic against the guide's test vectors. Rates are fractions (0.25,
not 25). A zero denominator gives NaN, never an exception or ``inf``.

For KPIs computed from CRM tables (win rate by rep, deal size by month, ...) use the frame
functions instead; ``kt.catalogue()`` says which function computes which KPI.

Inputs are described once, in ``_INPUTS``; ``_numpydoc`` adds the Parameters and Returns
sections to each docstring, so ``help(formulas.win_rate)`` shows a complete numpydoc docstring.
"""
from __future__ import annotations

import inspect
import math
import textwrap

from kpitools._stats import safe_divide

__all__ = [
    "total_revenue", "revenue_growth", "avg_deal_size", "lead_conversion_rate",
    "opportunity_conversion_rate", "sales_cycle_days", "lead_to_customer_rate",
    "mql_to_sql_rate", "win_rate", "pipeline_velocity", "forecast_accuracy", "deals_needed",
    "leads_needed", "funnel_leak", "cac", "cltv", "churn_rate", "net_customer_churn",
    "retention_rate", "quota_attainment_rate", "rep_productivity", "time_spent_selling",
]

# What each input means. A formula may give a more precise meaning (see ``_numpydoc``).
_INPUTS = {
    "actual": "Actual result of the period (revenue, or deals).",
    "avg_deal_size": "Average won deal size, in money.",
    "avg_price": "Average price per unit (or per won deal), in money.",
    "converted": "Leads that converted to the next funnel step.",
    "current": "Revenue of the current period.",
    "customers": "Of those leads, how many became paying customers.",
    "customers_at_end": "Customers at the end of the period.",
    "customers_at_start": "Customers at the start of the period.",
    "cycle_days": "Average sales cycle length, in days.",
    "first_meeting_rate": "Share of prospects that accept a first meeting.",
    "forecast": "What was forecast for the period.",
    "lead_to_customer_rate": "Share of leads that become customers.",
    "leads": "Leads of the period.",
    "lifetime_years": "Average customer lifetime, in years.",
    "lost": "Customers lost during the period.",
    "mqls": "Marketing-qualified leads (MQLs).",
    "new": "Customers won during the period.",
    "new_customers": "Customers won during the period.",
    "next_stage_rate": "Share of first meetings that move on to the next stage.",
    "opportunities": "Opportunities of the group, whatever their status (open, won, lost).",
    "previous": "Revenue of the previous period (the previous month for monthly growth).",
    "prospect_to_customer_rate": "Share of the prospects that end up buying.",
    "prospects": "New prospects contacted.",
    "quota": "Revenue target, in money.",
    "reps": "Number of reps (with a quota, for attainment).",
    "reps_at_or_above_quota": "Reps whose closed-won reached or passed their quota.",
    "revenue": "Revenue of the period, in money.",
    "revenue_per_customer_per_year": "Average revenue per customer per year, in money.",
    "selling_hours": "Hours spent selling.",
    "spend": "Marketing plus sales spend of the period, in money.",
    "sqls": "Of those MQLs, sales-qualified leads (SQLs).",
    "total_days": "Days from creation to close, summed over the won deals.",
    "units": "Units sold in the period (for deal-based sales: won deals).",
    "win_rate": "Win rate, as a fraction (0.25, not 25).",
    "won": "Opportunities closed-won.",
    "won_deals": "Number of won deals.",
    "won_revenue": "Sum of the won deals' amounts.",
    "working_hours": "All working hours of the period.",
}


def _numpydoc(returns: str, **inputs: str):
    """Add Parameters (from ``_INPUTS``, or ``inputs`` where given) and Returns to a docstring."""
    def decorate(func):
        head, examples = inspect.cleandoc(func.__doc__).split("\n\nExamples\n", 1)
        lines = [head, "", "Parameters", "----------"]
        for name, param in inspect.signature(func).parameters.items():
            optional = "" if param.default is param.empty else ", optional"
            lines += [f"{name} : float{optional}",
                      textwrap.indent(textwrap.fill(inputs.get(name, _INPUTS[name]), 88), "    ")]
        lines += ["", "Returns", "-------", func.__annotations__["return"],
                  textwrap.indent(textwrap.fill(returns, 88), "    "), "", "Examples", examples]
        func.__doc__ = "\n".join(lines)
        return func
    return decorate


def _round_up(value: float) -> int | float:
    """Round up to a whole number, ignoring float noise (21 / 0.7 gives 30, not 31)."""
    return math.nan if math.isnan(value) else math.ceil(round(value, 9))


@_numpydoc("units * avg_price, in money: the sum of won amounts.")
def total_revenue(units: float, avg_price: float) -> float:
    """Money brought in by everything sold: units sold times the average price per unit.

    Examples
    --------
    >>> total_revenue(units=100, avg_price=10_000)
    1000000
    """
    return units * avg_price


@_numpydoc("(current - previous) / previous, a fraction (0.25 is 25% growth; negative is a "
           "decline); NaN when previous is 0.")
def revenue_growth(current: float, previous: float) -> float:
    """Change in revenue since the previous period, as a share of the previous period.

    Examples
    --------
    >>> revenue_growth(current=1_000_000, previous=800_000)
    0.25
    """
    return safe_divide(current - previous, previous)


@_numpydoc("won_revenue / won_deals, in money; NaN when no deal was won.")
def avg_deal_size(won_revenue: float, won_deals: float) -> float:
    """Typical value of a won deal: won revenue divided by the number of won deals.

    Examples
    --------
    >>> avg_deal_size(won_revenue=500_000, won_deals=50)
    10000.0
    """
    return safe_divide(won_revenue, won_deals)


@_numpydoc("converted / leads, a fraction; NaN when there are no leads.")
def lead_conversion_rate(converted: float, leads: float) -> float:
    """Share of leads that converted, that is moved on to the next step of the funnel.

    Examples
    --------
    >>> lead_conversion_rate(converted=200, leads=1000)
    0.2
    """
    return safe_divide(converted, leads)


@_numpydoc("won / opportunities, a fraction; NaN when there are no opportunities.")
def opportunity_conversion_rate(won: float, opportunities: float) -> float:
    """Share of all opportunities (open, won and lost) that were won.

    Unlike the win rate, open deals stay in the denominator: compare it only for groups of
    opportunities that have finished closing.

    Examples
    --------
    >>> opportunity_conversion_rate(won=25, opportunities=100)
    0.25
    """
    return safe_divide(won, opportunities)


@_numpydoc("total_days / won_deals, in days; NaN when no deal was won.")
def sales_cycle_days(total_days: float, won_deals: float) -> float:
    """Sales cycle length: average number of days from opening a deal to winning it.

    Examples
    --------
    >>> sales_cycle_days(total_days=200, won_deals=10)
    20.0
    """
    return safe_divide(total_days, won_deals)


@_numpydoc("customers / leads, a fraction; NaN when there are no leads.")
def lead_to_customer_rate(leads: float, customers: float) -> float:
    """Share of leads that became paying customers.

    Examples
    --------
    100 leads a month, 10 of them buy:

    >>> lead_to_customer_rate(leads=100, customers=10)
    0.1
    """
    return safe_divide(customers, leads)


@_numpydoc("sqls / mqls, a fraction; NaN when there are no MQLs.")
def mql_to_sql_rate(mqls: float, sqls: float) -> float:
    """Share of marketing-qualified leads that sales accepted as sales-qualified.

    Examples
    --------
    >>> mql_to_sql_rate(mqls=1000, sqls=150)
    0.15
    """
    return safe_divide(sqls, mqls)


@_numpydoc("won / (won + lost), a fraction; NaN when nothing has closed.",
           lost="Opportunities closed-lost.")
def win_rate(won: float, lost: float) -> float:
    """Share of closed opportunities that were won; open deals are not counted.

    Examples
    --------
    5 won and 25 lost. ("5 won out of 30 opened" is not a win rate until the other 25 close.)

    >>> win_rate(won=5, lost=25)
    0.1667
    """
    return safe_divide(won, won + lost)


@_numpydoc("opportunities * win_rate * avg_deal_size / cycle_days, in money per day; NaN when "
           "cycle_days is 0.", opportunities="Qualified opportunities in the pipeline.")
def pipeline_velocity(opportunities: float, win_rate: float, avg_deal_size: float,
                      cycle_days: float) -> float:
    """Pipeline velocity: money the pipeline turns into revenue per day.

    Examples
    --------
    >>> pipeline_velocity(opportunities=200, win_rate=0.25, avg_deal_size=10_000, cycle_days=25)
    20000.0
    """
    return safe_divide(opportunities * win_rate * avg_deal_size, cycle_days)


@_numpydoc("1 - abs(actual - forecast) / actual, a fraction; 1.0 is a perfect forecast, below 0 "
           "when the forecast misses by more than the actual value. NaN when actual is 0.")
def forecast_accuracy(actual: float, forecast: float) -> float:
    """How close the forecast came: 1 minus the forecast error relative to the actual result.

    Examples
    --------
    >>> forecast_accuracy(actual=1_000_000, forecast=900_000)
    0.9
    """
    return 1 - safe_divide(abs(actual - forecast), actual)


@_numpydoc("ceil(quota / avg_deal_size), an int; NaN when avg_deal_size is 0.")
def deals_needed(quota: float, avg_deal_size: float) -> int | float:
    """Whole deals a rep must win to reach the quota at the average deal size.

    Examples
    --------
    >>> deals_needed(quota=100_000, avg_deal_size=5_000)
    20
    >>> deals_needed(quota=100_000, avg_deal_size=6_000)
    17
    """
    return _round_up(safe_divide(quota, avg_deal_size))


@_numpydoc("ceil(deals_needed / lead_to_customer_rate), an int, rounding up at each step like "
           "kt.plan; NaN when avg_deal_size or the rate is 0.")
def leads_needed(quota: float, avg_deal_size: float,
                 lead_to_customer_rate: float) -> int | float:
    """Whole leads a rep needs to reach the quota, planning backwards from the deals needed.

    Examples
    --------
    >>> leads_needed(quota=100_000, avg_deal_size=5_000, lead_to_customer_rate=0.10)
    200
    """
    return _round_up(safe_divide(deals_needed(quota, avg_deal_size), lead_to_customer_rate))


@_numpydoc("first_meetings, next_stage and customers (expected counts) and "
           "next_stage_to_customer_rate (customers / next_stage; NaN when next_stage is 0).")
def funnel_leak(prospects: float, first_meeting_rate: float, next_stage_rate: float,
                prospect_to_customer_rate: float) -> dict[str, float]:
    """Where the funnel leaks: prospects left at each step, and how many of the late ones buy.

    A low ``next_stage_to_customer_rate`` means the leak is late: qualification, the wrong
    next step, no access to the decision maker, or negotiation.

    Examples
    --------
    >>> funnel_leak(prospects=100, first_meeting_rate=0.40, next_stage_rate=0.50,
    ...             prospect_to_customer_rate=0.05)
    {'first_meetings': 40.0, 'next_stage': 20.0, 'customers': 5.0,
     'next_stage_to_customer_rate': 0.25}
    """
    first_meetings = prospects * first_meeting_rate
    next_stage = first_meetings * next_stage_rate
    customers = prospects * prospect_to_customer_rate
    return {"first_meetings": first_meetings, "next_stage": next_stage, "customers": customers,
            "next_stage_to_customer_rate": safe_divide(customers, next_stage)}


@_numpydoc("spend / new_customers, in money per customer; NaN when no customer was won.")
def cac(spend: float, new_customers: float) -> float:
    """Customer acquisition cost: marketing and sales spend per new customer won.

    Examples
    --------
    >>> cac(spend=100_000, new_customers=50)
    2000.0
    """
    return safe_divide(spend, new_customers)


@_numpydoc("revenue_per_customer_per_year * lifetime_years, in money.")
def cltv(revenue_per_customer_per_year: float, lifetime_years: float) -> float:
    """Customer lifetime value: revenue a typical customer brings over the whole relationship.

    Examples
    --------
    >>> cltv(revenue_per_customer_per_year=5_000, lifetime_years=3)
    15000
    """
    return revenue_per_customer_per_year * lifetime_years


@_numpydoc("lost / customers_at_start, a fraction; NaN when there were no customers at the "
           "start.", new="Customers won during the period. Not used: gross churn ignores new "
           "customers (see net_customer_churn); accepted so both take the same inputs.")
def churn_rate(customers_at_start: float, lost: float, new: float | None = None) -> float:
    """Gross churn: share of the customers at the start of the period that were lost.

    Examples
    --------
    500 customers, 30 lost and 20 new: gross churn is 6%; 2% is the net loss.

    >>> churn_rate(customers_at_start=500, lost=30, new=20)
    0.06
    """
    return safe_divide(lost, customers_at_start)


@_numpydoc("(lost - new) / customers_at_start, a fraction, negative when the customer base "
           "grew; NaN when there were no customers at the start.")
def net_customer_churn(customers_at_start: float, lost: float, new: float) -> float:
    """Net customer loss: customers lost minus customers won, as a share of the starting base.

    Examples
    --------
    >>> net_customer_churn(customers_at_start=500, lost=30, new=20)
    0.02
    """
    return safe_divide(lost - new, customers_at_start)


@_numpydoc("(customers_at_end - new) / customers_at_start, a fraction (1 - gross churn when "
           "customers only leave or join); NaN when there were no customers at the start.")
def retention_rate(customers_at_end: float, new: float, customers_at_start: float) -> float:
    """Customer retention: share of the customers at the start still customers at the end.

    Examples
    --------
    >>> retention_rate(customers_at_end=490, new=20, customers_at_start=500)
    0.94
    """
    return safe_divide(customers_at_end - new, customers_at_start)


@_numpydoc("reps_at_or_above_quota / reps, a fraction; NaN when there are no reps.")
def quota_attainment_rate(reps_at_or_above_quota: float, reps: float) -> float:
    """Share of the team's reps who reached their quota.

    Examples
    --------
    >>> quota_attainment_rate(reps_at_or_above_quota=15, reps=20)
    0.75
    """
    return safe_divide(reps_at_or_above_quota, reps)


@_numpydoc("revenue / reps, in money per rep; NaN when there are no reps.")
def rep_productivity(revenue: float, reps: float) -> float:
    """Rep productivity: revenue brought in per sales rep.

    Examples
    --------
    >>> rep_productivity(revenue=1_000_000, reps=20)
    50000.0
    """
    return safe_divide(revenue, reps)


@_numpydoc("selling_hours / working_hours, a fraction; NaN when working_hours is 0.")
def time_spent_selling(selling_hours: float, working_hours: float) -> float:
    """Share of working time spent actually selling, rather than on admin or data entry.

    Examples
    --------
    >>> time_spent_selling(selling_hours=30, working_hours=40)
    0.75
    """
    return safe_divide(selling_hours, working_hours)
