"""Grouping keys: the same KPIs from object and Arrow ("str") text, periods as pandas has them."""
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import kpitools as kt
from kpitools import _groups


@pytest.fixture(scope="module")
def sample():
    return kt.load_sample()


def _text(frame: pd.DataFrame, dtype) -> pd.DataFrame:
    text = [c for c in frame.columns if frame[c].dtype == object or frame[c].dtype == "str"]
    return frame.astype(dict.fromkeys(text, dtype))


@pytest.mark.parametrize("by, freq", [(None, None), ("rep", "W"), (["rep", "kind"], "MS")])
def test_activity_ratios_same_for_object_and_str_text(sample, by, freq):
    acts = sample.activities
    pd.testing.assert_frame_equal(kt.activity_ratios(_text(acts, object), by=by, freq=freq),
                                  kt.activity_ratios(_text(acts, "str"), by=by, freq=freq))


@pytest.mark.parametrize("by, freq", [("source", None), (["source", "rep"], "W")])
def test_lead_kpis_same_for_object_and_str_text(sample, by, freq):
    leads = {dtype: _text(sample.leads, dtype) for dtype in (object, "str")}
    acts = {dtype: _text(sample.activities, dtype) for dtype in (object, "str")}
    opps = {dtype: _text(sample.opportunities, dtype) for dtype in (object, "str")}
    pd.testing.assert_frame_equal(
        kt.source_conversion(leads[object], acts[object], by=by, freq=freq),
        kt.source_conversion(leads["str"], acts["str"], by=by, freq=freq))
    pd.testing.assert_frame_equal(
        kt.lead_conversion(leads[object], opps[object], by=by, freq=freq),
        kt.lead_conversion(leads["str"], opps["str"], by=by, freq=freq))


@pytest.mark.parametrize("values", [
    pd.Series(["b", None, np.nan, "a", "b"], dtype=object),
    pd.Series(["b", None, "a"], dtype="str"),
    pd.Series(pd.array(pa.chunked_array([["b", None], ["a", "c", None, "b"], []],
                                        pa.large_string()), dtype="str")),  # blocks as read
    pd.Series([2.0, np.nan, 1.0, 2.0]),
    pd.Series([3, 1, 3]),
    pd.Series([1, None, 2], dtype=object),
    pd.Series(pd.to_datetime(["2024-02-01", None, "2023-01-01"])),
    pd.Series(pd.to_datetime(["2024-02-01 10:00", "2024-02-01 00:00", "2023-01-01 00:00"])),
    pd.Series(pd.to_datetime(["1969-12-29", "2024-05-13", None, "1969-12-29"]).as_unit("s")),
    pd.Series(pd.to_datetime([None, None])),
    pd.Series([], dtype="datetime64[us]"),
    pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02"]).tz_localize("UTC")),
])
def test_group_ids_of_one_key_are_groupby_ngroup(values):
    groups = _groups.group_ids({"k": values}, len(values))
    grouped = pd.DataFrame({"k": values}).groupby("k", sort=True, dropna=False)
    np.testing.assert_array_equal(groups.ids, grouped.ngroup().to_numpy())
    assert groups.count == grouped.ngroups
    pd.testing.assert_index_equal(groups.keys["k"], grouped.size().index.rename(None),
                                  exact=False)


def test_group_ids_of_many_rows_and_keys_are_groupby_ngroup():
    rng = np.random.default_rng(11)
    days = pd.Timestamp("2023-01-02") + pd.to_timedelta(7 * rng.integers(0, 60, 5000), "D")
    keys = {"rep": pd.Series(rng.choice(["Al", "Bo", "Cy", None], 5000), dtype="str"),
            "period": pd.Series(days).where(rng.random(5000) > 0.01),
            "kind": pd.Series(rng.choice(["call", "email"], 5000), dtype=object)}
    groups = _groups.group_ids(keys, 5000)
    grouped = pd.DataFrame(keys).groupby(list(keys), sort=True, dropna=False)
    np.testing.assert_array_equal(groups.ids, grouped.ngroup().to_numpy())
    expected = grouped.size().index.to_frame(index=False)
    pd.testing.assert_frame_equal(pd.DataFrame(groups.keys), expected, check_dtype=False)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("freq", ["D", "W", "M", "Q"])
def test_period_start_is_pandas_period_start(unit, freq):
    dates = pd.Series(pd.to_datetime(["1969-12-31 23:59", "1970-01-01 00:01", None,
                                      "2024-05-19 08:00", "2024-05-20 00:00"]).as_unit(unit))
    expected = dates.dt.to_period(freq).dt.start_time.astype("datetime64[ns]")
    pd.testing.assert_series_equal(_groups.period_start(dates, freq), expected,
                                   check_names=False)


def test_is_in_each_is_pandas_isin_for_each_column():
    rng = np.random.default_rng(5)
    known = pd.Series([f"L{i}" for i in range(0, 40, 3)], dtype="str")
    columns = [pd.Series(np.where(rng.random(n) < 0.2, None,
                                  [f"L{i}" for i in rng.integers(0, 40, n)]), dtype=dtype)
               for n, dtype in ((11, "str"), (0, "str"), (23, object), (4, "str"))]
    found = _groups.is_in_each(columns, known)
    assert [f.tolist() for f in found] == [c.isin(known).tolist() for c in columns]
