"""``KPIWidget``, the container every builder of ``kpitools.widgets`` returns, and its display
helpers: the rep dropdown, figures, and tables formatted for people by ``kpitools.display``
(ipywidgets).
"""
from __future__ import annotations

import base64
import html
import inspect
import itertools
import warnings
from collections import OrderedDict
from contextlib import contextmanager

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from kpitools import _ahead, display
from kpitools._ahead import one_click_away
from kpitools._drawing import finish, png_steps

ALL_REPS = "All reps"
EACH_REP = "Each rep (compare)"
_SLIDER = {"continuous_update": False, "style": {"description_width": "initial"},
           "layout": widgets.Layout(width="420px")}
_GREY = '<p style="color:#616161">{}</p>'
KEEP = 12  # answers an explorer keeps: each rep's, one click away (a dashboard's: ~0.8 MB)


class KPIWidget(widgets.VBox):
    """Controls, an output area and the last result; ``refresh()`` recomputes and redraws.

    ``render(values, view)`` shows the answer for the control values on ``view`` and returns the
    result, or is a generator function (pausing between pieces of work, returning the result),
    so that drawing an answer ahead can go back to the kernel between them.

    ``keep=n`` (for a ``render`` whose answer depends on the control values only and that
    changes nothing else) keeps the last ``n`` answers by control values, so coming back to a
    choice shows its answer without drawing it again (the result shown is then the one kept;
    ``.figures`` draws its Figures again when asked for), and, in a Jupyter kernel, once a
    control has been used, draws the answers one click away on it while the kernel is idle
    (``kpitools._ahead``); ``eager=True`` (a widget with few options): the answers one click
    away on every control are drawn ahead, before any control is used too (then once the
    kernel has been idle longer: a page's first render never waits).

    ``follow={name: function}``: choosing a value of control ``name`` (and building the widget)
    sets other controls too, to ``function(values)`` (``{control: value}``, from the control
    values with that choice; e.g. a rep chosen resets the planner's sliders to the rep's plan),
    in one refresh; the answers drawn ahead for ``name`` are for the values it sets.

    Examples
    --------
    >>> def render(values, view):
    ...     view.html(f"{values['rep']}: {values['weeks']} weeks")
    ...     return values["weeks"]
    >>> controls = {"rep": widgets.Dropdown(options=["Ann", "Bo"]),
    ...             "weeks": widgets.IntSlider(value=1)}
    >>> w = _built(KPIWidget(controls, render, keep=KEEP,
    ...                      follow={"rep": lambda v: {"weeks": len(v["rep"])}}))
    >>> w.result
    3
    >>> w.controls["weeks"].value = 5
    >>> w.controls["rep"].value = "Bo"
    >>> w.result, w.values()
    (2, {'rep': 'Bo', 'weeks': 2})
    """

    def __init__(self, controls: dict, render, *, title: str = "", body=None, keep: int = 0,
                 eager: bool = False, follow: dict | None = None):
        super().__init__()
        self.controls, self.output = dict(controls), widgets.Output()
        self.result, self._figures, self.error, self._shown = None, [], None, {}
        self._render, self._paused, self._follow = render, False, dict(follow or {})
        self._keep, self._kept, self._used, self._eager = keep, OrderedDict(), None, eager
        head = [widgets.HTML(f"<h3>{html.escape(title)}</h3>")] if title else []
        body = body or widgets.HBox(list(self.controls.values()),
                                    layout=widgets.Layout(flex_flow="row wrap"))
        self.children = [*head, body, self.output]
        for name in self._follow:  # the controls start where the first choices put them
            self._set(self._follow[name](self.values()))
        for control in self.controls.values():
            control.observe(self._changed, names="value")

    def values(self) -> dict:
        """The controls' current values by name."""
        return {name: control.value for name, control in self.controls.items()}

    @contextmanager
    def hold(self, refresh: bool = True):
        """Set several controls, then recompute once (``with w.hold(): ...``)."""
        paused, self._paused = self._paused, True
        try:
            yield self
        finally:
            self._paused = paused
        if refresh and not paused:
            self.refresh()

    def _set(self, values: dict) -> None:
        """Set the controls named in ``values`` (without refreshing)."""
        with self.hold(refresh=False):
            for name, value in values.items():
                self.controls[name].value = value

    def _changed(self, change) -> None:
        follow = [f for name, f in self._follow.items() if self.controls[name] is change["owner"]]
        try:
            for function in follow:  # the other controls this choice sets
                self._set(function(self.values()))
        except Exception as exc:  # shown, as a render's error is; the controls stay as they are
            self.result, self.error, self._figures, self.output.outputs = _failed(exc)
            return
        self._used = change["owner"]
        if not self._paused:
            self.refresh()

    @property
    def figures(self) -> list:
        """The Figures of the answer shown (a kept answer's are drawn again when asked for)."""
        if self._figures is None:
            self._figures = self._answer(self._shown)[2]
        return self._figures

    def refresh(self) -> None:
        """Recompute with the controls' current values and redraw the output."""
        self._shown = values = self.values()
        self.result, self.error, self._figures, self.output.outputs = self.keep_answer(values)
        used = {n: c for n, c in self.controls.items() if c is self._used}
        used = self.controls if self._eager else used  # eager: every control's, used or not
        if self._keep and used:  # in a kernel, the next answers of the control used last are
            ahead = one_click_away(used, values, self._follow)  # drawn while idle
            _ahead.plan(self, itertools.islice(ahead, self._keep - 1), first=self._used is None)

    def keep_answer(self, values: dict) -> tuple:
        """(result, error, figures, output parts) for ``values``: the one kept (its figures
        None), or a new one, kept if the widget keeps answers (without its Figures, ~80% of
        its memory; errors are computed again, never kept)."""
        key = _ahead.key(values)
        answer = self._kept.pop(key, None) or _ahead.taken(self, key) or self._answer(values)
        self._keep_it(key, answer)
        return answer

    def _keep_it(self, key: tuple, answer: tuple) -> None:
        if self._keep and answer[1] is None:
            self._kept.pop(key, None)  # (the last shown goes last)
            self._kept[key] = (*answer[:2], None, answer[3])
            while len(self._kept) > self._keep:
                self._kept.popitem(last=False)  # the least recently shown goes

    def draw_ahead(self, values: dict):
        """Steps (a generator) that draw the answer for ``values`` and keep it, unless kept;
        returns the answer (None when it was kept already)."""
        key = _ahead.key(values)
        if key in self._kept:
            return None
        answer = yield from self._steps(values)
        if key not in self._kept:  # (a click may have drawn it meanwhile)
            self._keep_it(key, answer)
        return answer

    def _answer(self, values: dict) -> tuple:
        """(result, error, figures, output parts) for ``values``."""
        return finish(self._steps(values))

    def _steps(self, values: dict):
        """Compute and draw the answer for ``values`` in steps (a generator: the render's steps
        if it is a generator, then each artist of each figure drawn); returns the answer."""
        view, caught = _View(), []
        try:
            with _noting(caught):
                result = self._render(values, view)
            if inspect.isgenerator(result):
                result = yield from _stepped(result, caught)
            for data, fig in view.pending:
                drawn = yield from _stepped(png_steps(fig, **view.fixed.get(fig, {})), caught)
                data["image/png"] = base64.b64encode(drawn).decode()
            for message in dict.fromkeys(str(w.message) for w in caught):
                view.html(_GREY.format("Note: " + html.escape(message)))
            return result, None, view.figures, tuple(view.parts)
        except Exception as exc:  # shown to the learner instead of being lost in a log
            return _failed(exc)


