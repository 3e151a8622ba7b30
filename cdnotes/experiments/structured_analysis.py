"""CD among structured matrices (chapter 10): reading the runs.

* :func:`run_failed` — a run that diverged or ended below :data:`FAILURE_FLOOR`: no
  classifier, so no win for anyone.
* :func:`summarize_structured` — one row per (dataset, model); :func:`compare_to_cd` —
  paired by seed: where CD wins, ties or loses.
* :func:`kappa_summary` — κ over a model's trained runs with the ceiling of the cutoff
  :data:`KAPPA_CUTOFF` (:mod:`cdnotes.ceiling`); :func:`kappa_pairs` — seed by seed, whose
  κ is lower.
* :func:`epoch_ratio_by_seed` — a model's epoch time over dense's, paired by seed
  (:func:`cdnotes.benchmarking.epoch_time_ratio`).

The records are :func:`~cdnotes.experiments.structured_runs.run_structured`'s dicts, from
either results-file layout.
"""
from __future__ import annotations

import math

import numpy as np

from ..stats import geometric_mean, mean_ci, paired_difference_ci
from ..validation import check_real
from .structured_runs import FAILURE_FLOOR, KAPPA_CUTOFF

__all__ = ["run_failed", "summarize_structured", "compare_to_cd", "kappa_summary",
           "kappa_pairs", "epoch_ratio_by_seed"]


def run_failed(record, floor: float = FAILURE_FLOOR) -> bool:
    """Whether a run failed to train: it diverged (no accuracy, or a NaN one) or ended below
    ``floor``.

    Parameters
    ----------
    record : dict with ``test_accuracy`` (fraction, ``None`` for a diverged run)
    floor : float in [0, 1], default :data:`FAILURE_FLOOR`

    Returns
    -------
    bool
    """
    floor = check_real(floor, "floor", low=0.0, high=1.0)
    a = record["test_accuracy"]
    return a is None or not math.isfinite(a) or a < floor


def summarize_structured(records, level: float = 0.95) -> list:
    """One row per (dataset, model): accuracy mean with CI, time per epoch, κ.

    Parameters
    ----------
    records : list of :func:`run_structured` dicts
    level : float, default 0.95

    Returns
    -------
    list of dict with ``dataset``, ``model``, ``structure``, ``n_params``, ``budgets``,
    ``matched``, ``n`` (seeds), ``n_diverged`` (runs whose training diverged), ``accuracy``
    (:class:`~cdnotes.stats.Estimate` over the runs that finished, fractions; ``None`` with
    fewer than two), ``epoch_seconds`` (median over finished runs), ``kappa_gn`` (geometric
    mean over finished runs, or ``nan``)
    """
    groups = {}
    for r in records:
        groups.setdefault((r["dataset"], r["model"]), []).append(r)
    rows = []
    for (dataset, model), runs in groups.items():
        first = runs[0]
        done = [r for r in runs if r["test_accuracy"] is not None]
        kappas = [r["kappa_gn"] for r in done if "kappa_gn" in r]
        rows.append({"dataset": dataset, "model": model, "structure": first["structure"],
                     "n_params": first["n_params"], "budgets": first["budgets"],
                     "matched": first["matched"], "n": len(runs),
                     "n_diverged": len(runs) - len(done),
                     "accuracy": (mean_ci([r["test_accuracy"] for r in done], level)
                                  if len(done) >= 2 else None),
                     "epoch_seconds": (float(np.median([r["epoch_seconds"] for r in done]))
                                       if done else math.nan),
                     "kappa_gn": geometric_mean(kappas) if kappas else math.nan})
    return rows


