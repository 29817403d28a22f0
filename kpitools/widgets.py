"""Interactive explorers for the notebooks and a no-code rep dashboard (ipywidgets).

Each builder takes a ``CRMData`` and returns a ``KPIWidget`` (a VBox) without displaying it:
put it on a notebook's last line. ``.controls`` maps names to control widgets, ``.output`` is
the Output widget, ``.result`` the last computed frame, ``.figures`` the last drawn Figures and
``.error`` the last error (shown inside the output, never lost). Callbacks only call kpitools
functions and a plot function; setting ``.value`` on a control refreshes synchronously, so the
widgets can be driven from a plain Python test (``with w.hold(): ...`` sets several at once).
"""
from __future__ import annotations

import functools
import html

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from kpitools import exercises
from kpitools._repnumbers import (  # noqa: F401  (FALLBACKS: kt.widgets.FALLBACKS)
    FALLBACKS, RepIndex, _plan_inputs, _rep_rows, _today, plan_inputs)
from kpitools._widgetbase import (  # noqa: F401  (ALL_REPS, _format: kt.widgets.<name>)
    ALL_REPS, EACH_REP, KPIWidget, _GREY, _SLIDER, _built, _figure, _format, _named, _rep,
    _rep_dropdown)
from kpitools.activity import activity_ratios
from kpitools.funnel import stage_conversion
from kpitools.plan import plan
from kpitools.plots import (plot_activity_ratios, plot_funnel, plot_plan, plot_quota_gap,
                            plot_scorecard, plot_win_rate, scorecard_frames, team_frames)
from kpitools.quota import quota_gap
from kpitools.winrate import win_rate

__all__ = ["KPIWidget", "funnel_explorer", "win_rate_explorer", "activity_explorer",
           "quota_gap_explorer", "planner", "plan_inputs", "leading_lagging_quiz", "dashboard"]

NOT_CHOSEN = "(choose)"


def funnel_explorer(data) -> KPIWidget:
    """Where a rep's deals leak: stage-to-stage conversion under either counting policy.

    Parameters
    ----------
    data : CRMData

    Returns
    -------
    KPIWidget
        Controls ``rep`` and ``policy`` ("backfill": skipped stages count as passed; "strict":
        only recorded stage-by-stage moves); ``.result`` is the ``stage_conversion`` table.

    Examples
    --------
    >>> import kpitools as kt
    >>> w = funnel_explorer(kt.load_sample())
    >>> w.controls["policy"].value = "strict"
    >>> w.result["stage"].tolist()
    ['Qualify', 'Discover', 'Propose', 'Negotiate']
    """
    controls = {"rep": _rep_dropdown(data.opportunities),
                "policy": widgets.ToggleButtons(
                    options=[("Skipped stages count as passed", "backfill"),
                             ("Only recorded moves", "strict")], value="backfill",
                    description="Policy", style={"button_width": "auto"})}
    reps = RepIndex(data, ["opportunities", "stage_history"])

    def render(values, view):
        rep = _rep(values["rep"])
        frame = stage_conversion(reps.rows("stage_history", rep), reps.rows("opportunities", rep),
                                 stages=data.stages, policy=values["policy"])
        view.figure(plot_funnel(_named(frame, values["rep"]), ax=_figure()[1]).figure)
        view.table(frame)
        return frame

    return _built(KPIWidget(controls, render, title="Funnel: where do the deals leak?"))


