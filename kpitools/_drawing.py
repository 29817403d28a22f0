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

Fixed parts: a widget answers with the same chart again and again, only its numbers changed (the
planner's plan: the same title and row labels, other bar widths and notes). Given a key for
what stays (``same=``) and the artists that change (``moving=``), the first figure is laid out and
drawn as usual, and its layout (the axes positions) and its pixels without the moving artists are
kept; a later figure with the same key, moving texts of the same sizes and matplotlib's settings
unchanged (rcParams: a notebook may change its style) takes that layout and those pixels and
draws its moving artists only (the plan chart: ~64 -> ~34 ms a plan).
"""
from __future__ import annotations

import io
from collections import OrderedDict

import matplotlib
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

SIZES = 3  # renderers kept, one per figure size (~4 MB each: a 13 x 9 in scorecard at 90 dpi)
FIXED = 8  # fixed parts kept (~0.9 MB each: an 8 x 3.5 in chart at 90 dpi)
_free: OrderedDict = OrderedDict()  # (width, height, dpi): an idle RendererAgg
_fixed: OrderedDict = OrderedDict()  # (same, size, moving text sizes): (axes positions, pixels)


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


def png_steps(fig: Figure, dpi: float = 90, *, same=None, moving=()):
    """Draw ``fig`` into PNG bytes (the generator's return value), an artist per step.

    ``same`` (hashable): a key for everything in ``fig`` but the artists ``moving`` (of its
    axes): figures drawn with one key must have the same fixed artists, and the layout must
    depend on them and on the sizes of the moving texts only (the moving patches stay inside
    their axes; nothing fixed is drawn over a moving artist). Such a figure drawn again with
    moving texts of the same sizes (and rcParams unchanged) is laid out and drawn from the kept
    fixed part.
    """
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    size = (*fig.bbox.size, fig.dpi)
    canvas.renderer = _free.pop(size, None) or RendererAgg(*size)  # (as get_renderer makes
    canvas._lastKey = size  # it; an idle one of this size if there is one)
    renderer = canvas.get_renderer()
    try:
        key = None if same is None else (same, size, _text_sizes(moving, renderer), _style())
        if key in _fixed:
            _fixed.move_to_end(key)
            positions, pixels = _fixed[key]
            for ax, position in zip(fig.axes, positions):
                ax.set_position(position)  # as the layout engine places it
                ax.set_in_layout(True)  # (set_position takes it out of later layouts)
                ax.get_xlim()  # its limits brought up to date, as Axes.draw does
            renderer.restore_region(pixels)
        else:
            yield from _draw_fixed(fig, renderer, moving)
            if key is not None:
                _fixed[key] = ([ax.get_position() for ax in fig.axes],
                               renderer.copy_from_bbox(fig.bbox))
                while len(_fixed) > FIXED:
                    _fixed.popitem(last=False)
        for artist in moving:
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


def _draw_fixed(fig: Figure, renderer, moving):
    """Lay ``fig`` out and draw all of it but the artists ``moving``, an artist per step."""
    engine = fig.get_layout_engine()  # as Figure.draw does, one artist at a time
    if fig.axes and engine is not None:
        engine.execute(fig)
        yield
    animated = [artist.get_animated() for artist in moving]
    for artist in moving:
        artist.set_animated(True)  # (an axes draws no animated artist)
    try:
        renderer.clear()
        fig.patch.draw(renderer)
        for artist in fig._get_draw_artists(renderer):
            artist.draw(renderer)
            yield
    finally:
        for artist, was in zip(moving, animated):
            artist.set_animated(was)


def _style() -> str:
    """matplotlib's settings (rcParams) as text: read as the dict they are, 0.2 ms (through
    their mapping methods, 3.6 ms)."""
    rc = matplotlib.rcParams
    return repr(dict.items(rc) if isinstance(rc, dict) else sorted(rc.items()))


def _text_sizes(artists, renderer) -> tuple:
    """The width and height in pixels (to 0.01: a text's box varies in its last digits with its
    place) of each text among ``artists``; texts of one shape, e.g. '1,250 in total' and
    '3,400 in total', are of one size (hinted glyphs: whole pixels wide)."""
    return tuple((round(box.width, 2), round(box.height, 2)) for box in
                 (a.get_window_extent(renderer) for a in artists if isinstance(a, Text)))
