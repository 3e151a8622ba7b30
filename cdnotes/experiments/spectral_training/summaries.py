"""Summaries of the spectral-training records for chapter 9: the Table-1 layout, accuracy
against trained parameters, paired regime comparisons, weight-distance and CD-link summaries.

Functions taking the whole results document (:func:`distance_summary`) read both its
committed layout and the sweep document ``python -m cdnotes spectral`` writes
(:func:`~cdnotes.experiments.spectral_training.spectral_results`).
"""
from __future__ import annotations

import numpy as np

from .config import ARCHITECTURES, REGIMES
from .document import spectral_results

__all__ = ["table1_rows", "table1_summary", "regime_curves", "paired_comparison",
           "distance_summary", "cd_link_summary"]


def table1_rows(records, dataset: str, *, bias: bool = False, input_eigenvalues=None):
    """The Table-1 layout: per regime, the best mean accuracy over the widths explored.

    Parameters
    ----------
    records : list of dict (:func:`run_one`)
    dataset : str; bias : bool
    input_eigenvalues : {"fixed", "trained"} or None
        Only the records of that variant (``None``: every record).

    Returns
    -------
    dict ``{regime: {architecture: {"mean", "std", "n", "hidden", "n_trained"}}}``
        For each architecture the widths whose mean test accuracy over seeds is highest.
    """
    out = {}
    for regime in REGIMES:
        out[regime] = {}
        for architecture in ARCHITECTURES:
            groups = {}
            for r in records:
                if (r["dataset"], r["regime"], r["architecture"], r["bias"]) == (
                        dataset, regime, architecture, bias) and input_eigenvalues in (
                        None, r.get("input_eigenvalues", "fixed")):
                    groups.setdefault(tuple(r["hidden"]), []).append(r)
            if not groups:
                continue
            best = max(groups, key=lambda h: np.mean([r["test_accuracy"] for r in groups[h]]))
            acc = [r["test_accuracy"] for r in groups[best]]
            out[regime][architecture] = {
                "mean": float(np.mean(acc)),
                "std": float(np.std(acc, ddof=1)) if len(acc) > 1 else float("nan"),
                "n": len(acc), "hidden": list(best), "n_trained": groups[best][0]["n_trained"]}
    return out


def table1_summary(records, variants, datasets, biases=(False, True)) -> dict:
    """:func:`table1_rows` for every variant, data set and bias.

    Parameters
    ----------
    records : list of dict (:func:`~cdnotes.experiments.spectral_training.run_one`)
    variants, datasets : sequences of str; biases : sequence of bool

    Returns
    -------
    dict ``{variant: {dataset: {"False"/"True": table1_rows(...)}}}``
    """
    return {v: {d: {str(b): table1_rows(records, d, bias=b, input_eigenvalues=v)
                    for b in biases} for d in datasets} for v in variants}


def _groups(records, *fields):
    out = {}
    for r in records:
        out.setdefault(tuple(_hashable(r[f]) for f in fields), []).append(r)
    return out


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def regime_curves(records, dataset: str, *, bias: bool = False):
    """Accuracy against trained parameters: per regime, one point per configuration.

    Parameters
    ----------
    records : list of dict (:func:`run_one`)
    dataset : str; bias : bool

    Returns
    -------
    dict ``{regime: [{"architecture", "hidden", "n_trained", "mean", "std", "n"}]}``,
    each list sorted by ``n_trained``
    """
    out = {regime: [] for regime in REGIMES}
    chosen = [r for r in records if r["dataset"] == dataset and r["bias"] == bias]
    for (regime, architecture, hidden), runs in _groups(chosen, "regime", "architecture",
                                                        "hidden").items():
        acc = np.array([r["test_accuracy"] for r in runs])
        out[regime].append({"architecture": architecture, "hidden": list(hidden),
                            "n_trained": runs[0]["n_trained"], "mean": float(acc.mean()),
                            "std": float(acc.std(ddof=1)) if acc.size > 1 else float("nan"),
                            "n": int(acc.size)})
    for rows in out.values():
        rows.sort(key=lambda row: (row["n_trained"], row["architecture"]))
    return out


