"""Measures of an indefinite Hessian spectrum that do not hinge on one cutoff.

A whole network's Hessian spectrum runs continuously down to rounding level, so a single
``κ = λ_max / λ_min`` over the "non-zero" eigenvalues mostly measures where "zero" was cut.
:func:`spectrum_measures` reports, from the eigenvalues alone:

* ``lambda_max``, ``lambda_min`` (signed: the Hessian is indefinite), ``abs_max = max |λ|``;
* ``negative_mass``: the share of ``Σ|λ|`` on negative eigenvalues, and ``n_negative``;
* ``kappa``: ``κ(c) = max|λ| / min{|λ| : |λ| > c·max|λ|}`` for each cutoff ``c``
  (``1e-2 … 1e-12``), and ``n_below``: how many ``|λ| <= c·max|λ|`` — the curve, not a point;
* ``percentile_ratio``: ``max|λ| / q`` with ``q`` the 50th / 90th / 99th percentile of
  ``|λ|`` (counted from the smallest: the 50th is the median ``|λ|``);
* ``effective_rank_entropy``: ``exp(−Σ p_i log p_i)``, ``p = |λ| / Σ|λ|`` (the exponential
  of the spectral entropy, Roy & Vetterli 2007); ``effective_rank_trace``: ``Σ|λ| / max|λ|``
  (``tr H / λ_max`` for a PSD matrix);
* ``top10_share``, ``top1pct_share``: the share of ``Σ|λ|`` in the 10 largest ``|λ|`` and in
  the largest 1% (at least one).

For a PSD matrix (the Gauss-Newton matrix) :func:`cdnotes.conditioning.condition_number`
gives κ on its range with its null space counted.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ..validation import check_host_vector, check_rtol

__all__ = ["SpectrumMeasures", "spectrum_measures", "DEFAULT_CUTOFFS", "DEFAULT_PERCENTILES"]

DEFAULT_CUTOFFS = tuple(10.0 ** -k for k in range(2, 13))
"""Relative cutoffs ``1e-2, 1e-3, …, 1e-12`` of ``κ(cutoff)``."""

DEFAULT_PERCENTILES = (50, 90, 99)
"""Percentiles of ``|λ|`` that ``max|λ|`` is divided by."""


@dataclass(frozen=True)
class SpectrumMeasures:
    """Cutoff-robust measures of a real spectrum (see the module docstring).

    Attributes
    ----------
    n, n_negative : int
    lambda_max, lambda_min, abs_max, negative_mass : float
    kappa : dict ``{cutoff: κ(cutoff)}``; n_below : dict ``{cutoff: count}``
    percentile_ratio : dict ``{percentile: max|λ| / |λ|_percentile}`` (``inf`` for a zero
        percentile)
    effective_rank_entropy, effective_rank_trace, top10_share, top1pct_share : float
    """

    n: int
    lambda_max: float
    lambda_min: float
    abs_max: float
    negative_mass: float
    n_negative: int
    kappa: dict
    n_below: dict
    percentile_ratio: dict
    effective_rank_entropy: float
    effective_rank_trace: float
    top10_share: float
    top1pct_share: float


def _cutoffs(cutoffs) -> tuple:
    """``cutoffs`` as a tuple of Python floats in (0, 1); a bare number is one cutoff."""
    allowed = "a float in (0, 1) or a sequence of them, e.g. (1e-2, 1e-6)"
    if isinstance(cutoffs, numbers.Real) and not isinstance(cutoffs, bool):
        cutoffs = (cutoffs,)
    if isinstance(cutoffs, (str, bytes, dict)) or not hasattr(cutoffs, "__iter__"):
        raise TypeError(f"cutoffs must be {allowed}; got {cutoffs!r} ({type(cutoffs).__name__})")
    return tuple(check_rtol(c, "each cutoff") for c in cutoffs)


def spectrum_measures(eigenvalues, *, cutoffs=DEFAULT_CUTOFFS,
                      percentiles=DEFAULT_PERCENTILES) -> SpectrumMeasures:
    """Cutoff-robust measures of a (possibly indefinite) spectrum.

    Parameters
    ----------
    eigenvalues : array-like ``(n,)``, real, finite, not all zero
    cutoffs : sequence of floats in (0, 1), or one float
        Relative cutoffs of ``κ(cutoff)`` (a bare number is one cutoff, as for
        ``percentiles``).
    percentiles : sequence of numbers in [0, 100], or one number

    Returns
    -------
    SpectrumMeasures
        Eigenvalues up to the largest float are fine: when ``Σ|λ|`` would overflow, the
        ratios are computed on ``|λ|`` divided by a power of two (exact).
    """
    ev = check_host_vector(eigenvalues, "eigenvalues")
    cutoffs = _cutoffs(cutoffs)
    percentiles = tuple(check_host_vector(percentiles, "percentiles"))
    if any(not 0 <= q <= 100 for q in percentiles):
        raise ValueError(f"percentiles must be in [0, 100]; got {percentiles}")
    mag = np.abs(ev)
    abs_max = float(mag.max())
    if abs_max == 0:
        raise ValueError("every eigenvalue is zero: the spectrum has no scale")
    with np.errstate(over="ignore"):
        total = float(mag.sum())
    if not math.isfinite(total):                  # Σ|λ| overflows: rescale exactly
        mag = mag * 2.0 ** -int(np.frexp(abs_max)[1])
        total = float(mag.sum())
    top = float(mag.max())
    kappa, below = {}, {}
    for c in cutoffs:
        kept = mag[mag > c * top]
        kappa[c], below[c] = top / float(kept.min()), int(ev.size - kept.size)
    ratios = {}
    for q in percentiles:
        value = float(np.percentile(mag, q))
        ratios[q] = math.inf if value == 0 else top / value
    p = mag[mag > 0] / total
    ordered = np.sort(mag)[::-1]
    return SpectrumMeasures(
        n=int(ev.size), lambda_max=float(ev.max()), lambda_min=float(ev.min()), abs_max=abs_max,
        negative_mass=float(mag[ev < 0].sum() / total), n_negative=int(np.sum(ev < 0)),
        kappa=kappa, n_below=below, percentile_ratio=ratios,
        effective_rank_entropy=float(np.exp(-np.sum(p * np.log(p)))),
        effective_rank_trace=total / top,
        top10_share=float(ordered[:10].sum() / total),
        top1pct_share=float(ordered[:max(1, math.ceil(0.01 * ev.size))].sum() / total))
