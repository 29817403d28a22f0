"""kpitools.sample: the synthetic CRM data behind the notebooks, and the shipped sample_data/."""
import pandas as pd
import pytest

import kpitools as kt
from kpitools import sample
from kpitools.schema import DEFAULT_STAGES, KINDS, OUTREACH_KINDS, TABLES, clean

TODAY = sample.SAMPLE_TODAY
OPEN_INDEX = {stage: i for i, stage in enumerate(DEFAULT_STAGES)}


@pytest.fixture(scope="module")
def data():
    return sample.generate(1, 0)


@pytest.fixture(scope="module")
def transitions(data):
    """Consecutive stage-history entries per deal: from, to, and their times."""
    history = data.stage_history
    nxt = history.groupby("opportunity_id").shift(-1)
    pairs = pd.DataFrame({"opportunity_id": history["opportunity_id"],
                          "from_stage": history["stage"], "to_stage": nxt["stage"],
                          "from_at": history["entered_at"], "to_at": nxt["entered_at"]})
    return pairs.dropna(subset=["to_stage"])


def assert_same_tables(left, right):
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(left, table), getattr(right, table), obj=table)


# --- determinism, loading, fallbacks -------------------------------------------------------
def test_same_seed_same_data_and_other_seed_other_data():
    first, again, other = sample.generate(0.2, 3), sample.generate(0.2, 3), sample.generate(0.2, 4)
    assert_same_tables(first, again)
    assert not first.activities.equals(other.activities)
    assert not first.opportunities.equals(other.opportunities)


def test_load_sample_is_generate_1_0(data):
    loaded = kt.load_sample()
    assert_same_tables(loaded, data)
    assert loaded.today == data.today == TODAY
    assert loaded.stages == DEFAULT_STAGES


def test_nothing_is_excluded_and_clean_changes_nothing(data):
    assert len(data.quality.excluded) == 0
    assert data.quality.rows_read == data.quality.rows_kept
    cleaned = clean(data)
    assert len(cleaned.quality.excluded) == 0
    assert_same_tables(cleaned, data)
    assert len(kt.load_sample().quality.excluded) == 0


def test_canonical_dtypes(data):
    for table, frame in data.tables().items():
        for column in frame:
            values = frame[column]
            if column.endswith("_id") or column in ("rep", "source", "stage", "status", "kind"):
                assert values.dtype == "str", (table, column)
                assert values.dropna().map(type).eq(str).all(), (table, column)
            if column.endswith("_at") or column in ("at", "period", "expected_close"):
                assert pd.api.types.is_datetime64_dtype(values), (table, column)
    assert data.opportunities["amount"].dtype == "float64"
    assert data.quotas["quota"].dtype == "float64"
    assert data.activities["is_first_meeting"].dtype == bool
    assert data.activities["next_step_scheduled"].dtype == bool


def test_write_sample_round_trips_through_csv(tmp_path):
    paths = sample.write_sample(tmp_path, scale=0.1, seed=2)
    assert sorted(p.name for p in paths) == sorted(f"{t}.csv" for t in TABLES)
    frames = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths}
    assert_same_tables(clean(frames), sample.generate(0.1, 2))


def test_load_sample_generates_when_the_folder_is_missing(monkeypatch, data):
    monkeypatch.setattr(sample, "SAMPLE_DIR", sample.SAMPLE_DIR.parent / "no_such_folder")
    fallback = kt.load_sample()
    assert_same_tables(fallback, data)
    assert fallback.today == TODAY


def test_unknown_sample_name_lists_valid_names():
    with pytest.raises(ValueError, match="demo"):
        kt.load_sample("big")


def test_scale_must_be_positive():
    with pytest.raises(ValueError, match="scale"):
        sample.generate(0)


# --- size ----------------------------------------------------------------------------------
def test_scale_1_size_and_scale_is_roughly_linear(data):
    assert 45_000 <= len(data.activities) <= 55_000
    small = sample.generate(0.1, 0)
    assert small.activities["rep"].nunique() == 1
    for table in ("activities", "leads", "opportunities"):
        ratio = len(getattr(data, table)) / len(getattr(small, table))
        assert 7 <= ratio <= 13, (table, ratio)


def test_rep_names_beyond_the_list_get_a_number():
    reps = sample.generate(2.1, 0).quotas["rep"].unique()
    assert len(reps) == 21 and "Amara Okafor 2" in reps and sample.NEW_REP in reps