def win_rate_explorer(data) -> KPIWidget:
    """Win rate with its likely range, by rep or another split, overall or per quarter.

    Parameters
    ----------
    data : CRMData

    Returns
    -------
    KPIWidget
        Controls ``rep``, ``by`` ("" for no split), ``period`` ("" or "QS"), ``weight``
        ("count" or "amount") and ``confidence``; ``.result`` is the ``win_rate`` table.

    Examples
    --------
    >>> import kpitools as kt
    >>> w = win_rate_explorer(kt.load_sample())
    >>> w.controls["by"].value = "rep"
    >>> len(w.result) > 1
    True
    """
    splits = [("No split", "")] + [(c.capitalize(), c) for c in
                                   ("rep", "source", "segment", "region", "product")
                                   if c in data.opportunities.columns]
    controls = {
        "rep": _rep_dropdown(data.opportunities),
        "by": widgets.Dropdown(options=splits, value="", description="Split by"),
        "period": widgets.Dropdown(options=[("All time", ""), ("Per quarter", "QS")], value="",
                                   description="Period"),
        "weight": widgets.Dropdown(options=[("Deal count", "count"), ("Deal value", "amount")],
                                   value="count", description="Weight"),
        "confidence": widgets.FloatSlider(value=0.9, min=0.5, max=0.99, step=0.01,
                                          readout_format=".0%", description="Confidence",
                                          **_SLIDER)}
    reps = RepIndex(data, ["opportunities"])

    def render(values, view):
        frame = win_rate(reps.rows("opportunities", _rep(values["rep"])),
                         by=values["by"] or None, freq=values["period"] or None,
                         weight=None if values["weight"] == "count" else values["weight"],
                         confidence=values["confidence"])
        ax = _figure(8, 1.6 + 0.35 * len(frame))[1]
        view.figure(plot_win_rate(_named(frame, values["rep"]), ax=ax,
                                  confidence=values["confidence"]).figure)
        view.table(frame)
        return frame

    return _built(KPIWidget(controls, render, title="Win rate: won / (won + lost)"))


def activity_explorer(data) -> KPIWidget:
    """A rep's activity ratios week by week or month by month, or every rep side by side.

    Parameters
    ----------
    data : CRMData

    Returns
    -------
    KPIWidget
        Controls ``rep`` (a rep, "All reps" or "Each rep (compare)"), ``period`` ("MS" or
        "W") and ``metric``; ``.result`` is the ``activity_ratios`` table.

    Examples
    --------
    >>> import kpitools as kt
    >>> w = activity_explorer(kt.load_sample())
    >>> w.controls["period"].value = "W"
    >>> "outreach_per_first_meeting" in w.result
    True
    """
    controls = {
        "rep": _rep_dropdown(data.activities, extra=[EACH_REP]),
        "period": widgets.ToggleButtons(options=[("Month", "MS"), ("Week", "W")], value="MS",
                                        description="Period"),
        "metric": widgets.Dropdown(options=[("Outreach per first meeting",
                                             "outreach_per_first_meeting"),
                                            ("First meetings with a next step", "next_step_rate")],
                                   value="outreach_per_first_meeting", description="Ratio")}
    reps = RepIndex(data, ["activities"])

    def render(values, view):
        frame = activity_ratios(reps.rows("activities", _rep(values["rep"])),
                                by="rep" if values["rep"] == EACH_REP else None,
                                freq=values["period"])
        view.figure(plot_activity_ratios(_named(frame, values["rep"]), values["metric"],
                                         ax=_figure()[1]).figure)
        view.table(frame)
        return frame

    return _built(KPIWidget(controls, render, title="Activity ratios"))


def quota_gap_explorer(data) -> KPIWidget:
    """Quota, closed-won and open pipeline by stage in a month: build pipeline or close it?

    Parameters
    ----------
    data : CRMData

    Returns
    -------
    KPIWidget
        Controls ``rep`` and ``month`` (a Timestamp; default the month of ``data.today``);
        ``.result`` holds the ``quota_gap`` rows shown (as of ``data.today``).

    Examples
    --------
    >>> import kpitools as kt
    >>> w = quota_gap_explorer(kt.load_sample())
    >>> w.controls["rep"].value = "Mei Lin"
    >>> w.result["rep"].tolist()
    ['Mei Lin']
    """
    today = _today(data)
    now = today.to_period("M").start_time
    months = sorted(set(data.quotas["period"].dropna()) | {now})
    controls = {"rep": _rep_dropdown(data.quotas, data.opportunities),
                "month": widgets.Dropdown(options=[(f"{m:%b %Y}", m) for m in months],
                                          value=now, description="Month")}

    @functools.cache
    def every_gap():  # the same for every choice: computed once, at the first render
        return quota_gap(data.opportunities, data.quotas, as_of=today, stages=data.stages)

    def render(values, view):
        gap = _rep_rows(every_gap(), _rep(values["rep"]))
        rows = gap[gap["period"].eq(values["month"]).to_numpy()].reset_index(drop=True)
        view.figure(plot_quota_gap(rows, ax=_figure(9, 2.5 + 0.45 * len(rows))[1]).figure)
        view.table(rows)
        return rows

    return _built(KPIWidget(controls, render,
                            title=f"Pipeline vs closed-won vs quota (as of {today:%d %b %Y})"))


