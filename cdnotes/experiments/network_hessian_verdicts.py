"""Reading the ``network-hessian`` results: comparisons paired by seed and their verdicts.

* :func:`compare` — a :class:`Comparison` of two (model, state, inputs) paired by seed, on a
  stated scale (``log``: the ratio; ``linear``: the difference), knowing its ceiling;
  :func:`format_comparison` / :func:`format_estimate` print them on that scale;
* :func:`verdict` — the word a paired interval supports: ``"lower"``, ``"higher"``,
  ``"unresolved"`` or ``"at the ceiling"`` (``None`` with fewer than two common seeds);
* :func:`verdict_counts` / :func:`conditioning_answer` — the verdicts counted, and the
  summary's answer in words;
* :func:`ordering` / :func:`ordering_verdict` — whether a claimed order (dense > CD-B4 >
  CD-B8) holds, paired by seed for each neighbouring pair;
* :func:`paper_reading` — the paper's κ reading over seeds, summarised by
  :func:`cdnotes.experiments.digits.reading_summary` (the function chapter 5 uses);
* :func:`mean_log_density` — the ``log10|λ|`` density averaged over seeds, on the fixed grid;
* :func:`probes_needed` — the fewest SLQ probes whose smoothed density is within a distance.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..stats import Estimate, paired_difference_ci
from .digits import reading_summary
from .network_hessian_metrics import (BINNED, _scale, metric, rank_ratio_bounds,
                                      runs_at_ceiling, select, values)
from .network_hessian_spectra import LOG10_EDGES

__all__ = ["VERDICTS", "Comparison", "compare", "verdict", "verdict_counts",
           "conditioning_answer", "format_comparison", "format_estimate", "PAPER_READING",
           "paper_reading", "ordering", "ordering_verdict", "mean_log_density", "probes_needed"]


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
        Runs (either side, common seeds) whose value is at its ceiling
        (:func:`cdnotes.ceiling.at_ceiling`).
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
        ``"weights"`` (the weights reading: the paper's dense definition, every model); each
        counts the CD-against-dense comparisons.

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
    third = (" By the weights reading (the paper's dense definition applied to every model; "
             f"not the Hessian): {part(w)}."
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
