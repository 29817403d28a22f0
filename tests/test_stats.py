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
