"""Tiny literal frames whose KPIs can be checked by hand, and shared fixtures."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

T = pd.Timestamp


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def opps():
    """Five deals. A: won via Q→P→N (skips D). B: lost at Discover. C: open, went P→D (back).
    D: open at Discover. E: won with no history."""
    return pd.DataFrame({
        "opportunity_id": ["A", "B", "C", "D", "E"],
        "rep": ["x", "x", "y", "y", "y"],
        "source": ["Referral", "Outbound", "Referral", "Outbound", "Referral"],
        "created_at": [T("2024-01-01")] * 5,
        "amount": [10.0, 5.0, 3.0, 2.0, 8.0],
        "status": ["won", "lost", "open", "open", "won"],
        "stage": ["Closed Won", "Closed Lost", "Discover", "Discover", "Closed Won"],
        "closed_at": [T("2024-02-01"), T("2024-01-20"), pd.NaT, pd.NaT, T("2024-03-01")],
        "expected_close": [T("2024-02-01"), T("2024-01-20"), T("2024-03-15"), T("2024-02-10"),
                           T("2024-03-01")],
    })


@pytest.fixture
def history():
    """Stage history for ``opps``; the last row belongs to an unknown deal and is ignored."""
    return pd.DataFrame({
        "opportunity_id": ["A", "A", "A", "B", "B", "C", "C", "C", "D", "X"],
        "stage": ["Qualify", "Propose", "Negotiate", "Qualify", "Discover", "Qualify", "Propose",
                  "Discover", "Discover", "Qualify"],
        "entered_at": [T(d) for d in ["2024-01-01", "2024-01-05", "2024-01-10", "2024-01-01",
                                      "2024-01-03", "2024-01-01", "2024-01-04", "2024-01-08",
                                      "2024-01-02", "2024-01-01"]],
    })


@pytest.fixture
def activities():
    """Ann: 6 outreach, 2 first meetings (1 with a next step), 1 follow-up meeting.
    Bo: 2 calls and one other activity, no first meeting."""
    return pd.DataFrame({
        "activity_id": [f"a{i}" for i in range(12)],
        "rep": ["Ann"] * 9 + ["Bo"] * 3,
        "at": [T("2024-01-01") + pd.Timedelta(days=i) for i in range(12)],
        "kind": ["call", "email", "social", "event", "call", "email", "meeting", "meeting",
                 "meeting", "call", "call", "other"],
        "lead_id": ["L1", "L1", "L2", "L2", "L3", "L3", "L1", "L2", "L1", "L4", "L4", None],
        "is_first_meeting": [False] * 6 + [True, True, False] + [False] * 3,
        "next_step_scheduled": [False] * 6 + [True, False, False] + [False] * 3,
    })
