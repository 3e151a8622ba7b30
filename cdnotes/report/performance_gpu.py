"""Chapter 7 (performance), committed measurements: the GPU files, chapter 10's grid, the peers.

Each function reads a document of :func:`cdnotes.measurements.load_measurement`
(``gpu_vs_cpu_h100``, ``cdlinear_speed_cupy_h100``, ``structured_digits_mnist1d``,
``peers_cpu``) and returns a :class:`cdnotes.report.glued.Section`.
"""
from __future__ import annotations

from datetime import datetime

from ..benchmarking import describe_fft_wins, fft_wins
from ..experiments.report import listed
from ..experiments.structured import epoch_ratio_by_seed
from .glued import Section, Sentence

__all__ = ["environment_line", "peers_line", "gpu_vs_cpu", "gpu_sweep", "gpu_runs", "grid_epochs",
           "peer_checks", "WHAT"]

WHAT = {"output": "output", "weight_grad": "weight gradient", "input_grad": "input gradient"}


def environment_line(gpu) -> str:
    """The GPU file's device, date, versions and host cores, as the page prints them.

    Parameters
    ----------
    gpu : dict
        the ``gpu_vs_cpu_h100`` document

    Returns
    -------
    str
    """
    env = gpu["environment"]
    return (f"device: {env['device']}; measured {env['created_utc']}; "
            f"CuPy {env['versions'].get('cupy-cuda13x')}, NumPy {env['versions']['numpy']}; "
            f"the host CPU had {env['cpu_count']} cores")


def peers_line(peers) -> str:
    """The peers file's date, versions and threads, as the page prints them.

    Parameters
    ----------
    peers : dict
        the ``peers_cpu`` document

    Returns
    -------
    str
    """
    penv, pcfg = peers["environment"], peers["config"]
    return (f"measured {penv['created_utc']}; "
            + ", ".join(f"{k} {v}" for k, v in penv["peer_versions"].items())
            + f"; numpy {penv['versions']['numpy']}, python {penv['python']}; "
            f"{penv['cpu_count']} cores, {pcfg['threads']} thread (jax: {penv['jax_threads']})")


def gpu_vs_cpu(gpu, dense_rate) -> Section:
    """NumPy on the host against CuPy on the GPU, and the host's dense GFLOP/s.

    Parameters
    ----------
    gpu : dict
        The ``gpu_vs_cpu_h100`` document.
    dense_rate : float
        This build's one-thread dense GFLOP/s (:func:`cdnotes.report.performance.flop_rates`).

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    env = gpu["environment"]
    rows = [[r["width"], "dense" if r["block_size"] is None else f"CD B={r['block_size']}",
             f"{1e3 * r['numpy_s']:.1f}", f"{1e3 * r['cupy_s']:.2f}", f"{r['ratio']:.0f}"]
            for r in gpu["rows"]]
    cd = next(r for r in gpu["rows"] if r["width"] == 4096 and r["block_size"] == 64)
    host = next(r for r in gpu["rows"] if r["width"] == 4096 and r["block_size"] is None)
    host_gflops = 3 * 2 * gpu["config"]["batch"] * 4096**2 / host["numpy_s"] / 1e9
    values = {"ch7_gpu_ratio": cd["ratio"], "ch7_gpu_ms": 1e3 * cd["cupy_s"],
              "ch7_gpu_repeats": gpu["config"]["repeats"], "ch7_gpu_cores": env["cpu_count"],
              "ch7_gpu_host_gflops": host_gflops,
              "ch7_gpu_host_vs_here": host_gflops / dense_rate,
              # float32 flops per cycle of one core with two AVX-512 FMA units: 2 × 16 × 2
              "ch7_gpu_host_ghz": host_gflops / 64}
    return Section(values, ["width", "layer", "NumPy ms", "CuPy ms", "NumPy / CuPy"], rows)


def gpu_sweep(sweep) -> Section:
    """Where the FFT path wins on the GPU, and one step's memory, FFT path / dense layer.

    Parameters
    ----------
    sweep : dict
        the ``cdlinear_speed_cupy_h100`` document

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    widths = sorted({r["width"] for r in sweep["rows"]})
    blocks = sorted({r["block_size"] for r in sweep["rows"]})
    wins = {n: fft_wins(sweep["rows"], n) for n in widths}
    values = {"ch7_gpu_small": widths[0],
              "ch7_gpu_small_wins": Sentence(describe_fft_wins(wins[widths[0]])),
              "ch7_gpu_large": widths[-1],
              "ch7_gpu_large_best": wins[widths[-1]]["best"][1]}
    batch = sweep["config"]["batch"]
    rows = []
    for n in widths:
        r = [x for x in sweep["rows"] if x["width"] == n]
        ratios = [x["fft_peak_bytes"] / x["dense_peak_bytes"] for x in r]
        peaks = [x["fft_peak_bytes"] for x in r]
        rows.append([n, f"{batch * n * 4 / 2**20:.0f}", f"{n * n * 4 / 2**20:.0f}",
                     f"{r[0]['dense_peak_bytes'] / 2**20:.0f}",
                     f"{min(peaks) / 2**20:.0f}–{max(peaks) / 2**20:.0f}",
                     f"{min(ratios):.2f}–{max(ratios):.2f}"])
        values[f"ch7_gpu_mem_lo_{n}"] = min(ratios)
        values[f"ch7_gpu_mem_hi_{n}"] = max(ratios)
    header = ["width", "batch of activations MB", "W MB", "dense step MB",
              "FFT step MB (B = " + ", ".join(map(str, blocks)) + ")", "FFT / dense"]
    return Section(values, header, rows, data={"widths": widths, "blocks": blocks})


