"""The course's data (sample or own export, with the log and the monthly quota) and what it lacks."""
from dataclasses import replace

import pandas as pd
import pytest

import kpitools as kt
from kpitools.course import NEEDS, missing, with_monthly_quota
from kpitools.mylog import ActivityLog
from kpitools.settings import ENV_VAR, Settings

FIXTURES = kt.sample.SAMPLE_DIR.parent / "tests" / "fixtures"


def test_course_data_is_the_sample_without_settings(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "sample")
    data = kt.course_data()
    assert data.me == "Sam Carter" and len(data.opportunities) == len(kt.load_sample().opportunities)


def test_course_data_loads_the_export_the_settings_name(tmp_path):
    settings = Settings(source=str(kt.sample.SAMPLE_DIR / "maven"), preset="maven",
                        me="Darcel Schlecht", activity_log=str(tmp_path / "log.sqlite"))
    data = kt.course_data(settings)
    assert data.me == "Darcel Schlecht"
    assert (data.opportunities["rep"] == "Darcel Schlecht").any()
    assert data.today is not None


def test_an_export_in_two_currencies_is_shown_in_the_reps_own(tmp_path):
    export = FIXTURES / "real" / "salesforce_report"
    plain = kt.load_crm(export, preset="salesforce")
    counts = plain.opportunities["currency"].value_counts()
    assert len(counts) == 2
    mine = plain.opportunities.loc[plain.opportunities["rep"] == "Ana Ruiz", "currency"]
    theirs = mine.value_counts().index[0]
    data = kt.course_data(Settings(source=str(export), preset="salesforce", me="Ana Ruiz",
                                   activity_log=str(tmp_path / "log.sqlite")))
    assert set(data.opportunities["currency"]) == {theirs}
    assert len(data.opportunities) == counts[theirs]
    assert data.stage_history["opportunity_id"].isin(data.opportunities["opportunity_id"]).all()
    assert any(f"deals in {theirs}" in note for note in data.quality.notes)
    chosen = kt.course_data(Settings(source=str(export), preset="salesforce", me="Ana Ruiz",
                                     currency=counts.index[-1],
                                     activity_log=str(tmp_path / "log.sqlite")))
    assert set(chosen.opportunities["currency"]) == {counts.index[-1]}
    assert kt.in_one_currency(kt.load_sample()).opportunities.equals(
        kt.load_sample().opportunities)  # one currency: unchanged
@pytest.fixture
def hubspot(tmp_path):
    """A HubSpot export, a rep of it, their quota, and their log with one first meeting."""
    log = ActivityLog(tmp_path / "log.sqlite", rep="Cara Diaz")
    log.add("meeting", at="2024-04-08 10:00", first_meeting=True, next_step=True)
    log.add("call", at="2024-04-09 10:00")
    return Settings(source=str(FIXTURES / "hubspot"), preset="hubspot", me="Cara Diaz",
                    monthly_quota=40_000, activity_log=str(log.path))


def test_course_data_merges_the_log_and_the_monthly_quota(hubspot):
    plain = kt.load_crm(FIXTURES / "hubspot", preset="hubspot")
    assert len(plain.quotas) == 0
    data = kt.course_data(hubspot)
    added = data.activities[data.activities["from_log"]]
    assert len(data.activities) == len(plain.activities) + len(added) and len(added) >= 1
    mine = kt.activity_ratios(data.activities.query("rep == 'Cara Diaz'")).iloc[0]
    assert mine.first_meetings == 1 and mine.next_step_rate == 1.0
    quotas = data.quotas
    assert set(quotas["rep"]) == {"Cara Diaz"} and set(quotas["quota"]) == {40_000}
    first = min(data.opportunities.query("rep == 'Cara Diaz'")["created_at"].min(),
                data.activities.query("rep == 'Cara Diaz'")["at"].min())
    assert quotas["period"].min() == first.to_period("M").start_time
    assert quotas["period"].max() == data.today.to_period("M").start_time
    assert quotas["period"].diff().dropna().dt.days.between(28, 31).all()  # every month
    notes = " ".join(data.quality.notes)
    assert "activity log:" in notes and "monthly quota of 40,000 from the settings" in notes
    assert data.today == pd.Timestamp("2024-04-09") > plain_today(plain)  # the log's last day
    gap = kt.quota_gap(data.opportunities, data.quotas, as_of=data.today)
    assert (gap.query("rep == 'Cara Diaz'")["quota"] == 40_000).all()


def plain_today(data):
    return max(data.activities["at"].max(), data.opportunities["created_at"].max(),
               data.opportunities["closed_at"].max())


def test_a_today_in_the_settings_stays(hubspot):
    hubspot.today = "2024-03-10"
    assert kt.course_data(hubspot).today == pd.Timestamp("2024-03-10")


