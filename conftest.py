"""Test runs use the practice team and a user folder of their own unless told otherwise: a
developer's own saved settings, activity log and uploads (the import assistant writes them to
the user's folder) never change what the tests, or the notebooks nbval and the browser tests
run in kernels started from this process, compute or write. Set KPITOOLS_SETTINGS to a
settings file to run them on an export instead."""
import os
import tempfile

os.environ.setdefault("KPITOOLS_SETTINGS", "sample")
os.environ["KPITOOLS_HOME"] = tempfile.mkdtemp(prefix="kpitools-test-home-")
