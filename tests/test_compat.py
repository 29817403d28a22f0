"""Old call forms keep working for one release, with a warning that shows the new call."""
import inspect
import warnings

import pandas as pd
import pytest

import kpitools as kt
from kpitools._compat import old_calls


@old_calls(positional=("by", "freq"), renamed={"period": "freq"})
def kpi(frame, *, by=None, freq=None):
    return frame, by, freq


def test_positional_options_map_to_their_keywords_in_order():
    with pytest.warns(FutureWarning, match=r"kpi: pass (by|freq)=\.\.\. by keyword") as caught:
        assert kpi("f", "rep", "MS") == ("f", "rep", "MS")
    assert len(caught) == 2 and "freq=..." in str(caught[1].message)
    assert caught[0].filename == __file__  # the warning points at the caller's line


def test_renamed_keyword_is_the_new_one():
    with pytest.warns(FutureWarning, match="kpi: period= is now freq=; the old name will stop"):
        assert kpi("f", period="QS") == ("f", None, "QS")


def test_too_many_positional_arguments_is_the_usual_error():
    with pytest.raises(TypeError, match="takes 1 positional arguments but 4 were given"):
        kpi("f", "rep", "MS", "extra")


def test_new_calls_do_not_warn_and_the_signature_is_the_new_one():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kpi("f", by="rep") == ("f", "rep", None)
    assert "(frame, *, by=None, freq=None)" == str(inspect.signature(kpi))
    assert "*, as_of, stages=None" in str(inspect.signature(kt.pipeline_as_of))


def test_interval_by_deals_confidence_by_position_still_works():
    with pytest.warns(FutureWarning, match="interval_by_deals: pass confidence=... by keyword"):
        old = kt.interval_by_deals(0.6, [5, 50], 0.8)
    pd.testing.assert_frame_equal(old, kt.interval_by_deals(0.6, [5, 50], confidence=0.8))
