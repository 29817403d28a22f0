"""The course's self-check questions: the right answer of each (computed by kpitools, from the
notebook's data where the question is about it), the other wordings that count as right, and
why the right answer is right, shown after a wrong one.

A notebook's check cell holds the learner's answer and ``kt.exercises.ask(key, answer, data)``;
the question itself is the comment above it. Nothing in the cell shows the answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kpitools import formulas
from kpitools.activity import activity_ratios, outreach_by_channel
from kpitools.catalogue import kpi
from kpitools.coaching import rep_plan, today
from kpitools.exercises import Feedback, check, check_choice, spot_the_mistake
from kpitools.funnel import stage_conversion
from kpitools.quota import quota_gap
from kpitools.winrate import win_rate

__all__ = ["Question", "QUESTIONS"]


@dataclass(frozen=True)
class Question:
    """One self-check: ``kind`` is "number", "share", "choice", "yesno" or "mistake"."""

    key: str
    kind: str
    expected: Any  # the right answer, or a function of the notebook's data that gives it
    why: Any = None  # str, or (choice) option -> why choosing it is wrong
    hint: str | None = None
    options: Any = ()  # a tuple, or a function of the data
    accept: dict = field(default_factory=dict)  # option (or the answer) -> other wordings
    claimed: Any = None  # "mistake": the figure the source printed
    explanation: str = ""  # "mistake": why the source was wrong, shown once right

    @property
    def about_data(self) -> bool:
        """Whether the right answer comes from the notebook's data."""
        return callable(self.expected)

    def answer(self, data=None):
        """The right answer (on ``data`` for a question about the data)."""
        if not self.about_data:
            return self.expected
        if data is None:
            raise ValueError(f"ask: question {self.key!r} is about your data: pass it, e.g. "
                             f'kt.exercises.ask("{self.key}", answer, data).')
        return self.expected(data)

    def choices(self, data=None) -> tuple:
        """The options, in the order shown (A, B, ...)."""
        return tuple(self.options(data) if callable(self.options) else self.options)

    def check(self, answer, data=None) -> Feedback:
        """Check ``answer``; the right answer is computed only once the learner has answered."""
        if answer is ... or answer is None or (isinstance(answer, str) and not answer.strip()):
            return check(..., 0)
        right = self.answer(data)
        if self.kind == "choice":
            return check_choice(answer, right, self.choices(data), hint=self.hint,
                                accept=self.accept, why=self.why)
        if self.kind == "mistake":
            return spot_the_mistake(answer, right, self.claimed, explanation=self.explanation,
                                    hint=self.hint, why=self.why)
        if self.kind == "yesno":
            return check(answer, bool(right), hint=self.hint, why=self.why)
        return check(answer, right, hint=self.hint, why=self.why,
                     share=True if self.kind == "share" else False)


def _my_channels(data):
    mine = data.activities[data.activities["rep"] == data.me]
    return outreach_by_channel(mine).dropna(subset=["outreach_per_first_meeting"])


def _fewest_touches(data) -> str:
    channels = _my_channels(data)
    return channels.loc[channels["outreach_per_first_meeting"].idxmin(), "channel"]


def _my_next_step_rate(data) -> float:
    mine = data.activities[data.activities["rep"] == data.me]
    return float(activity_ratios(mine)["next_step_rate"].iloc[0])


def _leak(data) -> str:
    funnel = stage_conversion(data.stage_history, data.opportunities, stages=data.stages)
    return funnel.loc[funnel["conversion"].idxmin(), "stage"]


SAM_OPTIONS = ("yes, more often", "yes, less often", "not yet")


def _me_vs_team(data) -> str:
    team = win_rate(data.opportunities)["win_rate"].iloc[0]
    mine = win_rate(data.opportunities[data.opportunities["rep"] == data.me]).iloc[0]
    if mine["ci_low"] > team:
        return SAM_OPTIONS[0]
    if mine["ci_high"] < team:
        return SAM_OPTIONS[1]
    return SAM_OPTIONS[2]


def _my_gap(data) -> float:
    now = today(data)
    mine = data.opportunities[data.opportunities["rep"] == data.me]
    gap = quota_gap(mine, data.quotas[data.quotas["rep"] == data.me], by=None, as_of=now,
                    stages=data.stages)
    return float(gap.loc[gap["period"] == now.to_period("M").start_time, "gap"].iloc[0])


def _first_meetings_a_week(data) -> float:
    steps = rep_plan(data, data.me).table().set_index("step")
    return float(steps.loc["first_meetings", "per_week"])


