import numpy as np
import pandas as pd

from kpitools import _groups
from kpitools._stats import safe_divide


def test_safe_divide_never_gives_inf():
    out = safe_divide(np.array([1.0, 0.0, 2.0]), np.array([0.0, 0.0, 4.0]))
    assert np.isnan(out[0]) and np.isnan(out[1]) and out[2] == 0.5


def test_period_start_for_each_frequency():
    dates = pd.Series(pd.to_datetime(["2024-02-29 23:59", "2024-12-31 00:00", None]))
    assert _groups.period_start(dates, "MS").iloc[0] == pd.Timestamp("2024-02-01")
    assert _groups.period_start(dates, "QS").iloc[1] == pd.Timestamp("2024-10-01")
    assert _groups.period_start(dates, "YS").iloc[1] == pd.Timestamp("2024-01-01")
    assert _groups.period_start(dates, "W").iloc[1] == pd.Timestamp("2024-12-30")
    assert _groups.period_start(dates, "D").iloc[0] == pd.Timestamp("2024-02-29")
    assert _groups.period_start(dates, "W").isna().tolist() == [False, False, True]


def test_period_start_matches_pandas_periods():
    dates = pd.Series(pd.date_range("2023-12-25", periods=400, freq="17h"))
    for ours, theirs in (("W", "W"), ("MS", "M"), ("QS", "Q")):
        expected = dates.dt.to_period(theirs).dt.start_time
        assert (_groups.period_start(dates, ours) == expected).all()


def test_group_ids_follow_groupby_order_with_missing_keys_last():
    rep = pd.Series(["Bo", None, "Al", "Bo", "Al", None], dtype=object)
    region = pd.Series(["N", "S", "S", "N", None, "S"], dtype="str")
    ids, _, keys = _groups.group_ids({"rep": rep, "region": region}, 6)
    groups = pd.DataFrame(keys)
    expected = (pd.DataFrame({"rep": rep, "region": region, "x": 1})
                .groupby(["rep", "region"], dropna=False, sort=True).size().reset_index())
    pd.testing.assert_frame_equal(groups, expected[["rep", "region"]], check_column_type=False)
    assert ids.tolist() == [2, 3, 0, 2, 1, 3]


def test_summarise_matches_groupby_for_counts_and_floats():
    rng = np.random.default_rng(0)
    rep = pd.Series(rng.choice(["Al", "Bo", None], 500), dtype=object)
    values = {"won": rng.random(500) < 0.3, "n": np.ones(500, dtype="int64"),
              "amount": rng.random(500) * 1e4}
    how = {"won": "sum", "n": "sum", "amount": "median"}
    out = _groups.summarise(values, {"rep": rep}, how)
    expected = (pd.DataFrame(values).assign(rep=rep.to_numpy())
                .groupby("rep", dropna=False).agg(how).reset_index())
    pd.testing.assert_frame_equal(out, expected, check_exact=True)
    total = _groups.summarise(values, {}, how)
    assert total.loc[0, "won"] == values["won"].sum() and total.loc[0, "n"] == 500


def test_equals_for_both_string_dtypes():
    for dtype in (object, "str"):
        column = pd.Series(["meeting", None, "call"], dtype=dtype)
        assert _groups.equals(column, "meeting").tolist() == [True, False, False]


def test_renumber_counts_or_hashes_like_sorted_factorize(rng):
    for bound in (50, 10**9):  # counting, then hashing
        values = rng.integers(0, bound, 300)
        ids, distinct = _groups._renumber(values, bound)
        codes, uniques = pd.factorize(values, sort=True)
        assert ids.tolist() == codes.tolist() and distinct.tolist() == uniques.tolist()


def test_is_in_matches_isin_for_both_string_dtypes():
    for dtype in (object, "str"):
        column = pd.Series(["a", None, "b", "c"], dtype=dtype)
        for values in (pd.Series(["b", None], dtype=dtype), pd.Series([], dtype=dtype)):
            assert _groups.is_in(column, values).tolist() == column.isin(values).tolist()


def test_lookup_matches_get_indexer_for_both_string_dtypes():
    values = pd.Series(["O2", None, "O9", "O1", "O2"], dtype=object)
    for dtype in (object, "str"):
        index = pd.Index(["O1", "O2", None], dtype=dtype)
        expected = pd.Index(["O1", "O2", None], dtype=object).get_indexer(values)
        assert _groups.lookup(index, values).tolist() == expected.tolist()


def test_group_ids_key_types_as_groupby_infers_them():
    for values in (np.array([None, None], dtype=object), np.array([1, None, 2], dtype=object),
                   np.array([True, None, False], dtype=object)):
        _, count, keys = _groups.group_ids({"k": pd.Series(values)}, len(values))
        expected = pd.DataFrame({"x": 1, "k": values}).groupby("k", dropna=False).size().index
        pd.testing.assert_index_equal(keys["k"], expected.rename(None))
        assert count == len(expected)
