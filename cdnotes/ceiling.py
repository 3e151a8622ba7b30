"""The ceiling of a condition number measured above a cutoff.

A κ computed "on the range" (largest eigenvalue over the smallest one above ``cutoff ×``
the largest, :func:`cdnotes.conditioning.condition_number` with ``rtol = cutoff``) can never
exceed ``1 / cutoff``. When the spectrum runs on continuously below the cutoff, the smallest
eigenvalue counted is wherever the cut fell, and κ measures ``1 / cutoff`` more than the
matrix. This module names that case, so a chapter can refuse a verdict on such values.

* :func:`ceiling` — the largest κ a cutoff allows, ``1 / cutoff``.
* :func:`at_ceiling` — ``κ ≥ ceiling / factor``: the smallest eigenvalue counted lies within
  ``factor`` of the cutoff, so a cutoff ``factor`` times higher could have changed κ.
* :func:`censored_median` — the median of κ over runs when some sit at the ceiling (a value
  at the ceiling is only known to be high: the median is known while fewer than half are).
"""
from __future__ import annotations

import math

import numpy as np

from .validation import check_real

__all__ = ["DEFAULT_FACTOR", "ceiling", "at_ceiling", "censored_median"]

DEFAULT_FACTOR = 10.0
"""κ within this factor of ``1 / cutoff`` counts as at the ceiling."""


def ceiling(cutoff: float) -> float:
    """The largest condition number a relative eigenvalue cutoff allows.

    Parameters
    ----------
    cutoff : float in (0, 1)
        Eigenvalues below ``cutoff × λ_max`` were counted as zero.

    Returns
    -------
    float, ``1 / cutoff``
    """
    cutoff = check_real(cutoff, "cutoff", low=0.0, high=1.0, low_open=True, high_open=True)
    return 1.0 / cutoff


def at_ceiling(kappa, cutoff: float, factor: float = DEFAULT_FACTOR):
    """Whether a κ measured above ``cutoff`` sits at its ceiling.

    True when ``κ ≥ (1 / cutoff) / factor``, i.e. when the smallest eigenvalue counted,
    ``λ_max / κ``, is less than ``factor`` times the cutoff ``cutoff × λ_max``. Such a κ says
    little about the matrix: the spectrum may go on below the cut.

    Parameters
    ----------
    kappa : float or array-like of float (>= 1, ``inf`` allowed; NaN refused)
    cutoff : float in (0, 1)
    factor : float >= 1, default :data:`DEFAULT_FACTOR`

    Returns
    -------
    bool for a scalar ``kappa``, else a numpy bool array of its shape
    """
    factor = check_real(factor, "factor", low=1.0)
    top = ceiling(cutoff)
    k = np.asarray(kappa, dtype=np.float64)
    if np.any(np.isnan(k)):
        raise ValueError("at_ceiling: kappa holds NaN (a run without a κ has no place here)")
    flags = k >= top / factor
    return bool(flags) if flags.ndim == 0 else flags


def censored_median(kappas, cutoff: float, factor: float = DEFAULT_FACTOR):
    """The median of κ over runs, or ``None`` when it is at the ceiling.

    A value at the ceiling (:func:`at_ceiling`) is known only to be at least
    ``ceiling / factor``; the median of all values is still known when fewer than half of them
    are at the ceiling (they all sort above it), and unknown otherwise.

    Parameters
    ----------
    kappas : array-like of float, at least one
    cutoff, factor : as for :func:`at_ceiling`

    Returns
    -------
    (median or None, n_at_ceiling) : tuple of (float or None, int)
    """
    k = np.asarray(kappas, dtype=np.float64).ravel()
    if k.size == 0:
        raise ValueError("censored_median needs at least one κ")
    flags = np.atleast_1d(at_ceiling(k, cutoff, factor))
    n_top = int(flags.sum())
    # the median is the mean of the middle order statistics; all of them must be below
    # the ceiling (values at the ceiling sort above every value below it)
    middle = (k.size - 1) // 2, k.size // 2
    if n_top and k.size - n_top <= middle[1]:
        return None, n_top
    ordered = np.sort(np.where(flags, math.inf, k))
    return float(0.5 * (ordered[middle[0]] + ordered[middle[1]])), n_top