MONTHS = ("this month's", "a later month's")


def _which_month(data) -> str:
    chosen = rep_plan(data, data.me)
    return MONTHS[0] if chosen.close_month <= chosen.as_of else MONTHS[1]


KINDS = ("leading", "lagging")
_TABLES = ("leads", "activities", "opportunities", "stage_history", "quotas")
_GAP = "the gap (quota minus closed-won)"
_NET = ("gross churn", "net customer churn", "retention")

_BANK = (
    # 00 · Start here
    Question("00.table_per_deal", "choice", "opportunities", options=_TABLES,
             accept={"opportunities": ["deals", "deal", "opportunity", "opps"]},
             why={"leads": "A lead has not met you yet; it becomes a deal later.",
                  "activities": "An activity is a call, an email or a meeting: many per deal.",
                  "stage_history": "Stage history has a row each time a deal entered a stage: "
                                   "several rows per deal.",
                  "quotas": "Quotas has one row per rep and month."}),
    Question("00.open", "choice", "open", options=("open", "won", "lost"),
             accept={"open": ["undecided", "still open", "in progress", "pending", "active"]},
             why="A deal is open until it is decided; won and lost deals are the closed ones."),
    Question("00.run_cell", "choice", "Shift+Enter", options=("Enter", "Shift+Enter", "Ctrl+S"),
             accept={"Shift+Enter": ["shift enter", "shift-enter", "shift + enter",
                                     "shift+return", "shift return"]},
             why={"Enter": "Enter alone adds a new line inside the cell.",
                  "Ctrl+S": "Ctrl+S saves the notebook; it runs nothing."}),
    Question("00.starter_kind", "choice", "leading", options=KINDS,
             why="Most of a starter set is work you can change this week: leading indicators. "
                 "The outcomes (lagging) are there to check the work against."),
    # 01 · Leading vs lagging
    Question("01.total_revenue", "choice", kpi("total_revenue")["indicator"], options=KINDS,
             why="Last quarter's revenue is decided: you can read it, not change it."),
    Question("01.pipeline_coverage", "choice", kpi("pipeline_coverage")["indicator"],
             options=KINDS,
             why="You can raise it this week by opening new opportunities: it leads."),
    Question("01.churn_rate", "choice", kpi("churn_rate")["indicator"], options=KINDS,
             why="You only know it once the customers have gone: it lags."),
    Question("01.first_meeting_rate", "choice", kpi("first_meeting_rate")["indicator"],
             options=KINDS,
             why="It tells you which leads to call first this week: it leads."),
    # 02 · Activity ratios
    Question("02.fewest_touches", "choice", _fewest_touches,
             options=lambda data: tuple(_my_channels(data)["channel"]),
             why="Fewer outreach touches per first meeting is better: look for the lowest "
                 "outreach per first meeting, not the most meetings.",
             hint="the per-channel table"),
    Question("02.next_step_share", "share", _my_next_step_rate,
             why="Next steps / first meetings: the share of first meetings that ended with a "
                 "date in the calendar.", hint="the printout of your two ratios"),
    Question("02.send_me_information", "yesno", False,
             why="A next step is a date both sides put in the calendar; \"send me some "
                 "information\" is a polite way out."),
    # 03 · Stage conversion
    Question("03.leak_stage", "choice", _leak, options=lambda data: tuple(data.stages),
             why="The leak is the stage whose decided deals move on least often: the lowest "
                 "conversion, not the most deals lost.", hint="the conversion column"),
    Question("03.worked_example", "share",
             formulas.funnel_leak(prospects=100, first_meeting_rate=0.40, next_stage_rate=0.50,
                                  prospect_to_customer_rate=0.05)["next_stage_to_customer_rate"],
             why="Buyers / prospects who moved on: 5 buyers out of the 20 who moved on."),
    Question("03.backfill", "choice", "backfill", options=("backfill", "strict"),
             accept={"backfill": ["back fill", "backfilled", "backfilling", "back-fill"]},
             why="Counting a skipped stage as passed is backfill; strict counts only the stages "
                 "a deal was recorded in."),
    # 04 · Win rate
    Question("04.win_rate_5_25", "share", formulas.win_rate(won=5, lost=25),
             why="Win rate = won / (won + lost) = 5 / 30."),
    Question("04.win_rate_open", "share", formulas.win_rate(won=5, lost=10),
             why="Open deals are not decided yet, so they stay out: 5 / (5 + 10)."),
    Question("04.me_vs_team", "choice", _me_vs_team, options=SAM_OPTIONS,
             accept={"not yet": ["too early to tell", "too early", "cannot tell yet",
                                 "cannot tell", "not sure yet", "do not know yet", "no"]},
             why="If the likely range contains the team's win rate, a handful of deals cannot "
                 "tell the two apart; only a range wholly above or below it can.",
             hint="compare the band in the chart with the team's rate"),
    # 05 · Pipeline and quota gap
    Question("05.coverage_denominator", "choice", _GAP,
             options=("the full quota", _GAP, "last month's revenue"),
             accept={_GAP: ["remaining quota", "what is left", "quota minus closed-won",
                            "what is still to win"]},
             why={"the full quota": "Some CRMs do, but then a rep halfway to quota would need "
                                    "as much pipeline as on day one; the course divides by what "
                                    "is left to win.",
                  "last month's revenue": "Coverage compares today's pipeline with what is "
                                          "still to win this month, not with the past."}),
    Question("05.coverage_needed_25", "number", 4,
             why="At a win rate w you win about w of the open deals, so covering the gap takes "
                 "gap / w of pipeline: 1 / 0.25."),
    Question("05.enough_at_1_5", "yesno", False,
             why="At one deal in three, covering the gap takes 1 / (1/3) = 3 times the gap in "
                 "open deals; 1.5× covers about half of it. Keep closing the late-stage deals "
                 "and build pipeline for the months ahead."),
    Question("05.my_gap", "number", _my_gap,
             why="Gap = quota − closed-won this month (never below zero); open deals count only "
                 "once they are won.", hint="your row in the table of the month"),
    # 06 · Plan your week
    Question("06.deals_5000", "number", formulas.deals_needed(quota=100_000, avg_deal_size=5_000),
             why="Deals = quota / average deal size = 100,000 / 5,000."),
    Question("06.deals_6000", "number", formulas.deals_needed(quota=100_000, avg_deal_size=6_000),
             why="100,000 / 6,000 is 16.7, and you can't win part of a deal: round up."),
    Question("06.which_month", "choice", _which_month, options=MONTHS,
             accept={MONTHS[1]: ["later", "next month", "a later month", "later month",
                                 "next month's", "the next month", "future"],
                     MONTHS[0]: ["this month", "now", "the current month"]},
             why="A deal closes about one sales cycle after it is opened: the first note under "
                 "your plan says which month that is."),
    Question("06.first_meetings_a_week", "number", _first_meetings_a_week,
             why="The plan works back from the quota: opportunities ÷ next-step rate = first "
                 "meetings a month, spread over 4.3 weeks.", hint="the per week column"),
    # 07 · The wider catalogue
    Question("07.velocity", "mistake", formulas.pipeline_velocity(
        opportunities=200, win_rate=0.25, avg_deal_size=10_000, cycle_days=25), claimed=200,
             why="Velocity is money per day: multiply the first three numbers, then divide by "
                 "the days.", explanation="The figure is money per day, not a count of deals."),
    Question("07.churn", "mistake", formulas.churn_rate(customers_at_start=500, lost=30, new=20),
             claimed="2%", why="Gross churn counts the customers lost; new ones don't cancel "
                               "them out: 30 / 500.",
             explanation="2% is the net loss: (30 − 20) / 500."),
    Question("07.two_percent", "choice", "net customer churn", options=_NET,
             accept={"net customer churn": ["net churn", "net", "net loss",
                                            "net customer loss"]},
             why={"gross churn": "Gross churn counts every customer lost: 30 / 500 is 6%.",
                  "retention": "Retention is the share of the starting customers still there: "
                               "(490 − 20) / 500 is 94%."}),
    Question("07.win_rate_all_lost", "share", formulas.win_rate(won=5, lost=25),
             why="If the other 25 were all lost, win rate = 5 / (5 + 25)."),
    Question("07.win_rate_open", "mistake", formulas.win_rate(won=5, lost=10), claimed="17%",
             why="Open deals are not decided: leave them out of the denominator, 5 / (5 + 10).",
             explanation="Open deals don't belong in the denominator."),
    Question("07.leads_needed", "mistake", formulas.leads_needed(
        quota=100_000, avg_deal_size=5_000, lead_to_customer_rate=0.10), claimed=2,
             why="First the deals needed (100,000 / 5,000); then divide by the share of leads "
                 "that buy: you need more leads than deals, not fewer.",
             explanation="Divide the deals needed by the rate; don't multiply by it."),
)

QUESTIONS: dict[str, Question] = {q.key: q for q in _BANK}
