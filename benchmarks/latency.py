"""How fast the widgets answer a click, in headless Chromium: a table of milliseconds.

    python benchmarks/latency.py                       # this checkout
    python benchmarks/latency.py --repo ../before --repo .    # two checkouts, alternately

Every explorer of ``kpitools.widgets`` (and the dashboard) is put alone in a notebook and served
by Voila on 127.0.0.1; Debian's Chromium (/usr/bin/chromium) opens it and changes each control
several times: dropdowns and toggle buttons as a click does, sliders by dragging the handle with
the mouse (to and fro, to a value not shown before each time). A change's latency runs from the
browser event (change, click or mouse release) to the last change of the widget's output in the
page, images decoded: what a person waits for. First render is from the page's navigation to
its first complete output (kernel start, imports, data, first drawing; with ``--warm``, as in
room mode, a waiting kernel has computed the page).
``--repo`` checkouts are imported by the kernels through PYTHONPATH, with this environment's
packages. Figures are only comparable on a quiet machine (``uptime`` load < 1). Needs the test
tools (requirements-dev.txt) and psutil (benchmarks/requirements.txt).
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from kpitools.workshop.jupyter import jupyter_env  # noqa: E402

CHROMIUM = os.environ.get("KPITOOLS_CHROMIUM", "/usr/bin/chromium")
QUIZ = ["total_revenue", "win_rate", "outreach_per_first_meeting", "pipeline_coverage"]
WIDGETS = {  # name: the cell that shows it
    "funnel_explorer": "kt.widgets.funnel_explorer(data)",
    "win_rate_explorer": "kt.widgets.win_rate_explorer(data)",
    "activity_explorer": "kt.widgets.activity_explorer(data)",
    "quota_gap_explorer": "kt.widgets.quota_gap_explorer(data)",
    "planner": "kt.widgets.planner(data)",
    "leading_lagging_quiz": f"kt.widgets.leading_lagging_quiz(kt.catalogue(), {QUIZ!r})",
    "dashboard": "kt.widgets.dashboard(data)",
}
CONTROLS = ".widget-slider, .widget-dropdown, .widget-toggle-buttons, .widget-text"

# Armed before each change: notes the browser event that starts it, then every later change of
# the widget's output (controls excluded) and image load; done after 400 ms without any.
_ARM_JS = """root => {
  const st = window.__lat = {t0: null, last: null, done: false};
  const start = e => { if (st.t0 === null) st.t0 = performance.now(); };
  for (const type of ['change', 'click', 'pointerup'])
    document.addEventListener(type, start, {capture: true, once: true});
  const seen = () => { if (st.t0 !== null) st.last = performance.now(); };
  const obs = new MutationObserver(ms => {
    if (ms.some(m => !(m.target.closest && m.target.closest(%r)))) seen(); });
  obs.observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
  root.addEventListener('load', seen, true);
  const poll = setInterval(() => {
    const imgs = [...root.querySelectorAll('img')];
    if (st.last !== null && performance.now() - st.last > 400
        && imgs.every(i => i.complete && i.naturalWidth > 0)) {
      st.done = true; st.ms = st.last - st.t0; obs.disconnect(); clearInterval(poll); }
  }, 20);
}""" % CONTROLS
_RENDERED_JS = """(() => {
  const tick = () => {
    const out = [...document.querySelectorAll('.widget-output')].filter(o => o.innerText.trim());
    const imgs = [...document.querySelectorAll('.widget-output img, .widget-image')];
    if (out.length && imgs.every(i => i.complete && i.naturalWidth > 0))
      window.__rendered = performance.now();
    else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();"""


def _notebooks(folder: Path, names: list[str]) -> None:
    for name in names:
        cell = WIDGETS[name]
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(
            f"import kpitools as kt\ndata = kt.load_sample()\n{cell}")]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nbformat.write(nb, folder / f"{name}.ipynb")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Voila:
    def __init__(self, folder: Path, repo: Path, warm: bool = False):
        self.port = _free_port()
        env = jupyter_env()
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo), env.get("PYTHONPATH")]))
        self.log = open(folder / f"voila-{self.port}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "voila", str(folder), "--no-browser", "--Voila.ip=127.0.0.1",
             f"--Voila.port={self.port}", "--Voila.port_retries=0",
             *(["--VoilaConfiguration.preheat_kernel=True",  # and no kernel started again
                "--VoilaKernelManager.fill_delay=86400"] if warm else [])],  # for a page used
            cwd=folder, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                    self.url + "/voila/static/voila.js", timeout=5)
                break
            except OSError:
                time.sleep(0.25)
        else:
            raise RuntimeError(f"Voila did not start; see {self.log.name}")
        pages = len(list(folder.glob("*.ipynb")))
        while warm and Path(self.log.name).read_text().count("is filled with") < pages:
            time.sleep(0.5)  # every page computed ahead, as in room mode

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _changes(page, root, repeat: int):
    """Yield (control label, action) pairs: each action makes one change as a person would."""
    for i, select in enumerate(root.locator(".widget-dropdown select").all()):
        label = f"dropdown {i + 1}"
        values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        for k in range(repeat):  # another option than the one shown when the change is made
            yield label, (lambda s=select, k=k, vs=values: s.select_option(
                value=[v for v in vs if v != s.input_value()][k % (len(vs) - 1)]))
    for i, group in enumerate(root.locator(".widget-toggle-buttons").all()):
        for _ in range(repeat):
            yield f"toggle {i + 1}", (lambda g=group: g.locator(
                "button:not(.mod-active)").first.click())
    for i, slider in enumerate(root.locator(".widget-slider").all()):
        for k in range(repeat):  # to and fro, each time to a value not shown before (a value
            f = (-1) ** (k + 1) * (0.2 + 0.03 * k)  # shown again may be a kept answer)
            yield f"slider {i + 1}", (lambda s=slider, f=f: _drag(s, f))


def _drag(slider, fraction: float) -> None:
    handle = slider.locator(".noUi-handle").first
    track = slider.locator(".noUi-base, .noUi-target").first
    handle.scroll_into_view_if_needed()
    hb, tb = handle.bounding_box(), track.bounding_box()
    x, y = hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2
    dx = tb["width"] * fraction
    if not tb["x"] <= x + dx <= tb["x"] + tb["width"]:
        dx = -dx
    mouse = slider.page.mouse
    mouse.move(x, y)
    mouse.down()
    mouse.move(x + dx, y, steps=4)
    mouse.up()


def _settle(limit: float = 60) -> None:
    """Wait (``limit`` s at most) until the CPUs are nearly idle: the kernels of the pages
    computed ahead (``--warm``) or of the page measured before have finished drawing ahead."""
    deadline = time.monotonic() + limit
    while psutil.cpu_percent(interval=0.5) > 15:
        if time.monotonic() > deadline:
            print(f"  the CPUs were still busy after {limit:.0f} s", file=sys.stderr)
            return


def measure(browser, server: Voila, name: str, repeat: int) -> dict:
    """First render (s) and per-control latencies (ms) of one widget page."""
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    context.add_init_script(_RENDERED_JS)
    page = context.new_page()
    page.goto(f"{server.url}/voila/render/{name}.ipynb", timeout=180_000)
    page.wait_for_function("() => window.__rendered", timeout=180_000)
    first = page.evaluate("window.__rendered") / 1000
    root = page.locator(".jp-OutputArea-output").filter(
        has=page.locator(".widget-output")).first
    latencies: dict[str, list[float]] = {}
    first_change = None
    for label, action in list(_changes(page, root, repeat)):
        root.evaluate(_ARM_JS)
        action()
        try:
            page.wait_for_function("() => window.__lat.done", timeout=30_000)
        except Exception:  # the change showed nothing new (e.g. the same numbers): skip it
            continue
        latencies.setdefault(label, []).append(page.evaluate("window.__lat.ms"))
        first_change = first_change or latencies[label][0]
    context.close()
    return {"first": first, "first change": first_change, "changes": latencies}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", action="append", type=Path,
                        help="a checkout to measure (repeatable; default: this one)")
    parser.add_argument("--repeat", type=int, default=6, help="changes per control (default 6)")
    parser.add_argument("--only", nargs="*", choices=list(WIDGETS), help="widgets to measure")
    parser.add_argument("--warm", action="store_true",
                        help="serve as room mode does: each page computed ahead in a waiting "
                             "kernel (first render without kernel start)")
    args = parser.parse_args(argv)
    repos = [r.resolve() for r in (args.repo or [ROOT])]
    names = args.only or list(WIDGETS)
    from playwright.sync_api import sync_playwright

    results = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        folder = Path(tmp)
        _notebooks(folder, names)  # only the pages measured: fewer kernels computing ahead
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        servers = {}
        try:
            for repo in repos:
                servers[repo] = Voila(folder, repo, warm=args.warm)
            for name in names:  # the checkouts alternately: a change of machine load hits both
                for repo in repos:
                    _settle()
                    results[repo, name] = measure(browser, servers[repo], name, args.repeat)
                    print(f"  measured {name} ({repo})", file=sys.stderr, flush=True)
        finally:
            for server in servers.values():
                server.stop()
        browser.close()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nLatency from a control change to the updated output, ms (median / worst of "
          f"{args.repeat}); first render in s. Load average at the end: {load:.2f}.")
    head = f"{'widget':22} {'control':12}" + "".join(f" {r.name[:24]:>24}" for r in repos)
    print(head + "\n" + "-" * len(head))
    for name in names:
        rows = {"first render": [f"{results[r, name]['first']:.2f} s" for r in repos],
                "1st change": [f"{results[r, name]['first change'] or float('nan'):.0f}"
                               for r in repos]}
        labels = dict.fromkeys(l for r in repos for l in results[r, name]["changes"])
        for label in labels:
            cells = []
            for r in repos:
                ms = results[r, name]["changes"].get(label)
                cells.append(f"{statistics.median(ms):.0f} / {max(ms):.0f}" if ms else "–")
            rows[label] = cells
        for i, (label, cells) in enumerate(rows.items()):
            print(f"{name if i == 0 else '':22} {label:12}" + "".join(f" {c:>24}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