def _headline(frame: pd.DataFrame) -> str:
    steps = frame.set_index("step")
    if "outreach" not in steps.index or pd.isna(steps.loc["outreach", "total"]):
        return "Not reachable with these numbers: a rate is 0."
    return (f"You need {steps.loc['outreach', 'per_week']:,.0f} outreach touches a week "
            f"({steps.loc['outreach', 'total']:,.0f} in all) to win "
            f"{steps.loc['deals', 'total']:,.0f} deals.")


def planner(data) -> KPIWidget:
    """Work back from the target to the outreach a week it takes, from a rep's own numbers.

    Choosing a rep prefills the sliders from their numbers (``plan_inputs``); moving a slider
    replans. The headline reads "You need N outreach touches a week".

    Parameters
    ----------
    data : CRMData

    Returns
    -------
    KPIWidget
        Controls ``rep, target, avg_deal_size, win_rate, next_step_rate,
        outreach_per_first_meeting, weeks``; ``.result`` is the ``plan`` table, ``.headline``
        the sentence and ``.notes`` where the prefilled numbers came from.

    Examples
    --------
    >>> import kpitools as kt
    >>> w = planner(kt.load_sample())
    >>> w.controls["rep"].value = "Mei Lin"
    >>> w.headline.startswith("You need")
    True
    """
    def slider(description, value, low, high, step, form):
        return widgets.FloatSlider(value=value, min=low, max=high, step=step,
                                   readout_format=form, description=description, **_SLIDER)

    controls = {
        "rep": _rep_dropdown(data.quotas, data.opportunities, data.activities),
        "target": slider("Target revenue", 0, 0, 1, 1, ",.0f"),  # ranges set by the rep
        "avg_deal_size": slider("Average deal size", 1, 1, 1, 1, ",.0f"),
        "win_rate": slider("Win rate", 0.25, 0.01, 1, 0.01, ".0%"),
        "next_step_rate": slider("First meetings with a next step", 0.5, 0.01, 1, 0.01, ".0%"),
        "outreach_per_first_meeting": slider("Outreach per first meeting", 10, 1, 100, 0.5,
                                             ".1f"),
        "weeks": widgets.IntSlider(value=4, min=1, max=52, description="Weeks", **_SLIDER)}
    filled_for = {}
    reps = RepIndex(data, ["opportunities", "quotas", "activities"])

    def render(values, view):
        if filled_for.get("rep") != values["rep"]:  # a new rep: prefill from their numbers
            inputs, widget.notes = _plan_inputs(data, _rep(values["rep"]), reps)
            inputs["target"] = inputs.pop("target_revenue")
            with widget.hold(refresh=False):
                for name, value in inputs.items():
                    control = widget.controls[name]
                    if name in ("target", "avg_deal_size"):  # a range around the rep's number
                        control.min, control.max = 0, max(value * 3, 1)
                        control.min = 0 if name == "target" else max(round(value / 10), 1)
                    elif name == "outreach_per_first_meeting":
                        control.max = max(control.max, value * 2)
                    control.value = round(value / control.step) * control.step
            filled_for["rep"], values = values["rep"], widget.values()
        frame = plan(values["target"], values["avg_deal_size"], values["win_rate"],
                     next_step_rate=values["next_step_rate"],
                     outreach_per_first_meeting=values["outreach_per_first_meeting"],
                     weeks=values["weeks"])
        widget.headline = _headline(frame)
        view.html(f"<h3>{html.escape(widget.headline)}</h3>")
        view.figure(plot_plan(frame, ax=_figure(8, 3.5)[1]).figure)
        view.html(_GREY.format("<br>".join(map(html.escape, widget.notes))))
        return frame

    sliders = list(controls.values())[1:]
    body = widgets.VBox([controls["rep"], widgets.HBox([widgets.VBox(sliders[:3]),
                                                        widgets.VBox(sliders[3:])])])
    widget = KPIWidget(controls, render, title="Plan your weeks", body=body)
    widget.headline, widget.notes = "", []
    return _built(widget)


