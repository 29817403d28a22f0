"""Self-check helpers for the notebooks: friendly feedback that never raises on an answer.

A notebook ships with ``answer = ...``; ``check(answer, expected)`` then says "Not answered
yet" instead of failing, so every notebook runs top to bottom in the tests as shipped. Rates
may be typed as 0.25, "25%", "25 %" or 25 (read as 25%); numbers may carry thousands
separators or a currency sign; text is compared ignoring case and spacing.
"""
from __future__ import annotations

import html
import math
import numbers
import re
from dataclasses import dataclass

import numpy as np

__all__ = ["Feedback", "check", "check_choice", "spot_the_mistake", "NOT_ANSWERED"]

NOT_ANSWERED = "Not answered yet — replace ... with your answer"
SHARE_TOLERANCE = 0.005      # half a percentage point: "17%" passes for 16.67%
NUMBER_TOLERANCE = 0.005     # relative: rounding to a few digits passes
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
_STYLE = {True: ("✅", "#1b5e20", "#e8f5e9"), False: ("❌", "#b71c1c", "#ffebee"),
          None: ("✏️", "#616161", "#f5f5f5")}


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
        return (f'<div style="color:{colour};background:{background};padding:6px 10px;'
                f'border-left:4px solid {colour};border-radius:3px">'
                f"{icon} {html.escape(self.message)}</div>")


def _is_placeholder(answer) -> bool:
    return answer is ... or answer is None or (
        isinstance(answer, str) and answer.strip() in ("", "...", "…"))


def _parse_number(answer) -> tuple[float | None, bool]:
    """(value, typed as a percent): 0.25, "25%", "25 %", "20,000", "$5,000", "0,25"."""
    if isinstance(answer, (bool, np.bool_)):
        return None, False
    if isinstance(answer, numbers.Real):
        return float(answer), False
    if not isinstance(answer, str):
        return None, False
    text = answer.strip().replace("\u00a0", " ")
    if text.lower() in ("nan", "undefined"):  # a ratio with a zero denominator
        return math.nan, False
    percent = text.endswith("%")
    text = text.rstrip("%").strip().strip("$€£").strip()
    text = re.sub(r"(?<=\d)[,\s'_](?=\d{3}(\D|$))", "", text)  # thousands separators
    if re.fullmatch(r"[-+]?\d+,\d{1,2}", text):  # decimal comma: 0,25
        text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text):
        return None, False
    value = float(text)
    return (value / 100 if percent else value), percent


def _show(value: float, share: bool) -> str:
    if share:
        return f"{value:.1%}".replace(".0%", "%")
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _with_hint(message: str, hint: str | None) -> str:
    return f"{message} Hint: {hint}" if hint else message


def _normal(text) -> str:
    return " ".join(str(text).split()).strip(" .!\"'").casefold()


