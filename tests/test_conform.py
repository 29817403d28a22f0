"""Frames not from the loader: read as the loader reads them, or refused with the reason."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kpitools as kt
from kpitools import _conform

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
T = pd.Timestamp


@pytest.fixture(scope="module")
def loaded():
    return kt.load_sample()


@pytest.fixture(scope="module")
def as_text():
    """The sample's files read the way an analyst often reads a CSV: every column as text."""
    return {t: pd.read_csv(SAMPLE / f"{t}.csv", dtype=str) for t in kt.CRMData().tables()}


KPIS = {  # name: (function, tables, options)
    "activity_ratios": (kt.activity_ratios, ("activities",), {"by": "rep", "freq": "W"}),
    "outreach_by_channel": (kt.outreach_by_channel, ("activities",), {}),
    "source_conversion": (kt.source_conversion, ("leads", "activities"), {"freq": "MS"}),
    "lead_conversion": (kt.lead_conversion, ("leads", "opportunities"), {"by": "source"}),
    "stage_conversion": (kt.stage_conversion, ("stage_history", "opportunities"), {"by": "rep"}),
    "transition_matrix": (kt.transition_matrix, ("stage_history", "opportunities"), {}),
    "win_rate": (kt.win_rate, ("opportunities",), {"freq": "QS", "weight": "amount"}),
    "deal_metrics": (kt.deal_metrics, ("opportunities",), {"by": "rep", "freq": "MS"}),
    "quota_gap": (kt.quota_gap, ("opportunities", "quotas"), {"as_of": "2024-12-13"}),
    "pipeline_as_of": (kt.pipeline_as_of, ("stage_history", "opportunities"),
                       {"as_of": "2024-09-30"}),
    "stalled_deals": (kt.stalled_deals, ("stage_history", "opportunities"),
                      {"as_of": "2024-12-13"}),
}


@pytest.mark.parametrize("name", KPIS)
def test_text_frames_give_the_loaders_numbers(loaded, as_text, name):
    func, tables, options = KPIS[name]
    before = {t: as_text[t].copy() for t in tables}
    expected = func(*(getattr(loaded, t) for t in tables), **options)
    got = func(*(as_text[t] for t in tables), **options)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    for t in tables:  # the caller's frames are not changed
        pd.testing.assert_frame_equal(as_text[t], before[t])


def test_text_flags_count_as_written(as_text):
    """The issue's case: "False" read as True gave 5,087 first meetings and a 100% rate."""
    ratios = kt.activity_ratios(as_text["activities"]).iloc[0]
    flags = as_text["activities"][["kind", "is_first_meeting", "next_step_scheduled"]]
    first = flags["is_first_meeting"].eq("True") & flags["kind"].eq("meeting")
    assert ratios["first_meetings"] == first.sum() == 2130
    assert ratios["next_steps"] == (first & flags["next_step_scheduled"].eq("True")).sum()
    assert round(ratios["next_step_rate"], 2) == 0.56


@pytest.mark.parametrize("written", [["no", "yes", "0"], ["FALSE", "TRUE", ""],
                                     [False, True, None], [0, 1, 0], ["n", "Y", "N/A"],
                                     ["nein", "WAHR", None], ["✗", "✓", "-"]])
def test_flag_spellings(activities, written):
    acts = activities.iloc[6:9].assign(is_first_meeting=written, next_step_scheduled=written)
    # Rows 6-8 are meetings: the flags say the second is a first meeting with a next step.
    out = kt.activity_ratios(acts).iloc[0]
    assert (out["first_meetings"], out["next_steps"]) == (1, 1)


@pytest.mark.parametrize("table, column, value, problem", [
    ("activities", "is_first_meeting", "maybe", "are neither yes nor no"),
    ("activities", "at", "next Tuesday", "are not dates"),
    ("opportunities", "amount", "lots", "are not amounts"),
    ("opportunities", "amount", "approx. 5000", "are not amounts"),
    ("opportunities", "amount", "inf", "are not amounts"),
    ("opportunities", "amount", -250.0, "are negative or infinite"),
    ("opportunities", "amount", np.inf, "are negative or infinite"),
    ("opportunities", "closed_at", "soon", "are not dates"),
    ("opportunities", "closed_at", "2099-01-31", "not plausible ones"),
    ("opportunities", "status", "closed won", "are not one of \\['open', 'won', 'lost'\\]"),
    ("activities", "kind", "tweet", "are not one of"),
])
def test_unreadable_values_are_named_with_the_fix(opps, activities, table, column, value,
                                                  problem):
    frame = {"activities": activities, "opportunities": opps}[table].astype({column: object})
    frame.loc[1, column] = value
    call = {"activities": lambda f: kt.activity_ratios(f, freq="W"),
            "opportunities": lambda f: kt.deal_metrics(f, freq="MS")}[table]
    with pytest.raises(kt.SchemaError) as error:
        call(frame)
    message = str(error.value)
    assert f"1 value(s) of {table}.{column} " in message
    assert repr(value) in message and "kt.clean(" in message and "kt.load_crm(" in message
    assert pd.Series([message]).str.contains(problem).all()


