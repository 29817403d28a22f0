"""Self-check helpers: every branch, and never an exception for a learner's answer."""
import math

import numpy as np
import pytest

from kpitools.exercises import NOT_ANSWERED, Feedback, check, check_choice, spot_the_mistake


@pytest.mark.parametrize("placeholder", [..., None, "", "   ", "...", "…"])
def test_placeholder_is_not_answered_yet(placeholder):
    feedback = check(placeholder, 0.25)
    assert feedback.ok is None and feedback.message == NOT_ANSWERED
    assert not feedback
    assert "type your answer in place of the ..." in str(feedback)
    assert "#616161" in feedback._repr_html_()


@pytest.mark.parametrize("answer", [0.25, "25%", "25 %", "0.25", 25, "25", " 25% ", "0,25", 0.251])
def test_rates_accept_equivalent_forms(answer):
    feedback = check(answer, 0.25)
    assert feedback.ok is True and feedback
    assert feedback.message.startswith("Correct! 25")


def test_a_whole_number_for_a_share_says_how_it_was_read():
    assert check(25, 0.25).message == "Correct! 25% (read 25 as 25%)"
    assert "read" not in check("25%", 0.25).message


def test_wrong_rate_says_direction_and_gives_the_hint():
    low = check(0.02, 0.06, hint="Gross churn counts every customer lost.")
    assert low.ok is False and not low
    assert low.message == "Not quite: 2% is too low. Hint: Gross churn counts every customer lost."
    assert low.hint == "Gross churn counts every customer lost."
    assert "is too high" in check("50%", 0.25).message
    assert "#b71c1c" in low._repr_html_() and str(low).startswith("❌")


def test_share_tolerance_is_half_a_point_unless_given():
    assert check("17%", 0.16667).ok  # rounded to a whole percent
    assert not check("18%", 0.16667).ok
    assert check("18%", 0.16667, tolerance=0.02).ok
    assert not check(0.251, 0.25, tolerance=0.0001).ok


@pytest.mark.parametrize("answer", [20000, "20,000", "$20,000", "20 000", "20000.0", 20050])
def test_numbers_with_separators_and_relative_tolerance(answer):
    assert check(answer, 20_000).ok


def test_numbers_wrong_or_unreadable():
    wrong = check(200, 20_000, hint="Divide by days, not by deals.")
    assert wrong.message == "Not quite: 200 is too low. Hint: Divide by days, not by deals."
    assert check(20_200, 20_000).ok is False  # 1% off: beyond the default 0.5%
    unreadable = check("about twenty", 20_000)
    assert unreadable.ok is False
    assert "Could not read 'about twenty' as a number" in unreadable.message
    assert "25%" in check("a quarter", 0.25).message  # the example matches a share
    assert check(True, 1).ok is False  # a bool is not a number
    assert check(16.67, 16.666).message == "Correct! 16.67"


def test_share_flag_overrides_the_guess():
    assert check("100%", 1.0).ok
    assert check(100, 1.0, share=True).message == "Correct! 100% (read 100 as 100%)"
    assert check(50, 0.5, share=False).ok is False
    assert check(25, 25).ok  # an integer expected is a plain number


def test_nan_answers():
    assert check(float("nan"), float("nan")).ok
    assert check("nan", math.nan).ok
    missing = check(0.5, math.nan)
    assert missing.ok is False and missing.message == "Not quite: 0.5."


def test_text_is_compared_ignoring_case_spacing_and_end_punctuation():
    assert check("  LAGGING. ", "lagging").ok
    assert check("net   churn", "Net churn").ok
    wrong = check("leading", "lagging", hint="Outcomes lag.")
    assert wrong.message == "Not quite: you answered 'leading'. Hint: Outcomes lag."


def test_yes_no_answers():
    assert check("Yes", True).ok and check(False, False).ok and check("n", False).ok
    assert check("yes", np.True_).ok and check(np.False_, False).ok
    assert check("no", True).message == "Not quite: the answer is not no."
    assert "as yes or no" in check("maybe", True).message


def test_other_expected_values_compare_by_equality():
    assert check([20, 80], [20, 80]).ok
    wrong = check([20, 81], [20, 80], hint="h")
    assert wrong.message == "Not quite: you answered [20, 81]. Hint: h"

    class Weird:
        def __eq__(self, other):
            raise TypeError("no")

    assert check(Weird(), {"a": 1}).ok is False


