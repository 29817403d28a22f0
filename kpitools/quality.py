"""Moved: the quality report is :mod:`kpitools.io.report`; this path stays for old imports."""
from kpitools.io.report import EXCLUDED_COLUMNS, QualityReport  # noqa: F401
