"""Reading the ``network-hessian`` results: metrics by name, estimates over seeds, paired gaps.

The chapter calls these on the records of the results file (dicts, as
:func:`~cdnotes.experiments.network_hessian.network_hessian_record` writes them); every count
of seeds comes from the file, so adding seeds (or a model run elsewhere) just works.

* :func:`load_results` — the committed results file (:mod:`cdnotes.measurements`);
* :data:`METRICS` — named readings of one record (``κ`` under each definition, λ_max, …),
  each flagged as read on a log scale or not;
* :func:`values` — one metric per seed for a (model, state, inputs);
* :func:`estimate` — mean with a 95% t interval over seeds (of ``log10`` for log metrics);
* :func:`paired` — ``a − b`` paired by seed (``log10 a − log10 b`` for log metrics);
* :func:`near_rounding` — how many runs have a κ no larger than double precision allows;
* :func:`verdict` — the word a paired interval supports: ``"lower"``, ``"higher"`` or
  ``"unresolved"`` (``None`` with fewer than two common seeds);
* :func:`mean_log_density` — the ``log10|λ|`` density averaged over seeds, on the fixed grid;
* :func:`probes_needed` — the fewest SLQ probes whose smoothed density is within a distance.
"""
from __future__ import annotations

import math

import numpy as np

from ..stats import mean_ci, paired_difference_ci
from .network_hessian import CUTOFFS, LOG10_EDGES, PERCENTILES

__all__ = ["RESULTS_NAME", "load_results", "METRICS", "metric", "select", "seeds_of", "values", "estimate", "paired", "verdict",
           "format_estimate", "mean_log_density", "probes_needed"]


RESULTS_NAME = "network_hessian_digits"
"""The committed results file in :mod:`cdnotes.measurements`."""


def load_results(name=RESULTS_NAME) -> dict:
    """A ``network-hessian`` results file shipped in :mod:`cdnotes.measurements`.

    Parameters
    ----------
    name : str
        The file's name without ``.json`` (default :data:`RESULTS_NAME`).

    Returns
    -------
    dict with ``settings``, ``records`` and ``sources`` (non-finite numbers as floats)
    """
    from importlib import resources

    from ..network_hessian_cli import load_document

    resource = resources.files("cdnotes.measurements").joinpath(f"{name}.json")
    if not resource.is_file():
        raise KeyError(f"no results file {name!r} in cdnotes.measurements")
    with resources.as_file(resource) as path:
        return load_document(path)


def _cut(c):
    return CUTOFFS.index(c)


METRICS = {
    "lambda_max": ("λ_max of H", False, lambda r: r["hessian"]["lambda_max"]),
    "lambda_min": ("λ_min of H", False, lambda r: r["hessian"]["lambda_min"]),
    "negative_mass": ("negative mass of H", False, lambda r: r["hessian"]["negative_mass"]),
    "kappa_gn_range": ("κ(G) on its range (zero: λ ≤ P·ε·λ_max)", True,
                       lambda r: r["gauss_newton"]["range"]["kappa_nonzero"]),
    "kappa_gn_structural": ("κ(G), exact null directions removed", True,
                            lambda r: r["gauss_newton"]["range"]["kappa_structural"]),
    "kappa_h_structural": ("κ(H) = max|λ| / min|λ|, exact null directions removed", True,
                           lambda r: r["hessian"]["kappa_structural"]),
    "kappa_h_1e-6": ("κ(H) at cutoff 1e-6", True, lambda r: r["hessian"]["kappa"][_cut(1e-6)]),
    "kappa_h_1e-3": ("κ(H) at cutoff 1e-3", True, lambda r: r["hessian"]["kappa"][_cut(1e-3)]),
    "ratio_p50": ("max|λ| / median |λ|", True,
                  lambda r: r["hessian"]["percentile_ratio"][PERCENTILES.index(50)]),
    "ratio_p90": ("max|λ| / 90th-percentile |λ|", True,
                  lambda r: r["hessian"]["percentile_ratio"][PERCENTILES.index(90)]),
    "effective_rank": ("effective rank exp(entropy) of |λ|", False,
                       lambda r: r["hessian"]["effective_rank_entropy"]),
    "effective_rank_share": ("effective rank / P", False,
                             lambda r: r["hessian"]["effective_rank_entropy"] / r["n_params"]),
    "top1pct_share": ("share of Σ|λ| in the top 1%", False,
                      lambda r: r["hessian"]["top1pct_share"]),
    "null_hessian": ("exact null directions of H", False,
                     lambda r: r["null_directions"]["hessian"]),
    "null_gauss_newton": ("exact null directions of G", False,
                          lambda r: r["null_directions"]["gauss_newton"]),
    "last_block_kappa_1e-6": ("κ of the last layer's block at cutoff 1e-6", True,
                              lambda r: r["layers"][-1]["hessian"]["kappa"][_cut(1e-6)]),
    "first_block_kappa_1e-6": ("κ of the first layer's block at cutoff 1e-6", True,
                               lambda r: r["layers"][0]["hessian"]["kappa"][_cut(1e-6)]),
    "paper_weights_sv": ("the paper's reading: mean σ²_max/σ²_min of the weights", True,
                         lambda r: r["paper_kappa"]["weights_sv"]),
    "test_accuracy": ("test accuracy", False, lambda r: r["test_accuracy"]),
}
"""``name: (label, log scale, reading of one record)``."""


