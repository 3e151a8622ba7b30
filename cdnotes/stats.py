"""Small-sample summaries with honest error bars (Student-t intervals)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Estimate", "mean_ci", "paired_difference_ci", "geometric_mean", "fit_power_law"]


@dataclass(frozen=True)
class Estimate:
    """Mean, sample standard deviation (ddof = 1), ``n`` and a two-sided confidence interval.

    Attributes
    ----------
    mean, std : float
    n : int
    low, high : float
        The interval's ends.
    level : float
        Its confidence level (e.g. 0.95).
    """

    mean: float
    std: float
    n: int
    low: float
    high: float
    level: float

    def __str__(self):
        return (f"{self.mean:.3g} ± {self.std:.2g} (n = {self.n}; {100 * self.level:.0f}% CI "
                f"[{self.low:.3g}, {self.high:.3g}])")


def mean_ci(values, level: float = 0.95) -> Estimate:
    """Mean of ``values`` with a Student-t confidence interval for it.

    Parameters
    ----------
    values : array-like, at least two finite numbers (flattened)
    level : float, default 0.95

    Returns
    -------
    Estimate
    """
    from scipy import stats

    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size < 2 or not np.all(np.isfinite(x)):
        raise ValueError("mean_ci needs at least two finite values")
    m, s = float(x.mean()), float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * s / np.sqrt(x.size))
    return Estimate(m, s, int(x.size), m - half, m + half, level)


def paired_difference_ci(a, b, level: float = 0.95) -> Estimate:
    """``mean(a − b)`` with a t interval, for paired samples (same seeds).

    Parameters
    ----------
    a, b : array-like of equal shape
    level : float, default 0.95

    Returns
    -------
    Estimate
        Of the differences ``a − b``.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired samples need equal shapes; got {a.shape} and {b.shape}")
    return mean_ci(a - b, level)


def geometric_mean(values) -> float:
    """``exp(mean(log x))`` of positive values (``inf`` if any is infinite).

    Parameters
    ----------
    values : array-like of numbers > 0

    Returns
    -------
    float
    """
    x = np.asarray(values, dtype=np.float64)
    if np.any(x <= 0):
        raise ValueError("geometric_mean needs positive values")
    return float(np.exp(np.mean(np.log(x))))


def fit_power_law(x, y):
    """Least-squares fit of ``log y = log a + b log x``.

    Parameters
    ----------
    x, y : arrays of equal shape, at least two points, finite and > 0, ``x`` not all equal.

    Returns
    -------
    (a, b) : tuple of float
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"fit_power_law needs x and y of equal shape with at least two points; "
                         f"got shapes {x.shape} and {y.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("fit_power_law needs finite x and y (no NaN or inf)")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("fit_power_law needs x > 0 and y > 0 (it fits on log scales)")
    if np.ptp(np.log(x)) == 0:
        raise ValueError("fit_power_law needs at least two distinct x values; all x are equal")
    b, log_a = np.polyfit(np.log(x), np.log(y), 1)
    return math.exp(log_a), float(b)
