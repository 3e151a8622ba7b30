"""Chapter 7's peers section, from two runs of ``benchmarks/peers.py`` (``cdnotes-peers/2``).

Each function takes the two run documents (:func:`cdnotes.measurements.load_measurement` of
``peers_cpu_run1`` and ``peers_cpu_run2``) and returns a :class:`cdnotes.report.glued.Section`:
the settings (:func:`peer_settings`), the verdict table of one thread count
(:func:`peer_verdicts`) and the roofline fractions (:func:`peer_roofline`). The float64 checks
are :func:`cdnotes.report.performance_gpu.peer_checks` of either run.
"""
from __future__ import annotations

from datetime import datetime

from ..benchmarking.peer_runs import (BLOCK_CIRCULANT, CDLINEAR, roofline_rows,
                                      two_run_verdicts)
from ..words import listed
from .glued import Section, Sentence

__all__ = ["SHORT", "DENSE", "peer_settings", "peer_verdicts", "peer_alternatives",
           "peer_roofline", "short_name", "old_file_note", "unpinned_control"]

#: The frameworks' dense layers (``benchmarks/peers.py``'s names).
DENSE = ("cdnotes Dense", "torch Linear", "jax.jit dense")

#: Column titles of the implementations (the names ``benchmarks/peers.py`` writes).
SHORT = {CDLINEAR: "CDLinear", f"{CDLINEAR} fft": "CD fft", f"{CDLINEAR} rdft": "CD rdft",
         "cdnotes Dense": "Dense", "torch rfft/einsum": "torch", "torch Linear": "torch Linear",
         "peft C3A": "peft C3A", "jax.jit rfft/einsum": "jax", "jax.jit dense": "jax dense"}


def short_name(name: str) -> str:
    """The table's short title of an implementation (the name itself if it has none).

    Parameters
    ----------
    name : str

    Returns
    -------
    str
    """
    return SHORT.get(name, name)


def _pair(a, b, fmt):
    return f"{a:{fmt}}/{b:{fmt}}"


def _implementations(verdicts):
    names = list(verdicts[0]["ratio"])
    return [n for n in names if n != CDLINEAR]


def peer_settings(run1, run2) -> Section:
    """The settings the verdicts rest on: batch, repeats, threads, machine, load, dates.

    Parameters
    ----------
    run1, run2 : dict
        The two ``cdnotes-peers/2`` documents.

    Returns
    -------
    Section
        Values only (``ch7_peers_*``); ``data["threads"]`` lists the thread counts both
        runs measured.
    """
    verdicts = two_run_verdicts(run1, run2)
    loads = [x for v in verdicts for pair in v["load"] if pair for x in pair]
    env = run1["environment"]
    stamps = [datetime.fromisoformat(r["environment"]["created_utc"]) for r in (run1, run2)]
    threads = sorted({v["threads"] for v in verdicts})
    one = [r for run in (run1, run2) for t in run["runs"] if t["threads"] == 1
           for r in t["rows"] if r["implementation"].startswith("jax")]
    values = {
        "ch7_peers_batch": run1["config"]["batch"],
        "ch7_peers_repeats": Sentence(listed(sorted({r["config"]["repeats"]
                                                     for r in (run1, run2)}))),
        "ch7_peers_threads": Sentence(listed(threads)),
        "ch7_peers_cpu": Sentence(str(env.get("cpu_model") or env.get("machine"))),
        "ch7_peers_cores": env["cpu_count"],
        "ch7_peers_load_lo": min(loads) if loads else float("nan"),
        "ch7_peers_load_hi": max(loads) if loads else float("nan"),
        "ch7_peers_dates": Sentence(" and ".join(s.strftime("%Y-%m-%d %H:%M UTC")
                                                 for s in stamps)),
        "ch7_peers_apart_h": abs((stamps[1] - stamps[0]).total_seconds()) / 3600,
        "ch7_peers_jax_one_thread_cores": max((r["cpu_wall_ratio"] for r in one),
                                              default=float("nan"))}
    return Section(values, data={"threads": threads})