def paired_comparison(records, regime_a: str, regime_b: str, *, bias_a: bool = False,
                      bias_b: bool = False, level: float = 0.95):
    """``a − b`` test accuracy, paired by seed, for every (dataset, architecture, widths).

    Parameters
    ----------
    records : list of dict
    regime_a, regime_b : regimes of :data:`REGIMES`
    bias_a, bias_b : bool
    level : float, confidence level

    Returns
    -------
    list of dict ``{"dataset", "architecture", "hidden", "estimate"}``
        ``estimate`` a :class:`cdnotes.stats.Estimate` of the mean paired difference
        (percentage points); ``None`` with fewer than two seeds.
    """
    from ...stats import paired_difference_ci

    out = []
    runs = _groups(records, "dataset", "architecture", "hidden", "regime", "bias")
    configs = sorted({k[:3] for k in runs}, key=lambda k: (k[0], ARCHITECTURES.index(k[1]), k[2]))
    for dataset, architecture, hidden in configs:
        a = runs.get((dataset, architecture, hidden, regime_a, bias_a))
        b = runs.get((dataset, architecture, hidden, regime_b, bias_b))
        if not a or not b:
            continue
        a_by = {r["seed"]: r["test_accuracy"] for r in a}
        b_by = {r["seed"]: r["test_accuracy"] for r in b}
        seeds = sorted(set(a_by) & set(b_by))
        estimate = (paired_difference_ci([a_by[s] for s in seeds], [b_by[s] for s in seeds],
                                         level) if len(seeds) > 1 else None)
        out.append({"dataset": dataset, "architecture": architecture, "hidden": list(hidden),
                    "estimate": estimate})
    return out


def distance_summary(data, input_eigenvalues: str = "fixed"):
    """Mean Wasserstein-1 distances to the unconstrained weights, and the seed-to-seed floor.

    Parameters
    ----------
    data : dict
        The results document (either layout) or :func:`run_spectral_training`'s dict.
    input_eigenvalues : {"fixed", "trained"}
        The variant summarised (records without the field count as ``"fixed"``).

    Returns
    -------
    dict ``{(dataset, architecture, hidden, bias): {"floor", "floor_standardized",
    regime: {"w1", "w1_standardized", "weight_std"}}}`` (means over seeds; hidden a tuple)
    """
    def chosen(rows):
        return [r for r in rows if r.get("input_eigenvalues", "fixed") == input_eigenvalues]

    data = spectral_results(data)
    out = {}
    for key, runs in _groups([r for r in chosen(data["records"]) if "w1" in r], "dataset",
                             "architecture", "hidden", "bias").items():
        entry = out.setdefault(key, {})
        for regime, group in _groups(runs, "regime").items():
            entry[regime[0]] = {f: float(np.mean([r[f] for r in group]))
                                for f in ("w1", "w1_standardized", "weight_std")}
    for key, rows in _groups(chosen(data["seed_floor"]), "dataset", "architecture", "hidden",
                             "bias").items():
        if key in out:
            out[key]["floor"] = float(np.mean([r["unconstrained_w1"] for r in rows]))
            out[key]["floor_standardized"] = float(np.mean(
                [r["unconstrained_w1_standardized"] for r in rows]))
    return out


def cd_link_summary(records):
    """Per (dataset, block size, model): mean accuracy, geometric-mean κ on the range, rank.

    Parameters
    ----------
    records : list of dict (:func:`run_cd_link`)

    Returns
    -------
    list of dict ``{"dataset", "block_size", "model", "n_trained", "accuracy"
    (:class:`~cdnotes.stats.Estimate`), "kappa_geomean", "kappa_min", "kappa_max",
    "rank_mean", "kappa_1e6_geomean"}``
    """
    from ...stats import geometric_mean, mean_ci

    out = []
    for (dataset, B, model), runs in _groups(records, "dataset", "block_size", "model").items():
        kappa = [r["kappa_range"] for r in runs]
        acc = [r["test_accuracy"] for r in runs]
        out.append({"dataset": dataset, "block_size": B, "model": model,
                    "n_trained": runs[0]["n_trained"],
                    "accuracy": mean_ci(acc) if len(acc) > 1 else None,
                    "kappa_geomean": geometric_mean(kappa), "kappa_min": min(kappa),
                    "kappa_max": max(kappa),
                    "rank_mean": float(np.mean([r["rank"] for r in runs])),
                    "kappa_1e6_geomean": geometric_mean([r["kappa_cutoff"]["1e-06"]
                                                         for r in runs])})
    return out
