"""Interactive explorers for the notebooks and a no-code rep dashboard (ipywidgets).

Each builder takes a ``CRMData`` and returns a ``KPIWidget`` (a VBox) without displaying it:
put it on a notebook's last line. ``.controls`` maps names to control widgets, ``.output`` is
the Output widget, ``.result`` the last computed frame, ``.figures`` the last drawn Figures and
``.error`` the last error (shown inside the output, never lost). Callbacks only call kpitools
functions and a plot function; setting ``.value`` on a control refreshes synchronously, so the
widgets can be driven from a plain Python test (``with w.hold(): ...`` sets several at once).
"""
from __future__ import annotations

import base64
import html
import io
import math
import warnings
from contextlib import contextmanager

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from kpitools import exercises
from kpitools.activity import activity_ratios
from kpitools.deals import deal_metrics
from kpitools.funnel import stage_conversion
from kpitools.plan import plan
from kpitools.plots import (_rep_rows, _today, plot_activity_ratios, plot_funnel, plot_plan,
                            plot_quota_gap, plot_scorecard, plot_win_rate, scorecard_frames)
from kpitools.quota import quota_gap
from kpitools.schema import SchemaError
from kpitools.winrate import win_rate

__all__ = ["KPIWidget", "funnel_explorer", "win_rate_explorer", "activity_explorer",
           "quota_gap_explorer", "planner", "plan_inputs", "leading_lagging_quiz", "dashboard"]

ALL_REPS = "All reps"
EACH_REP = "Each rep (compare)"
NOT_CHOSEN = "(choose)"
FALLBACKS = {"avg_deal_size": 10_000.0, "win_rate": 0.25, "next_step_rate": 0.5,
             "outreach_per_first_meeting": 10.0}  # when neither the rep nor the team has data
_SLIDER = {"continuous_update": False, "style": {"description_width": "initial"},
           "layout": widgets.Layout(width="420px")}
_MONEY = ("amount", "revenue", "quota", "closed_won", "gap", "open_pipeline", "avg_deal_size",
          "won_amount", "lost_amount")
_SHARES = ("conversion", "attainment", "win_rate", "ci_low", "ci_high", "width")
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
        self.html(_format(frame).to_html(index=False, border=0, na_rep="–"))

    def figure(self, fig: Figure) -> None:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90, pil_kwargs={"compress_level": 1})
        self.figures.append(fig)
        self._add({"image/png": base64.b64encode(buffer.getvalue()).decode(),
                   "text/plain": "<Figure>"})


