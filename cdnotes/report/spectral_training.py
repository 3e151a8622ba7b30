"""Chapter 9 (training in the spectral domain): the sweep's tables and verdicts.

Every function reads the committed runs (``load_measurement("spectral_training")``: records
of one run each, with ``dataset``, ``regime``, ``architecture``, ``hidden``, ``bias``,
``seed``, ``test_accuracy``, ...) and returns the rows of a table and/or the values the
chapter glues (``{name: value}``; a :class:`~cdnotes.report.glued.Sentence` value is a sentence).

>>> ci(Estimate(mean=1.25, std=1.0, n=5, low=-0.5, high=3.0, level=0.95))
'+1.2 [-0.5, +3.0]'
>>> model_name("mnist1d", (100, 120))
'40 → 100 → 120 → 10'
"""
from __future__ import annotations

import numpy as np

from ..experiments.report import count_words, listed, range_text
from ..experiments.spectral_training import (ARCHITECTURES, PAPER_PERCEPTRON, PAPER_TABLE1,
                                             REGIMES, paired_comparison)
from ..stats import Estimate, paired_difference_ci, welch_difference_ci
from .glued import Sentence

__all__ = ["NAMES", "DATA_NAMES", "COLUMNS", "TABLE1_HEAD", "ci", "model_name", "paired_diff",
           "by_seed", "best_config", "sweep_facts", "sweep_line", "table1", "verdicts",
           "column_order", "order_words", "variant_verdicts", "verdict_rows"]

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
    """An estimate as ``mean [low, high]``, signed, one decimal.

    Parameters
    ----------
    e : Estimate
        Anything with ``mean``, ``low`` and ``high`` (points).

    Returns
    -------
    str
    """
    return f"{e.mean:+.1f} [{e.low:+.1f}, {e.high:+.1f}]"


def model_name(dataset: str, hidden) -> str:
    """The layer widths of a model, ``"64 → 100 → 10"`` (input width from the data set).

    Parameters
    ----------
    dataset : {"digits", "mnist1d"}
    hidden : sequence of int
        The hidden widths.

    Returns
    -------
    str
    """
    return " → ".join(map(str, (_N_IN[dataset], *hidden, 10)))


def paired_diff(a: dict, b: dict, field: str = "test_accuracy") -> Estimate:
    """Paired by seed: ``a − b`` over ``a``'s seeds, with its t interval.

    Parameters
    ----------
    a, b : dict ``{seed: record}``
    field : str, default "test_accuracy"
        The record field compared.

    Returns
    -------
    Estimate
    """
    seeds = sorted(a)
    return paired_difference_ci([a[s][field] for s in seeds], [b[s][field] for s in seeds])


def by_seed(recs, key_fields, bias: bool = False, **where) -> dict:
    """The runs grouped by a key, then by seed.

    Parameters
    ----------
    recs : list of dict
        Run records.
    key_fields : tuple of str
        The record fields of the key (``"hidden"`` becomes a tuple).
    bias : bool, default False
        Keep only the runs with this ``bias``.
    **where
        Keep only the runs whose fields have these values.

    Returns
    -------
    dict ``{key tuple: {seed: record}}``
    """
    out = {}
    for r in recs:
        if r["bias"] == bias and all(r[k] == v for k, v in where.items()):
            key = tuple(tuple(r[f]) if f == "hidden" else r[f] for f in key_fields)
            out.setdefault(key, {})[r["seed"]] = r
    return out


def best_config(recs, ds: str, regime: str, arch: str, bias: bool = False):
    """The widths of one architecture with the highest mean test accuracy.

    Parameters
    ----------
    recs : list of dict
        Run records.
    ds, regime, arch : str
        Data set, regime and architecture.
    bias : bool, default False

    Returns
    -------
    hidden : tuple of int
    accuracies : ndarray, shape (n_seeds,)
        The test accuracies of those widths' seeds.
    """
    groups = {}
    for r in recs:
        if (r["dataset"], r["regime"], r["architecture"], r["bias"]) == (ds, regime, arch,
                                                                         bias):
            groups.setdefault(tuple(r["hidden"]), []).append(r["test_accuracy"])
    hidden = max(groups, key=lambda h: np.mean(groups[h]))
    return hidden, np.array(groups[hidden])


