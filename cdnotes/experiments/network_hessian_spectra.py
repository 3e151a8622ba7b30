"""Summaries of one exact spectrum for the ``network-hessian`` records (chapter 8).

* :func:`spectrum_summary` — λ_max, λ_min, negative mass, κ(cutoff) for cutoffs 1e-2 …
  1e-12, percentile ratios, effective ranks, trace shares, ``kappa_structural`` and
  ``log10|λ|`` histograms on the fixed grid :data:`LOG10_EDGES` (:func:`log_histogram`)
  with quantiles;
* :func:`slq_comparison` — stochastic Lanczos quadrature with a growing number of probes
  against the exact spectrum;
* the fixed grids every record of one file shares (:data:`CUTOFFS`, :data:`PERCENTILES`,
  :data:`LOG10_EDGES`, :data:`QUANTILES`) and the rounding (:data:`SIGNIFICANT_DIGITS`).
"""
from __future__ import annotations

import math

import numpy as np

from ..conditioning import condition_number
from ..curvature import smooth_density, spectral_density, spectrum_measures
from ..curvature.spectrum_measures import DEFAULT_CUTOFFS, DEFAULT_PERCENTILES
from ..validation import check_bool, check_int

__all__ = ["LOG10_EDGES", "QUANTILES", "SLQ_PROBES", "SLQ_STEPS", "SIGNIFICANT_DIGITS",
           "CUTOFFS", "PERCENTILES", "log_histogram", "spectrum_summary", "slq_comparison"]

LOG10_EDGES = tuple(np.round(np.linspace(-20.0, 5.0, 101), 10).tolist())
"""Bin edges of the ``log10|λ|`` histograms: −20 … 5 in steps of a quarter decade."""
QUANTILES = (0.0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0)
"""Quantiles of the signed eigenvalues kept in every summary."""
SLQ_PROBES = (1, 2, 4, 8, 16)
SLQ_STEPS = 80
CUTOFFS = DEFAULT_CUTOFFS
PERCENTILES = DEFAULT_PERCENTILES
_GRID = 256
SIGNIFICANT_DIGITS = 7
"""Every float of a record is rounded to this many significant digits (a compact file)."""


def log_histogram(eigenvalues, edges=LOG10_EDGES) -> dict:
    """Counts of ``log10|λ|`` on a fixed grid, positive and negative eigenvalues apart.

    Parameters
    ----------
    eigenvalues : array-like ``(n,)``, real
    edges : increasing sequence of floats, the bin edges of ``log10|λ|``

    Returns
    -------
    dict with ``positive``, ``negative`` (lists of ``len(edges) − 1`` ints), ``zero``
    (exact zeros), ``below`` and ``above`` (``[positive, negative]`` counts outside the grid).
    """
    ev = np.asarray(eigenvalues, dtype=np.float64).ravel()
    edges = np.asarray(edges, dtype=np.float64)
    out = {"zero": int(np.sum(ev == 0)), "below": [], "above": []}
    for sign, part in (("positive", ev[ev > 0]), ("negative", -ev[ev < 0])):
        logs = np.log10(part)
        out[sign] = np.histogram(logs, bins=edges)[0].astype(int).tolist()
        out["below"].append(int(np.sum(logs < edges[0])))
        out["above"].append(int(np.sum(logs > edges[-1])))
    return out


def _structural_kappa(ev, n_null):
    """``max|λ|`` over the smallest ``|λ|`` once the ``n_null`` smallest are removed."""
    mag = np.sort(np.abs(ev))
    kept = mag[n_null:]
    return math.inf if kept.size == 0 or kept[0] == 0 else float(mag[-1] / kept[0])


def spectrum_summary(eigenvalues, *, n_null=None, histogram=True) -> dict:
    """Everything the chapter reads from one spectrum, JSON-ready (lists in fixed orders).

    Parameters
    ----------
    eigenvalues : array-like ``(n,)``, real, not all zero
    n_null : int, optional
        Exact null directions: adds ``kappa_structural`` (``max|λ|`` over the smallest
        ``|λ|`` left after removing the ``n_null`` smallest).
    histogram : bool
        Add the ``log10|λ|`` histogram and the quantiles.

    Returns
    -------
    dict: ``n``, ``lambda_max``, ``lambda_min``, ``abs_max``, ``negative_mass``,
    ``n_negative``, ``trace``, ``kappa`` and ``n_below`` (lists over :data:`CUTOFFS`),
    ``percentile_ratio`` (list over :data:`PERCENTILES`), ``effective_rank_entropy``,
    ``effective_rank_trace``, ``top10_share``, ``top1pct_share``; optionally
    ``kappa_structural``, ``log_histogram`` and ``quantiles`` (over :data:`QUANTILES`).
    """
    ev = np.asarray(eigenvalues, dtype=np.float64).ravel()
    m = spectrum_measures(ev, cutoffs=CUTOFFS, percentiles=PERCENTILES)
    out = {"n": m.n, "lambda_max": m.lambda_max, "lambda_min": m.lambda_min,
           "abs_max": m.abs_max, "negative_mass": m.negative_mass, "n_negative": m.n_negative,
           "trace": float(ev.sum()),
           "kappa": [m.kappa[c] for c in CUTOFFS], "n_below": [m.n_below[c] for c in CUTOFFS],
           "percentile_ratio": [m.percentile_ratio[q] for q in PERCENTILES],
           "effective_rank_entropy": m.effective_rank_entropy,
           "effective_rank_trace": m.effective_rank_trace,
           "top10_share": m.top10_share, "top1pct_share": m.top1pct_share}
    if n_null is not None:
        out["kappa_structural"] = _structural_kappa(ev, check_int(n_null, "n_null", minimum=0))
    if histogram:
        out["log_histogram"] = log_histogram(ev)
        out["quantiles"] = np.quantile(ev, QUANTILES).tolist()
    return out


