"""Self-check helpers for the notebooks: feedback that never raises and never gives the answer
away before the learner has answered.

A notebook ships with ``answer = ...``; checking it then says "Not answered yet" instead of
failing, so every notebook runs top to bottom in the tests as shipped. Answers are read the way
people type them: numbers with thousands separators (``36,400``, ``36 400``, ``36.400``), a
currency sign or a ``k``/``m`` suffix (``$36.4k``); rates as ``0.25``, ``"25%"`` or ``25``; text
ignoring case, spacing and punctuation, with the synonyms a question lists, and a choice by
letter, by its text or by a few of its words. A wrong answer says *why* (the question's
explanation), not what the right answer is.

``ask(question, answer, data)`` checks a question of the course's bank (``kpitools.questions``),
so a notebook's check cell holds nothing but the learner's answer.
"""
from __future__ import annotations

import html
import math
import numbers
import re
from dataclasses import dataclass

import numpy as np

__all__ = ["Feedback", "check", "check_choice", "spot_the_mistake", "ask", "read_numbers",
           "NOT_ANSWERED", "NOT_CHOSEN"]

NOT_ANSWERED = "Not answered yet: type your answer in place of the ... and run the cell again."
NOT_CHOSEN = "Not answered yet: pick an answer in the list."
SHARE_TOLERANCE = 0.005      # half a percentage point: "17%" passes for 16.67%
NUMBER_TOLERANCE = 0.005     # relative: rounding to a few digits passes
CLOSE = 0.05                 # within 5%: "close, but not exact"
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
_SPACES = re.compile(r"(?<=\d)[\s\u00a0\u202f'’_](?=\d)")
_SUFFIXES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6}
_STYLE = {True: ("✅", "#1b5e20", "#e8f5e9"), False: ("❌", "#b71c1c", "#ffebee"),
          None: ("✏️", "#616161", "#f5f5f5")}
