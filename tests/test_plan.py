import math

import pytest

import kpitools as kt


def totals(frame):
    return dict(zip(frame["step"], frame["total"]))


def test_reverse_funnel_rounds_up_at_each_step():
    out = kt.plan(100_000, 5_000, 0.3, next_step_rate=0.45, outreach_per_first_meeting=12.5,
                  weeks=13)
    # 20 deals; 20/0.3 = 66.7 → 67; 67/0.45 = 148.9 → 149; 149 × 12.5 = 1862.5 → 1863.
    assert totals(out) == {"deals": 20, "opportunities": 67, "first_meetings": 149,
                           "outreach": 1863}
    assert out["per_week"].tolist() == [2, 6, 12, 144]


def test_float_noise_does_not_round_up():
    out = kt.plan(21, 1, 0.7)
    assert totals(out) == {"deals": 21, "opportunities": 30}
    assert "per_week" not in out


def test_worked_example_matches_formulas():
    assert totals(kt.plan(100_000, 5_000, 1.0))["deals"] == 20


def test_zero_rate_gives_nan_not_error():
    out = kt.plan(100_000, 5_000, 0.0, next_step_rate=0.5)
    assert totals(out)["deals"] == 20
    assert math.isnan(totals(out)["opportunities"]) and math.isnan(totals(out)["first_meetings"])


@pytest.mark.parametrize("kwargs, message", [
    ({"win_rate": 25}, "Did you mean 0.25"),
    ({"win_rate": -0.1}, "share between 0 and 1"),
    ({"win_rate": 0.2, "outreach_per_first_meeting": 10}, "needs next_step_rate"),
    ({"win_rate": 0.2, "weeks": 0}, "weeks must be a positive"),
])
def test_bad_inputs_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kt.plan(100_000, 5_000, **kwargs)
