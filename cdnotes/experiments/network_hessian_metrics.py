"""Reading the ``network-hessian`` results: the file, metrics by name, estimates over seeds.

* :func:`load_results` — the committed results file (:mod:`cdnotes.measurements`), or one
  the sub-command wrote (either layout);
* :data:`METRICS` — named readings of one record (``κ`` under each definition, λ_max, …),
  each flagged as read on a log scale or not; :func:`metric`, :func:`select`,
  :func:`seeds_of`, :func:`values`;
* :func:`estimate` — mean with a 95% t interval over seeds (of ``log10`` for log metrics);
  :func:`paired` — ``a − b`` paired by seed (``log10 a − log10 b`` for log metrics);
* :func:`near_rounding`, :func:`ceiling_of`, :func:`runs_at_ceiling` — whether a κ sits at
  the ceiling its cutoff sets (within :data:`CEILING_FACTOR` of ``1/c``, or within
  :data:`ROUNDING_MARGIN` of the rounding level);
* :func:`rank_value_bounds` / :func:`rank_ratio_bounds` — ``max|λ|`` over the ``k``-th
  largest ``|λ|``, read from the stored histogram (bounds: its quarter-decade bin), at the
  same count in every model (:data:`EQUAL_COUNT_RANKS`).
"""
from __future__ import annotations

import math

import numpy as np

from ..ceiling import DEFAULT_FACTOR, at_ceiling
from ..stats import mean_ci, paired_difference_ci
from .digits import PAPER_TABLE1
from .network_hessian_spectra import CUTOFFS, LOG10_EDGES, PERCENTILES

__all__ = ["RESULTS_NAME", "load_results", "METRICS", "metric", "select", "seeds_of",
           "values", "estimate", "paired", "near_rounding", "ROUNDING_MARGIN",
           "CEILING_FACTOR", "CEILINGS", "ceiling_of", "runs_at_ceiling", "EQUAL_COUNT_RANKS",
           "BINNED", "rank_value_bounds", "rank_ratio_bounds"]


RESULTS_NAME = "network_hessian_digits"
"""The committed results file in :mod:`cdnotes.measurements`."""


def load_results(name=RESULTS_NAME) -> dict:
    """A ``network-hessian`` results file: committed (:mod:`cdnotes.measurements`) or written.

    Reads both layouts: the committed one (records without ``job``) and the sweep
    document the sub-command writes now (each record with its ``job``); the records hold the
    same fields.

    Parameters
    ----------
    name : str, os.PathLike or dict
        A file in :mod:`cdnotes.measurements` without ``.json`` (default
        :data:`RESULTS_NAME`), a path to a results file, or a loaded document.

    Returns
    -------
    dict with ``settings``, ``records`` and ``sources`` (non-finite numbers as floats)

    Raises
    ------
    ValueError
        Not a ``network-hessian`` results file (the message names it).
    """
    from .result_files import read_results

    doc = read_results(name)
    if not isinstance(doc, dict) or doc.get("command") != "network-hessian" or not all(
            key in doc for key in ("settings", "records", "sources")) or not all(
            isinstance(r, dict) for r in doc["records"]):
        where = "the document" if isinstance(name, dict) else repr(str(name))
        raise ValueError(f"{where} is not a network-hessian results file (it needs "
                         "'command': 'network-hessian', 'settings', 'records', 'sources')")
    return doc


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
    "paper_weights_sv": ("the weights reading: mean σ²_max/σ²_min of the weights", True,
                         lambda r: r["paper_kappa"]["weights_sv"]),
    "test_accuracy": ("test accuracy", False, lambda r: r["test_accuracy"]),
}
"""``name: (label, log scale, reading of one record)``."""