def _failed(exc: Exception) -> tuple:
    """The answer (result, error, figures, output parts) that shows the error ``exc``."""
    view = _View()
    view.html(f'<div style="color:#b71c1c;background:#ffebee;padding:6px">⚠️ '
              f"{type(exc).__name__}: {html.escape(str(exc))}</div>")
    return None, exc, view.figures, tuple(view.parts)


def _stepped(steps, caught: list):
    """Take the steps of the generator ``steps`` one at a time (yielding before each), noting
    their warnings in ``caught``; its return value."""
    while True:
        yield
        with _noting(caught):
            try:
                next(steps)
            except StopIteration as done:
                return done.value


@contextmanager
def _noting(caught: list):
    """Record the warnings of a step into ``caught`` (shown under the answer)."""
    with warnings.catch_warnings(record=True) as noted:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            caught += noted


class _View:
    """Collects what a refresh shows as Jupyter display messages (no kernel needed); its
    figures are drawn once the render is done (``pending``)."""

    def __init__(self):
        self.parts, self.figures, self.pending, self.fixed = [], [], [], {}

    def _add(self, data: dict) -> None:
        self.parts.append({"output_type": "display_data", "data": data, "metadata": {}})

    def html(self, text: str) -> None:
        self._add({"text/html": text, "text/plain": text})

    def table(self, frame: pd.DataFrame) -> None:
        self.html(display.table(frame).to_html())  # as the notebooks show tables

    def figure(self, fig: Figure) -> None:
        data = {"image/png": "", "text/plain": "<Figure>"}  # the PNG once drawn
        self.pending.append((data, fig))
        self.figures.append(fig)
        self._add(data)

    def fix(self, fig: Figure, same, moving) -> None:
        """Draw ``fig`` from the fixed part kept for ``same`` if it can (all of it but the
        artists ``moving``; see ``kpitools._drawing.png_steps``)."""
        self.fixed[fig] = {"same": same, "moving": moving}


def _figure(width: float = 8, height: float = 4.5):
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots()


def _rep_dropdown(*frames: pd.DataFrame, extra=()) -> widgets.Dropdown:
    reps = sorted({r for f in frames if "rep" in f  # distinct names first, then as text
                   for r in f["rep"].dropna().unique().astype(str).tolist()})
    return widgets.Dropdown(options=[ALL_REPS, *extra, *reps], value=ALL_REPS, description="Rep")


def _rep(value: str) -> str | None:
    return None if value in (ALL_REPS, EACH_REP) else value


def _named(frame: pd.DataFrame, rep: str) -> pd.DataFrame:
    """The frame with the chosen rep as a column, so the chart names whose numbers it shows."""
    return frame.assign(rep=rep) if _rep(rep) and "rep" not in frame else frame


def _built(widget: KPIWidget) -> KPIWidget:
    widget.refresh()  # render once at build time
    return widget
