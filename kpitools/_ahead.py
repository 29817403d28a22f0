"""Drawing a widget's next answers while the Jupyter kernel is idle, so a click on another rep
shows an answer already drawn (private; used by ``KPIWidget``).

What is drawn ahead: every other option of the dropdown or toggle used last, one click away
from what is shown (the next options first), the other controls as they are: a person clicking
through reps finds each drawn after the first, and a slider moved draws nothing ahead that
would make the next move wait. Nothing is drawn ahead before a control is used: the browser
showing the page talks to the kernel meanwhile, and would wait behind each drawing. It runs on
the kernel's own event loop, one answer at a time, so a click waits for at most one drawing;
only for the widget used last; and only once no cell has run for ``IDLE`` seconds, so running a
notebook top to bottom (a test, "Run All") never waits for it. Outside a kernel (a script, a
test) nothing is drawn ahead.
"""
from __future__ import annotations

import asyncio
import time

IDLE = 0.25  # seconds without a cell running before drawing ahead (cells of a Run All
#              follow each other within milliseconds)
_cells = {"running": False, "last": 0.0, "watched": False}
_planned = {"widget": None, "ahead": [], "handle": None}


def one_click_away(controls: dict, values: dict) -> list[dict]:
    """Control values one click away: each other option of each control that has options.

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> controls = {"rep": widgets.Dropdown(options=["All", "Ann", "Bo"]),
    ...             "size": widgets.IntSlider(value=3)}
    >>> [v["rep"] for v in one_click_away(controls, {"rep": "Ann", "size": 3})]
    ['Bo', 'All']
    """
    found = []
    for name, control in controls.items():
        options = list(getattr(control, "_options_values", ()))
        if values[name] in options:
            start = options.index(values[name])
            found += [{**values, name: o} for o in options[start + 1:] + options[:start]]
    return found


def _kernel_loop():
    """The running event loop of a Jupyter kernel, or None."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    shell = get_ipython()
    if getattr(shell, "kernel", None) is None:
        return None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    if not _cells["watched"]:  # note when cells run (once per kernel)
        _cells["watched"] = True
        shell.events.register("pre_run_cell", lambda *_: _cells.update(running=True))
        shell.events.register("post_run_cell", lambda *_: _cells.update(
            running=False, last=time.monotonic()))
    return loop


def plan(widget, ahead: list[dict]) -> None:
    """Draw ``ahead`` (most likely first) for ``widget`` when the kernel is idle; replaces the
    plan of any widget. ``widget.keep_answer(values)`` draws and keeps one answer."""
    loop = _kernel_loop()
    if loop is None:
        return
    _planned.update(widget=widget, ahead=list(ahead))
    if _planned["handle"] is None:
        _planned["handle"] = loop.call_later(IDLE, _step, loop)


def _step(loop) -> None:
    _planned["handle"] = None
    idle = time.monotonic() - _cells["last"]
    if _cells["running"] or idle < IDLE:  # a notebook is being run: wait
        _planned["handle"] = loop.call_later(IDLE - min(idle, IDLE) + 0.05, _step, loop)
        return
    if _planned["ahead"]:
        _planned["widget"].keep_answer(_planned["ahead"].pop(0))
    if _planned["ahead"]:  # back to the loop (a click may be waiting), then the next one
        _planned["handle"] = loop.call_later(0.02, _step, loop)
