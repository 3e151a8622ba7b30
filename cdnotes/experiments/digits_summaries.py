"""The digits experiment of the paper (§VI): summaries of the runs.

:func:`summarize` (mean, std, n per model), :func:`accuracy_estimates` (mean with a
Student-t interval), :func:`paired_gap` (difference of two models, seed by seed),
:func:`subset_means` (what disjoint groups of a few seeds would have reported),
:func:`reading_summary` / :func:`kappa_reading_summaries` (median, geometric mean and range
of a κ reading), :func:`curvature_summaries` (the exact Hessians, run by run),
:func:`epoch_gaps` (per-epoch differences of two models, paired by seed).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..stats import Estimate, geometric_mean, mean_ci, paired_difference_ci
from ..validation import check_choice, check_int
from .digits_records import DigitsRecord

__all__ = ["summarize", "accuracy_estimates", "paired_gap", "subset_means", "ReadingSummary",
           "reading_summary", "READINGS", "kappa_reading_summaries", "CurvatureSummary",
           "curvature_summaries", "CUTOFF_MARGIN_DECADES", "BULK_QUANTILE", "epoch_gaps"]


def _records(records) -> list:
    return [r if isinstance(r, DigitsRecord) else DigitsRecord.from_json(r) for r in records]


def _by_model(records) -> dict:
    out = {}
    for r in _records(records):
        out.setdefault(r.model, []).append(r)
    return out


def summarize(records) -> dict:
    """Mean, std (ddof=1) and count of the final test accuracy (%) per model, in first-seen order.

    Parameters
    ----------
    records : list of :class:`DigitsRecord` or of their JSON dicts

    Returns
    -------
    dict ``{model: {"mean", "std", "n"}}``
    """
    out = {}
    for name, runs in _by_model(records).items():
        acc = np.array([r.accuracy_percent for r in runs])
        out[name] = {"mean": float(acc.mean()),
                     "std": float(acc.std(ddof=1)) if acc.size > 1 else 0.0,
                     "n": int(acc.size)}
    return out


def accuracy_estimates(records, level: float = 0.95) -> dict:
    """Per model, the mean final test accuracy (%) with its Student-t interval
    (:func:`~cdnotes.stats.mean_ci`).

    Parameters
    ----------
    records : list of DigitsRecord or of their JSON dicts
        At least two runs per model.
    level : float in (0, 1), default 0.95

    Returns
    -------
    dict
        ``{model: Estimate}``, in first-seen order.
    """
    return {name: mean_ci([r.accuracy_percent for r in runs], level)
            for name, runs in _by_model(records).items()}


def _paired(a_runs, b_runs, what):
    a = {r.seed: r for r in a_runs}
    b = {r.seed: r for r in b_runs}
    if sorted(a) != sorted(b) or len(a) != len(a_runs) or len(b) != len(b_runs):
        raise ValueError(f"{what} must have the same seeds, each once; got {sorted(a)} and "
                         f"{sorted(b)}")
    if len({r.split_seed for r in (*a_runs, *b_runs)}) != 1:
        raise ValueError(f"{what} must share one data split")
    return [(a[s], b[s]) for s in sorted(a)]


def paired_gap(records, model_a: str, model_b: str, level: float = 0.95) -> Estimate:
    """``accuracy(model_a) − accuracy(model_b)`` in points, paired by seed, with its t interval.

    Parameters
    ----------
    records : list of DigitsRecord or of their JSON dicts
        The two models must have runs for the same seeds (each once, at least two) on one
        data split, else ``ValueError``.
    model_a, model_b : str
    level : float in (0, 1), default 0.95

    Returns
    -------
    Estimate
        Of the per-seed differences of final test accuracy, percentage points.
    """
    groups = _by_model(records)
    for name in (model_a, model_b):
        if name not in groups:
            raise ValueError(f"no records of model {name!r}; have {list(groups)}")
    pairs = _paired(groups[model_a], groups[model_b], f"{model_a} and {model_b}")
    return paired_difference_ci([a.accuracy_percent for a, _ in pairs],
                                [b.accuracy_percent for _, b in pairs], level)


def subset_means(records, size: int) -> list:
    """Mean accuracy (%) per model over disjoint groups of ``size`` consecutive seeds.

    The seeds present for every model, sorted, are cut into ``len // size`` groups (a
    remainder is dropped): what ``len // size`` independent replications of a
    ``size``-seed experiment would have reported.

    Parameters
    ----------
    records : list of DigitsRecord or of their JSON dicts
    size : int >= 1
        Seeds per group.

    Returns
    -------
    list of dict
        One ``{model: mean accuracy (%)}`` per group, in seed order (empty if fewer than
        ``size`` common seeds).
    """
    size = check_int(size, "size", minimum=1)
    groups = _by_model(records)
    common = sorted(set.intersection(*({r.seed for r in runs} for runs in groups.values())))
    out = []
    for start in range(0, len(common) - size + 1, size):
        chosen = set(common[start:start + size])
        out.append({name: float(np.mean([r.accuracy_percent for r in runs if r.seed in chosen]))
                    for name, runs in groups.items()})
    return out


@dataclass(frozen=True)
class ReadingSummary:
    """A κ reading over seeds: quartiles, geometric mean of the finite values, range, infinities.

    The quartiles count every run, infinite ones included (as the largest values), so a
    median or upper quartile is ``inf`` when enough runs are; ``geometric_mean`` is of the
    finite values only and ``None`` when there are none.

    Attributes
    ----------
    median : float
    lower_quartile, upper_quartile : float
        25th and 75th percentiles (linear interpolation between order statistics;
        ``inf`` where an infinite value enters).
    geometric_mean : float or None
        Of the finite values only.
    minimum, maximum : float
    n_inf : int
        Infinite values.
    n : int
        All values.
    """

    median: float
    geometric_mean: float | None
    minimum: float
    maximum: float
    n_inf: int
    n: int
    lower_quartile: float = math.nan
    upper_quartile: float = math.nan

    @property
    def n_finite(self) -> int:
        """Finite values."""
        return self.n - self.n_inf

    def position(self, value: float) -> str:
        """``"below"``, ``"inside"`` or ``"above"`` the interquartile range (ends inside)."""
        return ("below" if value < self.lower_quartile else
                "above" if value > self.upper_quartile else "inside")


def _quantile(sorted_values, q: float) -> float:
    """Linear-interpolation quantile of ascending values that may end in ``inf``."""
    position = q * (sorted_values.size - 1)
    lo, hi = int(np.floor(position)), int(np.ceil(position))
    a, b = sorted_values[lo], sorted_values[hi]
    if lo == hi or a == b:
        return float(a)
    if np.isinf(b):
        return math.inf
    return float(a + (position - lo) * (b - a))


def reading_summary(values) -> ReadingSummary:
    """:class:`ReadingSummary` of positive readings (``inf`` allowed, ``nan`` refused).

    Parameters
    ----------
    values : array-like of float > 0
        At least one (flattened); ``inf`` allowed.

    Returns
    -------
    ReadingSummary
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0 or np.any(np.isnan(v)) or np.any(v <= 0):
        raise ValueError("reading_summary needs at least one positive value (inf allowed, no nan)")
    finite = v[np.isfinite(v)]
    ordered = np.sort(v)
    return ReadingSummary(median=_quantile(ordered, 0.5),
                          geometric_mean=geometric_mean(finite) if finite.size else None,
                          minimum=float(v.min()), maximum=float(v.max()),
                          n_inf=int(np.sum(np.isinf(v))), n=int(v.size),
                          lower_quartile=_quantile(ordered, 0.25),
                          upper_quartile=_quantile(ordered, 0.75))



