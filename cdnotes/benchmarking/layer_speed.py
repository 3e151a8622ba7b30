"""How fast CDLinear's paths run against a dense layer: one training step's time and peak
memory, and the sweep over widths and block sizes of the Performance chapter.

Times are taken as :mod:`cdnotes.timing` describes (interleaved, best of k, one thread).
"""
from __future__ import annotations

import tracemalloc

import numpy as np

from ..backend import import_namespace
from ..layers import CDLinear, Dense
from ..timing import blas_threads, interleaved_seconds, resolve_clock, synchronize
from ..train import SGD
from ..validation import check_int

__all__ = ["step_seconds", "peak_step_bytes", "speed_sweep", "fft_wins", "describe_fft_wins"]


def _layer_step(layer, xp, X, dY):
    def step():
        layer.forward_2d(xp, X)
        layer.backward_2d(xp, dY)
    return step


def step_seconds(layer, xp, X, dY, repeats: int = 5, backend: str = "numpy") -> float:
    """Best-of-``repeats`` seconds of ``forward_2d`` + ``backward_2d`` (after one warm-up).

    Parameters
    ----------
    layer : Layer
        Any layer with ``forward_2d(xp, X)`` and ``backward_2d(xp, dY)``.
    xp : namespace
        The array namespace of ``X`` and ``dY``.
    X : array ``(N, n_in)``
    dY : array ``(N, n_out)``
        Gradient of the loss with respect to the layer's output.
    repeats : int >= 1, default 5
    backend : str, default "numpy"
        ``"cupy"`` synchronises the device around each call.

    Returns
    -------
    float
        Seconds (wall clock) of the fastest round.
    """
    return min(interleaved_seconds({"step": _layer_step(layer, xp, X, dY)}, repeats=repeats,
                                   backend=backend)["step"])


