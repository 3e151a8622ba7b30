"""``method="auto"``: measuring the cost model's constants on this machine, and checking
the rule that picks CDLinear's path against measured times.
"""
from __future__ import annotations

import numpy as np

from ..backend import import_namespace
from ..layers import CDLinear, Dense
from ..timing import blas_threads, interleaved_seconds, resolve_clock
from .layer_speed import _layer_step

#: CDLinear's paths, as ``method=`` names them.
PATHS = ("fft", "rdft", "dense")

__all__ = ["measure_path_costs", "calibrate_auto", "auto_rule_check", "rechoose", "path_times",
           "PATHS"]


def measure_path_costs(*, repeats: int = 15, threads=1, clock=None, seed=0):
    """Measure the six constants of :mod:`cdnotes.operators.pathcost` (float64, NumPy).

    Each constant is the best-of-``repeats`` time of one operation, all timed in turns:
    a step of a tiny layer (8 -> 8, ``B = 4``, 4 rows) on each path (the overheads); a real
    ``(64, 512) @ (512, 512)`` product; the three batched complex products' kind,
    ``(5, 64, 64) @ (5, 64, 64)``; building a 512 × 512 ``W`` (``B = 8``) and projecting a
    gradient back; the forward and inverse block transforms of a ``(64, 512)`` batch, ``B = 8``.
    ``clock=None``: processor time with one thread, else wall-clock time.

    Parameters
    ----------
    repeats : int >= 1, default 15
        Timed rounds (:func:`~cdnotes.timing.interleaved_seconds`).
    threads : int >= 1 or None, default 1
        BLAS and FFT threads (:func:`~cdnotes.timing.blas_threads`).
    clock : {None, "cpu", "wall"}, default None
    seed : int, default 0
        Seed of the random operands and tiny layers.

    Returns
    -------
    costs : PathCosts
    best : dict
        ``{operation: best seconds}`` for ``"tiny_dense"``, ``"tiny_fft"``, ``"gemm"``,
        ``"complex"``, ``"gather"`` and ``"fft"``.
    """
    from ..operators.bcmatmul import block_signal, block_spectrum
    from ..operators.circulant import materialize, project
    from ..operators.pathcost import PathCosts

    xp = import_namespace("numpy")
    rng = np.random.default_rng(seed)
    N, n, B = 64, 512, 8
    K, F = n // B, B // 2 + 1
    X = rng.standard_normal((N, n))
    W = rng.standard_normal((n, n))
    C = rng.standard_normal((K, K, B))
    A = rng.standard_normal((F, N, K)) + 1j * rng.standard_normal((F, N, K))
    M = rng.standard_normal((F, K, K)) + 1j * rng.standard_normal((F, K, K))
    tiny = {m: CDLinear(8, 8, 4, seed=seed, method=m) for m in ("dense", "fft")}
    x8, d8 = rng.standard_normal((4, 8)), rng.standard_normal((4, 8))
    steps = {
        "tiny_dense": _layer_step(tiny["dense"], xp, x8, d8),
        "tiny_fft": _layer_step(tiny["fft"], xp, x8, d8),
        "gemm": lambda: X @ W.T,
        "complex": lambda: A @ M,
        "gather": lambda: project(xp, materialize(xp, C), B),
        "fft": lambda: block_signal(xp, block_spectrum(xp, X, B), B),
    }
    clock = resolve_clock(clock, "numpy", threads)
    with blas_threads(threads):
        best = {k: min(v) for k, v in
                interleaved_seconds(steps, repeats=repeats, clock=clock).items()}
    costs = PathCosts(overhead_dense_s=best["tiny_dense"], overhead_fft_s=best["tiny_fft"],
                      gemm_flops=2.0 * N * n * n / best["gemm"],
                      complex_flops=8.0 * F * N * K * K / best["complex"],
                      gather_s=best["gather"] / (n * n),
                      fft_point_s=best["fft"] / (2 * N * n))
    return costs, best


def calibrate_auto(path=None, *, repeats: int = 15, threads=1, clock=None, write: bool = True):
    """Re-measure ``method="auto"``'s constants on this machine and save them.

    Measures with :func:`measure_path_costs` and, if ``write``, writes a JSON file (the
    constants, the raw timings, the environment) to ``path`` (default:
    :func:`cdnotes.operators.pathcost.calibration_file`, which ``method="auto"`` reads from
    then on unless ``CDNOTES_PATH_COSTS=default``). Layers built before keep their method.

    Parameters
    ----------
    path : str, path-like or None, default None
        Where to write the JSON file; ``None``: :func:`cdnotes.operators.pathcost.calibration_file`.
    repeats : int >= 1, default 15
    threads : int >= 1 or None, default 1
    clock : {None, "cpu", "wall"}, default None
        As for :func:`measure_path_costs`.
    write : bool, default True
        ``False`` measures only.

    Returns
    -------
    costs : PathCosts
    path : path or None
        The file written (``None`` if ``write`` is false).
    """
    from ..operators.pathcost import FORMAT, calibration_file
    from ..results import environment_info, write_json_atomic

    clock = resolve_clock(clock, "numpy", threads)
    costs, best = measure_path_costs(repeats=repeats, threads=threads, clock=clock)
    if not write:
        return costs, None
    path = calibration_file() if path is None else path
    env = environment_info("numpy")
    import os
    env["cpu_count"] = os.cpu_count()
    write_json_atomic(path, {"format": FORMAT, "costs": costs.as_dict(), "seconds": best,
                             "threads": threads, "clock": clock, "repeats": repeats,
                             "environment": env})
    return costs, path


