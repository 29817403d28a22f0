"""Every self-check of every notebook, run as a learner would: unanswered (no answer shown),
with the right answer, two natural ways of typing it, and a wrong one (which says why).

The check cells are taken from the notebooks and run here with ``answer = ...`` replaced; they
need nothing but ``kt`` and ``data`` (the practice team, seen as its newest rep).
"""
import json
import math
import re
from pathlib import Path

import pytest

import kpitools as kt
from kpitools.exercises import NOT_ANSWERED
from kpitools.questions import QUESTIONS

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
ASK = re.compile(r'kt\.exercises\.ask\("([^"]+)", answer(, data)?\)')


def check_cells() -> list[tuple[str, str, str]]:
    """(notebook, question key, cell source) for every check cell."""
    out = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and "kt.exercises.ask(" in source:
                out.append((path.stem, ASK.search(source).group(1), source))
    return out


CELLS = check_cells()


@pytest.fixture(scope="module")
def data():
    return kt.course_data("sample")


def run(source: str, answer, data):
    """The cell with the learner's answer typed in; returns the feedback it shows."""
    typed = source.replace("answer = ...", f"answer = {answer!r}")
    namespace = {"kt": kt, "data": data}
    exec(typed.replace("kt.exercises.ask(", "shown = kt.exercises.ask("), namespace)
    return namespace["shown"]


def forms(question, right, data) -> list:
    """Two natural ways a learner types the right answer."""
    if question.kind == "choice":
        options = question.choices(data)
        synonyms = question.accept.get(right, [])
        letter = "abcdefgh"[options.index(right)]
        return [f"({letter.upper()})" if not synonyms else synonyms[0],
                f"  {right.upper()}. "]
    if question.kind == "yesno":
        return ["Yes!", "yep"] if right else ["No.", "nope"]
    if question.kind == "share" or (question.kind == "mistake" and 0 < right < 1):
        return [f"{right:.1%}", f"{right * 100:.1f} %"]
    if right >= 1000:
        return [f"{right:,.0f}", f"${right / 1000:g}k"]
    return [f"{right:g} " + {"05.coverage_needed_25": "x"}.get(question.key, ""),
            f"{right:,.1f}"]


def wrong(question, right, data):
    if question.kind == "choice":
        return next(o for o in question.choices(data) if o != right)
    if question.kind == "yesno":
        return "yes" if not right else "no"
    if question.kind == "share" or (question.kind == "mistake" and 0 < right < 1):
        return f"{(right + 0.3) % 1:.0%}"
    return right * 2 + 1


def test_every_check_cell_holds_only_the_answer_and_a_known_question():
    keys = [key for _, key, _ in CELLS]
    assert sorted(keys) == sorted(QUESTIONS), "each question is asked once, in one notebook"
    for notebook, key, source in CELLS:
        code = [line for line in source.splitlines() if line and not line.startswith("#")]
        assert code[0] == "answer = ..." and len(code) == 2, (notebook, key, code)
        assert key.startswith(notebook[:2]), (notebook, key)
        question = QUESTIONS[key]
        if question.kind == "choice" and not callable(question.options):
            comment = " ".join(line for line in source.splitlines() if line.startswith("#"))
            for option in question.options:  # the options the learner can pick are shown
                assert option in comment, (key, option)


@pytest.mark.parametrize("notebook, key, source", CELLS, ids=[k for _, k, _ in CELLS])
def test_a_check_cell_as_a_learner_runs_it(notebook, key, source, data):
    question = QUESTIONS[key]
    right = question.answer(data)
    unanswered = run(source, ..., data)
    assert unanswered.ok is None and unanswered.message == NOT_ANSWERED
    assert run(source, right, data).ok is True, (key, right)
    for typed in forms(question, right, data):
        shown = run(source, typed, data)
        assert shown.ok is True, (key, typed, shown.message)
    miss = run(source, wrong(question, right, data), data)
    assert miss.ok is False, (key, miss.message)
    reason = question.why if isinstance(question.why, str) else None
    if isinstance(question.why, dict):
        reason = question.why.get(wrong(question, right, data))
    if reason:
        assert reason in miss.message, (key, miss.message)  # a wrong answer says why
    if question.kind in ("number", "share", "mistake") and not math.isnan(right):
        assert f"{right:,.0f}" not in miss.message.replace("Not quite:", "") or right < 10


def test_natural_answers_from_the_issue():
    sam = kt.course_data("sample")
    gap = QUESTIONS["05.my_gap"]
    right = gap.answer(sam)
    for typed in (f"{right:,.0f}", f"${right / 1000:g}k", f"{right:,.0f}".replace(",", " ")):
        assert gap.check(typed, sam).ok, typed
    assert QUESTIONS["04.me_vs_team"].check("too early to tell", sam).ok
    assert QUESTIONS["05.coverage_denominator"].check("the gap", None).ok
    assert not QUESTIONS["05.enough_at_1_5"].check("yes", None).ok
    assert "1.5× covers about half" in QUESTIONS["05.enough_at_1_5"].check("yes", None).message
