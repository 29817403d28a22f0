"""Answers a widget keeps by control values, drawn ahead in an idle kernel, and figures drawn
once into a PNG."""
import asyncio
import concurrent.futures
import io

import ipywidgets as widgets
import pytest
from matplotlib.figure import Figure

import kpitools as kt
from kpitools import _ahead
from kpitools._drawing import png
from kpitools._widgetbase import KPIWidget, _built


def counting_widget(keep, fail_on=None, follow=None):
    calls = []

    def render(values, view):
        calls.append((values["rep"], values["weeks"]))
        if values["rep"] == fail_on:
            raise ValueError("no data for " + values["rep"])
        view.html(f"<b>{values['rep']} x{values['weeks']}</b>")
        return f"{values['rep']}/{values['weeks']}"

    controls = {"rep": widgets.Dropdown(options=["All", "Ann", "Bo", "Cy"]),
                "weeks": widgets.IntSlider(value=4, min=1, max=8)}
    return _built(KPIWidget(controls, render, keep=keep, follow=follow)), calls


def shown(w):
    return w.output.outputs[0]["data"]["text/html"]


def test_a_changed_control_gives_its_own_answer_and_a_kept_one_is_not_drawn_again():
    w, calls = counting_widget(keep=4)
    w.controls["rep"].value = "Ann"
    assert w.result == "Ann/4" and "Ann x4" in shown(w)
    w.controls["weeks"].value = 5  # the other control changes the key too
    assert w.result == "Ann/5" and "Ann x5" in shown(w)
    w.controls["rep"].value = "All"
    w.controls["weeks"].value = 4
    assert w.result == "All/4" and "All x4" in shown(w)
    assert calls == [("All", 4), ("Ann", 4), ("Ann", 5), ("All", 5)]  # All/4 was kept


def test_without_keep_every_change_draws():
    w, calls = counting_widget(keep=0)
    w.controls["rep"].value = "Ann"
    w.controls["rep"].value = "All"
    assert calls == [("All", 4), ("Ann", 4), ("All", 4)]


def test_the_kept_answers_are_bounded_and_the_least_recently_shown_goes_first():
    w, calls = counting_widget(keep=2)
    for rep in ("Ann", "All", "Bo"):  # All was shown again after Ann: Ann goes
        w.controls["rep"].value = rep
    assert len(w._kept) == 2
    w.controls["rep"].value = "All"
    assert calls[-1] == ("Bo", 4)  # All kept
    w.controls["rep"].value = "Ann"
    assert calls[-1] == ("Ann", 4) and w.result == "Ann/4"  # Ann drawn again
    assert len(w._kept) == 2


def test_errors_are_shown_but_not_kept():
    w, calls = counting_widget(keep=4, fail_on="Bo")
    w.controls["rep"].value = "Bo"
    assert isinstance(w.error, ValueError) and "no data for Bo" in shown(w)
    w.controls["rep"].value = "All"
    assert w.error is None
    w.controls["rep"].value = "Bo"
    assert calls.count(("Bo", 4)) == 2


@pytest.fixture(scope="module")
def sample():
    return kt.load_sample()


def test_an_explorer_coming_back_to_a_rep_shows_that_reps_numbers(sample):
    w = kt.widgets.funnel_explorer(sample)
    first, second = sorted(sample.opportunities["rep"].unique())[:2]
    w.controls["rep"].value = first
    kept = w.result
    w.controls["rep"].value = second
    other = w.result
    w.controls["rep"].value = first
    assert w.result is kept  # not drawn again
    assert w.figures[0].axes[0].get_title().endswith(first)  # drawn again when asked for
    assert not other.equals(kept)
    fresh = kt.widgets.funnel_explorer(sample)
    fresh.controls["rep"].value = first
    assert w.result.equals(fresh.result)


def test_png_draws_a_laid_out_figure_once_at_the_dpi_asked():
    fig = Figure(figsize=(4, 2), layout="constrained")
    text = fig.subplots().set_title("drawn")
    draws = []
    original = text.draw
    text.draw = lambda renderer: (draws.append(1), original(renderer))
    data = png(fig, dpi=50)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 200  # width in pixels: 4 in at 50 dpi
    assert len(draws) == 1
    fig.savefig(io.BytesIO(), format="png")  # what png() avoids: two passes
    assert len(draws) == 3


def _running_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


