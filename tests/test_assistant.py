"""The import assistant, driven as a rep would: choose the export, check, choose, save."""
import datetime
from pathlib import Path

import pytest

import kpitools as kt
from kpitools import importing
from kpitools.assistant import NOT_CHOSEN, import_assistant
from kpitools.settings import Settings

REAL = Path(__file__).resolve().parent / "fixtures" / "real"


@pytest.fixture(autouse=True)
def user_folder(tmp_path, monkeypatch):
    """Uploads and logs go to a private user folder."""
    monkeypatch.setenv("KPITOOLS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_from_a_folder_to_saved_settings(tmp_path):
    a = import_assistant(tmp_path / "settings.json")
    assert a.buttons["save"].disabled  # nothing read yet
    a.controls["path"].value = str(REAL / "hubspot_default")
    a.buttons["look"].click()
    assert a.controls["crm"].value == "hubspot", a.message
    assert "Read as <b>HubSpot</b>: 45 deals, 165 stage changes" in a.panes["found"].value
    assert "<table" in a.panes["preview"].value
    # won and lost as the export's own flags decided, each label with its deal count
    assert a.controls["won"].value == ("Closed Won",)
    assert a.controls["lost"].value == ("Closed Lost",)
    assert ("Closed Won (15 deals)", "Closed Won") in a.controls["won"].options
    assert a.report_lines[0] == "Deals: 45 read, 45 kept."  # the CRM's own count
    assert any("kept with a warning: closed before created" in line for line in a.report_lines)
    owners = dict((v, k) for k, v in a.controls["me"].options)
    assert owners["Bruno Costa"] == "Bruno Costa (13 deals)"
    assert a.buttons["save"].disabled  # until the rep says who they are

    a.controls["me"].value = "Bruno Costa"
    a.controls["monthly_quota"].value = 40_000
    assert not a.buttons["save"].disabled
    a.buttons["save"].click()
    saved = Settings.read(tmp_path / "settings.json")
    assert saved == Settings(source=str(REAL / "hubspot_default"), preset="hubspot",
                             me="Bruno Costa", monthly_quota=40_000)
    assert a.message.startswith(f"Saved to {tmp_path / 'settings.json'}")
    assert "No first meetings are marked in your data" in a.message  # what the log must add

    data = kt.course_data(tmp_path / "settings.json")  # what every notebook now loads
    assert data.me == "Bruno Costa" and set(data.quotas["quota"]) == {40_000}


def test_uploaded_files_are_stored_in_the_user_folder(tmp_path, user_folder):
    a = import_assistant(tmp_path / "settings.json")
    files = sorted((REAL / "pipedrive").glob("*.csv"))
    a.controls["upload"].value = tuple(
        {"name": p.name, "type": "text/csv", "size": p.stat().st_size,
         "content": memoryview(p.read_bytes()),
         "last_modified": datetime.datetime(2024, 6, 3)} for p in files)
    assert a.controls["crm"].value == "pipedrive", a.message
    stored = Path(a.controls["path"].value)
    assert stored.parent == user_folder / "exports"
    assert sorted(p.name for p in stored.iterdir()) == [p.name for p in files]
    assert a.message.startswith("2 file(s) uploaded")


def test_saved_settings_are_the_starting_point(tmp_path):
    path = Settings(source=str(REAL / "pipedrive"), preset="pipedrive", me="Ana Ruiz",
                    monthly_quota=25_000).save(tmp_path / "settings.json")
    a = import_assistant(path)
    assert a.controls["path"].value == str(REAL / "pipedrive")
    assert a.controls["crm"].value == "pipedrive" and a.controls["monthly_quota"].value == 25_000
    a.buttons["look"].click()
    assert a.controls["me"].value == "Ana Ruiz" and not a.buttons["save"].disabled


def test_a_wrong_path_is_said_in_the_assistant(tmp_path):
    a = import_assistant(tmp_path / "settings.json")
    a.controls["path"].value = str(tmp_path / "nowhere")
    a.buttons["look"].click()
    assert a.message.startswith("⚠️ Not found:") and "nowhere" in a.panes["result"].value
    assert a.controls["me"].value == NOT_CHOSEN and a.buttons["save"].disabled
    a.controls["path"].value = ""
    a.buttons["look"].click()
    assert "Choose the export first" in a.message


def test_names_from_the_export_are_escaped(tmp_path):
    export = tmp_path / "opportunities.csv"
    export.write_text("opportunity_id,rep,created_at,amount,status,stage\n"
                      "1,<b>Ann</b>,2024-01-05,900,open,Qualify\n", encoding="utf-8")
    a = import_assistant(tmp_path / "settings.json")
    a.controls["path"].value = str(export)
    a.buttons["look"].click()
    assert "&lt;b&gt;Ann&lt;/b&gt;" in a.panes["preview"].value
    assert "<b>Ann</b>" not in a.panes["preview"].value


@pytest.mark.parametrize("folder, crm", [
    ("salesforce_report", "salesforce"), ("salesforce_data_export", "salesforce"),
    ("hubspot_default", "hubspot"), ("pipedrive", "pipedrive"),
    ("dynamics365", "dynamics365"), ("zoho", "zoho")])
def test_the_crm_is_told_from_the_headers_with_one_load(folder, crm):
    export = REAL / folder
    preset, data, tried = importing.detect(Settings(source=str(export)))
    assert preset == crm and len(data.opportunities) > 0
    assert len(tried) == 1, tried  # a big export is loaded once, not once per CRM


def test_an_export_no_preset_names_is_read_by_trying_them_all(tmp_path):
    (tmp_path / "opportunities.csv").write_text(
        "opportunity_id,rep,created_at,amount,status,stage\n1,Ann,2024-01-02,5,open,Qualify\n",
        encoding="utf-8")
    preset, data, tried = importing.detect(Settings(source=str(tmp_path)))
    assert preset is None and len(data.opportunities) == 1
    assert len(tried) == 6  # five CRMs keep nothing, the canonical columns do
