"""What chapter 12 shows of the ``shfin`` runs: per-variant accuracy (:func:`summary_rows`),
two variants compared (:func:`relation`), the frequencies the masks keep
(:func:`mask_histogram`), the cost's log-log slopes (:func:`cost_fits`) and whether a
variant was still improving (:func:`late_slope`).

Each function taking the results document reads both its committed layout and the sweep
document ``python -m cdnotes shfin`` writes (:func:`shfin_results`).
"""
from __future__ import annotations

import numpy as np

from ...stats import fit_power_law, mean_ci, welch_difference_ci
from ...validation import check_int
from .document import shfin_results

__all__ = ["summary_rows", "relation", "mask_histogram", "cost_fits", "late_slope"]


def summary_rows(result, variants=None) -> list:
    """One row per variant: mean test accuracy with its 95% interval, parameters, seconds.

    Parameters
    ----------
    result : dict
        What :func:`run_shfin_experiment` returned, or a results document of either layout.
    variants : iterable of str, optional
        Which variants, in this order (default: every one in the result).

    Returns
    -------
    list of dict
        ``variant``, ``description``, ``n_params``, ``estimate`` (:class:`~cdnotes.stats.Estimate`
        of the final accuracy), ``accuracies`` (per seed), ``seconds`` (mean per run).
    """
    result = shfin_results(result)
    by = {}
    for r in result["records"]:
        by.setdefault(r["variant"], []).append(r)
    names = list(by) if variants is None else list(variants)
    rows = []
    for name in names:
        runs = by[name]
        acc = [r["final_accuracy"] for r in runs]
        rows.append({"variant": name, "description": result["config"]["variants"][name],
                     "n_params": runs[0]["n_params"], "estimate": mean_ci(acc),
                     "accuracies": acc, "seconds": float(np.mean([r["seconds"] for r in runs]))})
    return rows


def relation(a, b, level: float = 0.95) -> str:
    """``"above"``, ``"below"`` or ``"indistinguishable from"``: ``a``'s mean against ``b``'s.

    By the Welch interval of the difference (:func:`welch_difference_ci`): ``"above"`` when
    it lies above 0, ``"below"`` when below, otherwise indistinguishable.

    Parameters
    ----------
    a, b : array-like, at least two values each
    level : float, default 0.95

    Returns
    -------
    str
    """
    e = welch_difference_ci(a, b, level)
    return "above" if e.low > 0 else "below" if e.high < 0 else "indistinguishable from"


def mask_histogram(result, variant="shfin") -> list:
    """How often each frequency bin is kept by the learned masks, per level, over seeds.

    Parameters
    ----------
    result : dict
    variant : str, default "shfin"

    Returns
    -------
    list of dict, one per level: ``patch_size``, ``counts`` (per bin ``0 … s//2``), ``runs``
    """
    result = shfin_results(result)
    runs = [r for r in result["records"] if r["variant"] == variant and "retained" in r]
    if not runs:
        raise ValueError(f"no learned-mask runs of variant {variant!r} in the result")
    levels = []
    for level, s in enumerate(runs[0]["patch_sizes"]):
        counts = np.zeros(s // 2 + 1, dtype=int)
        for r in runs:
            for block in r["retained"]:
                counts[np.asarray(block[level], dtype=int)] += 1
        levels.append({"patch_size": s, "counts": counts.tolist(), "runs": len(runs)})
    return levels


def cost_fits(result, min_length=256) -> dict:
    """Log-log slopes of forward time and FLOPs against length, for SHFIN and attention.

    Parameters
    ----------
    result : dict
    min_length : int
        Fit only lengths ``>= min_length`` (short sequences are dominated by overheads).

    Returns
    -------
    dict ``{quantity: slope}`` for ``shfin_seconds``, ``attention_seconds``, ``shfin_flops``,
    ``attention_flops``
    """
    rows = [r for r in shfin_results(result)["cost"] if r["seq_len"] >= min_length]
    L = [r["seq_len"] for r in rows]
    return {q: fit_power_law(L, [r[q] for r in rows])[1]
            for q in ("shfin_seconds", "attention_seconds", "shfin_flops", "attention_flops")}


def late_slope(result, variant, last=3, level=0.95):
    """Slope of the test accuracy over the last ``last`` epochs, per seed, with a t interval.

    Each seed's slope is the least-squares line through its last ``last`` per-epoch test
    accuracies (accuracy per epoch, as a fraction); the estimate is their mean over seeds. An
    interval above zero says the variant was still improving when training stopped.

    Parameters
    ----------
    result : dict
        What :func:`run_shfin_experiment` returned, or a results document of either layout.
    variant : str
    last : int >= 2, default 3
    level : float, default 0.95

    Returns
    -------
    Estimate
        :func:`cdnotes.stats.mean_ci` of the per-seed slopes.
    """
    last = check_int(last, "last", minimum=2)
    curves = [r["test_accuracy"] for r in shfin_results(result)["records"]
              if r["variant"] == variant]
    if not curves:
        raise ValueError(f"no runs of variant {variant!r} in the result")
    if min(len(c) for c in curves) < last:
        raise ValueError(f"late_slope needs at least {last} epochs per run")
    x = np.arange(last, dtype=float)
    slopes = [float(np.polyfit(x, np.asarray(c[-last:], dtype=float), 1)[0]) for c in curves]
    return mean_ci(slopes, level)