EQUAL_COUNT_RANKS = {"half": min(v["n_params"] for v in PAPER_TABLE1.values()) // 2,
                     "tenth": min(v["n_params"] for v in PAPER_TABLE1.values()) // 10}
"""The ranks ``k`` (from the top) at which :func:`rank_ratio_bounds` compares spectra of
different sizes: half and a tenth of the smallest paper model's parameter count (1,296), so
``max|λ| / k-th largest |λ|`` counts the same number of eigenvalues in every model (for that
model it is the median and the 90th percentile)."""


def _rank_mid(k):
    return lambda r: rank_ratio_bounds(r, k)[1]


METRICS["ratio_rank_half"] = (f"max|λ| / {EQUAL_COUNT_RANKS['half']}th largest |λ|", True,
                              _rank_mid(EQUAL_COUNT_RANKS["half"]))
METRICS["ratio_rank_tenth"] = (f"max|λ| / {EQUAL_COUNT_RANKS['tenth']}th largest |λ|", True,
                               _rank_mid(EQUAL_COUNT_RANKS["tenth"]))
BINNED = {"ratio_rank_half": EQUAL_COUNT_RANKS["half"],
          "ratio_rank_tenth": EQUAL_COUNT_RANKS["tenth"]}
"""Metrics read from the quarter-decade histogram: ``name: k``. Their verdicts hold wherever
in its bin each eigenvalue lies (see :class:`Comparison`)."""


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


CEILING_FACTOR = DEFAULT_FACTOR
"""A κ measured above a cutoff ``c`` (relative to ``max|λ|``) can never exceed ``1/c``; it
counts as *at the ceiling* when it is within this factor of it (``κ ≥ 1/(10 c)``): its
smallest kept eigenvalue lies within one decade of the cutoff, so the value says more about
where the cutoff was put than about the spectrum. A κ whose only cutoff is the rounding
level ``P·ε·max|λ|`` uses :data:`ROUNDING_MARGIN` instead."""


def _rounding_ceiling(record):
    return 1.0 / (record["n_params"] * np.finfo(np.float64).eps), ROUNDING_MARGIN


def _cutoff_ceiling(c):
    return lambda record: (1.0 / c, CEILING_FACTOR)


CEILINGS = {
    "kappa_gn_range": _rounding_ceiling,
    "kappa_gn_structural": _rounding_ceiling,
    "kappa_h_structural": _rounding_ceiling,
    "kappa_h_1e-6": _cutoff_ceiling(1e-6),
    "kappa_h_1e-3": _cutoff_ceiling(1e-3),
    "last_block_kappa_1e-6": _cutoff_ceiling(1e-6),
    "first_block_kappa_1e-6": _cutoff_ceiling(1e-6),
}
"""``name: record -> (ceiling, factor)`` for every κ of :data:`METRICS` that has one."""


def ceiling_of(name, record):
    """The ceiling a metric's value cannot pass on one record, and the factor that counts as at it.

    Parameters
    ----------
    name : str, a key of :data:`METRICS`
    record : dict

    Returns
    -------
    ``(ceiling, factor)`` (floats), or None for a metric without a ceiling
    """
    metric(name)
    return CEILINGS[name](record) if name in CEILINGS else None


def runs_at_ceiling(records, name, model, state, inputs, seeds=None) -> int:
    """How many runs of one (model, state, inputs) have metric ``name`` at its ceiling.

    Parameters
    ----------
    records : iterable of dict
    name : str, a key of :data:`METRICS`
    model, state, inputs : str
    seeds : collection of int, optional
        Count only these seeds.

    Returns
    -------
    int (0 for a metric without a ceiling)
    """
    read = metric(name)[2]
    count = 0
    for r in select(records, model, state, inputs):
        limit = ceiling_of(name, r)
        if limit is not None and (seeds is None or int(r["seed"]) in seeds):
            ceiling, factor = limit
            count += at_ceiling(read(r), 1.0 / ceiling, factor)
    return count


def rank_value_bounds(record, k, matrix="hessian"):
    """The ``k``-th largest ``|λ|`` of a record's spectrum, from its ``log10|λ|`` histogram.

    Parameters
    ----------
    record : dict
    k : int, 1 <= k <= n (1 is the largest)
    matrix : {"hessian", "gauss_newton"}

    Returns
    -------
    ``(low, mid, high)``: the ends of the quarter-decade bin that holds it (``high`` no more
    than ``max|λ|``) and a point inside it (the bin's eigenvalues spread evenly in
    ``log10|λ|``); ``(0, 0, 10**LOG10_EDGES[0])`` when it is below the grid or zero.
    """
    part = record[matrix]
    n, top = part["n"], part["abs_max"]
    if not 1 <= int(k) <= n:
        raise ValueError(f"rank k must be in 1..{n}; got {k}")
    h, edges = part["log_histogram"], np.asarray(LOG10_EDGES)
    counts = np.add(h["positive"], h["negative"])
    seen = sum(h["above"])
    if k <= seen:
        return 10 ** edges[-1], top, top
    for b in range(counts.size - 1, -1, -1):
        c = int(counts[b])
        if seen + c >= k:
            lo, hi = edges[b], edges[b + 1]
            mid = hi - (k - seen - 0.5) / c * (hi - lo)
            return 10 ** lo, min(10 ** mid, top), min(10 ** hi, top)
        seen += c
    return 0.0, 0.0, 10 ** edges[0]


def rank_ratio_bounds(record, k, matrix="hessian"):
    """``max|λ|`` over the ``k``-th largest ``|λ|``: ``(low, mid, high)``, from
    :func:`rank_value_bounds`.

    Parameters
    ----------
    record : dict
    k : int
    matrix : {"hessian", "gauss_newton"}

    Returns
    -------
    tuple of float (``inf`` where the eigenvalue may be zero)
    """
    top = record[matrix]["abs_max"]
    lo, mid, hi = rank_value_bounds(record, k, matrix)
    ratio = [math.inf if v == 0 else top / v for v in (hi, mid, lo)]
    return tuple(float(x) for x in ratio)


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
