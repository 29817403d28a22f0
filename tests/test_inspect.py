"""kt.io.inspect: which table and CRM each file is, how its columns would be read, the labels and
owners an import assistant offers, and the settings it saves."""
from pathlib import Path

import pandas as pd

import kpitools as kt

REAL = Path(__file__).parent / "fixtures" / "real"


def test_each_crm_export_is_recognised_with_its_tables():
    expected = {"salesforce_dataloader": ("salesforce", {"opportunities", "stage_history",
                                                         "activities"}),
                "hubspot_custom_flags": ("hubspot", {"opportunities"}),
                "dynamics365": ("dynamics365", {"opportunities"}),
                "zoho": ("zoho", {"opportunities"}),
                "pipedrive": ("pipedrive", {"opportunities", "activities"})}
    for folder, (crm, tables) in expected.items():
        plan = kt.io.inspect(REAL / folder)
        assert plan.preset == crm, folder
        assert {f.table for f in plan.files} == tables, folder
        assert all(0 < f.confidence <= 1 for f in plan.files)


def test_mapping_labels_and_owners_come_from_the_file():
    plan = kt.io.inspect(REAL / "hubspot_custom_flags")
    deals = plan.files[0]
    raw = pd.read_csv(next((REAL / "hubspot_custom_flags").glob("*.csv")), dtype=str)
    assert deals.mapping["stage"] == "Deal Stage" and deals.mapping["amount"] == "Amount"
    assert "Is Closed Won" in deals.mapping["status"]  # the CRM's own flags
    assert plan.labels.to_dict() == raw["Deal Stage"].value_counts().to_dict()
    assert plan.owners == sorted(raw["Deal owner"].dropna().unique())
    assert len(deals.preview) == 5 and list(deals.preview.columns) == list(raw.columns)


def test_settings_from_a_plan_load_the_export(tmp_path):
    plan = kt.io.inspect(REAL / "zoho")
    settings = plan.settings(me="Ana Ruiz")
    assert (settings.preset, settings.me) == ("zoho", "Ana Ruiz")
    data = kt.load_crm(settings=settings.save(tmp_path / "s.json"))
    assert len(data.opportunities) > 0


def test_a_preset_given_is_used_for_every_file():
    plan = kt.io.inspect(REAL / "pipedrive", preset="salesforce")
    assert plan.preset == "salesforce"
    assert all(f.crm in (None, "salesforce") for f in plan.files)