def peak_step_bytes(layer, xp, X, dY, backend: str = "numpy") -> int:
    """Peak memory allocated by one forward + backward + SGD step.

    NumPy: ``tracemalloc``'s peak. CuPy: growth of the memory pool over the step.
    The step changes ``layer``'s parameters (SGD, learning rate 0.01, momentum 0.9).

    Parameters
    ----------
    layer : Layer
        Any layer with ``forward_2d``, ``backward_2d`` and parameters SGD can update.
    xp : namespace
        The array namespace of ``X`` and ``dY``.
    X : array ``(N, n_in)``
    dY : array ``(N, n_out)``
    backend : {"numpy", "cupy"}, default "numpy"

    Returns
    -------
    int
        Bytes.
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
                min_seconds=0.0, sweeps=1, threads=1, clock=None, materialised=True, seed=0,
                progress=False):
    """Dense layer vs CDLinear's FFT and materialised paths, ``n_in = n_out = width``.

    For each width, the dense layer and the paths of every block size dividing it are
    timed in turns (:func:`~cdnotes.timing.interleaved_seconds`), ``repeats`` rounds per sweep,
    or more until ``min_seconds`` have passed (plus one untimed round in the first sweep); the
    whole sweep over all widths runs ``sweeps`` times, one after the other. ``clock=None`` is
    processor time on the CPU with ``threads=1``, else wall-clock time. ``materialised``: time
    the materialised path too — ``True`` for every block size, or a collection of the block
    sizes to time it at.

    Parameters
    ----------
    widths : iterable of int >= 1
        Layer widths ``n = n_in = n_out``.
    block_sizes : iterable of int
        Block sizes ``B`` to try; at each width only those dividing it are used.
    batch : int, default 256
        Rows ``N`` of the random inputs ``(N, n)`` and output gradients (seed ``seed``).
    dtype : {"float32", "float64"}, default "float32"
    backend : {"numpy", "cupy"}, default "numpy"
    repeats : int >= 1, default 5
        Timed rounds per sweep (see :func:`~cdnotes.timing.interleaved_seconds`).
    min_seconds : float >= 0, default 0.0
        Least wall-clock seconds of rounds per width and sweep.
    sweeps : int >= 1, default 1
    threads : int >= 1 or None, default 1
        BLAS and FFT threads (:func:`~cdnotes.timing.blas_threads`).
    clock : {None, "cpu", "wall"}, default None
        See :func:`~cdnotes.timing.resolve_clock`.
    materialised : bool or collection of int, default True
    seed : int, default 0
        Seed of the data and of every layer's initialisation.
    progress : bool, default False
        Show a ``tqdm`` progress bar over (sweep, width).

    Returns
    -------
    list of dict
        One per width and block size dividing it (in that order): ``width``,
        ``block_size``, ``batch``, ``dtype``; best-of-all-rounds seconds ``dense_s``,
        ``fft_s`` and, where timed, ``materialised_s``; ``fft_speedup`` =
        ``dense_s / fft_s``; ``fft_speedup_by_sweep`` (the same from each sweep's rounds
        alone, to show how much two sweeps of one run disagree); peak bytes of one training
        step per path (``dense_peak_bytes``, ``fft_peak_bytes``, ``materialised_peak_bytes``).
    """
    sweeps = check_int(sweeps, "sweeps", minimum=1)
    clock = resolve_clock(clock, backend, threads)
    xp = import_namespace(backend)
    rng = np.random.default_rng(seed)
    widths = [check_int(n, "width", minimum=1) for n in widths]
    blocks = {n: [B for B in block_sizes if n % B == 0] for n in widths}
    with_mat = set(block_sizes) if materialised is True else set(materialised or ())
    data, layers = {}, {}
    for n in widths:
        data[n] = tuple(xp.asarray(rng.standard_normal((batch, n)), dtype=getattr(xp, dtype))
                        for _ in range(2))
        layers[n] = {"dense": Dense(n, n, seed=seed, dtype=dtype, xp=backend)}
        for B in blocks[n]:
            for method in ("fft", "dense") if B in with_mat else ("fft",):
                layers[n][(method, B)] = CDLinear(n, n, B, seed=seed, dtype=dtype, xp=backend,
                                                  method=method)
    times = {n: {key: [] for key in layers[n]} for n in widths}
    jobs = [(s, n) for s in range(sweeps) for n in widths]
    if progress:
        from tqdm.auto import tqdm
        jobs = tqdm(jobs, desc="sweep", leave=False)
    with blas_threads(threads):
        for s, n in jobs:
            X, dY = data[n]
            steps = {key: _layer_step(layer, xp, X, dY) for key, layer in layers[n].items()}
            measured = interleaved_seconds(steps, repeats=repeats, warmup=1 if s == 0 else 0,
                                           min_seconds=min_seconds, backend=backend, clock=clock)
            for key, t in measured.items():
                times[n][key].append(t)
        rows = []
        for n in widths:
            X, dY = data[n]
            t_n, L = times[n], layers[n]
            dense_peak = peak_step_bytes(L["dense"], xp, X, dY, backend)
            for B in blocks[n]:
                row = {"width": n, "block_size": B, "batch": batch, "dtype": dtype,
                       "dense_s": min(map(min, t_n["dense"])), "dense_peak_bytes": dense_peak}
                for method in ("fft", "dense") if B in with_mat else ("fft",):
                    name = "fft" if method == "fft" else "materialised"
                    row[f"{name}_s"] = min(map(min, t_n[(method, B)]))
                    row[f"{name}_peak_bytes"] = peak_step_bytes(L[(method, B)], xp, X, dY, backend)
                row["fft_speedup"] = row["dense_s"] / row["fft_s"]
                row["fft_speedup_by_sweep"] = [min(d) / min(f) for d, f in
                                               zip(t_n["dense"], t_n[("fft", B)])]
                rows.append(row)
    return rows


def fft_wins(rows, width):
    """Where the FFT path beat the dense layer at ``width``, from :func:`speed_sweep` rows.

    Parameters
    ----------
    rows : list of dict
        :func:`speed_sweep` rows (``width``, ``block_size`` and ``fft_speedup`` are read).
    width : int
        Must occur in ``rows`` (else ``ValueError``).

    Returns
    -------
    dict
        ``width``; ``faster`` (block sizes where ``fft_speedup > 1``, ascending),
        ``slower`` (``[(B, speedup)]`` of the others), ``exceptions`` (the slower ones
        above the smallest faster B), ``from_b`` (that smallest faster B if no exception
        lies above it, else ``None``: the data are not monotone) and ``best``
        (``(B, speedup)`` of the fastest).
    """
    mine = sorted((r["block_size"], r["fft_speedup"]) for r in rows if r["width"] == width)
    if not mine:
        raise ValueError(f"no rows for width {width}")
    faster = [B for B, s in mine if s > 1]
    slower = [(B, s) for B, s in mine if s <= 1]
    exceptions = [(B, s) for B, s in slower if faster and B > faster[0]]
    return {"width": width, "faster": faster, "slower": slower, "exceptions": exceptions,
            "from_b": faster[0] if faster and not exceptions else None,
            "best": max(mine, key=lambda x: x[1])}


def describe_fft_wins(summary) -> str:
    """A phrase for :func:`fft_wins`: where the FFT path won, and the exceptions.

    E.g. ``"for B ∈ {8, 16, 64, 128}; not at B = 32 (0.13×)"``, ``"for every B ≥ 16
    measured"`` or ``"at no B measured (best 0.71× at B = 128)"``.

    Parameters
    ----------
    summary : dict
        As returned by :func:`fft_wins`.

    Returns
    -------
    str
    """
    faster, exceptions = summary["faster"], summary["exceptions"]
    if not faster:
        B, s = summary["best"]
        return f"at no B measured (best {s:.2f}× at B = {B})"
    if summary["from_b"] is not None:
        return f"for every B ≥ {summary['from_b']} measured"
    shown = ", ".join(f"B = {B} ({s:.2f}×)" for B, s in exceptions)
    return f"for B ∈ {{{', '.join(map(str, faster))}}}; not at {shown}"
