"""Room mode under load: 12 attendees open the no-code pages at once on one Voila server.

The server is started exactly as ``kpitools-course room`` starts it (on 127.0.0.1). Twelve
browser sessions open the four pages together (three each), and each is driven: the dashboard
and the planner change rep, the quiz gets an answer, the self-check gets a right one. Then every
page is closed: their kernels must stop and the server's memory come back to what it was before
anyone arrived. The figures (first render per session, memory per session, memory after close)
land in tests/browser/screenshots/room-figures.json, with a screenshot of each page.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

import pytest

from kpitools.workshop import room

pytestmark = pytest.mark.browser

SESSIONS = 12
BURST_TIMEOUT = 300_000  # ms: twelve kernels starting at once on two busy cores
CULL_AFTER = 300  # s: the backstop for a page gone without a word; closing must not need it
# A page has rendered when its widget output shows text and every image in it has loaded.
_RENDERED_JS = """() => {
  const out = [...document.querySelectorAll('.widget-output')].filter(o => o.innerText.trim());
  const imgs = [...document.querySelectorAll('.widget-output img')];
  return out.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);
}"""
# Installed in every page: notes the time (ms since navigation) it first rendered.
_TIMER_JS = f"""(() => {{
  const done = {_RENDERED_JS};
  const tick = () => {{ if (done()) window.__rendered = performance.now();
                         else requestAnimationFrame(tick); }};
  requestAnimationFrame(tick);
}})();"""


def _process_tree(root: int) -> list[tuple[str, int]]:
    """(command line, RSS bytes) of process ``root`` and all its descendants (kernels start
    in sessions of their own, so the process group would miss them)."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmd = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            table[int(stat.parent.name)] = (int(fields[1]), cmd,
                                            int(fields[21]) * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, IndexError, ValueError):
            continue
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            tree.append(table[pid][1:])
            todo.extend(child for child, (parent, _, _) in table.items() if parent == pid)
    return tree


def _kernels(server) -> int:
    return sum("ipykernel" in cmd for cmd, _ in _process_tree(server.proc.pid))


def _memory_mb(server) -> float:
    return sum(rss for _, rss in _process_tree(server.proc.pid)) / 1e6


def _settled_memory_mb(server, timeout: float = 180) -> float:
    """The server's memory once it stops growing (kernels done computing), in MB."""
    readings = [_memory_mb(server)]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(1)
        readings.append(_memory_mb(server))
        if len(readings) >= 4 and max(readings[-4:]) - min(readings[-4:]) < 10:
            break
    return readings[-1]


def _wait(condition, timeout: float, what: str, server, pause=lambda: time.sleep(0.5)) -> None:
    """Poll ``condition`` until true; ``pause`` between polls (a Playwright wait keeps the
    browser's route hooks served meanwhile)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f}s; server log:\n{server.tail()}")
        pause()


@pytest.fixture
def room_server(workspace, browser):
    if not sys.platform.startswith("linux"):
        pytest.skip("reads the server's memory from /proc")
    from tests.browser.conftest import Server, free_port
    port = free_port()
    command = room.voila_command(port=port, ip="127.0.0.1", warm=1, cull_after=CULL_AFTER)
    server = Server("Voila (room)", command, room.PAGES, workspace["env"], port,
                    workspace["dirs"]["logs"] / "room.log")
    try:
        server.wait_ready("/voila/static/voila.js")
        yield server
    finally:
        server.stop()


def _drive(page, name: str, ui) -> None:
    """Use the page as an attendee would and wait for its answer."""
    widget = page.locator(".jp-OutputArea-output").filter(has=page.locator(".widget-output")).first
    before = ui.snapshot(widget)
    if "dashboard" in name or "plan" in name:
        ui.pick_other_option(widget.locator(".widget-dropdown").first, avoid=["All reps"])
        ui.wait_for_change(widget, before)
    elif "lagging" in name:
        widget.locator(".widget-dropdown select").first.select_option("lagging")
        ui.wait_for_change(widget, before, charts=False)
    else:
        box = widget.locator("input[type=text]").first
        box.fill("lagging")
        box.press("Enter")
        page.locator(".widget-html", has_text="✅").first.wait_for()


def test_twelve_attendees_use_the_room_pages_and_memory_returns(browser, room_server, ui):
    pages = sorted(p.name for p in room.PAGES.glob("*.ipynb"))
    assert len(pages) == 4, pages
    warm = len(pages)  # one warm kernel per page
    _wait(lambda: room_server.tail(400).count("is filled with") >= len(pages), 180,
          "the warm kernels did not start", room_server)
    baseline = _settled_memory_mb(room_server)  # once they have computed their page

    from tests.browser.conftest import new_context
    sessions = []
    for i in range(SESSIONS):  # all twelve ask at once: navigation is not awaited one by one
        context = new_context(browser)
        context.add_init_script(_TIMER_JS)
        page = context.new_page()
        name = pages[i % len(pages)]
        page.goto(f"{room_server.url}/voila/render/{name}", wait_until="commit")
        sessions.append((context, page, name))
    for context, page, name in sessions:
        page.wait_for_function("() => window.__rendered", timeout=BURST_TIMEOUT)
    first_render = [page.evaluate("window.__rendered") / 1000 for _, page, _ in sessions]

    for context, page, name in sessions:
        _drive(page, name, ui)
        assert "Traceback" not in page.locator("body").inner_text()
        ui.assert_offline(context)
    for _, page, name in sessions[:len(pages)]:
        ui.shoot(page, f"room-{Path(name).stem}")
    busy = _memory_mb(room_server)
    kernels_busy = _kernels(room_server)
    assert kernels_busy >= SESSIONS, f"{kernels_busy} kernels for {SESSIONS} open pages"

    closed_at = time.monotonic()
    for context, page, _ in sessions:  # as closing the tab: the page tells Voila to stop its
        context.unroute("**/*")  # kernel in a beacon, which an intercepting route would lose
        page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" - yes
        page.close(run_before_unload=True)
        if not page.is_closed():
            page.wait_for_event("close")
    _wait(lambda: _kernels(room_server) <= warm, 120,
          "the kernels of the closed pages did not stop when they closed", room_server)
    stopped_after = time.monotonic() - closed_at
    after = _settled_memory_mb(room_server)  # the pools refilled and computed

    per_session = (busy - baseline) / SESSIONS
    figures = {"sessions": SESSIONS, "first_render_s": {
                   "median": round(statistics.median(first_render), 2),
                   "max": round(max(first_render), 2), "each": [round(t, 2) for t in first_render]},
               "memory_mb": {"before": round(baseline), "with_sessions": round(busy),
                             "per_session": round(per_session), "after_close": round(after)},
               "kernels": {"warm": warm, "with_sessions": kernels_busy},
               "kernels_stopped_after_close_s": round(stopped_after, 1),
               "budget_mb_for_12": room.budget_mb(SESSIONS, warm=1)}
    for context, _, _ in sessions:
        context.close()
    (ui.screenshots / "room-figures.json").write_text(json.dumps(figures, indent=2))
    print("\nroom mode:", json.dumps(figures))
    assert after <= baseline + per_session / 2, (
        f"memory did not come back after the pages closed: {baseline:.0f} MB before, "
        f"{busy:.0f} MB with {SESSIONS} sessions, {after:.0f} MB after")
    assert busy <= room.budget_mb(SESSIONS, warm=1), figures