# --- reps and time -------------------------------------------------------------------------
def test_ten_named_reps_and_a_new_rep_with_few_closed_deals(data):
    assert set(data.activities["rep"]) == set(sample.REP_NAMES[:10])
    new = sample.NEW_REP
    start = sample.NEW_REP_START
    assert data.activities.loc[data.activities["rep"] == new, "at"].min() >= start
    assert data.leads.loc[data.leads["rep"] == new, "created_at"].min() >= start
    assert data.opportunities.loc[data.opportunities["rep"] == new, "created_at"].min() >= start
    assert data.quotas.loc[data.quotas["rep"] == new, "period"].min() == pd.Timestamp("2024-09-01")
    closed = data.opportunities.query("status != 'open'").groupby("rep").size()
    assert 3 <= closed[new] <= 25
    assert closed[new] * 3 < closed.drop(new).min()
    rates = kt.win_rate(data.opportunities, by="rep").set_index("rep")
    width = rates["ci_high"] - rates["ci_low"]
    assert width[new] == width.max()


def test_everything_happens_in_the_12_months_before_today_in_working_hours(data):
    at = data.activities["at"]
    assert at.min() >= sample.SAMPLE_START and at.max() < TODAY
    assert (at.dt.day_of_week < 5).all()
    assert at.dt.hour.between(8, 17).all()
    assert data.leads["created_at"].min() >= sample.SAMPLE_START
    assert data.opportunities["created_at"].min() >= sample.SAMPLE_START
    assert data.opportunities["closed_at"].max() < TODAY
    assert data.stage_history["entered_at"].max() < TODAY


# --- activities and leads ------------------------------------------------------------------
def test_activity_kinds_flags_and_links(data):
    acts = data.activities
    assert set(acts["kind"]) == set(KINDS)
    meeting = acts["kind"] == "meeting"
    first = acts["is_first_meeting"]
    assert not first[~meeting].any() and not acts["next_step_scheduled"][~meeting].any()
    assert not acts["next_step_scheduled"][~first].any()
    assert acts.loc[first, "lead_id"].notna().all()
    assert not acts.loc[first, "lead_id"].duplicated().any()
    outreach = acts["kind"].isin(OUTREACH_KINDS)
    assert acts.loc[outreach, "lead_id"].notna().all()
    later = meeting & ~first
    assert acts.loc[later, "opportunity_id"].notna().all()
    assert acts.loc[later, "lead_id"].isna().all()
    assert acts["channel_detail"].notna().all()
    assert {"Cold call", "LinkedIn InMail"} <= set(acts["channel_detail"])


def test_reps_differ_in_activity_ratios_within_realistic_ranges(data):
    ratios = kt.activity_ratios(data.activities, by="rep").set_index("rep")
    assert ratios["next_step_rate"].between(0.35, 0.75).all()
    assert ratios["next_step_rate"].max() - ratios["next_step_rate"].min() > 0.1
    assert ratios["outreach_per_first_meeting"].between(8, 40).all()
    assert ratios["outreach_per_first_meeting"].max() > 1.5 * ratios[
        "outreach_per_first_meeting"].min()


def test_lead_sources_differ_in_quality_referral_best(data):
    leads = data.leads
    assert set(leads["source"]) == set(sample.SOURCES)
    meetings = kt.source_conversion(leads, data.activities).set_index("source")
    assert meetings["first_meeting_rate"].idxmax() == "Referral"
    closed = data.opportunities.query("status != 'open'")
    assert closed.groupby("source")["status"].apply(lambda s: (s == "won").mean()).idxmax() \
        == "Referral"
    outreach = data.activities[data.activities["kind"].isin(OUTREACH_KINDS)]
    source = leads.set_index("lead_id")["source"]
    first = data.activities[data.activities["is_first_meeting"]]
    per_meeting = (outreach["lead_id"].map(source).value_counts()
                   / first["lead_id"].map(source).value_counts())
    assert per_meeting.idxmin() == "Referral" and per_meeting.between(7, 40).all()


def test_lead_ids_and_qualification_dates(data):
    leads = data.leads
    assert leads["lead_id"].str.fullmatch(r"L\d{6}").all()
    assert (leads["mql_at"].dropna() >= leads.loc[leads["mql_at"].notna(), "created_at"]).all()
    has_sql = leads["sql_at"].notna()
    assert 0 < has_sql.mean() < 0.5
    assert leads.loc[has_sql, "mql_at"].notna().all()
    assert (leads.loc[has_sql, "sql_at"] > leads.loc[has_sql, "mql_at"]).all()
    assert leads[["region", "segment"]].notna().all().all()


