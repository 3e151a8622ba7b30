"""Chapter 12 (SHFIN): its tables, verdicts and sentences.

Functions of the committed runs (``load_measurement("shfin_mnist1d")``, the 30-epoch runs
``"shfin_mnist1d_30epochs"`` and the GPU timings ``"shfin_cost_h100"``). A *summary* is
:func:`summarise`'s ``{"rows", "acc", "slope"}``. Each function returns table rows and/or the
values the chapter glues (``{name: value}``; a :class:`~cdnotes.report.glued.Sentence` value is a
sentence).

>>> from cdnotes.stats import Estimate
>>> pct(Estimate(mean=0.5, std=0.1, n=5, low=0.45, high=0.551, level=0.95))
'50.0 [45.0, 55.1]'
"""
from __future__ import annotations

import numpy as np

from ..experiments.report import ci_text, count_words, listed
from ..experiments.shfin import (ABLATIONS, MAIN_VARIANTS, compared_text, late_slope,
                                 parts_text, relation, summary_rows)
from ..stats import welch_difference_ci
from .glued import Sentence

__all__ = ["NAMES", "ABL_NAMES", "MASKS", "pct", "summarise", "run_facts", "main_table",
           "accuracy_words", "ablation_table", "ablation_words", "mask_words"]

NAMES = {"shfin": "SHFIN", "mlp": "dense MLP", "cd_mlp": "CD-MLP (B = 8)", "cnn": "1-D CNN"}
ABL_NAMES = {"shfin": "SHFIN (learned top-K, K = (4, 8))", "shfin_all": "no mask",
             "shfin_lowpass": "fixed low-pass mask", "shfin_identity": "no mixing",
             "shfin_one_level": "one level (patch 40, K = 8)",
             "shfin_k2": "K = (2, 4)", "shfin_k16": "K = (4, 16)",
             "shfin_ffn": "extension: + position-wise MLP"}
MASKS = {"the fixed low-pass mask": "shfin_lowpass", "no mask at all": "shfin_all"}
"""The simpler masks the learned one is compared with."""


def pct(e) -> str:
    """A fraction's estimate in percent (points for a slope): ``mean [low, high]``.

    Parameters
    ----------
    e : Estimate

    Returns
    -------
    str
    """
    return f"{100 * e.mean:.1f} [{100 * e.low:.1f}, {100 * e.high:.1f}]"


def summarise(result: dict, variants=None, last: int = 3) -> dict:
    """The runs of each variant summarised.

    Parameters
    ----------
    result : dict
        A committed SHFIN file.
    variants : iterable of str, optional
        Which variants, in this order (default: every one).
    last : int, default 3
        Epochs of the late slope.

    Returns
    -------
    dict
        ``{"rows": {variant: summary_rows row}, "acc": {variant: final accuracies},
        "slope": {variant: late_slope over the last epochs}}``.
    """
    rows = {r["variant"]: r for r in summary_rows(result, variants)}
    return {"rows": rows, "acc": {v: np.array(r["accuracies"]) for v, r in rows.items()},
            "slope": {v: late_slope(result, v, last) for v in rows}}


def run_facts(result: dict, last: int) -> dict:
    """Seeds, epochs, rate and minutes of the runs.

    Parameters
    ----------
    result : dict
    last : int
        Epochs of the late slope.

    Returns
    -------
    dict
    """
    train = result["config"]["train"]
    return {"ch12_n_seeds": len(result["config"]["seeds"]),
            "ch12_seeds": listed(result["config"]["seeds"]), "ch12_epochs": train["epochs"],
            "ch12_lr": train["lr"], "ch12_wall_min": result["wall_seconds"] / 60,
            "ch12_last": last}


def main_table(summary: dict, paper: dict):
    """The four models, then the MNIST-1D paper's baselines.

    Parameters
    ----------
    summary : dict
        :func:`summarise`'s.
    paper : dict ``{name: accuracy}``
        The paper's baselines.

    Returns
    -------
    table : list of list
        Parameters, accuracy, late slope, seconds per model.
    glued : dict
        The accuracies and parameter counts.
    """
    rows, slope = summary["rows"], summary["slope"]
    table = [[NAMES[v], rows[v]["n_params"], pct(rows[v]["estimate"]), pct(slope[v]),
              f"{rows[v]['seconds']:.0f}"] for v in MAIN_VARIANTS]
    table += [[f"MNIST-1D paper: {name}", "–", f"≈ {100 * a:.0f}", "–: trained longer", "–"]
              for name, a in paper.items()]
    glued = {}
    for v in MAIN_VARIANTS:
        glued[f"ch12_acc_{v}"] = 100 * rows[v]["estimate"].mean
        glued[f"ch12_params_{v}"] = rows[v]["n_params"]
    return table, glued


