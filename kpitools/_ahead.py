"""Drawing a widget's next answers while the Jupyter kernel is idle, so a click on another rep
shows an answer already drawn (private; used by ``KPIWidget``).

What is drawn ahead: every other option of the dropdown or toggle used last, one click away
from what is shown (the next options first), the other controls as they are, or as choosing
the option sets them (``KPIWidget(follow=...)``: the planner's sliders start at each rep's
plan): a person clicking through reps finds each drawn, and a slider moved draws nothing ahead
that would make the next move wait. A widget built with ``eager=True`` (the dashboard: eleven
reps and two roles) has the answers one click away on every control drawn ahead, before any
control is used too; then only once the kernel has had nothing to do for ``FIRST_IDLE``
seconds: the browser showing the page talks to the kernel after the notebook has run, and its
first render must not wait.

It runs on the kernel's own event loop, for the widget planned last, in small steps (an
answer's computation, then each axes drawn: ``KPIWidget.draw_ahead``), going back to the loop
between steps: a click waits for one step at most, and a click on the answer being drawn
finishes it instead of starting again. It steps only once no cell has run and no message has
come for ``IDLE`` seconds, so running a notebook top to bottom (a test, "Run All") never waits
for it. Outside a kernel (a script, a test) nothing is drawn ahead.
"""
from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Iterable, Iterator

from kpitools._drawing import finish

IDLE = 0.1  # seconds without a cell or a message before drawing ahead (cells of a Run All
#             follow each other within milliseconds)
FIRST_IDLE = 1.0  # the same, before any control is used (a page loading asks for its widgets)
_cells = {"running": False, "last": 0.0, "watched": False}
_planned = {"widget": None, "ahead": iter(()), "handle": None, "work": None, "key": None,
            "idle": IDLE}


def one_click_away(controls: dict, values: dict, follow: dict | None = None) -> Iterator[dict]:
    """Control values one click away: each other option of each control that has options,
    with the other controls as they are, or as ``follow[name]`` sets them when that option is
    chosen (``KPIWidget(follow=...)``). Found one at a time, as they are drawn (a follow may
    take a while: the planner's computes a rep's plan); an option whose follow fails is left
    out (its error is shown when it is chosen).

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> controls = {"rep": widgets.Dropdown(options=["All", "Ann", "Bo"]),
    ...             "size": widgets.IntSlider(value=3)}
    >>> [v["rep"] for v in one_click_away(controls, {"rep": "Ann", "size": 3})]
    ['Bo', 'All']
    >>> sizes = {"rep": lambda values: {"size": len(values["rep"])}}
    >>> list(one_click_away(controls, {"rep": "Ann", "size": 7}, sizes))
    [{'rep': 'Bo', 'size': 2}, {'rep': 'All', 'size': 3}]
    """
    follow = follow or {}
    for name, control in controls.items():
        options = list(getattr(control, "_options_values", ()))
        if values[name] not in options:
            continue
        start = options.index(values[name])
        for option in options[start + 1:] + options[:start]:
            chosen = {**values, name: option}
            if name in follow:
                try:
                    chosen.update(follow[name](chosen))
                except Exception:  # drawn when chosen, and its error shown then
                    continue
            yield chosen


def key(values: dict) -> tuple:
    """The key an answer for control ``values`` is kept by."""
    return tuple(map(repr, values.values()))  # repr: 1 and 1.0 and True stay apart


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
    if not _cells["watched"]:  # note when cells run and messages come (once per kernel)
        _cells["watched"] = True
        shell.events.register("pre_run_cell", lambda *_: _cells.update(running=True))
        shell.events.register("post_run_cell", lambda *_: _cells.update(
            running=False, last=time.monotonic()))
        handlers = getattr(shell.kernel, "shell_handlers", {})
        for name, handler in list(handlers.items()):
            handlers[name] = _noted(handler)
    return loop


def _noted(handler):
    """``handler`` noting when a message came (a page asking for its widgets, a click)."""
    @functools.wraps(handler)
    def noted(*args, **kwargs):
        _cells["last"] = time.monotonic()
        return handler(*args, **kwargs)
    return noted


def plan(widget, ahead: Iterable[dict], *, first: bool = False) -> None:
    """Draw the answers for the control values ``ahead`` (most likely first; taken one at a
    time, as they are drawn) for ``widget`` when the kernel is idle (``first``: before any
    control is used, after ``FIRST_IDLE``); replaces the plan of any widget (an answer half
    drawn for this widget is finished first)."""
    loop = _kernel_loop()
    if loop is None:
        return
    if _planned["work"] is not None and _planned["widget"] is not widget:
        _planned["work"].close()
        _planned.update(work=None, key=None)
    _planned.update(widget=widget, ahead=iter(ahead), idle=FIRST_IDLE if first else IDLE)
    if _planned["handle"] is None:
        _planned["handle"] = loop.call_later(_planned["idle"], _step, loop)


def taken(widget, key: tuple):
    """The answer for ``key`` if ``widget``'s is being drawn ahead (finished now), else None."""
    if _planned["work"] is None or _planned["widget"] is not widget or _planned["key"] != key:
        return None
    work = _planned["work"]
    _planned.update(work=None, key=None)
    return finish(work)


def _step(loop) -> None:
    _planned["handle"] = None
    wait, idle = _planned["idle"], time.monotonic() - _cells["last"]
    if _cells["running"] or idle < wait:  # a notebook is being run, a page is talking: wait
        _planned["handle"] = loop.call_later(wait - min(idle, wait) + 0.05, _step, loop)
        return
    if _planned["work"] is None:
        values = next(_planned["ahead"], None)
        if values is None:  # all drawn
            return
        _planned.update(work=_planned["widget"].draw_ahead(values), key=key(values))
    try:
        next(_planned["work"])
    except StopIteration:
        _planned.update(work=None, key=None)
    _planned["handle"] = loop.call_later(0.005, _step, loop)  # back to the loop (a click may
    #                                                            be waiting), then on
