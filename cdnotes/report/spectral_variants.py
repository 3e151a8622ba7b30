"""Chapter 9 (training in the spectral domain): input-node eigenvalues and the bias.

Which reading of the paper its counts imply, what training the input-node eigenvalues changes
(and starting them at 1), and what adding a bias changes; from the committed runs
(``load_measurement("spectral_training")``). Each function returns table rows and the values
the chapter glues (``{name: value}``; a :class:`~cdnotes.report.glued.Sentence` value is a sentence).
"""
from __future__ import annotations

import numpy as np

from ..experiments.report import count_words
from ..experiments.spectral_training import (ARCHITECTURES, INPUT_VARIANTS, REGIMES,
                                             eigenvalue_count, paired_comparison)
from ..stats import paired_difference_ci
from .glued import Sentence
from .spectral_training import DATA_NAMES, NAMES, by_seed, ci, model_name, paired_diff

__all__ = ["paper_counts", "input_eigenvalue_changes", "from_one_probe", "bias_changes"]


def _arch_order(key):
    return key[0], ARCHITECTURES.index(key[1]), key[2:]


def paper_counts(n_pixels: int = 784, n_classes: int = 10, n2: int = 1000):
    """The paper's stated counts against each input-eigenvalue variant.

    Parameters
    ----------
    n_pixels, n_classes, n2 : int, default 784, 10, 1000
        The paper's input width, classes and hidden width.

    Returns
    -------
    rows : list of list of str
        Statement, the paper's value, fixed, trained, which variants match.
    glued : dict
        How many statements match only fixed / only trained / both, and the implied variant.
    """
    rows, implied = [], []

    def row(what, paper_value, fixed, trained, fmt="{:,}"):
        match = [v for v, x in (("fixed", fixed), ("trained", trained))
                 if fmt.format(x) == fmt.format(paper_value)]
        rows.append([what, fmt.format(paper_value), fmt.format(fixed),
                     fmt.format(trained), " and ".join(match) if match else "neither"])
        implied.append(match)

    n1, ne = n_pixels, n_classes
    row("perceptron: N = N₁ + N₂ = 794", 794, eigenvalue_count((n1, ne), "fixed"),
        eigenvalue_count((n1, ne), "trained"))
    wide = {v: eigenvalue_count((n1, n2, ne), v) for v in INPUT_VARIANTS}
    row(f"wide (N₂ = {n2}): N₂ + N₃ eigenvalues", n2 + ne, wide["fixed"], wide["trained"])
    perceptron, dense = n1 * ne, n1 * n2 + n2 * ne
    row("wide: ≈ 13 % of the N₁ × N₃ perceptron's weights", 13,
        100 * wide["fixed"] / perceptron, 100 * wide["trained"] / perceptron, fmt="{:.0f} %")
    row("wide: ≈ 0.13 % of the full N₁ → N₂ → N₃ model's weights", 0.13,
        100 * wide["fixed"] / dense, 100 * wide["trained"] / dense, fmt="{:.2f} %")
    nonlin = {v: eigenvalue_count((n1, n2, 120, ne), v) for v in INPUT_VARIANTS}
    row(f"non-linear (N₂ = {n2}): N₂ + N₃ + N₄", n2 + 120 + ne, nonlin["fixed"],
        nonlin["trained"])
    only_fixed = sum(m == ["fixed"] for m in implied)
    only_trained = sum(m == ["trained"] for m in implied)
    n = len(implied)
    return rows, {"ch9_counts_fixed": count_words(only_fixed, n),
                  "ch9_counts_trained": count_words(only_trained, n),
                  "ch9_counts_both": count_words(sum(m == ["fixed", "trained"]
                                                     for m in implied), n),
                  "ch9_paper_variant": "fixed" if only_fixed > only_trained else "trained"}


def input_eigenvalue_changes(by_variant: dict):
    """Λ only, trained − fixed input eigenvalues, paired by seed per multi-layer configuration.

    Parameters
    ----------
    by_variant : dict ``{"fixed", "trained"}`` -> list of run records

    Returns
    -------
    rows : list of list
    changes : dict ``{(dataset, architecture, hidden): Estimate}``
    glued : dict
    """
    fields = ("dataset", "architecture", "hidden")
    fixed_l = by_seed(by_variant["fixed"], fields, regime="eigenvalues")
    trained_l = by_seed(by_variant["trained"], fields, regime="eigenvalues")
    trained_c = by_seed(by_variant["trained"], fields, regime="constrained")
    rows, changes = [], {}
    for key in sorted(fixed_l, key=_arch_order):
        ds, arch, hidden = key
        if arch == "perceptron":
            continue                                   # the same model in both variants
        seeds = sorted(fixed_l[key])
        f = [fixed_l[key][s]["test_accuracy"] for s in seeds]
        t = [trained_l[key][s]["test_accuracy"] for s in seeds]
        cons = [trained_c[key][s]["test_accuracy"] for s in seeds]
        e = changes[key] = paired_difference_ci(t, f)
        rows.append([DATA_NAMES[ds], model_name(ds, hidden), fixed_l[key][seeds[0]]["n_trained"],
                     trained_l[key][seeds[0]]["n_trained"], f"{np.mean(f):.1f}",
                     f"{np.mean(t):.1f}", ci(e), f"{np.mean(cons):.1f}"])
    e100 = changes["digits", "wide", (100,)]
    n = len(changes)
    return rows, changes, {
        "ch9_tr_up": count_words(sum(e.low > 0 for e in changes.values()), n),
        "ch9_tr_down": count_words(sum(e.high < 0 for e in changes.values()), n),
        "ch9_tr_digits100": Sentence(f"{e100.mean:+.1f} points (95 % interval "
                               f"{e100.low:+.1f} to {e100.high:+.1f})"),
        "ch9_tr_max": max(e.mean for e in changes.values())}


