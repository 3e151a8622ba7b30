"""The roofline of one CD layer's training step: how long it must take, at the machine's peaks.

A cell is one square layer ``n_in = n_out = n`` of ``K = n / B`` block rows and columns, a
batch of ``N`` rows, float32, and one forward + backward pass (output, weight gradient and
input gradient). For each way of computing it the *work model* counts

* ``transform_flops``: the block transforms. Four big ones, each of ``N·K`` blocks (``X``
  and ``dY`` in, ``Y`` and ``dX`` out), and two of the ``K·K`` coefficient blocks (``C`` in,
  ``dC`` out). The FFT algorithm (CDLinear's ``"fft"`` path, the torch and jax
  ``rfft``/``einsum`` layers, peft's C3A) pays ``2.5·B·log2(B)`` flops per real transform of
  length ``B``; the rdft algorithm (:mod:`cdnotes.operators.rdft`, the transform as a GEMM
  with a ``(B, B)`` matrix) pays ``2·B`` per real sample, ``2·B²`` per block;
* ``contraction_flops``: the three per-frequency products (``Y``, ``dX``, ``dC``). FFT:
  ``3·8·F·N·K·K`` with ``F = B // 2 + 1`` complex bins (a complex multiply-add is 8 real
  flops); rdft: ``3·2·(nr + 4·nc)·N·K·K`` with ``nc = (B - 1) // 2`` complex bins and
  ``nr = B - 2·nc`` real-only ones; dense: ``3·2·N·n²``;
* ``bytes``: a stated minimum of memory traffic, float32 (4 bytes): every input (``X``,
  ``dY``, ``C`` or ``W``) read once, every output (``Y``, ``dX``, ``dC`` or ``dW``) written
  once, every spectrum (``X̂``, ``Ŷ``, ``dŶ``, ``dX̂`` of ``N·K`` blocks, ``Ĉ`` and ``dĈ`` of
  ``K·K``) written once and read once. A spectrum has ``2·F`` floats per block (FFT) or
  ``B`` (rdft's packed real spectrum).

The *bound* of an algorithm on a machine with peaks ``gemm`` and ``fft`` (GFLOP/s) and copy
bandwidth ``bw`` (bytes read + written per second) is

    max(transform_flops / fft_rate + contraction_flops / gemm, bytes / bw)

with ``fft_rate`` the FFT peak for the FFT algorithm and the GEMM peak for rdft. The cell's
*limit* is the smaller of the FFT and rdft bounds (the best known way to compute the layer),
and an implementation's *achieved fraction* is ``limit / its time``: 1 would be at the limit.

>>> w = fft_work(16, 4, 2)                        # K = 4, F = 3, log2(4) = 2
>>> w["transform_flops"], w["contraction_flops"]  # 64 transforms, 2.5·4·2 = 20 flops each
(1280.0, 2304.0)
>>> dense_work(16, 2)["contraction_flops"]
3072.0
"""
from __future__ import annotations

import math
import time

import numpy as np

from ..timing import blas_threads
from ..validation import check_int

__all__ = ["fft_work", "rdft_work", "dense_work", "algorithm_bound", "cell_limit",
           "achieved_fraction", "machine_peaks", "ALGORITHMS", "PEAK_KEYS"]

ALGORITHMS = ("fft", "rdft")
PEAK_KEYS = ("gemm_gflops", "fft_gflops", "copy_gbytes_per_s")
FLOAT32_BYTES = 4


def _cell(n, B, batch):
    n = check_int(n, "n", minimum=1)
    B = check_int(B, "B", minimum=1)
    batch = check_int(batch, "batch", minimum=1)
    if n % B:
        raise ValueError(f"the width n = {n} must be a multiple of the block size B = {B}")
    return n, B, batch, n // B


def _transforms(batch, K):
    """Number of length-B real transforms in one step: 4 of N·K blocks, 2 of K·K."""
    return 4 * batch * K + 2 * K * K


def _bytes(n, batch, K, spectrum_floats):
    """Minimum float32 bytes: signals once (X, dY read; Y, dX written; C read, dC written),
    spectra (4 of N·K blocks, 2 of K·K) written once and read once."""
    signals = 4 * batch * n + 2 * K * n
    spectra = 2 * _transforms(batch, K) * spectrum_floats
    return float(FLOAT32_BYTES * (signals + spectra))