def sweep_facts(data: dict, records) -> dict:
    """The sweep's size and settings, and the worst retraction change.

    Parameters
    ----------
    data : dict
        The committed file (``load_measurement("spectral_training")``).
    records : list of dict
        The fixed variant's runs.

    Returns
    -------
    dict
        Glued values ``ch9_n_runs``, ``ch9_n_seeds``, ``ch9_worst_retraction``, ``ch9_wide``,
        ``ch9_deep``, ``ch9_nonlinear``, ``ch9_max_eigen``.
    """
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
    """One line: runs, seeds, epochs, variants, numpy version, date and minutes of the sweep.

    Parameters
    ----------
    data : dict
        The committed file.

    Returns
    -------
    str
    """
    cfg, env = data["config"], data["environment"]
    seeds = cfg["seeds"]
    contiguous = sorted(seeds) == list(range(min(seeds), max(seeds) + 1))
    seed_text = range_text(seeds) if contiguous else listed(seeds)
    return (f"{len(data['records']):,} runs, seeds {seed_text}, {cfg['epochs']} epochs, "
            f"variants {listed(cfg['input_eigenvalues'], fmt='s')}; numpy "
            f"{env['versions']['numpy']}, {env['created_utc'][:10]}; "
            f"{data['wall_seconds'] / 60:.0f} min")


def table1(recs, dataset: str) -> list:
    """Rows of the paper's Table-1 layout (header :data:`TABLE1_HEAD`).

    Per regime, the best mean ± sd over the widths of each architecture (no bias), then the
    paper's MNIST numbers.

    Parameters
    ----------
    recs : list of dict
        Run records.
    dataset : str

    Returns
    -------
    list of list of str, one row per regime
    """
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
    """Paired by seed, per configuration: how often ``a`` is significantly above / below ``b``.

    Parameters
    ----------
    recs : list of dict
    a, b : str
        Regimes.
    dataset : str
    bias : bool, default False

    Returns
    -------
    up, down, n : int
        Configurations with ``a`` above, below (95 % intervals), and all configurations.
    """
    rows = [c for c in paired_comparison(recs, a, b, bias_a=bias, bias_b=bias)
            if c["dataset"] == dataset]
    up = sum(c["estimate"].low > 0 for c in rows)
    down = sum(c["estimate"].high < 0 for c in rows)
    return up, down, len(rows)


def column_order(recs, ds: str, a: str, b: str) -> dict:
    """Per column, the best configuration of ``a`` against ``b``'s (Welch 95 %).

    Parameters
    ----------
    recs : list of dict
    ds : str
    a, b : str
        Regimes.

    Returns
    -------
    dict ``{"above", "tie", "below"}`` -> list of column names
    """
    out = {"above": [], "tie": [], "below": []}
    for arch in ARCHITECTURES:
        e = welch_difference_ci(best_config(recs, ds, a, arch)[1],
                                best_config(recs, ds, b, arch)[1])
        side = "above" if e.low > 0 else "below" if e.high < 0 else "tie"
        out[side].append(COLUMNS[arch])
    return out


def order_words(order: dict) -> str:
    """The sentence of :func:`column_order`: above in …; tied in …; below in … columns.

    Parameters
    ----------
    order : dict
        :func:`column_order`'s.

    Returns
    -------
    str
    """
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
    """The chapter's verdicts for one input-eigenvalue variant.

    Parameters
    ----------
    recs : list of dict
        That variant's runs.
    tag : str
        Inserted after ``ch9_`` in the glued names (``""`` fixed, ``"t"`` trained).

    Returns
    -------
    result : dict
        ``result[short, ds]`` is ``(up, down, n)`` of :func:`verdicts` for ``short`` in
        ``lc`` (Λ only vs constrained), ``pu`` (Λ and Φ vs unconstrained), ``lu`` (Λ only vs
        unconstrained); ``result["order", ds]`` the :func:`column_order` of Λ only vs
        constrained; ``result["gap", ds]`` the column with the largest |unconstrained − Λ and
        Φ| of the best configurations and its Welch estimate.
    glued : dict
        Those as words, under ``ch9_{tag}…``.
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
        glued[f"ch9_{tag}order_{ds}"] = Sentence(order_words(order))
        gaps = {a: welch_difference_ci(
                    best_config(recs, ds, "unconstrained", a)[1],
                    best_config(recs, ds, "eigenvalues+eigenvectors", a)[1])
                for a in ARCHITECTURES}
        worst = max(gaps, key=lambda a: abs(gaps[a].mean))
        result["gap", ds] = (worst, gaps[worst])
        e = gaps[worst]
        side = "below" if e.mean > 0 else "above"
        glued[f"ch9_{tag}pu_gap_{ds}"] = Sentence(
            f"{abs(e.mean):.1f} points {side} the unconstrained one in the "
            f"{COLUMNS[worst]} column (unconstrained − Λ and Φ: {ci(e)})")
    everywhere = all(result["lc", ds][0] == result["lc", ds][2]
                     for ds in ("digits", "mnist1d"))
    glued[f"ch9_{tag}consistently"] = "as" if everywhere else "not"
    return result, glued


def verdict_rows(fixed: dict, trained: dict) -> list:
    """Rows: per comparison and data set, ``up above, down below, tied (of n)`` per variant.

    Parameters
    ----------
    fixed, trained : dict
        The ``result`` of :func:`variant_verdicts` for each variant.

    Returns
    -------
    list of list of str
    """
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
