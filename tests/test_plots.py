"""Plots: the drawn objects carry the frame's numbers; axes-level conventions hold."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

import kpitools as kt
from kpitools import plots

T = pd.Timestamp


@pytest.fixture(scope="module")
def sample():
    return kt.load_sample()


def texts(ax):
    return [t.get_text() for t in ax.texts]


def widths(container):
    return [bar.get_width() for bar in container]


@pytest.fixture
def funnel(opps, history):
    return kt.stage_conversion(history, opps)


# --- plot_funnel ------------------------------------------------------------------------------
def test_funnel_bars_are_reached_per_stage_first_stage_on_top(funnel):
    fig, ax = plt.subplots()
    assert plots.plot_funnel(funnel, ax=ax) is ax
    reached, still_open = ax.containers[:2]
    assert widths(reached) == funnel["reached"].astype(float).tolist()
    assert widths(still_open) == funnel["still_open"].astype(float).tolist()
    assert [b.get_x() for b in still_open] == (funnel["reached"] - funnel["still_open"]).tolist()
    assert [t.get_text() for t in ax.get_yticklabels()] == list(kt.DEFAULT_STAGES)
    bottom, top = ax.get_ylim()
    assert bottom > top  # inverted: Qualify at the top
    first = funnel.iloc[0]
    assert any(f"{first.reached} · {first.conversion:.0%} moved on" in t for t in texts(ax))


def test_funnel_uses_current_axes_and_passes_kwargs(funnel):
    plt.figure()
    ax = plots.plot_funnel(funnel, color="red")
    assert ax is plt.gca()
    assert ax.containers[0][0].get_facecolor() == to_rgba("red")


def test_funnel_title_names_the_group_and_rejects_several(opps, history):
    by_rep = kt.stage_conversion(history, opps, by="rep")
    ax = plots.plot_funnel(by_rep[by_rep["rep"] == "x"])
    assert ax.get_title().endswith("— x")
    with pytest.raises(ValueError, match="Select one first"):
        plots.plot_funnel(by_rep)


def test_funnel_with_undecided_stage_shows_a_dash():
    frame = pd.DataFrame({"stage": ["Qualify"], "reached": [2], "advanced": [0],
                          "still_open": [2], "conversion": [np.nan]})
    assert "2 · – moved on" in plots.plot_funnel(frame).texts[0].get_text()


# --- plot_activity_ratios ---------------------------------------------------------------------
def test_activity_ratios_one_line_per_rep_over_periods(activities):
    ratios = kt.activity_ratios(activities, by="rep", freq="W")
    ax = plots.plot_activity_ratios(ratios, "outreach", linestyle="--")
    assert [line.get_label() for line in ax.lines] == ["Ann", "Bo"]
    ann = ratios[ratios["rep"] == "Ann"]
    assert ax.lines[0].get_ydata().tolist() == ann["outreach"].tolist()
    assert list(pd.to_datetime(ax.lines[0].get_xdata())) == ann["period"].tolist()
    assert ax.lines[1].get_linestyle() == "--"
    assert ax.get_legend() is not None


def test_activity_rate_is_drawn_as_percent(activities):
    ratios = kt.activity_ratios(activities, freq="MS")
    ax = plots.plot_activity_ratios(ratios, "next_step_rate")
    assert ax.lines[0].get_ydata().tolist() == [0.5]
    assert ax.yaxis.get_major_formatter()(0.5, 0) == "50%"
    assert ax.get_ylim() == (0, 1)
    assert "next step" in ax.get_title()


def test_activity_ratios_without_periods_draws_bars(activities):
    ratios = kt.activity_ratios(activities, by="rep")
    ax = plots.plot_activity_ratios(ratios, "outreach")
    assert widths_h(ax.containers[0]) == [6.0, 2.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Ann", "Bo"]


def widths_h(container):
    return [bar.get_height() for bar in container]


def test_activity_ratios_without_first_meetings_say_so(activities):
    """An export marks no first meetings: a sentence on the axes, not an empty 1970 axis."""
    unmarked = activities.assign(is_first_meeting=False)
    ax = plots.plot_activity_ratios(kt.activity_ratios(unmarked, freq="MS"))
    assert not ax.lines and "No first meetings in the data" in ax.texts[0].get_text()
    assert list(ax.get_xticks()) == [] and "first meeting" in ax.get_title()


def test_activity_ratios_unknown_metric_names_the_choices(activities):
    with pytest.raises(ValueError, match="next_step_rate"):
        plots.plot_activity_ratios(kt.activity_ratios(activities), "calls")


# --- plot_win_rate ----------------------------------------------------------------------------
def test_win_rate_points_and_interval_extents(opps):
    rates = kt.win_rate(opps, by="rep")
    ax = plots.plot_win_rate(rates, marker="s")
    points = ax.lines[0]
    assert points.get_xdata().tolist() == rates["win_rate"].tolist()
    assert points.get_marker() == "s"
    segments = ax.collections[0].get_segments()
    for segment, row in zip(segments, rates.itertuples()):
        assert segment[:, 0].tolist() == pytest.approx([row.ci_low, row.ci_high])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y"]
    assert ax.get_xlim() == (0, 1)
    assert ax.xaxis.get_major_formatter()(0.25, 0) == "25%"
    assert "50%  (1 won / 1 lost)" in texts(ax)


def test_win_rate_labels_detected_or_given(opps):
    overall = kt.win_rate(opps)
    ax = plots.plot_win_rate(overall, confidence=0.8)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["all deals"]
    assert "80% likely range" in ax.get_title()
    per_quarter = kt.win_rate(opps, by="rep", freq="QS")
    ax = plots.plot_win_rate(per_quarter, ax=plt.figure().subplots())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x · Jan 2024", "y · Jan 2024"]
    ax = plots.plot_win_rate(overall.assign(who="me"), label="who",
                             ax=plt.figure().subplots())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["me"]


def test_win_rate_without_closed_deals_and_weighted(opps):
    rates = kt.win_rate(opps[opps["status"] == "open"])
    assert "no closed deals yet" in texts(plots.plot_win_rate(rates))
    weighted = kt.win_rate(opps, weight="amount")
    ax = plots.plot_win_rate(weighted, ax=plt.figure().subplots())
    assert ax.lines[0].get_xdata().tolist() == weighted["win_rate"].tolist()
    assert "Value-weighted" in ax.get_xlabel()


# --- plot_interval_by_deals -------------------------------------------------------------------
def test_interval_band_narrows_with_deals():
    table = kt.interval_by_deals(0.6, [5, 50, 500])
    ax = plots.plot_interval_by_deals(table, alpha=0.5)
    assert ax.lines[0].get_ydata().tolist() == table["win_rate"].tolist()
    band = ax.collections[0]
    assert band.get_alpha() == 0.5
    ys = band.get_paths()[0].vertices[:, 1]
    assert min(ys) == pytest.approx(table["ci_low"].min())
    assert max(ys) == pytest.approx(table["ci_high"].max())
    assert ax.get_xscale() == "log"
    assert f"{table['ci_low'][0]:.0%}–{table['ci_high'][0]:.0%}" in texts(ax)


# --- plot_quota_gap ---------------------------------------------------------------------------
@pytest.fixture
def gap_rows():
    return pd.DataFrame({
        "rep": ["Ann", "Bo", "Cy"], "period": [T("2024-03-01")] * 3,
        "quota": [100.0, 50.0, np.nan], "closed_won": [40.0, 60.0, 10.0],
        "attainment": [0.4, 1.2, np.nan], "gap": [60.0, 0.0, np.nan],
        "open_pipeline": [30.0, 5.0, 0.0], "pipeline_Qualify": [10.0, 5.0, 0.0],
        "pipeline_Propose": [20.0, 0.0, 0.0], "coverage": [0.5, np.nan, np.nan]})


def test_quota_gap_stacks_closed_won_and_pipeline_by_stage(gap_rows):
    ax = plots.plot_quota_gap(gap_rows, color="purple")
    closed, qualify, propose = ax.containers
    assert widths(closed) == [40.0, 60.0, 10.0]
    assert closed[0].get_facecolor() == to_rgba("purple")
    assert widths(qualify) == [10.0, 5.0, 0.0] and [b.get_x() for b in qualify] == [40, 60, 10]
    assert widths(propose) == [20.0, 0.0, 0.0] and [b.get_x() for b in propose] == [50, 65, 10]
    quota = ax.collections[0].get_segments()
    assert [s[0, 0] for s in quota] == [100.0, 50.0]  # no marker without a quota
    assert texts(ax) == ["gap 60\ncoverage 0.5×", "quota reached", "no quota"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Ann", "Bo", "Cy"]
    assert "Mar 2024" in ax.get_title()
    assert ax.xaxis.get_major_formatter()(25000, 0) == "25,000"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "quota", "closed won", "open: Qualify", "open: Propose"]


def test_quota_gap_of_one_rep_over_months_labels_months(sample):
    gap = kt.quota_gap(sample.opportunities, sample.quotas, as_of=sample.today)
    rows = gap[(gap["rep"] == "Mei Lin") & (gap["period"] <= "2024-12-01")].tail(3)
    ax = plots.plot_quota_gap(rows)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Oct 2024", "Nov 2024", "Dec 2024"]
    assert "Mei Lin" in ax.get_title()
    assert widths(ax.containers[0]) == rows["closed_won"].tolist()


def test_quota_gap_of_a_past_month_has_no_pipeline_figure(gap_rows):
    past = gap_rows.assign(open_pipeline=np.nan, pipeline_Qualify=np.nan,
                           pipeline_Propose=np.nan, coverage=np.nan)
    ax = plots.plot_quota_gap(past)
    assert texts(ax) == ["gap 60", "quota reached", "no quota"]
    assert widths(ax.containers[0]) == [40.0, 60.0, 10.0]
    assert ax.get_xlim() == (0, pytest.approx(105.0))


def test_quota_gap_marks_the_pipeline_the_win_rate_needs(gap_rows):
    judged = gap_rows.assign(win_rate_used=0.25, coverage_needed=4.0, coverage_needed_low=2.5,
                             coverage_needed_high=8.0,
                             verdict=["build pipeline", "quota reached", "no quota"])
    ax = plots.plot_quota_gap(judged)
    # Ann: 40 won + a gap of 60 × 4 = 280; the range 40 + 60 × 2.5 to 40 + 60 × 8
    assert ax.lines[0].get_xdata().tolist() == [280.0]
    assert ax.collections[1].get_segments()[0][:, 0].tolist() == [190.0, 520.0]
    assert texts(ax)[0] == "gap 60: build pipeline\ncoverage 0.5× of 4.0×"
    assert "bar short of the diamond" in ax.get_title()
    assert "close what you have" not in ax.get_title()
    assert ax.get_xlim()[1] == pytest.approx(280 * 1.05)
    assert "pipeline needed at the win rate" in " ".join(
        t.get_text() for t in ax.get_legend().get_texts())


# --- plot_plan --------------------------------------------------------------------------------
def test_plan_draws_centred_bars_of_the_totals():
    frame = kt.plan(100_000, 5_000, 0.25, next_step_rate=0.5, outreach_per_first_meeting=12,
                    weeks=12)
    ax = plots.plot_plan(frame, color="green")
    bars = ax.containers[0]
    assert widths(bars) == frame["total"].astype(float).tolist()
    assert [b.get_x() for b in bars] == (-frame["total"] / 2).tolist()
    assert bars[0].get_facecolor() == to_rgba("green")
    assert texts(ax)[-1] == "1,920 in total\n160 a week"
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "Outreach touches"


def test_plan_with_a_zero_rate_says_not_reachable():
    ax = plots.plot_plan(kt.plan(1000, 100, 0.0))
    assert texts(ax) == ["10 in total", "not reachable: a rate is 0"]


# --- plot_transition_heatmap and plot_catalogue -----------------------------------------------
def test_transition_heatmap_shows_counts_and_share(opps, history):
    matrix = kt.transition_matrix(history, opps)
    ax = plots.plot_transition_heatmap(matrix, cmap="Greens")
    counts = matrix.drop(columns="out_of_order_share")
    assert ax.images[0].get_array().tolist() == counts.to_numpy().tolist()
    assert ax.images[0].get_cmap().name == "Greens"
    assert texts(ax) == [str(v) for v in counts.to_numpy().ravel()]
    assert f"{matrix.attrs['out_of_order_share']:.0%} skip a stage or go back" in ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()][-2:] == ["Won", "Lost"]


def test_catalogue_counts_leading_and_lagging_per_group():
    table = kt.catalogue()
    ax = plots.plot_catalogue(table)
    leading, lagging = ax.containers
    groups = [t.get_text() for t in ax.get_yticklabels()]
    expected = pd.crosstab(table["group"], table["indicator"]).reindex(groups)
    assert widths(leading) == expected["leading"].tolist()
    assert widths(lagging) == expected["lagging"].tolist()


def test_period_labels_read_as_quarters_or_months():
    quarters = pd.Series(pd.to_datetime(["2024-01-01", "2024-04-01"]))
    months = pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01"]))
    weeks = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-08"]))
    assert plots._period_labels(quarters) == ["Q1 2024", "Q2 2024"]
    assert plots._period_labels(months) == ["Jan 2024", "Feb 2024"]
    assert plots._period_labels(weeks) == ["01 Jan 2024", "08 Jan 2024"]


def test_without_ax_each_chart_gets_its_own_figure():
    data = kt.load_sample()
    first = kt.plots.plot_funnel(kt.stage_conversion(data.stage_history, data.opportunities))
    second = kt.plots.plot_activity_ratios(
        kt.activity_ratios(data.activities, by="rep", freq="W"), "next_step_rate")
    assert first.figure is not second.figure
    plt.close("all")
