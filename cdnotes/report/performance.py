"""Chapter 7 (performance), measured in the build: the words and tables of its CPU sections.

The timings come from :mod:`cdnotes.benchmarking` (``speed_sweep``'s rows,
``auto_rule_check``'s rows, ``digits_epoch_seconds``'s results); each function returns a
:class:`cdnotes.report.glued.Section`. The committed GPU and peer measurements are read by
:mod:`cdnotes.report.performance_gpu`, the figures drawn by :mod:`cdnotes.report.performance_plots`.
"""
from __future__ import annotations

from math import ceil

import numpy as np

from ..benchmarking import describe_fft_wins, fft_wins, path_times
from .glued import Section, Sentence

__all__ = ["flop_ratio", "cpu_sweep", "flop_rates", "memory_table", "rule_table",
           "digits_epochs", "MODEL_NAME"]

MODEL_NAME = {"dense": "Dense MLP", "cd4": "CD-MLP B=4", "cd8": "CD-MLP B=8"}


def flop_ratio(n, B) -> float:
    """The flop model's dense / FFT-path ratio for a width-``n`` layer of block size ``B``.

    Dense: ``2n²`` per sample; FFT path: ``4n²/B`` for the products plus three real FFTs of
    ``2.5·n·log2 B`` (``B = 1`` counted as 2).

    Parameters
    ----------
    n : int
        width
    B : int
        block size

    Returns
    -------
    float
    """
    return 2 * n * n / (4 * n * n / B + 3 * 2.5 * n * np.log2(max(B, 2)))


def cpu_sweep(rows, widths, blocks) -> Section:
    """Where the FFT path won, its best speed-up, the two sweeps' spread, the materialised path.

    Parameters
    ----------
    rows : list of dict
        :func:`cdnotes.benchmarking.speed_sweep`'s rows (``width``, ``block_size``,
        ``fft_speedup``, ``fft_speedup_by_sweep``, ``dense_s``, optionally ``materialised_s``).
    widths, blocks : lists of int
        The swept widths and block sizes, ascending.

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    wins = {n: fft_wins(rows, n) for n in widths}
    spread = {(x["width"], x["block_size"]):
              max(x["fft_speedup_by_sweep"]) / min(x["fft_speedup_by_sweep"]) - 1
              for x in rows}
    worst = max(spread, key=spread.get)
    best = max(rows, key=lambda x: x["fft_speedup"])
    mat = [x["materialised_s"] / x["dense_s"] for x in rows if "materialised_s" in x]
    values = {
        "ch7_largest": widths[-1],
        "ch7_wins_largest": Sentence(describe_fft_wins(wins[widths[-1]])),
        "ch7_wins_smallest": Sentence(describe_fft_wins(wins[widths[0]])),
        "ch7_best_speedup": best["fft_speedup"],
        "ch7_best_width": best["width"],
        "ch7_best_b": best["block_size"],
        "ch7_spread_median": 100 * float(np.median(list(spread.values()))),
        "ch7_spread_max": 100 * spread[worst],
        "ch7_spread_where": f"width {worst[0]}, B = {worst[1]}",
        "ch7_mat_lo": min(mat),
        "ch7_mat_hi": max(mat)}
    at_largest_b = {n: next(x["fft_speedup"] for x in rows
                            if x["width"] == n and x["block_size"] == blocks[-1])
                    for n in widths}
    max_spread = {n: max(v for k, v in spread.items() if k[0] == n) for n in widths}
    header = ["width", "the FFT path was faster than dense", f"speed-up at B = {blocks[-1]}",
              "the two sweeps' speed-ups differ by up to"]
    table = [[n, describe_fft_wins(wins[n]), f"{at_largest_b[n]:.2f}",
              f"{100 * max_spread[n]:.0f}%"] for n in widths]
    return Section(values, header, table)


def flop_rates(rows, width, batch=256) -> Section:
    """The measured speed-up against the flop model, and both sides' GFLOP/s, at ``width``.

    ``data["dense_rate"]`` is the dense layer's GFLOP/s (forward + backward: three products).

    Parameters
    ----------
    rows : list of dict
        speed-sweep rows
    width : int
    batch : int, default 256

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    at = [x for x in rows if x["width"] == width]
    efficiency = np.median([x["fft_speedup"] / flop_ratio(x["width"], x["block_size"])
                            for x in at])
    dense_rate = 3 * 2 * batch * width * width / at[0]["dense_s"] / 1e9
    fft_rates = [3 * 2 * batch * width * width / flop_ratio(width, x["block_size"])
                 / x["fft_s"] / 1e9 for x in at]
    return Section({"ch7_efficiency": efficiency, "ch7_dense_gflops": dense_rate,
                    "ch7_fft_gflops_min": min(fft_rates), "ch7_fft_gflops_max": max(fft_rates)},
                   data={"dense_rate": dense_rate})


