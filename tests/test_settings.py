"""Course settings: a JSON round trip, where they are looked for, and the data they give."""
import json

import pytest

import kpitools as kt
from kpitools.settings import ENV_VAR, Settings, find, save_settings, user_folder


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


def test_save_settings_changes_one_field_and_keeps_the_others(tmp_path, monkeypatch):
    path = Settings(source="export", preset="hubspot", me="Ann").save(tmp_path / "s.json")
    monkeypatch.setenv(ENV_VAR, str(path))
    assert save_settings(monthly_quota=40_000) == path  # the file the environment names
    assert Settings.read(path) == Settings(source="export", preset="hubspot", me="Ann",
                                           monthly_quota=40_000)
    with pytest.raises(ValueError, match="unknown key.*'quota'"):
        save_settings(quota=1)


def test_save_settings_without_a_file_writes_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("KPITOOLS_HOME", str(tmp_path / "mine"))
    monkeypatch.setenv(ENV_VAR, "sample")
    path = save_settings(me="Ann")
    assert path == tmp_path / "mine" / "settings.json" and Settings.read(path).me == "Ann"


def test_the_user_folder_is_the_systems_unless_named(monkeypatch):
    monkeypatch.delenv("KPITOOLS_HOME")
    assert user_folder().name == "kpitools" and "kpitools-test-home" not in str(user_folder())


def test_log_path_is_relative_to_the_settings_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KPITOOLS_HOME", str(tmp_path / "home"))
    assert Settings().log_path() == tmp_path / "home" / "activity_log.sqlite"
    path = Settings(activity_log="logs/mine.sqlite").save(tmp_path / "s.json")
    assert Settings.read(path).log_path() == tmp_path / "logs" / "mine.sqlite"
