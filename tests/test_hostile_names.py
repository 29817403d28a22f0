"""A CRM's names are user text: the course shows a rep named like an HTML tag with dollar signs
as plain text, in every table, widget and chart, on a real export's path through the notebooks.

(The display helper's own escaping is tested in test_display.py; this follows a hostile owner
name from a HubSpot export through kt.course_data() into the notebooks a rep reads.)
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kpitools.mylog import ActivityLog
from kpitools.settings import ENV_VAR, Settings
from tests.notebook_runner import run, widget_text

ROOT = Path(__file__).resolve().parents[1]
EXPORT = ROOT / "tests" / "fixtures" / "real" / "hubspot_default"
REAL_NAME = "Bruno Costa"
# An owner name as a CRM may hold it: markup, and two dollars (matplotlib would read math).
HOSTILE = "<img src=x onerror=alert(1)> Bruno $Costa^^2$ & Co"  # "$..$" is bad math text
NOTEBOOKS = ["04_win_rate", "05_pipeline_and_quota_gap", "06_plan_your_week",
             "rep_dashboard"]


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    export = folder / "export"
    shutil.copytree(EXPORT, export)
    renamed = 0
    for path in export.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        renamed += text.count(REAL_NAME)
        path.write_text(text.replace(REAL_NAME, HOSTILE), encoding="utf-8")
    assert renamed, f"{EXPORT} no longer has {REAL_NAME}'s deals"
    log = ActivityLog(folder / "log.sqlite", rep=HOSTILE)
    log.add("meeting", at="2024-05-28", first_meeting=True, next_step=True)
    return Settings(source=str(export), preset="hubspot", me=HOSTILE, monthly_quota=40_000,
                    activity_log=str(log.path)).save(folder / "settings.json")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_a_hostile_rep_name_is_shown_as_text(name, settings, tmp_path):
    notebook = ROOT / "notebooks" / f"{name}.ipynb"
    result = run(notebook, {ENV_VAR: str(settings), "KPITOOLS_HOME": str(tmp_path)}, draw=True)
    assert not result.errors(), "\n".join(result.errors())
    assert result.namespace["data"].me == HOSTILE
    pages = [html for cell in result.cells for html in cell.htmls]
    pages += [widget_text(cell.value) for cell in result.cells]
    assert not [page for page in pages if "<img src=x" in page], "markup from the CRM ran"
    shown = "".join(pages) + "".join(text for cell in result.cells for text in cell.texts)
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown or HOSTILE in shown, \
        f"{name} never shows the rep's name"


def _hostile(word: str) -> str:
    return f"<img src=x onerror=alert('{word}')> {word} $x^^2$"


@pytest.fixture(scope="module")
def every_field(tmp_path_factory) -> Path:
    """The practice team written as an export whose every text is hostile: reps, stages,
    sources, regions, segments, products, loss reasons and channel details."""
    import kpitools as kt

    folder = tmp_path_factory.mktemp("every_field")
    data = kt.load_sample()
    names = {}
    for table, frame in data.tables().items():
        for column in ("rep", "stage", "source", "region", "segment", "product", "loss_reason",
                       "channel_detail"):
            if column in frame:
                frame[column] = frame[column].map(
                    lambda v: v if v in ("Closed Won", "Closed Lost") or not isinstance(v, str)
                    else names.setdefault(v, _hostile(v)))
        frame.to_csv(folder / f"{table}.csv", index=False)
    stages = [names[stage] for stage in data.stages]
    return Settings(source=str(folder), stages=stages, me=names["Sam Carter"],
                    activity_log=str(folder / "log.sqlite")).save(folder / "settings.json")


@pytest.mark.parametrize("name", ["02_activity_ratios", "03_stage_conversion",
                                  "05_pipeline_and_quota_gap", "07_the_wider_catalogue",
                                  "rep_dashboard"])
def test_every_text_of_the_export_hostile(name, every_field, tmp_path):
    notebook = ROOT / "notebooks" / f"{name}.ipynb"
    result = run(notebook, {ENV_VAR: str(every_field), "KPITOOLS_HOME": str(tmp_path)},
                 draw=True)
    assert not result.errors(), "\n".join(result.errors())
    pages = [html for cell in result.cells for html in cell.htmls]
    pages += [widget_text(cell.value) for cell in result.cells]
    assert not [page for page in pages if "<img src=x" in page], "markup from the CRM ran"
    assert "&lt;img src=x onerror=alert(" in "".join(pages), f"{name} shows no CRM text"
