"""Chapter 11 (does conditioning matter for training?): its tables, verdicts and sentences.

Functions of the committed sweep (``load_measurement("conditioning_training")``): its runs
(:func:`~cdnotes.experiments.conditioning_training.runs_from_json`), the per-cell rows of
:func:`~cdnotes.experiments.conditioning_training.rate_table` and the λ_max at
initialisation. Each returns table rows and/or the values the chapter glues
(``{name: value}``; a :class:`~cdnotes.report.glued.Sentence` value is a sentence).

>>> rate_cells(0.1, float("inf"))
['0.1', 'none in grid: every rate stable']
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from ..experiments import PAPER_TABLE1
from ..experiments import conditioning_training as ct
from ..experiments.report import count_words, listed, sig_text
from ..stats import welch_difference_ci
from .glued import Sentence

__all__ = ["MODELS", "DATA", "run_facts", "stable_rates", "rate_cells", "rate_rows",
           "above_words", "lambda_table", "order_words", "sharpness_words"]

MODELS = {"dense": "dense", "cd4": "CD-B4", "cd8": "CD-B8"}
DATA = {"digits": "digits", "mnist1d": "MNIST-1D"}
_SGD = ("sgd", "none")
_NONE = ("none in grid: every rate unstable", "none in grid: every rate stable")


def run_facts(result: dict, runs) -> dict:
    """The sweep's size, seeds, epochs, thresholds, grids and K-FAC settings.

    Parameters
    ----------
    result : dict
        The committed file.
    runs : list of TrainingRun

    Returns
    -------
    dict
    """
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
    """The largest stable rate of every cell, and each model's best SGD rate.

    Parameters
    ----------
    rows : list of RateRow
        :func:`~cdnotes.experiments.conditioning_training.rate_table`'s.

    Returns
    -------
    stable : dict
        ``stable[d, m, opt]`` is ``largest_stable_rate``'s (top, next) for SGD and Adam.
    glued : dict
    """
    stable, glued = {}, {}
    for d in DATA:
        for m in MODELS:
            for opt in ("sgd", "adam"):
                stable[d, m, opt] = ct.largest_stable_rate(rows, d, m, opt)
                glued[f"ch11_stable_{d}_{m}_{opt}"] = stable[d, m, opt][0]
            glued[f"ch11_best_sgd_{d}_{m}"] = ct.best_rate(rows, d, m, "sgd").lr
    return stable, glued


def rate_cells(top: float, above: float) -> list:
    """The two cells of a stable rate; a rate the grid does not hold is said in words.

    Parameters
    ----------
    top, above : float
        The largest stable rate and the next (``±inf`` where the grid does not hold one).

    Returns
    -------
    list of str
    """
    return [f"{top:g}" if math.isfinite(top) else _NONE[0],
            f"{above:g}" if math.isfinite(above) else _NONE[1]]


def rate_rows(stable: dict) -> list:
    """Rows: data, model, SGD's and Adam's largest stable and next rates.

    Parameters
    ----------
    stable : dict
        :func:`stable_rates`'s.

    Returns
    -------
    list of list of str
    """
    return [[DATA[d], MODELS[m], *rate_cells(*stable[d, m, "sgd"]),
             *rate_cells(*stable[d, m, "adam"])] for d in DATA for m in MODELS]


def above_words(runs, stable: dict) -> dict:
    """The SGD runs above their cell's largest stable rate.

    Parameters
    ----------
    runs : list of TrainingRun
    stable : dict
        :func:`stable_rates`'s.

    Returns
    -------
    dict
        ``ch11_above_count``: how many ended at chance; ``ch11_above_rest``: a sentence on
        the others (the best test accuracy of the seeds that survived, in %, or that none
        did).
    """
    above = [r for r in runs if not r.sharpness and (r.optimizer, r.whitening) == _SGD
             and r.lr > stable[r.dataset, r.model, "sgd"][0]]
    at_chance = sum(r.final_loss >= math.log(10) for r in above)
    survivors = [100 * r.final_accuracy for r in above if r.final_loss < math.log(10)]
    rest = (Sentence("none survived.") if not survivors else Sentence(
        "the others — seeds that survived a rate at which another seed failed — reached at "
        f"most {max(survivors):.1f} % test accuracy."))
    return {"ch11_above_count": count_words(at_chance, len(above)), "ch11_above_rest": rest}


def lambda_table(lambda_max_init, stable: dict, mu: float):
    """λ_max at initialisation against the largest stable SGD rate.

    Parameters
    ----------
    lambda_max_init : list of dict
        ``result["lambda_max_init"]``: ``dataset``, ``model``, ``lambda_max`` per seed.
    stable : dict
        :func:`stable_rates`'s.
    mu : float
        The momentum.

    Returns
    -------
    rows : list of list
    lam0 : dict ``{(dataset, model): mean λ_max over seeds}``
    glued : dict
    """
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
    """Whether the ordering of the stable rates follows that of λ_max at init.

    Pairs whose λ_max a Welch 95 % interval orders; also the cells inside the momentum bound,
    the spread of λ_max and the paper's κ ratio.

    Parameters
    ----------
    lambda_max_init : list of dict
    stable : dict
        :func:`stable_rates`'s.
    lam0 : dict
        :func:`lambda_table`'s.
    mu : float

    Returns
    -------
    dict
    """
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
    return {"ch11_order": Sentence(order),
            "ch11_within": count_words(within, len(DATA) * len(MODELS)),
            "ch11_lam_spread": Sentence(ct.spread_text(lam0, DATA)),        # within a data set
            # the paper's κ have two significant figures, and so has their ratio
            "ch11_paper_kappa_ratio": sig_text(paper_kappa["dense"] / paper_kappa["cd8"])}


def sharpness_words(tracked, ratio: dict) -> dict:
    """The tracked runs' λ_max against each stable rate's edge 2(1+μ)/η.

    Parameters
    ----------
    tracked : list of TrainingRun
        The runs with a sharpness record.
    ratio : dict
        ``ratio[d, m, lr]``: the largest λ_max after epoch 0 over the edge, stable runs.

    Returns
    -------
    dict
        Its range, whether every stable run stayed below the edge, and λ_max's range
        relative to its start.
    """
    moved = [v / r.sharpness[0] for r in tracked if r.stable for v in r.sharpness[1:]]
    return {"ch11_sharp_max_frac": max(ratio.values()),
            "ch11_sharp_below": Sentence("so it stayed below the edge in every stable run"
                                   if max(ratio.values()) < 1 else
                                   "so some stable runs crossed the edge"),
            "ch11_sharp_min_frac": min(ratio.values()),
            "ch11_sharp_up": max(moved), "ch11_sharp_down": min(moved)}
