"""The personal activity log: entries, undo, crash safety, two writers, CSV in and out, merge."""
import os
import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

import kpitools as kt
from kpitools.mylog import ActivityLog, merge
from kpitools.settings import ENV_VAR, Settings

T = pd.Timestamp


@pytest.fixture
def log(tmp_path):
    return ActivityLog(tmp_path / "log.sqlite", rep="Ann")


def test_entries_come_back_as_canonical_activities(log):
    log.add("call", at="2024-03-04 09:30")
    log.add("meeting", at="2024-03-04 11:00", first_meeting=True, next_step=True, lead_id="L1")
    acts = log.activities()
    assert acts[["rep", "kind", "is_first_meeting", "next_step_scheduled"]].values.tolist() == [
        ["Ann", "call", False, False], ["Ann", "meeting", True, True]]
    assert acts["at"].tolist() == [T("2024-03-04 09:30"), T("2024-03-04 11:00")]
    assert acts["at"].dtype == "datetime64[us]" and acts["activity_id"].is_unique
    # the KPI functions take them as they are: 1 outreach, 1 first meeting with a next step
    ratios = kt.activity_ratios(acts).iloc[0]
    assert (ratios.outreach, ratios.first_meetings, ratios.next_step_rate) == (1, 1, 1.0)


def test_tally_counts_one_day(log):
    for kind in ("call", "call", "email", "social", "event"):
        log.add(kind, at="2024-03-04")
    log.add("meeting", at="2024-03-04", first_meeting=True)
    log.add("call", at="2024-03-05")
    assert log.tally("2024-03-04") == {"call": 2, "email": 1, "social": 1, "event": 1,
                                       "first_meetings": 1, "next_steps": 0}
    assert log.tally(T("2024-03-05 17:00"))["call"] == 1


def test_undo_removes_the_latest_entry_only(log):
    assert log.undo() is None  # nothing logged yet (and no file made)
    assert not log.path.exists()
    log.add("call", at="2024-03-04")
    log.add("meeting", at="2024-03-01", first_meeting=True)  # logged last, dated earlier
    removed = log.undo()
    assert removed["kind"] == "meeting" and removed["is_first_meeting"] is True
    assert log.activities()["kind"].tolist() == ["call"]


def test_bad_entries_say_what_to_do(log, tmp_path):
    with pytest.raises(ValueError, match="'fax' is not an activity kind.*'call'"):
        log.add("fax")
    with pytest.raises(ValueError, match="only a meeting.*kind='meeting'"):
        log.add("call", first_meeting=True)
    with pytest.raises(ValueError, match="first_meeting=True"):
        log.add("meeting", next_step=True)
    with pytest.raises(ValueError, match="whose log.*rep="):
        ActivityLog(tmp_path / "other.sqlite", rep="").add("call")
    assert len(log) == 0


def test_rep_and_path_come_from_the_settings(tmp_path, monkeypatch):
    path = Settings(me="Zoë", activity_log="mine.sqlite").save(tmp_path / "s.json")
    monkeypatch.setenv(ENV_VAR, str(path))
    log = ActivityLog()
    assert (log.path, log.rep) == (tmp_path / "mine.sqlite", "Zoë")