def peer_verdicts(run1, run2, threads: int) -> Section:
    """One thread count: per cell CDLinear's times, every peer's ratio in both runs, the winner.

    Parameters
    ----------
    run1, run2 : dict
        The two ``cdnotes-peers/2`` documents.
    threads : int
        Which thread count (both runs must have it).

    Returns
    -------
    Section
        Table: width, B, auto's path, CDLinear ms (run 1 / run 2), the winner among the
        block-circulant layers or "no winner", each block-circulant peer's time over
        CDLinear's (run 1 / run 2; above 1: CDLinear faster), and, if any implementation went
        over its thread budget, which (:func:`peer_alternatives` has the other implementations). Values ``ch7_peers_t{T}_*``: cells, CDLinear's wins, cells without a winner,
        cells where CDLinear is at most 1.0× every block-circulant peer in both runs, the
        peers' wins (a clause: "no peer won a cell" or "jax won at width …, B = …"), the
        largest run-to-run spread of CDLinear's time (%) and of any ratio.
    """
    verdicts = [v for v in two_run_verdicts(run1, run2) if v["threads"] == threads]
    if not verdicts:
        raise ValueError(f"the two peers runs share no cell on {threads} thread(s)")
    names = _implementations(verdicts)
    peers = [n for n in BLOCK_CIRCULANT if n in names]
    flagged = any(v["exceeded"] for v in verdicts)
    rows = []
    for v in verdicts:
        auto = v["auto_method"]
        rows.append([v["width"], v["block_size"], auto[0] if auto[0] == auto[1] else
                     _pair(*auto, "s"), _pair(*(1e3 * s for s in v["best_s"][CDLINEAR]), ".2f"),
                     "no winner" if v["winner"] is None else short_name(v["winner"]),
                     *(_pair(*v["ratio"][n], ".2f") for n in peers)]
                    + ([", ".join(short_name(n) for n in v["exceeded"]) or "–"] if flagged
                       else []))
    p = f"ch7_peers_t{threads}_"
    peer_wins = [f"{short_name(v['winner'])} won at width {v['width']}, B = {v['block_size']}"
                 for v in verdicts if v["winner"] not in (None, CDLINEAR)]
    exceeded = [f"width {v['width']}, B = {v['block_size']}" for v in verdicts if v["exceeded"]]
    values = {
        f"{p}cells": len(verdicts),
        f"{p}cd_wins": sum(v["winner"] == CDLINEAR for v in verdicts),
        f"{p}no_winner": sum(v["winner"] is None for v in verdicts),
        f"{p}leads": sum(v["cdlinear_leads"] for v in verdicts),
        f"{p}peer_wins": Sentence(listed(peer_wins, fmt="s", none="no peer won a cell")),
        f"{p}cd_spread": 100 * max(v["spread"][CDLINEAR] for v in verdicts),
        f"{p}ratio_spread": 100 * max(v["spread"][n] for v in verdicts for n in names
                                      if n in v["spread"]),
        f"{p}exceeded": Sentence(listed(exceeded, fmt="s", none="none")),
    }
    header = ["width", "B", "auto's path", "CDLinear ms (run 1/2)", "winner",
              *(short_name(n) for n in peers)] + (["over thread budget"] if flagged else [])
    return Section(values, header, rows, data={"verdicts": verdicts})


