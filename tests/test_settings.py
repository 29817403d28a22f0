"""Course settings: a JSON round trip, where they are looked for, and the data they give."""
import json

import pytest

import kpitools as kt
from kpitools.settings import ENV_VAR, Settings, find


def test_settings_round_trip_through_a_file(tmp_path):
    settings = Settings(source="export", preset="hubspot", closed_won=["Gewonnen"],
                        me="Zoë Ünal", monthly_quota=40_000.0)
    path = settings.save(tmp_path / "me" / "settings.json")
    assert json.loads(path.read_text(encoding="utf-8"))["me"] == "Zoë Ünal"
    again = Settings.read(path)
    assert again == settings
    assert again.sources() == [tmp_path / "me" / "export"]  # relative to the file


def test_unknown_key_names_the_valid_ones(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"prest": "salesforce"}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['prest'\].*'preset'"):
        Settings.read(path)


def test_broken_json_says_how_to_fix(tmp_path):
    path = tmp_path / "s.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON.*import assistant"):
        Settings.read(path)


def test_environment_names_the_file_or_the_sample(tmp_path, monkeypatch):
    path = Settings(me="Ann").save(tmp_path / "s.json")
    monkeypatch.setenv(ENV_VAR, str(path))
    assert find().me == "Ann"
    monkeypatch.setenv(ENV_VAR, "sample")
    assert find() is None
    assert find(str(path)).me == "Ann"  # an explicit choice wins over the environment


def test_course_data_is_the_sample_without_settings(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "sample")
    data = kt.course_data()
    assert data.me == "Sam Carter" and len(data.opportunities) == len(kt.load_sample().opportunities)


def test_course_data_loads_the_export_the_settings_name():
    settings = Settings(source=str(kt.sample.SAMPLE_DIR / "maven"), preset="maven",
                        me="Darcel Schlecht")
    data = kt.course_data(settings)
    assert data.me == "Darcel Schlecht"
    assert (data.opportunities["rep"] == "Darcel Schlecht").any()
