"""A widget's figures as PNG bytes: laid out and drawn once, in small steps, on a renderer kept
between figures of the same size (private; used by ``kpitools._widgetbase``).

Steps: :func:`png_steps` is a generator that lays the figure out, then draws one artist (an
axes, the suptitle) per step,
so a kernel drawing answers ahead goes back to its event loop between steps and a click waits
for one step, not for a whole answer; :func:`png` takes every step at once.

Renderers: matplotlib measures each text (for the layout) once per renderer, and a new figure
gets a new renderer. The widgets draw the same labels, ticks and titles answer after answer with
other numbers, so figures of one size share a renderer: the texts measured for an earlier answer
are not measured again (the scorecard's layout: ~200 -> ~140 ms). A renderer half-way through a
figure is not lent to another.
"""
from __future__ import annotations

import io
from collections import OrderedDict

from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from PIL import Image

SIZES = 3  # renderers kept, one per figure size (~4 MB each: a 13 x 9 in scorecard at 90 dpi)
_free: OrderedDict = OrderedDict()  # (width, height, dpi): an idle RendererAgg


def png(fig: Figure, dpi: float = 90) -> bytes:
    """``fig`` as PNG bytes, laid out and drawn once (``savefig`` draws a laid-out figure
    twice: ~20% of a widget's answer).

    Examples
    --------
    >>> fig = Figure(layout="constrained")
    >>> png(fig)[:4]
    b'\\x89PNG'
    """
    return finish(png_steps(fig, dpi))


def finish(steps):
    """Take every step of a generator; its return value."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def png_steps(fig: Figure, dpi: float = 90):
    """Draw ``fig`` into PNG bytes (the generator's return value), an artist per step."""
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    size = (*fig.bbox.size, fig.dpi)
    canvas.renderer = _free.pop(size, None) or RendererAgg(*size)  # (as get_renderer makes
    canvas._lastKey = size  # it; an idle one of this size if there is one)
    renderer = canvas.get_renderer()
    try:
        engine = fig.get_layout_engine()  # as Figure.draw does, one artist at a time
        if fig.axes and engine is not None:
            engine.execute(fig)
            yield
        renderer.clear()
        fig.patch.draw(renderer)
        for artist in fig._get_draw_artists(renderer):
            artist.draw(renderer)
            yield
        buffer = io.BytesIO()
        Image.frombuffer("RGBA", canvas.get_width_height(physical=True), canvas.buffer_rgba(),
                         "raw", "RGBA", 0, 1).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()
    finally:
        FigureCanvasBase(fig)  # the figure lets go of the renderer (a kept figure stays small)
        _free.setdefault(size, renderer)
        _free.move_to_end(size)
        while len(_free) > SIZES:
            _free.popitem(last=False)