def auto_rule_check(shapes, block_sizes, *, batch=64, dtype="float64", repeats=10, threads=1,
                    clock=None, costs=None, seed=0):
    """Time the three paths of every layer in ``shapes`` (``(n_in, n_out)`` pairs) and block size
    dividing both, and compare with ``method="auto"``'s choice.

    Each shape's layers (and a dense layer) are timed in turns (``clock=None``: processor
    time with one thread, else wall-clock time).

    Parameters
    ----------
    shapes : iterable of (int, int)
        ``(n_in, n_out)`` of each layer.
    block_sizes : iterable of int
        Only those dividing both ``n_in`` and ``n_out`` are timed for a shape.
    batch : int, default 64
        Rows of the random inputs (seed ``seed``); also passed to the rule.
    dtype : {"float32", "float64"}, default "float64"
    repeats : int >= 1, default 10
    threads : int >= 1 or None, default 1
    clock : {None, "cpu", "wall"}, default None
    costs : PathCosts or None, default None
        Constants of the rule; ``None``: the active ones
        (:func:`cdnotes.operators.pathcost.active_costs`).
    seed : int, default 0

    Returns
    -------
    list of dict
        One per shape and block size: ``n_in``, ``n_out``, ``block_size``, ``batch``, best
        seconds ``dense_s`` (Dense layer), ``fft_s``, ``rdft_s``, ``materialised_s``;
        ``auto`` (``"fft"``, ``"rdft"`` or ``"dense"``: the rule's choice with ``costs``),
        ``faster`` (the measured fastest path, same names) and ``regret`` (time of the
        chosen path / time of the fastest one, ``>= 1``).
    """
    from ..operators.bcmatmul import resolve_method

    xp = import_namespace("numpy")
    rng = np.random.default_rng(seed)
    clock = resolve_clock(clock, "numpy", threads)
    rows = []
    with blas_threads(threads):
        for n_in, n_out in shapes:
            X = xp.asarray(rng.standard_normal((batch, n_in)), dtype=getattr(xp, dtype))
            dY = xp.asarray(rng.standard_normal((batch, n_out)), dtype=getattr(xp, dtype))
            Bs = [B for B in block_sizes if n_in % B == 0 and n_out % B == 0]
            steps = {"dense": _layer_step(Dense(n_in, n_out, seed=seed, dtype=dtype), xp, X, dY)}
            for B in Bs:
                for m in PATHS:
                    layer = CDLinear(n_in, n_out, B, seed=seed, dtype=dtype, method=m)
                    steps[(m, B)] = _layer_step(layer, xp, X, dY)
            best = {k: min(v) for k, v in
                    interleaved_seconds(steps, repeats=repeats, clock=clock).items()}
            for B in Bs:
                t = {m: best[(m, B)] for m in PATHS}
                auto = resolve_method("auto", B, n_in, n_out, batch=batch, costs=costs)
                faster = min(t, key=t.get)
                rows.append({"n_in": n_in, "n_out": n_out, "block_size": B, "batch": batch,
                             "dense_s": best["dense"], "fft_s": t["fft"], "rdft_s": t["rdft"],
                             "materialised_s": t["dense"],
                             "auto": auto, "faster": faster, "regret": t[auto] / t[faster]})
    return rows


def rechoose(rows, costs):
    """:func:`auto_rule_check` rows with ``auto`` and ``regret`` recomputed for other constants.

    The measured times are reused, so two sets of constants are compared on the same timings.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`auto_rule_check` (not modified).
    costs : PathCosts or None
        The constants to choose with; ``None``: the active ones.

    Returns
    -------
    list of dict
        Copies of ``rows`` with ``auto`` and ``regret`` replaced.
    """
    from ..operators.bcmatmul import resolve_method

    out = []
    for r in rows:
        t = path_times(r)
        auto = resolve_method("auto", r["block_size"], r["n_in"], r["n_out"], batch=r["batch"],
                              costs=costs)
        if auto not in t:
            raise ValueError(f"row (n_in={r['n_in']}, n_out={r['n_out']}, B={r['block_size']}) "
                             f"has no time for the {auto!r} path the constants choose; "
                             "re-run auto_rule_check, which times every path")
        out.append({**r, "auto": auto, "regret": t[auto] / t[r["faster"]]})
    return out


def path_times(row):
    """``{path: seconds}`` of one :func:`auto_rule_check` row (rows measured before the
    ``"rdft"`` path existed have no ``rdft_s``, and give only ``"fft"`` and ``"dense"``).

    Parameters
    ----------
    row : dict

    Returns
    -------
    dict
        ``{"fft": s, "dense": s}`` and ``"rdft"`` where measured.
    """
    t = {"fft": row["fft_s"], "dense": row["materialised_s"]}
    if row.get("rdft_s") is not None:
        t["rdft"] = row["rdft_s"]
    return t
