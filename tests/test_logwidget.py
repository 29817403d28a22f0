"""The log-today widget, driven as a notebook user would: pick a day, click, undo."""
import datetime as dt

import pandas as pd
import pytest

from kpitools.logwidget import log_today
from kpitools.mylog import ActivityLog


@pytest.fixture
def log(tmp_path):
    return ActivityLog(tmp_path / "log.sqlite", rep="Ann")


def _html(widget) -> str:
    return " ".join(part["data"].get("text/html", "") for part in widget.output.outputs)


def test_buttons_log_to_the_day_picked(log):
    w = log_today(log)
    assert w.controls["day"].value == dt.date.today()
    w.controls["day"].value = dt.date(2024, 3, 4)
    for name in ("call", "call", "email", "social", "event", "meeting_next_step",
                 "meeting_no_next_step"):
        w.buttons[name].click()
    assert w.result == {"call": 2, "email": 1, "social": 1, "event": 1,
                        "first_meetings": 2, "next_steps": 1}
    assert w.result == log.tally("2024-03-04")  # the widget only shows what the log holds
    assert set(log.activities()["at"].dt.date) == {dt.date(2024, 3, 4)}
    assert "Logged a first meeting on Mon 04 Mar" in w.message
    assert "7 entries in all" in _html(w)

    w.controls["day"].value = dt.date(2024, 3, 5)  # another day: its own, empty tally
    assert w.result["call"] == 0


def test_today_entries_keep_the_time_they_were_logged(log):
    w = log_today(log)
    before = pd.Timestamp.now().floor("s")
    w.buttons["call"].click()
    assert log.activities()["at"].iloc[0] >= before


def test_undo_removes_the_last_click(log):
    w = log_today(log)
    w.controls["day"].value = dt.date(2024, 3, 4)
    w.buttons["email"].click()
    w.buttons["meeting_next_step"].click()
    w.buttons["undo"].click()
    assert w.message == "Removed a first meeting with a next step of Mon 04 Mar."
    assert w.result["first_meetings"] == 0 and w.result["email"] == 1
    w.buttons["undo"].click()
    w.buttons["undo"].click()
    assert w.message == "Nothing to undo: the log is empty." and len(log) == 0


def test_problems_are_shown_not_lost(tmp_path):
    w = log_today(ActivityLog(tmp_path / "log.sqlite", rep=""))
    w.buttons["call"].click()
    assert "whose log" in w.message and "⚠️" in _html(w)
    w.controls["day"].value = None
    w.buttons["call"].click()
    assert w.message == "⚠️ Pick a day first." and w.result is None


def test_a_rep_name_is_escaped(tmp_path):
    w = log_today(ActivityLog(tmp_path / "log.sqlite", rep="<b>Ann</b>"))
    assert "&lt;b&gt;Ann&lt;/b&gt;" in _html(w) and "<b>Ann</b>" not in _html(w)