def _format(frame: pd.DataFrame) -> pd.DataFrame:
    """Rates as %, money with thousands separators, dates as days (for display only)."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            out[column] = values.dt.strftime("%Y-%m-%d")
            continue
        if pd.api.types.is_integer_dtype(values):
            out[column] = values.map(lambda v: "–" if pd.isna(v) else f"{v:,}")
        if not pd.api.types.is_float_dtype(values):
            continue
        form = ("{:.0%}" if column in _SHARES or column.endswith("_rate") else
                "{:,.0f}" if column in _MONEY or column.startswith("pipeline_") else
                "{:.1f}×" if column == "coverage" else "{:,.1f}")
        out[column] = values.map(lambda v: "–" if pd.isna(v) else form.format(v))
    return out.rename(columns=lambda c: str(c).replace("_", " "))  # headers may wrap


def _figure(width: float = 8, height: float = 4.5):
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots()


def _rep_dropdown(*frames: pd.DataFrame, extra=()) -> widgets.Dropdown:
    reps = sorted({r for f in frames if "rep" in f for r in f["rep"].dropna().astype(str).unique()})
    return widgets.Dropdown(options=[ALL_REPS, *extra, *reps], value=ALL_REPS, description="Rep")


def _rep(value: str) -> str | None:
    return None if value in (ALL_REPS, EACH_REP) else value


def _named(frame: pd.DataFrame, rep: str) -> pd.DataFrame:
    """The frame with the chosen rep as a column, so the chart names whose numbers it shows."""
    return frame.assign(rep=rep) if _rep(rep) and "rep" not in frame else frame


def _built(widget: KPIWidget) -> KPIWidget:
    widget.refresh()  # render once at build time
    return widget


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

    def render(values, view):
        frame = stage_conversion(data.stage_history,
                                 _rep_rows(data.opportunities, _rep(values["rep"])),
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

    def render(values, view):
        frame = win_rate(_rep_rows(data.opportunities, _rep(values["rep"])),
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

    def render(values, view):
        frame = activity_ratios(_rep_rows(data.activities, _rep(values["rep"])),
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

    def render(values, view):
        gap = _rep_rows(quota_gap(data.opportunities, data.quotas, as_of=today,
                                  stages=data.stages), _rep(values["rep"]))
        rows = gap[gap["period"].eq(values["month"]).to_numpy()].reset_index(drop=True)
        view.figure(plot_quota_gap(rows, ax=_figure(9, 2.5 + 0.45 * len(rows))[1]).figure)
        view.table(rows)
        return rows

    return _built(KPIWidget(controls, render,
                            title=f"Pipeline vs closed-won vs quota (as of {today:%d %b %Y})"))


def _own_numbers(data, rep: str | None, today: pd.Timestamp) -> dict:
    opps = _rep_rows(data.opportunities, rep)
    try:
        gap = quota_gap(opps, _rep_rows(data.quotas, rep), by=None, as_of=today,
                        stages=data.stages)
        now = gap[gap["period"].eq(today.to_period("M").start_time).to_numpy()]
    except SchemaError:  # e.g. an export without expected_close: no target from the data
        now = pd.DataFrame({"gap": [], "quota": []})
    ratios = activity_ratios(_rep_rows(data.activities, rep)).iloc[0]
    return {"gap": now["gap"].iloc[0] if len(now) else np.nan,
            "quota": now["quota"].iloc[0] if len(now) else np.nan,
            "avg_deal_size": deal_metrics(opps)["avg_deal_size"].iloc[0],
            "win_rate": win_rate(opps)["win_rate"].iloc[0],
            "next_step_rate": ratios["next_step_rate"],
            "outreach_per_first_meeting": ratios["outreach_per_first_meeting"]}


def _usable(value) -> bool:
    """A number a plan can use: not missing, above 0 (a 0% rate cannot plan anything)."""
    return value is not None and not pd.isna(value) and value > 0


def _plan_inputs(data, rep: str | None) -> tuple[dict, list[str]]:
    """``plan`` keyword arguments from a rep's numbers, and notes on where each came from."""
    today = _today(data)
    own = _own_numbers(data, rep, today)
    team = {} if rep else own  # the team's numbers, computed only when a rep's are missing
    inputs, notes = {}, []
    for name in FALLBACKS:
        inputs[name] = own[name]
        if not _usable(inputs[name]):
            team = team or _own_numbers(data, None, today)
            inputs[name] = team[name] if _usable(team[name]) else FALLBACKS[name]
            notes.append(f"{name.replace('_', ' ')}: " + (
                f"{rep} has no usable number yet, so the team's is used" if _usable(team[name])
                else "no data yet, so a typical value is used"))
    month = today.to_period("M")
    if _usable(own["gap"]):
        target, weeks = own["gap"], max(math.ceil(((month.end_time - today).days + 1) / 7), 1)
        notes.insert(0, f"target: what is still open of {month:%B}'s quota, in the weeks left")
    elif _usable(own["quota"]):
        target, weeks = own["quota"], 4
        notes.insert(0, f"target: a full monthly quota over 4 weeks ({month:%B}'s is reached)")
    else:
        target = float(data.quotas["quota"].median()) if len(data.quotas) else 0.0
        weeks = 4
        notes.insert(0, "target: no quota found, so a typical monthly quota over 4 weeks")
    inputs = {k: float(v) for k, v in inputs.items()}
    return {"target_revenue": float(target), **inputs, "weeks": int(weeks)}, notes


def plan_inputs(data, rep: str | None = None) -> dict:
    """The ``plan`` arguments from one rep's own numbers (the team's where theirs are missing).

    Target: what is still open of this month's quota (as of ``data.today``) over the weeks
    left, or a full monthly quota over 4 weeks once it is reached. Average deal size from
    ``deal_metrics``, win rate from ``win_rate``, next-step rate and outreach per first meeting
    from ``activity_ratios``.

    Parameters
    ----------
    data : CRMData
    rep : str, optional
        A rep's name; None for the team.

    Returns
    -------
    dict
        ``target_revenue, avg_deal_size, win_rate, next_step_rate,
        outreach_per_first_meeting, weeks``: pass them on with ``kt.plan(**inputs)``.

    Examples
    --------
    >>> import kpitools as kt
    >>> inputs = plan_inputs(kt.load_sample(), "Mei Lin")
    >>> kt.plan(**inputs)["step"].tolist()
    ['deals', 'opportunities', 'first_meetings', 'outreach']
    """
    return _plan_inputs(data, rep)[0]


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

    def render(values, view):
        if filled_for.get("rep") != values["rep"]:  # a new rep: prefill from their numbers
            inputs, widget.notes = _plan_inputs(data, _rep(values["rep"]))
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

    def render(values, view):
        rep = _rep(values["rep"])
        frames = scorecard_frames(data, rep)
        inputs, notes = _plan_inputs(data, rep)
        frames["plan"] = plan(**inputs)
        view.html(f"<h3>{html.escape(_headline(frames['plan']))}</h3>")
        view.figure(plot_scorecard(frames, fig=Figure(), title=f"{values['rep']} — as of "
                                                               f"{_today(data):%d %b %Y}"))
        view.figure(plot_plan(frames["plan"], ax=_figure(8, 3.5)[1]).figure)
        view.html(_GREY.format("<br>".join(map(html.escape, notes))))
        return frames

    return _built(KPIWidget(controls, render, title="Rep dashboard"))
