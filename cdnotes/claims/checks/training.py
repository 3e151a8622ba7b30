"""Checks read from chapter 5's committed runs: the scikit-learn baselines, the depth run
and the convergence claims; and conditioning against training speed (chapter 11)."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..core import Verdict, check
from .accuracy import NAMES
from .common import ci_text, sci
from .kappa import _gmean


# ---- chapter 5's committed runs: the scikit-learn baselines and the depth run ----------------

@lru_cache(maxsize=None)
def chapter5_baselines() -> tuple:
    """Chapter 5's committed baselines (``digits_baselines.json``): the file and, per classifier
    description, the mean test accuracy (%) over its runs, as chapter 5 computes them
    (:func:`cdnotes.experiments.baselines.baseline_accuracies`)."""
    from ...experiments.baselines import baseline_accuracies
    from ...measurements import load_measurement
    d = load_measurement("digits_baselines")
    described = d["config"]["classifiers"]
    means = {described[name]: float(a.mean())
             for name, a in baseline_accuracies(d["records"]).items()}
    return d, means


@check
def digits_saturates() -> Verdict:
    from ...experiments.report import range_text
    from ...experiments.verdicts import saturation_verdict
    d, means = chapter5_baselines()
    near = sum(abs(v - 98.0) <= 1.0 for v in means.values())   # saturation_verdict's "near"
    verdict = "holds" if near == len(means) else ("partly" if near else "fails")
    return Verdict(verdict,
                   f"{saturation_verdict(means)} Chapter 5's committed runs (`{d['command']}`): "
                   f"five scikit-learn classifiers on the split drawn with seed "
                   f"{d['config']['split_seed']}, the seeded ones over seeds "
                   f"{range_text(d['config']['seeds'])}.")


@lru_cache(maxsize=None)
def depth_run() -> dict:
    """Chapter 5's committed depth run (``depth_digits.json``, ``python -m cdnotes depth``)."""
    from ...measurements import load_measurement
    return load_measurement("depth_digits")


@check
def depth_advantage() -> Verdict:
    from ...experiments.depth import gap_growth
    from ...experiments.report import range_text
    from ...experiments.verdicts import growth_verdict
    d = depth_run()
    rec = d["records"]
    depths = sorted({r["depth"] for r in rec})
    parts, grows, shrinks = [], 0, 0
    for m in ("cd4", "cd8"):
        e = gap_growth(rec, "log10_kappa_weights", m)       # chapter 5's function and metric
        grows += e.low > 0
        shrinks += e.high < 0
        parts.append(f"{growth_verdict(e, f'the κ ratio dense / {NAMES[m]}')} (its change "
                     f"from {depths[0]} to {depths[-1]} hidden layers is a factor "
                     f"{10 ** e.mean:.2f}, 95 % CI {10 ** e.low:.2f} to {10 ** e.high:.2f})")
    verdict = "holds" if grows == 2 else ("partly" if grows else "fails")
    text = "; ".join(parts)
    return Verdict(verdict,
                   text[0].upper() + text[1:]
                   + f". Chapter 5's depth run (`{d['command']}`): width 64, "
                   f"{depths[0]}–{depths[-1]} hidden layers, seeds "
                   f"{range_text(d['config']['seeds'])} paired, the weights reading for every "
                   f"model (σ²max/σ²min of each weight matrix, mean over layers: the paper's "
                   f"dense definition), which averages over layers rather than compounding "
                   f"them.")


# ---- the convergence claims: the depth-2 runs of chapter 5's depth run ---------------------

@lru_cache(maxsize=None)
def convergence_runs() -> tuple:
    """The paper's three models (depth 2 of chapter 5's depth run), as digits records for
    chapter 5's per-epoch functions (:func:`cdnotes.experiments.digits.epoch_gaps`)."""
    from ...experiments.digits import DigitsRecord
    from ...train import TrainConfig
    d = depth_run()
    c = d["config"]
    config = TrainConfig(epochs=c["epochs"], lr=c["lr"], momentum=c["momentum"],
                         batch_size=c["batch_size"])
    return tuple(DigitsRecord(model=r["model"], seed=r["seed"], split_seed=r["split_seed"],
                              n_params=r["n_params"], dropout=0.0, config=config,
                              final_test_accuracy=r["accuracy"] / 100,
                              test_accuracy=tuple(r["test_accuracy"]),
                              train_loss=tuple(r["train_loss"]), epoch_seconds=())
                 for r in d["records"] if r["depth"] == 2)


@lru_cache(maxsize=None)
def convergence_gaps(metric: str = "log10_loss") -> dict:
    """Chapter 5's per-epoch gaps, dense minus CD, paired by seed, on the depth-2 runs."""
    from ...experiments.digits import epoch_gaps
    runs = list(convergence_runs())
    return {m: epoch_gaps(runs, "dense", m, metric) for m in ("cd4", "cd8")}


def _conv_text() -> str:
    n = len({r.seed for r in convergence_runs()})
    return (f"{n} committed seeds (chapter 5's depth run, depth 2); chapter 5's early-epoch "
            f"section trains 20 seeds live")


FIRST_EPOCHS, LAST_FROM = range(1, 11), 20          # chapter 5's windows


