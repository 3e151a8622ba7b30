"""Chapter 11 (does conditioning matter for training?): the verdict at each method's best rate.

From the committed sweep (``load_measurement("conditioning_training")``): its runs and the
rows of :func:`~cdnotes.experiments.conditioning_training.verdict_rows`. Each function returns
table rows and/or the values the chapter glues (``{name: value}``; a
:class:`~cdnotes.report.glued.Sentence` value is a sentence).
"""
from __future__ import annotations

import math

import numpy as np

from ..experiments import conditioning_training as ct
from ..experiments.report import ci_text, count_words, listed
from .conditioning import DATA, MODELS
from .glued import Sentence

__all__ = ["verdict_table", "kappa_words", "method_words", "whitening_cost"]

_SGD = ("sgd", "none")
_LABELS = {("sgd", "none"): "SGD", ("adam", "none"): "Adam", ("kfac", "none"): "K-FAC",
           ("sgd", "zca"): "SGD, ZCA", ("sgd", "spectral-block"): "SGD, per-frequency"}


def verdict_table(rows):
    """Each model and method at its best rate: steps, seconds and test accuracy.

    Parameters
    ----------
    rows : list of RateRow

    Returns
    -------
    table : list of list
    verdict : dict
        ``verdict[d, model, optimizer, whitening]`` is the verdict row.
    """
    verdict, table = {}, []
    for d in DATA:
        for r in ct.verdict_rows(rows, d):
            verdict[d, r.model, r.optimizer, r.whitening] = r
            reached = math.isfinite(r.steps_mean)
            steps = (f"{r.steps_mean:.0f} [{r.steps_low:.0f}, {r.steps_high:.0f}]"
                     if reached else "—")
            secs = (f"{r.seconds_mean:.2f} [{r.seconds_low:.2f}, {r.seconds_high:.2f}]"
                    if reached else "—")
            acc = (f"{100 * r.accuracy_mean:.1f} [{100 * r.accuracy_low:.1f}, "
                   f"{100 * r.accuracy_high:.1f}]")
            table.append([DATA[d], MODELS[r.model], _LABELS[r.optimizer, r.whitening],
                          f"{r.lr:g}", steps, secs, acc])
    return table, verdict


def kappa_words(runs, verdict: dict, stable: dict, thresholds: dict) -> dict:
    """Does the paper's better κ (CD-B8) mean fewer SGD steps or larger stable rates?

    The fastest model per data set, CD-B8's steps against dense's (Welch), and the summary.

    Parameters
    ----------
    runs : list of TrainingRun
    verdict : dict
        :func:`verdict_table`'s.
    stable : dict
        :func:`~cdnotes.report.conditioning.stable_rates`'s.
    thresholds : dict ``{dataset: loss threshold}``

    Returns
    -------
    dict
    """
    def steps(d, m):
        return verdict[(d, m) + _SGD].steps_mean

    def difference(d, a, b):
        return ct.cell_difference(runs, verdict[(d, a) + _SGD], verdict[(d, b) + _SGD],
                                  "steps", thresholds)

    glued, kappa_wins = {}, []
    for d in DATA:
        low = min(steps(d, m) for m in MODELS)
        fastest = [MODELS[m] for m in MODELS if steps(d, m) == low] if math.isfinite(low) \
            else []
        glued[f"ch11_fastest_{d}"] = listed(fastest, fmt="", none="none of them")
        fewer = [difference(d, "cd8", m) for m in MODELS if m != "cd8"]
        kappa_wins.append(all(e is not None and e.high < 0 for e in fewer))
        for m in MODELS:
            s = steps(d, m)
            glued[f"ch11_steps_{d}_{m}"] = f"{s:.0f}" if math.isfinite(s) else "not reached"
        top8, top1 = stable[d, "cd8", "sgd"][0], stable[d, "dense", "sgd"][0]
        glued[f"ch11_stable_word_{d}"] = ("larger than" if top8 > top1 else
                                          "equal to" if top8 == top1 else "smaller than")
    larger = [stable[d, "cd8", "sgd"][0] > stable[d, "dense", "sgd"][0] for d in DATA]
    glued["ch11_kappa_summary"] = Sentence(
        "So the paper's better κ bought neither larger stable steps nor fewer steps to the "
        "threshold here." if not any(kappa_wins) and not any(larger) else
        "So the paper's better κ went with faster training or larger stable steps in "
        "some of these cases, though not in all." if not (all(kappa_wins) and all(larger))
        else "So the paper's better κ went with both larger stable steps and faster "
        "training here.")
    glued["ch11_kappa_verdict"] = (
        "was not measurably the fastest in either data set" if not any(kappa_wins) else
        "was the fastest in both data sets" if all(kappa_wins) else
        f"was the fastest only on {[DATA[d] for d, w in zip(DATA, kappa_wins) if w][0]}")
    for d in DATA:
        s8, s1 = steps(d, "cd8"), steps(d, "dense")
        e = difference(d, "cd8", "dense")
        if e is not None:
            word = ("more" if e.low > 0 else "fewer" if e.high < 0
                    else "not measurably different: the interval includes zero")
            text = (f"took {s8 / s1:.1f} times as many steps as the dense model ({word}; "
                    f"difference {ci_text(e, '+.0f')} steps, Welch 95% interval over seeds)")
        elif not math.isfinite(s8):
            text = "never had every seed reach the threshold, at any SGD rate"
        else:
            text = "reached it where the dense model did not"
        glued[f"ch11_ratio_text_{d}"] = Sentence(text)
    return glued


