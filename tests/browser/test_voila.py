"""The no-code rep dashboard under Voila, in headless Chromium: pick a rep, see the numbers change."""
from __future__ import annotations

import os
import shutil

import pytest

pytestmark = pytest.mark.browser


def test_dashboard_shows_another_rep_without_code_or_tracebacks(page, voila_dashboard, ui):
    page.goto(voila_dashboard.url + "/")
    dashboard = page.locator(".jp-OutputArea-output").filter(
        has=page.locator(".widget-dropdown select")).first
    dashboard.wait_for(timeout=ui.kernel_timeout)  # Voila runs the notebook before showing it
    before = ui.wait_for_output(dashboard)
    assert len(before["images"]) >= 2, "the dashboard shows the scorecard and the plan charts"
    assert "outreach" in before["text"], before["text"][:500]

    body = page.locator("body").inner_text()
    assert "Rep dashboard" in body, "the markdown intro is shown"
    for code in ("import kpitools", "kt.widgets.dashboard", "load_sample"):
        assert code not in body, f"Voila shows code ({code!r}); it should show only the dashboard"

    ui.pick_other_option(dashboard.locator(".widget-dropdown").first, avoid=["All reps"])
    after = ui.wait_for_change(dashboard, before)  # new numbers and new charts, or it fails
    dashboard.scroll_into_view_if_needed()
    shot = ui.shoot(page, "voila-dashboard")
    if os.environ.get("KPITOOLS_UPDATE_SCREENSHOT") == "dashboard":
        shutil.copyfile(shot, ui.root / "docs" / "screenshot.png")

    body = page.locator("body").inner_text()
    assert "Traceback" not in body, body[-3000:]
    assert "⚠" not in after["text"], f"the dashboard shows an error: {after['text'][:1000]}"
    assert not page.errors, f"JavaScript errors on the page: {page.errors}"
    ui.assert_offline(page.context)  # no Font Awesome (or anything else) from a CDN
