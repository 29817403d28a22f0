"""``log_today``: a small widget to keep the activity log (+1 buttons, a day, undo).

A thin layer over :class:`kpitools.mylog.ActivityLog`: each button is one call into the log,
then the day's tally is shown again. It can be driven from a plain Python test by setting
``.controls["day"].value`` and calling ``.buttons[name].click()``.
"""
from __future__ import annotations

import datetime as dt
import html

import ipywidgets as widgets
import pandas as pd

from kpitools._widgetbase import KPIWidget
from kpitools.mylog import ActivityLog
from kpitools.schema import OUTREACH_KINDS

# button name → (label, arguments of ActivityLog.add)
BUTTONS = {
    **{kind: (f"+1 {kind}", {"kind": kind}) for kind in OUTREACH_KINDS},
    "meeting_next_step": ("+1 first meeting, next step booked",
                          {"kind": "meeting", "first_meeting": True, "next_step": True}),
    "meeting_no_next_step": ("+1 first meeting, no next step",
                             {"kind": "meeting", "first_meeting": True}),
}
LABELS = {"call": "calls", "email": "emails", "social": "social", "event": "events",
          "first_meetings": "first meetings", "next_steps": "with a next step"}


def _when(day: dt.date) -> pd.Timestamp:
    """Now for today's entries (they keep their order), the day itself for another day."""
    now = pd.Timestamp.now().floor("s")
    return now if day == now.date() else pd.Timestamp(day)


def _entry_words(kind: str, next_step: bool) -> str:
    if kind != "meeting":
        return f"a {kind}"
    return "a first meeting" + (" with a next step" if next_step else "")


def log_today(log: ActivityLog | None = None) -> KPIWidget:
    """Log today's outreach and first meetings with one click each; undo the last click.

    Parameters
    ----------
    log : ActivityLog, optional
        Default: the log the settings name (``ActivityLog()``).

    Returns
    -------
    KPIWidget
        Control ``day`` (a date; default today); ``.buttons`` maps ``call, email, social,
        event, meeting_next_step, meeting_no_next_step, undo`` to Buttons; ``.result`` is the
        day's tally (:meth:`ActivityLog.tally`) and ``.message`` what the last click did.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> w = log_today(ActivityLog(pathlib.Path(tempfile.mkdtemp()) / "log.sqlite", rep="Ann"))
    >>> w.buttons["call"].click(); w.buttons["call"].click(); w.buttons["undo"].click()
    >>> w.result["call"], w.message
    (1, 'Removed a call of ...')
    """
    log = log if log is not None else ActivityLog()
    controls = {"day": widgets.DatePicker(value=dt.date.today(), description="Day")}

    def add(arguments):
        day = widget.controls["day"].value
        if day is None:
            raise ValueError("Pick a day first.")
        log.add(**arguments, at=_when(day))
        words = _entry_words(arguments["kind"], arguments.get("next_step", False))
        return f"Logged {words} on {day:%a %d %b}."

    def undo():
        entry = log.undo()
        if entry is None:
            return "Nothing to undo: the log is empty."
        words = _entry_words(entry["kind"], entry["next_step_scheduled"])
        return f"Removed {words} of {pd.Timestamp(entry['at']):%a %d %b}."

    def click(action):
        def handler(_button):
            try:
                widget.message = action()
            except ValueError as error:  # shown next to the buttons, never lost
                widget.message = f"⚠️ {error}"
            widget.refresh()
        return handler

    def render(values, view):
        if values["day"] is None:
            view.html("<p>Pick a day to see what you logged.</p>")
            return None
        tally = log.tally(values["day"])
        if widget.message:
            view.html(f"<p>{html.escape(widget.message)}</p>")
        view.html(f"<b>{values['day']:%A %d %B %Y}</b>, logged so far:")
        view.table(pd.DataFrame([tally]).rename(columns=LABELS))
        whose = f" ({log.rep})" if log.rep else ""
        view.html(f'<p style="color:#616161">{html.escape(str(log.path))}{html.escape(whose)}: '
                  f"{len(log):,} entries in all.</p>")
        return tally

    buttons = {name: widgets.Button(description=label, layout=widgets.Layout(width="auto"))
               for name, (label, _) in BUTTONS.items()}
    buttons["undo"] = widgets.Button(description="Undo last entry", icon="undo",
                                     layout=widgets.Layout(width="auto"))
    for name, (_, arguments) in BUTTONS.items():
        buttons[name].on_click(click(lambda arguments=arguments: add(arguments)))
    buttons["undo"].on_click(click(undo))
    names = list(BUTTONS)
    body = widgets.VBox([controls["day"],
                         widgets.HBox([buttons[n] for n in names[:len(OUTREACH_KINDS)]]),
                         widgets.HBox([buttons[n] for n in names[len(OUTREACH_KINDS):]]
                                      + [buttons["undo"]])])
    widget = KPIWidget(controls, render, title="Log today", body=body)
    widget.buttons, widget.message = buttons, ""
    widget.refresh()
    return widget