def fft_work(n: int, B: int, batch: int) -> dict:
    """Flops and minimum bytes of one forward + backward step by the FFT algorithm.

    Parameters
    ----------
    n : int >= 1
        Width (``n_in = n_out``), a multiple of ``B``.
    B : int >= 1
        Block size.
    batch : int >= 1
        Rows ``N`` of the input ``(N, n)``.

    Returns
    -------
    dict
        ``transform_flops``, ``contraction_flops``, ``bytes`` (floats).
    """
    n, B, batch, K = _cell(n, B, batch)
    F = B // 2 + 1
    return {"transform_flops": float(_transforms(batch, K) * 2.5 * B * math.log2(B)),
            "contraction_flops": float(3 * 8 * F * batch * K * K),
            "bytes": _bytes(n, batch, K, 2 * F)}


def rdft_work(n: int, B: int, batch: int) -> dict:
    """Flops and minimum bytes of one forward + backward step by the rdft algorithm.

    Parameters
    ----------
    n, B, batch : int
        As :func:`fft_work`.

    Returns
    -------
    dict
        ``transform_flops`` (``2·B²`` per block), ``contraction_flops``, ``bytes``.
    """
    n, B, batch, K = _cell(n, B, batch)
    nc = (B - 1) // 2
    nr = B - 2 * nc
    return {"transform_flops": float(_transforms(batch, K) * 2 * B * B),
            "contraction_flops": float(3 * 2 * (nr + 4 * nc) * batch * K * K),
            "bytes": _bytes(n, batch, K, B)}


def dense_work(n: int, batch: int) -> dict:
    """Flops and minimum bytes of one forward + backward step of a dense ``(n, n)`` layer.

    Parameters
    ----------
    n, batch : int >= 1

    Returns
    -------
    dict
        ``transform_flops`` 0, ``contraction_flops`` ``6·N·n²``, ``bytes``
        ``4·(4·N·n + 2·n²)`` (``X``, ``dY`` read, ``Y``, ``dX`` written; ``W`` read, ``dW``
        written).
    """
    n = check_int(n, "n", minimum=1)
    batch = check_int(batch, "batch", minimum=1)
    return {"transform_flops": 0.0, "contraction_flops": float(3 * 2 * batch * n * n),
            "bytes": float(FLOAT32_BYTES * (4 * batch * n + 2 * n * n))}


def _check_peaks(peaks):
    if not isinstance(peaks, dict):
        raise TypeError(f"peaks must be a dict with keys {PEAK_KEYS}, got {type(peaks).__name__}")
    missing = [k for k in PEAK_KEYS if k not in peaks]
    if missing:
        raise KeyError(f"peaks lacks {missing}; it needs {PEAK_KEYS}")
    for k in PEAK_KEYS:
        v = peaks[k]
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise ValueError(f"peaks[{k!r}] must be a positive finite number, got {v!r}")


def algorithm_bound(work: dict, peaks: dict, algorithm: str) -> dict:
    """The least time of ``work`` at the machine's peaks, and its terms.

    Parameters
    ----------
    work : dict
        From :func:`fft_work`, :func:`rdft_work` or :func:`dense_work`.
    peaks : dict
        ``gemm_gflops``, ``fft_gflops`` (GFLOP/s) and ``copy_gbytes_per_s`` (GB/s, read +
        written), e.g. from :func:`machine_peaks`.
    algorithm : {"fft", "rdft", "dense"}
        Which peak prices the transforms (``"fft"``: the FFT peak; else the GEMM peak).

    Returns
    -------
    dict
        ``transform_s``, ``contraction_s``, ``memory_s``, ``seconds`` (the bound) and
        ``dominant`` (``"transforms"``, ``"contraction"`` or ``"memory"``).
    """
    _check_peaks(peaks)
    if algorithm not in ALGORITHMS + ("dense",):
        raise ValueError(f"algorithm must be one of {ALGORITHMS + ('dense',)}, got {algorithm!r}")
    t_rate = peaks["fft_gflops"] if algorithm == "fft" else peaks["gemm_gflops"]
    terms = {"transform_s": work["transform_flops"] / (1e9 * t_rate),
             "contraction_s": work["contraction_flops"] / (1e9 * peaks["gemm_gflops"]),
             "memory_s": work["bytes"] / (1e9 * peaks["copy_gbytes_per_s"])}
    compute = terms["transform_s"] + terms["contraction_s"]
    if terms["memory_s"] > compute:
        dominant = "memory"
    else:
        dominant = "transforms" if terms["transform_s"] > terms["contraction_s"] else "contraction"
    return {**terms, "seconds": max(compute, terms["memory_s"]), "dominant": dominant}


