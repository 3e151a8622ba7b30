"""Checks of the digits experiment's accuracies (chapters 5 and 10 and this page's own runs)."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..core import Verdict, check
from .common import ci_text


NAMES = {"dense": "dense", "cd4": "CD-B4", "cd8": "CD-B8"}
PAPER_ACC = {"dense": (98.15, 0.47), "cd4": (97.50, 0.23), "cd8": (96.39, None)}
PAPER_KAPPA = {"dense": 5.9e6, "cd4": 1.9e4, "cd8": 5.1e2}


@lru_cache(maxsize=None)
def structured_digits() -> dict:
    """Final test accuracies (%) of dense, CD-B4 and CD-B8 on digits, by seed, from the
    committed runs of chapter *CD among structured matrices* (the paper's protocol)."""
    from ...measurements import load_measurement
    d = load_measurement("structured_digits_mnist1d")
    names = {"dense": "dense", "cd B4": "cd4", "cd B8": "cd8"}
    out = {}
    for ds in ("digits", "mnist1d"):
        for r in d["records"]:
            if r["dataset"] == ds and r["model"] in names:
                out.setdefault((ds, names[r["model"]]), {})[r["seed"]] = 100 * r["test_accuracy"]
    out["n_seeds"] = len(d["config"]["seeds"])
    return out


def _acc(model, ds="digits"):
    d = structured_digits()[(ds, model)]
    seeds = sorted(d)
    return np.array([d[s] for s in seeds])


RUNS_CH10 = ("10 seeds, 0–9, the paper's protocol (chapter 10's committed runs, "
             "`python -m cdnotes structured`)")
RUNS = RUNS_CH10 + "; chapter 5's twenty live seeds give the other interval (ch. 5, twenty seeds)"


def _accuracy_verdict(model) -> Verdict:
    from ...stats import mean_ci
    e = mean_ci(_acc(model))
    paper, sd = PAPER_ACC[model]
    inside = e.low <= paper <= e.high
    return Verdict("holds" if inside else "fails",
                   f"{e.mean:.2f} % ± {e.std:.2f} (95 % CI {e.low:.2f}–{e.high:.2f}) over {RUNS}; "
                   f"the paper's {paper:.2f} % lies {'inside' if inside else 'outside'} it.")


@check
def accuracy_dense() -> Verdict:
    return _accuracy_verdict("dense")


@check
def accuracy_cd4() -> Verdict:
    return _accuracy_verdict("cd4")


@check
def accuracy_cd8() -> Verdict:
    return _accuracy_verdict("cd8")


def _gap_verdict(model, paper_gap) -> Verdict:
    from ...stats import paired_difference_ci
    e = paired_difference_ci(_acc("dense"), _acc(model))
    inside = e.low <= paper_gap <= e.high
    return Verdict("holds" if inside else "fails",
                   f"Dense minus {NAMES[model]}, paired by seed: "
                   f"{ci_text(e)} over {RUNS}; the paper's {paper_gap} points lie "
                   f"{'inside' if inside else 'outside'} the interval.")


@check
def accuracy_gap_b4() -> Verdict:
    return _gap_verdict("cd4", 0.65)


@check
def accuracy_gap_b8() -> Verdict:
    return _gap_verdict("cd8", 1.7)


@check
def accuracy_gap_within_std() -> Verdict:
    from ...stats import paired_difference_ci
    dense, cd4 = _acc("dense"), _acc("cd4")
    gap = paired_difference_ci(dense, cd4)
    sd = float(np.std(dense, ddof=1))
    within = abs(gap.mean) <= sd
    significant = gap.low > 0 or gap.high < 0
    verdict = "partly" if within and significant else ("holds" if within else "fails")
    return Verdict(verdict,
                   f"The gap, {gap.mean:.2f} points, is {'within' if within else 'beyond'} one "
                   f"seed-to-seed standard deviation of dense ({sd:.2f}), but paired by seed its "
                   f"95 % interval ({gap.low:+.2f} to {gap.high:+.2f}) "
                   f"{'excludes' if significant else 'includes'} zero ({RUNS}).")


@check
def benchmark_discriminates() -> Verdict:
    from ...stats import paired_difference_ci
    e4 = paired_difference_ci(_acc("dense"), _acc("cd4"))
    e8 = paired_difference_ci(_acc("cd4"), _acc("cd8"))
    sig = [e for e in (e4, e8) if e.low > 0 or e.high < 0]
    return Verdict("fails" if sig else "holds",
                   f"Paired by seed over {RUNS}, dense − CD-B4 = {ci_text(e4)} and CD-B4 − CD-B8 "
                   f"= {ci_text(e8)}: {len(sig)} of 2 differences of under two points are "
                   f"resolved; one test digit is 0.28 points.")


@check
def accuracy_gap_harder_task() -> Verdict:
    from ...stats import paired_difference_ci, welch_difference_ci
    g_dig = paired_difference_ci(_acc("dense"), _acc("cd4"))
    g_m1d = paired_difference_ci(_acc("dense", "mnist1d"), _acc("cd4", "mnist1d"))
    diff = welch_difference_ci(_acc("dense", "mnist1d") - _acc("cd4", "mnist1d"),
                               _acc("dense") - _acc("cd4"))
    verdict = "holds" if diff.low > 0 else ("fails" if diff.high < 0 else "partly")
    return Verdict(verdict,
                   f"Dense − CD-B4 is {ci_text(g_dig)} on digits and {ci_text(g_m1d)} on the "
                   f"harder MNIST-1D (same MLP shape, {RUNS_CH10}); the gap widens by "
                   f"{ci_text(diff)}. One harder task, not CIFAR or ImageNet.")


@check
def tiny_networks_saturate() -> Verdict:
    from ...measurements import load_measurement
    d = load_measurement("structured_digits_mnist1d")
    by = {}
    for r in d["records"]:
        if r["dataset"] == "digits":
            acc = r["test_accuracy"]
            by.setdefault((r["model"], r["n_params"]), []).append(
                math.nan if acc is None else 100 * acc)
    means = {k: float(np.nanmean(v)) for k, v in by.items()}
    near = [k for k, m in means.items() if m >= 96.5]
    small = sorted(means, key=lambda k: k[1])
    verdict = "holds" if len(near) == len(means) else ("partly" if near else "fails")
    listing = "; ".join(f"{m} ({p:,}) {means[(m, p)]:.1f} %"
                        + (" — did not train (near chance)" if means[(m, p)] < 20 else "")
                        for m, p in small)
    return Verdict(verdict,
                   f"{len(near)} of {len(means)} small networks of the committed structured runs "
                   f"reach 96.5 % (the paper's MLP shape, 10 seeds, mean test accuracy; "
                   f"parameters in brackets): {listing}.")


@check
def digits_split_sizes() -> Verdict:
    from ...data import digits_split, load_digits
    X, _ = load_digits()
    X_train, X_test, _, _ = digits_split(0)
    ok = (len(X), len(X_train), len(X_test)) == (1797, 1437, 360)
    return Verdict("holds" if ok else "fails",
                   f"scikit-learn's digits: {len(X):,} images; the split: {len(X_train):,} "
                   f"training and {len(X_test)} test.")
