"""JupyterLab in headless Chromium: run the workshop notebooks and use their widgets as a rep would.

For the planner (06), the funnel explorer (03) and the win-rate widget (04): open the notebook, run
all cells from the Run menu, wait until every code cell has run and the kernel is Idle, check the
widget's controls render, then move a slider or pick a dropdown option and check that the shown
numbers and the chart change. Every wait is on page state, never a fixed sleep.
"""
from __future__ import annotations

import os
import shutil

import pytest

pytestmark = pytest.mark.browser

# Done: every code cell shows an execution count ("[12]:", not "[*]:" or "[ ]:") and the status
# bar says Idle. Or failed: a cell shows an error (JupyterLab then drops the cells still queued).
_RUN_STATE_JS = """() => {
  const errors = [...document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')]
    .filter(o => /^application\\/vnd\\.jupyter\\.(stderr|error)$/.test(o.dataset.mimeType || '')
                 && /Traceback|^\\w*Error\\b/m.test(o.innerText));
  if (errors.length) return 'error: ' + errors[0].innerText.slice(0, 3000);
  const status = document.querySelector('#jp-main-statusbar');
  if (!status || !status.innerText.includes('Idle')) return false;
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
  return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.innerText)) && 'done';
}"""
_KERNEL_IDLE_JS = """() => {
  const status = document.querySelector('#jp-main-statusbar');
  return !!status && status.innerText.includes('Idle');
}"""


def notebook_named(workspace, prefix: str) -> str:
    """The workspace-relative path of the notebook whose name starts with ``prefix``."""
    found = sorted((workspace["path"] / "notebooks").glob(f"{prefix}*.ipynb"))
    assert found, f"no notebooks/{prefix}*.ipynb in the repository"
    return found[0].relative_to(workspace["path"]).as_posix()


def open_and_run_all(page, path: str, ui) -> None:
    """Open a notebook in JupyterLab, run all cells, and wait until all ran and the kernel is Idle."""
    page.evaluate("path => { window.jupyterapp.commands.execute('docmanager:open', {path}); }", path)
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for()
    page.wait_for_function(_KERNEL_IDLE_JS, timeout=ui.kernel_timeout)
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    page.locator(".lm-Menu:visible .lm-Menu-itemLabel").get_by_text(
        "Run All Cells", exact=True).click()  # not "Restart Kernel and Run All Cells…"
    state = page.wait_for_function(_RUN_STATE_JS, timeout=ui.kernel_timeout).json_value()
    assert state == "done", f"{path}: a cell failed in JupyterLab:\n{state}"


def widget_output_with(page, selector: str):
    """The first cell output that is an ipywidget containing ``selector``."""
    widget = page.locator(
        ".jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output"
    ).filter(has=page.locator(selector)).first
    widget.wait_for()
    return widget


def assert_quiet_and_offline(page, ui) -> None:
    """No pop-up asking about Jupyter news, and no request that left the machine."""
    toasts = page.locator(".jp-Notification-Toast, .Toastify__toast").all_inner_texts()
    assert not [t for t in toasts if "news" in t.lower()], toasts
    ui.assert_offline(page.context)


def test_planner_sliders_change_the_plan(lab_ui, workspace, ui):
    page = lab_ui
    open_and_run_all(page, notebook_named(workspace, "06_"), ui)
    planner = widget_output_with(page, ".widget-slider")
    sliders = planner.locator(".widget-slider")
    assert sliders.count() >= 4, "the planner shows its sliders"
    assert planner.locator(".widget-dropdown select").count() == 1, "and its rep list"
    before = ui.wait_for_output(planner)
    assert before["images"], f"the planner draws a chart; it shows only: {before['text'][:300]!r}"
    planner.scroll_into_view_if_needed()
    ui.shoot(planner, "planner-before")

    # a rep: the sliders start from that rep's own numbers, and the plan follows
    readouts = planner.locator(".widget-readout").all_inner_texts()
    ui.pick_other_option(planner.locator(".widget-dropdown").first, avoid=["All reps"])
    after = ui.wait_for_change(planner, before)
    assert planner.locator(".widget-readout").all_inner_texts() != readouts

    # drag the target slider with the mouse: new numbers, new chart
    before = after
    ui.drag_slider(sliders.first)
    after = ui.wait_for_change(planner, before)
    planner.scroll_into_view_if_needed()
    shot = ui.shoot(page, "planner-after")
    if os.environ.get("KPITOOLS_UPDATE_SCREENSHOT") == "planner":  # refresh the README picture
        shutil.copyfile(shot, ui.root / "docs" / "screenshot.png")

    # a second slider: its own callback works too
    ui.drag_slider(sliders.nth(1), fraction=-0.25)
    ui.wait_for_change(planner, after)
    assert_quiet_and_offline(page, ui)


def test_funnel_explorer_dropdowns_change_the_funnel(lab_ui, workspace, ui):
    page = lab_ui
    open_and_run_all(page, notebook_named(workspace, "03_"), ui)
    funnel = widget_output_with(page, ".widget-dropdown")
    dropdowns = funnel.locator(".widget-dropdown")
    assert dropdowns.count() >= 1, "the funnel explorer shows its dropdowns"
    before = ui.wait_for_output(funnel)
    assert before["images"], f"the funnel explorer draws a chart; it shows: {before['text'][:300]!r}"
    ui.shoot(funnel, "funnel-before")

    ui.pick_other_option(dropdowns.first, avoid=["All reps"])
    after = ui.wait_for_change(funnel, before)  # new numbers and a new chart, or it fails
    ui.shoot(funnel, "funnel-after")

    # the counting policy (toggle buttons): strict counting gives another funnel
    funnel.locator(".widget-toggle-button:not(.mod-active)").first.click()
    ui.wait_for_change(funnel, after)
    assert_quiet_and_offline(page, ui)


def test_win_rate_widget_changes_with_its_controls(lab_ui, workspace, ui):
    page = lab_ui
    open_and_run_all(page, notebook_named(workspace, "04_"), ui)
    widget = widget_output_with(page, ".widget-dropdown")
    before = ui.wait_for_output(widget)
    assert before["images"], f"the win-rate widget draws a chart; it shows: {before['text'][:300]!r}"
    ui.shoot(widget, "win-rate-before")

    dropdowns = widget.locator(".widget-dropdown")
    assert dropdowns.count() >= 2 and widget.locator(".widget-slider").count() >= 1
    ui.pick_other_option(dropdowns.first, avoid=["All reps"])
    after = ui.wait_for_change(widget, before)  # new numbers and a new chart, or it fails
    ui.shoot(widget, "win-rate-after")

    # the confidence slider: another likely range, so other interval numbers and bars
    ui.drag_slider(widget.locator(".widget-slider").first, fraction=-0.3)
    ui.wait_for_change(widget, after)
    assert_quiet_and_offline(page, ui)
