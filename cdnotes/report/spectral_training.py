"""Chapter 9 (training in the spectral domain): the sweep's tables and verdicts.

Every function reads the committed runs (``load_measurement("spectral_training")``: records
of one run each, with ``dataset``, ``regime``, ``architecture``, ``hidden``, ``bias``,
``seed``, ``test_accuracy``, ...) and returns the rows of a table and/or the values the
chapter glues (``{name: value}``; a :class:`~cdnotes.report.glued.Md` value is a sentence).

>>> ci(Estimate(mean=1.25, std=1.0, n=5, low=-0.5, high=3.0, level=0.95))
'+1.2 [-0.5, +3.0]'
>>> model_name("mnist1d", (100, 120))
'40 → 100 → 120 → 10'
"""
from __future__ import annotations

import numpy as np

from ..experiments.report import count_words, listed, range_text
from ..experiments.spectral_training import (ARCHITECTURES, INPUT_VARIANTS, PAPER_PERCEPTRON,
                                             PAPER_TABLE1, REGIMES, eigenvalue_count,
                                             paired_comparison)
from ..stats import Estimate, paired_difference_ci, welch_difference_ci
from .glued import Md

__all__ = ["NAMES", "DATA_NAMES", "COLUMNS", "TABLE1_HEAD", "ci", "model_name", "paired_diff",
           "by_seed", "best_config", "sweep_facts", "table1", "verdicts", "column_order",
           "order_words", "variant_verdicts", "verdict_rows", "paper_counts",
           "input_eigenvalue_changes", "from_one_probe", "bias_changes"]

NAMES = {"constrained": "constrained direct", "eigenvalues": "Λ only",
         "unconstrained": "unconstrained direct", "eigenvalues+eigenvectors": "Λ and Φ"}
"""The regimes' names on the page."""
DATA_NAMES = {"digits": "digits", "mnist1d": "MNIST-1D"}
COLUMNS = {"perceptron": "perceptron", "wide": "wide", "deep": "deep",
           "nonlinear": "non-linear"}
"""The architectures' column names in the Table-1 layout."""
TABLE1_HEAD = ["regime", "perceptron", "wide", "deep", "non-linear", "paper: perceptron",
               "paper: wide", "paper: deep", "paper: non-linear"]
_N_IN = {"digits": 64, "mnist1d": 40}
_PAIRS = [("eigenvalues", "constrained", "lc"),
          ("eigenvalues+eigenvectors", "unconstrained", "pu"),
          ("eigenvalues", "unconstrained", "lu")]


def ci(e) -> str:
    """An estimate as ``mean [low, high]`` (signed, one decimal)."""
    return f"{e.mean:+.1f} [{e.low:+.1f}, {e.high:+.1f}]"


def model_name(dataset: str, hidden) -> str:
    """The layer widths of a model, ``"64 → 100 → 10"`` (input width from the data set)."""
    return " → ".join(map(str, (_N_IN[dataset], *hidden, 10)))


def paired_diff(a: dict, b: dict, field: str = "test_accuracy") -> Estimate:
    """Paired by seed: ``a − b`` of two ``{seed: record}`` dicts (over ``a``'s seeds)."""
    seeds = sorted(a)
    return paired_difference_ci([a[s][field] for s in seeds], [b[s][field] for s in seeds])


def by_seed(recs, key_fields, bias: bool = False, **where) -> dict:
    """``{key: {seed: record}}`` of the runs with ``bias`` and the ``where`` field values;
    the key is the tuple of ``key_fields`` (``"hidden"`` as a tuple)."""
    out = {}
    for r in recs:
        if r["bias"] == bias and all(r[k] == v for k, v in where.items()):
            key = tuple(tuple(r[f]) if f == "hidden" else r[f] for f in key_fields)
            out.setdefault(key, {})[r["seed"]] = r
    return out


def _arch_order(key):
    return key[0], ARCHITECTURES.index(key[1]), key[2:]


def best_config(recs, ds: str, regime: str, arch: str, bias: bool = False):
    """The widths of ``arch`` with the highest mean test accuracy, and their seeds' accuracies
    (``(hidden tuple, array of shape (n_seeds,))``)."""
    groups = {}
    for r in recs:
        if (r["dataset"], r["regime"], r["architecture"], r["bias"]) == (ds, regime, arch,
                                                                         bias):
            groups.setdefault(tuple(r["hidden"]), []).append(r["test_accuracy"])
    hidden = max(groups, key=lambda h: np.mean(groups[h]))
    return hidden, np.array(groups[hidden])


