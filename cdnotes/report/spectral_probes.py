"""Chapter 9 (training in the spectral domain): the probes, the weights and the CD link.

Functions of the committed runs (``load_measurement("spectral_training")``: its
``records``, ``probes``, ``seed_floor``, ``cd_link``) returning table rows and the values the
chapter glues (``{name: value}``; a :class:`~cdnotes.report.glued.Sentence` value is a sentence).
"""
from __future__ import annotations

import numpy as np

from ..experiments.report import count_words, listed, number_word
from ..experiments.spectral_analysis import (change_words, compact_changes, init_scale_verdict,
                                             overfit_comparison, overfit_verdict)
from ..experiments.spectral_training import (ARCHITECTURES, best_set, cd_link_summary,
                                             distance_summary)
from ..stats import welch_difference_ci
from .glued import Sentence
from .spectral_training import DATA_NAMES, NAMES, by_seed, ci, model_name, paired_diff

__all__ = ["INIT_SHORT", "init_probe", "compact_form", "OVERFIT_WORDS", "overfit_table",
           "weight_distances", "CD_LINK_HEAD", "cd_link_table", "cd_link_words",
           "convex_words"]

INIT_SHORT = {"unconstrained": "unconstrained", "unconstrained, spectral init":
              "unconstrained, spectral start", "eigenvalues+eigenvectors": "Λ and Φ",
              "eigenvalues+eigenvectors, He-scaled φ": "Λ and Φ, He-scaled φ"}
"""The initialisation probe's models, as its table names them."""


def init_probe(init_runs, epochs: int):
    """The initialisation probe: non-linear Λ and Φ against unconstrained, starts swapped.

    A configuration counts as *explained* when from the same start the difference is not
    significant or within a quarter of the gap, *closed* when He-scaled Λ and Φ is not
    significantly below unconstrained.

    Parameters
    ----------
    init_runs : list of dict
        The probe's runs (``data["probes"]["init"]``).
    epochs : int
        The recipe's epochs, named in the verdict.

    Returns
    -------
    rows : list of list
    glued : dict
    """
    init = {}
    for r in init_runs:
        init.setdefault((r["dataset"], tuple(r["hidden"])), {}).setdefault(
            r["model"], {})[r["seed"]] = r
    rows, explained, closed, he_all, glued = [], 0, 0, [], {}
    for (ds, hidden), m in sorted(init.items()):
        u, us = m["unconstrained"], m["unconstrained, spectral init"]
        p, ph = m["eigenvalues+eigenvectors"], m["eigenvalues+eigenvectors, He-scaled φ"]
        gap, same_start, he = paired_diff(u, p), paired_diff(us, p), paired_diff(ph, u)
        small = abs(same_start.mean) < 0.25 * abs(gap.mean)
        explained += (same_start.low <= 0 <= same_start.high) or small
        closed += he.high >= 0                 # not significantly below unconstrained
        he_all.append(he)
        acc = {k: np.mean([x["test_accuracy"] for x in v.values()]) for k, v in m.items()}
        rows.append([DATA_NAMES[ds], hidden[0]] + [f"{acc[k]:.1f}" for k in INIT_SHORT]
                    + [ci(gap), ci(same_start), ci(he)])
        if (ds, hidden[0]) == ("mnist1d", 100):
            glued.update(ch9_init_gap=Sentence(ci(gap)), ch9_init_same=Sentence(ci(same_start)),
                         ch9_init_he=Sentence(ci(he)), ch9_init_cost=Sentence(change_words(
                             paired_diff(u, us), "unconstrained − spectral start")))
    glued["ch9_init_explained"] = count_words(explained, len(init))
    glued["ch9_init_verdict"] = Sentence(init_scale_verdict(
        explained, closed, he_all, f"{epochs} epochs, the paper's recipe"))
    glued["ch9_init_closed"] = count_words(closed, len(init))
    glued["ch9_init_n"] = number_word(len(init))
    return rows, glued


