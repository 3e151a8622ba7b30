"""Timing and memory measurements shared by ``benchmarks/`` and the Performance chapter.

Times are best-of-``repeats`` wall-clock seconds of one forward and one backward pass
(the layers' unchecked kernels), with device synchronisation around each repeat on
GPUs; everything compared is measured in the same run, and reported as ratios.
"""
from __future__ import annotations

import time
import tracemalloc

import numpy as np

from .backend import import_namespace
from .layers import CDLinear, Dense
from .train import SGD

__all__ = ["synchronize", "step_seconds", "peak_step_bytes", "speed_sweep"]


def synchronize(backend: str) -> None:
    """Wait for the device (no-op on the CPU)."""
    if backend == "cupy":
        import cupy
        cupy.cuda.Device().synchronize()


def step_seconds(layer, xp, X, dY, repeats: int = 5, backend: str = "numpy") -> float:
    """Best-of-``repeats`` seconds of ``forward_2d`` + ``backward_2d`` (after one warm-up)."""
    layer.forward_2d(xp, X)
    layer.backward_2d(xp, dY)
    best = np.inf
    for _ in range(repeats):
        synchronize(backend)
        t0 = time.perf_counter()
        layer.forward_2d(xp, X)
        layer.backward_2d(xp, dY)
        synchronize(backend)
        best = min(best, time.perf_counter() - t0)
    return best


def peak_step_bytes(layer, xp, X, dY, backend: str = "numpy") -> int:
    """Peak memory allocated by one forward + backward + SGD step.

    NumPy: ``tracemalloc``'s peak. CuPy: growth of the memory pool over the step.
    """
    opt = SGD(0.01, 0.9)
    if backend == "cupy":
        import cupy
        pool = cupy.get_default_memory_pool()
        pool.free_all_blocks()
        synchronize(backend)
        before = pool.used_bytes()
        layer.forward_2d(xp, X)
        layer.backward_2d(xp, dY)
        opt.step([layer])
        synchronize(backend)
        return int(pool.total_bytes() - before)
    tracemalloc.start()
    tracemalloc.reset_peak()
    layer.forward_2d(xp, X)
    layer.backward_2d(xp, dY)
    opt.step([layer])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return int(peak)


def speed_sweep(widths, block_sizes, *, batch=256, dtype="float32", backend="numpy", repeats=5,
                materialised=True, seed=0, progress=False):
    """Dense layer vs CDLinear's FFT and materialised paths, ``n_in = n_out = width``.

    Returns a list of dicts (one per width and block size dividing it) with seconds and
    peak bytes per path (``dense_s``, ``fft_s``, ``materialised_s``, ``*_peak_bytes``)
    and ``fft_speedup`` = dense / FFT time.
    """
    xp = import_namespace(backend)
    rng = np.random.default_rng(seed)
    pairs = [(n, B) for n in widths for B in block_sizes if n % B == 0]
    if progress:
        from tqdm.auto import tqdm
        pairs = tqdm(pairs, desc="sweep", leave=False)
    rows, dense_cache = [], {}
    for n, B in pairs:
        if n not in dense_cache:
            X = xp.asarray(rng.standard_normal((batch, n)), dtype=getattr(xp, dtype))
            dY = xp.asarray(rng.standard_normal((batch, n)), dtype=getattr(xp, dtype))
            dense = Dense(n, n, seed=seed, dtype=dtype, xp=backend)
            dense_cache[n] = (X, dY, step_seconds(dense, xp, X, dY, repeats, backend),
                              peak_step_bytes(dense, xp, X, dY, backend))
        X, dY, t_dense, m_dense = dense_cache[n]
        row = {"width": n, "block_size": B, "batch": batch, "dtype": dtype,
               "dense_s": t_dense, "dense_peak_bytes": m_dense}
        for method in ("fft", "dense") if materialised else ("fft",):
            layer = CDLinear(n, n, B, seed=seed, dtype=dtype, xp=backend, method=method)
            key = "fft" if method == "fft" else "materialised"
            row[f"{key}_s"] = step_seconds(layer, xp, X, dY, repeats, backend)
            row[f"{key}_peak_bytes"] = peak_step_bytes(layer, xp, X, dY, backend)
        row["fft_speedup"] = t_dense / row["fft_s"]
        rows.append(row)
    return rows
