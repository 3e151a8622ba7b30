"""Chapter 10 (CD among structured matrices): time per epoch and speed at larger widths.

From the committed grid (``load_measurement("structured_digits_mnist1d")``) and the speed
benchmark (``load_measurement("structured_speed_cpu")``); each function returns table rows
and/or the values the chapter glues (``{name: value}``; a
:class:`~cdnotes.report.glued.Sentence` value is a sentence).
"""
from __future__ import annotations

from ..experiments.report import listed
from ..experiments.structured import epoch_ratio_by_seed, ratio_sides_text
from .glued import Sentence
from .structured import DATASETS, name, side

__all__ = ["epoch_ratios", "epoch_time_words", "speed_table"]

_TRANSFORMS = ("toeplitz", "fourier_mixing", "acdc")


def epoch_ratios(records, rows) -> dict:
    """Each model's epoch time over dense's, paired by seed.

    Parameters
    ----------
    records : list of dict
    rows : list of dict
        :func:`~cdnotes.experiments.structured.summarize_structured`'s.

    Returns
    -------
    dict ``{(dataset, model): epoch_ratio_by_seed}`` for every model but dense
    """
    return {(key, r["model"]): epoch_ratio_by_seed(records, key, r["model"])
            for key in DATASETS for r in rows
            if r["dataset"] == key and r["model"] != "dense"}


def _ratio_words(q):
    return f"{q['geometric_mean']:.1f}× [{q['low']:.1f}, {q['high']:.1f}]"


def epoch_time_words(records, rows, ratios: dict) -> dict:
    """The time-per-epoch section's sentences.

    Which models were faster / slower per epoch than dense (intervals of the paired ratios),
    CD's ratios, dense's spread, and the fast-transform layers' sentence.

    Parameters
    ----------
    records : list of dict
    rows : list of dict
    ratios : dict
        :func:`epoch_ratios`'s.

    Returns
    -------
    dict
    """
    glued = {}
    for key in DATASETS:
        mine = {m: q for (k, m), q in ratios.items() if k == key}
        for word in ("faster", "slower"):
            names = [name(m) for m, q in mine.items() if side(q) == word]
            glued[f"ch10_{key}_{word}"] = Sentence(listed(names, fmt="s", none="no model"))
        for m, tag in (("cd B4", "cd4"), ("cd B8", "cd8")):
            q = mine[m]
            glued[f"ch10_{key}_{tag}_time"] = q["geometric_mean"]
            glued[f"ch10_{key}_{tag}_time_ci"] = Sentence(
                f"95% interval [{q['low']:.2f}, {q['high']:.2f}]; seeds "
                f"{q['lo']:.2f}–{q['hi']:.2f}")
        dense_ms = [1e3 * r["epoch_seconds"] for r in records
                    if r["dataset"] == key and r["model"] == "dense"]
        glued[f"ch10_{key}_dense_ms_lo"] = min(dense_ms)
        glued[f"ch10_{key}_dense_ms_hi"] = max(dense_ms)
    cd_sides = [side(ratios[k, m]) for k in DATASETS for m in ("cd B4", "cd B8")]
    glued["ch10_cd_time_verdict"] = Sentence(ratio_sides_text(cd_sides))
    transform = [r["model"] for r in rows
                 if r["dataset"] == "digits" and r["structure"] in _TRANSFORMS]
    slower = [m for m in transform if all(side(ratios[k, m]) == "slower" for k in DATASETS)]
    other = [m for m in transform if m not in slower]

    def times_text(models):
        return listed([f"{name(m)} ({_ratio_words(ratios['digits', m])} and "
                       f"{_ratio_words(ratios['mnist1d', m])})" for m in models], fmt="s")

    glued["ch10_transform_time"] = Sentence(
        (f"{times_text(slower)} took longer per epoch than the dense network on "
         "both data sets (digits and MNIST-1D: geometric mean of the ratio over "
         "seeds [95% interval])"
         if slower else "none took longer than the dense network on both data sets")
        + (f"; for {times_text(other)} the intervals do not say so on both" if other else ""))
    return glued


def speed_table(speed: dict, goal_text):
    """The speed benchmark's table and sentences.

    Parameters
    ----------
    speed : dict
        The committed speed file.
    goal_text : callable
        :func:`cdnotes.benchmarking.goal_text`.

    Returns
    -------
    header : list of str
    rows : list of list
        Per layer its speed-ups over dense per width (``?`` where the sweeps disagreed), the
        first faster width and the goal; dense's milliseconds first.
    glued : dict
    """
    sc, senv = speed["config"], speed["environment"]
    widths, labels, cross = sc["widths"], speed["parameters"], speed["crossings"]
    mark = {"faster": "", "slower": "", "unsettled": "?"}
    rows = []
    for key, c in cross.items():
        goal = speed["goal"]["meets"].get(key)
        rows.append([labels[key], *(f"{s:.2f}{mark[v]}" for s, v in zip(c["speedups"],
                                                                        c["verdicts"])),
                     "–" if c["faster_from"] is None else c["faster_from"],
                     "–" if goal is None else ("yes" if goal else "no")])
    dense_ms = {r["width"]: 1e3 * r["seconds"] for r in speed["rows"]
                if r["structure"] == "dense"}
    rows.insert(0, ["Dense (ms)", *(f"{dense_ms[n]:.3g}" if dense_ms[n] < 1000
                                    else f"{dense_ms[n]:,.0f}" for n in widths), "", ""])
    first = widths[0]
    unsettled = [f"{labels[k]} ({' and '.join(f'{x:.2f}' for x in r['speedup_by_sweep'])})"
                 for k, c in cross.items() if first in c["unsettled_at"]
                 for r in speed["rows"] if r["structure"] == k and r["width"] == first]
    groups = {}
    for key, c in cross.items():
        groups.setdefault(c["faster_from"], []).append(labels[key])
    phrases = []
    for start, names in sorted(groups.items(), key=lambda g: (g[0] is None, g[0] or 0)):
        where = ("never faster" if start is None else "faster at every width measured"
                 if start == first else f"faster from n = {start} on")
        phrases.append(f"{listed(names, fmt='s')} {where}")
    near = [f"{labels[k]} {c['speedups'][0]:.2f}×" for k, c in cross.items()
            if abs(c["speedups"][0] - 1) < 0.1]
    glued = {
        "ch10_speed_date": senv["created_utc"][:10], "ch10_speed_threads": sc["threads"],
        "ch10_speed_batch": sc["batch"], "ch10_speed_sweeps": sc["sweeps"],
        "ch10_speed_goal_width": sc["width"],
        "ch10_speed_goal": Sentence(goal_text(speed["goal"]["meets"], labels, cross)),
        "ch10_speed_first": first,
        "ch10_speed_unsettled": Sentence(
            f"the sweeps disagreed for {listed(unsettled, fmt='s')}, so "
            + ("that verdict was" if len(unsettled) == 1 else "those verdicts were")
            + " fragile" if unsettled else "the sweeps agreed on every verdict there"),
        "ch10_speed_crossing": Sentence("; ".join(phrases)),
        "ch10_speed_near": Sentence(listed(near, fmt="s", none="none within 10% of 1")),
        "ch10_speed_sparse_best": max(cross["sparse_fixed"]["speedups"]),
        "ch10_speed_device": Sentence(senv["device"])}
    header = ["layer", *(f"n = {n}" for n in widths), "faster from n =",
              f"≥ 2× at {sc['width']}"]
    return header, rows, glued
