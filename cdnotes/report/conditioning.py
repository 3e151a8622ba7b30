"""Chapter 11 (does conditioning matter for training?): its tables, verdicts and sentences.

Functions of the committed sweep (``load_measurement("conditioning_training")``): its runs
(:func:`~cdnotes.experiments.conditioning_training.runs_from_json`), the per-cell rows of
:func:`~cdnotes.experiments.conditioning_training.rate_table` and the λ_max at
initialisation. Each returns table rows and/or the values the chapter glues
(``{name: value}``; a :class:`~cdnotes.report.glued.Md` value is a sentence).

>>> rate_cells(0.1, float("inf"))
['0.1', 'none in grid: every rate stable']
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from ..experiments import PAPER_TABLE1
from ..experiments import conditioning_training as ct
from ..experiments.report import ci_text, count_words, listed, sig_text
from ..stats import welch_difference_ci
from .glued import Md

__all__ = ["MODELS", "DATA", "run_facts", "stable_rates", "rate_cells", "rate_rows",
           "above_words", "lambda_table", "order_words", "sharpness_words", "verdict_table",
           "kappa_words", "method_words", "whitening_cost"]

MODELS = {"dense": "dense", "cd4": "CD-B4", "cd8": "CD-B8"}
DATA = {"digits": "digits", "mnist1d": "MNIST-1D"}
_SGD = ("sgd", "none")
_LABELS = {("sgd", "none"): "SGD", ("adam", "none"): "Adam", ("kfac", "none"): "K-FAC",
           ("sgd", "zca"): "SGD, ZCA", ("sgd", "spectral-block"): "SGD, per-frequency"}
_NONE = ("none in grid: every rate unstable", "none in grid: every rate stable")


def run_facts(result: dict, runs) -> dict:
    """The sweep's size, seeds, epochs, thresholds, grids and K-FAC settings."""
    config, seeds = result["config"], result["config"]["seeds"]
    glued = {"ch11_n_runs": f"{len(runs):,}", "ch11_seeds": f"{seeds[0]}–{seeds[-1]}",
             "ch11_n_seeds": len(seeds)}
    for d in DATA:
        glued[f"ch11_epochs_{d}"] = config["epochs"][d]
        glued[f"ch11_threshold_{d}"] = config["thresholds"][d]
    glued["ch11_wall_min"] = result["wall_seconds"] / 60
    for opt in ("sgd", "adam", "kfac"):
        glued[f"ch11_{opt}_rates"] = listed(config[f"{opt}_rates"])
    for key, name in [("damping", "damping"), ("update_every", "every"),
                      ("stats_batch", "batch"), ("decay", "decay"), ("kl_clip", "clip"),
                      ("momentum", "momentum")]:
        glued[f"ch11_kfac_{name}"] = config["kfac_options"][key]
    glued["ch11_momentum"] = config["momentum"]
    glued["ch11_momentum_bound"] = 2 * (1 + config["momentum"])
    return glued


def stable_rates(rows):
    """``(stable, glued)``: ``stable[d, m, opt]`` is ``largest_stable_rate``'s (top, next)
    for SGD and Adam; glued the top rates and each model's best SGD rate."""
    stable, glued = {}, {}
    for d in DATA:
        for m in MODELS:
            for opt in ("sgd", "adam"):
                stable[d, m, opt] = ct.largest_stable_rate(rows, d, m, opt)
                glued[f"ch11_stable_{d}_{m}_{opt}"] = stable[d, m, opt][0]
            glued[f"ch11_best_sgd_{d}_{m}"] = ct.best_rate(rows, d, m, "sgd").lr
    return stable, glued


def rate_cells(top: float, above: float) -> list:
    """The two cells of a stable rate; a rate the grid does not hold is said in words."""
    return [f"{top:g}" if math.isfinite(top) else _NONE[0],
            f"{above:g}" if math.isfinite(above) else _NONE[1]]


def rate_rows(stable: dict) -> list:
    """Rows: data, model, SGD's and Adam's largest stable and next rates."""
    return [[DATA[d], MODELS[m], *rate_cells(*stable[d, m, "sgd"]),
             *rate_cells(*stable[d, m, "adam"])] for d in DATA for m in MODELS]


def above_words(runs, stable: dict) -> dict:
    """The SGD runs above their cell's largest stable rate: how many ended at chance, and the
    best test accuracy of the others (10 % when none)."""
    above = [r for r in runs if not r.sharpness and (r.optimizer, r.whitening) == _SGD
             and r.lr > stable[r.dataset, r.model, "sgd"][0]]
    at_chance = sum(r.final_loss >= math.log(10) for r in above)
    return {"ch11_above_count": count_words(at_chance, len(above)),
            "ch11_above_acc": 100 * max((r.final_accuracy for r in above
                                         if r.final_loss < math.log(10)), default=10.0)}


