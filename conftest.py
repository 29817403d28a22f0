"""Test runs use the practice team unless told otherwise: a developer's own saved settings (the
import assistant writes them to the user's folder) never change what the tests, or the notebooks
nbval runs in kernels started from this process, compute. Set KPITOOLS_SETTINGS to a settings
file to run them on an export instead."""
import os

os.environ.setdefault("KPITOOLS_SETTINGS", "sample")