def peer_alternatives(run1, run2, threads: int) -> Section:
    """One thread count: CDLinear's explicit paths and the dense layers, as time ratios.

    The verdict table (:func:`peer_verdicts`) holds the block-circulant layers; this one the
    implementations that are shown but are not candidates: CDLinear forced onto each of its
    paths, and each framework's dense layer.

    Parameters
    ----------
    run1, run2 : dict
        The two ``cdnotes-peers/2`` documents.
    threads : int

    Returns
    -------
    Section
        Table: width, B, each implementation's time over CDLinear's (run 1 / run 2). Values
        ``ch7_peers_t{T}_dense_lo`` / ``_hi``: the smallest and largest ratio of any dense
        layer.
    """
    verdicts = [v for v in two_run_verdicts(run1, run2) if v["threads"] == threads]
    if not verdicts:
        raise ValueError(f"the two peers runs share no cell on {threads} thread(s)")
    others = [n for n in _implementations(verdicts) if n not in BLOCK_CIRCULANT]
    rows = [[v["width"], v["block_size"], *(_pair(*v["ratio"][n], ".2f") for n in others)]
            for v in verdicts]
    dense = [x for v in verdicts for n in others if n in DENSE for x in v["ratio"][n]]
    p = f"ch7_peers_t{threads}_"
    values = {f"{p}dense_lo": min(dense), f"{p}dense_hi": max(dense)} if dense else {}
    return Section(values, ["width", "B", *(short_name(n) for n in others)], rows)


def peer_roofline(run1, run2, threads: int) -> Section:
    """One thread count: each cell's limit and every implementation's fraction of it.

    The limit of a cell is :func:`cdnotes.benchmarking.roofline.cell_limit` at the run's own
    measured peaks (the smaller of the FFT and rdft algorithms' bounds); a fraction is limit /
    best time (1: at the limit).

    Parameters
    ----------
    run1, run2 : dict
        The two ``cdnotes-peers/2`` documents.
    threads : int

    Returns
    -------
    Section
        Table: width, B, limit ms (run 1 / 2), which algorithm and term set it, then each
        implementation's fraction (run 1 / run 2). Values ``ch7_peers_t{T}_roof_*``: the
        lowest and highest fraction of CDLinear and of the best block-circulant peer, the
        peaks of run 1 (GEMM and rfft GFLOP/s, copy GB/s), run 2's GEMM and rfft peaks
        (``gemm_run2``, ``fft_run2``), ``above_one``: a sentence naming every fraction
        above 1; ``ch7_peers_peak_*``: the sizes
        the peaks were measured at (``gemm_n``, ``fft_count``, ``fft_length``, ``copy_mb``;
        with ``threads=1`` only, so that the page glues each once).
    """
    both = [{(r["width"], r["block_size"]): r for r in roofline_rows(run)
             if r["threads"] == threads} for run in (run1, run2)]
    cells = sorted(set(both[0]) & set(both[1]))
    if not cells:
        raise ValueError(f"the two peers runs share no cell on {threads} thread(s)")
    first = both[0][cells[0]]["fraction"]
    names = [n for n in first if n in both[1][cells[0]]["fraction"]]
    rows, cd, peer, above = [], [], [], []
    for c in cells:
        a, b = both[0][c], both[1][c]
        above += [f"{short_name(n)} at width {c[0]}, B = {c[1]} in run {k + 1} "
                  f"({r['fraction'][n]:.2f})" for k, r in enumerate((a, b)) for n in names
                  if r["fraction"][n] > 1]
        lim = a["limit"]
        rows.append([c[0], c[1], _pair(1e3 * lim["seconds"], 1e3 * b["limit"]["seconds"], ".2f"),
                     f"{lim['algorithm']}: {lim['dominant']}",
                     *(_pair(a["fraction"][n], b["fraction"][n], ".2f") for n in names)])
        cd += [a["fraction"][CDLINEAR], b["fraction"][CDLINEAR]]
        peer += [max(r["fraction"][n] for n in BLOCK_CIRCULANT[1:] if n in r["fraction"])
                 for r in (a, b)]
    peaks = run1["machine_peaks"][str(threads)]
    p = f"ch7_peers_t{threads}_roof_"
    values = {f"{p}cd_lo": min(cd), f"{p}cd_hi": max(cd),
              f"{p}peer_lo": min(peer), f"{p}peer_hi": max(peer),
              f"{p}gemm": peaks["gemm_gflops"], f"{p}fft": peaks["fft_gflops"],
              f"{p}copy": peaks["copy_gbytes_per_s"]}
    second = run2["machine_peaks"][str(threads)]
    values[f"{p}fft_run2"] = second["fft_gflops"]
    values[f"{p}gemm_run2"] = second["gemm_gflops"]
    n_above = len(above)
    values[f"{p}above_one"] = Sentence(
        "no fraction was above 1" if not n_above else
        f"{n_above} fraction{'s' if n_above > 1 else ''} above 1 ({listed(above, fmt='s')}): "
        "a step faster than its run's own measured peaks allow, which are measurements too")
    sizes = peaks.get("sizes")        # the same for every thread count: glued once
    if threads == 1 and sizes:
        for k in ("gemm_n", "fft_count", "fft_length", "copy_mb"):
            values[f"ch7_peers_peak_{k}"] = sizes[k]
    header = ["width", "B", "limit ms (run 1/2)", "bound: dominant term",
              *(short_name(n) for n in names)]
    return Section(values, header, rows)


