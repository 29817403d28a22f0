"""Self-checks without code, for the room pages: a question, a box to type the answer in, and a
green or red line with a hint (``kpitools.exercises.check`` judges every answer).
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from kpitools import exercises
from kpitools._widgetbase import KPIWidget, _built
from kpitools.winrate import win_rate


def room_questions(data) -> list[tuple[str, object, str]]:
    """The room's self-check: (question, expected answer, hint), the last two on ``data``.

    Examples
    --------
    >>> import kpitools as kt
    >>> [q for q, _, _ in room_questions(kt.load_sample())][0]
    'Is win rate a leading or a lagging indicator?'
    """
    me = getattr(data, "me", None) or sorted(data.opportunities["rep"].unique())[0]
    mine = win_rate(data.opportunities[data.opportunities["rep"].eq(me)]).iloc[0]
    return [
        ("Is win rate a leading or a lagging indicator?", "lagging",
         "It only moves once deals are decided: an outcome."),
        ("5 deals won, 25 lost and 10 still open: what is the win rate?", 5 / 30,
         "won / (won + lost); open deals are not decided yet."),
        ("Quota 100,000 and an average deal of 6,000: how many deals to win?", 17,
         "quota / average deal size, rounded up."),
        ("Coverage is 0.4: build more pipeline or focus on closing?", "build more pipeline",
         "Below 1, winning every open deal still leaves a gap."),
        (f"{me} won {mine['won']:.0f} and lost {mine['lost']:.0f} deals: what is "
         f"{me}'s win rate?", float(mine["win_rate"]), "won / (won + lost)"),
    ]


def self_checks(questions) -> KPIWidget:
    """One text box per question; an answer is checked when Enter is pressed or the box is left.

    Parameters
    ----------
    questions : sequence of (question, expected, hint)

    Returns
    -------
    KPIWidget
        Controls ``q1``, ``q2``, ... (Text); ``.result`` is ``question, answer, ok`` (ok None
        while unanswered).

    Examples
    --------
    >>> w = self_checks([("2 won, 2 lost: win rate?", 0.5, "won / (won + lost)")])
    >>> w.controls["q1"].value = "50%"
    >>> w.result["ok"].tolist()
    [True]
    """
    questions = list(questions)
    controls = {f"q{i}": widgets.Text(placeholder="your answer, then Enter",
                                      continuous_update=False,
                                      layout=widgets.Layout(width="260px"))
                for i in range(1, len(questions) + 1)}
    marks = {name: widgets.HTML() for name in controls}

    def render(values, view):
        rows = []
        for (name, answer), (question, expected, hint) in zip(values.items(), questions):
            feedback = exercises.check(answer.strip() or ..., expected, hint=hint)
            marks[name].value = feedback._repr_html_() if answer.strip() else ""
            rows.append({"question": question, "answer": answer, "ok": feedback.ok})
        result = pd.DataFrame(rows, columns=["question", "answer", "ok"])
        view.html(f"<b>{int(result['ok'].eq(True).sum())} of {len(result)} right so far.</b>")
        return result

    body = widgets.VBox([widgets.VBox([widgets.HTML(f"<b>{i}.</b> {html.escape(question)}"),
                                       widgets.HBox([controls[name], marks[name]])])
                         for i, (name, (question, _, _)) in enumerate(
                             zip(controls, questions), start=1)])
    return _built(KPIWidget(controls, render, title="Check yourself", body=body))
