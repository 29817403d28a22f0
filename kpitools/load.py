"""Moved: the loader is :mod:`kpitools.io`; ``from kpitools.load import load_crm`` still works."""
from kpitools.io.load import load_crm  # noqa: F401