def compact_form(records, compact_runs):
    """The ``(2I + Φ)⁻¹Φ`` form against the paper's, paired by seed (no bias).

    Parameters
    ----------
    records : list of dict
        The sweep's fixed-variant runs.
    compact_runs : list of dict
        The probe's runs of the compact form.

    Returns
    -------
    rows : list of list
    changes : dict
        :func:`~cdnotes.experiments.spectral_analysis.compact_changes`'s.
    glued : dict
    """
    changes = compact_changes(records, compact_runs)
    fields = ("dataset", "architecture", "hidden", "regime")
    means = [{k: np.mean([r["test_accuracy"] for r in v.values()])
              for k, v in by_seed(recs, fields).items()} for recs in (records, compact_runs)]
    rows, glued = [], {}
    for key in sorted(changes, key=lambda k: (k[0], ARCHITECTURES.index(k[1]), k[3])):
        ds, arch, hidden, regime = key
        e = changes[key]
        rows.append([DATA_NAMES[ds], model_name(ds, hidden), NAMES[regime],
                     f"{means[0][key]:.1f}", f"{means[1][key]:.1f}", ci(e)])
        if key == ("mnist1d", "nonlinear", (100, 120), "eigenvalues+eigenvectors"):
            glued["ch9_compact_nonlinear"] = Sentence(ci(e))
    up = sum(e.low > 0 for e in changes.values())
    down = sum(e.high < 0 for e in changes.values())
    n = len(changes)
    glued.update(ch9_compact_up=count_words(up, n),
                 ch9_compact_max=max(abs(e.mean) for e in changes.values()),
                 ch9_compact_down=count_words(down, n),
                 ch9_compact_tie=count_words(n - up - down, n))
    return rows, changes, glued


OVERFIT_WORDS = {
    "holds": "the claim holds here: a smaller gap without a lower test accuracy",
    "partly": ("the claim holds only in part: the spectral model's gap was smaller on "
               "some data sets, not all"),
    "fails": "the claim fails here: at the largest width the spectral model overfitted "
             "more, not less",
    "no verdict": "the data do not separate the two models' gaps: no verdict",
}
"""The overfitting verdict's sentence per :func:`overfit_verdict` word."""
_OF_TWO = {0: "neither of the two", 1: "one of the two", 2: "both"}


def overfit_table(gapd: dict):
    """The train–test gaps at the widest N₂ against the narrowest.

    Parameters
    ----------
    gapd : dict
        :func:`~cdnotes.experiments.spectral_analysis.overfit_runs`'s.

    Returns
    -------
    header : list of str
    rows : list of list
    glued : dict
    """
    comparison = overfit_comparison(gapd)
    verdict = overfit_verdict(comparison)
    widths = sorted({k[2] for k in gapd})
    rows, glued = [], {}
    for (ds, spectral, direct), c in ((k, v) for k, v in comparison.items() if k != "widths"):
        if spectral == "eigenvalues+eigenvectors":
            glued[f"ch9_over_{ds}"] = Sentence(
                f"{ci(c['gap_difference'])} points (the direct model's gap minus "
                f"the spectral one's), test accuracy spectral − direct "
                f"{ci(c['test_difference'])} points")
        rows.append([DATA_NAMES[ds], f"{NAMES[spectral]} vs {NAMES[direct]}",
                     ci(c["spectral_growth"]), ci(c["direct_growth"]),
                     ci(c["gap_difference"]), ci(c["test_difference"])])
    words = OVERFIT_WORDS[verdict["verdict"]]
    if verdict["verdict"] == "fails" and verdict["lower"]:
        words += ", and was less accurate on the test set"
    glued.update(ch9_over_smaller=_OF_TWO[verdict["smaller"]],
                 ch9_over_larger=_OF_TWO[verdict["larger"]], ch9_over_verdict=Sentence(words),
                 ch9_over_lo=widths[0], ch9_over_hi=widths[-1])
    lo, hi = widths[0], widths[-1]
    header = ["data", "pair", f"spectral gap: N₂ {hi} − N₂ {lo}",
              f"direct gap: N₂ {hi} − N₂ {lo}", f"direct gap − spectral gap at N₂ {hi}",
              f"spectral − direct test % at N₂ {hi}"]
    return header, rows, glued


