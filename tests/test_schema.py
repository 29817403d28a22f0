import numpy as np
import pandas as pd
import pytest

import kpitools as kt


def raw_opps(**changes):
    frame = pd.DataFrame({
        "opportunity_id": ["004211", "2", "3", "4"],
        "rep": ["Ann", "Ann", "Bo", "Bo"],
        "created_at": ["2024-01-05", "2024-01-09", "2024-02-01", "2024-02-03"],
        "amount": ["1200", "$3,000.00", "500", "0"],
        "status": ["won", "Lost", "open", "open"],
        "stage": ["Closed Won", "Closed Lost", "Qualify", "Propose"],
        "closed_at": ["2024-02-01", "2024-01-20", "", ""],
    })
    for column, (row, value) in changes.items():
        frame.loc[row, column] = value
    return frame


def reasons(data):
    return data.quality.excluded[["table", "row", "column", "reason"]].values.tolist()


def test_clean_coerces_dtypes_and_keeps_id_zeros():
    data = kt.clean({"opportunities": raw_opps()})
    opps = data.opportunities
    assert opps["opportunity_id"].tolist() == ["004211", "2", "3", "4"]
    assert opps["amount"].tolist() == [1200.0, 3000.0, 500.0, 0.0]
    assert opps["status"].tolist() == ["won", "lost", "open", "open"]
    assert pd.api.types.is_datetime64_dtype(opps["closed_at"])
    assert data.quality.excluded.empty


def test_clean_reads_a_day_first_column_and_a_decimal_comma_column_whole():
    """Frames given to clean (not only files given to load_crm) follow column-wide rules:
    03/02 next to 13/02 is February 3, and 1.234 next to 12,5 is 1234."""
    opps = raw_opps(created_at=(0, "13/02/2024"), amount=(1, "12,5"))
    opps.loc[1:3, "created_at"] = ["03/02/2024", "05/01/2024", "06/01/2024"]
    opps.loc[2:3, "amount"] = ["1.234", "(7,25)"]
    opps["closed_at"] = ["2024-03-01", "2024-03-01", "", ""]
    data = kt.clean({"opportunities": opps})
    assert data.opportunities["created_at"].dt.strftime("%m-%d").tolist() == [
        "02-13", "02-03", "01-05"]  # row 3, (7,25), is -7.25: excluded
    assert data.opportunities["amount"].tolist() == [1200.0, 12.5, 1234.0]
    assert reasons(data) == [["opportunities", 3, "amount", "negative amount"]]
    notes = " ".join(data.quality.notes)
    assert "dates read as day/month/year" in notes and "decimal comma (1.234,56)" in notes


@pytest.mark.parametrize("created_at", [
    None, ["1/5/2024", "1/9/2024"], ["13/01/2024", "05/01/2024"],
    ["2024-01-05T10:00:00+02:00", "2024-01-09T08:00:00Z"],
    pd.to_datetime(["2024-01-05", "2024-01-09"]).as_unit("ns"),
    pd.to_datetime(["2024-01-05", "2024-01-09"]).as_unit("s").tz_localize("Europe/Paris")])
def test_one_date_unit_and_one_text_dtype_everywhere(created_at):
    """Dates parsed (ISO, US, day-first, with a zone, typed in any unit), added (closed_at) or
    empty, and text given or empty: all alike."""
    opps = raw_opps().drop(columns="closed_at").iloc[2:]
    if created_at is not None:
        opps["created_at"] = created_at
    data = kt.clean({"opportunities": opps})
    assert len(data.opportunities) == 2
    for table, frame in data.tables().items():
        for column, dtype in frame.dtypes.items():
            if pd.api.types.is_datetime64_dtype(dtype):
                assert dtype == "datetime64[us]", (table, column)
            elif column in kt.schema.TEXT_COLUMNS:
                assert dtype == "str", (table, column)


@pytest.mark.parametrize("column, row, value, reason", [
    ("created_at", 1, "not a date", "unparseable date"),
    ("created_at", 1, "", "missing value"),
    ("amount", 2, "-5", "negative amount"),
    ("amount", 2, "lots", "non-numeric amount"),
    ("status", 3, "pending", "unknown status"),
    ("stage", 3, "Demo", "unknown stage"),
    ("opportunity_id", 3, "2", "duplicate id"),
    ("closed_at", 0, "", "closed deal without closed_at"),
    ("closed_at", 2, "2024-03-01", "open deal with closed_at"),
    ("rep", 2, " ", "missing value"),
])
def test_each_bad_row_is_excluded_with_its_reason(column, row, value, reason):
    given = raw_opps(**{column: (row, value)})
    before = given.copy()
    data = kt.clean({"opportunities": given})
    assert [row, column, reason] in [r[1:] for r in reasons(data)]
    assert len(data.opportunities) == 3
    overview = data.quality.overview().set_index("table").loc["opportunities"]
    assert (overview["read"], overview["kept"], overview["excluded"]) == (4, 3, 1)
    pd.testing.assert_frame_equal(given, before)
    assert reason in data.quality.summary()["reason"].tolist()


def test_missing_required_columns_are_all_named_at_once():
    opps = raw_opps().drop(columns=["status"])
    acts = pd.DataFrame({"activity_id": ["a"], "rep": ["Ann"], "at": ["2024-01-01"]})
    with pytest.raises(kt.SchemaError) as error:
        kt.validate({"opportunities": opps, "activities": acts})
    message = str(error.value)
    assert "column 'status' not found in opportunities" in message
    assert "column 'kind' not found in activities" in message
    assert "Found: ['activity_id', 'rep', 'at']" in message and "preset" in message