def _rising(summary, variants):
    return [v for v in variants if summary["slope"][v].low > 0]


def accuracy_words(summary: dict, paper: dict, epochs: int, last: int) -> dict:
    """Which models were still improving, and SHFIN against the baselines (Welch 95 %).

    Parameters
    ----------
    summary : dict
        :func:`summarise`'s.
    paper : dict ``{name: accuracy}``
    epochs, last : int
        The runs' epochs and the late slope's.

    Returns
    -------
    dict
    """
    acc, slope = summary["acc"], summary["slope"]
    rising = _rising(summary, MAIN_VARIANTS)
    glued = {"ch12_still_rising": Sentence(
        (f"{count_words(len(rising), len(MAIN_VARIANTS))} models were still improving "
         f"after {epochs} epochs" if rising else
         f"none of the models was measurably still improving after {epochs} epochs")
        + f": the slope of the test accuracy over the last {last} epochs, in points per "
        "epoch (mean over seeds, 95% interval), was "
        + "; ".join(f"{NAMES[v]} {pct(slope[v])}" for v in MAIN_VARIANTS))}
    glued["ch12_caveat"] = f"after {epochs} epochs, " + (
        "with every model still improving" if len(rising) == len(MAIN_VARIANTS) else
        f"with {listed([NAMES[v] for v in rising], fmt='s', none='no model')} "
        "still improving")
    for other, tag in (("cnn", "cnn"), ("mlp", "mlp"), ("cd_mlp", "cd")):
        glued[f"ch12_shfin_vs_{tag}"] = relation(acc["shfin"], acc[other])
        glued[f"ch12_d_{tag}"] = ci_text(welch_difference_ci(100 * acc["shfin"],
                                                             100 * acc[other]), "+.1f")
    glued["ch12_logistic"] = 100 * paper["logistic"]
    glued["ch12_above_logistic"] = ("above" if summary["rows"]["shfin"]["estimate"].low
                                    > paper["logistic"] else "not above")
    return glued


def ablation_table(summary: dict):
    """The ablations: accuracy, minus SHFIN (Welch 95 %), late slope.

    Parameters
    ----------
    summary : dict
        :func:`summarise`'s.

    Returns
    -------
    table : list of list
    diffs : dict ``{variant: Estimate of variant − SHFIN, points}``
    """
    rows, acc, slope = summary["rows"], summary["acc"], summary["slope"]
    table, diffs = [], {}
    for v in ABLATIONS:
        e = rows[v]["estimate"]
        if v == "shfin":
            table.append([ABL_NAMES[v], rows[v]["n_params"], pct(e), "–: the reference",
                          pct(slope[v])])
            continue
        d = diffs[v] = welch_difference_ci(100 * acc[v], 100 * acc["shfin"])
        table.append([ABL_NAMES[v], rows[v]["n_params"], pct(e), ci_text(d, "+.1f"),
                      pct(slope[v])])
    return table, diffs