def weight_distances(data: dict):
    """Wasserstein-1 distances of the linear models' retracted weights to the unconstrained ones.

    Fixed variant, no bias; "closely matching" holds when more than half the configurations
    are within twice the seed-to-seed floor.

    Parameters
    ----------
    data : dict
        The committed file.

    Returns
    -------
    rows : list of list
    holds : dict ``{(dataset, architecture, hidden): distance_summary entry}``
    glued : dict
    """
    dist = distance_summary(data, "fixed")
    rows, holds = [], {}
    for (ds, arch, hidden, bias), entry in sorted(dist.items(), key=lambda t: (
            t[0][0], ARCHITECTURES.index(t[0][1]), t[0][2])):
        if bias:
            continue
        rows.append([DATA_NAMES[ds], model_name(ds, hidden), f"{entry['floor']:.3f}"]
                    + [f"{entry[r]['w1']:.3f} / {entry[r]['w1_standardized']:.2f}"
                       for r in ("constrained", "eigenvalues", "eigenvalues+eigenvectors")])
        holds[ds, arch, hidden] = entry
    keys = list(holds)
    closer = sum(holds[k]["eigenvalues"]["w1"] < holds[k]["constrained"]["w1"] for k in keys)
    closer_shape = sum(holds[k]["eigenvalues"]["w1_standardized"]
                       < holds[k]["constrained"]["w1_standardized"] for k in keys)
    ratio = [holds[k]["eigenvalues"]["w1"] / holds[k]["floor"] for k in keys]
    perc = {ds: holds[ds, "perceptron", ()] for ds in ("digits", "mnist1d")}
    within = sum(r <= 2 for r in ratio)
    glued = {"ch9_w1_closer": count_words(closer, len(keys)),
             "ch9_w1_closer_shape": count_words(closer_shape, len(keys)),
             "ch9_w1_ratio_min": min(ratio), "ch9_w1_ratio_max": max(ratio),
             "ch9_w1_perc_verdict": listed(
                 [DATA_NAMES[ds] for ds in perc
                  if perc[ds]["eigenvalues"]["w1"] < perc[ds]["constrained"]["w1"]],
                 "on", "on", "on neither data set", fmt="s"),
             "ch9_w1_within": count_words(within, len(keys)),
             "ch9_w1_verdict": "does not hold" if within <= len(keys) / 2 else "holds"}
    for ds in ("digits", "mnist1d"):
        glued[f"ch9_std_ratio_{ds}"] = (perc[ds]["eigenvalues"]["weight_std"]
                                        / perc[ds]["unconstrained"]["weight_std"])
    return rows, holds, glued


CD_LINK_HEAD = ["data", "B", "model", "trained P", "accuracy %", "κ on range (geo. mean)",
                "κ range over seeds", "rank"]
_CD_ORDER = ["cdlinear", "spectral", "spectral, trained λ_in", "constrained", "dense"]
_CD_LABEL = {"cdlinear": "CDLinear (Fourier basis)",
             "spectral": "spectral Λ (indented basis)",
             "spectral, trained λ_in": "spectral Λ, input eigenvalues trained",
             "constrained": "constrained direct", "dense": "dense (all weights)"}
_MATCHED = ("cdlinear", "spectral", "constrained")


def cd_link_table(cd_link):
    """The CD-link runs summarised per data set, block size and model.

    Parameters
    ----------
    cd_link : list of dict
        ``data["cd_link"]``.

    Returns
    -------
    rows : list of list
        Under :data:`CD_LINK_HEAD`.
    summary : list of dict
        :func:`~cdnotes.experiments.spectral_training.cd_link_summary`'s.
    cd_fixed, cd_trained : list of dict
        The fixed variant's runs, and the spectral model's trained-variant runs as the model
        ``"spectral, trained λ_in"``.
    """
    cd_fixed = [r for r in cd_link if r["input_eigenvalues"] == "fixed"]
    cd_trained = [dict(r, model="spectral, trained λ_in") for r in cd_link
                  if r["input_eigenvalues"] == "trained" and r["model"] == "spectral"]
    summary = cd_link_summary(cd_fixed + cd_trained)
    rows = []
    for s in sorted(summary, key=lambda s: (s["dataset"], s["block_size"] or 0,
                                            _CD_ORDER.index(s["model"]))):
        e = s["accuracy"]
        rows.append([DATA_NAMES[s["dataset"]],
                     "—: all weights" if s["block_size"] is None else s["block_size"],
                     _CD_LABEL[s["model"]], s["n_trained"], f"{e.mean:.1f} ± {e.std:.1f}",
                     f"{s['kappa_geomean']:.2g}",
                     f"{s['kappa_min']:.2g}–{s['kappa_max']:.2g}", f"{s['rank_mean']:.0f}"])
    return rows, summary, cd_fixed, cd_trained


