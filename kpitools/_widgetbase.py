"""``KPIWidget``, the container every builder of ``kpitools.widgets`` returns, and its display
helpers: the rep dropdown, figures, and tables formatted for people by ``kpitools.display``
(ipywidgets).
"""
from __future__ import annotations

import base64
import html
import io
import warnings
from contextlib import contextmanager

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from kpitools import display

ALL_REPS = "All reps"
EACH_REP = "Each rep (compare)"
_SLIDER = {"continuous_update": False, "style": {"description_width": "initial"},
           "layout": widgets.Layout(width="420px")}
_GREY = '<p style="color:#616161">{}</p>'


class KPIWidget(widgets.VBox):
    """Controls, an output area and the last result; ``refresh()`` recomputes and redraws."""

    def __init__(self, controls: dict, render, *, title: str = "", body=None):
        super().__init__()
        self.controls, self.output = dict(controls), widgets.Output()
        self.result, self.figures, self.error = None, [], None
        self._render, self._paused = render, False
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
        if not self._paused:
            self.refresh()

    def refresh(self) -> None:
        """Recompute with the controls' current values and redraw the output."""
        view = _View()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                self.result = self._render(self.values(), view)
            for message in dict.fromkeys(str(w.message) for w in caught):
                view.html(_GREY.format("Note: " + html.escape(message)))
            self.error = None
        except Exception as exc:  # shown to the learner instead of being lost in a log
            self.result, self.error, view = None, exc, _View()
            view.html(f'<div style="color:#b71c1c;background:#ffebee;padding:6px">⚠️ '
                      f"{type(exc).__name__}: {html.escape(str(exc))}</div>")
        self.figures = view.figures
        self.output.outputs = tuple(view.parts)


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
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90, pil_kwargs={"compress_level": 1})
        self.figures.append(fig)
        self._add({"image/png": base64.b64encode(buffer.getvalue()).decode(),
                   "text/plain": "<Figure>"})


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
