"""Chapter 12 (SHFIN): the longer runs, the cost, and the verdict against the paper.

From the committed runs (``load_measurement("shfin_mnist1d")``), the 30-epoch runs
(``"shfin_mnist1d_30epochs"``) and the GPU timings (``"shfin_cost_h100"``); a *summary* is
:func:`~cdnotes.report.shfin.summarise`'s. Each function returns table rows and/or the values
the chapter glues (``{name: value}``; a :class:`~cdnotes.report.glued.Sentence` value is a
sentence).

>>> crossover([{"seq_len": 8, "shfin_seconds": 1, "attention_seconds": 2},
...            {"seq_len": 16, "shfin_seconds": 3, "attention_seconds": 2},
...            {"seq_len": 32, "shfin_seconds": 1, "attention_seconds": 4}])
32
"""
from __future__ import annotations

from ..experiments.report import ci_text, listed
from ..experiments.shfin import MAIN_VARIANTS, compared_text, relation
from ..stats import welch_difference_ci
from .glued import Sentence
from .shfin import ABL_NAMES, MASKS, NAMES, pct

__all__ = ["longer_words", "crossover", "cost_words", "verdict_table"]


def _rising(summary, variants):
    return [v for v in variants if summary["slope"][v].low > 0]


def longer_words(longer: dict, result: dict, summary: dict, summary30: dict, last: int):
    """The 30-epoch runs against the 10-epoch ones.

    Parameters
    ----------
    longer, result : dict
        The 30-epoch and the 10-epoch files.
    summary, summary30 : dict
        :func:`~cdnotes.report.shfin.summarise`'s of each.
    last : int
        Epochs of the late slope.

    Returns
    -------
    header : list of str
    rows : list of list
    glued : dict
    """
    e30, names = longer["config"]["train"]["epochs"], {**ABL_NAMES, **NAMES, "shfin": "SHFIN"}
    variants, acc30 = list(summary30["rows"]), summary30["acc"]
    # same seeds as above: how far their first epochs drifted (rounding, grown by training)
    drift = max(abs(a - b) for r in longer["records"] for o in result["records"]
                if (o["variant"], o["seed"]) == (r["variant"], r["seed"])
                for a, b in zip(o["test_accuracy"], r["test_accuracy"]))
    up30 = [names[v] for v in _rising(summary30, variants)]
    glued = {"ch12_drift": 100 * drift, "ch12_epochs30": e30,
             "ch12_seeds30": listed(longer["config"]["seeds"]),
             "ch12_wall30_min": longer["wall_seconds"] / 60,
             "ch12_still30": Sentence("none of the five was measurably still improving"
                                if not up30 else f"{listed(up30, fmt='s')} still improving"),
             "ch12_masks_30": Sentence(compared_text(
                 {name: relation(acc30[v], acc30["shfin"]) for name, v in MASKS.items()},
                 "the learned mask"))}
    for other in ("cnn", "mlp", "shfin_all", "shfin_lowpass"):
        glued[f"ch12_30_vs_{other}"] = relation(acc30["shfin"], acc30[other])
        glued[f"ch12_30_d_{other}"] = ci_text(
            welch_difference_ci(100 * acc30["shfin"], 100 * acc30[other]), "+.1f")
    epochs, seeds = result["config"]["train"]["epochs"], listed(result["config"]["seeds"])
    header = ["model", f"test accuracy %, {epochs} epochs (seeds {seeds})",
              f"{e30} epochs (seeds {listed(longer['config']['seeds'])})",
              f"last {last} of {e30} epochs: points per epoch"]
    rows = [[names[v], pct(summary["rows"][v]["estimate"]), pct(summary30["rows"][v]["estimate"]),
             pct(summary30["slope"][v])] for v in variants]
    return header, rows, glued


def crossover(rows):
    """The first length from which SHFIN is faster for good.

    Parameters
    ----------
    rows : list of dict
        ``seq_len``, ``shfin_seconds``, ``attention_seconds`` per length, ascending.

    Returns
    -------
    int or None
        ``None``: never.
    """
    faster = [r["shfin_seconds"] < r["attention_seconds"] for r in rows]
    for i in range(len(rows)):
        if all(faster[i:]):
            return rows[i]["seq_len"]
    return None


def cost_words(cpu_rows, gpu_rows, cpu_fit: dict, gpu_fit: dict, cpu_from: int,
               gpu_from: int) -> dict:
    """The cost section's slopes, crossovers and verdict.

    Sub-quadratic when SHFIN's FLOP and CPU-time slopes are both below 1.5 and attention's
    both above.

    Parameters
    ----------
    cpu_rows, gpu_rows : list of dict
        The timings per length.
    cpu_fit, gpu_fit : dict
        :func:`~cdnotes.experiments.shfin.cost_fits`'s.
    cpu_from, gpu_from : int
        The shortest lengths fitted.

    Returns
    -------
    dict
    """
    glued = {}
    for tag, fit in (("cpu", cpu_fit), ("gpu", gpu_fit)):
        glued[f"ch12_slope_shfin_{tag}"] = fit["shfin_seconds"]
        glued[f"ch12_slope_att_{tag}"] = fit["attention_seconds"]
    last = gpu_rows[-1]
    # judged where arithmetic dominates: the FLOP count and the CPU times
    sub_quadratic = max(cpu_fit["shfin_seconds"], cpu_fit["shfin_flops"]) < 1.5 < min(
        cpu_fit["attention_seconds"], cpu_fit["attention_flops"])
    glued.update(ch12_slope_shfin_flops=cpu_fit["shfin_flops"],
                 ch12_slope_att_flops=cpu_fit["attention_flops"],
                 ch12_cross_cpu=crossover(cpu_rows), ch12_cross_gpu=crossover(gpu_rows),
                 ch12_gpu_last_L=last["seq_len"],
                 ch12_gpu_last_ratio=last["attention_seconds"] / last["shfin_seconds"],
                 ch12_gpu_shfin_ms_min=1e3 * min(r["shfin_seconds"] for r in gpu_rows),
                 ch12_gpu_shfin_ms_max=1e3 * max(r["shfin_seconds"] for r in gpu_rows),
                 ch12_gpu_from=gpu_from, ch12_cpu_from=cpu_from,
                 ch12_subquad="holds" if sub_quadratic else "does not hold")
    return glued


