"""Fixtures for the browser tests: JupyterLab and Voila on 127.0.0.1, driven by Debian's Chromium.

Everything runs on a fresh temporary copy of notebooks/ and sample_data/ with its own Jupyter
config, data, runtime and settings folders, so the repository and the user's Jupyter setup are
never touched. Servers cull idle kernels and are stopped (with their kernels) at teardown.

Without /usr/bin/chromium or the ``playwright`` package these tests skip, except on CI (the ``CI``
environment variable set to a true value), where a missing browser is a failure: a CI run that
silently skipped the browser tests would prove nothing. ``KPITOOLS_CHROMIUM`` points at another
Chromium binary. Screenshots land in tests/browser/screenshots/ (git-ignored); server logs in the
temporary workspace's .home/logs/ (the failure message shows their tail when a server won't start).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kpitools.workshop.jupyter import jupyter_env

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("KPITOOLS_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT = 90  # seconds for a server to listen
KERNEL_TIMEOUT = 120_000   # ms: a notebook's cells run (the planner, funnel and win-rate notebooks)
UPDATE_TIMEOUT = 60_000    # ms: a widget redraws after a control changed
UI_TIMEOUT = 60_000        # ms: the page shows something

# JupyterLab user settings written into the temporary settings folder (the course's own Jupyter
# setup, kpitools/workshop/jupyter/, is used as it is: no news, no update check, offline Voila).
LAB_SETTINGS = {
    # every cell stays in the DOM (the default windowing hides cells out of view)
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 only
CULL = ["--MappingKernelManager.cull_idle_timeout=300", "--MappingKernelManager.cull_interval=60"]


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


def on_ci() -> bool:
    """True when running on CI, where the browser tests must run, not skip."""
    return _truthy(os.environ.get("CI"))


def _missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return ("the 'playwright' Python package is not installed "
                "(pip install -r requirements.txt; never `playwright install`)")
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium)"
    try:
        import voila  # noqa: F401
    except ImportError:
        return "the 'voila' package is not installed (pip install -r requirements.txt)"
    return None


def _skip_or_fail(reason: str) -> None:
    if on_ci():
        pytest.fail(f"browser tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright (fresh, empty profile)."""
    reason = _missing_browser()
    if reason:
        _skip_or_fail(reason)
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        # launch() always starts from a new, empty temporary user-data-dir.
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


LOCAL = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:")