def compare_to_cd(records, dataset: str, budget: str, level: float = 0.95, *,
                  exclude_failed: bool = False, floor: float = FAILURE_FLOOR) -> list:
    """Each structure at ``budget`` against CD at that budget, paired by seed.

    ``difference`` is CD's accuracy minus the structure's (fractions), with a paired
    Student-t interval; ``verdict`` is ``"wins"`` when the interval is above 0, ``"loses"``
    when below, ``"ties"`` when it contains 0. Only seeds where both runs finished are
    paired; with ``exclude_failed`` only seeds where neither run failed (:func:`run_failed`),
    and a model with fewer than two such seeds gets the verdict ``"failed"`` (no interval:
    a model that did not train is no opponent). ``n_diverged`` counts the structure's
    diverged runs at that budget, ``n_failed`` its failed ones.

    Parameters
    ----------
    records : list of :func:`run_structured` dicts
    dataset : str; budget : {"B4", "B8"}
    level : float
    exclude_failed : bool, default False
    floor : float, default :data:`FAILURE_FLOOR`

    Returns
    -------
    list of dict with ``model``, ``structure``, ``n_params``, ``matched``, ``difference``
    (:class:`~cdnotes.stats.Estimate`, or ``None`` for ``"failed"``), ``verdict``,
    ``n_pairs``, ``n_runs``, ``n_diverged`` and ``n_failed``, one per model standing for
    ``budget`` (dense and CD itself excluded)
    """
    runs = [r for r in records if r["dataset"] == dataset and budget in r["budgets"]]

    def usable(r):
        return (not run_failed(r, floor)) if exclude_failed else r["test_accuracy"] is not None

    cd = {r["seed"]: r["test_accuracy"] for r in runs if r["structure"] == "cd" and usable(r)}
    if not cd:
        raise ValueError(f"no CD runs at budget {budget!r} on {dataset!r} in the records")
    out = []
    for model in dict.fromkeys(r["model"] for r in runs if r["structure"] != "cd"):
        everything = [r for r in runs if r["model"] == model]
        mine = {r["seed"]: r for r in everything if usable(r)}
        common = sorted(set(mine) & set(cd))
        first = everything[0]
        row = {"model": model, "structure": first["structure"], "n_params": first["n_params"],
               "matched": first["matched"][budget], "n_pairs": len(common),
               "n_runs": len(everything),
               "n_diverged": sum(r["test_accuracy"] is None for r in everything),
               "n_failed": sum(run_failed(r, floor) for r in everything)}
        if len(common) < 2:
            if not exclude_failed:
                raise ValueError(f"{model} on {dataset!r}: fewer than two seeds where both it "
                                 "and CD finished training")
            out.append({**row, "difference": None, "verdict": "failed"})
            continue
        diff = paired_difference_ci([cd[s] for s in common],
                                    [mine[s]["test_accuracy"] for s in common], level)
        verdict = "wins" if diff.low > 0 else "loses" if diff.high < 0 else "ties"
        out.append({**row, "difference": diff, "verdict": verdict})
    return out


def kappa_summary(records, dataset: str, model: str, *, floor: float = FAILURE_FLOOR,
                  cutoff: float = KAPPA_CUTOFF, factor: float | None = None) -> dict:
    """κ of one model over its trained runs, with the ceiling of the cutoff.

    Failed runs (:func:`run_failed`) are left out: a collapsed network's last-layer curvature
    is tiny and well conditioned, which is no virtue. Of the rest, a κ at the ceiling
    (:func:`cdnotes.ceiling.at_ceiling`) is known only to be high; ``median`` is the
    median over the trained runs when fewer than half of them are at the ceiling
    (:func:`cdnotes.ceiling.censored_median`), else ``None``.

    Parameters
    ----------
    records : list of :func:`run_structured` dicts (with ``kappa_gn``)
    dataset, model : str
    floor : float, default :data:`FAILURE_FLOOR`
    cutoff : float, default :data:`KAPPA_CUTOFF` (the cutoff the runs used)
    factor : float, optional (default :data:`cdnotes.ceiling.DEFAULT_FACTOR`)

    Returns
    -------
    dict with ``median`` (float or ``None``), ``kappas`` (the trained runs' κ, in seed
    order), ``n_trained``, ``n_at_ceiling``, ``n_runs`` and ``ceiling`` (the κ from which a
    value counts as at the ceiling)
    """
    from ..ceiling import DEFAULT_FACTOR, censored_median, ceiling

    factor = DEFAULT_FACTOR if factor is None else factor
    runs = sorted((r for r in records if r["dataset"] == dataset and r["model"] == model),
                  key=lambda r: r["seed"])
    if not runs:
        raise ValueError(f"no runs of {model!r} on {dataset!r} in the records")
    kappas = [r["kappa_gn"] for r in runs if not run_failed(r, floor) and "kappa_gn" in r]
    median, n_top = (censored_median(kappas, cutoff, factor) if kappas else (None, 0))
    return {"median": median, "kappas": kappas, "n_trained": len(kappas), "n_at_ceiling": n_top,
            "n_runs": len(runs), "ceiling": ceiling(cutoff) / factor}