def memory_table(rows, width, batch=256) -> Section:
    """Peak memory of one training step at ``width``: dense, FFT path and materialised, MB.

    Parameters
    ----------
    rows : list of dict
        speed-sweep rows with the peak bytes
    width : int
    batch : int, default 256

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    def mb(x):
        return f"{x / 2**20:.1f}"

    at = [x for x in rows if x["width"] == width]
    table = [[x["block_size"], mb(x["dense_peak_bytes"]), mb(x["fft_peak_bytes"]),
              mb(x["materialised_peak_bytes"]) if "materialised_peak_bytes" in x else "–"]
             for x in at]
    r64 = next(x for x in at if x["block_size"] == 64)
    values = {"ch7_mem_ratio": r64["dense_peak_bytes"] / r64["fft_peak_bytes"],
              "ch7_act_mb_cpu": batch * width * 4 / 2**20,
              "ch7_w_mb_cpu": width * width * 4 / 2**20}
    header = [f"B (width {width})", "dense MB", "FFT path MB", "materialised MB"]
    return Section(values, header, table)


PATH_NAME = {"dense": "materialised", "fft": "FFT", "rdft": "real DFT"}


def _blocks_by_path(rs, key):
    """``"materialised at B = 2, 4; real DFT at 8, 16; FFT at 32"``: each path's block sizes."""
    parts = []
    for path in ("dense", "rdft", "fft"):
        bs = [str(r["block_size"]) for r in rs if r[key] == path]
        if bs:
            parts.append(f"{PATH_NAME[path]} at {', '.join(bs)}")
    return "; ".join(parts)