_FILLER = {"a", "an", "the", "of", "to", "it", "is", "i", "you", "your", "on", "more", "my",
           "we", "should", "would", "focus", "and", "indicator", "kpi", "option"}


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``ok`` is True, False, or None when not answered yet.

    Shows as a green, red or grey line in a notebook; ``bool(feedback)`` is True only for a
    correct answer.

    Examples
    --------
    >>> Feedback(True, "Correct! 25%")
    ✅ Correct! 25%
    >>> bool(Feedback(None, NOT_ANSWERED))
    False
    """

    ok: bool | None
    message: str
    hint: str | None = None

    def __bool__(self) -> bool:
        return self.ok is True

    def __str__(self) -> str:
        return f"{_STYLE[self.ok][0]} {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        icon, colour, background = _STYLE[self.ok]
        return (f'<div class="tex2jax_ignore mathjax_ignore" style="color:{colour};'
                f"background:{background};padding:6px 10px;border-left:4px solid {colour};"
                f'border-radius:3px">{icon} {html.escape(self.message)}</div>')


def _is_placeholder(answer) -> bool:
    return answer is ... or answer is None or (
        isinstance(answer, str) and answer.strip() in ("", "...", "…"))


def read_numbers(answer) -> tuple[list[float], bool]:
    """The values an answer can mean, and whether it was typed as a percent.

    Thousands separators (comma, space, apostrophe, or a dot before exactly three digits), a
    decimal comma, a currency sign, a ``k``/``m`` suffix and a ``%`` are read; an ambiguous
    answer such as ``"36.400"`` gives both readings.

    Examples
    --------
    >>> read_numbers("$36.4k"), read_numbers("36 400"), read_numbers("36,400")
    (([36400.0], False), ([36400.0], False), ([36400.0, 36.4], False))
    >>> read_numbers("25 %"), read_numbers("0,25"), read_numbers("36.400")
    (([0.25], True), ([0.25], False), ([36.4, 36400.0], False))
    >>> read_numbers("20,000 per day"), read_numbers("about twenty")
    (([20000.0, 20.0], False), ([], False))
    """
    if isinstance(answer, (bool, np.bool_)):
        return [], False
    if isinstance(answer, numbers.Real):
        return [float(answer)], False
    if not isinstance(answer, str):
        return [], False
    text = answer.strip().casefold().replace("\u2212", "-")
    if text in ("nan", "undefined", "none", "n/a"):  # a ratio with a zero denominator
        return [math.nan], False
    text = re.sub(r"\b(usd|eur|gbp|dollars?|euros?)\b|[$€£¥]", "", text).strip()
    units = re.fullmatch(r"(.*?\d\s*(?:%|k|m)?)\s*((?:(?:a|per|/)\s*)?[a-z][a-z /]*)", text)
    if units and not re.fullmatch(r"(k|m|mn|thousand|million|per ?cent|pct|x|times)",
                                  units.group(2).strip()):
        text = units.group(1).strip()  # "20 deals", "20,000 per day", "200 leads a month"
    percent = bool(re.search(r"(%|\bper ?cent\b|\bpct\b)$", text))
    text = re.sub(r"(%|\bper ?cent\b|\bpct\b)$", "", text).strip()
    text = re.sub(r"\s*(x|×|times)$", "", text)  # a coverage: "4x", "4×", "4 times"
    scale = 1.0
    suffix = re.search(r"\s*(k|thousand|mn|m|million)$", text)
    if suffix and re.search(r"\d", text[:suffix.start()] or "x"):
        scale, text = _SUFFIXES[suffix.group(1)], text[:suffix.start()].strip()
    text = _SPACES.sub("", text)
    out = [value * scale / (100 if percent else 1) for value in _readings(text)]
    return out, percent


def _readings(text: str) -> list[float]:
    """The plain numbers ``text`` can be, separators read every sensible way."""
    if "," in text and "." in text:  # the last one is the decimal point
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        other = "." if decimal == "," else ","
        text = text.replace(other, "").replace(decimal, ".")
        return [float(text)] if _NUMBER.fullmatch(text) else []
    for mark in (",", "."):
        if mark in text:
            groups = re.fullmatch(rf"[-+]?\d{{1,3}}(\{mark}\d{{3}})+", text)
            as_decimal = text.replace(mark, ".") if text.count(mark) == 1 else None
            readings = [float(text.replace(mark, ""))] if groups else []
            if as_decimal is not None and _NUMBER.fullmatch(as_decimal):
                readings.insert(len(readings) if mark == "," else 0, float(as_decimal))
            return readings  # a comma reads as thousands first, a dot as a decimal point
    return [float(text)] if _NUMBER.fullmatch(text) else []


def _show(value: float, share: bool) -> str:
    if share:
        return f"{value:.1%}".replace(".0%", "%")
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _explain(message: str, why: str | None, hint: str | None) -> str:
    parts = [message, why or "", f"Hint: {hint}" if hint else ""]
    return " ".join(part for part in parts if part)


def _words(text) -> list[str]:
    text = str(text).casefold().replace("can't", "cannot").replace("n't", " not")
    return re.findall(r"[\w×%+/<>=-]+", text)


def _normal(text) -> str:
    return " ".join(_words(text))


def check(answer, expected, *, tolerance: float | None = None, hint: str | None = None,
          share: bool | None = None, accept=(), why: str | None = None) -> Feedback:
    """Say whether an exercise answer is right, kindly, without ever raising.

    Parameters
    ----------
    answer
        What the learner typed: ``...`` (or None, "") means not answered yet.
    expected : float, int, str or bool
        The right answer. A float strictly between 0 and 1 is a share (a rate) unless
        ``share=False``; pass ``share=True`` when the answer is exactly 0% or 100%.
    tolerance : float, optional
        Absolute tolerance for numbers; default half a percentage point for shares and 0.5%
        of the expected value for other numbers.
    hint : str, optional
        Where to look, shown after a wrong answer.
    share : bool, optional
        Force (or forbid) reading ``expected`` as a share.
    accept : sequence of str, optional
        Other wordings that count as right for a text answer.
    why : str, optional
        Why the right answer is right, shown after a wrong answer (never the answer itself).

    Returns
    -------
    Feedback
        ``ok`` True (right), False (wrong, with why and the hint) or None (not answered yet).

    Examples
    --------
    >>> check(..., 0.25)
    ✏️ Not answered yet: type your answer in place of the ... and run the cell again.
    >>> check("25 %", 0.25)
    ✅ Correct! 25%
    >>> check(25, 0.25)
    ✅ Correct! 25% (read 25 as 25%)
    >>> check("$36.4k", 36_400)
    ✅ Correct! 36,400
    >>> check(0.02, 0.06, why="Gross churn counts every customer lost.")
    ❌ Not quite: 2% is too low. Gross churn counts every customer lost.
    >>> check("Too early to tell!", "not yet", accept=["too early to tell"])
    ✅ Correct! not yet
    """
    if _is_placeholder(answer):
        return Feedback(None, NOT_ANSWERED)
    if isinstance(expected, (bool, np.bool_)):
        return _check_bool(answer, bool(expected), hint, why)
    if isinstance(expected, numbers.Real):
        return _check_number(answer, float(expected), tolerance, hint, share, why)
    if isinstance(expected, str):
        if _normal(answer) in {_normal(expected), *map(_normal, accept)}:
            return Feedback(True, f"Correct! {expected}")
        return Feedback(False, _explain(f"Not quite: you answered {answer!r}.", why, hint), hint)
    try:
        ok = bool(answer == expected)
    except (TypeError, ValueError):
        ok = False
    if ok:
        return Feedback(True, f"Correct! {expected}")
    return Feedback(False, _explain(f"Not quite: you answered {answer!r}.", why, hint), hint)


def _check_number(answer, expected: float, tolerance, hint, share, why) -> Feedback:
    is_share = share if share is not None else (0 <= expected <= 1 and not expected.is_integer())
    values, percent = read_numbers(answer)
    if not values:
        example = "0.25 or 25%" if is_share else "36,400"
        return Feedback(False, _explain(f"Could not read {answer!r} as a number: type a number "
                                        f"such as {example}.", None, hint), hint)
    note = ""
    if is_share and not percent and values[0] > 1:
        values = [v / 100 for v in values]
        note = f" (read {answer} as {_show(values[0], True)})"
    if tolerance is None:
        tolerance = SHARE_TOLERANCE if is_share else NUMBER_TOLERANCE * abs(expected)
    for value in values:
        if _near(value, expected, tolerance):
            return Feedback(True, f"Correct! {_show(value, is_share)}{note}")
    value = values[-1] if len(values) > 1 and abs(values[-1] - expected) < abs(
        values[0] - expected) else values[0]
    shown = _show(value, is_share) + note
    if math.isnan(value) or math.isnan(expected):
        return Feedback(False, _explain(f"Not quite: {shown}.", why, hint), hint)
    if not is_share and abs(value - expected) <= CLOSE * abs(expected):
        return Feedback(False, _explain(f"Close, but not exact: {shown} is a rounded figure. "
                                        "Give the figure exactly.", None, hint), hint)
    direction = "too high" if value > expected else "too low"
    return Feedback(False, _explain(f"Not quite: {shown} is {direction}.", why, hint), hint)


def _near(value: float, expected: float, tolerance: float) -> bool:
    if math.isnan(value) or math.isnan(expected):
        return math.isnan(value) and math.isnan(expected)
    return abs(value - expected) <= tolerance + 1e-12


def _check_bool(answer, expected: bool, hint, why) -> Feedback:
    words = {"true": True, "yes": True, "y": True, "yep": True, "it does": True,
             "false": False, "no": False, "n": False, "nope": False, "not": False,
             "it does not": False}
    if isinstance(answer, (bool, np.bool_)):
        value = bool(answer)
    else:
        said = _words(answer)
        value = words.get(" ".join(said[:3])) if said else None
        value = words.get(said[0]) if value is None and said else value
    if value is None:
        return Feedback(False, _explain(f"Could not read {answer!r} as yes or no: answer "
                                        '"yes" or "no".', None, hint), hint)
    if value == expected:
        return Feedback(True, f"Correct! {'yes' if expected else 'no'}")
    return Feedback(False, _explain(f"Not quite: the answer is not {'yes' if value else 'no'}.",
                                    why, hint), hint)


def check_choice(answer, expected, options, *, hint: str | None = None,
                 accept: dict | None = None, why=None) -> Feedback:
    """Check a multiple-choice answer, given by letter ("b", "(B)"), by the option's text, by a
    few of its words ("the gap" for "the gap (quota minus closed-won)") or by a synonym.

    Parameters
    ----------
    answer
        The learner's choice; ``...`` if not answered.
    expected
        The right option, by letter or text.
    options : sequence
        The options in the order shown (A, B, C, ...).
    hint : str, optional
        Where to look, shown after a wrong answer.
    accept : dict, optional
        Option → other wordings that mean it, e.g. ``{"not yet": ["too early to tell"]}``.
    why : str or dict, optional
        Why the right option is right, or option → why that choice is wrong; shown after a
        wrong answer.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> options = ["won / all deals", "won / (won + lost)", "won / leads"]
    >>> check_choice("b", "won / (won + lost)", options)
    ✅ Correct! B: won / (won + lost)
    >>> check_choice("A", "B", options, why={"won / all deals": "Open deals are not decided."})
    ❌ Not quite: you chose A: won / all deals. Open deals are not decided.
    """
    options = list(options)
    letters = [chr(ord("A") + i) for i in range(len(options))]
    right = _option_index(expected, options, letters, {})
    if right is None:
        raise ValueError(f"check_choice: expected {expected!r} is not one of the options "
                         f"{options} (or letters {letters[0]}–{letters[-1]}).")
    if _is_placeholder(answer):
        return Feedback(None, NOT_ANSWERED)
    chosen = _option_index(answer, options, letters, accept or {})
    if chosen is None:
        return Feedback(False, f"Could not match {answer!r} to an option: answer with a "
                               f"letter {letters[0]}–{letters[-1]} or the option's words.")
    if chosen == right:
        return Feedback(True, f"Correct! {letters[right]}: {options[right]}")
    reason = why.get(options[chosen], why.get(options[right])) if isinstance(why, dict) else why
    return Feedback(False, _explain(f"Not quite: you chose {letters[chosen]}: "
                                    f"{options[chosen]}.", reason, hint), hint)


def _option_index(answer, options: list, letters: list[str], accept: dict) -> int | None:
    said = _normal(answer)
    for i, option in enumerate(options):
        if said == _normal(option) or said in map(_normal, accept.get(option, ())):
            return i
    if isinstance(answer, numbers.Real) and not isinstance(answer, bool):
        return None
    letter = said.strip("()").upper()
    if letter in letters:
        return letters.index(letter)
    words = set(_words(answer)) - _FILLER
    if not words:
        return None
    fits = [i for i, option in enumerate(options) if words <= set(_words(option))]
    return fits[0] if len(fits) == 1 else None


def spot_the_mistake(answer, expected, claimed, *, explanation: str = "",
                     tolerance: float | None = None, hint: str | None = None,
                     share: bool | None = None, why: str | None = None) -> Feedback:
    """Check the corrected value of a published figure that contains an arithmetic slip.

    Parameters
    ----------
    answer
        The learner's corrected value; ``...`` if not answered yet.
    expected : float
        The right value.
    claimed
        What the source printed (the mistake), e.g. ``200`` or ``"2%"``.
    explanation : str
        Why the source was wrong; shown once the answer is right.
    tolerance, hint, share, why
        As in ``check``.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> spot_the_mistake(200, 20_000, 200, explanation="200 × 0.25 × 10,000 / 25 is 20,000.")
    ❌ That is the figure the source printed (200): it is the mistake. Redo the arithmetic
    from the inputs.
    >>> spot_the_mistake("20,000", 20_000, 200, explanation="200 × 0.25 × 10,000 / 25 is 20,000.")
    ✅ Correct! 20,000 — the source printed 200. 200 × 0.25 × 10,000 / 25 is 20,000.
    """
    feedback = check(answer, expected, tolerance=tolerance, hint=hint, share=share, why=why)
    if feedback.ok is None:
        return feedback
    if feedback.ok:
        return Feedback(True, f"{feedback.message} — the source printed {claimed}. "
                              f"{explanation}".rstrip())
    claimed_values, _ = read_numbers(claimed)
    is_share = share if share is not None else (
        isinstance(expected, float) and 0 <= expected <= 1 and not expected.is_integer())
    if claimed_values and check(answer, claimed_values[0], tolerance=tolerance,
                                share=is_share).ok:
        return Feedback(False, _explain(f"That is the figure the source printed ({claimed}): "
                                        "it is the mistake. Redo the arithmetic from the "
                                        "inputs.", None, hint), hint)
    return feedback


def ask(question: str, answer, data=None) -> Feedback:
    """Check the answer to one of the course's questions (``kpitools.questions``).

    Parameters
    ----------
    question : str
        The question's key, e.g. ``"04.win_rate_5_25"``.
    answer
        What the learner typed; ``...`` if not answered yet.
    data : CRMData, optional
        The notebook's data, for questions about it (the right answer is computed from it, so
        it is right on the practice team and on a rep's own export alike).

    Returns
    -------
    Feedback

    Examples
    --------
    >>> ask("04.win_rate_5_25", "16.7%")
    ✅ Correct! 16.7%
    """
    from kpitools.questions import QUESTIONS  # the bank computes answers with kpitools itself

    if question not in QUESTIONS:
        raise KeyError(f"ask: {question!r} is not a question of the course. Valid keys: "
                       f"{sorted(QUESTIONS)}.")
    return QUESTIONS[question].check(answer, data)
