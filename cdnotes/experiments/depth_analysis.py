"""Does CD's advantage grow with depth? Reading the runs of :mod:`cdnotes.experiments.depth`.

* :data:`METRICS` — what each record holds per run, and what the chapter calls it.
* :func:`depth_gaps` — per depth, dense minus CD of a metric, paired by seed, with a t interval.
* :func:`gap_growth` — the deepest gap minus the shallowest, per seed, with a t interval:
  whether the gap grows with depth.
"""
from __future__ import annotations

import math

import numpy as np

from ..stats import mean_ci, paired_difference_ci
from ..validation import check_choice

__all__ = ["METRICS", "depth_gaps", "gap_growth"]

METRICS = {
    "accuracy": "test accuracy (%)",
    "log10_kappa_weights": "log₁₀ κ of the weights (σ²max/σ²min, mean over layers)",
    "log10_kappa_hessian": "log₁₀ κ of the last layer's exact Hessian (non-zero part)",
}
"""What each record holds per run, and what the chapter calls it."""



def _metric(record: dict, metric: str) -> float:
    check_choice(metric, "metric", METRICS)
    if metric == "accuracy":
        return float(record["accuracy"])
    key = "kappa_weights" if metric == "log10_kappa_weights" else "kappa_hessian"
    return math.log10(float(record[key]))


def _paired(records, metric, model, baseline, depth) -> tuple:
    """Seeds run by both models at ``depth``, and ``baseline − model`` of ``metric`` per seed."""
    value = {(r["model"], r["seed"]): _metric(r, metric) for r in records
             if r["depth"] == depth and r["model"] in (model, baseline)}
    seeds = sorted(s for m, s in value if m == model and (baseline, s) in value)
    return seeds, np.array([value[baseline, s] - value[model, s] for s in seeds])


def depth_gaps(records, metric: str = "accuracy", model: str = "cd4",
               baseline: str = "dense", level: float = 0.95) -> dict:
    """Per depth, ``baseline − model`` of ``metric``, paired by seed, with a t interval.

    Parameters
    ----------
    records : list of :func:`run_depth` dicts
    metric : a key of :data:`METRICS`
    model, baseline : model names
    level : float, default 0.95

    Returns
    -------
    dict depth -> :class:`cdnotes.stats.Estimate` of the per-seed differences (for the κ
    metrics a difference of log10 κ: ``10 ** mean`` is the geometric-mean ratio).
    """
    depths = sorted({r["depth"] for r in records})
    return {d: mean_ci(_paired(records, metric, model, baseline, d)[1], level=level)
            for d in depths}


def gap_growth(records, metric: str = "accuracy", model: str = "cd4",
               baseline: str = "dense", level: float = 0.95):
    """The gap at the deepest depth minus the gap at the shallowest, per seed, with a t interval.

    A gap that grows with depth has an interval above zero; one that shrinks, below.

    Parameters
    ----------
    records : list of :func:`run_depth` dicts
    metric : a key of :data:`METRICS`
    model, baseline : model names
    level : float, default 0.95

    Returns
    -------
    :class:`cdnotes.stats.Estimate`
    """
    depths = sorted({r["depth"] for r in records})
    s_low, low = _paired(records, metric, model, baseline, depths[0])
    s_high, high = _paired(records, metric, model, baseline, depths[-1])
    common = sorted(set(s_low) & set(s_high))
    a = np.array([high[s_high.index(s)] for s in common])
    b = np.array([low[s_low.index(s)] for s in common])
    return paired_difference_ci(a, b, level=level)
