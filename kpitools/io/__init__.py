"""Files → CRMData: reading export files, presets (declarative data, one per CRM), the mapping
engine, value parsing, validation rules and the quality report.

``load_crm`` loads an export; ``inspect`` says what an export holds and how it would load
(for the import assistant); ``const``, ``value_map`` and ``row_number`` are what a ``mapping``
entry may be besides a header.
"""
from kpitools.io.inspection import ExportPlan, FilePlan, inspect
from kpitools.io.load import load_crm
from kpitools.io.mapping import const, row_number, value_map
from kpitools.io.presets import PRESETS
from kpitools.io.report import QualityReport
from kpitools.io.cleaning import clean, validate
from kpitools.io.rules import RULES

__all__ = ["load_crm", "inspect", "ExportPlan", "FilePlan", "const", "value_map", "row_number",
           "PRESETS", "QualityReport", "RULES",
           "clean", "validate"]