def check(answer, expected, *, tolerance: float | None = None, hint: str | None = None,
          share: bool | None = None) -> Feedback:
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
        Shown after a wrong answer.
    share : bool, optional
        Force (or forbid) reading ``expected`` as a share.

    Returns
    -------
    Feedback
        ``ok`` True (right), False (wrong, with the hint) or None (not answered yet).

    Examples
    --------
    >>> check(..., 0.25)
    ✏️ Not answered yet — replace ... with your answer
    >>> check("25 %", 0.25)
    ✅ Correct! 25%
    >>> check(25, 0.25)
    ✅ Correct! 25% (read 25 as 25%)
    >>> check(0.02, 0.06, hint="Count the customers lost, not lost minus new.")
    ❌ Not quite: 2% is too low. Hint: Count the customers lost, not lost minus new.
    >>> check(" Lagging ", "lagging")
    ✅ Correct! lagging
    """
    if _is_placeholder(answer):
        return Feedback(None, NOT_ANSWERED)
    if isinstance(expected, (bool, np.bool_)):
        return _check_bool(answer, bool(expected), hint)
    if isinstance(expected, numbers.Real):
        return _check_number(answer, float(expected), tolerance, hint, share)
    if isinstance(expected, str):
        if _normal(answer) == _normal(expected):
            return Feedback(True, f"Correct! {expected}")
        return Feedback(False, _with_hint(f"Not quite: you answered {answer!r}.", hint), hint)
    try:
        ok = bool(answer == expected)
    except (TypeError, ValueError):
        ok = False
    if ok:
        return Feedback(True, f"Correct! {expected}")
    return Feedback(False, _with_hint(f"Not quite: you answered {answer!r}.", hint), hint)


def _check_number(answer, expected: float, tolerance, hint, share) -> Feedback:
    is_share = share if share is not None else (0 <= expected <= 1 and not expected.is_integer())
    value, percent = _parse_number(answer)
    if value is None:
        example = "0.25 or 25%" if is_share else "1500"
        return Feedback(False, _with_hint(f"Could not read {answer!r} as a number: type a "
                                          f"number such as {example}.", hint), hint)
    note = ""
    if is_share and not percent and value > 1:
        value /= 100
        note = f" (read {answer} as {_show(value, True)})"
    if math.isnan(expected) or math.isnan(value):
        ok = math.isnan(expected) and math.isnan(value)
    else:
        if tolerance is None:
            tolerance = SHARE_TOLERANCE if is_share else NUMBER_TOLERANCE * abs(expected)
        ok = abs(value - expected) <= tolerance + 1e-12
    shown = _show(value, is_share) + note
    if ok:
        return Feedback(True, f"Correct! {shown}")
    direction = "" if math.isnan(value) or math.isnan(expected) else (
        " is too high" if value > expected else " is too low")
    return Feedback(False, _with_hint(f"Not quite: {shown}{direction}.", hint), hint)


def _check_bool(answer, expected: bool, hint) -> Feedback:
    words = {"true": True, "yes": True, "y": True, "false": False, "no": False, "n": False}
    value = bool(answer) if isinstance(answer, (bool, np.bool_)) else words.get(_normal(answer))
    if value is None:
        return Feedback(False, _with_hint(f"Could not read {answer!r} as yes or no.", hint), hint)
    if value == expected:
        return Feedback(True, f"Correct! {'yes' if expected else 'no'}")
    return Feedback(False, _with_hint(f"Not quite: the answer is not "
                                      f"{'yes' if value else 'no'}.", hint), hint)


def check_choice(answer, expected, options, *, hint: str | None = None) -> Feedback:
    """Check a multiple-choice answer, given by letter ("b", "(B)") or by the option's text.

    Parameters
    ----------
    answer
        The learner's choice: a letter, or the text of an option; ``...`` if not answered.
    expected
        The right option, by letter or text.
    options : sequence
        The options in the order shown (A, B, C, ...).
    hint : str, optional
        Shown after a wrong answer.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> options = ["won / all deals", "won / (won + lost)", "won / leads"]
    >>> check_choice("b", "won / (won + lost)", options)
    ✅ Correct! B: won / (won + lost)
    >>> check_choice("A", "B", options, hint="Open deals are not decided yet.")
    ❌ Not quite: you chose A: won / all deals. Hint: Open deals are not decided yet.
    """
    options = list(options)
    letters = [chr(ord("A") + i) for i in range(len(options))]
    right = _option_index(expected, options, letters)
    if right is None:
        raise ValueError(f"check_choice: expected {expected!r} is not one of the options "
                         f"{options} (or letters {letters[0]}–{letters[-1]}).")
    if _is_placeholder(answer):
        return Feedback(None, NOT_ANSWERED)
    chosen = _option_index(answer, options, letters)
    if chosen is None:
        return Feedback(False, f"Could not match {answer!r} to an option: answer with a "
                               f"letter {letters[0]}–{letters[-1]} or the option's text.")
    if chosen == right:
        return Feedback(True, f"Correct! {letters[right]}: {options[right]}")
    return Feedback(False, _with_hint(f"Not quite: you chose {letters[chosen]}: "
                                      f"{options[chosen]}.", hint), hint)


def _option_index(answer, options: list, letters: list[str]) -> int | None:
    for i, option in enumerate(options):
        if _normal(answer) == _normal(option):
            return i
    letter = _normal(answer).strip("()").upper() if isinstance(answer, str) else ""
    return letters.index(letter) if letter in letters else None


def spot_the_mistake(answer, expected, claimed, *, explanation: str = "",
                     tolerance: float | None = None, hint: str | None = None,
                     share: bool | None = None) -> Feedback:
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
    tolerance, hint, share
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
    feedback = check(answer, expected, tolerance=tolerance, hint=hint, share=share)
    if feedback.ok is None:
        return feedback
    if feedback.ok:
        return Feedback(True, f"{feedback.message} — the source printed {claimed}. "
                              f"{explanation}".rstrip())
    claimed_value, _ = _parse_number(claimed)
    is_share = share if share is not None else (
        isinstance(expected, float) and 0 <= expected <= 1 and not expected.is_integer())
    if claimed_value is not None and check(answer, claimed_value, tolerance=tolerance,
                                           share=is_share).ok:
        return Feedback(False, _with_hint(f"That is the figure the source printed ({claimed}): "
                                          "it is the mistake. Redo the arithmetic from the "
                                          "inputs.", hint), hint)
    return feedback