@check
def early_epoch_advantage() -> Verdict:
    from ...experiments.verdicts import epochs_verdict
    g = convergence_gaps()
    k = {m: epochs_verdict(g[m], FIRST_EPOCHS, "below") for m in g}   # dense's loss lower
    n = len(FIRST_EPOCHS)
    verdict = ("holds" if all(v[0] == n for v in k.values())
               else "partly" if any(v[0] for v in k.values()) else "fails")
    return Verdict(verdict,
                   f"Dense's training loss is significantly lower (95 % interval of the "
                   f"paired loss ratio dense / CD below 1) at {k['cd4'][0]} of epochs "
                   f"1–{n} against CD-B4 and at {k['cd8'][0]} against CD-B8 (the paper's "
                   f"protocol; {_conv_text()}).")


@check
def epoch20_cd4_lower() -> Verdict:
    from ...experiments.verdicts import epochs_verdict
    g = convergence_gaps()["cd4"]
    e = g[LAST_FROM - 1]                                    # log10(dense / CD-B4) at epoch 20
    last = range(LAST_FROM, len(g) + 1)
    k, n = epochs_verdict(g, last, "above")
    verdict = "holds" if e.low > 0 else ("fails" if e.high < 0 else "partly")
    return Verdict(verdict,
                   f"At epoch {LAST_FROM} the loss ratio dense / CD-B4 is {10 ** e.mean:.2f} "
                   f"(95 % CI {10 ** e.low:.2f} to {10 ** e.high:.2f}, paired by seed); "
                   f"CD-B4's loss is significantly lower in {k} of epochs "
                   f"{last[0]}–{last[-1]} (the paper's protocol; {_conv_text()}).")


@check
def final_loss_similar() -> Verdict:
    runs = convergence_runs()
    g = {m: _gmean([r.train_loss[-1] for r in runs if r.model == m])
         for m in ("dense", "cd4", "cd8")}
    spread = max(g.values()) / min(g.values())
    epochs = len(runs[0].train_loss)
    return Verdict("holds" if spread < 3 else "fails",
                   f"Training loss after epoch {epochs} (geometric mean over seeds): dense "
                   f"{sci(g['dense'])}, CD-B4 {sci(g['cd4'])}, CD-B8 {sci(g['cd8'])} — a factor "
                   f"{spread:.0f} apart (the paper's protocol; {_conv_text()}).")


@check
def plateau_dense_higher() -> Verdict:
    from ...experiments.verdicts import epochs_verdict
    g = convergence_gaps("accuracy")                        # dense − CD, points
    last = range(LAST_FROM, len(g["cd4"]) + 1)
    ahead = {m: epochs_verdict(g[m], last, "above")[0] for m in g}
    behind = {m: epochs_verdict(g[m], last, "below")[0] for m in g}
    n = len(last)
    final = {m: g[m][-1] for m in g}
    similar = max(abs(e.mean) for e in final.values()) < 3          # points, as "similar"
    verdict = ("holds" if similar and all(v == n for v in ahead.values())
               else "fails" if any(behind.values()) and not any(ahead.values()) else "partly")
    return Verdict(verdict,
                   f"Dense's test accuracy is significantly higher (paired by seed, 95 % "
                   f"interval) than CD-B4's in {ahead['cd4']} and than CD-B8's in "
                   f"{ahead['cd8']} of epochs {last[0]}–{last[-1]} (significantly lower in "
                   f"{behind['cd4']} and {behind['cd8']}); after the last epoch dense − CD-B4 "
                   f"{ci_text(final['cd4'])}, dense − CD-B8 {ci_text(final['cd8'])} (the "
                   f"paper's protocol; {_conv_text()}).")


@check
def conditioning_speeds_training() -> Verdict:
    from ...measurements import load_measurement
    d = load_measurement("conditioning_training")
    threshold = d["config"]["thresholds"]
    epochs = {}
    for r in d["runs"]:
        if r["optimizer"] != "sgd" or r["whitening"] != "none":
            continue
        hit = None if r["diverged"] else next(
            (i + 1 for i, x in enumerate(r["train_loss"]) if x is not None
             and x <= threshold[r["dataset"]]), None)
        epochs.setdefault((r["dataset"], r["model"], r["lr"]), {}).setdefault(r["seed"], hit)
    best, parts = {}, []
    for ds in ("digits", "mnist1d"):
        for m in ("dense", "cd4", "cd8"):
            means = [np.mean(list(v.values())) for (dd, mm, _), v in epochs.items()
                     if (dd, mm) == (ds, m) and None not in v.values()]
            best[ds, m] = min(means) if means else math.inf
        text = ", ".join(f"{NAMES[m]} {best[ds, m]:.1f}" if math.isfinite(best[ds, m])
                         else f"{NAMES[m]} never (no rate reached it on every seed)"
                         for m in ("dense", "cd4", "cd8"))
        parts.append(f"{ds}: {text}")
    fastest = {ds: min(("dense", "cd4", "cd8"), key=lambda m: best[ds, m])
               for ds in ("digits", "mnist1d")}
    n_cd8 = sum(f == "cd8" for f in fastest.values())
    verdict = "holds" if n_cd8 == 2 else ("partly" if n_cd8 or "cd4" in fastest.values()
                                          else "fails")
    return Verdict(verdict,
                   "Mean epochs to the training-loss threshold with SGD at each model's best "
                   "rate (chapter *Does conditioning matter for training?*'s runs, "
                   f"{len(d['config']['seeds'])} seeds): " + "; ".join(parts) + ". Fastest: "
                   + ", ".join(f"{NAMES[m]} on {ds}" for ds, m in fastest.items())
                   + " (CD-B8 has the smallest κ by the paper's reading).")