def kappa_pairs(records, dataset: str, model: str, other: str, *,
                floor: float = FAILURE_FLOOR, cutoff: float = KAPPA_CUTOFF,
                factor: float | None = None) -> dict:
    """Seed by seed, is ``model``'s κ lower than ``other``'s? A per-seed count.

    Only seeds where both runs trained (:func:`run_failed`) count. A κ at the ceiling
    (:func:`cdnotes.ceiling.at_ceiling`) is only known to be high: against a value below
    the ceiling it is the higher one; two values at the ceiling are ``undecided``.

    Parameters
    ----------
    records : list of :func:`run_structured` dicts
    dataset, model, other : str
    floor, cutoff, factor : as for :func:`kappa_summary`

    Returns
    -------
    dict with ``lower``, ``higher``, ``undecided`` (counts of seeds) and ``n``
    """
    from ..ceiling import DEFAULT_FACTOR, at_ceiling

    factor = DEFAULT_FACTOR if factor is None else factor

    def kappas(name):
        return {r["seed"]: r["kappa_gn"] for r in records if r["dataset"] == dataset
                and r["model"] == name and not run_failed(r, floor) and "kappa_gn" in r}

    a, b = kappas(model), kappas(other)
    counts = {"lower": 0, "higher": 0, "undecided": 0}
    for seed in sorted(set(a) & set(b)):
        top_a, top_b = at_ceiling(a[seed], cutoff, factor), at_ceiling(b[seed], cutoff, factor)
        if top_a and top_b:
            counts["undecided"] += 1
        elif top_a or top_b:
            counts["higher" if top_a else "lower"] += 1
        else:
            counts["lower" if a[seed] < b[seed] else "higher"] += 1
    return {**counts, "n": sum(counts.values())}


def epoch_ratio_by_seed(records, dataset: str, model: str, reference: str = "dense",
                        level: float = 0.95) -> dict:
    """A model's epoch time over the reference's, paired by seed.

    In the grid (:func:`run_structured_grid`) the models of one seed run one after another,
    so a seed is the unit in which both were timed under about the same load:
    :func:`cdnotes.benchmarking.epoch_time_ratio` of the seeds where both finished.

    Parameters
    ----------
    records : list of :func:`run_structured` dicts
    dataset, model, reference : str
    level : float

    Returns
    -------
    dict, as :func:`~cdnotes.benchmarking.epoch_time_ratio`, plus ``seeds``
    """
    from ..benchmarking import epoch_time_ratio

    def times(name):
        return {r["seed"]: r["epoch_seconds"] for r in records
                if r["dataset"] == dataset and r["model"] == name and "epoch_seconds" in r}

    mine, ref = times(model), times(reference)
    seeds = sorted(set(mine) & set(ref))
    if not seeds:
        raise ValueError(f"no seed where both {model!r} and {reference!r} finished on "
                         f"{dataset!r}")
    out = epoch_time_ratio([mine[s] for s in seeds], [ref[s] for s in seeds], level)
    return {**out, "seeds": seeds}