def ablation_words(summary: dict, diffs: dict) -> dict:
    """The ablations in words.

    Which did worse, better or the same; the masks, the mixing and the extension against the
    block; which part helped (:func:`~cdnotes.experiments.shfin.parts_text`).

    Parameters
    ----------
    summary : dict
        :func:`summarise`'s.
    diffs : dict
        :func:`ablation_table`'s.

    Returns
    -------
    dict
    """
    rows, acc = summary["rows"], summary["acc"]
    out = {"higher": [], "lower": [], "indistinguishable": []}
    for v in ["shfin_all", "shfin_lowpass", "shfin_identity", "shfin_one_level", "shfin_k2",
              "shfin_k16"]:
        d = diffs[v]
        out["higher" if d.low > 0 else "lower" if d.high < 0 else "indistinguishable"].append(
            ABL_NAMES[v])
    glued = {f"ch12_abl_{key}": Sentence(listed(out[key], none="none", fmt="s"))
             for key in ("lower", "higher", "indistinguishable")}
    glued.update(ch12_mask_vs_all=relation(acc["shfin"], acc["shfin_all"]),
                 ch12_mask_vs_lowpass=relation(acc["shfin"], acc["shfin_lowpass"]),
                 ch12_mix_vs_identity=relation(acc["shfin"], acc["shfin_identity"]),
                 ch12_ffn_vs_shfin=relation(acc["shfin_ffn"], acc["shfin"]),
                 ch12_ffn_vs_mlp=relation(acc["shfin_ffn"], acc["mlp"]),
                 ch12_acc_ffn=100 * rows["shfin_ffn"]["estimate"].mean)
    glued["ch12_masks_10"] = Sentence(compared_text(
        {name: relation(acc[v], acc["shfin"]) for name, v in MASKS.items()},
        "the learned mask"))
    # each part: the full block against the variant without it (for the selection, the
    # simpler replacement the learned mask compares worst with), and that variant's size
    order = ["below", "indistinguishable from", "above"].index
    selection = min(("shfin_all", "shfin_lowpass"),
                    key=lambda v: order(relation(acc["shfin"], acc[v])))
    without = {"the mixing": "shfin_identity", "the second (local) level": "shfin_one_level",
               "the learned selection": selection}
    helps = {part: (relation(acc["shfin"], acc[v]), rows[v]["n_params"])
             for part, v in without.items()}
    glued["ch12_parts"] = Sentence(parts_text(helps, rows["shfin"]["n_params"]))
    glued["ch12_abl_rising"] = count_words(len(_rising(summary, ABLATIONS)), len(ABLATIONS))
    mask_up = [ABL_NAMES[v] for v in _rising(summary, ("shfin", "shfin_all", "shfin_lowpass"))]
    glued["ch12_mask_rising"] = Sentence("measurably still improving at the end: "
                                   + listed(mask_up, fmt="s", none="none of the three"))
    return glued


def mask_words(energy: dict, hist) -> dict:
    """What the learned masks keep, per patch size.

    Parameters
    ----------
    energy : dict
        ``energy[s]`` = (kept_energy_test by power, by frequency, counts per bin,
        energy_ranks) for patches of ``s``.
    hist : list of dict
        :func:`~cdnotes.experiments.shfin.mask_histogram`'s.

    Returns
    -------
    dict
    """
    glued = {}
    for s, (t, lowpass, counts, ranks) in energy.items():
        glued.update({f"ch12_k_{s}": t["k"], f"ch12_n_{s}": t["n"],
                      f"ch12_top_overlap_{s}": 100 * t["top_overlap"],
                      f"ch12_chance_{s}": 100 * t["overlap_chance"],
                      f"ch12_p_top_low_{s}": t["p_top_low"],
                      f"ch12_low_overlap_{s}": 100 * lowpass["top_overlap"],
                      f"ch12_p_low_{s}": min(lowpass["p_top_low"], lowpass["p_top_high"])})
        side = ("the less energetic bins" if t["p_least"] < 0.05 else
                "the more energetic bins" if t["p_most"] < 0.05 else
                "bins neither more nor less energetic on average than random masks")
        avoid = ("avoid the most energetic bins (fewer of them than chance, above) and "
                 if t["p_top_low"] < 0.05 else "")
        always = [f for f, c in enumerate(counts) if c == t["runs"]]
        places = sorted(int(ranks[f]) for f in always)
        if always and places == list(range(t["n"] - len(always), t["n"])):
            which = (f"every run kept {listed(always, 'bin', 'bins')}, the {len(always)} "
                     f"least energetic of the {t['n']}, and ")
        elif always:
            which = (f"every run kept {listed(always, 'bin', 'bins')} (energy places "
                     f"{listed(places)}, 0 the most energetic), and ")
        else:
            which = ""
        glued[f"ch12_reading_{s}"] = Sentence(
            f"in the patches of {s} the masks {avoid}keep {side}: {which}the kept "
            f"bins' mean place in the data's energy ranking is {t['position']:.2f} "
            "(0 the most energetic bin, 1 the least; random masks 0.50, and a "
            "place at least this far towards the least energetic has probability "
            f"{t['p_least']:.2g})")
    most = [h for h in hist if h["patch_size"] == 40][0]
    kept_always = [f for f, c in enumerate(most["counts"]) if c == most["runs"]]
    glued["ch12_always_40"] = Sentence(f"the masks of all {most['runs']} runs kept "
                                 f"{listed(kept_always, 'bin', 'bins')}" if kept_always
                                 else f"no bin was kept by all {most['runs']} runs")
    never = [f for f, c in enumerate(most["counts"]) if c == 0]
    glued["ch12_never_40"] = Sentence(listed(never, "bin", "bins", "no bin"))
    glued["ch12_runs"] = most["runs"]
    return glued
