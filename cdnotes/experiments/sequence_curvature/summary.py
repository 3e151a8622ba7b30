"""Reading ``sequence-curvature`` records: per configuration the measures' medians over seeds
(:func:`summarize`), and paired comparisons dense vs CD and with vs without LayerNorm that
refuse a verdict on a κ at its ceiling (:func:`compare`)."""
from __future__ import annotations

import math

import numpy as np

from ...ceiling import at_ceiling, censored_median
from ...stats import paired_difference_ci
from ..network_hessian_spectra import CUTOFFS, PERCENTILES
from ..network_hessian_verdicts import verdict
from .models import CD_MODELS

__all__ = ["MEASURES", "KAPPA_CUTOFFS", "config_key", "config_label", "measure_value",
           "median_interval", "compare", "comparisons", "summarize"]

KAPPA_CUTOFFS = (1e-2, 1e-4, 1e-6, 1e-8)
"""The cutoffs ``c`` whose ``κ(c)`` the summary reports (a subset of ``CUTOFFS``)."""

MEASURES = (("lambda_max", "log"), ("lambda_min", "linear"), ("negative_mass", "linear"),
            ("effective_rank_entropy", "log"), ("percentile_ratio_50", "log"),
            *((f"kappa_{c:g}", "log") for c in KAPPA_CUTOFFS))
"""``(name, scale)`` of each measure summarised: ``log`` measures are compared as ratios
(``log10(first / second)``), ``linear`` ones as differences."""

_SCALES = dict(MEASURES)


def config_key(record) -> tuple:
    """A record's configuration, all but its seed.

    Parameters
    ----------
    record : dict, a ``sequence-curvature`` record

    Returns
    -------
    tuple ``(model, block_size, layernorm, state)``
    """
    return (record["model"], record["block_size"], record["layernorm"], record["state"])


def config_label(model, block_size, layernorm, state=None) -> str:
    """``"transformer_cd_B4_noLN/init"``: the model, ``_B<b>`` for CD, ``_noLN`` without
    LayerNorm, ``/<state>`` when given.

    Parameters
    ----------
    model : str; block_size : int or None; layernorm : {"with", "without", None}
    state : str or None

    Returns
    -------
    str
    """
    label = model + ("" if block_size is None else f"_B{block_size}")
    label += "_noLN" if layernorm == "without" else ""
    return label if state is None else f"{label}/{state}"


def _cutoff(name):
    """The cutoff of a ``kappa_<c>`` measure, else None."""
    return float(name[len("kappa_"):]) if name.startswith("kappa_") else None


def measure_value(record, matrix, name):
    """One measure of a record's ``matrix`` spectrum, or None where the record lacks it
    (a Lanczos record has only ``lambda_max`` and ``lambda_min``).

    Parameters
    ----------
    record : dict, a ``sequence-curvature`` record
    matrix : {"hessian", "gauss_newton"}
    name : str, a name of :data:`MEASURES` (``kappa_<c>`` for any ``c`` of ``CUTOFFS``)

    Returns
    -------
    float or None
    """
    s = record[matrix]
    c = _cutoff(name)
    if c is not None:
        matches = [i for i, v in enumerate(CUTOFFS) if math.isclose(v, c, rel_tol=1e-9)]
        if not matches:
            raise ValueError(f"no κ at cutoff {c:g}; cutoffs: "
                             f"{', '.join(f'{v:g}' for v in CUTOFFS)}")
        return None if "kappa" not in s else float(s["kappa"][matches[0]])
    if name.startswith("percentile_ratio_"):
        q = float(name.rpartition("_")[2])
        return (None if "percentile_ratio" not in s
                else float(s["percentile_ratio"][list(PERCENTILES).index(q)]))
    value = s.get(name)
    return None if value is None else float(value)


def median_interval(values, cutoff=None) -> dict:
    """The median over seeds, the range as its distribution-free interval, and the ceiling.

    The interval ``[min, max]`` covers the population median with probability
    ``1 − 2^(1−n)`` (``coverage``; 0.9375 for 5 seeds). For a κ (``cutoff`` given) the
    median is :func:`cdnotes.ceiling.censored_median`: ``None`` when half or more of the
    values sit at the ceiling ``1 / cutoff``.

    Parameters
    ----------
    values : sequence of float ``(n,)``, ``n >= 1``
    cutoff : float in (0, 1) or None

    Returns
    -------
    dict ``{"median", "low", "high", "n", "coverage", "n_at_ceiling"}``
    """
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        raise ValueError("median_interval needs at least one value")
    if cutoff is None:
        median, n_top = float(np.median(v)), 0
    else:
        median, n_top = censored_median(v, cutoff)
    return {"median": median, "low": float(v.min()), "high": float(v.max()), "n": int(v.size),
            "coverage": 1.0 - 2.0 ** (1 - v.size) if v.size > 1 else 0.0,
            "n_at_ceiling": n_top}


