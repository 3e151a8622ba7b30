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
* :func:`runs_at_ceiling` (with :func:`cdnotes.ceiling.at_ceiling`) — whether a κ sits at the ceiling its cutoff
  sets (within :data:`CEILING_FACTOR` of ``1/c``, or within :data:`ROUNDING_MARGIN` of the
  rounding level), where it measures the cutoff more than the spectrum;
* :func:`rank_value_bounds` / :func:`rank_ratio_bounds` — ``max|λ|`` over the ``k``-th
  largest ``|λ|``, read from the stored histogram (bounds: its quarter-decade bin), so that
  spectra of matrices of different sizes are compared at the same count
  (:data:`EQUAL_COUNT_RANKS`);
* :func:`compare` — a :class:`Comparison` of two (model, state, inputs) paired by seed, on a
  stated scale (``log``: the ratio; ``linear``: the difference), knowing its ceiling;
  :func:`format_comparison` prints it on that scale;
* :func:`verdict` — the word a paired interval supports: ``"lower"``, ``"higher"``,
  ``"unresolved"`` or ``"at the ceiling"`` (``None`` with fewer than two common seeds);
* :func:`verdict_counts` / :func:`conditioning_answer` — the verdicts counted, and the
  summary's answer in words;
* :func:`ordering_verdict` — whether a claimed order (dense > CD-B4 > CD-B8) holds, paired
  by seed for each neighbouring pair;
* :func:`paper_reading` — the paper's κ reading over seeds, summarised by
  :func:`cdnotes.experiments.digits.reading_summary` (the function chapter 5 uses);
* :func:`mean_log_density` — the ``log10|λ|`` density averaged over seeds, on the fixed grid;
* :func:`probes_needed` — the fewest SLQ probes whose smoothed density is within a distance.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..ceiling import DEFAULT_FACTOR, at_ceiling
from ..stats import Estimate, mean_ci, paired_difference_ci
from .digits import PAPER_TABLE1, reading_summary
from .network_hessian import CUTOFFS, LOG10_EDGES, PERCENTILES

