"""Small-sample summaries with honest error bars (Student-t intervals)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .validation import check_host_vector, check_real

__all__ = ["Estimate", "mean_ci", "paired_difference_ci", "welch_difference_ci", "geometric_mean",
           "fit_power_law", "paired_variance_test", "count_difference_test", "variance_ratio_ci",
           "rank_sum_test"]


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

    level = check_real(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    x = check_host_vector(values, "values", min_size=2)
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
    shapes = np.shape(a), np.shape(b)
    a, b = check_host_vector(a, "a", min_size=2), check_host_vector(b, "b", min_size=2)
    if shapes[0] != shapes[1]:
        raise ValueError(f"paired samples a and b need equal shapes; got {shapes[0]} and "
                         f"{shapes[1]}")
    return mean_ci(a - b, level)


def welch_difference_ci(a, b, level: float = 0.95) -> Estimate:
    """``mean(a) − mean(b)`` with a Welch (unequal variances) t interval, for unpaired samples.

    Parameters
    ----------
    a, b : array-like, at least two finite values each
    level : float in (0, 1), default 0.95

    Returns
    -------
    Estimate
        ``mean`` is the difference, ``std`` its standard error, ``n`` the Welch–Satterthwaite
        degrees of freedom rounded down, ``low``/``high`` the interval.
    """
    from scipy import stats

    level = check_real(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    a, b = check_host_vector(a, "a", min_size=2), check_host_vector(b, "b", min_size=2)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    diff = float(a.mean() - b.mean())
    if se == 0:
        return Estimate(diff, 0.0, a.size + b.size - 2, diff, diff, level)
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df) * se)
    return Estimate(diff, se, int(df), diff - half, diff + half, level)


def geometric_mean(values) -> float:
    """``exp(mean(log x))`` of positive values (``inf`` if any is infinite).

    Parameters
    ----------
    values : array-like of numbers > 0

    Returns
    -------
    float
    """
    raw = np.asarray(values)
    if raw.dtype.kind not in "iuf":
        raise TypeError(f"values must be real numbers; got {type(values).__name__} of dtype "
                        f"{raw.dtype}")
    x = raw.astype(np.float64).ravel()
    if x.size == 0 or np.any(np.isnan(x)):
        raise ValueError(f"values must hold at least one number and no NaN; got {x.size} "
                         f"values, {int(np.isnan(x).sum())} NaN")
    if np.any(x <= 0):
        raise ValueError(f"geometric_mean needs values > 0; got {x[x <= 0].ravel()[0]:g}")
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
    shapes = np.shape(x), np.shape(y)
    x, y = check_host_vector(x, "x"), check_host_vector(y, "y")      # real and finite
    if shapes[0] != shapes[1] or x.size < 2:
        raise ValueError(f"fit_power_law needs x and y of equal shape with at least two points; "
                         f"got shapes {shapes[0]} and {shapes[1]}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("fit_power_law needs x > 0 and y > 0 (it fits on log scales)")
    if np.ptp(np.log(x)) == 0:
        raise ValueError("fit_power_law needs at least two distinct x values; all x are equal")
    b, log_a = np.polyfit(np.log(x), np.log(y), 1)
    return math.exp(log_a), float(b)


def paired_variance_test(a, b) -> tuple:
    """Is the spread of ``a`` different from that of ``b``? Pitman–Morgan test for paired samples.

    For pairs (same seeds), ``var(a) = var(b)`` exactly when ``a + b`` and ``a − b`` are
    uncorrelated; the test is the t test of that correlation (``n − 2`` degrees of freedom),
    two-sided.

    Parameters
    ----------
    a, b : array-like of equal shape, at least three finite values each

    Returns
    -------
    (ratio, p) : tuple of float
        ``var(a) / var(b)`` (ddof = 1; ``inf`` if only ``b`` is constant, ``nan`` if both are)
        and the two-sided p-value (``1.0`` when either sum or difference is constant).
    """
    from scipy import stats

    shapes = np.shape(a), np.shape(b)
    a, b = check_host_vector(a, "a", min_size=3), check_host_vector(b, "b", min_size=3)
    if shapes[0] != shapes[1]:
        raise ValueError(f"paired samples a and b need equal shapes; got {shapes[0]} and "
                         f"{shapes[1]}")
    va, vb = float(a.var(ddof=1)), float(b.var(ddof=1))
    ratio = va / vb if vb > 0 else (math.inf if va > 0 else math.nan)
    s, d = a + b, a - b
    if np.ptp(s) == 0 or np.ptp(d) == 0:
        return ratio, 1.0
    r = float(np.corrcoef(s, d)[0, 1])
    if abs(r) >= 1:
        return ratio, 0.0
    n = a.size
    t = r * math.sqrt((n - 2) / (1 - r * r))
    return ratio, float(2 * stats.t.sf(abs(t), n - 2))


def count_difference_test(k_a: int, n_a: int, k_b: int, n_b: int) -> float:
    """Two-sided p-value of Fisher's exact test: do ``k_a`` of ``n_a`` and ``k_b`` of ``n_b`` differ?

    For per-seed counts ("in 7 of 20 runs against 2 of 20").

    Parameters
    ----------
    k_a, n_a, k_b, n_b : int, ``0 <= k <= n``, ``n >= 1``

    Returns
    -------
    float
    """
    from scipy import stats

    for k, n, name in ((k_a, n_a, "a"), (k_b, n_b, "b")):
        if not (isinstance(k, (int, np.integer)) and isinstance(n, (int, np.integer))
                and 0 <= k <= n and n >= 1):
            raise ValueError(f"count_difference_test needs integers 0 <= k_{name} <= n_{name}, "
                             f"n_{name} >= 1; got k_{name}={k!r}, n_{name}={n!r}")
    table = [[int(k_a), int(n_a - k_a)], [int(k_b), int(n_b - k_b)]]
    return float(stats.fisher_exact(table)[1])


def variance_ratio_ci(a, b, level: float = 0.95) -> Estimate:
    """``var(a) / var(b)`` of two independent samples with its F interval (normal samples).

    Parameters
    ----------
    a, b : array-like, at least two finite values each, ``b`` not constant
    level : float in (0, 1), default 0.95

    Returns
    -------
    Estimate
        ``mean`` is the ratio of the sample variances (ddof = 1), ``std`` ``0.0`` (not
        defined for a ratio), ``n`` the size of ``a``; ``low``/``high`` the interval
        ``ratio / F(1 − α/2) … ratio / F(α/2)`` with ``(n_a − 1, n_b − 1)`` degrees of freedom.
    """
    from scipy import stats

    level = check_real(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    a, b = check_host_vector(a, "a", min_size=2), check_host_vector(b, "b", min_size=2)
    vb = float(b.var(ddof=1))
    if vb == 0:
        raise ValueError("variance_ratio_ci needs b with a non-zero variance")
    ratio = float(a.var(ddof=1)) / vb
    dfa, dfb = a.size - 1, b.size - 1
    alpha = 1 - level
    return Estimate(ratio, 0.0, int(a.size), ratio / float(stats.f.ppf(1 - alpha / 2, dfa, dfb)),
                    ratio / float(stats.f.ppf(alpha / 2, dfa, dfb)), level)


def rank_sum_test(a, b) -> float:
    """Two-sided p-value of the Mann–Whitney rank-sum test: do ``a`` and ``b`` differ in location?

    For independent samples whose distribution is far from normal (ratios spanning decades).

    Parameters
    ----------
    a, b : array-like, at least one finite value each

    Returns
    -------
    float
    """
    from scipy import stats

    a, b = check_host_vector(a, "a", min_size=1), check_host_vector(b, "b", min_size=1)
    return float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