def from_one_probe(from_one_runs, by_variant: dict):
    """Trained input eigenvalues started at 1, against the drawn start and the fixed variant.

    Parameters
    ----------
    from_one_runs : list of dict
        The probe's runs (``data["probes"]["from_one"]``).
    by_variant : dict ``{"fixed", "trained"}`` -> list of run records

    Returns
    -------
    rows : list of list
    glued : dict
    """
    fields = ("dataset", "architecture", "hidden", "regime")
    from_one = by_seed(from_one_runs, fields)
    fixed_all = by_seed(by_variant["fixed"], fields)
    trained_all = by_seed(by_variant["trained"], fields)
    rows, vs_drawn, vs_fixed, digits_l = [], [], [], []
    for key in sorted(from_one, key=lambda k: (k[0], ARCHITECTURES.index(k[1]), k[3])):
        ds, arch, hidden, regime = key
        mean = {name: np.mean([r["test_accuracy"] for r in runs[key].values()])
                for name, runs in (("fixed", fixed_all), ("drawn", trained_all),
                                   ("one", from_one))}
        e_start = paired_diff(from_one[key], trained_all[key])
        e_train = paired_diff(from_one[key], fixed_all[key])
        vs_drawn.append(e_start)
        vs_fixed.append(e_train)
        if ds == "digits" and regime == "eigenvalues":
            digits_l.append(e_train.mean)
        rows.append([DATA_NAMES[ds], model_name(ds, hidden), NAMES[regime],
                     f"{mean['fixed']:.1f}", f"{mean['drawn']:.1f}", f"{mean['one']:.1f}",
                     ci(e_start), ci(e_train)])
    n = len(rows)
    return rows, {
        "ch9_one_digits_range": f"{min(digits_l):+.1f} to {max(digits_l):+.1f}",
        "ch9_one_vs_fixed_up": count_words(sum(e.low > 0 for e in vs_fixed), n),
        "ch9_one_vs_fixed_down": count_words(sum(e.high < 0 for e in vs_fixed), n),
        "ch9_one_vs_drawn_up": count_words(sum(e.low > 0 for e in vs_drawn), n),
        "ch9_one_vs_drawn_down": count_words(sum(e.high < 0 for e in vs_drawn), n)}


def bias_changes(records):
    """Adding a bias, paired by seed.

    Parameters
    ----------
    records : list of dict
        The fixed variant's runs.

    Returns
    -------
    rows : list of list
        Per data set and regime, the perceptron's accuracy without and with a bias.
    glued : dict
        The perceptron's two accuracies and, over every configuration, how often the bias
        raised / lowered the accuracy significantly.
    """
    rows, glued = [], {}
    for ds in ("digits", "mnist1d"):
        for regime in REGIMES:
            pair = [c for c in paired_comparison(records, regime, regime, bias_a=True)
                    if c["dataset"] == ds]
            e = next(c["estimate"] for c in pair if c["architecture"] == "perceptron")
            acc0 = np.mean([r["test_accuracy"] for r in records if r["dataset"] == ds
                            and r["regime"] == regime and r["architecture"] == "perceptron"
                            and not r["bias"]])
            rows.append([DATA_NAMES[ds], NAMES[regime], f"{acc0:.1f}", f"{acc0 + e.mean:.1f}",
                         f"{e.mean:+.1f} [{e.low:+.1f}, {e.high:+.1f}]"])
            name = regime.replace("+", "_")
            glued[f"ch9_pb_{ds}_{name}_0"] = acc0
            glued[f"ch9_pb_{ds}_{name}_1"] = acc0 + e.mean
            up = sum(c["estimate"].low > 0 for c in pair)
            down = sum(c["estimate"].high < 0 for c in pair)
            glued[f"ch9_bias_{ds}_{name}_up"] = count_words(up, len(pair))
            glued[f"ch9_bias_{ds}_{name}_down"] = count_words(down, len(pair))
    return rows, glued
