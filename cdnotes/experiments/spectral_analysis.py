"""Analyses of the committed spectral-training runs that chapter 9 and the claims page share.

Pure functions of the records in ``spectral_training.json`` (``load_measurement``), so the
chapter's tables and the claims page's verdicts are the same numbers by construction.

* :func:`paired_by_seed` — ``a − b`` of two ``{seed: value}`` maps, paired, with its t interval.
* :func:`compact_changes` — test accuracy of the ``(2I + Φ)⁻¹Φ`` form minus the paper's
  ``(2I − Φ)`` form, per configuration (the probes' ``compact`` runs against the sweep's).
* :func:`overfit_runs`, :func:`overfit_comparison`, :func:`overfit_verdict` — the train–test
  gap of the non-linear models against N₂: "more robust to overfitting as N₂ grows".
"""
from __future__ import annotations

from ..stats import Estimate, paired_difference_ci

__all__ = ["SPECTRAL_DIRECT_PAIRS", "paired_by_seed", "compact_changes", "overfit_runs",
           "overfit_comparison", "overfit_verdict"]

SPECTRAL_DIRECT_PAIRS = (("eigenvalues+eigenvectors", "unconstrained"),
                         ("eigenvalues", "constrained"))
"""(spectral regime, the direct regime with its parameter count) compared for overfitting;
the first pair is the one the paper's claim is about."""


def paired_by_seed(a: dict, b: dict, level: float = 0.95) -> Estimate:
    """``a[s] − b[s]`` over the seeds of ``a``, paired, with a t interval.

    Parameters
    ----------
    a, b : dict seed -> float
        ``b`` must hold every seed of ``a``.
    level : float, default 0.95

    Returns
    -------
    :class:`cdnotes.stats.Estimate`
    """
    missing = sorted(set(a) - set(b))
    if missing:
        raise ValueError(f"paired_by_seed: seeds {missing} of the first side are missing "
                         "from the second")
    seeds = sorted(a)
    return paired_difference_ci([a[s] for s in seeds], [b[s] for s in seeds], level=level)


def _key(r):
    return r["dataset"], r["architecture"], tuple(r["hidden"]), r["regime"]


def compact_changes(records, compact_records) -> dict:
    """Test accuracy ``(2I + Φ)⁻¹Φ − (2I − Φ)``, paired by seed, per configuration.

    Parameters
    ----------
    records : list of dict
        The sweep's records of one input-eigenvalue variant (the ``fixed`` one: the probes
        were run with the input eigenvalues fixed).
    compact_records : list of dict
        ``probes["compact"]`` of the committed file: the same configurations trained in the
        ``(2I + Φ)⁻¹Φ`` form.

    Returns
    -------
    dict (dataset, architecture, hidden tuple, regime) -> Estimate, in points; runs with a
    bias are left out (the probes have none).
    """
    paper, compact = {}, {}
    for recs, out in ((records, paper), (compact_records, compact)):
        for r in recs:
            if not r["bias"]:
                out.setdefault(_key(r), {})[r["seed"]] = r["test_accuracy"]
    absent = sorted(set(compact) - set(paper))
    if absent:
        raise ValueError(f"compact_changes: no sweep runs for {absent}")
    return {k: paired_by_seed(compact[k], paper[k]) for k in compact}


def overfit_runs(records, overfit_records) -> dict:
    """The non-linear models without bias, at the sweep's N₂ and the probes' larger ones.

    Parameters
    ----------
    records : list of dict
        The sweep's records of the ``fixed`` variant.
    overfit_records : list of dict
        ``probes["overfit"]`` of the committed file.

    Returns
    -------
    dict (dataset, regime, N₂) -> {seed: record}
    """
    out = {}
    for r in [*records, *overfit_records]:
        if r["architecture"] == "nonlinear" and not r["bias"]:
            out.setdefault((r["dataset"], r["regime"], r["hidden"][0]), {})[r["seed"]] = r
    return out


def overfit_comparison(runs: dict) -> dict:
    """Train–test gaps against N₂, paired by seed, for each (data set, spectral/direct pair).

    Parameters
    ----------
    runs : the result of :func:`overfit_runs`

    Returns
    -------
    dict with ``"widths"`` (the N₂, sorted) and, per ``(dataset, spectral, direct)`` of
    :data:`SPECTRAL_DIRECT_PAIRS`, a dict of Estimates (accuracy points):
    ``spectral_growth`` and ``direct_growth`` (each regime's gap at the largest N₂ minus its
    gap at the smallest), ``gap_difference`` (direct gap − spectral gap at the largest N₂:
    above zero when the spectral model overfits less) and ``test_difference`` (spectral −
    direct test accuracy at the largest N₂).
    """
    widths = sorted({w for _, _, w in runs})
    lo, hi = widths[0], widths[-1]
    datasets = sorted({d for d, _, _ in runs})

    def gap(ds, regime, w):
        return {s: r["train_accuracy"] - r["test_accuracy"] for s, r in runs[ds, regime, w].items()}

    def test(ds, regime, w):
        return {s: r["test_accuracy"] for s, r in runs[ds, regime, w].items()}

    out = {"widths": widths}
    for ds in datasets:
        for spectral, direct in SPECTRAL_DIRECT_PAIRS:
            out[ds, spectral, direct] = {
                "spectral_growth": paired_by_seed(gap(ds, spectral, hi), gap(ds, spectral, lo)),
                "direct_growth": paired_by_seed(gap(ds, direct, hi), gap(ds, direct, lo)),
                "gap_difference": paired_by_seed(gap(ds, direct, hi), gap(ds, spectral, hi)),
                "test_difference": paired_by_seed(test(ds, spectral, hi), test(ds, direct, hi)),
            }
    return out


def overfit_verdict(comparison: dict) -> dict:
    """The paper's claim ("Λ and Φ more robust to overfitting as N₂ grows") on the data.

    Parameters
    ----------
    comparison : the result of :func:`overfit_comparison`

    Returns
    -------
    dict: ``verdict`` ("holds": a smaller gap on every data set and a lower test accuracy on
    none; "partly": smaller on some; "fails": larger on some and smaller on none; "no
    verdict": no interval excludes zero), ``smaller``, ``larger``, ``lower`` (counts of data
    sets) and ``n`` (data sets), for the pair Λ and Φ against the unconstrained model.
    """
    spectral, direct = SPECTRAL_DIRECT_PAIRS[0]
    rows = [v for k, v in comparison.items() if k != "widths" and k[1:] == (spectral, direct)]
    smaller = sum(v["gap_difference"].low > 0 for v in rows)
    larger = sum(v["gap_difference"].high < 0 for v in rows)
    lower = sum(v["test_difference"].high < 0 for v in rows)
    n = len(rows)
    if n and smaller == n and lower == 0:
        verdict = "holds"
    elif smaller:
        verdict = "partly"
    elif larger:
        verdict = "fails"
    else:
        verdict = "no verdict"
    return {"verdict": verdict, "smaller": smaller, "larger": larger, "lower": lower, "n": n}
