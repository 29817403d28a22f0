"""Each preset on a small fixture written with the CRM's own headers, then the two public
datasets with headline KPIs checked against plain pandas on the raw CSV."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kpitools as kt

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]
MAVEN = REPO / "sample_data" / "maven"
OLIST = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "olist_marketing_funnel"
T = pd.Timestamp


def by_id(frame, column="opportunity_id"):
    return frame.set_index(column)


def excluded_rows(data, table):
    ex = data.quality.excluded
    return ex[ex["table"] == table].set_index("row")["reason"].to_dict()


def notes(data):
    return " | ".join(data.quality.notes)


def test_presets_are_plain_data():
    def walk(value):
        if isinstance(value, dict):
            return all(isinstance(k, str) and walk(v) for k, v in value.items())
        if isinstance(value, (tuple, list)):
            return all(walk(v) for v in value)
        return value is None or isinstance(value, (str, bool))
    assert walk(kt.PRESETS)
    assert set(kt.PRESETS) == {"salesforce", "hubspot", "pipedrive", "dynamics365", "zoho",
                               "maven", "olist"}
    assert kt.PRESETS["salesforce"]["stages"][-1] == "Negotiation/Review"


@pytest.mark.parametrize("preset", ["salesforce", "hubspot", "pipedrive", "maven", "olist"])
def test_every_fixture_row_is_kept_or_excluded_with_a_reason(preset):
    data = kt.load_crm(FIXTURES / preset, preset=preset)
    overview = data.quality.overview().set_index("table")
    assert (overview["read"] == overview["kept"] + overview["excluded"]).all()
    ex = data.quality.excluded
    for table, frame in data.tables().items():
        assert len(frame) == overview.loc[table, "kept"]
        # A file row is one record; HubSpot's stage history has one record per filled
        # 'Date entered' cell, so there the cell's column is part of the key.
        key = ["file", "row"] + (["header"] if "unpivot" in kt.PRESETS[preset]["tables"].get(
            table, {}) else [])
        assert ex.loc[ex["table"] == table].drop_duplicates(key).shape[0] == \
            overview.loc[table, "excluded"]
    assert ex["reason"].ne("").all() and ex["file"].ne("").all()


# --- Salesforce -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def salesforce():
    return kt.load_crm(FIXTURES / "salesforce", preset="salesforce")


def test_salesforce_status_from_won_closed_and_close_date_split(salesforce):
    opps = by_id(salesforce.opportunities)
    assert opps["status"].to_dict() == {"0065g00000AbCd1": "won", "0065g00000AbCd2": "lost",
                                        "0065g00000AbCd3": "open", "0065g00000AbCd4": "open",
                                        "0065g00000AbCd6": "won"}
    assert opps.loc["0065g00000AbCd1", "closed_at"] == T("2024-03-15")
    assert pd.isna(opps.loc["0065g00000AbCd1", "expected_close"])
    assert opps.loc["0065g00000AbCd3", "expected_close"] == T("2024-05-31")
    assert pd.isna(opps.loc["0065g00000AbCd3", "closed_at"])
    assert opps.loc["0065g00000AbCd2", "amount"] == 8500.0  # "$8,500.00"
    assert opps["source"].iloc[0] == "Web" and "Forecast Category" in opps


def test_salesforce_probability_is_rescaled_with_a_note(salesforce):
    assert by_id(salesforce.opportunities)["probability"].tolist() == [1.0, 0.0, 0.75, 0.1, 1.0]
    assert "'Probability (%)' is on a 0–100 scale" in notes(salesforce)


def test_salesforce_report_problems_and_footer(salesforce):
    assert excluded_rows(salesforce, "opportunities") == {
        4: "duplicate id", 5: "non-numeric amount",
        **{row: "report footer" for row in range(7, 14)}}
    assert "footer line(s)" in notes(salesforce)
    # Closed on 1/5, created on 2/1: kept (won counts) and flagged, out of cycle times.
    flagged = salesforce.quality.flagged
    assert flagged[["file", "row", "reason"]].values.tolist() == [
        ["Opportunities_report.csv", 6, "closed before created"]]
    opps = by_id(salesforce.opportunities)
    assert opps["closed_before_created"].to_dict() == {
        "0065g00000AbCd1": False, "0065g00000AbCd2": False, "0065g00000AbCd3": False,
        "0065g00000AbCd4": False, "0065g00000AbCd6": True}


def test_salesforce_history_ids_are_cut_to_15_and_time_zones_converted(salesforce):
    history = salesforce.stage_history
    assert set(history["opportunity_id"]) == {"0065g00000AbCd1", "0065g00000AbCd2",
                                              "0065g00000AbCd3"}
    row = history[history["stage"] == "Qualification"].set_index("opportunity_id")
    assert row.loc["0065g00000AbCd3", "entered_at"] == T("2024-02-02 04:30")  # -0500 → UTC
    assert excluded_rows(salesforce, "stage_history") == {7: "orphan foreign key",
                                                          8: "unknown stage"}


def test_salesforce_activities_kinds_and_related_ids(salesforce):
    acts = by_id(salesforce.activities, "activity_id")
    assert acts["kind"].to_dict() == {"00T5g00000Tk001": "call", "00T5g00000Tk002": "email",
                                      "00U5g00000Ev001": "meeting", "00T5g00000Tk003": "other",
                                      "00T5g00000Tk005": "other"}
    assert pd.isna(acts.loc["00T5g00000Tk002", "opportunity_id"])  # an account, not a deal
    assert acts.loc["00T5g00000Tk002", "What Id"] == "0015g00000Ac001"
    assert acts.loc["00T5g00000Tk001", "lead_id"] == "00Q5g00000Ld001"
    assert excluded_rows(salesforce, "activities") == {4: "unparseable date"}


# --- HubSpot ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hubspot():
    return kt.load_crm(FIXTURES / "hubspot", preset="hubspot")


def test_hubspot_deals_status_and_internal_stage_names(hubspot):
    opps = by_id(hubspot.opportunities)
    assert opps["status"].tolist() == ["won", "lost", "open", "open", "open"]
    assert opps.loc["18475927367", "stage"] == "Appointment Scheduled"  # appointmentscheduled
    assert excluded_rows(hubspot, "opportunities") == {}
    assert opps["rep"].iloc[4] == "(unassigned)"  # no Deal owner: the CRM counts it too


def test_hubspot_history_unpivots_straight_and_curly_quotes(hubspot):
    history = hubspot.stage_history
    northwind = history[history["opportunity_id"] == "18475927364"].set_index("stage")
    assert northwind["entered_at"].to_dict() == {
        "Appointment Scheduled": T("2024-01-08 09:15"),  # +01:00 → UTC
        "Qualified To Buy": T("2024-01-20 11:00"),  # “curly” header
        "Contract Sent": T("2024-03-01 09:00"), "Closed Won": T("2024-03-28 16:02")}
    assert set(history["pipeline"]) == {"Sales Pipeline"}
    assert len(history) == hubspot.quality.rows_read["stage_history"]  # Wingtip's too


def test_hubspot_calls_and_meetings(hubspot):
    acts = hubspot.activities
    assert acts.groupby("kind").size().to_dict() == {"call": 3, "meeting": 2}
    assert excluded_rows(hubspot, "activities") == {3: "duplicate id"}


# --- Pipedrive --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pipedrive():
    return kt.load_crm(FIXTURES / "pipedrive", preset="pipedrive")


def test_pipedrive_cp1252_semicolons_and_decimal_commas(pipedrive):
    opps = by_id(pipedrive.opportunities)
    assert opps["amount"].to_dict() == {"101": 12000.0, "102": 1250.5, "103": 3400.0}
    assert opps.loc["101", "rep"] == "Jürgen Weiß"
    assert opps["status"].to_dict() == {"101": "won", "102": "lost", "103": "open"}
    assert opps.loc["101", "closed_at"] == T("2024-02-27 16:40")
    assert opps.loc["102", "closed_at"] == T("2024-02-20 11:00")
    assert opps.loc["103", "expected_close"] == T("2024-04-30")
    assert opps.loc["102", "loss_reason"] == "Preis zu hoch"
    assert excluded_rows(pipedrive, "opportunities") == {
        3: "negative amount", 4: "unknown status", 5: "closed deal without closed_at"}


def test_pipedrive_activities_day_first_dates_and_kinds(pipedrive):
    acts = by_id(pipedrive.activities, "activity_id")
    assert acts.loc["9003", "at"] == T("2024-02-01")  # 01.02.2024 is 1 February
    assert acts["kind"].to_dict() == {"9001": "call", "9002": "meeting", "9003": "email",
                                      "9004": "other"}
    assert excluded_rows(pipedrive, "activities") == {4: "orphan foreign key"}
    assert "read as day/month/year" in notes(pipedrive)


# --- Maven and Olist fixtures -----------------------------------------------------------
def test_maven_fixture_joins_and_product_spelling():
    data = kt.load_crm(FIXTURES / "maven", preset="maven")
    opps = by_id(data.opportunities)
    assert opps.loc["Z063OYW0", ["product", "series", "manager", "region", "segment"]].tolist() \
        == ["GTX Pro", "GTX", "Melvin Marxen", "Central", "medical"]
    assert pd.isna(opps.loc["HAXMC4IX", "amount"]) and opps.loc["HAXMC4IX", "status"] == "open"
    assert excluded_rows(data, "opportunities") == {4: "missing value"}  # Prospecting
    assert "'GTXPro' written 'GTX Pro'" in notes(data)
    assert "data_dictionary.csv" in notes(data) and "README.md" in notes(data)


def test_olist_fixture_blank_origin_rep_and_early_win():
    data = kt.load_crm(FIXTURES / "olist", preset="olist")
    assert by_id(data.leads, "lead_id")["source"].to_dict() == {
        "aa01": "organic_search", "aa02": "paid_search", "aa03": "(no origin)", "aa04": "unknown",
        "aa05": "organic_search", "aa06": "(no origin)"}
    assert set(data.leads["rep"]) == {"(unassigned)"}
    opps = by_id(data.opportunities)
    assert opps.loc["aa03", ["created_at", "source", "segment", "status"]].tolist() == [
        T("2018-01-12"), "(no origin)", "car_accessories", "won"]
    assert excluded_rows(data, "opportunities") == {}
    assert data.quality.flagged[["row", "reason"]].values.tolist() == [
        [2, "closed before created"]]
    assert "no lost deals" in notes(data)


# --- the real datasets ------------------------------------------------------------------
@pytest.fixture(scope="module")
def maven():
    return kt.load_crm(MAVEN, preset="maven")


@pytest.fixture(scope="module")
def maven_raw():
    return pd.read_csv(MAVEN / "sales_pipeline.csv", parse_dates=["engage_date", "close_date"])


def test_maven_rows_accounted_for(maven, maven_raw):
    assert maven.quality.overview().set_index("table").loc["opportunities"].tolist() == [
        len(maven_raw), len(maven_raw) - 500, 500, 0]
    ex = maven.quality.excluded
    prospecting = set(maven_raw.index[maven_raw["deal_stage"] == "Prospecting"])
    assert set(ex["row"]) == prospecting and set(ex["header"]) == {"engage_date"}
    assert maven.opportunities["product"].isin(
        pd.read_csv(MAVEN / "products.csv")["product"]).all()  # GTXPro → GTX Pro, none lost
    assert maven.opportunities[["region", "manager"]].notna().all().all()


def test_maven_headline_kpis_match_plain_pandas(maven, maven_raw):
    stage = maven_raw["deal_stage"]
    won_raw = maven_raw[stage == "Won"]
    expected_rate = (stage == "Won").sum() / stage.isin(["Won", "Lost"]).sum()
    expected_size = won_raw["close_value"].mean()
    expected_cycle = ((won_raw["close_date"] - won_raw["engage_date"]).dt.days).mean()
    opps = maven.opportunities
    if hasattr(kt, "win_rate"):
        rate = kt.win_rate(opps)
        assert rate[["won", "lost"]].iloc[0].tolist() == [4238, 2473]
        assert rate["win_rate"].iloc[0] == pytest.approx(expected_rate)
    else:  # pragma: no cover - KPI modules not there yet
        assert (opps["status"] == "won").mean() > 0
    if hasattr(kt, "deal_metrics"):
        metrics = kt.deal_metrics(opps).iloc[0]
        assert metrics["avg_deal_size"] == pytest.approx(expected_size)
        assert metrics["avg_cycle_days"] == pytest.approx(expected_cycle)
    won = opps[opps["status"] == "won"]
    assert won["amount"].mean() == pytest.approx(expected_size)
    assert ((won["closed_at"] - won["created_at"]) / pd.Timedelta(days=1)).mean() == \
        pytest.approx(expected_cycle)
    assert expected_rate == pytest.approx(0.6315, abs=1e-4)


def test_maven_win_rate_by_rep_matches_plain_pandas(maven, maven_raw):
    closed = maven_raw[maven_raw["deal_stage"].isin(["Won", "Lost"])]
    expected = closed.groupby("sales_agent")["deal_stage"].apply(lambda s: (s == "Won").mean())
    got = kt.win_rate(maven.opportunities, by="rep").set_index("rep")["win_rate"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)


needs_olist = pytest.mark.skipif(not OLIST.is_dir(), reason=(
    f"Olist dataset not found at {OLIST}: it is non-commercial and never copied into the repo; "
    "put ../shared/datasets beside the repo to run these checks."))


@pytest.fixture(scope="module")
def olist_raw():
    mql = pd.read_csv(OLIST / "olist_marketing_qualified_leads_dataset.csv",
                      dtype=str, keep_default_na=False)
    deals = pd.read_csv(OLIST / "olist_closed_deals_dataset.csv", dtype=str,
                        keep_default_na=False)
    joined = deals.merge(mql, on="mql_id", how="left", validate="one_to_one")
    joined["cycle"] = (pd.to_datetime(joined["won_date"])
                       - pd.to_datetime(joined["first_contact_date"])) / pd.Timedelta(days=1)
    return mql, joined


@needs_olist
def test_olist_rows_and_the_early_win(olist_raw):
    mql, joined = olist_raw
    data = kt.load_crm(OLIST, preset="olist")
    assert data.quality.overview().set_index("table").loc[
        ["leads", "opportunities"], ["read", "kept", "excluded", "flagged"]].values.tolist() == [
        [len(mql), len(mql), 0, 0], [len(joined), len(joined), 0, 1]]
    early = joined.index[joined["cycle"] < 0].tolist()
    flagged = data.quality.flagged
    assert flagged[["row", "reason"]].values.tolist() == [[early[0], "closed before created"]]
    assert (data.leads["source"] == "(no origin)").sum() == (mql["origin"] == "").sum() == 60
    assert (data.leads["source"] == "unknown").sum() == (mql["origin"] == "unknown").sum()


@needs_olist
def test_olist_conversion_by_source_and_cycle_match_plain_pandas(olist_raw):
    mql, joined = olist_raw
    data = kt.load_crm(OLIST, preset="olist")
    valid = joined[joined["cycle"] >= 0]
    origin = mql["origin"].replace("", "(no origin)")
    won_by_source = joined["origin"].replace("", "(no origin)").value_counts()  # early win counts
    expected = (won_by_source.reindex(origin.unique(), fill_value=0)
                / origin.value_counts()).sort_index()
    if hasattr(kt, "lead_conversion"):
        got = kt.lead_conversion(data.leads, data.opportunities, by="source")
        got = got.set_index("source")["lead_to_won_rate"].sort_index()
        pd.testing.assert_series_equal(got, expected, check_names=False)
    else:  # pragma: no cover
        assert data.opportunities["lead_id"].isin(data.leads["lead_id"]).all()
    won = data.opportunities
    in_order = won[~won["closed_before_created"]]  # the flagged early win: out of cycle times
    cycle = ((in_order["closed_at"] - in_order["created_at"]) / pd.Timedelta(days=1)).mean()
    assert cycle == pytest.approx(valid["cycle"].mean())
    metrics = kt.deal_metrics(won).iloc[0]
    assert metrics["won_deals"] == len(joined)
    assert np.isnan(metrics["avg_deal_size"])  # Olist has no deal values