READINGS = ("weights_sv", "theorem1_inputs", "circulant_spectrum")
"""The paper's κ readings a :class:`KappaReadings` holds (see
:func:`cdnotes.curvature.paper_kappa_readings`)."""


def kappa_reading_summaries(records) -> dict:
    """``{(model, reading): ReadingSummary}`` over each model's runs, for every reading in
    :data:`READINGS` that is defined for the model (a dense model has no circulant spectrum).

    Parameters
    ----------
    records : list of DigitsRecord or of their JSON dicts
        Every run measured with ``curvature="readings"`` or ``"full"``.

    Returns
    -------
    dict
        ``{(model, reading): ReadingSummary}``; a reading that is ``nan`` on every run of a
        model is left out.

    Raises
    ------
    ValueError
        If a run has no readings (``curvature="none"``).
    """
    out = {}
    for name, runs in _by_model(records).items():
        for key in READINGS:
            values = [getattr(r._need("kappa"), key) for r in runs]
            if not all(math.isnan(v) for v in values):
                out[name, key] = reading_summary(values)
    return out


@dataclass(frozen=True)
class CurvatureSummary:
    """One model's exact curvature over its runs with ``curvature="full"``, one entry per run.

    ``hessian_decades`` is ``log10`` of the last-layer Hessian's κ (non-zero part), which
    can be set by the zero threshold rather than by the spectrum: ``reaches_cutoff`` says
    where the smallest non-zero eigenvalue lies within :data:`CUTOFF_MARGIN_DECADES` of it,
    and ``bulk_decades`` measures the span inside the spectrum instead (``λ_max`` over the
    :data:`BULK_QUANTILE` quantile of the non-zero eigenvalues);
    ``n_zero`` its zero eigenvalues; ``dead_units`` the dead ReLUs of both hidden layers;
    ``logit_nonzero`` / ``logit_decades`` the non-zero eigenvalues of the logit Hessian and
    the decades they span; ``confident_percent`` the training digits classified with
    probability above :data:`CONFIDENT_PROBABILITY`.

    Attributes
    ----------
    seeds : tuple of int
        The runs' seeds, ascending; every other tuple follows this order.
    n_params_last : int
        Parameters of the last layer (the size of its Hessian).
    hessian_decades : tuple of float
        ``log10`` of the last-layer Hessian's κ on its non-zero part.
    reaches_cutoff : tuple of bool
        Whether that part runs down to within :data:`CUTOFF_MARGIN_DECADES` of the zero
        threshold (then ``hessian_decades`` measures the threshold, not the spectrum).
    bulk_decades : tuple of float
        ``log10(λ_max / q)``, ``q`` the :data:`BULK_QUANTILE` quantile of the non-zero
        eigenvalues.
    n_zero : tuple of int
        Zero eigenvalues of that Hessian.
    dead_units : tuple of int
        Dead ReLUs, summed over the hidden layers.
    logit_nonzero : tuple of int
        Number of non-zero logit-Hessian eigenvalues (above ``1e-12 × λ_max``).
    logit_decades : tuple of float
        ``log10(λ_max/λ_min)`` of those.
    confident_percent : tuple of float
        Percent of training digits classified with probability above
        :data:`CONFIDENT_PROBABILITY`.
    """

    seeds: tuple
    n_params_last: int
    hessian_decades: tuple
    reaches_cutoff: tuple
    bulk_decades: tuple
    n_zero: tuple
    dead_units: tuple
    logit_nonzero: tuple
    logit_decades: tuple
    confident_percent: tuple


