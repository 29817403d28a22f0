"""The plan chart as the planner and the dashboard draw it: its title and row labels drawn once
and kept, its bars and notes drawn for each plan; the same pixels as matplotlib draws, nothing
cut off, whatever the numbers."""
import base64

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

import kpitools as kt
from kpitools import _drawing
from kpitools import widgets as kw
from kpitools._coachwidgets import _plan_figure
from kpitools._drawing import finish, png_steps
from kpitools._widgetbase import _View
from tests.test_drawing import drawn_by_matplotlib, pixels

MONTH = 52 / 12


def shown(frame) -> tuple:
    """The plan chart's figure as the widgets draw it, and its PNG."""
    view = _View()
    _plan_figure(view, frame)
    [fig] = view.figures
    return fig, finish(png_steps(fig, **view.fixed[fig]))


def cut_off(fig: Figure) -> list:
    """The texts of ``fig`` (laid out as drawn) that do not lie inside it."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    assert len(texts) >= 9  # the title, 4 row labels, 4 notes
    return [t.get_text() for t in texts
            if not fig.bbox.contains(*t.get_window_extent(renderer).min)
            or not fig.bbox.contains(*t.get_window_extent(renderer).max)]


PLANS = {  # one after the other: notes of a new size, of a size seen, and extremes
    "a plan": (100_000, 5_000, 0.25, 0.5, 12),
    "another of its shape": (160_000, 8_000, 0.3, 0.6, 14),
    "very large totals": (3e9, 1, 0.01, 0.01, 100),
    "not reachable": (100_000, 5_000, 0.0, 0.5, 12),
    "no target yet": (np.nan, 5_000, 0.25, 0.5, 12),
    "a plan again": (120_000, 6_000, 0.25, 0.5, 12),
}


@pytest.fixture(scope="module")
def drawn():
    _drawing._fixed.clear()
    return {name: shown(kt.plan(target, deal, win, next_step_rate=step,
                                outreach_per_first_meeting=outreach, weeks=MONTH))
            for name, (target, deal, win, step, outreach) in PLANS.items()}


def fresh(frame) -> Figure:
    """The plan chart of ``frame`` as plot_plan draws it on a new figure."""
    return kt.plots.plot_plan(frame, ax=Figure(figsize=(8, 3.5), layout="constrained")
                              .subplots()).figure


def test_the_plan_chart_has_matplotlibs_pixels_and_is_drawn_from_its_kept_fixed_part(drawn):
    for name, (target, deal, win, step, outreach) in PLANS.items():
        frame = kt.plan(target, deal, win, next_step_rate=step,
                        outreach_per_first_meeting=outreach, weeks=MONTH)
        assert np.array_equal(pixels(drawn[name][1]), drawn_by_matplotlib(fresh(frame))), name
    assert len(_drawing._fixed) == 4  # two plans' notes were of a size seen before


def test_no_text_of_the_plan_chart_is_cut_off(drawn):
    assert "3,000,000,000,000,000 in total\n692,307,692,307,693 a week" in \
        [t.get_text() for t in drawn["very large totals"][0].axes[0].texts]
    assert {name: cut_off(fig) for name, (fig, _) in drawn.items()} == \
        {name: [] for name in PLANS}


def test_a_planner_slider_move_shows_matplotlibs_drawing_of_its_plan_from_the_kept_part():
    _drawing._fixed.clear()
    w = kw.planner(kt.course_data("sample"))
    for value in (0.2, 0.35, 0.5, 0.6):
        w.controls["win_rate"].value = value
        [png] = [o["data"]["image/png"] for o in w.output.outputs if "image/png" in o["data"]]
        assert np.array_equal(pixels(base64.b64decode(png)), drawn_by_matplotlib(fresh(w.result)))
    assert {key[0][0] for key in _drawing._fixed} == {"plot_plan"}
