"""Old ways of calling the KPI functions that keep working for one release (private).

``@old_calls(positional=..., renamed=...)`` lets a function whose options became keyword-only
still take them positionally, and an option that was renamed still take its old name; either
use gives a ``FutureWarning`` that shows the new call. The function's own signature (what
``help`` shows) is the new one.
"""
from __future__ import annotations

import functools
import inspect
import warnings


def old_calls(*, positional: tuple[str, ...] = (), renamed: dict[str, str] | None = None):
    """Accept ``positional`` options (keyword-only now) by position, in that order, after the
    data parameters, and each old keyword of ``renamed`` as its new one, with a warning.

    Examples
    --------
    >>> @old_calls(positional=("as_of",), renamed={"date": "as_of"})
    ... def stale(frame, *, as_of=None):
    ...     return as_of
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     stale("frame", "2024-05-01"), stale("frame", date="2024-06-01")
    ('2024-05-01', '2024-06-01')
    >>> [str(w.message).split(";")[0] for w in caught]
    ['stale: pass as_of=... by keyword', 'stale: date= is now as_of=']
    """
    renamed = renamed or {}

    def wrap(func):
        name = func.__name__
        leading = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                      for p in inspect.signature(func).parameters.values())

        @functools.wraps(func)
        def call(*args, **kwargs):
            extra, args = args[leading:], args[:leading]
            if len(extra) > len(positional):
                raise TypeError(f"{name}() takes {leading} positional arguments but "
                                f"{leading + len(extra)} were given")
            for option, value in zip(positional, extra):
                _warn(f"{name}: pass {option}=... by keyword; passing it by position will "
                      f"stop working in the next release.")
                _set(kwargs, name, option, value)
            for old, new in renamed.items():
                if old in kwargs:
                    _warn(f"{name}: {old}= is now {new}=; the old name will stop working "
                          f"in the next release.")
                    _set(kwargs, name, new, kwargs.pop(old))
            return func(*args, **kwargs)
        return call
    return wrap


def _set(kwargs: dict, name: str, option: str, value) -> None:
    if option in kwargs:
        raise TypeError(f"{name}() got multiple values for argument {option!r}")
    kwargs[option] = value


def _warn(message: str) -> None:
    warnings.warn(message, FutureWarning, stacklevel=3)  # the caller of the KPI function