CUTOFF_MARGIN_DECADES = 1.0
"""A spectrum "reaches" the zero threshold when its smallest non-zero eigenvalue is within
this many decades of it."""

BULK_QUANTILE = 0.1
"""The bulk of a spectrum: its non-zero eigenvalues from this quantile up."""


def _reaches_cutoff(h) -> bool:
    return bool(h.lambda_min_nonzero <= h.zero_threshold * 10 ** CUTOFF_MARGIN_DECADES)


def _bulk_decades(record) -> float:
    h = record.hessian
    ev = np.asarray(record.last_layer_eigenvalues)
    nonzero = ev[ev > h.zero_threshold]
    return float(np.log10(h.lambda_max / np.quantile(nonzero, BULK_QUANTILE)))


def curvature_summaries(records) -> dict:
    """``{model: CurvatureSummary}`` over the runs that measured the full curvature (others
    skipped).

    Parameters
    ----------
    records : list of DigitsRecord or of their JSON dicts

    Returns
    -------
    dict
        ``{model: CurvatureSummary}``; a model with no ``curvature="full"`` run is left out.
    """
    out = {}
    for name, runs in _by_model(records).items():
        full = sorted((r for r in runs if r.curvature == "full"), key=lambda r: r.seed)
        if not full:
            continue
        logit = [r.logit_nonzero() for r in full]
        out[name] = CurvatureSummary(
            seeds=tuple(r.seed for r in full), n_params_last=len(full[0].last_layer_eigenvalues),
            hessian_decades=tuple(float(np.log10(r.hessian_kappa)) for r in full),
            reaches_cutoff=tuple(_reaches_cutoff(r.hessian) for r in full),
            bulk_decades=tuple(_bulk_decades(r) for r in full),
            n_zero=tuple(r.hessian.n_zero for r in full),
            dead_units=tuple(sum(r.kappa.dead_units) for r in full),
            logit_nonzero=tuple(ev.size for ev in logit),
            logit_decades=tuple(float(np.log10(ev.max() / ev.min())) for ev in logit),
            confident_percent=tuple(100 * r.confident_fraction for r in full))
    return out


def epoch_gaps(records, a: str, b: str, metric: str = "log10_loss", level: float = 0.95) -> list:
    """Per epoch, ``a − b`` of a per-epoch metric, paired by seed, with a t interval.

    Parameters
    ----------
    records : list of DigitsRecord (or their JSON dicts), run with ``per_epoch=True``
    a, b : model names
    metric : {"log10_loss", "accuracy"}
        ``log10`` of the epoch's mean training loss, or the test accuracy after the epoch (%).
    level : float, default 0.95

    Returns
    -------
    list of :class:`~cdnotes.stats.Estimate`, one per epoch (epoch 1 first)
    """
    check_choice(metric, "metric", ("log10_loss", "accuracy"))
    runs = _by_model(records)

    def series(r):
        if metric == "accuracy":
            return 100.0 * np.asarray(r.test_accuracy)
        return np.log10(np.asarray(r.train_loss))

    va = {r.seed: series(r) for r in runs[a]}
    vb = {r.seed: series(r) for r in runs[b]}
    seeds = sorted(set(va) & set(vb))
    A, B = np.array([va[s] for s in seeds]), np.array([vb[s] for s in seeds])
    if A.ndim != 2 or A.shape[1] == 0:
        raise ValueError("epoch_gaps needs per-epoch values (runs with per_epoch=True)")
    return [paired_difference_ci(A[:, e], B[:, e], level) for e in range(A.shape[1])]