def old_file_note(old) -> Section:
    """What the one-run file of issue 11 (``peers_cpu``) recorded of its jax threads.

    The file is not shown in the tables: its jax was not pinned to one core.

    Parameters
    ----------
    old : dict
        The ``peers_cpu`` document.

    Returns
    -------
    Section
        Values ``ch7_peers_old_date``, ``ch7_peers_old_flags`` (its ``XLA_FLAGS``) and
        ``ch7_peers_old_jax`` (what it recorded as jax's threads).
    """
    env = old["environment"]
    return Section({"ch7_peers_old_date": env["created_utc"][:10],
                    "ch7_peers_old_flags": env.get("XLA_FLAGS") or "none",
                    "ch7_peers_old_jax": env.get("jax_threads") or "not recorded"})


def unpinned_control(run1, run2) -> Section:
    """What the unpinned one-thread control run of each file measured of jax.

    ``benchmarks/peers.py`` ends with a child that sets every one-thread flag but keeps all
    CPUs (its ``control``); here its jax row is put beside the pinned one-thread run's row of
    the same cell, if that run has it.

    Parameters
    ----------
    run1, run2 : dict
        The two ``cdnotes-peers/2`` documents.

    Returns
    -------
    Section
        ``ch7_peers_control`` (a clause per run: jax's processor / wall time unpinned and
        pinned, its unpinned time over its pinned time, the load) and
        ``ch7_peers_control_cores`` (the largest unpinned processor / wall time; NaN if no
        run has a control).
    """
    parts, cores = [], []
    for i, run in enumerate((run1, run2), 1):
        ctl = run.get("control")
        jx = next((r for r in (ctl or {}).get("rows", ())
                   if r["implementation"] == "jax.jit rfft/einsum"), None)
        if jx is None:
            parts.append(f"run {i} has no unpinned control of jax")
            continue
        cell = (jx["width"], jx["block_size"])
        pinned = next((r for t in run["runs"] if t["threads"] == 1 for r in t["rows"]
                       if r["implementation"] == jx["implementation"]
                       and (r["width"], r["block_size"]) == cell), None)
        cores.append(jx["cpu_wall_ratio"])
        text = (f"in run {i} (width {cell[0]}, B = {cell[1]}) jax used "
                f"{jx['cpu_wall_ratio']:.2f} cores' worth of processor time")
        if pinned is not None:
            text += (f" (pinned: {pinned['cpu_wall_ratio']:.2f}) and took "
                     f"{jx['best_s'] / pinned['best_s']:.2f}× its pinned time")
        load = next((c.get("load_before") for c in ctl.get("cells", ())), None)
        if load:
            text += f", at a load of {load[0]:.2f}"
        parts.append(text)
    return Section({"ch7_peers_control": Sentence("; ".join(parts)),
                    "ch7_peers_control_cores": max(cores) if cores else float("nan")})