OPTIONS = ["won / all deals", "won / (won + lost)", "won / leads"]


@pytest.mark.parametrize("answer", ["b", "B", "(b)", " B ", "won / (won + lost)",
                                    "WON / (WON + LOST)"])
def test_choice_by_letter_or_text(answer):
    feedback = check_choice(answer, "won / (won + lost)", OPTIONS)
    assert feedback.ok and feedback.message == "Correct! B: won / (won + lost)"


def test_choice_wrong_unmatched_placeholder_and_bad_expected():
    wrong = check_choice("a", "B", OPTIONS, hint="Open deals are undecided.")
    assert wrong.message == ("Not quite: you chose A: won / all deals. "
                             "Hint: Open deals are undecided.")
    assert check_choice(..., "B", OPTIONS).ok is None
    unmatched = check_choice("z", "B", OPTIONS)
    assert unmatched.ok is False and "letter A–C" in unmatched.message
    assert check_choice(200, 200, [20, 200, 2000]).ok  # numeric options match by value
    with pytest.raises(ValueError, match="not one of the options"):
        check_choice("a", "D", OPTIONS)


def test_spot_the_mistake_branches():
    explain = "200 × 0.25 × 10,000 / 25 = 20,000 a day."
    assert spot_the_mistake(..., 20_000, 200).ok is None
    right = spot_the_mistake("20,000", 20_000, 200, explanation=explain)
    assert right.ok and right.message == f"Correct! 20,000 — the source printed 200. {explain}"
    copied = spot_the_mistake(200, 20_000, 200, hint="Check the units.")
    assert copied.ok is False and "it is the mistake" in copied.message
    assert copied.message.endswith("Hint: Check the units.")
    other = spot_the_mistake(5000, 20_000, 200)
    assert other.message == "Not quite: 5,000 is too low."
    # a claimed percentage, answered as a share
    assert "it is the mistake" in spot_the_mistake(0.02, 0.06, "2%").message
    assert spot_the_mistake("6%", 0.06, "2%").ok
    assert spot_the_mistake(0.5, 0.06, "the net figure").message == "Not quite: 50% is too high."


def test_feedback_renders_in_three_colours():
    assert str(Feedback(True, "Correct! 1")) == "✅ Correct! 1"
    assert repr(Feedback(False, "x")) == "❌ x"
    html = Feedback(True, "<b>1</b>")._repr_html_()
    assert "#1b5e20" in html and "&lt;b&gt;" in html


@pytest.mark.parametrize("answer", ["36,400", "$36.4k", "36 400", "36.400", "36400.00",
                                    "36,400 per month", "€36.4K", "36\u202f400"])
def test_numbers_as_people_type_them(answer):
    assert check(answer, 36_400).ok, answer


def test_a_rounded_figure_is_close_but_not_right():
    close = check("36k", 36_400, why="Gap = quota − closed-won.")
    assert close.ok is False and close.message.startswith("Close, but not exact: 36,000")
    assert "36,400" not in close.message  # the answer is not given away


def test_choices_by_a_few_words_or_a_synonym():
    options = ["the full quota", "the gap (quota minus closed-won)", "last month's revenue"]
    assert check_choice("the gap", options[1], options).ok
    assert check_choice("Gap", options[1], options).ok
    assert check_choice("quota", options[1], options).ok is False  # two options say "quota"
    assert check_choice("too early to tell", "not yet", ["yes", "not yet"],
                        accept={"not yet": ["too early to tell"]}).ok
    wrong = check_choice("the full quota", options[1], options,
                         why={"the full quota": "Some CRMs do; the course divides by the gap."})
    assert wrong.message.endswith("Some CRMs do; the course divides by the gap.")


def test_yes_and_no_in_other_words():
    assert check("Nope.", False).ok and check("yes, it does", True).ok
    assert check("No, it doesn't", False).ok
    assert check("maybe", True).ok is False


def test_text_answers_with_synonyms_and_why():
    assert check("Can't tell yet", "not yet", accept=["cannot tell yet"]).ok
    wrong = check("yes", "not yet", why="A handful of deals cannot tell the two apart.")
    assert wrong.message == ("Not quite: you answered 'yes'. A handful of deals cannot tell the "
                             "two apart.")
