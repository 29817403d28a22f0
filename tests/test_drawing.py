"""Figures drawn into PNG bytes in steps, on renderers kept between figures of one size."""
import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from kpitools import _drawing
from kpitools._drawing import finish, png, png_steps


def chart(title: str) -> Figure:
    fig = Figure(figsize=(4, 3), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.barh(["Ann", "Bo"], [3, 5])
    right.plot([1, 2, 3], [2, 1, 3])
    fig.suptitle(title)
    return fig


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def drawn_by_matplotlib(title: str) -> np.ndarray:
    fig = chart(title)
    fig.set_dpi(90)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())


def test_a_figure_drawn_in_steps_has_matplotlibs_pixels_and_a_step_per_artist():
    steps = png_steps(chart("Ann's deals"))
    count = 0
    while True:
        try:
            next(steps)
            count += 1
        except StopIteration as done:
            data = done.value
            break
    assert count == 1 + 3  # the layout, two axes, the suptitle
    assert np.array_equal(pixels(data), drawn_by_matplotlib("Ann's deals"))


def test_figures_of_one_size_share_a_renderer_but_never_one_half_way_through_a_figure():
    _drawing._free.clear()
    png(chart("first"))
    [kept] = _drawing._free.values()
    png(chart("second"))
    assert list(_drawing._free.values()) == [kept]  # the same renderer again
    ahead = png_steps(chart("drawn ahead"))
    next(ahead), next(ahead)  # half-way: its renderer is not lent
    clicked = png(chart("clicked"))
    assert np.array_equal(pixels(clicked), drawn_by_matplotlib("clicked"))
    assert np.array_equal(pixels(finish(ahead)), drawn_by_matplotlib("drawn ahead"))


def test_renderers_are_kept_for_a_few_sizes_only():
    _drawing._free.clear()
    for height in range(1, _drawing.SIZES + 3):
        png(Figure(figsize=(2, height)))
    assert len(_drawing._free) == _drawing.SIZES