def _values(recs, ds, B, model, field):
    return [r[field] if field != "kappa_range" else -np.log10(r[field]) for r in recs
            if r["dataset"] == ds and r["block_size"] == B and r["model"] == model]


def cd_link_words(cd_fixed, cd_trained, summary, block_sizes) -> dict:
    """Which matched models were the most accurate / best conditioned, counted over the cases.

    Per (data set, block size), Welch ties kept; also the spectral model's κ below CDLinear's
    and its Gauss-Newton rank as a share of its parameters.

    Parameters
    ----------
    cd_fixed, cd_trained : list of dict
        :func:`cd_link_table`'s.
    summary : list of dict
        :func:`cd_link_table`'s.
    block_sizes : sequence of int

    Returns
    -------
    dict
    """
    best_acc, best_kappa, cases = [], [], []
    for ds in ("digits", "mnist1d"):
        for B in block_sizes:
            cases.append((ds, B))
            best_acc.append(best_set({m: _values(cd_fixed, ds, B, m, "test_accuracy")
                                      for m in _MATCHED}))
            best_kappa.append(best_set({m: _values(cd_fixed, ds, B, m, "kappa_range")
                                        for m in _MATCHED}))
    n = len(cases)
    glued = {"ch9_n_cases": number_word(n)}
    for m in _MATCHED:
        glued[f"ch9_acc_best_{m}"] = count_words(sum(m in b for b in best_acc), n)
        glued[f"ch9_kappa_best_{m}"] = count_words(sum(m in b for b in best_kappa), n)
    glued["ch9_acc_ties"] = count_words(sum(len(b) > 1 for b in best_acc), n)
    glued["ch9_kappa_ties"] = count_words(sum(len(b) > 1 for b in best_kappa), n)
    tr_best = sum("spectral, trained λ_in" in best_set(
        {m: _values(cd_fixed + cd_trained, ds, B, m, "test_accuracy")
         for m in _MATCHED + ("spectral, trained λ_in",)}) for ds, B in cases)
    glued["ch9_acc_best_trained"] = count_words(tr_best, n)
    spec_vs_cd = sum(
        welch_difference_ci(_values(cd_fixed, ds, B, "spectral", "kappa_range"),
                            _values(cd_fixed, ds, B, "cdlinear", "kappa_range")).low > 0
        for ds, B in cases)
    glued["ch9_spec_below_cd"] = count_words(spec_vs_cd, n)
    share = [s["rank_mean"] / s["n_trained"] for s in summary if s["model"] == "spectral"]
    glued["ch9_spec_rank"] = f"{100 * min(share):.0f}–{100 * max(share):.0f}"
    return glued


def convex_words(opt: dict, summary, first_block: int) -> dict:
    """The CDLinear recipe against its convex optimum (MNIST-1D).

    Parameters
    ----------
    opt : dict
        ``opt[B]`` = (recipe loss, optimal loss, (train, test) % after the recipe,
        (train, test) % at the optimum).
    summary : list of dict
        :func:`cd_link_table`'s (for the dense perceptron's accuracy).
    first_block : int
        The block size whose numbers the text quotes.

    Returns
    -------
    dict
        "Near" (the recipe is not what holds CDLinear back) when every recipe loss is within
        5 % of its optimum.
    """
    r_loss, o_loss, _, o_acc = opt[first_block]
    dense = next(s for s in summary if s["dataset"] == "mnist1d" and s["model"] == "dense")
    near = all((v[0] - v[1]) <= 0.05 * v[1] for v in opt.values())
    return {"ch9_cd_m1d_recipe_loss": r_loss, "ch9_cd_m1d_opt_loss": o_loss,
            "ch9_cd_m1d_opt_train": o_acc[0], "ch9_cd_m1d_opt_test": o_acc[1],
            "ch9_dense_m1d_test": dense["accuracy"].mean,
            "ch9_cd_recipe_verdict": Sentence(
                "both CDLinear runs ended within 5 % of their class's optimal training "
                "loss: the recipe is not what holds CDLinear back, its model class is"
                if near else "a CDLinear run ended more than 5 % above its class's "
                "optimal training loss: part of the shortfall is the recipe")}
