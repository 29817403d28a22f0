"""``KPIWidget``, the container every builder of ``kpitools.widgets`` returns, and its display
helpers: the rep dropdown, figures, and tables formatted for people by ``kpitools.display``
(ipywidgets).
"""
from __future__ import annotations

import base64
import html
import io
import warnings
from collections import OrderedDict
from contextlib import contextmanager

import ipywidgets as widgets
import pandas as pd
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kpitools import _ahead, display
from kpitools._ahead import one_click_away

ALL_REPS = "All reps"
EACH_REP = "Each rep (compare)"
_SLIDER = {"continuous_update": False, "style": {"description_width": "initial"},
           "layout": widgets.Layout(width="420px")}
_GREY = '<p style="color:#616161">{}</p>'
KEEP = 12  # answers an explorer keeps: each rep's, one click away (a dashboard's: ~0.8 MB)


class KPIWidget(widgets.VBox):
    """Controls, an output area and the last result; ``refresh()`` recomputes and redraws.

    ``keep=n`` (for a ``render`` whose answer depends on the control values only and that
    changes nothing else) keeps the last ``n`` answers by control values, so coming back to a
    choice shows its answer without drawing it again (the result shown is then the one kept;
    ``.figures`` draws its Figures again when asked for), and, in a Jupyter kernel, once a
    control has been used, draws the answers one click away on it while the kernel is idle
    (``kpitools._ahead``; not before: the page's first render would wait for those drawings).
    """

    def __init__(self, controls: dict, render, *, title: str = "", body=None, keep: int = 0):
        super().__init__()
        self.controls, self.output = dict(controls), widgets.Output()
        self.result, self._figures, self.error, self._shown = None, [], None, {}
        self._render, self._paused = render, False
        self._keep, self._kept, self._used = keep, OrderedDict(), None
        head = [widgets.HTML(f"<h3>{html.escape(title)}</h3>")] if title else []
        body = body or widgets.HBox(list(self.controls.values()),
                                    layout=widgets.Layout(flex_flow="row wrap"))
        self.children = [*head, body, self.output]
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

    def _changed(self, change) -> None:
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
        if self._keep and used:  # in a kernel, the next answers of the control used last are
            _ahead.plan(self, one_click_away(used, values)[:self._keep - 1])  # drawn while idle

    def keep_answer(self, values: dict) -> tuple:
        """(result, error, figures, output parts) for ``values``: the one kept (its figures
        None), or a new one, kept if the widget keeps answers (without its Figures, ~80% of
        its memory; errors are computed again, never kept)."""
        key = tuple(map(repr, values.values()))  # repr: 1 and 1.0 and True stay apart
        answer = self._kept.pop(key, None) or self._answer(values)
        if self._keep and answer[1] is None:
            self._kept[key] = (*answer[:2], None, answer[3])
            while len(self._kept) > self._keep:
                self._kept.popitem(last=False)  # the least recently shown goes
        return answer

    def _answer(self, values: dict) -> tuple:
        """(result, error, figures, output parts) for ``values``."""
        view = _View()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = self._render(values, view)
            for message in dict.fromkeys(str(w.message) for w in caught):
                view.html(_GREY.format("Note: " + html.escape(message)))
            return result, None, view.figures, tuple(view.parts)
        except Exception as exc:  # shown to the learner instead of being lost in a log
            view = _View()
            view.html(f'<div style="color:#b71c1c;background:#ffebee;padding:6px">⚠️ '
                      f"{type(exc).__name__}: {html.escape(str(exc))}</div>")
            return None, exc, view.figures, tuple(view.parts)


class _View:
    """Collects what a refresh shows as Jupyter display messages (no kernel needed)."""

    def __init__(self):
        self.parts, self.figures = [], []

    def _add(self, data: dict) -> None:
        self.parts.append({"output_type": "display_data", "data": data, "metadata": {}})

    def html(self, text: str) -> None:
        self._add({"text/html": text, "text/plain": text})

    def table(self, frame: pd.DataFrame) -> None:
        self.html(display.table(frame).to_html())  # as the notebooks show tables

    def figure(self, fig: Figure) -> None:
        self.figures.append(fig)
        self._add({"image/png": base64.b64encode(png(fig)).decode(), "text/plain": "<Figure>"})


def png(fig: Figure, dpi: float = 90) -> bytes:
    """``fig`` as PNG bytes, laid out and drawn once (``savefig`` draws a laid-out figure
    twice: ~20% of a widget's answer).

    Examples
    --------
    >>> fig = Figure(layout="constrained")
    >>> png(fig)[:4]
    b'\\x89PNG'
    """
    fig.set_dpi(dpi)
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer, pil_kwargs={"compress_level": 1})
    FigureCanvasBase(fig)  # lets go of the pixels (a figure kept in a cache stays small)
    return buffer.getvalue()


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
