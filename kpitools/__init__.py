"""kpitools: keep score of a B2B sales funnel, from activities to the quota gap.

The namespace is flat: ``import kpitools as kt`` then ``kt.win_rate(...)``.
"""
from kpitools.schema import DEFAULT_STAGES, TERMINAL_STAGES, CRMData, SchemaError
from kpitools.io import PRESETS, QualityReport, clean, load_crm, validate
from kpitools import io  # noqa: F401  (kt.io.const, kt.io.inspect, ...)
from kpitools.sample import generate, load_sample
from kpitools.settings import Settings, save_settings
from kpitools.mylog import ActivityLog
from kpitools.course import course_data, has, in_one_currency

from kpitools.activity import activity_ratios, outreach_by_channel
from kpitools.leads import lead_conversion, source_conversion
from kpitools.funnel import stage_conversion, transition_matrix
from kpitools.winrate import interval_by_deals, win_rate
from kpitools.deals import deal_metrics
from kpitools.quota import quota_gap
from kpitools.pipeline import pipeline_as_of, stalled_deals
from kpitools.pacing import pace, slipped_deals, stage_win_rates, weighted_pipeline
from kpitools.plan import plan
from kpitools import formulas, reconcile
from kpitools.catalogue import catalogue, kpi, starter_set
# KPI modules ← coaching ← plots ← scorecard ← widgets: imported after the KPIs, in that order
from kpitools import display, coaching, plots, scorecard, widgets, exercises  # noqa: E402
from kpitools.logwidget import log_today  # noqa: E402
from kpitools.assistant import import_assistant  # noqa: E402
from kpitools import myweek  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_STAGES", "TERMINAL_STAGES", "CRMData", "QualityReport", "SchemaError", "clean",
    "validate", "load_crm", "PRESETS",
    "activity_ratios", "lead_conversion", "source_conversion", "stage_conversion",
    "transition_matrix", "win_rate", "deal_metrics", "quota_gap", "pipeline_as_of", "plan",
    "outreach_by_channel", "interval_by_deals", "stalled_deals", "pace", "slipped_deals",
    "stage_win_rates", "weighted_pipeline",
    "formulas", "reconcile", "catalogue", "kpi", "starter_set",
    "generate", "load_sample", "Settings", "save_settings", "course_data", "has",
    "in_one_currency", "ActivityLog", "log_today", "import_assistant", "myweek",
    "display", "coaching", "plots", "scorecard", "widgets", "exercises",
]