def gpu_runs(gpu, sweep) -> Section:
    """The two GPU files' common layers side by side (GPU times, ms).

    ``data["fft_1024"]`` maps each run to its FFT-path times at width 1024 by block size, and
    ``data["runs"]`` each run to its times by (width, block size; ``None``: dense).

    Parameters
    ----------
    gpu : dict
        the ``gpu_vs_cpu_h100`` document
    sweep : dict
        the ``cdlinear_speed_cupy_h100`` document

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    runs = {"gpu_vs_cpu": {(r["width"], r["block_size"]): r["cupy_s"] for r in gpu["rows"]},
            "speed sweep": {}}
    for r in sweep["rows"]:
        runs["speed sweep"][(r["width"], None)] = r["dense_s"]
        runs["speed sweep"][(r["width"], r["block_size"])] = r["fft_s"]
    a, b = runs["gpu_vs_cpu"], runs["speed sweep"]
    common = sorted((k for k in a if k in b), key=lambda k: (k[0], k[1] or 0))
    differ = {k: max(a[k], b[k]) / min(a[k], b[k]) - 1 for k in common}
    rows = [[w, "dense" if B is None else f"CD B={B}", f"{1e3 * a[(w, B)]:.3f}",
             f"{1e3 * b[(w, B)]:.3f}", f"{100 * differ[(w, B)]:.0f}%",
             "–" if B is None else
             f"{a[(w, None)] / a[(w, B)]:.2f} / {b[(w, None)] / b[(w, B)]:.2f}"]
            for w, B in common]
    values = {}
    for w in sorted({k[0] for k in common}):
        values[f"ch7_gpu_runs_differ_{w}"] = 100 * max(v for k, v in differ.items()
                                                       if k[0] == w)
        cd_ratios = [run[(w, None)] / run[(w, B)] for run in (a, b)
                     for (ww, B) in common if ww == w and B is not None]
        values[f"ch7_gpu_runs_lo_{w}"] = min(cd_ratios)
        values[f"ch7_gpu_runs_hi_{w}"] = max(cd_ratios)
    fft_1024 = {name: {B: run[(1024, B)] for (w, B) in common if w == 1024 and B is not None}
                for name, run in runs.items()}
    stamp = {k: datetime.fromisoformat(m["environment"]["created_utc"])
             for k, m in (("gpu", gpu), ("sweep", sweep))}
    values["ch7_gpu_runs_apart_s"] = abs((stamp["sweep"] - stamp["gpu"]).total_seconds())
    values["ch7_gpu_sweep_repeats"] = sweep["config"]["repeats"]
    header = ["width", "layer", "gpu_vs_cpu run ms", "speed-sweep run ms", "differ by",
              "dense / CD (the two runs)"]
    return Section(values, header, rows, data={"runs": runs, "fft_1024": fft_1024})


def grid_epochs(grid) -> Section:
    """Chapter 10's committed training grid: CD / dense epoch ratios paired by seed (digits).

    Parameters
    ----------
    grid : list of dict
        the ``structured_digits_mnist1d`` records

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    in_grid = {m: epoch_ratio_by_seed(grid, "digits", f"cd B{m[-1]}") for m in ("cd4", "cd8")}
    dense = [r["epoch_seconds"] for r in grid
             if r["dataset"] == "digits" and r["model"] == "dense"]
    values = {
        "ch7_grid_ratios": Sentence(" and ".join(
            f"{q['geometric_mean']:.2f} (95% interval [{q['low']:.2f}, {q['high']:.2f}], "
            f"seeds {q['lo']:.2f}–{q['hi']:.2f})" for q in in_grid.values())),
        "ch7_grid_contain": Sentence(
            "both intervals contain 1" if all(q["low"] <= 1 <= q["high"]
                                              for q in in_grid.values())
            else "not both intervals contain 1"),
        "ch7_grid_dense_spread": max(dense) / min(dense),
        "ch7_paper_low": 11 / 0.02,
        "ch7_paper_high": 22 / 0.02}
    return Section(values)


def peer_checks(peers) -> Section:
    """Each peer's errors against the reference; what peft's layer gets right and wrong.

    Parameters
    ----------
    peers : dict
        the ``peers_cpu`` document

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    penv, checks = peers["environment"], peers["checks"]
    agree = {name: max(c.values()) for name, c in checks.items() if max(c.values()) < 1e-12}
    peft = checks["peft C3A"]
    wrong = [WHAT[k] for k, v in peft.items() if v > 1e-6]
    right = [WHAT[k] for k, v in peft.items() if v <= 1e-6]
    gradcheck = peers["peft_gradcheck"]
    values = {
        "ch7_peft_version": penv["peer_versions"]["peft"],
        "ch7_peer_versions": Sentence(", ".join(
            f"{k} {v}" for k, v in penv["peer_versions"].items() if k != "jaxlib")),
        "ch7_peer_agree": Sentence(listed(list(agree), fmt="s")),
        "ch7_peer_agree_max": max(agree.values()),
        "ch7_peft_right": Sentence(listed(right, fmt="s", none="nothing")),
        "ch7_peft_right_max": max(peft[k] for k in peft if WHAT[k] in right),
        "ch7_peft_wrong": Sentence(listed(wrong, fmt="s", none="nothing")),
        "ch7_peft_input_err": peft["input_grad"],
        "ch7_peft_gradcheck": "passes" if gradcheck["passed"] else "fails",
        "ch7_peft_gradcheck_msg": gradcheck["message"].split(",")[0]}
    rows = [[name, *(f"{c[k]:.1e}" for k in WHAT)] for name, c in checks.items()]
    return Section(values, ["peer", *WHAT.values()], rows)

