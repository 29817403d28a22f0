"""Safe division and Wilson's score interval (private helpers)."""
from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd


def safe_divide(numerator, denominator):
    """numerator / denominator with NaN (never inf or an error) where the denominator is 0.

    Examples
    --------
    >>> safe_divide(pd.Series([3, 1]), pd.Series([5, 0])).tolist()
    [0.6, nan]
    >>> safe_divide(1, 0)
    nan
    """
    num = np.asarray(numerator, dtype="float64")
    den = np.asarray(denominator, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den == 0, np.nan, num / np.where(den == 0, 1, den))
    if isinstance(numerator, pd.Series):
        return pd.Series(out, index=numerator.index)
    if isinstance(denominator, pd.Series):
        return pd.Series(out, index=denominator.index)
    return float(out) if out.ndim == 0 else out


def wilson_interval(successes, trials, confidence: float = 0.9):
    """Wilson score interval for a proportion, without continuity correction.

    Returns (low, high) arrays; NaN where trials is 0. Matches statsmodels'
    ``proportion_confint(method="wilson")``.

    Examples
    --------
    >>> low, high = wilson_interval(3, 5, confidence=0.9)
    >>> round(float(low), 3), round(float(high), 3)
    (0.272, 0.857)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.9), got {confidence!r}")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    k = np.asarray(successes, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
    high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high