def _by_seed(records, key, matrix, name):
    out = {}
    for r in records:
        if config_key(r) == tuple(key):
            value = measure_value(r, matrix, name)
            if value is not None:
                out[int(r["seed"])] = value
    return out


def compare(records, matrix, name, first, second) -> dict:
    """``first`` against ``second`` on one measure, paired by seed.

    Parameters
    ----------
    records : iterable of dict
    matrix : {"hessian", "gauss_newton"}; name : str, a name of :data:`MEASURES`
    first, second : tuple ``(model, block_size, layernorm, state)`` (:func:`config_key`)

    Returns
    -------
    dict
        ``first``, ``second`` (labels), ``matrix``, ``measure``, ``scale``, ``seeds``,
        ``mean``, ``low``, ``high`` (the Student-t 95 % interval of ``log10(first/second)``
        or ``first − second``; None with fewer than two common seeds), ``n_at_ceiling``
        (runs of either side at the ceiling, for a κ) and ``verdict``: ``"lower"``,
        ``"higher"``, ``"unresolved"``, ``"at the ceiling"`` (no verdict: a run's κ is
        within a factor 10 of ``1 / cutoff``) or None.
    """
    records = list(records)
    scale = _SCALES.get(name, "log" if _cutoff(name) is not None else "linear")
    a, b = _by_seed(records, first, matrix, name), _by_seed(records, second, matrix, name)
    seeds = sorted(set(a) & set(b))
    x, y = np.array([a[s] for s in seeds]), np.array([b[s] for s in seeds])
    c = _cutoff(name)
    n_top = 0 if c is None or not seeds else int(np.sum(at_ceiling(np.concatenate([x, y]), c)))
    out = {"first": config_label(*first), "second": config_label(*second), "matrix": matrix,
           "measure": name, "scale": scale, "seeds": seeds, "mean": None, "low": None,
           "high": None, "n_at_ceiling": n_top, "verdict": None}
    if len(seeds) < 2:
        return out
    if scale == "log":
        if np.any(x <= 0) or np.any(y <= 0):
            raise ValueError(f"{name!r} has values <= 0: it cannot be compared as a ratio")
        x, y = np.log10(x), np.log10(y)
    est = paired_difference_ci(x, y)
    out.update(mean=est.mean, low=est.low, high=est.high,
               verdict="at the ceiling" if n_top else verdict(est))
    return out


def comparisons(records) -> list:
    """Every paired comparison the records allow: each CD configuration against the dense one
    of its family (same LayerNorm choice and state), and each transformer with against without
    LayerNorm (same structure, block size, state); every matrix and measure.

    Parameters
    ----------
    records : iterable of dict

    Returns
    -------
    list of :func:`compare` dicts
    """
    records = list(records)
    keys = sorted({config_key(r) for r in records}, key=repr)
    pairs = []
    for key in keys:
        model, block, ln, state = key
        if model in CD_MODELS:
            dense = (model.replace("_cd", "_dense"), None, ln, state)
            if dense in keys:
                pairs.append((key, dense))
        if ln == "with" and (model, block, "without", state) in keys:
            pairs.append((key, (model, block, "without", state)))
    return [compare(records, matrix, name, first, second)
            for first, second in pairs for matrix in ("hessian", "gauss_newton")
            for name, _ in MEASURES]


def summarize(records) -> dict:
    """The summary of ``sequence-curvature`` records.

    Parameters
    ----------
    records : iterable of dict, each with ``model``, ``block_size``, ``layernorm``,
        ``state``, ``seed``, ``n_params``, ``method``, ``loss``, ``accuracy``, ``hessian``
        and ``gauss_newton`` (spectrum summaries)

    Returns
    -------
    dict
        ``configs``: ``{label: {"n_params", "seeds", "loss", "accuracy", "hessian": {measure:
        median_interval}, "gauss_newton": {...}}}`` (labels of :func:`config_label`, measures
        a record lacks left out); ``comparisons``: :func:`comparisons`.
    """
    records = list(records)
    configs = {}
    for key in sorted({config_key(r) for r in records}, key=repr):
        group = sorted((r for r in records if config_key(r) == key), key=lambda r: r["seed"])
        entry = {"n_params": int(group[0]["n_params"]), "seeds": [r["seed"] for r in group],
                 "loss": median_interval([r["loss"] for r in group]),
                 "accuracy": median_interval([r["accuracy"] for r in group])}
        for matrix in ("hessian", "gauss_newton"):
            entry[matrix] = {}
            for name, _ in MEASURES:
                vals = [measure_value(r, matrix, name) for r in group]
                vals = [v for v in vals if v is not None]
                if vals:
                    entry[matrix][name] = median_interval(vals, _cutoff(name))
        configs[config_label(*key)] = entry
    return {"configs": configs, "comparisons": comparisons(records)}