__all__ = ["RESULTS_NAME", "load_results", "METRICS", "metric", "select", "seeds_of",
           "values", "estimate", "paired", "verdict", "format_estimate", "mean_log_density",
           "probes_needed", "ROUNDING_MARGIN", "CEILING_FACTOR", "CEILINGS", "ceiling_of",
           "runs_at_ceiling", "EQUAL_COUNT_RANKS", "BINNED", "rank_value_bounds",
           "rank_ratio_bounds", "Comparison", "compare", "format_comparison", "VERDICTS",
           "verdict_counts", "conditioning_answer", "PAPER_READING", "paper_reading",
           "ordering", "ordering_verdict", "settings_sentence", "probe_words",
           "probes_sentence"]


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
    """``max|λ|`` over the ``k``-th largest ``|λ|``: ``(low, mid, high)``, from :func:`rank_value_bounds`.

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


VERDICTS = ("lower", "higher", "unresolved", "at the ceiling")
"""The words :func:`verdict` can give (besides ``None``: fewer than two common seeds)."""


@dataclass(frozen=True)
class Comparison:
    """Two (model, state, inputs) of one metric, paired by seed, on a stated scale.

    Attributes
    ----------
    name : str, the metric
    first, second : tuple ``(model, state, inputs)``
    scale : ``"log"`` (``estimate`` is of ``log10(first / second)``: a ratio) or
        ``"linear"`` (of ``first − second``)
    estimate : :class:`~cdnotes.stats.Estimate` or None (fewer than two common seeds)
    seeds : tuple of int, the common seeds
    n_at_ceiling : int
        Runs (either side, common seeds) whose value is at its ceiling (:func:`cdnotes.ceiling.at_ceiling`).
    bounds : tuple of two Estimates or None
        For a :data:`BINNED` metric: the estimates of the log-ratio with each eigenvalue at
        the end of its bin least and most favourable to ``first`` (``(low, high)``).
    """

    name: str
    first: tuple
    second: tuple
    scale: str
    estimate: Estimate | None
    seeds: tuple
    n_at_ceiling: int = 0
    bounds: tuple | None = None

    @property
    def verdict(self):
        """See :func:`verdict`."""
        return verdict(self)


def compare(records, name, first, second, *, scale=None) -> Comparison:
    """``first`` against ``second`` over their common seeds, as a ratio or a difference.

    Parameters
    ----------
    records : iterable of dict
    name : str, a key of :data:`METRICS`
    first, second : tuple ``(model, state, inputs)``
    scale : {None, "log", "linear"}
        ``None``: the metric's own (``log`` for κ-type metrics). ``"log"`` on a linear metric
        compares its positive values as a ratio (every value must be positive).

    Returns
    -------
    Comparison
    """
    label, log, read = metric(name)
    scale = ("log" if log else "linear") if scale is None else scale
    if scale not in ("log", "linear"):
        raise ValueError(f"scale must be 'log' or 'linear'; got {scale!r}")
    va, vb = values(records, name, *first), values(records, name, *second)
    common = tuple(sorted(set(va) & set(vb)))
    ceiling = (runs_at_ceiling(records, name, *first, seeds=common)
               + runs_at_ceiling(records, name, *second, seeds=common))
    x, y = [va[s] for s in common], [vb[s] for s in common]
    if scale == "log" and not all(v > 0 for v in x + y):
        raise ValueError(f"{name!r} has values <= 0: it cannot be compared as a ratio")
    est = bounds = None
    xs, ys = _scale(x, scale == "log"), _scale(y, scale == "log")
    if len(common) >= 2 and np.all(np.isfinite(xs)) and np.all(np.isfinite(ys)):
        est = paired_difference_ci(xs, ys)
        if name in BINNED:
            k = BINNED[name]
            ends = {}
            for side, key in ((0, first), (1, second)):
                by_seed = {int(r["seed"]): rank_ratio_bounds(r, k) for r in select(records, *key)}
                ends[side] = np.log10([[by_seed[s][0], by_seed[s][2]] for s in common])
            if np.all(np.isfinite(ends[0])) and np.all(np.isfinite(ends[1])):
                bounds = (paired_difference_ci(ends[0][:, 0], ends[1][:, 1]),
                          paired_difference_ci(ends[0][:, 1], ends[1][:, 0]))
    return Comparison(name, tuple(first), tuple(second), scale, est, common, ceiling, bounds)


def verdict(difference):
    """What a paired interval says about ``a − b`` (or ``log10 a/b``).

    Parameters
    ----------
    difference : :class:`Comparison`, :class:`~cdnotes.stats.Estimate` or None
        A :class:`Comparison` with a run at its ceiling gets no verdict; one of a
        :data:`BINNED` metric is decided only if the bin's ends agree.

    Returns
    -------
    ``"lower"`` (the interval is below 0), ``"higher"`` (above 0), ``"unresolved"`` (it
    contains 0), ``"at the ceiling"``, or None (no estimate)
    """
    if isinstance(difference, Comparison):
        c = difference
        if c.estimate is None:
            return None
        if c.n_at_ceiling:
            return "at the ceiling"
        if c.bounds is not None:
            low, high = c.bounds
            return ("lower" if high.high < 0 else "higher" if low.low > 0
                    else "unresolved")
        difference = c.estimate
    if difference is None:
        return None
    if difference.high < 0:
        return "lower"
    if difference.low > 0:
        return "higher"
    return "unresolved"


def verdict_counts(words) -> dict:
    """How many of each word of :data:`VERDICTS` (``None`` left out).

    Parameters
    ----------
    words : iterable of str or None

    Returns
    -------
    dict ``{word: int}`` over :data:`VERDICTS`, plus ``"decided"`` (lower + higher +
    unresolved) and ``"total"`` (every word that is not None)
    """
    words = [w for w in words if w is not None]
    unknown = set(words) - set(VERDICTS)
    if unknown:
        raise ValueError(f"unknown verdicts {sorted(unknown)}; allowed: {VERDICTS}")
    out = {w: sum(v == w for v in words) for w in VERDICTS}
    out["decided"] = out["lower"] + out["higher"] + out["unresolved"]
    out["total"] = len(words)
    return out


def conditioning_answer(by_kind) -> str:
    """The summary's answer to "does CD improve the whole network's conditioning?", in words.

    Parameters
    ----------
    by_kind : dict ``{kind: verdict_counts(...)}`` with the kinds ``"cutoff κ"`` (every κ),
        ``"equal count"`` (``max|λ|`` over the same ``k``-th largest ``|λ|``) and
        ``"weights"`` (the weights reading: the paper's dense definition, every model); each counts the CD-against-dense comparisons.

    Returns
    -------
    str, one Markdown sentence per kind
    """
    def part(c):
        return (f"CD lower in {c['lower']}, higher in {c['higher']}, unresolved in "
                f"{c['unresolved']} of the {c['decided']} with a verdict")

    k, e, w = by_kind["cutoff κ"], by_kind["equal count"], by_kind["weights"]
    first = (f"By a single κ: {k['at the ceiling']} of the {k['total']} comparisons sit at "
             "the ceiling their cutoff sets and get no verdict"
             + (f"; of the other {k['decided']}, {part(k)}." if k["decided"] else "."))
    second = (f" By the bulk against the top, counted at the same number of eigenvalues: "
              f"{part(e)}." if e["decided"] else
              " By the bulk against the top at equal count: no comparison decided.")
    third = (f" By the weights reading (the paper's dense definition applied to every model; not the Hessian): {part(w)}."
             if w["decided"] else "")
    return first + second + third


def format_comparison(c, digits=2) -> str:
    """A :class:`Comparison` as the chapter prints it, on its own scale.

    Parameters
    ----------
    c : Comparison
    digits : int, significant digits

    Returns
    -------
    str: ``"ratio [low, high]"`` for a log-scale comparison (``10**`` of the log-ratio's
    mean and interval: the geometric mean of ``first / second``), ``"+difference [low,
    high]"`` for a linear one; ``"n < 2"`` without an estimate.
    """
    e = c.estimate
    if e is None:
        return "n < 2"
    if c.scale == "log":
        f = (lambda x: f"{10 ** x:.{digits}g}")
    else:
        f = (lambda x: f"{x:+.{digits}g}".replace("-", "−"))
    return f"{f(e.mean)} [{f(e.low)}, {f(e.high)}]"


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


PAPER_READING = "weights_sv"
"""The paper's κ reading both chapters 5 and 8 compare across models with one definition:
mean over layers of ``σ²_max/σ²_min`` of the weight matrices (see
:func:`cdnotes.curvature.paper_kappa_readings`)."""


def paper_reading(records, model, state="trained", inputs="raw"):
    """The paper's κ reading over the seeds of one model, summarised as chapter 5 does.

    The same :func:`cdnotes.experiments.digits.reading_summary` (median, quartiles, geometric
    mean of the finite values) that :func:`~cdnotes.experiments.digits.kappa_reading_summaries`
    applies to chapter 5's runs; the per-seed values are the same
    :func:`~cdnotes.curvature.paper_kappa_readings` of the trained model.

    Parameters
    ----------
    records : iterable of dict
    model, state, inputs : str

    Returns
    -------
    :class:`~cdnotes.experiments.digits.ReadingSummary` or None (no runs)
    """
    v = values(records, "paper_weights_sv", model, state, inputs)
    return reading_summary(list(v.values())) if v else None


def ordering(summaries, order, statistic="median"):
    """Whether ``summaries[order[0]] > summaries[order[1]] > …`` on one statistic.

    Parameters
    ----------
    summaries : dict ``{model: ReadingSummary}``
    order : sequence of models, the claimed order from largest to smallest
    statistic : {"median", "geometric_mean"}

    Returns
    -------
    bool
    """
    v = [getattr(summaries[m], statistic) for m in order]
    return all(a > b for a, b in zip(v[:-1], v[1:]))


def ordering_verdict(records, name, order, state, inputs):
    """Whether ``order[0] > order[1] > …`` holds for a metric, paired by seed for each neighbour.

    Each neighbouring pair is a :func:`compare` of the smaller-claimed model against the
    larger-claimed one; the order *holds* when every such comparison is ``"lower"``.

    Parameters
    ----------
    records : iterable of dict
    name : str, a key of :data:`METRICS`
    order : sequence of models, the claimed order from largest to smallest
    state, inputs : str

    Returns
    -------
    ``"holds"`` (every pair lower), ``"fails"`` (some pair resolved the other way),
    ``"unresolved"`` (neither), ``"no verdict (at the ceiling)"`` (a pair at its ceiling), or
    None (a pair without two common seeds)
    """
    words = [compare(records, name, (small, state, inputs), (large, state, inputs)).verdict
             for large, small in zip(order[:-1], order[1:])]
    if "at the ceiling" in words:
        return "no verdict (at the ceiling)"
    if None in words:
        return None
    if all(w == "lower" for w in words):
        return "holds"
    return "fails" if "higher" in words else "unresolved"


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


_SETTING_WORDS = {"lower": "lower on whitened digits (interval below 1)",
                  "higher": "higher on whitened digits (interval above 1)",
                  "unresolved": "unresolved (interval contains 1)",
                  "at the ceiling": "no verdict (a run at the ceiling)",
                  None: "no verdict (fewer than two common seeds)"}


def settings_sentence(verdicts: dict, words: dict | None = None) -> str:
    """What a set of paired comparisons says, one clause per verdict word.

    Parameters
    ----------
    verdicts : dict
        Setting label (``"dense init"``) -> a :data:`VERDICTS` word or None, in order.
    words : dict, optional
        Verdict word -> its clause; default: a whitened / raw ratio's.

    Returns
    -------
    str
        Clauses joined by ``"; "``, in the order ``lower, higher, unresolved, at the
        ceiling, None``; a clause that holds every setting says so (``"in all six
        settings"``) instead of listing them. No capital, no full stop.

    >>> settings_sentence({"dense init": "at the ceiling", "CD-B4 init": "at the ceiling"})
    'no verdict (a run at the ceiling) in both settings'
    >>> settings_sentence({"a": "lower", "b": "unresolved", "c": "at the ceiling"})
    'lower on whitened digits (interval below 1) for a; unresolved (interval contains 1) for b; no verdict (a run at the ceiling) for c'
    """
    from .report import number_word
    words = _SETTING_WORDS if words is None else words
    n = len(verdicts)
    parts = []
    for word in (*VERDICTS, None):
        labels = [k for k, v in verdicts.items() if v == word]
        if not labels:
            continue
        if len(labels) == n:
            where = "in both settings" if n == 2 else f"in all {number_word(n)} settings"
        else:
            where = "for " + (labels[0] if len(labels) == 1 else
                              f"{', '.join(labels[:-1])} and {labels[-1]}")
        parts.append(f"{words[word]} {where}")
    return "; ".join(parts)


def probe_words(n) -> str:
    """``"one probe"``, ``"four probes"``, ``"1.5 probes"`` (a median between two counts).

    Parameters
    ----------
    n : int, float or inf (``inf``: more than were tried)

    Returns
    -------
    str
    """
    from .report import number_word
    if math.isinf(n):
        return "more probes than were tried"
    if float(n).is_integer():
        k = int(n)
        return f"{number_word(k)} probe{'' if k == 1 else 's'}"
    return f"{n:g} probes"


def probes_sentence(need, tried) -> str:
    """How many SLQ probes the runs needed (:func:`probes_needed` of each run).

    Parameters
    ----------
    need : list of int or None (None: more than the largest count tried)
    tried : list of int, the probe counts tried

    Returns
    -------
    str
        ``"the median run needed one probe, and none more than four"``; no full stop.

    >>> probes_sentence([1, 1, 4, 2], [1, 2, 4, 8])
    'the median run needed 1.5 probes, and none more than four'
    >>> probes_sentence([1, None, 1], [1, 2, 4, 8])
    'the median run needed one probe, and some needed more than the eight tried'
    """
    from .report import number_word
    counts = [math.inf if p is None else p for p in need]
    median = float(np.median(counts))
    first = ("the median run needed more than the " f"{number_word(max(tried))} tried"
             if math.isinf(median) else f"the median run needed {probe_words(median)}")
    if any(p is None for p in need):
        return f"{first}, and some needed more than the {number_word(max(tried))} tried"
    return f"{first}, and none more than {number_word(max(counts))}"
