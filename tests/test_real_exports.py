"""kpitools on CRM exports as the CRMs write them: the same figures the CRM itself shows.

Each case loads one folder of tests/fixtures/real with the preset a user would pick (and the
settings a user would have to give, such as the order of custom stages or the names of
translated closed stages), then compares won, lost, win rate, revenue per currency, kept
stage-history, activity and quota rows, the quota total, outreach and median days in stage
with the plain-pandas figures of tests/real_figures.py.
"""
from __future__ import annotations

import functools
import math

import pytest

import kpitools as kt
from tests import real_figures as ref

# How a user loads each folder: the preset and the settings they would have to name.
LOADS = {
    "salesforce_data_export": ("salesforce", {"stages": ref.STAGES["salesforce_data_export"]}),
    "salesforce_goals": ("salesforce", {}),
    "salesforce_dataloader": ("salesforce", {}),
    "salesforce_report": ("salesforce", {}),
    "hubspot_default": ("hubspot", {}),
    "hubspot_calls": ("hubspot", {}),
    "hubspot_custom_flags": ("hubspot", {"stages": ref.STAGES["hubspot_custom_flags"]}),
    "hubspot_custom_labels_de": ("hubspot", {"stages": ref.STAGES["hubspot_custom_labels_de"],
                                             **ref.CLOSED_LABELS["hubspot_custom_labels_de"]}),
    "dynamics365": ("dynamics365", {}),
    "zoho": ("zoho", {}),
    "pipedrive": ("pipedrive", {}),
}

# Currency names some CRMs export instead of ISO codes; a loader may keep either spelling.
CURRENCY_NAMES = {"US Dollar": "USD", "Euro": "EUR"}

# What load_crm on main does today (issue 14); the loader rebuild removes these marks.
XFAIL: dict = {}  # every figure of every export matches the CRM's own


@functools.cache
def expected(fixture: str) -> dict:
    return ref.FIGURES[fixture]()


@functools.cache
def loaded(fixture: str):
    preset, settings = LOADS[fixture]
    try:
        return kt.load_crm(ref.REAL / fixture, preset=preset, **settings)
    except Exception as error:  # noqa: BLE001 - each figure's test re-raises it
        return error


def data_of(fixture: str):
    data = loaded(fixture)
    if isinstance(data, Exception):
        raise data.with_traceback(None)   # the message says it all; a deep trace costs seconds
    return data


def revenue(data) -> dict:
    opps = data.opportunities
    if "currency" in opps.columns and opps["currency"].notna().any():
        table = kt.deal_metrics(opps, by="currency")
        return {c: float(v) for c, v in zip(table["currency"], table["revenue"])}
    return {None: float(kt.deal_metrics(opps)["revenue"].iloc[0])}


def median_days(data, fixture: str) -> dict:
    table = kt.stage_conversion(data.stage_history, data.opportunities,
                                stages=ref.STAGES[fixture])
    return dict(zip(table["stage"], table["median_days_in_stage"].astype(float)))


KPITOOLS = {
    "won": lambda data, _: int(kt.win_rate(data.opportunities)["won"].iloc[0]),
    "lost": lambda data, _: int(kt.win_rate(data.opportunities)["lost"].iloc[0]),
    "win_rate": lambda data, _: float(kt.win_rate(data.opportunities)["win_rate"].iloc[0]),
    "revenue": lambda data, _: revenue(data),
    "history_rows": lambda data, _: len(data.stage_history),
    "median_days_in_stage": median_days,
    "activity_rows": lambda data, _: len(data.activities),
    "outreach": lambda data, _: int(kt.activity_ratios(data.activities)["outreach"].iloc[0]),
    "quota_rows": lambda data, _: len(data.quotas),
    "quota_total": lambda data, _: float(data.quotas["quota"].sum()),
}


def same(got, want) -> bool:
    """Equal counts, equal floats to 1e-9 (NaN equals NaN), equal dicts of those."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return False
        got = {CURRENCY_NAMES.get(k, k): v for k, v in got.items()}
        want = {CURRENCY_NAMES.get(k, k): v for k, v in want.items()}
        return got.keys() == want.keys() and all(same(got[k], want[k]) for k in want)
    if isinstance(want, float):
        return (math.isnan(want) and math.isnan(got)) or got == pytest.approx(want, rel=1e-9)
    return got == want


def cases():
    for fixture in LOADS:
        for figure in expected(fixture):
            reason = XFAIL.get((fixture, figure)) or XFAIL.get((fixture, "*"))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(fixture, figure, id=f"{fixture}-{figure}", marks=marks)


@pytest.mark.parametrize("fixture, figure", list(cases()))
def test_real_export_gives_the_crms_figure(fixture, figure):
    got = KPITOOLS[figure](data_of(fixture), fixture)
    want = expected(fixture)[figure]
    assert same(got, want), f"{fixture}: {figure} is {got!r}, the CRM says {want!r}"
