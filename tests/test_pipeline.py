"""Pipeline on a past date and stalled deals: edge cases, currencies, the as_of keyword."""
import warnings

import pandas as pd
import pytest

import kpitools as kt

T = pd.Timestamp


def test_stalled_deals_without_stage_history_count_from_creation(history, opps):
    # C and D are open, created on Jan 1: 31 days by Feb 1.
    stalled = kt.stalled_deals(history.iloc[:0], opps, as_of="2024-02-01", days=20)
    assert stalled[["opportunity_id", "days_in_stage"]].values.tolist() == [["C", 31.0],
                                                                            ["D", 31.0]]
    # Without history no visit has finished, so no stage has a usual length to exceed.
    assert kt.stalled_deals(history.iloc[:0], opps, as_of="2024-02-01").empty


@pytest.mark.parametrize("rows", [[0, 1, 4], []])  # no open deal; no deal at all
def test_stalled_deals_without_open_deals_is_an_empty_table(history, opps, rows):
    stalled = kt.stalled_deals(history, opps.iloc[rows], as_of="2024-02-01")
    assert stalled.empty
    assert list(stalled.columns) == ["opportunity_id", "rep", "stage", "amount",
                                     "days_in_stage", "threshold_days"]


def test_a_repeated_stage_row_does_not_restart_the_clock(history, opps):
    # An amount edit on D on Jan 20 writes a second "Discover" row: D still entered on Jan 2.
    edited = pd.concat([history, pd.DataFrame({"opportunity_id": ["D"], "stage": ["Discover"],
                                               "entered_at": [T("2024-01-20")]})])
    stalled = kt.stalled_deals(edited, opps, as_of="2024-02-01", days=20)
    assert stalled.set_index("opportunity_id")["days_in_stage"].to_dict() == {"D": 30.0,
                                                                             "C": 24.0}


def test_stalled_deals_keep_their_currency_and_tie_break_by_id(history, opps):
    opps = opps.assign(currency=["EUR", "EUR", "USD", "EUR", "EUR"],
                       created_at=T("2024-01-01"))
    stalled = kt.stalled_deals(history.iloc[:0], opps.iloc[::-1], as_of="2024-02-01", days=1)
    assert stalled[["opportunity_id", "currency"]].values.tolist() == [["C", "USD"],
                                                                       ["D", "EUR"]]


def test_pipeline_as_of_keeps_each_deals_currency(history, opps):
    opps = opps.assign(currency=["EUR", "USD", "EUR", "USD", "EUR"])
    then = kt.pipeline_as_of(history, opps, as_of="2024-01-06")
    assert then.set_index("opportunity_id")["currency"].to_dict() == {
        "A": "EUR", "B": "USD", "C": "EUR", "D": "USD", "E": "EUR"}


def test_pipeline_as_of_same_moment_entries_take_the_later_stage(opps):
    tied = pd.DataFrame({"opportunity_id": ["D", "D"], "stage": ["Qualify", "Discover"],
                         "entered_at": [T("2024-01-02")] * 2})
    for history in (tied, tied.iloc[::-1]):
        then = kt.pipeline_as_of(history, opps, as_of="2024-01-03").set_index("opportunity_id")
        assert then.loc["D", "stage"] == "Discover"


@pytest.mark.parametrize("call", [
    lambda h, o: kt.pipeline_as_of(h, o, "2024-01-06"),
    lambda h, o: kt.pipeline_as_of(h, o, date="2024-01-06"),
])
def test_pipeline_as_of_old_calls_warn_and_give_the_same_answer(history, opps, call):
    with pytest.warns(FutureWarning, match="pipeline_as_of: .*as_of="):
        old = call(history, opps)
    pd.testing.assert_frame_equal(old, kt.pipeline_as_of(history, opps, as_of="2024-01-06"))


def test_stalled_deals_positional_as_of_warns_and_gives_the_same_answer(history, opps):
    with pytest.warns(FutureWarning, match="stalled_deals: pass as_of=... by keyword"):
        old = kt.stalled_deals(history, opps, "2024-02-01", days=20)
    pd.testing.assert_frame_equal(old, kt.stalled_deals(history, opps, as_of="2024-02-01",
                                                        days=20))


def test_keyword_as_of_does_not_warn(history, opps):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kt.pipeline_as_of(history, opps, as_of="2024-01-06")
        kt.stalled_deals(history, opps, as_of="2024-02-01")


def test_as_of_given_twice_is_an_error(history, opps):
    with pytest.raises(TypeError, match="multiple values for argument 'as_of'"), \
            pytest.warns(FutureWarning):
        kt.pipeline_as_of(history, opps, "2024-01-06", as_of="2024-01-07")
    with pytest.raises(TypeError, match="multiple values for argument 'as_of'"), \
            pytest.warns(FutureWarning):
        kt.pipeline_as_of(history, opps, date="2024-01-06", as_of="2024-01-07")


def test_missing_as_of_is_a_type_error(history, opps):
    with pytest.raises(TypeError, match="as_of"):
        kt.stalled_deals(history, opps)