def rule_table(checked, here_rows, here, defaults, widths) -> Section:
    """How well ``method="auto"`` chose, with the default and with this machine's constants.

    Parameters
    ----------
    checked : list of dict
        :func:`cdnotes.benchmarking.auto_rule_check`'s rows under the default constants.
    here_rows : list of dict
        The same rows re-chosen with this machine's constants
        (:func:`cdnotes.benchmarking.rechoose`).
    here, defaults : PathCosts
        The measured and the default constants.
    widths : list of int

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    judged = {"default": checked, "here": here_rows}
    table = [[n, _blocks_by_path([r for r in checked if r["n_in"] == n], "faster")]
             + [_blocks_by_path([r for r in judged[k] if r["n_in"] == n], "auto") for k in judged]
             for n in widths]
    values = {}
    for k, rs in judged.items():
        regret = np.array([r["regret"] for r in rs])
        values[f"ch7_rule_right_{k}"] = int(np.sum(regret == 1))
        values[f"ch7_rule_worst_{k}"] = float(regret.max())
    # total time of the chosen paths over that of the fastest paths, over all layers
    chosen = {k: sum(r["regret"] * min(path_times(r).values()) for r in rs)
              / sum(min(path_times(r).values()) for r in rs)
              for k, rs in judged.items()}
    values["ch7_rule_extra_default"] = 100 * (chosen["default"] - 1)
    values["ch7_rule_extra_here"] = 100 * (chosen["here"] - 1)
    diff = chosen["here"] - chosen["default"]
    values["ch7_rule_verdict"] = ("better than" if diff < 0 else
                                  "exactly as well as" if diff == 0 else "worse than")
    values["ch7_rule_lead"] = Sentence(
        "Even so, do not count on calibration to help on a machine like this one."
        if diff < 0 else "Do not expect calibration to do better on a machine like this one.")
    disagree = sum(a["auto"] != b["auto"] for a, b in zip(checked, here_rows))
    values["ch7_rule_disagree"] = Sentence(
        "made the same choice for every layer" if disagree == 0 else
        f"chose differently for {disagree} of the {len(checked)} layers")
    values["ch7_rule_total"] = len(checked)
    factors = [getattr(here, f) / getattr(defaults, f) for f in defaults.as_dict()]
    values["ch7_costs_lo"] = min(factors)
    values["ch7_costs_hi"] = max(factors)
    header = ["width", "fastest path, by B (measured)", "auto's choice (default constants)",
              "auto's choice (this machine's constants)"]
    return Section(values, header, table)


def _epoch_cells(res, m):
    q25, q75 = res["quartiles"][m]
    by = [r[m] for r in res["ratio_by_repeat"]]
    return [f"{1e3 * res['median'][m]:.2f} ({1e3 * q25:.2f}–{1e3 * q75:.2f})",
            f"{res['ratio'][m]:.2f} ({min(by):.2f}–{max(by):.2f})"]


def digits_epochs(timed, used_paths, n_layers) -> Section:
    """The digits models' epoch times: ratios to dense with intervals, clocks, threads.

    Parameters
    ----------
    timed : dict
        ``{"auto": ..., "fft": ...}``: two results of
        :func:`cdnotes.benchmarking.digits_epoch_seconds` (``method="auto"`` and ``"fft"``).
    used_paths : set of str
        The ``method`` of the digits models' CD layers as built (``"dense"``, ``"fft"``).
    n_layers : int
        The number of those CD layers.

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    a, f = timed["auto"], timed["fft"]
    values = {"ch7_digits_layers": n_layers,
              "ch7_digits_auto_path": " and ".join(PATH_NAME[p] for p in sorted(used_paths))}
    detail = a["cpu"]["ratio_detail"]           # cdnotes.benchmarking.epoch_time_ratio
    for m in ("cd4", "cd8"):       # geometric means over the repeats, with their intervals
        values[f"ch7_digits_{m}"] = detail[m]["geometric_mean"]
        values[f"ch7_digits_{m}_lo"] = min(r[m] for r in a["cpu"]["ratio_by_repeat"])
        values[f"ch7_digits_{m}_hi"] = max(r[m] for r in a["cpu"]["ratio_by_repeat"])
        values[f"ch7_digits_{m}_fft"] = f["cpu"]["ratio_detail"][m]["geometric_mean"]
        values[f"ch7_digits_{m}_low"] = detail[m]["low"]
        values[f"ch7_digits_{m}_high"] = detail[m]["high"]
    sides = {"slower" if detail[m]["low"] > 1 else "faster" if detail[m]["high"] < 1
             else "unsettled" for m in ("cd4", "cd8")}
    values["ch7_digits_verdict"] = Sentence(
        "both intervals lie above 1: in this build a CD epoch was slower than a "
        "dense one" if sides == {"slower"} else
        "both intervals lie below 1: in this build a CD epoch was faster than a "
        "dense one" if sides == {"faster"} else
        "the intervals do not both exclude 1: this build does not settle whether a "
        "CD epoch is slower than a dense one")
    med = {c: a[c]["median"]["dense"] for c in ("cpu", "wall", "thread")}
    values["ch7_digits_dense_ms"] = 1e3 * med["cpu"]
    values["ch7_digits_step_us"] = 1e6 * med["cpu"] / ceil(a["n_train"] / a["batch_size"])
    values["ch7_digits_n_train"] = a["n_train"]
    values["ch7_digits_wall_ms"] = 1e3 * med["wall"]
    values["ch7_digits_thread_ms"] = 1e3 * med["thread"]
    values["ch7_digits_wall_over_thread"] = med["wall"] / med["thread"]
    # share of the process's processor time spent in the thread that trained, all epochs
    total = {c: sum(sum(t) for res in timed.values() for t in res[c]["seconds"].values())
             for c in ("cpu", "thread", "wall")}
    values["ch7_digits_thread_share"] = 100 * total["thread"] / total["cpu"]
    values["ch7_digits_wall_over_thread_all"] = total["wall"] / total["thread"]
    values["ch7_digits_one_thread"] = Sentence(
        "the epochs ran on one thread" if total["thread"] >= 0.95 * total["cpu"]
        else "other threads did a noticeable part of the work")
    wall = {m: a["wall"]["ratio_detail"][m]["geometric_mean"] for m in ("cd4", "cd8")}
    values["ch7_digits_wall_cd4"] = wall["cd4"]
    values["ch7_digits_wall_cd8"] = wall["cd8"]
    # wall-clock ratios of the same interleaved epochs, against the processor-time intervals
    inside = all(detail[m]["low"] <= wall[m] <= detail[m]["high"] for m in ("cd4", "cd8"))
    values["ch7_digits_turns"] = Sentence(
        "fall inside the processor-time intervals, although the wall clock also "
        "counted the waits: timed in turns, a ratio is kept from the load more by "
        "the turns than by the clock" if inside else
        "fall outside the processor-time intervals: in this build the clock "
        "mattered as well as the turns")
    header = ["model", "CD path", "processor ms per epoch: median (quartiles)",
              "ratio to dense: median over repeats (range)",
              "wall-clock ms: median (quartiles)", "wall-clock ratio (range)"]
    table = [[MODEL_NAME[m], "–" if m == "dense" else ("auto" if k == "auto" else "FFT forced")]
             + _epoch_cells(timed[k]["cpu"], m) + _epoch_cells(timed[k]["wall"], m)
             for k, m in [("auto", "dense"), ("auto", "cd4"), ("auto", "cd8"),
                          ("fft", "cd4"), ("fft", "cd8")]]
    return Section(values, header, table)
