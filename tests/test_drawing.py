"""Figures drawn into PNG bytes in steps, on renderers kept between figures of one size."""
import io

import matplotlib
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


def drawn_by_matplotlib(fig: Figure) -> np.ndarray:
    fig.set_dpi(90)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())


def taken(steps) -> tuple:
    """The number of steps of a drawing, and its PNG."""
    count = 0
    while True:
        try:
            next(steps)
            count += 1
        except StopIteration as done:
            return count, done.value


def test_a_figure_drawn_in_steps_has_matplotlibs_pixels_and_a_step_per_artist():
    count, data = taken(png_steps(chart("Ann's deals")))
    assert count == 1 + 3  # the layout, two axes, the suptitle
    assert np.array_equal(pixels(data), drawn_by_matplotlib(chart("Ann's deals")))


def test_figures_of_one_size_share_a_renderer_but_never_one_half_way_through_a_figure():
    _drawing._free.clear()
    png(chart("first"))
    [kept] = _drawing._free.values()
    png(chart("second"))
    assert list(_drawing._free.values()) == [kept]  # the same renderer again
    ahead = png_steps(chart("drawn ahead"))
    next(ahead), next(ahead)  # half-way: its renderer is not lent
    clicked = png(chart("clicked"))
    assert np.array_equal(pixels(clicked), drawn_by_matplotlib(chart("clicked")))
    assert np.array_equal(pixels(finish(ahead)), drawn_by_matplotlib(chart("drawn ahead")))


def test_renderers_are_kept_for_a_few_sizes_only():
    _drawing._free.clear()
    for height in range(1, _drawing.SIZES + 3):
        png(Figure(figsize=(2, height)))
    assert len(_drawing._free) == _drawing.SIZES


def noted(widths: list, note: str) -> tuple:
    """A chart of fixed labels and title whose bars and side notes change (nothing fixed drawn
    over them: no ticks, no spines); its moving artists."""
    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.subplots()
    ax.barh([0, 1], widths)
    ax.set_xlim(0, max(widths) * 1.1)
    ax.set_xticks([])
    ax.spines[:].set_visible(False)
    ax.set_yticks([0, 1], ["Deals to win", "Outreach"])
    ax.tick_params(axis="y", length=0)
    ax.set_title("A fixed title")
    for y, width in enumerate(widths):
        ax.text(1.02, y, note.format(width), transform=ax.get_yaxis_transform(), clip_on=False)
    return fig, [*ax.patches, *ax.texts]


def test_a_figure_drawn_from_a_kept_fixed_part_has_matplotlibs_pixels():
    _drawing._fixed.clear()
    counts = []
    for widths, note in [([3, 5], "{:,} in total"), ([4, 9], "{:,} in total"),
                         ([1_000, 9_000], "{:,} in total"), ([1, 2], "not reachable ({})"),
                         ([7, 8], "{:,} in total")]:
        fig, moving = noted(widths, note)
        count, data = taken(png_steps(fig, same="noted", moving=moving))
        counts.append(count)
        assert np.array_equal(pixels(data), drawn_by_matplotlib(noted(widths, note)[0]))
    # notes of a new size: laid out and drawn in full (the layout, the axes, then 2 bars and
    # 2 notes); of a size seen: only the moving bars and notes are drawn
    assert counts == [6, 4, 6, 6, 4]
    assert len(_drawing._fixed) == 3


def test_a_changed_matplotlib_setting_draws_the_fixed_part_again():
    _drawing._fixed.clear()
    fig, moving = noted([3, 5], "{:,} in total")
    finish(png_steps(fig, same="noted", moving=moving))
    with matplotlib.rc_context({"axes.titlecolor": "red"}):  # a notebook's style: same sizes
        fig, moving = noted([4, 9], "{:,} in total")
        count, data = taken(png_steps(fig, same="noted", moving=moving))
        expected = drawn_by_matplotlib(noted([4, 9], "{:,} in total")[0])
    assert np.array_equal(pixels(data), expected)
    assert count == 6 and len(_drawing._fixed) == 2