def leading_lagging_quiz(catalogue_frame: pd.DataFrame, keys) -> KPIWidget:
    """Quiz: is each KPI leading (steer by it this week) or lagging (an outcome)?

    Parameters
    ----------
    catalogue_frame : DataFrame
        ``kt.catalogue()``.
    keys : sequence of str
        The KPI keys to ask about.

    Returns
    -------
    KPIWidget
        One dropdown per key in ``.controls``, instant feedback next to each; ``.result`` is
        ``key, name, answer, expected, ok`` (ok None while unanswered).

    Examples
    --------
    >>> import kpitools as kt
    >>> quiz = leading_lagging_quiz(kt.catalogue(), ["win_rate", "next_step_rate"])
    >>> quiz.controls["win_rate"].value = "lagging"
    >>> quiz.result["ok"].tolist()
    [True, None]
    """
    table = catalogue_frame.set_index("key")
    unknown = [k for k in keys if k not in table.index]
    if unknown:
        raise KeyError(f"leading_lagging_quiz: {unknown} are not KPIs. "
                       "See kt.catalogue() for valid keys.")
    controls = {k: widgets.Dropdown(options=[NOT_CHOSEN, "leading", "lagging"], value=NOT_CHOSEN,
                                    description=str(table.loc[k, "name"]),
                                    style={"description_width": "300px"},
                                    layout=widgets.Layout(width="450px")) for k in keys}
    marks = {k: widgets.HTML() for k in keys}
    hint = "Leading = activities and conversions you can change this week; lagging = outcomes."

    def render(values, view):
        rows = []
        for key, answer in values.items():
            expected = table.loc[key, "indicator"]
            feedback = exercises.check(... if answer == NOT_CHOSEN else answer, expected,
                                       hint=hint)
            marks[key].value = feedback._repr_html_()
            rows.append({"key": key, "name": table.loc[key, "name"], "answer": answer,
                         "expected": expected, "ok": feedback.ok})
        result = pd.DataFrame(rows, columns=["key", "name", "answer", "expected", "ok"])
        view.html(f"<b>{sum(result['ok'].eq(True))} of {len(result)} right so far.</b>")
        return result

    body = widgets.VBox([widgets.HBox([controls[k], marks[k]]) for k in keys])
    return _built(KPIWidget(controls, render, title="Leading or lagging?", body=body))


def dashboard(data) -> KPIWidget:
    """A no-code rep dashboard (for Voila): pick a rep, see the scorecard and the weekly plan.

    Parameters
    ----------
    data : CRMData

    Returns
    -------
    KPIWidget
        Control ``rep``; ``.result`` is a dict of frames: ``activity``, ``funnel``,
        ``win_rate``, ``quota_gap`` (see ``plots.scorecard_frames``) and ``plan``.

    Examples
    --------
    >>> import kpitools as kt
    >>> board = dashboard(kt.load_sample())
    >>> sorted(board.result)
    ['activity', 'funnel', 'plan', 'quota_gap', 'win_rate']
    """
    controls = {"rep": _rep_dropdown(data.quotas, data.opportunities, data.activities)}
    reps = RepIndex(data, ["opportunities", "quotas", "activities", "stage_history"])
    @functools.cache
    def team():  # the same for every rep: computed once, at the first render
        return team_frames(data, _today(data))

    def render(values, view):
        rep = _rep(values["rep"])
        frames = scorecard_frames(data, rep, reps=reps, team=team())
        inputs, notes = _plan_inputs(data, rep, reps)
        frames["plan"] = plan(**inputs)
        view.html(f"<h3>{html.escape(_headline(frames['plan']))}</h3>")
        view.figure(plot_scorecard(frames, fig=Figure(), title=f"{values['rep']} — as of "
                                                               f"{_today(data):%d %b %Y}"))
        view.figure(plot_plan(frames["plan"], ax=_figure(8, 3.5)[1]).figure)
        view.html(_GREY.format("<br>".join(map(html.escape, notes))))
        return frames

    return _built(KPIWidget(controls, render, title="Rep dashboard"))