def verdict_table(summary, summary30, epochs30, n_seeds30, energy, cpu_rows, gpu_rows,
                  cpu_fit, epochs) -> list:
    """The paper's claims, whether each is testable here, and what this page measured.

    Parameters
    ----------
    summary, summary30 : dict
        :func:`~cdnotes.report.shfin.summarise`'s of the 10- and 30-epoch runs.
    epochs30, n_seeds30 : int
    energy : dict
        As in :func:`~cdnotes.report.shfin.mask_words`.
    cpu_rows, gpu_rows : list of dict
    cpu_fit : dict
    epochs : int
        The short runs' epochs.

    Returns
    -------
    list of list of str
    """
    rows, acc, acc30 = summary["rows"], summary["acc"], summary30["acc"]
    rising = _rising(summary, MAIN_VARIANTS)
    caveat = "after {} epochs, {} still improving".format(
        epochs, "every model" if len(rising) == len(MAIN_VARIANTS) else
        listed([NAMES[v] for v in rising], fmt="s", none="no model"))
    t40, t8 = energy[40][0], energy[8][0]
    mask_up = [ABL_NAMES[v] for v in _rising(summary, ("shfin", "shfin_all", "shfin_lowpass"))]
    mask_caveat = "after {} epochs, with {} still improving".format(
        epochs, listed(mask_up, fmt="s", none="none of the three"))
    names30 = {**ABL_NAMES, **NAMES, "shfin": "SHFIN"}
    at30 = "after {} epochs ({} seeds; {} measurably still improving): ".format(
        epochs30, n_seeds30, listed([names30[v] for v in _rising(summary30, summary30["rows"])],
                                    fmt="s", none="none"))
    sub = max(cpu_fit["shfin_seconds"], cpu_fit["shfin_flops"]) < 1.5 < min(
        cpu_fit["attention_seconds"], cpu_fit["attention_flops"])
    levels = relation(acc["shfin"], acc["shfin_one_level"])
    return [
        ["sub-quadratic complexity", "yes: FLOPs, CPU and GPU time against L",
         f"{'holds' if sub else 'does not hold'}: FLOP and CPU-time slopes "
         f"{cpu_fit['shfin_flops']:.2f} and {cpu_fit['shfin_seconds']:.2f} against "
         f"{cpu_fit['attention_flops']:.2f} and {cpu_fit['attention_seconds']:.2f} for "
         f"attention; faster from L = {crossover(cpu_rows)} (CPU), "
         f"{crossover(gpu_rows)} (GPU, where SHFIN's time is flat overhead)"],
        ["accuracy at or above CNN baselines", "at miniature scale only (MNIST-1D, ~7k params)",
         f"SHFIN {100 * rows['shfin']['estimate'].mean:.1f}% is "
         f"{relation(acc['shfin'], acc['cnn'])} the CNN's "
         f"{100 * rows['cnn']['estimate'].mean:.1f}% and "
         f"{relation(acc['shfin'], acc['mlp'])} the dense MLP's "
         f"{100 * rows['mlp']['estimate'].mean:.1f}% (Welch 95% intervals), {caveat}; "
         f"{at30}{relation(acc30['shfin'], acc30['cnn'])} the CNN, "
         f"{relation(acc30['shfin'], acc30['mlp'])} the dense MLP"],
        ["accuracy at or above attention / Transformer baselines", "no",
         "no Transformer was trained here; only the cost of attention was measured"],
        ["the learned top-K mask keeps the informative frequencies",
         "partly: masks read off, ablated",
         f"learned mask {relation(acc['shfin'], acc['shfin_all'])} all frequencies and "
         f"{relation(acc['shfin'], acc['shfin_lowpass'])} a fixed low-pass mask, "
         f"{mask_caveat}; {at30}{relation(acc30['shfin'], acc30['shfin_all'])} all "
         f"frequencies, {relation(acc30['shfin'], acc30['shfin_lowpass'])} low-pass; "
         f"kept bins among the most energetic: {100 * t8['top_overlap']:.0f}% "
         f"(chance {100 * t8['overlap_chance']:.0f}%) in patches of 8, "
         f"{100 * t40['top_overlap']:.0f}% (chance {100 * t40['overlap_chance']:.0f}%) "
         "in the whole sequence"],
        ["the hierarchy (local + global patches) helps", "partly: one-level ablation",
         f"two levels ({rows['shfin']['n_params']:,} parameters) {levels} one global level "
         f"({rows['shfin_one_level']['n_params']:,})" + ("" if levels == "indistinguishable "
         "from" else ": the difference is not separated from the parameter count")],
        ["fewer parameters / FLOPs / latency than the baselines",
         "FLOPs and latency vs attention",
         "parameters were matched by design here, so that part is not tested"],
        ["ImageNet-1k, CIFAR, WMT14 results", "no", "out of reach of this book's CPU budget"],
    ]