def _python(code: str, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_an_entry_survives_the_writer_being_killed(tmp_path):
    """A kernel killed right after logging (no clean exit, no close) loses nothing."""
    path = tmp_path / "log.sqlite"
    writer = _python("""
        import os, signal, sys
        from kpitools.mylog import ActivityLog
        log = ActivityLog(sys.argv[1], rep="Ann")
        for _ in range(3):
            log.add("call", at="2024-03-04")
        print("logged", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """, path)
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == -signal.SIGKILL and out.strip() == "logged", err
    assert ActivityLog(path).tally("2024-03-04")["call"] == 3


def test_two_processes_write_at_once(tmp_path):
    """Two writers (two notebooks' kernels) log in a tight loop at the same time; every entry
    is kept and neither one fails on a locked database."""
    path, go = tmp_path / "log.sqlite", tmp_path / "go"
    code = """
        import sys, time
        from pathlib import Path
        from kpitools.mylog import ActivityLog
        log = ActivityLog(sys.argv[1], rep=sys.argv[2])
        while not Path(sys.argv[3]).exists():
            time.sleep(0.01)
        for i in range(150):
            log.add("email" if i % 2 else "call", at="2024-03-04")
            if i % 50 == 0:
                log.tally("2024-03-04")  # reading while the other one writes
        print("done", flush=True)
    """
    writers = [_python(code, path, rep, go) for rep in ("Ann", "Bo")]
    ActivityLog(path, rep="Ann").add("event", at="2024-03-01")  # the file exists for both
    go.touch()
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0 and out.strip() == "done", err
    acts = ActivityLog(path).activities()
    assert acts.groupby("rep").size().to_dict() == {"Ann": 151, "Bo": 150}
    assert acts["activity_id"].is_unique


def test_csv_round_trip_and_no_double_import(log, tmp_path):
    log.add("call", at="2024-03-04 09:00", lead_id="004211")
    log.add("meeting", at="2024-03-05", first_meeting=True, next_step=True)
    path = log.export_csv(tmp_path / "my log.csv")
    other = ActivityLog(tmp_path / "other.sqlite", rep="Ann")
    report = other.import_csv(path)
    assert other.activities().drop(columns=[]).equals(log.activities())  # IDs keep zeros
    assert int(report.overview().set_index("table").loc["activities", "excluded"]) == 0
    again = other.import_csv(path)
    assert len(other) == 2 and "0 of 2 kept rows" in again.notes[-1]
    assert "2 were already in the log" in again.notes[-1]


def test_malformed_csv_rows_get_the_loaders_quality_report(log, tmp_path):
    path = tmp_path / "phone notes.csv"
    path.write_text(
        "activity_id,rep,at,kind,is_first_meeting,next_step_scheduled\n"
        "a1,Ann,2024-03-01,call,no,no\n"
        "a2,Ann,yesterday,call,no,no\n"
        "a3,Ann,2024-03-02,meeting,yes,yes\n"
        "a3,Ann,2024-03-02,meeting,yes,yes\n"
        "a4,Ann,2024-03-02,fax,no,no\n"
        "a5,Ann,2024-03-02,email,no,no,oops\n", encoding="utf-8")
    report = log.import_csv(path)
    expected = kt.load_crm(path).quality  # exactly what loading it as an export reports
    pd.testing.assert_frame_equal(report.excluded, expected.excluded)
    assert sorted(report.excluded["reason"]) == ["duplicate id", "unknown kind",
                                                 "unparseable date", "wrong number of fields"]
    assert report.excluded["row"].tolist() == [1, 3, 4, 5]
    assert log.activities()["activity_id"].tolist() == ["a1", "a3"]
    assert log.activities()["next_step_scheduled"].tolist() == [False, True]


def test_a_file_without_activities_is_refused(log, tmp_path):
    path = tmp_path / "quotas.csv"
    path.write_text("rep,period,quota\nAnn,2024-03-01,100\n", encoding="utf-8")
    with pytest.raises(ValueError, match="holds no activities.*activity_id, rep, at and kind"):
        log.import_csv(path)


# --- merging with an export -----------------------------------------------------------------

def _export():
    acts = pd.DataFrame({
        "activity_id": ["x1", "x2", "x3", "x4", "x5", "x6"],
        "rep": ["Ann", "Ann", "Ann", "Ann", "Bo", "Ann"],
        "at": ["2024-03-04 09:00", "2024-03-04 10:00", "2024-03-04 15:00", "2024-03-05 10:00",
               "2024-03-04 09:00", "2024-03-04 16:00"],
        "kind": ["call", "call", "meeting", "email", "call", "call"],
        "lead_id": ["L1", "L2", "L3", None, None, None],
    })
    return kt.clean({"activities": acts})


def _entries(rows):
    frame = pd.DataFrame(rows, columns=["rep", "at", "kind", "is_first_meeting",
                                        "next_step_scheduled", "lead_id"])
    frame.insert(0, "activity_id", [f"log-{i}" for i in range(len(frame))])
    frame["at"] = pd.to_datetime(frame["at"])
    return frame


def test_merge_counts_an_activity_in_both_once():
    entries = _entries([
        ("Ann", "2024-03-04", "call", False, False, "L1"),     # = x1 (same lead)
        ("Ann", "2024-03-04", "call", False, False, None),     # = one of x2, x6 (no lead named)
        ("Ann", "2024-03-04", "call", False, False, None),     # = the other one
        ("Ann", "2024-03-04", "call", False, False, None),     # a third unnamed call: new
        ("Ann", "2024-03-04", "call", False, False, "L9"),     # another lead: new
        ("Ann", "2024-03-04", "meeting", True, True, "L3"),    # = x3, adds the flags
        ("Ann", "2024-03-05", "email", False, False, "L4"),    # = x4, which names no lead
        ("Ann", "2024-03-06", "social", False, False, None),   # nothing that day: new
    ])
    data = _export()
    merged = merge(data, entries)
    acts = merged.activities
    assert len(acts) == 6 + 3
    assert sorted(acts.loc[acts["from_log"], "activity_id"]) == ["log-3", "log-4", "log-7"]
    meeting = acts.set_index("activity_id").loc["x3"]
    assert meeting.is_first_meeting and meeting.next_step_scheduled
    ratios = kt.activity_ratios(acts.query("rep == 'Ann'")).iloc[0]
    # x1, x2, x6, x4 from the export; log-3, log-4, log-7 from the log
    assert (ratios.outreach, ratios.first_meetings, ratios.next_steps) == (7, 1, 1)
    note = merged.quality.notes[-1]
    assert "8 entries; 3 added" in note and "5 already in the export" in note
    assert "1 export meetings marked as first meetings" in note
    assert "x3" in data.activities["activity_id"].tolist()
    assert not data.activities.get("is_first_meeting", pd.Series([False])).any()  # not mutated


def test_merge_matches_counts_one_to_one():
    """Five calls logged on a day the export holds three (no lead named) add two."""
    acts = kt.clean({"activities": pd.DataFrame({
        "activity_id": ["x1", "x2", "x3"], "rep": "Ann", "at": "2024-03-04", "kind": "call"})})
    entries = _entries([("Ann", "2024-03-04", "call", False, False, None)] * 5)
    merged = merge(acts, entries).activities
    assert len(merged) == 5 and merged["from_log"].sum() == 2


def test_merge_with_an_empty_log_changes_nothing(log):
    data = _export()
    assert merge(data, log) is data


def test_merge_adds_activities_to_an_export_without_any(log):
    log.add("meeting", at="2024-03-04", first_meeting=True, next_step=False)
    data = kt.clean({"opportunities": pd.DataFrame({
        "opportunity_id": ["o1"], "rep": ["Ann"], "created_at": ["2024-03-01"], "amount": [5.0],
        "status": ["open"], "stage": ["Qualify"]})})
    merged = merge(data, log)
    assert merged.activities["kind"].tolist() == ["meeting"]
    assert len(merged.opportunities) == 1 and "1 added" in merged.quality.notes[-1]