def new_context(browser):
    """A browser context that talks to 127.0.0.1 only and records every request it makes.

    ``context.requests`` lists every URL asked for; ``context.blocked`` the ones that would have
    left the machine (they are aborted). ``assert_offline(context)`` fails on any.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(UI_TIMEOUT)
    context.requests, context.blocked = [], []

    def local_only(route):
        url = route.request.url
        context.requests.append(url)
        if url.startswith(LOCAL):
            route.continue_()
        else:
            context.blocked.append(url)
            route.abort()

    context.route("**/*", local_only)
    # WebSockets bypass route(): record them too
    context.on("page", lambda pg: pg.on("websocket", lambda ws: (
        context.requests.append(ws.url),
        ws.url.startswith(LOCAL) or context.blocked.append(ws.url))))
    return context


def assert_offline(context) -> None:
    """Fail if the pages of ``context`` asked for anything that is not on this machine."""
    assert context.requests, "no request was recorded: the recorder is not working"
    assert not context.blocked, (
        f"{len(context.blocked)} request(s) would have left the machine:\n"
        + "\n".join(dict.fromkeys(context.blocked)))


@pytest.fixture
def page(browser, request):
    """A new browser page; its screenshot lands in tests/browser/screenshots/ at teardown."""
    context = new_context(browser)
    pg = context.new_page()
    pg.errors = []  # uncaught page errors, for the failure message
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    yield pg
    try:
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        pg.screenshot(path=str(SCREENSHOTS / f"{name}-final.png"), full_page=True)
    finally:
        context.close()


# --- the workspace and the servers ----------------------------------------------------------

@pytest.fixture(scope="session")
def workspace(tmp_path_factory, browser):
    """A fresh copy of notebooks/ and sample_data/, plus private Jupyter folders and environment."""
    ws = tmp_path_factory.mktemp("workshop")
    shutil.copytree(ROOT / "notebooks", ws / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    if (ROOT / "sample_data").is_dir():
        shutil.copytree(ROOT / "sample_data", ws / "sample_data")
    home = ws / ".home"
    dirs = {name: home / name for name in ("config", "data", "runtime", "settings",
                                           "workspaces", "ipython", "logs")}
    for d in dirs.values():
        d.mkdir(parents=True)
    for rel, settings in LAB_SETTINGS.items():
        path = dirs["settings"] / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))

    env = jupyter_env({k: v for k, v in os.environ.items()
                       if not k.startswith(("JUPYTER", "JPY_"))})  # kernels draw inline
    env.update(JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
               JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), IPYTHONDIR=str(dirs["ipython"]),
               JUPYTER_PLATFORM_DIRS="1", PYTHONUNBUFFERED="1")
    return {"path": ws, "env": env, "dirs": dirs}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A Jupyter server process in its own process group (so its kernels stop with it)."""

    def __init__(self, name: str, args: list[str], cwd: Path, env: dict, port: int, log: Path):
        self.name, self.port, self.log = name, port, log
        self.url = f"http://127.0.0.1:{port}"
        self._log = open(log, "w")
        self.proc = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, path: str, timeout: float = SERVER_START_TIMEOUT) -> None:
        """Poll until `path` answers HTTP 200 (not a fixed sleep: stops as soon as it is up)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with _NO_PROXY.open(self.url + path, timeout=5) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            try:  # poll again in 0.25 s, or notice at once that the server died
                self.proc.wait(timeout=0.25)
            except subprocess.TimeoutExpired:
                pass
        raise RuntimeError(f"{self.name} did not start within {timeout:.0f}s on {self.url}; "
                           f"log:\n{self.tail()}")

    def tail(self, n: int = 40) -> str:
        if not self._log.closed:
            self._log.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])

    def stop(self) -> None:
        """SIGTERM (the server shuts its kernels down), then kill whatever is left of the group."""
        if self._log.closed:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # leftover kernels of this server only
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait(timeout=10)
        self._log.close()


def _root_args() -> list[str]:
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


@pytest.fixture(scope="session")
def lab(workspace):
    """JupyterLab serving the temporary workspace; yields the Server (``.url``)."""
    dirs, port = workspace["dirs"], free_port()
    args = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
            f"--port={port}", "--ServerApp.port_retries=0", "--IdentityProvider.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={workspace['path']}",
            f"--LabApp.user_settings_dir={dirs['settings']}",
            f"--LabApp.workspaces_dir={dirs['workspaces']}",
            "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: open/close notebooks
            *CULL, *_root_args()]
    server = Server("JupyterLab", args, workspace["path"], workspace["env"], port,
                    workspace["dirs"]["logs"] / "jupyterlab.log")
    try:
        server.wait_ready("/api/status")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lab_page(browser, lab):
    """One JupyterLab page for all Lab tests (loading the app once saves ~10 s a test)."""
    context = new_context(browser)
    pg = context.new_page()
    pg.goto(f"{lab.url}/lab?reset")  # ?reset: a fresh workspace, no restored tabs
    pg.wait_for_function("() => window.jupyterapp && document.querySelector('#jp-main-statusbar')")
    pg.evaluate("() => window.jupyterapp.restored")  # a Promise: resolved once Lab is ready
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def lab_ui(lab_page, request):
    """The shared Lab page, cleaned after each test: screenshot, close all tabs, stop kernels."""
    yield lab_page
    try:
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        lab_page.screenshot(path=str(SCREENSHOTS / f"{name}-final.png"))
    finally:
        lab_page.keyboard.press("Escape")  # a menu or dialog left open by a failure
        lab_page.evaluate("""async () => {
            const app = window.jupyterapp;
            await app.serviceManager.sessions.shutdownAll();
            for (const w of Array.from(app.shell.widgets('main'))) {
                if (w.context) w.context.model.dirty = false;  // no "save changes?" dialog
                w.dispose();
            }
        }""")


@pytest.fixture(scope="session")
def voila_dashboard(workspace):
    """Voila serving notebooks/rep_dashboard.ipynb; yields the Server (``.url``)."""
    notebook = workspace["path"] / "notebooks" / "rep_dashboard.ipynb"
    if not notebook.exists():
        pytest.fail("notebooks/rep_dashboard.ipynb is missing")
    port = free_port()
    args = [sys.executable, "-m", "voila", str(notebook.relative_to(workspace["path"])),
            "--no-browser", "--Voila.ip=127.0.0.1", f"--Voila.port={port}",
            "--Voila.port_retries=0", "--VoilaConfiguration.show_tracebacks=True", *CULL]
    server = Server("Voila", args, workspace["path"], workspace["env"], port,
                    workspace["dirs"]["logs"] / "voila.log")
    try:
        # a static file: polling "/" would render (and start a kernel for) the dashboard
        server.wait_ready("/voila/static/voila.js")
        yield server
    finally:
        server.stop()


# --- reading and waiting on widgets (shared by the Lab and Voila tests) ---------------------

# What a person sees of a widget: the text of its output area(s) and its chart images. An image's
# identity is its src (a data: URL holds the PNG bytes; an Image widget gets a new blob: URL per
# redraw); images still loading are not counted yet.
_SNAPSHOT_JS = """root => {
  const outs = [...root.querySelectorAll('.widget-output')];
  const text = (outs.length ? outs : [root]).map(e => e.innerText).join('\\n').trim();
  const imgs = [...root.querySelectorAll('img')];
  return {text, images: imgs.filter(i => i.complete && i.naturalWidth > 0).map(i => i.src),
          loading: imgs.some(i => !(i.complete && i.naturalWidth > 0))};
}"""


class WidgetUI:
    """Helpers to read a rendered ipywidgets container and wait until its output changes."""

    root, screenshots = ROOT, SCREENSHOTS
    kernel_timeout, update_timeout = KERNEL_TIMEOUT, UPDATE_TIMEOUT
    assert_offline = staticmethod(assert_offline)

    @staticmethod
    def shoot(target, name: str) -> Path:
        """Screenshot a page or an element into tests/browser/screenshots/NAME.png."""
        path = SCREENSHOTS / f"{name}.png"
        target.screenshot(path=str(path))
        return path

    @staticmethod
    def snapshot(widget) -> dict:
        return widget.evaluate(_SNAPSHOT_JS)

    @staticmethod
    def wait_for_output(widget, timeout: float = UPDATE_TIMEOUT) -> dict:
        """Wait until the widget shows output text and every chart image has loaded."""
        widget.page.wait_for_function(
            f"root => {{ const s = ({_SNAPSHOT_JS})(root); return s.text && !s.loading; }}",
            arg=widget.element_handle(), timeout=timeout)
        return WidgetUI.snapshot(widget)

    @staticmethod
    def wait_for_change(widget, before: dict, *, charts: bool = True,
                        timeout: float = UPDATE_TIMEOUT) -> dict:
        """Wait until the output text changed and (with ``charts``) every chart image changed."""
        js = f"""([root, before, charts]) => {{
            const s = ({_SNAPSHOT_JS})(root);
            if (!s.text || s.loading || s.text === before.text) return false;
            if (!charts) return true;
            return s.images.length > 0 && s.images.every(src => !before.images.includes(src));
        }}"""
        try:
            widget.page.wait_for_function(js, arg=[widget.element_handle(), before, charts],
                                          timeout=timeout)
        except Exception as exc:  # a readable failure: what was shown before and now
            now = WidgetUI.snapshot(widget)
            raise AssertionError(
                f"the widget's output did not change within {timeout / 1000:.0f}s.\n"
                f"before: {before['text'][:600]!r} ({len(before['images'])} images)\n"
                f"now:    {now['text'][:600]!r} ({len(now['images'])} images)") from exc
        return WidgetUI.snapshot(widget)

    @staticmethod
    def drag_slider(slider, fraction: float = 0.3) -> None:
        """Drag the slider's handle by ``fraction`` of the track width with the mouse."""
        handle = slider.locator(".noUi-handle").first
        track = slider.locator(".noUi-base, .noUi-target").first
        handle.scroll_into_view_if_needed()
        hb, tb = handle.bounding_box(), track.bounding_box()
        x, y = hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2
        dx = tb["width"] * fraction
        if not tb["x"] <= x + dx <= tb["x"] + tb["width"]:  # near an end: drag the other way
            dx = -dx
        mouse = slider.page.mouse
        mouse.move(x, y)
        mouse.down()
        mouse.move(x + dx / 2, y, steps=5)
        mouse.move(x + dx, y, steps=5)
        mouse.up()

    @staticmethod
    def pick_other_option(dropdown, avoid=()) -> str:
        """Select an option of a Dropdown's <select> other than the current one; returns it.

        Options in ``avoid`` (e.g. "All reps") are picked only when nothing else is left.
        """
        select = dropdown.locator("select")
        current = select.input_value()
        values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        others = [v for v in values if v != current]
        assert others, f"the dropdown offers nothing but {current!r}"
        choice = next((v for v in others if v not in avoid), others[0])
        select.select_option(value=choice)
        return choice


@pytest.fixture(scope="session")
def ui():
    return WidgetUI