def cell_limit(n: int, B: int, batch: int, peaks: dict) -> dict:
    """The cell's limit: the smaller of the FFT and rdft algorithms' bounds.

    Parameters
    ----------
    n, B, batch : int
        As :func:`fft_work`.
    peaks : dict
        As :func:`algorithm_bound`.

    Returns
    -------
    dict
        ``seconds`` (the limit), ``algorithm`` (which bound it is), ``dominant`` (its largest
        term) and ``bounds`` (``{"fft": ..., "rdft": ..., "dense": ...}``, each
        :func:`algorithm_bound`'s dict; dense is shown, not a candidate).
    """
    bounds = {"fft": algorithm_bound(fft_work(n, B, batch), peaks, "fft"),
              "rdft": algorithm_bound(rdft_work(n, B, batch), peaks, "rdft"),
              "dense": algorithm_bound(dense_work(n, batch), peaks, "dense")}
    best = min(ALGORITHMS, key=lambda a: bounds[a]["seconds"])
    return {"seconds": bounds[best]["seconds"], "algorithm": best,
            "dominant": bounds[best]["dominant"], "bounds": bounds}


def achieved_fraction(limit_seconds: float, seconds: float) -> float:
    """``limit_seconds / seconds``: how close a measured time is to the limit (1: at it).

    Parameters
    ----------
    limit_seconds, seconds : float > 0

    Returns
    -------
    float
    """
    for name, v in (("limit_seconds", limit_seconds), ("seconds", seconds)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a positive finite number of seconds, got {v!r}")
    return float(limit_seconds) / float(seconds)


def _best(fn, repeats):
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def machine_peaks(threads: int, *, gemm_n: int = 2048, fft_count: int = 16384,
                  fft_length: int = 512, copy_mb: int = 128, repeats: int = 3,
                  seed: int = 0) -> dict:
    """Measure this machine's float32 peaks on ``threads`` threads (wall clock, best of k).

    * GEMM: ``(m, m) @ (m, m)``, ``2·m³`` flops (BLAS limited with
      :func:`cdnotes.timing.blas_threads`);
    * FFT: ``scipy.fft.rfft`` of ``(fft_count, fft_length)`` along the last axis with
      ``workers=threads``, ``2.5·L·log2(L)`` flops per transform;
    * copy: ``np.copyto`` of ``copy_mb`` MB of float32, split over ``threads`` Python threads
      (NumPy releases the GIL while copying); bytes read + written per second.

    Parameters
    ----------
    threads : int >= 1
    gemm_n, fft_count, fft_length, copy_mb, repeats : int >= 1
        Sizes and rounds (the defaults are the benchmark's).
    seed : int

    Returns
    -------
    dict
        ``gemm_gflops``, ``fft_gflops``, ``copy_gbytes_per_s``, ``threads`` and ``sizes``.
    """
    import scipy.fft
    from concurrent.futures import ThreadPoolExecutor

    threads = check_int(threads, "threads", minimum=1)
    for name, v in (("gemm_n", gemm_n), ("fft_count", fft_count), ("fft_length", fft_length),
                    ("copy_mb", copy_mb), ("repeats", repeats)):
        check_int(v, name, minimum=1)
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((gemm_n, gemm_n), dtype=np.float32)
    Bm = rng.standard_normal((gemm_n, gemm_n), dtype=np.float32)
    S = rng.standard_normal((fft_count, fft_length), dtype=np.float32)
    src = np.ones(copy_mb * 2**20 // FLOAT32_BYTES, dtype=np.float32)
    dst = np.empty_like(src)
    chunks = np.array_split(np.arange(src.size), threads)
    bounds = [(int(c[0]), int(c[-1]) + 1) for c in chunks if c.size]

    with blas_threads(threads), ThreadPoolExecutor(threads) as pool:
        def copy():
            list(pool.map(lambda ab: np.copyto(dst[ab[0]:ab[1]], src[ab[0]:ab[1]]), bounds))
        gemm_s = _best(lambda: A @ Bm, repeats + 1)
        fft_s = _best(lambda: scipy.fft.rfft(S, axis=-1, workers=threads), repeats + 1)
        copy_s = _best(copy, repeats + 1)
    fft_flops = fft_count * 2.5 * fft_length * math.log2(fft_length)
    return {"gemm_gflops": 2 * gemm_n**3 / gemm_s / 1e9, "fft_gflops": fft_flops / fft_s / 1e9,
            "copy_gbytes_per_s": 2 * src.nbytes / copy_s / 1e9, "threads": threads,
            "sizes": {"gemm_n": gemm_n, "fft_count": fft_count, "fft_length": fft_length,
                      "copy_mb": copy_mb, "repeats": repeats}}
