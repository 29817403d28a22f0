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

import ipywidgets as widgets
import pandas as pd

from kpitools import exercises
from kpitools._coachwidgets import dashboard, planner
from kpitools._repindex import RepIndex, rep_rows
from kpitools._widgetbase import (  # noqa: F401  (ALL_REPS: kt.widgets.ALL_REPS)
    ALL_REPS, EACH_REP, KEEP, KPIWidget, _SLIDER, _built, _figure, _named, _rep, _rep_dropdown)
from kpitools.activity import activity_ratios
from kpitools.coaching import (  # noqa: F401  (plan_inputs: kt.widgets.plan_inputs)
    coverage_needed, plan_inputs, today)
from kpitools.funnel import stage_conversion
from kpitools.plots import plot_activity_ratios, plot_funnel, plot_quota_gap, plot_win_rate
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

    return _built(KPIWidget(controls, render, title="Funnel: where do the deals leak?",
                            keep=KEEP))


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

    return _built(KPIWidget(controls, render, title="Win rate: won / (won + lost)", keep=KEEP))


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

    return _built(KPIWidget(controls, render, title="Activity ratios", keep=KEEP))


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
    now_day = today(data)
    now = now_day.to_period("M").start_time
    months = sorted(set(data.quotas["period"].dropna()) | {now})
    controls = {"rep": _rep_dropdown(data.quotas, data.opportunities),
                "month": widgets.Dropdown(options=[(f"{m:%b %Y}", m) for m in months],
                                          value=now, description="Month")}

    @functools.cache
    def every_gap():  # the same for every choice: computed once, at the first render
        gap = quota_gap(data.opportunities, data.quotas, as_of=now_day, stages=data.stages)
        return coverage_needed(gap, data, as_of=now_day)

    def render(values, view):
        gap = rep_rows(every_gap(), _rep(values["rep"]))
        rows = gap[gap["period"].eq(values["month"]).to_numpy()].reset_index(drop=True)
        view.figure(plot_quota_gap(rows, ax=_figure(9, 2.5 + 0.45 * len(rows))[1]).figure)
        view.table(rows)
        return rows

    return _built(KPIWidget(controls, render, keep=KEEP,
                            title=f"Pipeline vs closed-won vs quota (as of {now_day:%d %b %Y})"))


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

    def render(values, view):
        rows = []
        for key, answer in values.items():
            expected = table.loc[key, "indicator"]
            feedback = (exercises.Feedback(None, exercises.NOT_CHOSEN) if answer == NOT_CHOSEN
                        else exercises.check(answer, expected, why=_why(table.loc[key])))
            marks[key].value = feedback._repr_html_()
            rows.append({"key": key, "name": table.loc[key, "name"], "answer": answer,
                         "expected": expected, "ok": feedback.ok})
        result = pd.DataFrame(rows, columns=["key", "name", "answer", "expected", "ok"])
        view.html(f"<b>{sum(result['ok'].eq(True))} of {len(result)} right so far.</b>")
        return result

    body = widgets.VBox([widgets.HBox([controls[k], marks[k]]) for k in keys])
    return _built(KPIWidget(controls, render, title="Leading or lagging?", body=body))


def _why(row: pd.Series) -> str:
    """Why a KPI leads or lags, from what it counts (its formula in the catalogue)."""
    if row["indicator"] == "lagging":
        return (f"{row['name']} is counted once the outcome is decided ({row['formula']}): you "
                "read it after the fact, even when it is a conversion rate.")
    return (f"{row['name']} measures work, or deals still in progress ({row['formula']}): you "
            "can move it this week.")
