"""The coaching widgets: the weekly planner and the no-code rep dashboard (private; both are
``kpitools.widgets.<name>``). Every number comes from ``kpitools.coaching``, the same functions
notebooks 05 and 06 call, so a rep sees one answer wherever they look.
"""
from __future__ import annotations

import functools
import html

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from kpitools import display
from kpitools._repindex import RepIndex
from kpitools._widgetbase import (_GREY, _SLIDER, KEEP, KPIWidget, _built, _figure, _rep,
                                  _rep_dropdown)
from kpitools.coaching import (headline, on_track, rep_plan, scorecard_frames,
                               starter_figures, team_frames, team_numbers, today)
from kpitools.plan import plan
from kpitools.plots import plot_plan
from kpitools.scorecard import plot_scorecard


def _chosen(data, rep_control: widgets.Dropdown, rep: str | None) -> None:
    """Start a rep dropdown on ``rep``, else on ``data.me`` when that rep is in the list."""
    rep = rep if rep is not None else getattr(data, "me", None)
    if rep in rep_control.options:
        rep_control.value = rep


def planner(data, rep: str | None = None) -> KPIWidget:
    """Work back from a monthly quota to the outreach a week it takes (the course's plan).

    Choosing a rep sets the sliders to exactly the inputs of ``kt.coaching.rep_plan`` (the
    planning rule and the small-sample rule; the notes under the chart say where each number
    came from); moving a slider replans. The headline reads "You need N outreach touches a
    week"; a month is 52 / 12 weeks. Its answers are kept, and once a rep has been chosen the
    other reps' plans are drawn ahead (``KPIWidget``).

    Parameters
    ----------
    data : CRMData
    rep : str, optional
        The rep to start with; default ``data.me``, else all reps.

    Returns
    -------
    KPIWidget
        Controls ``rep, target, avg_deal_size, win_rate, next_step_rate,
        outreach_per_first_meeting``; ``.result`` is the ``plan`` table, ``.plan`` the
        ``RepPlan`` of the chosen rep, ``.headline`` the sentence and ``.notes`` where the
        starting numbers came from.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> w = planner(data, rep="Mei Lin")
    >>> w.headline.startswith("You need")
    True
    >>> w.result.equals(kt.coaching.rep_plan(data, "Mei Lin").table())
    True
    """
    def slider(description, low, high, step, form):
        return widgets.FloatSlider(value=low, min=low, max=high, step=step,
                                   readout_format=form, description=description, **_SLIDER)

    controls = {
        "rep": _rep_dropdown(data.quotas, data.opportunities, data.activities),
        "target": slider("Monthly quota", 0, 1, 1, ",.0f"),  # ranges set by the rep
        "avg_deal_size": slider("Average deal size", 1, 2, 1, ",.0f"),
        "win_rate": slider("Win rate", 0.01, 1, 0.01, ".0%"),
        "next_step_rate": slider("First meetings with a next step", 0.01, 1, 0.01, ".0%"),
        "outreach_per_first_meeting": slider("Outreach per first meeting", 1, 100, 0.5, ".1f")}
    _chosen(data, controls["rep"], rep)
    reps = RepIndex(data, ["opportunities", "quotas", "activities"])
    team = functools.cache(lambda: team_numbers(data.opportunities, data.activities))
    plans = functools.cache(lambda chosen: rep_plan(data, _rep(chosen), reps=reps, team=team()))

    def render(values, view):  # the control values' answer only: it is kept, drawn ahead
        chosen = plans(values["rep"])
        yield
        frame = plan(values["target"], values["avg_deal_size"], values["win_rate"],
                     next_step_rate=values["next_step_rate"],
                     outreach_per_first_meeting=values["outreach_per_first_meeting"],
                     weeks=chosen.weeks)
        view.html(f"<h3>{html.escape(headline(frame, chosen.close_month))}</h3>")
        if frame["total"].iloc[0] > 0:  # a chart of zeros says nothing
            _plan_figure(view, frame)
        view.html(_GREY.format("<br>".join(map(html.escape, chosen.notes()))))
        return frame

    sliders = list(controls.values())[1:]
    body = widgets.VBox([controls["rep"], widgets.HBox([widgets.VBox(sliders[:3]),
                                                        widgets.VBox(sliders[3:])])])
    return _built(_Planner(controls, render, plans, title="Plan your weeks", body=body,
                           keep=KEEP, follow={"rep": lambda v: _starts(plans(v["rep"]))}))