def test_quotas_in_the_export_win_over_the_settings():
    data = kt.load_sample()
    assert with_monthly_quota(data, "Sam Carter", 1) is data
    other = with_monthly_quota(data, "New Rep", 5_000)
    assert len(other.quotas) == len(data.quotas) + len(other.quotas.query("rep == 'New Rep'"))
    assert other.quotas.query("rep == 'New Rep'")["period"].min() == data.opportunities[
        "created_at"].min().to_period("M").start_time  # a rep with no rows: the data's start


def test_missing_says_what_why_and_how():
    empty = kt.CRMData(today=pd.Timestamp("2024-03-01"))
    sentences = missing(empty, *[need.key for need in NEEDS], rep="Ann")
    assert len(sentences) == len([need for need in NEEDS if not need.requires])  # no repeats
    sentences += [need.sentence.format(who="Ann", whose="Your", whose_lower="your")
                  for need in NEEDS if need.requires]
    for sentence in sentences:
        assert sentence[0].isupper() and sentence.endswith(".")
        assert sentence.count(", so ") == 1 and ": " in sentence  # what, so why: how
    assert sentences[0].startswith("Ann is not among the reps")
    assert "kt.log_today()" in missing(empty, "first_meetings")[0]
    assert "kt.save_settings(monthly_quota=...)" in missing(empty, "quota")[0]
    with pytest.raises(KeyError, match=r"\['quotas'\] are not course needs.*'quota'"):
        missing(empty, "quotas")


def test_missing_looks_at_the_reps_own_rows():
    data = kt.load_sample()
    keys = [need.key for need in NEEDS]
    assert missing(data, *keys) == [] and missing(data, *keys, rep="Sam Carter") == []
    assert len(missing(data, "quota", "outreach", rep="Nobody")) == 2
    no_history = kt.CRMData(opportunities=data.opportunities, quotas=data.quotas)
    assert missing(no_history, "stage_history", rep="Sam Carter")[0].startswith(
        "Your data has no stage history")


def test_has_prints_each_sentence_and_answers(capsys):
    data = kt.load_sample()
    assert kt.has(data, "stage_history", "quota", rep="Sam Carter")
    assert capsys.readouterr().out == ""
    assert not kt.has(kt.CRMData(), "leads", "quota")
    assert capsys.readouterr().out.count("\n") == 2


def test_columns_a_figure_needs_are_checked_on_the_reps_rows():
    data = kt.load_sample()
    keys = ("meeting_leads", "channel_detail", "deal_leads", "deal_sources", "products")
    assert missing(data, *keys, rep="Sam Carter") == []
    unlinked = replace(data, activities=data.activities.assign(lead_id=pd.NA))
    assert missing(unlinked, "meeting_leads", rep="Sam Carter")[0].startswith(
        "Your first meetings carry no lead ID")
    bare = replace(data, activities=data.activities.drop(columns=["lead_id", "channel_detail"]),
                   opportunities=data.opportunities.drop(columns=["lead_id", "source",
                                                                  "product"]))
    assert len(missing(bare, *keys, rep="Sam Carter")) == len(keys)
    others = data.opportunities["rep"] != "Sam Carter"
    theirs = replace(data, opportunities=data.opportunities.assign(
        source=data.opportunities["source"].where(others)))
    assert missing(theirs, "deal_sources") == []
    assert len(missing(theirs, "deal_sources", rep="Sam Carter")) == 1


def test_growth_needs_a_win_in_each_of_the_last_two_complete_months():
    data = kt.clean({"opportunities": pd.DataFrame({
        "opportunity_id": ["1", "2"], "rep": ["Ann", "Ann"],
        "created_at": ["2024-01-02", "2024-01-03"], "amount": [100, 200],
        "status": ["won", "won"], "stage": ["Closed Won"] * 2,
        "closed_at": ["2024-01-15", "2024-02-10"]})})
    data.today = pd.Timestamp("2024-03-05")  # January and February are complete: both won
    assert missing(data, "two_months", rep="Ann") == []
    data.today = pd.Timestamp("2024-02-28")  # December and January: no win in December
    assert missing(data, "two_months", rep="Ann")[0].startswith("Your data holds no won deal")
    data.today = pd.Timestamp("2024-04-01")  # February and March: no win in March
    assert len(missing(data, "two_months", rep="Ann")) == 1


def test_a_need_whose_basis_is_missing_says_the_basis_instead():
    data = kt.load_sample()
    unmarked = replace(data, activities=data.activities.assign(is_first_meeting=False))
    said = missing(unmarked, "meeting_leads", rep="Sam Carter")
    assert said == missing(unmarked, "first_meetings", rep="Sam Carter")  # not "no lead ID"
    assert missing(unmarked, "first_meetings", "meeting_leads") == missing(unmarked,
                                                                           "first_meetings")
    no_deals = replace(data, opportunities=data.opportunities.iloc[:0])
    assert missing(no_deals, "deal_sources", "products") == missing(no_deals, "opportunities")
