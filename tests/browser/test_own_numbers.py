"""A rep's own numbers in headless Chromium: the import assistant under Voila turns a HubSpot
export into settings, the dashboard then shows that rep; in JupyterLab the activity log of
notebook 09 takes clicks and still has them after the kernel restarts.
"""
from __future__ import annotations

import shutil
import sys

import pytest

from tests.browser.conftest import CULL, ROOT, Server, free_port
from tests.browser.test_lab import notebook_named, open_and_run_all, widget_output_with

pytestmark = pytest.mark.browser

EXPORT = "hubspot_default"  # tests/fixtures/real/<EXPORT>: a HubSpot deals export, no quotas
ME, QUOTA = "Bruno Costa", "40000"


@pytest.fixture(scope="module")
def own(workspace, tmp_path_factory):
    """The rep's export in the workspace and an environment whose settings file and user
    folder are private to this module (empty until the assistant saves)."""
    home = tmp_path_factory.mktemp("rep")
    export = workspace["path"] / "my exports" / "hubspot"
    shutil.copytree(ROOT / "tests" / "fixtures" / "real" / EXPORT, export)
    env = {**workspace["env"], "KPITOOLS_SETTINGS": str(home / "settings.json"),
           "KPITOOLS_HOME": str(home / "kpitools")}
    return {"export": export, "env": env, "settings": home / "settings.json"}


def _voila(workspace, own, notebook: str) -> Server:
    port = free_port()
    args = [sys.executable, "-m", "voila", f"notebooks/{notebook}", "--no-browser",
            "--Voila.ip=127.0.0.1", f"--Voila.port={port}", "--Voila.port_retries=0",
            "--VoilaConfiguration.show_tracebacks=True", *CULL]
    server = Server(f"Voila {notebook}", args, workspace["path"], own["env"], port,
                    workspace["dirs"]["logs"] / f"voila-{notebook}.log")
    server.wait_ready("/voila/static/voila.js")
    return server


def _field(page, label: str, kind: str = "input"):
    """The input (or select) of the ipywidget whose description is ``label``."""
    return page.locator(".widget-inline-hbox", has=page.locator(
        f"label.widget-label:text-is('{label}')")).locator(kind).first


def _options(select) -> list[str]:
    """A <select>'s options as shown (ipywidgets writes spaces as non-breaking ones)."""
    return [text.replace("\xa0", " ") for text in select.locator("option").all_inner_texts()]


def test_assistant_saves_settings_that_the_dashboard_shows(page, workspace, own, ui):
    server = _voila(workspace, own, "import_assistant.ipynb")
    try:
        page.goto(server.url + "/")
        look = page.get_by_role("button", name="Look at my export")
        look.wait_for(timeout=ui.kernel_timeout)
        _field(page, "Export folder or file").fill(str(own["export"]))
        look.click()
        page.get_by_text("Read as HubSpot").wait_for(timeout=ui.kernel_timeout)
        won = _field(page, "Stages that mean won", "select")
        assert "Closed Won (15 deals)" in _options(won)
        ui.shoot(page, "assistant-1-recognised")

        me = _field(page, "I am", "select")
        me.select_option(index=_options(me).index(f"{ME} (13 deals)"))
        quota = _field(page, "Monthly quota")
        quota.fill(QUOTA)
        quota.press("Enter")
        save = page.get_by_role("button", name="Save my settings")
        page.wait_for_function("b => !b.disabled", arg=save.element_handle())
        save.click()
        page.get_by_text("Saved to").wait_for(timeout=ui.update_timeout)
        body = page.locator("body").inner_text()
        assert f"now show {ME}'s numbers" in body
        assert "No first meetings are marked in your data" in body  # what the log adds
        page.get_by_text("Saved to").scroll_into_view_if_needed()
        ui.shoot(page, "assistant-2-saved")
        assert "Traceback" not in body and not page.errors
        ui.assert_offline(page.context)
    finally:
        server.stop()
    assert own["settings"].is_file()

    server = _voila(workspace, own, "rep_dashboard.ipynb")
    try:
        page.goto(server.url + "/")
        dashboard = page.locator(".jp-OutputArea-output").filter(
            has=page.locator(".widget-dropdown select")).first
        dashboard.wait_for(timeout=ui.kernel_timeout)
        shown = ui.wait_for_output(dashboard)
        assert dashboard.locator("select").first.input_value() != "", "a rep is chosen"
        assert ME in shown["text"] or ME in page.locator("body").inner_text()
        assert shown["images"], "the dashboard draws the rep's scorecard"
        ui.shoot(page, "dashboard-own-numbers")
        assert "Traceback" not in page.locator("body").inner_text()
    finally:
        server.stop()


def test_the_log_keeps_its_clicks_through_a_kernel_restart(lab_ui, workspace, ui):
    page = lab_ui
    open_and_run_all(page, notebook_named(workspace, "09_"), ui)
    log = widget_output_with(page, ".widget-datepicker")
    before = ui.wait_for_output(log)
    entries = int(before["text"].split(" entries in all")[0].split()[-1].replace(",", ""))
    for name in ("+1 call", "+1 call", "+1 first meeting, next step booked"):
        previous = ui.snapshot(log)
        log.get_by_role("button", name=name, exact=True).click()
        ui.wait_for_change(log, previous, charts=False)
    after = ui.snapshot(log)
    assert f"{entries + 3:,} entries in all" in after["text"], after["text"]
    assert "Logged a first meeting with a next step" in after["text"]
    ui.shoot(log, "log-after-clicks")

    old = log.element_handle()
    # the command's promise waits for the dialog: not awaited here
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:restart-run-all'); }")
    page.locator(".jp-Dialog .jp-mod-accept").click()  # "Restart"
    page.wait_for_function("el => !el.isConnected", arg=old, timeout=ui.kernel_timeout)
    open_state = page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]"
        ".every(p => /\\[\\d+\\]/.test(p.innerText))", timeout=ui.kernel_timeout)
    assert open_state
    log = widget_output_with(page, ".widget-datepicker")
    again = ui.wait_for_output(log)
    assert f"{entries + 3:,} entries in all" in again["text"], again["text"]
    ui.shoot(log, "log-after-restart")