# --- opportunities and stage history -------------------------------------------------------
def test_opportunities_status_dates_amounts(data):
    opps = data.opportunities
    assert opps["opportunity_id"].str.fullmatch(r"O\d{6}").all()
    closed = opps["status"].isin(["won", "lost"])
    assert (opps["closed_at"].notna() == closed).all()
    assert (opps.loc[closed, "closed_at"] > opps.loc[closed, "created_at"]).all()
    assert (opps.loc[opps["status"] == "won", "stage"] == "Closed Won").all()
    assert (opps.loc[opps["status"] == "lost", "stage"] == "Closed Lost").all()
    assert opps.loc[~closed, "stage"].isin(DEFAULT_STAGES).all()
    assert (opps["loss_reason"].notna() == (opps["status"] == "lost")).all()
    amount = opps["amount"]
    assert (amount >= 0).all() and (amount == amount.round()).all()
    assert 8_000 <= amount.median() <= 16_000
    win_rate = (opps.loc[closed, "status"] == "won").mean()
    assert 0.25 <= win_rate <= 0.35
    assert opps["expected_close"].notna().all()
    expected = opps.loc[~closed, "expected_close"]
    assert expected.min() < TODAY - pd.Timedelta(days=14)   # overdue deals
    assert TODAY + pd.Timedelta(days=60) < expected.max() <= TODAY + pd.Timedelta(days=100)
    assert opps[["product", "region", "segment", "source"]].notna().all().all()


def test_most_opportunities_come_from_first_meetings_with_a_next_step(data):
    opps = data.opportunities
    first = data.activities[data.activities["is_first_meeting"]].set_index("lead_id")
    from_lead = opps[opps["lead_id"].notna()]
    assert len(from_lead) > 0.8 * len(opps)
    meeting = first.loc[from_lead["lead_id"]]
    assert meeting["next_step_scheduled"].all()
    assert (from_lead["created_at"].to_numpy() >= meeting["at"].to_numpy()).all()
    source = data.leads.set_index("lead_id")["source"]
    assert (from_lead["source"].to_numpy() == source.loc[from_lead["lead_id"]].to_numpy()).all()


def test_stage_history_is_ordered_and_matches_the_deals(data):
    opps = data.opportunities.set_index("opportunity_id")
    history = data.stage_history
    assert history["opportunity_id"].isin(opps.index).all()
    grouped = history.groupby("opportunity_id", sort=False)
    assert grouped["entered_at"].apply(lambda s: s.is_monotonic_increasing and s.is_unique).all()
    first = grouped.first()
    assert (first["entered_at"] == opps.loc[first.index, "created_at"]).all()
    last = grouped.last()
    closed = opps.loc[last.index, "status"] != "open"
    assert (last.loc[closed, "stage"] == opps.loc[last.index[closed], "stage"]).all()
    assert (last.loc[closed, "entered_at"] == opps.loc[last.index[closed], "closed_at"]).all()
    assert (last.loc[~closed, "stage"] == opps.loc[last.index[~closed], "stage"]).all()
    terminal = history["stage"].isin(["Closed Won", "Closed Lost"])
    assert (history[terminal].groupby("opportunity_id").size() == 1).all()


def test_history_has_skips_backward_moves_and_losses_at_every_stage(transitions):
    open_moves = transitions[transitions["to_stage"].isin(DEFAULT_STAGES)]
    step = open_moves["to_stage"].map(OPEN_INDEX) - open_moves["from_stage"].map(OPEN_INDEX)
    skips = open_moves[step >= 2]
    assert ((skips["from_stage"] == "Qualify") & (skips["to_stage"] == "Propose")).any()
    backward = open_moves[step < 0]
    assert ((backward["from_stage"] == "Propose") & (backward["to_stage"] == "Discover")).any()
    assert backward["opportunity_id"].nunique() >= 20
    lost_from = transitions.loc[transitions["to_stage"] == "Closed Lost", "from_stage"]
    assert set(lost_from) == set(DEFAULT_STAGES)


def test_stalled_open_deals_and_won_deals_without_history(data):
    opps, history = data.opportunities, data.stage_history
    last_entry = history.groupby("opportunity_id")["entered_at"].max()
    open_deals = opps[opps["status"] == "open"]
    idle = TODAY - open_deals["opportunity_id"].map(last_entry)
    assert (idle > pd.Timedelta(days=60)).sum() >= 5
    won = opps[opps["status"] == "won"]
    without = ~won["opportunity_id"].isin(history["opportunity_id"])
    assert 1 <= without.sum() <= 0.1 * len(won)


def test_quotas_cover_every_month_each_rep_works(data):
    quotas = data.quotas
    assert (quotas["period"] == quotas["period"].dt.to_period("M").dt.start_time).all()
    months = quotas.groupby("rep")["period"].agg(["min", "max", "size"])
    assert (months["max"] == pd.Timestamp("2024-12-01")).all()
    settled = months.drop(sample.NEW_REP)
    assert (settled["min"] == pd.Timestamp("2023-12-01")).all() and (settled["size"] == 13).all()
    assert months.loc[sample.NEW_REP, "size"] == 4
    gap = kt.quota_gap(data.opportunities, quotas)
    mature = gap[gap["period"].between("2024-03-01", "2024-11-01") & gap["quota"].notna()]
    per_rep = mature.groupby("rep")[["closed_won", "quota"]].sum()
    attainment = (per_rep["closed_won"] / per_rep["quota"]).drop(sample.NEW_REP)
    assert attainment.between(0.5, 1.4).all()
    assert attainment.max() - attainment.min() > 0.2
