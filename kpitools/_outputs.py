"""The columns each KPI function returns, declared once on the function itself (private).

``@returns("won", "lost", ...)`` sets ``func.columns``: the metric columns every call returns,
in order. ``optional=`` names the ones only some calls add, as names or patterns
(``"pipeline_*"``). Every other column of a KPI frame is a group key (the ``by`` columns and
``period``). Plots and widgets read these declarations instead of retyping column names.
"""
from __future__ import annotations

from fnmatch import fnmatchcase

import pandas as pd


def returns(*columns: str, optional: tuple[str, ...] = ()):
    """Declare a KPI function's metric columns (``func.columns``, ``func.optional_columns``).

    Examples
    --------
    >>> @returns("won", "lost", optional=("won_*",))
    ... def f(frame):
    ...     return frame
    >>> f.columns, f.optional_columns
    (('won', 'lost'), ('won_*',))
    """
    def declare(func):
        func.columns = tuple(columns)
        func.optional_columns = tuple(optional)
        return func
    return declare


def metric_columns(func, frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` (output of ``func``) that ``func`` declares as metrics.

    Examples
    --------
    >>> import kpitools as kt
    >>> rates = kt.win_rate(kt.load_sample().opportunities, by="rep", weight="amount")
    >>> metric_columns(kt.win_rate, rates)
    ['won', 'lost', 'won_amount', 'lost_amount', 'win_rate', 'ci_low', 'ci_high']
    """
    return [c for c in frame.columns if c in func.columns
            or any(fnmatchcase(str(c), pattern) for pattern in func.optional_columns)]


def key_columns(func, frame: pd.DataFrame) -> list[str]:
    """The group-key columns of ``frame`` (output of ``func``): all but its metrics.

    Examples
    --------
    >>> import kpitools as kt
    >>> key_columns(kt.win_rate, kt.win_rate(kt.load_sample().opportunities, by="rep",
    ...                                      freq="QS"))
    ['rep', 'period']
    """
    metrics = set(metric_columns(func, frame))
    return [c for c in frame.columns if c not in metrics]