def metric(name):
    """``(label, log, read)`` of a metric of :data:`METRICS`.

    Parameters
    ----------
    name : str, a key of :data:`METRICS`

    Returns
    -------
    tuple ``(str, bool, callable record -> float)``
    """
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; allowed: {', '.join(METRICS)}")
    return METRICS[name]


def select(records, model=None, state=None, inputs=None) -> list:
    """The records of one model / state / inputs (``None``: any).

    Parameters
    ----------
    records : iterable of dict
    model, state, inputs : str or None

    Returns
    -------
    list of dict, in file order
    """
    want = {"model": model, "state": state, "inputs": inputs}
    return [r for r in records if all(v is None or r[k] == v for k, v in want.items())]


def seeds_of(records, model=None, state=None, inputs=None) -> list:
    """The seeds present for one model / state / inputs, ascending.

    Parameters
    ----------
    records : iterable of dict
    model, state, inputs : str or None

    Returns
    -------
    list of int
    """
    return sorted({int(r["seed"]) for r in select(records, model, state, inputs)})


def values(records, name, model, state, inputs) -> dict:
    """``{seed: value}`` of metric ``name`` for one model, state and inputs.

    Parameters
    ----------
    records : iterable of dict
    name : str, a key of :data:`METRICS`
    model, state, inputs : str

    Returns
    -------
    dict ``{int: float}``
    """
    read = metric(name)[2]
    return {int(r["seed"]): float(read(r)) for r in select(records, model, state, inputs)}


ROUNDING_MARGIN = 100.0
"""A κ counts as at rounding level when its smallest eigenvalue is within this factor of
``P·ε·max|λ|``, the level below which double precision cannot tell an eigenvalue from 0."""


def near_rounding(records, name, model, state, inputs) -> int:
    """How many runs have a κ-type metric at rounding level (``κ·P·ε·margin ≥ 1``).

    Parameters
    ----------
    records : iterable of dict
    name : str, a key of :data:`METRICS` read on a log scale (a κ or a ratio)
    model, state, inputs : str

    Returns
    -------
    int, the number of such runs
    """
    if not metric(name)[1]:
        raise ValueError(f"{name!r} is not a κ-type (log-scale) metric")
    read, eps = metric(name)[2], np.finfo(np.float64).eps
    return sum(read(r) * r["n_params"] * eps * ROUNDING_MARGIN >= 1
               for r in select(records, model, state, inputs))


def _scale(x, log):
    x = np.asarray(x, dtype=np.float64)
    return np.log10(x) if log else x