class _Planner(KPIWidget):
    """The planner's ``KPIWidget``: ``.plan``, ``.headline`` and ``.notes`` are those of the
    answer shown, and the sliders' ranges fit a rep's numbers when it is chosen."""

    def __init__(self, controls: dict, render, plans, **kwargs):
        self._plans = plans  # rep (as the dropdown shows it) -> RepPlan
        super().__init__(controls, render, **kwargs)

    def _set(self, values: dict) -> None:
        with self.hold(refresh=False):  # a range first, so that the value is not clipped
            for name, value in values.items():
                _range_around(self.controls[name], name, value)
            super()._set(values)

    @property
    def plan(self):
        """The ``RepPlan`` of the rep shown."""
        return self._plans(self._shown["rep"])

    @property
    def headline(self) -> str:
        """The plan shown in one sentence ("" when it failed)."""
        return "" if self.result is None else headline(self.result, self.plan.close_month)

    @property
    def notes(self) -> list[str]:
        """Where the rep's starting numbers came from, one sentence each."""
        return self.plan.notes()


def _starts(chosen) -> dict:
    """The slider values a rep's ``RepPlan`` starts at: its ``kt.plan`` inputs, exactly (as
    floats, as the sliders hold them; no target yet: 0)."""
    inputs = chosen.kwargs()
    inputs["target"] = inputs.pop("target_revenue")
    del inputs["weeks"]
    return {name: 0.0 if np.isnan(value) else float(value) for name, value in inputs.items()}


def _range_around(control: widgets.FloatSlider, name: str, value: float) -> None:
    """A slider range that holds ``value`` with room to move either way."""
    if name in ("target", "avg_deal_size"):
        value = 0 if np.isnan(value) else value  # no target yet: the rep sets one
        control.max = max(value * 3, 2, control.min)
        control.min = 0 if name == "target" else 1
        control.step = max(10 ** (len(f"{value:.0f}") - 3), 1)  # ~100 steps over the value
    elif name == "outreach_per_first_meeting":
        control.max = max(control.max, value * 2)
        control.min = min(control.min, value)
    else:
        control.min = min(control.min, value)


def _plan_figure(view, frame) -> None:
    """Show the plan chart of ``frame``: its title and row labels are those of its steps, only
    its bars and notes change from plan to plan, so the rest is drawn once (``_drawing``)."""
    ax = plot_plan(frame, ax=_figure(8, 3.5)[1])
    view.figure(ax.figure)
    view.fix(ax.figure, ("plot_plan", *frame["step"]), [*ax.patches, *ax.texts])


def dashboard(data, rep: str | None = None) -> KPIWidget:
    """A no-code rep dashboard (for Voila): pick a rep and a role, see the weekly plan, whether
    the month is on track, the starter set, the scorecard and the plan chart.

    Parameters
    ----------
    data : CRMData
    rep : str, optional
        The rep to start with; default ``data.me``, else all reps.

    Returns
    -------
    KPIWidget
        Controls ``rep`` and ``role`` ("ae" or "sdr": which starter set); ``.result`` is a
        dict of frames: ``activity``, ``funnel``, ``win_rate``, ``quota_gap`` (see
        ``kt.coaching.scorecard_frames``), ``plan`` (``rep_plan(data, rep).table()``),
        ``on_track`` and ``starter``.

    Examples
    --------
    >>> import kpitools as kt
    >>> board = dashboard(kt.load_sample())
    >>> sorted(board.result)
    ['activity', 'funnel', 'on_track', 'plan', 'quota_gap', 'starter', 'win_rate']
    """
    controls = {"rep": _rep_dropdown(data.quotas, data.opportunities, data.activities),
                "role": widgets.ToggleButtons(options=[("Account executive", "ae"),
                                                       ("SDR", "sdr")], value="ae",
                                              description="Role")}
    _chosen(data, controls["rep"], rep)
    reps = RepIndex(data, ["opportunities", "quotas", "activities", "stage_history", "leads"])
    now = today(data)

    @functools.cache
    def team():  # the same for every rep: computed once, at the first render
        return team_frames(data, now), team_numbers(data.opportunities, data.activities)

    def render(values, view):  # in steps: a drawing ahead pauses between them
        rep = _rep(values["rep"])
        frames = scorecard_frames(data, rep, as_of=now, reps=reps, team=team()[0])
        yield
        chosen = rep_plan(data, rep, as_of=now, reps=reps, team=team()[1])
        frames["plan"] = chosen.table()
        frames["on_track"] = on_track(data, rep, as_of=now, plan=chosen, reps=reps)
        yield
        frames["starter"] = starter_figures(data, rep, values["role"], as_of=now, reps=reps)
        yield
        view.html(f"<h3>{html.escape(chosen.headline())}</h3>")
        view.html(display.table(frames["on_track"], row_kind="unit",
                                caption=f"On track? {now:%B} so far, as of {now:%d %b}"
                                ).to_html())
        view.html(display.table(frames["starter"], caption="What to watch first").to_html())
        view.figure(plot_scorecard(frames, fig=Figure(), title=f"{values['rep']} — as of "
                                                               f"{now:%d %b %Y}"))
        yield
        if frames["plan"]["total"].iloc[0] > 0:  # no target, no plan chart
            _plan_figure(view, frames["plan"])
        view.html(_GREY.format("<br>".join(map(html.escape, chosen.notes()))))
        return frames

    return _built(KPIWidget(controls, render, title="Rep dashboard", keep=KEEP, eager=True))
