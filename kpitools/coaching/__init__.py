"""A rep's coaching numbers in one place: the weekly plan and its one rule, the pipeline
coverage a win rate needs, and the frames behind the scorecard.

Notebooks 05 and 06, the planner widget and the dashboard all take these numbers from here, so
one question gets one answer wherever a rep asks it.

**The planning rule.** Outreach done this week books first meetings; they become opportunities,
and those close about one sales cycle later. So the weekly outreach target is not "this month's
gap spread over the weeks left" (deals opened now would close too late to count): it is the
steady flow that, kept up every week, opens enough pipeline to win one monthly quota a month,
from the month new deals close in. Per month: quota ÷ deal size = deals, ÷ win rate =
opportunities, ÷ next-step rate = first meetings, × outreach per first meeting = outreach; a
month has 52 / 12 weeks. This month's gap is closed from the pipeline already in play, which
``coverage_needed`` judges.

**The small-sample rule.** A ratio built on a handful of cases is mostly noise (3 won of 5 is
not a solid 60%). Each of a rep's ratios is blended with the team's:
``(n × own + 10 × team) / (n + 10)``, where n counts the rep's cases behind the ratio (closed
deals for the win rate, won deals for the deal size, first meetings for the activity ratios).
With 10 cases the rep's own number counts half; with 40, four fifths.
"""
from kpitools._repindex import RepIndex
from kpitools.coaching._coverage import VERDICTS, coverage_needed, scorecard_frames, team_frames
from kpitools.coaching._numbers import FALLBACKS, SMALL_SAMPLE, blend, team_numbers, today
from kpitools.coaching._ontrack import on_track
from kpitools.coaching._plan import (RATIOS, WEEKS_PER_MONTH, Estimate, RepPlan, headline,
                                     plan_inputs, rep_plan)
from kpitools.coaching._starter import starter_figures

__all__ = ["SMALL_SAMPLE", "WEEKS_PER_MONTH", "FALLBACKS", "RATIOS", "VERDICTS", "today",
           "blend", "Estimate", "RepPlan", "rep_plan", "plan_inputs", "headline",
           "team_numbers", "coverage_needed", "scorecard_frames", "team_frames", "on_track",
           "starter_figures", "RepIndex"]
