"""One answer per question: for every rep of the practice team, the weekly outreach target is
the same number in notebook 06 (the plan it prints), the planner widget and the dashboard.

Notebook 06's cells tagged "plan" and the dashboard notebook run in-process, with
``kt.course_data()`` returning the practice team seen as each rep in turn (``data.me``).
"""
import contextlib
import dataclasses
import io
import json
import re
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

import kpitools as kt
from kpitools import _widgetbase

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
WEEKLY = re.compile(r"You need ([\d,]+) outreach touches a week")


def cells(name: str, tag: str | None = None) -> list[str]:
    notebook = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"
            and (tag is None or tag in c.get("metadata", {}).get("tags", []))]


def run(shell: InteractiveShell, sources: list[str]) -> tuple[str, list]:
    """Run cells as a notebook would; returns what they printed and each cell's value."""
    printed, values = io.StringIO(), []
    with contextlib.redirect_stdout(printed):
        for source in sources:
            result = shell.run_cell(source, store_history=False)
            result.raise_error()
            values.append(result.result)
    return printed.getvalue(), values


def number(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.fixture(scope="module")
def sample():
    return kt.course_data("sample")


@pytest.fixture
def shell():
    yield InteractiveShell.instance()
    InteractiveShell.clear_instance()


def test_weekly_outreach_is_one_number_in_notebook_planner_and_dashboard(sample, shell,
                                                                        monkeypatch):
    plan_cells = cells("06_plan_your_week.ipynb", tag="plan")
    assert any("kt.widgets.planner(" in c for c in plan_cells)
    dashboard_cells = cells("rep_dashboard.ipynb")
    # the dashboard's charts are drawn but not turned into PNGs: the numbers are the point
    monkeypatch.setattr(_widgetbase._View, "figure", lambda view, fig: view.figures.append(fig))
    seen = {}
    for rep in sorted(sample.opportunities["rep"].unique()):
        as_rep = dataclasses.replace(sample, me=rep)
        monkeypatch.setattr(kt, "course_data", lambda *args, **kwargs: as_rep)
        printed, values = run(shell, plan_cells)
        notebook = number(WEEKLY.search(printed)[1])
        planner = values[-1]
        assert planner.controls["rep"].value == rep
        _, (board,) = run(shell, dashboard_cells)
        assert board.controls["rep"].value == rep
        shown = " ".join(o["data"].get("text/html", "") for o in board.output.outputs)
        seen[rep] = (notebook, number(WEEKLY.search(planner.headline)[1]),
                     number(WEEKLY.search(shown)[1]))
    assert all(len(set(numbers)) == 1 for numbers in seen.values()), seen
    expected = {rep: kt.coaching.rep_plan(sample, rep).outreach_per_week for rep in seen}
    assert {rep: numbers[0] for rep, numbers in seen.items()} == expected
