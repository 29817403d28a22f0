import numpy as np
import pandas as pd
import pytest

import kpitools as kt


def column(frame, name):
    return frame[name].tolist()


def test_backfill_counts_skipped_stages_as_passed(history, opps):
    funnel = kt.stage_conversion(history, opps)
    assert column(funnel, "stage") == list(kt.DEFAULT_STAGES)
    assert column(funnel, "reached") == [5, 5, 3, 2]
    assert column(funnel, "advanced") == [5, 3, 2, 2]
    assert column(funnel, "still_open") == [0, 1, 1, 0]
    assert column(funnel, "conversion") == [1.0, 0.75, 1.0, 1.0]
    assert column(funnel, "backward_moves") == [0, 0, 1, 0]


def test_strict_counts_only_recorded_stage_by_stage_moves(history, opps):
    funnel = kt.stage_conversion(history, opps, policy="strict")
    assert column(funnel, "reached") == [3, 3, 2, 1]
    assert column(funnel, "advanced") == [1, 0, 1, 1]
    assert column(funnel, "still_open") == [0, 1, 1, 0]
    assert funnel["conversion"].tolist() == pytest.approx([1 / 3, 0.0, 1.0, 1.0])


def test_days_in_stage_per_finished_visit(history, opps):
    funnel = kt.stage_conversion(history, opps).set_index("stage")
    # Qualify visits: 4, 2, 3 days; Discover: only B's finished visit (17 days to its close).
    assert funnel.loc["Qualify", "median_days_in_stage"] == 3.0
    assert funnel.loc["Qualify", "p90_days_in_stage"] == pytest.approx(np.percentile([2, 3, 4], 90))
    assert funnel.loc["Discover", "median_days_in_stage"] == 17.0
    assert funnel.loc["Propose", "median_days_in_stage"] == 4.5
    assert funnel.loc["Negotiate", "median_days_in_stage"] == 22.0


def test_by_rep_splits_counts(history, opps):
    funnel = kt.stage_conversion(history, opps, by="rep")
    x = funnel[funnel["rep"] == "x"]
    y = funnel[funnel["rep"] == "y"]
    assert column(x, "reached") == [2, 2, 1, 1]
    assert column(y, "reached") == [3, 3, 2, 1]
    assert column(y, "backward_moves") == [0, 0, 1, 0]
    total = x[["reached", "advanced"]].to_numpy() + y[["reached", "advanced"]].to_numpy()
    overall = kt.stage_conversion(history, opps)[["reached", "advanced"]].to_numpy()
    assert (total == overall).all()


def test_open_deal_that_went_back_is_still_open_at_its_furthest_stage(history, opps):
    funnel = kt.stage_conversion(history, opps.iloc[[2]]).set_index("stage")
    assert funnel.loc["Propose", "still_open"] == 1
    assert funnel["conversion"].isna().tolist() == [False, False, True, True]


def test_jump_back_over_two_stages_is_one_backward_move():
    opps = pd.DataFrame({"opportunity_id": ["A"], "status": ["open"], "stage": ["Qualify"]})
    history = pd.DataFrame({"opportunity_id": ["A"] * 3, "stage": ["Qualify", "Propose", "Qualify"],
                            "entered_at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"])})
    funnel = kt.stage_conversion(history, opps)
    assert column(funnel, "backward_moves") == [0, 0, 1, 0]
    assert column(funnel, "still_open") == [0, 0, 1, 0]


def test_lost_deal_with_only_terminal_stage_reaches_nothing_and_empty_is_nan():
    opps = pd.DataFrame({"opportunity_id": ["A"], "status": ["lost"], "stage": ["Closed Lost"],
                         "closed_at": pd.to_datetime(["2024-01-05"])})
    history = pd.DataFrame({"opportunity_id": [], "stage": [], "entered_at": pd.to_datetime([])})
    funnel = kt.stage_conversion(history, opps)
    assert column(funnel, "reached") == [0, 0, 0, 0]
    assert funnel["conversion"].isna().all()


def test_custom_stages_and_terminal_rows_in_history():
    stages = ("Prospecting", "Engaging")
    opps = pd.DataFrame({"opportunity_id": ["A", "B"], "status": ["won", "lost"],
                         "stage": ["Closed Won", "Closed Lost"],
                         "closed_at": pd.to_datetime(["2024-01-09", "2024-01-04"])})
    history = pd.DataFrame({
        "opportunity_id": ["A", "A", "A", "B", "B"],
        "stage": ["Prospecting", "Engaging", "Closed Won", "Prospecting", "Closed Lost"],
        "entered_at": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-09", "2024-01-01",
                                      "2024-01-04"])})
    funnel = kt.stage_conversion(history, opps, stages=stages)
    assert column(funnel, "stage") == list(stages)
    assert column(funnel, "reached") == [2, 1]
    assert column(funnel, "advanced") == [1, 1]
    assert column(funnel, "median_days_in_stage") == [2.5, 6.0]
    matrix = kt.transition_matrix(history, opps, stages=stages)
    assert matrix.loc["Prospecting", "Engaging"] == 1
    assert matrix.loc["Prospecting", "lost"] == 1
    assert matrix.loc["Engaging", "won"] == 1