@pytest.fixture
def kernel(monkeypatch):
    """As in an idle Jupyter kernel: a running loop, no cell run lately."""
    monkeypatch.setattr(_ahead, "IDLE", 0.05)
    monkeypatch.setattr(_ahead, "FIRST_IDLE", 0.2)
    monkeypatch.setattr(_ahead, "_kernel_loop", _running_loop)
    monkeypatch.setattr(_ahead, "_cells", {"running": False, "last": 0.0, "watched": True})
    monkeypatch.setattr(_ahead, "_planned", {"widget": None, "ahead": iter(()), "handle": None,
                                             "work": None, "key": None, "idle": 0.05})
    return _ahead._cells


def _in_a_loop(scenario):
    """Run ``scenario`` on a new event loop (in a thread: a test before may leave one running)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, scenario()).result()


def _used_in_a_loop(widgets_to_build=1, wait=0.5):
    """Build widgets, wait, choose Ann in each, wait: (widget, calls) pairs."""
    async def scenario():
        built = [counting_widget(keep=4) for _ in range(widgets_to_build)]
        await asyncio.sleep(wait)
        for w, _ in built:
            w.controls["rep"].value = "Ann"
        await asyncio.sleep(wait)
        return built
    return _in_a_loop(scenario)


def test_an_idle_kernel_draws_the_answers_one_click_away_once_a_control_is_used(kernel):
    [(w, calls)] = _used_in_a_loop()
    assert calls == [("All", 4), ("Ann", 4), ("Bo", 4), ("Cy", 4)]  # the next options first
    w.controls["rep"].value = "Bo"
    assert calls[-1] == ("Cy", 4) and w.result == "Bo/4"  # shown without drawing


def test_nothing_is_drawn_ahead_before_a_control_is_used(kernel):
    async def scenario():
        w, calls = counting_widget(keep=4)
        await asyncio.sleep(0.3)
        return calls
    assert _in_a_loop(scenario) == [("All", 4)]


def test_nothing_is_drawn_ahead_while_a_cell_runs(kernel):
    kernel["running"] = True
    [(w, calls)] = _used_in_a_loop()
    assert calls == [("All", 4), ("Ann", 4)]


def test_nothing_is_drawn_ahead_outside_a_kernel():
    [(w, calls)] = _used_in_a_loop()
    assert calls == [("All", 4), ("Ann", 4)]


def test_only_the_widget_used_last_draws_ahead(kernel):
    (first, first_calls), (second, second_calls) = _used_in_a_loop(2)
    assert first_calls == [("All", 4), ("Ann", 4)] and len(second_calls) == 4


def test_after_a_change_only_that_controls_next_answers_are_drawn_ahead(kernel):
    async def scenario():
        w, calls = counting_widget(keep=4)
        w.controls["rep"].value = "Ann"
        await asyncio.sleep(0.3)
        calls.clear()
        w.controls["weeks"].value = 5  # a slider: nothing one click away
        await asyncio.sleep(0.3)
        return calls
    assert _in_a_loop(scenario) == [("Ann", 5)]


def stepping_widget(keep=4, eager=False):
    """A widget whose render works in two steps and draws a figure: (widget, log)."""
    log = []

    def render(values, view):
        log.append(("computed", values["rep"]) + (values["role"],) * (values["role"] != "a"))
        yield
        fig = Figure(figsize=(3, 2))
        fig.subplots(1, 2)
        view.figure(fig)
        return values["rep"]

    controls = {"rep": widgets.Dropdown(options=["All", "Ann", "Bo", "Cy"]),
                "role": widgets.ToggleButtons(options=["a", "b"])}
    return _built(KPIWidget(controls, render, keep=keep, eager=eager)), log


def test_a_render_in_steps_answers_a_click_at_once_and_is_drawn_ahead_step_by_step():
    w, log = stepping_widget()
    w.controls["rep"].value = "Ann"
    assert w.result == "Ann" and kinds_of(w) == [["image/png", "text/plain"]]
    steps = w.draw_ahead({"rep": "Bo", "role": "a"})
    count = sum(1 for _ in steps)  # computed, figure made, laid out, two axes drawn
    assert count >= 4 and log[-1] == ("computed", "Bo")
    w.controls["rep"].value = "Bo"
    assert w.result == "Bo" and log.count(("computed", "Bo")) == 1  # kept: not drawn again
    assert w.output.outputs[0]["data"]["image/png"]  # the PNG drawn ahead


def kinds_of(w):
    return [sorted(o["data"]) for o in w.output.outputs]


def test_a_click_on_the_answer_being_drawn_ahead_finishes_it(kernel):
    async def scenario():
        w, log = stepping_widget()
        w.controls["rep"].value = "Ann"  # plans Bo, Cy, All
        for _ in range(200):  # until Bo is half drawn (2 s at most)
            if _ahead._planned["key"] == ("'Bo'", "'a'"):
                break
            await asyncio.sleep(0.01)
        w.controls["rep"].value = "Bo"  # half drawn: finished, not started again
        return w, log
    w, log = _in_a_loop(scenario)
    assert log.count(("computed", "Bo")) == 1 and w.result == "Bo"
    assert w.output.outputs[0]["data"]["image/png"]


def test_an_eager_widget_draws_every_controls_answers_ahead_once_the_page_is_quiet(kernel):
    async def scenario():
        w, log = stepping_widget(keep=8, eager=True)
        for _ in range(4):  # a page asking for its widgets: nothing drawn meanwhile
            await asyncio.sleep(0.1)
            kernel["last"] = _ahead.time.monotonic()
        talking = list(log)
        await asyncio.sleep(0.8)
        done, log[:] = list(log), []
        w.controls["role"].value = "b"  # drawn ahead: shown at once
        await asyncio.sleep(0.5)
        return talking, done, log
    talking, done, after = _in_a_loop(scenario)
    assert talking == [("computed", "All")]
    assert done == [("computed", rep) for rep in ("All", "Ann", "Bo", "Cy")] + [
        ("computed", "All", "b")]
    assert after == [("computed", rep, "b") for rep in ("Ann", "Bo", "Cy")]  # then every rep


def test_a_message_to_the_kernel_is_noted_as_activity(kernel):
    kernel["last"] = 0.0
    handler = _ahead._noted(lambda stream, idents, msg: msg["n"] * 2)
    assert handler(None, [], {"n": 21}) == 42 and kernel["last"] > 0


def weeks_of(values):
    """A follow: choosing a rep sets the weeks to the length of its name (All 3, Ann 3, Bo 2,
    Cy 2); Bo's fails."""
    if values["rep"] == "Bo":
        raise ValueError("no plan for Bo")
    return {"weeks": len(values["rep"]) + (values["rep"] == "Cy") * 4}