def _gauss_newton_range(ev, n_null) -> dict:
    """κ of a PSD spectrum on its range: numerical (``condition_number``) and structural."""
    c = condition_number(ev)
    return {"kappa_nonzero": c.kappa_nonzero, "n_zero": c.n_zero,
            "zero_threshold": c.zero_threshold, "kappa_structural": _structural_kappa(ev, n_null),
            "n_structural": int(n_null)}


def slq_comparison(matvec, eigenvalues, *, probes=SLQ_PROBES, n_steps=SLQ_STEPS, seed=0,
                   curves=False) -> dict:
    """Stochastic Lanczos quadrature with a growing number of probes against the exact spectrum.

    Probe ``k`` is :func:`~cdnotes.curvature.spectral_density` with one probe and seed
    ``seed + k``; the estimate with ``p`` probes averages the first ``p`` (so the estimates
    are nested, as a reader adding probes would see them).

    Parameters
    ----------
    matvec : callable ``(P,) -> (P,)``, ``v ↦ H v``
    eigenvalues : array-like ``(P,)``, the exact spectrum of ``H``
    probes : increasing sequence of int >= 1
    n_steps : int >= 1, Lanczos steps per probe
    seed : int >= 0
    curves : bool
        Also return the smoothed densities on a grid (for figures).

    Returns
    -------
    dict: ``probes``, ``n_steps``, ``seed``, ``sigma`` (the smoothing width: 1/200 of the
    spectrum's width), ``wasserstein`` (W1 distance of the SLQ measure to the exact one,
    divided by ``λ_max − λ_min``, per probe count), ``lambda_max_error`` and
    ``lambda_min_error`` (how far the extreme nodes fall inside the spectrum, relative to
    its width, per probe count), ``l1_smoothed`` (``∫|ρ_SLQ − ρ|`` of the
    two measures smoothed alike, in [0, 2], per probe count); with ``curves``: ``grid``,
    ``exact`` and ``slq`` (one density per probe count), on every other grid point, 4
    significant digits, values below ``1e-6`` of the exact density's peak as 0.
    """
    from scipy.stats import wasserstein_distance

    ev = np.asarray(eigenvalues, dtype=np.float64).ravel()
    probes = [check_int(p, "each probe count", minimum=1) for p in probes]
    if probes != sorted(set(probes)):
        raise ValueError(f"probes must be increasing and distinct; got {probes}")
    curves = check_bool(curves, "curves")
    runs = [spectral_density(matvec, ev.size, n_vectors=1, n_steps=n_steps, seed=seed + k)
            for k in range(probes[-1])]
    width = float(ev.max() - ev.min())
    sigma = width / 200.0
    grid = np.linspace(ev.min() - 5 * sigma, ev.max() + 5 * sigma, 2 * _GRID)
    exact = smooth_density(ev, np.full(ev.size, 1.0 / ev.size), grid, sigma)
    out = {"probes": probes, "n_steps": int(n_steps), "seed": int(seed), "sigma": sigma,
           "wasserstein": [], "l1_smoothed": [], "lambda_max_error": [],
           "lambda_min_error": []}
    densities = []
    for p in probes:
        nodes = np.concatenate([r[0] for r in runs[:p]])
        weights = np.concatenate([r[1] for r in runs[:p]]) / p
        out["wasserstein"].append(float(wasserstein_distance(ev, nodes, None, weights) / width))
        out["lambda_max_error"].append(float((ev.max() - nodes.max()) / width))
        out["lambda_min_error"].append(float((nodes.min() - ev.min()) / width))
        density = smooth_density(nodes, weights, grid, sigma)
        out["l1_smoothed"].append(float(np.trapezoid(np.abs(density - exact), grid)))
        densities.append(density)
    if curves:
        floor = 1e-6 * float(exact.max())

        def short(a):                     # every other grid point; 4 digits; tails as 0
            return [float(f"{x:.4g}") if x > floor else 0.0 for x in a[::2]]
        out["grid"], out["exact"] = short(grid), short(exact)
        out["slq"] = [short(d) for d in densities]
    return out


_BRIEF = ("n", "lambda_max", "lambda_min", "negative_mass", "kappa", "percentile_ratio",
          "effective_rank_entropy")


def _brief(summary):
    return {key: summary[key] for key in _BRIEF}


def _rounded(obj, digits=SIGNIFICANT_DIGITS):
    """``obj`` with every float rounded to ``digits`` significant digits (compact JSON)."""
    if isinstance(obj, dict):
        return {k: _rounded(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_rounded(v, digits) for v in obj]
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if not math.isfinite(x) or x == 0 else float(f"{x:.{digits}g}")
    if isinstance(obj, np.integer):
        return int(obj)
    return obj