def test_orphan_history_and_activity_rows_are_excluded():
    history = pd.DataFrame({"opportunity_id": ["2", "99"], "stage": ["Qualify", "Qualify"],
                            "entered_at": ["2024-01-09", "2024-01-09"]})
    acts = pd.DataFrame({"activity_id": ["a1", "a2"], "rep": ["Ann", "Ann"],
                         "at": ["2024-01-02", "2024-01-03"], "kind": ["Call", "meeting"],
                         "opportunity_id": ["3", "77"], "is_first_meeting": ["", "yes"]})
    data = kt.clean({"opportunities": raw_opps(), "stage_history": history, "activities": acts})
    assert reasons(data) == [["activities", 1, "opportunity_id", "orphan foreign key"],
                             ["stage_history", 1, "opportunity_id", "orphan foreign key"]]
    assert data.activities["kind"].tolist() == ["call"]
    assert data.activities["is_first_meeting"].tolist() == [False]


def test_lead_orphans_of_activities_and_opportunities_are_excluded_once_each():
    leads = pd.DataFrame({"lead_id": ["L1", "L2"], "rep": ["Ann", "Bo"],
                          "created_at": ["2024-01-02", "2024-01-03"], "source": ["web", "web"]})
    opps = raw_opps().assign(lead_id=["L1", "L9", "", "L2"])
    acts = pd.DataFrame({"activity_id": ["a1", "a2", "a3"], "rep": ["Ann"] * 3,
                         "at": ["2024-01-02"] * 3, "kind": ["call"] * 3,
                         "lead_id": ["L2", "L8", "L7"], "opportunity_id": ["", "", "99"]})
    data = kt.clean({"leads": leads, "opportunities": opps, "activities": acts})
    assert reasons(data) == [["activities", 1, "lead_id", "orphan foreign key"],
                             ["activities", 2, "opportunity_id", "orphan foreign key"],
                             ["opportunities", 1, "lead_id", "orphan foreign key"]]
    assert data.opportunities["lead_id"].tolist()[1:] == [np.nan, "L2"]


def test_quotas_periods_are_month_starts_and_duplicates_excluded():
    quotas = pd.DataFrame({"rep": ["Ann", "Ann", "Ann"],
                           "period": ["2024-01-01", "2024-01-15", "2024-02-01"],
                           "quota": ["10000", "9000", "x"]})
    data = kt.clean({"quotas": quotas})
    assert reasons(data) == [["quotas", 1, "period", "duplicate id"],
                             ["quotas", 2, "quota", "non-numeric quota"]]
    assert data.quotas["period"].tolist() == [pd.Timestamp("2024-01-01")]


def test_time_zones_become_utc_naive():
    opps = raw_opps(created_at=(0, "2024-01-05T10:00:00+02:00"))
    created = kt.clean({"opportunities": opps}).opportunities["created_at"]
    assert created.iloc[0] == pd.Timestamp("2024-01-05 08:00")


def test_missing_amount_is_kept_with_a_note():
    data = kt.clean({"opportunities": raw_opps(amount=(2, ""))})
    assert len(data.opportunities) == 4 and np.isnan(data.opportunities["amount"].iloc[2])
    assert "1 opportunities have no amount" in data.quality.notes[0]


def test_report_renders_for_people():
    data = kt.clean({"opportunities": raw_opps(amount=(2, "-1"))})
    html = data.quality._repr_html_()
    assert "negative amount" in html and "amounts must be &gt;= 0" in html
    assert "opportunities: 4 read, 3 kept, 1 excluded" in repr(data.quality)


def test_unknown_table_is_named():
    with pytest.raises(kt.SchemaError, match="unknown table"):
        kt.clean({"deals": raw_opps()})


def test_duplicate_of_an_excluded_row_is_kept():
    opps = raw_opps(opportunity_id=(3, "3"), amount=(2, "-1"))  # row 2 bad, row 3 repeats its id
    data = kt.clean({"opportunities": opps})
    assert reasons(data) == [["opportunities", 2, "amount", "negative amount"]]
    assert data.opportunities["opportunity_id"].tolist() == ["004211", "2", "3"]


@pytest.mark.parametrize("ids, repeated", [
    (["a1", "a2", "a3"], []),            # sorted, distinct: the fast check
    (["a1", "a2", "a2", "a3"], [2]),     # sorted with a repeat
    (["a3", "a1", "a3"], [2]),           # unsorted: hashed
])
def test_duplicate_ids_sorted_or_not(ids, repeated):
    acts = pd.DataFrame({"activity_id": ids, "rep": "Ann", "at": "2024-01-05", "kind": "call"})
    excluded = kt.clean({"activities": acts}).quality.excluded
    assert excluded.query("reason == 'duplicate id'")["row"].tolist() == repeated


@pytest.mark.parametrize("created, closed, flagged", [
    ("2024-01-05 17:30", "2024-01-05", False),   # a date-only close on the day of creation
    ("2024-01-05T23:59:00", "2024-01-04T23:59:00", True),
    ("2024-01-05 00:00", "2024-01-04 23:59", True),
])
def test_closed_before_created_is_judged_by_day_and_kept_flagged(created, closed, flagged):
    data = kt.clean({"opportunities": raw_opps(created_at=(0, created), closed_at=(0, closed))})
    assert len(data.opportunities) == 4 and data.quality.excluded.empty
    assert data.opportunities["status"].iloc[0] == "won"
    assert data.quality.flagged[["row", "reason"]].values.tolist() == (
        [[0, "closed before created"]] if flagged else [])
    assert data.opportunities.get("closed_before_created", pd.Series([False])).iloc[0] == flagged
    assert data.quality.overview().set_index("table").loc["opportunities", "flagged"] == flagged