def test_a_followed_choice_sets_the_other_controls_and_draws_once():
    w, calls = counting_widget(keep=4, follow={"rep": weeks_of})
    assert w.values() == {"rep": "All", "weeks": 3} and calls == [("All", 3)]  # built so
    w.controls["weeks"].value = 7  # moved by hand: drawn as it is
    assert w.result == "All/7"
    w.controls["rep"].value = "Cy"  # the weeks reset by the choice, one answer drawn
    assert w.values() == {"rep": "Cy", "weeks": 6} and w.result == "Cy/6"
    assert calls == [("All", 3), ("All", 7), ("Cy", 6)]
    w.controls["rep"].value = "All"  # chosen again: reset again (and kept)
    assert w.values() == {"rep": "All", "weeks": 3} and calls[-1] == ("Cy", 6)


def test_a_failing_follow_shows_its_error_and_leaves_the_controls_as_they_are():
    w, calls = counting_widget(keep=4, follow={"rep": weeks_of})
    w.controls["rep"].value = "Bo"
    assert isinstance(w.error, ValueError) and "no plan for Bo" in shown(w)
    assert w.values() == {"rep": "Bo", "weeks": 3} and w.result is None
    assert calls == [("All", 3)]


def test_one_click_away_on_a_followed_control_is_what_choosing_it_sets():
    controls = {"rep": widgets.Dropdown(options=["All", "Ann", "Bo", "Cy"]),
                "weeks": widgets.IntSlider(value=7)}
    ahead = _ahead.one_click_away(controls, {"rep": "Ann", "weeks": 7}, {"rep": weeks_of})
    assert list(ahead) == [{"rep": "Cy", "weeks": 6}, {"rep": "All", "weeks": 3}]  # Bo fails


def test_an_idle_kernel_draws_ahead_what_a_followed_choice_sets(kernel):
    async def scenario():
        w, calls = counting_widget(keep=4, follow={"rep": weeks_of})
        w.controls["weeks"].value = 8
        w.controls["rep"].value = "Ann"
        await asyncio.sleep(0.5)
        drawn = list(calls)
        w.controls["rep"].value = "Cy"
        return w, drawn, calls
    w, drawn, calls = _in_a_loop(scenario)
    assert drawn == [("All", 3), ("All", 8), ("Ann", 3), ("Cy", 6)]  # not Cy with 8 weeks
    assert calls == drawn and w.result == "Cy/6"  # shown without drawing