def test_missing_status_is_refused(opps):
    with pytest.raises(kt.SchemaError, match="1 row\\(s\\) of opportunities have no status"):
        kt.win_rate(opps.assign(status=opps["status"].where(opps.index != 2)))


def test_labels_in_any_case_and_spacing(opps, activities):
    shouting = opps.assign(status=opps["status"].str.upper() + " ")
    pd.testing.assert_frame_equal(kt.win_rate(shouting), kt.win_rate(opps))
    acts = activities.assign(kind=activities["kind"].str.title())
    pd.testing.assert_frame_equal(kt.activity_ratios(acts), kt.activity_ratios(activities))


def test_numeric_ids_match_text_ids(opps, history):
    """IDs typed as numbers in one table and as text in the other are the same IDs."""
    numbered = opps.assign(opportunity_id=range(1, 6))
    text = history.assign(opportunity_id=history["opportunity_id"].map(
        {"A": "1", "B": "2", "C": "3", "D": "4", "X": "99"}))
    pd.testing.assert_frame_equal(kt.stage_conversion(text, numbered),
                                  kt.stage_conversion(history, opps))


def test_time_zones_are_read_as_utc(opps):
    zoned = opps.assign(**{c: opps[c].dt.tz_localize("Europe/Berlin")
                           for c in ("created_at", "closed_at", "expected_close")})
    pd.testing.assert_frame_equal(kt.deal_metrics(zoned), kt.deal_metrics(opps))  # same cycles
    # A (won) closed at midnight on 1 February in Berlin: 23:00 UTC on 31 January.
    monthly = kt.deal_metrics(zoned, freq="MS")
    assert monthly["period"].tolist() == [T("2024-01-01"), T("2024-02-01")]
    quotas = pd.DataFrame({"rep": ["x"], "period": [T("2024-02-01")], "quota": [10.0]})
    gap = kt.quota_gap(opps, quotas, as_of=T("2024-03-10 12:00", tz="Asia/Tokyo"))
    assert gap.loc[gap["period"] == T("2024-03-01"), "open_pipeline"].sum() == 5.0


def test_canonical_frames_pass_untouched(loaded):
    for name, frame in loaded.tables().items():
        columns = [c for c in frame.columns if c not in ("status", "kind")]
        assert _conform.table(frame, name, "test", optional=columns) is frame


def test_a_crm_data_instead_of_a_frame_says_which_frame(loaded):
    with pytest.raises(TypeError, match="must be a pandas DataFrame, got CRMData. "
                                        "Pass data.opportunities"):
        kt.win_rate(loaded)


@pytest.mark.parametrize("name", [n for n in KPIS if n not in (
    "transition_matrix", "pipeline_as_of", "stalled_deals")])  # these have no groups
def test_unknown_by_column_is_a_schema_error(loaded, name):
    func, tables, options = KPIS[name]
    with pytest.raises(kt.SchemaError, match="cannot group by 'owner': not a column of"):
        func(*(getattr(loaded, t) for t in tables), **{**options, "by": "owner"})


@pytest.mark.parametrize("freq", ["fortnight", "Q-NOPE", 7])
def test_unknown_freq_names_the_choices(opps, freq):
    with pytest.raises(ValueError, match=f"freq={freq!r} is not a period pandas knows. Use 'W'"):
        kt.win_rate(opps, freq=freq)


def test_other_pandas_periods_still_work(opps):
    weeks_from_tuesday = kt.win_rate(opps, freq="W-MON")
    assert weeks_from_tuesday["period"].dt.day_of_week.eq(1).all()


@pytest.mark.parametrize("value", ["someday", pd.NaT])
def test_unreadable_as_of_is_explained(opps, value):
    with pytest.raises(ValueError, match="as_of"):
        kt.quota_gap(opps, pd.DataFrame({"rep": [], "period": [], "quota": []}), as_of=value)


def test_amounts_written_in_two_currencies_are_never_added(opps):
    text = opps.assign(amount=["$10", "5", "3", "2", "€8"])  # the won deals: A in $, E in €
    with pytest.raises(kt.SchemaError, match="revenue would add up amounts in \\$ and EUR"):
        kt.deal_metrics(text)
    by_rep = kt.deal_metrics(text, by="rep")  # x won A ($10), y won E (€8)
    assert by_rep["revenue"].tolist() == [10.0, 8.0]
    assert kt.win_rate(text).loc[0, "won"] == 2  # counts add up whatever the currency