def test_unknown_policy_is_explained(history, opps):
    with pytest.raises(ValueError, match="policy 'lenient' is not one of"):
        kt.stage_conversion(history, opps, policy="lenient")


def test_transition_matrix_counts_and_out_of_order_share(history, opps):
    matrix = kt.transition_matrix(history, opps)
    assert matrix.loc["Qualify", "Propose"] == 2
    assert matrix.loc["Qualify", "Discover"] == 1
    assert matrix.loc["Discover", "lost"] == 1
    assert matrix.loc["Propose", "Discover"] == 1
    assert matrix.loc["Negotiate", "won"] == 1
    assert matrix.loc["Qualify", "out_of_order_share"] == pytest.approx(2 / 3)
    assert matrix.loc["Propose", "out_of_order_share"] == 0.5
    assert matrix.attrs["out_of_order_share"] == pytest.approx(3 / 7)
    assert np.isnan(kt.transition_matrix(history.iloc[:0], opps.iloc[:0])
                    .attrs["out_of_order_share"])


def test_inputs_are_not_mutated(history, opps):
    before_h, before_o = history.copy(), opps.copy()
    kt.stage_conversion(history, opps, by="rep")
    kt.transition_matrix(history, opps)
    pd.testing.assert_frame_equal(history, before_h)
    pd.testing.assert_frame_equal(opps, before_o)


def test_entries_at_the_same_moment_are_taken_in_stage_order(opps):
    # D entered Qualify and Discover in one import, at the same second.
    tied = pd.DataFrame({"opportunity_id": ["D", "D"], "stage": ["Discover", "Qualify"],
                         "entered_at": [pd.Timestamp("2024-01-02")] * 2})
    matrices = [kt.transition_matrix(h, opps) for h in (tied, tied.iloc[::-1])]
    pd.testing.assert_frame_equal(*matrices)
    assert matrices[0].loc["Qualify", "Discover"] == 1
    assert matrices[0].loc["Discover"].drop("out_of_order_share").sum() == 0


def test_a_repeated_stage_row_is_not_a_new_visit(history, opps):
    # A field-history row for an amount edit on C while in Qualify (Jan 2).
    edited = pd.concat([history, pd.DataFrame({"opportunity_id": ["C"], "stage": ["Qualify"],
                                               "entered_at": [pd.Timestamp("2024-01-02")]})])
    pd.testing.assert_frame_equal(kt.stage_conversion(edited, opps),
                                  kt.stage_conversion(history, opps))
    pd.testing.assert_frame_equal(kt.transition_matrix(edited, opps),
                                  kt.transition_matrix(history, opps))


def test_deal_closed_before_created_counts_but_its_visits_have_no_length(history, opps):
    # B (lost) was entered after the fact: created Jan 25, closed Jan 20.
    late = opps.assign(created_at=opps["created_at"].where(opps["opportunity_id"] != "B",
                                                           pd.Timestamp("2024-01-25")))
    funnel = kt.stage_conversion(history, late).set_index("stage")
    assert funnel["reached"].tolist() == [5, 5, 3, 2]  # B still reached Discover and was lost
    # Qualify visits: A 4 days, C 3 days (B's 2 days left out); Discover: none finished.
    assert funnel.loc["Qualify", "median_days_in_stage"] == 3.5
    assert np.isnan(funnel.loc["Discover", "median_days_in_stage"])


def test_history_written_after_the_close_gives_no_negative_days(history, opps):
    # B's Discover row dated after its loss (Jan 20): the visit would end before it began.
    late_row = history.assign(entered_at=history["entered_at"].where(
        (history["opportunity_id"] != "B") | (history["stage"] != "Discover"),
        pd.Timestamp("2024-01-25")))
    funnel = kt.stage_conversion(late_row, opps).set_index("stage")
    assert np.isnan(funnel.loc["Discover", "median_days_in_stage"])
    assert (funnel["median_days_in_stage"].dropna() >= 0).all()


@pytest.mark.parametrize("table", ["history", "opportunities"])
def test_a_stage_outside_the_stages_is_refused_not_ignored(history, opps, table):
    """A CRM's own stage names without stages=(...) would count every deal nowhere."""
    renamed = {"Discover": "Discovery call"}
    if table == "history":
        history = history.assign(stage=history["stage"].replace(renamed))
    else:
        opps = opps.assign(stage=opps["stage"].replace(renamed))
    name = "stage_history" if table == "history" else "opportunities"
    with pytest.raises(kt.SchemaError, match=f"1 stage label\\(s\\) of {name} are neither an "
                                             "open stage .* \\(e.g. 'Discovery call'\\)"):
        kt.stage_conversion(history, opps)
    own = ("Qualify", "Discovery call", "Propose", "Negotiate")
    funnel = kt.stage_conversion(history.assign(stage=history["stage"].replace(renamed)),
                                 opps.assign(stage=opps["stage"].replace(renamed)), stages=own)
    assert funnel["reached"].tolist() == [5, 5, 3, 2]


def test_one_stage_given_as_a_name_is_one_stage(history, opps):
    only = kt.stage_conversion(history[history["stage"] == "Qualify"],
                               opps.assign(stage="Qualify").where(opps["status"] == "open",
                                                                  opps), stages="Qualify")
    assert only["stage"].tolist() == ["Qualify"]