def lambda_table(lambda_max_init, stable: dict, mu: float):
    """λ_max at initialisation against the largest stable SGD rate: ``(rows, lam0, glued)``;
    ``lam0[d, m]`` the mean over seeds."""
    lam0, rows, glued = {}, [], {}
    for d in DATA:
        for m in MODELS:
            vals = [r["lambda_max"] for r in lambda_max_init
                    if r["dataset"] == d and r["model"] == m]
            lam0[d, m] = float(np.mean(vals))
            top = stable[d, m, "sgd"][0]
            rows.append([DATA[d], MODELS[m],
                         f"{lam0[d, m]:.2f} ({min(vals):.2f}–{max(vals):.2f})",
                         f"{2 / lam0[d, m]:.3g}", f"{2 * (1 + mu) / lam0[d, m]:.3g}", f"{top:g}",
                         "yes" if top <= 2 * (1 + mu) / lam0[d, m] else "no"])
            glued[f"ch11_lam0_{d}_{m}"] = lam0[d, m]
    return rows, lam0, glued


def order_words(lambda_max_init, stable: dict, lam0: dict, mu: float) -> dict:
    """Whether the ordering of the stable rates follows that of λ_max at init (pairs whose
    λ_max a Welch 95 % interval orders), the cells inside the momentum bound, the spread of
    λ_max and the paper's κ ratio."""
    lam_seeds = {}
    for r in lambda_max_init:
        lam_seeds.setdefault((r["dataset"], r["model"]), []).append(r["lambda_max"])
    agree, pairs, unordered = 0, 0, 0
    for d in DATA:
        for a, b in itertools.combinations(MODELS, 2):
            s_a, s_b = stable[d, a, "sgd"][0], stable[d, b, "sgd"][0]
            if s_a == s_b:
                continue
            e = welch_difference_ci(lam_seeds[d, a], lam_seeds[d, b])
            if e.low <= 0 <= e.high:
                unordered += 1
                continue
            pairs += 1
            agree += (s_a > s_b) == (e.high < 0)
    if pairs:
        order = (f"Of the {pairs} pairs of models whose largest stable rates differ and "
                 "whose initial $\\lambda_\\max$ can be ordered (a Welch 95% interval of the "
                 "difference over the seeds that excludes zero), the model with the smaller "
                 "$\\lambda_\\max$ has the larger stable rate in "
                 f"{count_words(agree, pairs)}; {unordered} more pairs have stable rates "
                 "that differ but $\\lambda_\\max$ too close to order.")
    else:
        order = (f"No pair of models can be ordered by it: in all {unordered} pairs whose "
                 "largest stable rates differ, the initial $\\lambda_\\max$ are too close to "
                 "order (the Welch 95% interval of their difference over the seeds includes "
                 "zero), so the seed-to-seed spread of $\\lambda_\\max$ is larger than the "
                 "differences between the models.")
    within = sum(stable[d, m, "sgd"][0] <= 2 * (1 + mu) / lam0[d, m]
                 for d in DATA for m in MODELS)
    paper_kappa = {m: PAPER_TABLE1[m]["kappa"] for m in MODELS}
    return {"ch11_order": Md(order),
            "ch11_within": count_words(within, len(DATA) * len(MODELS)),
            "ch11_lam_spread": Md(ct.spread_text(lam0, DATA)),        # within a data set
            # the paper's κ have two significant figures, and so has their ratio
            "ch11_paper_kappa_ratio": sig_text(paper_kappa["dense"] / paper_kappa["cd8"])}


def sharpness_words(tracked, ratio: dict) -> dict:
    """The tracked runs' largest λ_max as a fraction of each stable rate's edge (``ratio``),
    whether every stable run stayed below it, and λ_max's range relative to its start."""
    moved = [v / r.sharpness[0] for r in tracked if r.stable for v in r.sharpness[1:]]
    return {"ch11_sharp_max_frac": max(ratio.values()),
            "ch11_sharp_below": Md("so it stayed below the edge in every stable run"
                                   if max(ratio.values()) < 1 else
                                   "so some stable runs crossed the edge"),
            "ch11_sharp_min_frac": min(ratio.values()),
            "ch11_sharp_up": max(moved), "ch11_sharp_down": min(moved)}


def verdict_table(rows):
    """Each model and method at its best rate: ``(table rows, verdict)``; ``verdict[d, model,
    optimizer, whitening]`` is the verdict row."""
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
    """Does the paper's better κ (CD-B8) mean fewer SGD steps or larger stable rates? The
    fastest model per data set, CD-B8's steps against dense's (Welch), and the summary."""
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
    glued["ch11_kappa_summary"] = Md(
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
        glued[f"ch11_ratio_text_{d}"] = Md(text)
    return glued


def method_words(runs, verdict: dict, thresholds: dict) -> dict:
    """K-FAC, Adam, ZCA and per-frequency whitening against the best SGD, per cell: how often
    fewer / more steps and seconds (Welch), the ratios of the means, the cells only K-FAC
    reached, and the median milliseconds per step of SGD and K-FAC."""
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
    """Each model's whitened SGD against its raw SGD at their best rates (test accuracy,
    Welch 95 %): ``(rows, glued)``."""
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
        glued[f"ch11_{tag}_worst"] = Md(
            f"{DATA[d]} {MODELS[m]}: {100 * raw.accuracy_mean:.1f} → "
            f"{100 * white.accuracy_mean:.1f} % test accuracy, a difference of "
            f"{_points(e)} points")
    glued["ch11_white_verdict"] = Md("So whitening is cheaper than K-FAC per step, "
                                     "but not free: " + "; ".join(verdicts) + ".")
    return rows, glued