def sweep_facts(data: dict, records) -> dict:
    """The sweep's size and settings, and the worst retraction change (glued ``ch9_…``);
    ``records`` are the fixed variant's runs."""
    cfg, runs = data["config"], data["records"]
    return {
        "ch9_n_runs": f"{len(runs):,}", "ch9_n_seeds": len(cfg["seeds"]),
        "ch9_worst_retraction": max(r["retraction_logit_error"]
                                    / max(1.0, r["retraction_logit_scale"]) for r in runs),
        "ch9_wide": ", ".join(map(str, cfg["wide"])),
        "ch9_deep": ", ".join(f"({a}, {b})" for a, b in cfg["deep"]),
        "ch9_nonlinear": ", ".join(map(str, cfg["nonlinear"])),
        "ch9_max_eigen": max(r["n_trained"] for r in records
                             if r["regime"] == "eigenvalues" and not r["bias"])}


def sweep_line(data: dict) -> str:
    """One line: runs, seeds, epochs, variants, numpy version, date and minutes of the sweep."""
    cfg, env = data["config"], data["environment"]
    seeds = cfg["seeds"]
    contiguous = sorted(seeds) == list(range(min(seeds), max(seeds) + 1))
    seed_text = range_text(seeds) if contiguous else listed(seeds)
    return (f"{len(data['records']):,} runs, seeds {seed_text}, {cfg['epochs']} epochs, "
            f"variants {listed(cfg['input_eigenvalues'], fmt='s')}; numpy "
            f"{env['versions']['numpy']}, {env['created_utc'][:10]}; "
            f"{data['wall_seconds'] / 60:.0f} min")


def table1(recs, dataset: str) -> list:
    """Rows of the paper's Table-1 layout: per regime, the best mean ± sd over the widths of
    each architecture (no bias), then the paper's MNIST numbers (header: TABLE1_HEAD)."""
    rows = []
    for regime in REGIMES:
        row = [NAMES[regime]]
        for arch in ARCHITECTURES:
            _, acc = best_config(recs, dataset, regime, arch)
            row.append(f"{acc.mean():.1f} ± {acc.std(ddof=1):.1f}")
        paper = PAPER_PERCEPTRON[regime]
        row += [f"{paper[0]:.1f} ± {paper[1]:.1f}"]
        row += [f"{PAPER_TABLE1[regime][a]:.1f}" for a in ("wide", "deep", "nonlinear")]
        rows.append(row)
    return rows


def verdicts(recs, a: str, b: str, dataset: str, bias: bool = False) -> tuple:
    """Paired by seed, per configuration: ``(a significantly above b, below, configurations)``
    (95 % intervals)."""
    rows = [c for c in paired_comparison(recs, a, b, bias_a=bias, bias_b=bias)
            if c["dataset"] == dataset]
    up = sum(c["estimate"].low > 0 for c in rows)
    down = sum(c["estimate"].high < 0 for c in rows)
    return up, down, len(rows)


def column_order(recs, ds: str, a: str, b: str) -> dict:
    """Per column, best configuration of ``a`` against ``b``'s (Welch): ``{"above": [...],
    "tie": [...], "below": [...]}`` of column names."""
    out = {"above": [], "tie": [], "below": []}
    for arch in ARCHITECTURES:
        e = welch_difference_ci(best_config(recs, ds, a, arch)[1],
                                best_config(recs, ds, b, arch)[1])
        side = "above" if e.low > 0 else "below" if e.high < 0 else "tie"
        out[side].append(COLUMNS[arch])
    return out


def order_words(order: dict) -> str:
    """The sentence of :func:`column_order`: above in …; tied in …; below in … columns."""
    def columns(names, none=None):
        words = listed(names, "the", "the", none, fmt="s") if none else listed(
            names, "the", "the", fmt="s")
        return f"{words} column{'s' if len(names) != 1 else ''}"

    parts = [f"significantly above in {columns(order['above'], 'none of the')}"]
    if order["tie"]:
        parts.append(f"tied (the interval contains zero) in {columns(order['tie'])}")
    if order["below"]:
        parts.append(f"significantly below in {columns(order['below'])}")
    return "; ".join(parts)