def estimate(records, name, model, state, inputs):
    """Mean and 95% t interval over seeds (of ``log10`` of a log metric), or ``None`` (< 2 seeds).

    Parameters
    ----------
    records : iterable of dict
    name : str, a key of :data:`METRICS`
    model, state, inputs : str

    Returns
    -------
    :class:`~cdnotes.stats.Estimate` or None
    """
    v = values(records, name, model, state, inputs)
    x = _scale(list(v.values()), metric(name)[1])
    if x.size < 2 or not np.all(np.isfinite(x)):
        return None
    return mean_ci(x)


def paired(records, name, a, b, state, inputs):
    """Model ``a`` minus model ``b`` over their common seeds (``log10`` ratio for log metrics).

    Parameters
    ----------
    records : iterable of dict
    name : str, a key of :data:`METRICS`
    a, b : str, models
    state, inputs : str

    Returns
    -------
    :class:`~cdnotes.stats.Estimate` of the differences, or None (< 2 common seeds)
    """
    log = metric(name)[1]
    va, vb = values(records, name, a, state, inputs), values(records, name, b, state, inputs)
    common = sorted(set(va) & set(vb))
    if len(common) < 2:
        return None
    x, y = _scale([va[s] for s in common], log), _scale([vb[s] for s in common], log)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return None
    return paired_difference_ci(x, y)


def verdict(difference):
    """What a paired interval says about ``a − b``.

    Parameters
    ----------
    difference : :class:`~cdnotes.stats.Estimate` or None (from :func:`paired`)

    Returns
    -------
    ``"lower"`` (the interval is below 0), ``"higher"`` (above 0), ``"unresolved"`` (it
    contains 0), or None (no estimate)
    """
    if difference is None:
        return None
    if difference.high < 0:
        return "lower"
    if difference.low > 0:
        return "higher"
    return "unresolved"


def format_estimate(est, log, digits=2) -> str:
    """An estimate as the chapter prints it.

    Parameters
    ----------
    est : :class:`~cdnotes.stats.Estimate` or None
    log : bool
        The estimate is of ``log10`` values: printed as ``10^mean`` with the interval's ends
        as powers of ten.
    digits : int
        Significant digits.

    Returns
    -------
    str (``"n < 2"`` for None)
    """
    if est is None:
        return "n < 2"
    f = (lambda x: f"{10 ** x:.{digits}g}") if log else (lambda x: f"{x:.{digits}g}")
    return f"{f(est.mean)} [{f(est.low)}, {f(est.high)}]"


def mean_log_density(records, model, state, inputs, matrix="hessian", sign="positive"):
    """The density of ``log10|λ|`` (eigenvalues of one sign) averaged over seeds.

    Parameters
    ----------
    records : iterable of dict
    model, state, inputs : str
    matrix : {"hessian", "gauss_newton"}
    sign : {"positive", "negative"}

    Returns
    -------
    centres : numpy array ``(n_bins,)``; density : numpy array ``(n_bins,)``, counts per
    eigenvalue per decade (integrating over the grid to the share of eigenvalues of that
    sign inside it); n : int, the seeds averaged
    """
    edges = np.asarray(LOG10_EDGES)
    width = np.diff(edges)
    rows = [np.asarray(r[matrix]["log_histogram"][sign], dtype=float) / r["n_params"] / width
            for r in select(records, model, state, inputs)]
    centres = 0.5 * (edges[1:] + edges[:-1])
    if not rows:
        return centres, np.full(centres.shape, math.nan), 0
    return centres, np.mean(rows, axis=0), len(rows)


def probes_needed(record, threshold, distance="l1_smoothed"):
    """The fewest SLQ probes whose distance to the exact spectrum is at most ``threshold``.

    Parameters
    ----------
    record : dict
    threshold : float
    distance : {"l1_smoothed", "wasserstein"}

    Returns
    -------
    int, or None if no probe count tried was within it
    """
    slq = record["slq"]
    for probes, d in zip(slq["probes"], slq[distance]):
        if d <= threshold:
            return int(probes)
    return None
