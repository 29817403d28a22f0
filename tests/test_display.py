"""Tables for people: kinds of numbers by column, dates as words, '–' with a reason, escaping."""
import numpy as np
import pandas as pd

from kpitools import display

T = pd.Timestamp


def test_each_kind_of_column_reads_as_people_write_it():
    frame = pd.DataFrame({"period": [T("2024-11-01"), T("2024-12-01")], "won": [1200, 3],
                          "win_rate": [0.256, 0.5], "closed_won": [12345.6, 0.0],
                          "pipeline_Qualify": [1000.0, np.nan], "coverage": [1.25, 0.4],
                          "avg_cycle_days": [10.4, 3.0], "outreach_per_first_meeting": [19.21, 4],
                          "rep": ["Ann", None]})
    shown = display.table(frame)
    assert shown.frame.values.tolist() == [
        ["Nov 2024", "1,200", "26%", "12,346", "1,000", "1.2×", "10", "19.2", "Ann"],
        ["Dec 2024", "3", "50%", "0", "–", "0.4×", "3", "4.0", "–"]]
    assert list(shown.frame.columns)[:3] == ["period", "won", "win rate"]
    assert shown.notes == ["– pipeline Qualify: a past month: today's open deals say nothing "
                           "about it", "– rep: not recorded"]


def test_small_shares_keep_a_decimal_and_days_show_the_day():
    frame = pd.DataFrame({"lead_to_won_rate": [0.048, 0.02],
                          "at": [T("2024-12-09 10:30"), T("2024-12-10")]})
    assert display.table(frame).frame.values.tolist() == [["4.8%", "09 Dec 2024"],
                                                          ["2.0%", "10 Dec 2024"]]


def test_a_series_shows_as_two_columns_and_kinds_can_be_given():
    shown = display.table(pd.Series({"quota": 36400.0, "share": 0.5}, name="value"),
                          kinds={"value": "money"})
    assert shown.frame.values.tolist() == [["quota", "36,400"], ["share", "0"]]


def test_every_text_is_escaped_and_kept_from_math():
    hostile = '<img src=x onerror=alert(1)> "$x$" &amp;'
    frame = pd.DataFrame({hostile: [hostile], "win_rate": [np.nan]})
    page = display.table(frame, caption=hostile, reasons={"win_rate": hostile}).to_html()
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&amp;amp;" in page and "&quot;$x$&quot;" in page
    assert 'class="kt-table tex2jax_ignore mathjax_ignore"' in page


def test_values_and_missing_values():
    assert display.value(0.3048, "percent") == "30%"
    assert display.value(np.nan, "percent") == "–"
    assert display.value(None, "money") == "–"
    assert display.value(1234.5, "count") == "1,234"
    assert display.value(2.0, "times") == "2.0×"
    assert display.value(-0.4, "count") == "0"  # rounds to zero: no "-0"
    assert display.value(-0.0004, "percent", decimals=1) == "0.0%"
    assert display.value(-0.6, "count") == "-1"


def test_rows_of_different_kinds_and_yes_no():
    frame = pd.DataFrame({"what": ["touches", "closed-won"], "unit": ["count", "money"],
                          "target": [387.0, 36400.0],
                          "on_track": pd.array([True, None], dtype="boolean")})
    shown = display.table(frame, row_kind="unit")
    assert list(shown.frame.columns) == ["what", "target", "on track"]
    assert shown.frame.values.tolist() == [["touches", "387", "yes"],
                                           ["closed-won", "36,400", "–"]]