def variant_verdicts(recs, tag: str):
    """The chapter's verdicts for one input-eigenvalue variant: ``(result, glued)``.

    ``result[short, ds]`` is ``(up, down, n)`` of :func:`verdicts` for ``short`` in ``lc`` (Λ
    only vs constrained), ``pu`` (Λ and Φ vs unconstrained), ``lu`` (Λ only vs
    unconstrained); ``result["order", ds]`` the :func:`column_order` of Λ only vs
    constrained; ``result["gap", ds]`` the column with the largest |unconstrained − Λ and Φ|
    of the best configurations and its Welch estimate. ``glued`` holds them under
    ``ch9_{tag}…``.
    """
    result, glued = {}, {}
    for ds in ("digits", "mnist1d"):
        for a, b, short in _PAIRS:
            up, down, n = verdicts(recs, a, b, ds)
            result[short, ds] = (up, down, n)
            glued[f"ch9_{tag}{short}_{ds}_up"] = count_words(up, n)
            glued[f"ch9_{tag}{short}_{ds}_down"] = count_words(down, n)
        order = column_order(recs, ds, "eigenvalues", "constrained")
        result["order", ds] = order
        glued[f"ch9_{tag}order_{ds}"] = Md(order_words(order))
        gaps = {a: welch_difference_ci(
                    best_config(recs, ds, "unconstrained", a)[1],
                    best_config(recs, ds, "eigenvalues+eigenvectors", a)[1])
                for a in ARCHITECTURES}
        worst = max(gaps, key=lambda a: abs(gaps[a].mean))
        result["gap", ds] = (worst, gaps[worst])
        e = gaps[worst]
        side = "below" if e.mean > 0 else "above"
        glued[f"ch9_{tag}pu_gap_{ds}"] = Md(
            f"{abs(e.mean):.1f} points {side} the unconstrained one in the "
            f"{COLUMNS[worst]} column (unconstrained − Λ and Φ: {ci(e)})")
    everywhere = all(result["lc", ds][0] == result["lc", ds][2]
                     for ds in ("digits", "mnist1d"))
    glued[f"ch9_{tag}consistently"] = "as" if everywhere else "not"
    return result, glued


def verdict_rows(fixed: dict, trained: dict) -> list:
    """Rows: per comparison and data set, ``up above, down below, tied (of n)`` under each
    variant (the ``result`` of :func:`variant_verdicts`)."""
    rows = []
    for short, label in [("lc", "Λ only vs constrained direct"),
                         ("pu", "Λ and Φ vs unconstrained direct"),
                         ("lu", "Λ only vs unconstrained direct")]:
        for ds in ("digits", "mnist1d"):
            cells = []
            for v in (fixed, trained):
                up, down, n = v[short, ds]
                cells.append(f"{up} above, {down} below, {n - up - down} tied (of {n})")
            rows.append([label, DATA_NAMES[ds]] + cells)
    return rows


def paper_counts(n_pixels: int = 784, n_classes: int = 10, n2: int = 1000):
    """The paper's stated counts against each input-eigenvalue variant: ``(rows, glued)``.

    Rows: statement, the paper's value, fixed, trained, which variants match. ``glued``:
    how many statements match only fixed / only trained / both, and the implied variant.
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
    """Λ only, trained − fixed input eigenvalues, paired by seed per multi-layer configuration
    (no bias): ``(rows, changes, glued)``; ``changes[(ds, arch, hidden)]`` an Estimate."""
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
        "ch9_tr_digits100": Md(f"{e100.mean:+.1f} points (95 % interval "
                               f"{e100.low:+.1f} to {e100.high:+.1f})"),
        "ch9_tr_max": max(e.mean for e in changes.values())}


def from_one_probe(from_one_runs, by_variant: dict):
    """The probe with trained input eigenvalues started at 1 against the drawn start and the
    fixed variant, paired by seed (no bias): ``(rows, glued)``."""
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
    """Adding a bias, paired by seed: ``(rows, glued)``; rows per data set and regime for the
    perceptron (no bias %, bias %, change), glued the perceptron's two accuracies and, over
    every configuration, how often the bias raised / lowered the accuracy significantly."""
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