def method_words(runs, verdict: dict, thresholds: dict) -> dict:
    """K-FAC, Adam, ZCA and per-frequency whitening against the best SGD, per cell.

    How often fewer / more steps and seconds (Welch), the ratios of the means, the cells only
    K-FAC reached, and the median milliseconds per step of SGD and K-FAC.

    Parameters
    ----------
    runs : list of TrainingRun
    verdict : dict
        :func:`verdict_table`'s.
    thresholds : dict ``{dataset: loss threshold}``

    Returns
    -------
    dict
    """
    cells = [(d, m) for d in DATA for m in MODELS]
    glued = {}
    for name, key in {"kfac": ("kfac", "none"), "adam": ("adam", "none"),
                      "zca": ("sgd", "zca"), "freq": ("sgd", "spectral-block")}.items():
        for what in ("steps", "seconds"):
            # SGD minus the method: above zero, the method needed fewer steps (seconds)
            pairs = [(verdict[(d, m) + _SGD], verdict[(d, m) + key]) for d, m in cells
                     if (d, m) + key in verdict]
            ests = [e for a, b in pairs
                    if (e := ct.cell_difference(runs, a, b, what, thresholds)) is not None]
            means = [(getattr(a, f"{what}_mean"), getattr(b, f"{what}_mean")) for a, b in pairs]
            ratios = [x / y for x, y in means if math.isfinite(x + y)]
            tag = f"ch11_{name}_{what}"
            glued.update({f"{tag}_n": len(ests), f"{tag}_wins": sum(e.low > 0 for e in ests),
                          f"{tag}_losses": sum(e.high < 0 for e in ests),
                          f"{tag}_range": (f"{min(ratios):.2f} to {max(ratios):.2f}"
                                           if ratios else "—")})
    only_kfac = [f"{DATA[d]} {MODELS[m]}" for d, m in cells
                 if math.isfinite(verdict[d, m, "kfac", "none"].steps_mean)
                 and not math.isfinite(verdict[(d, m) + _SGD].steps_mean)]
    glued["ch11_only_kfac"] = listed(only_kfac, fmt="", none="no cell")

    def ms_per_step(opt):
        return [1e3 * sum(r.epoch_seconds) / (len(r.epoch_seconds) * r.steps_per_epoch)
                for r in runs if r.optimizer == opt and r.whitening == "none"
                and r.epoch_seconds and not r.sharpness]

    glued["ch11_ms_sgd"] = float(np.median(ms_per_step("sgd")))
    glued["ch11_ms_kfac"] = float(np.median(ms_per_step("kfac")))
    return glued


def _points(e):                       # an accuracy difference, in points
    return f"{100 * e.mean:+.1f} [{100 * e.low:+.1f}, {100 * e.high:+.1f}]"


def whitening_cost(runs, verdict: dict):
    """Each model's whitened SGD against its raw SGD at their best rates (test accuracy, Welch).

    Parameters
    ----------
    runs : list of TrainingRun
    verdict : dict
        :func:`verdict_table`'s.

    Returns
    -------
    rows : list of list
    glued : dict
    """
    inputs = {"zca": ("ZCA", "zca"), "spectral-block": ("per-frequency", "freq")}
    rows, cost = [], []

    def fmt(s):
        return f"{s:.0f}" if math.isfinite(s) else "not reached"

    for d in DATA:
        for m in MODELS:
            raw = verdict[(d, m) + _SGD]
            for w, (name, _) in inputs.items():
                if (d, m, "sgd", w) not in verdict:
                    continue
                white = verdict[d, m, "sgd", w]
                e = ct.cell_difference(runs, white, raw, "final_accuracy")
                cost.append((e, d, m, w, raw, white))
                rows.append([DATA[d], MODELS[m], name,
                             f"{fmt(raw.steps_mean)} → {fmt(white.steps_mean)}",
                             f"{100 * raw.accuracy_mean:.1f} → {100 * white.accuracy_mean:.1f}",
                             _points(e)])
    glued, verdicts = {}, []
    for w, (label, tag) in inputs.items():
        ours = [c for c in cost if c[3] == w]
        lower = sum(c[0].high < 0 for c in ours)
        verdicts.append(f"{label} whitening " + (
            f"cost accuracy in {count_words(lower, len(ours))} cells" if lower else
            "cost no measurable accuracy in any cell"))
        glued[f"ch11_{tag}_acc_lower"] = count_words(lower, len(ours))
        glued[f"ch11_{tag}_acc_higher"] = sum(c[0].low > 0 for c in ours)
        e, d, m, _, raw, white = min(ours, key=lambda c: c[0].mean)
        glued[f"ch11_{tag}_worst"] = Sentence(
            f"{DATA[d]} {MODELS[m]}: {100 * raw.accuracy_mean:.1f} → "
            f"{100 * white.accuracy_mean:.1f} % test accuracy, a difference of "
            f"{_points(e)} points")
    glued["ch11_white_verdict"] = Sentence("So whitening is cheaper than K-FAC per step, "
                                     "but not free: " + "; ".join(verdicts) + ".")
    return rows, glued
