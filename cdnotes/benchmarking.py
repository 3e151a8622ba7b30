"""Timing and memory measurements shared by ``benchmarks/`` and the Performance chapter.

How times are taken, everywhere in this module:

* **interleaved**: everything compared is measured in the same run, in turns — round ``r``
  runs every candidate once, in an order rotated by ``r`` — so a burst of load from another
  process slows all candidates alike instead of one of them;
* **best of k**: each candidate's time is its fastest round (load only ever adds time);
* **one thread** by default (``threads=1``): the BLAS and OpenMP pools are limited with
  ``threadpoolctl``, and the ``scipy.fft`` calls of :mod:`cdnotes.operators.fft`, which
  otherwise use every core for large arrays, run on one worker (:func:`blas_threads`). On
  a machine shared with other processes, a multi-threaded matrix product waits for its
  slowest thread (on the book's 2-core build machine, with other processes running, 15
  two-thread steps of a 256-wide dense layer took a median of 66 ms against a best of
  1.0 ms; on one thread, 1.2 ms against 1.1 ms). Pass ``threads=None`` to measure with the
  library's default threading;
* **processor time** on the CPU with one thread (``clock="cpu"``: the process's
  ``time.process_time``, all its threads), which time spent waiting for a core while other
  processes run does not inflate; wall-clock time otherwise (``clock="wall"``), and always
  on GPUs, with device synchronisation around each timed call.

Results are reported as ratios of times measured together.
"""
from __future__ import annotations

import contextlib
import time
import tracemalloc

import numpy as np

from .backend import import_namespace
from .layers import CDLinear, Dense
from .operators.fft import fft_workers
from .train import SGD
from .validation import check_choice, check_int, check_real

__all__ = ["best_time", "synchronize", "blas_threads", "resolve_clock", "interleaved_seconds", "step_seconds",
           "peak_step_bytes", "speed_sweep", "fft_wins", "describe_fft_wins", "measure_path_costs",
           "calibrate_auto", "auto_rule_check", "rechoose", "epoch_time_ratio",
           "digits_epoch_seconds", "goal_text"]


def best_time(fn, repeats: int = 5):
    """The shortest wall-clock time of ``repeats`` calls of ``fn()``, and the last result.

    Parameters
    ----------
    fn : callable with no arguments
    repeats : int >= 1

    Returns
    -------
    seconds : float
    value : what the last call of ``fn`` returned
    """
    repeats = check_int(repeats, "repeats", minimum=1)
    best, value = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def synchronize(backend: str) -> None:
    """Wait for the device (no-op on the CPU).

    Parameters
    ----------
    backend : str
        ``"cupy"`` waits for the current CUDA device; any other name does nothing.

    Returns
    -------
    None
    """
    if backend == "cupy":
        import cupy
        cupy.cuda.Device().synchronize()


@contextlib.contextmanager
def blas_threads(threads: int | None):
    """Limit the BLAS, OpenMP and FFT threads to ``threads`` inside the block (``None``: as is).

    BLAS and OpenMP pools are limited with ``threadpoolctl``; the ``scipy.fft`` calls of
    :mod:`cdnotes.operators.fft` (which use every core for large arrays) get at most
    ``threads`` workers.

    Parameters
    ----------
    threads : int >= 1 or None
        ``None`` leaves the thread pools and FFT workers as they are.

    Returns
    -------
    context manager
        Use as ``with blas_threads(1): ...``; it yields nothing, and the previous limits
        come back on exit (``threadpoolctl.threadpool_limits``).
    """
    if threads is None:
        yield
        return
    threads = check_int(threads, "threads", minimum=1)
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=threads), fft_workers(threads):
        yield


def resolve_clock(clock, backend: str = "numpy", threads=1) -> str:
    """``"cpu"`` or ``"wall"``; ``None`` means processor time on the CPU with one thread, else wall.

    Parameters
    ----------
    clock : {None, "cpu", "wall"}
    backend : str, default "numpy"
        ``"cpu"`` is allowed only with ``"numpy"`` (it measures the host).
    threads : int or None, default 1
        Threads the measurement will use; ``None`` resolves to ``"cpu"`` only for 1.

    Returns
    -------
    str
        ``"cpu"`` (``time.process_time``) or ``"wall"`` (``time.perf_counter``).
    """
    if clock is None:
        clock = "cpu" if backend == "numpy" and threads == 1 else "wall"
    clock = check_choice(clock, "clock", ("cpu", "wall"))
    if clock == "cpu" and backend != "numpy":
        raise ValueError("clock='cpu' measures the host; time GPU work with clock='wall'")
    return clock


def interleaved_seconds(steps: dict, *, repeats: int = 5, warmup: int = 1, min_seconds: float = 0.0,
                        backend: str = "numpy", clock: str = "wall") -> dict:
    """Seconds of each zero-argument callable in ``steps``, measured in turns.

    After ``warmup`` untimed rounds, round ``r`` calls every step once, starting at the
    ``r % len(steps)``-th (a rotation, so no step always runs right after the same other
    one). At least ``repeats`` rounds run, and more until ``min_seconds`` of wall-clock time
    have passed since the first timed round (so cheap steps get more rounds).

    Parameters
    ----------
    steps : dict
        ``{name: callable}``; each callable takes no argument.
    repeats : int >= 1, default 5
        Least number of timed rounds.
    warmup : int >= 0, default 1
        Untimed rounds before them.
    min_seconds : float >= 0, default 0.0
        Keep adding rounds until this much wall-clock time has passed (seconds).
    backend : str, default "numpy"
        ``"cupy"`` synchronises the device before and after every call.
    clock : {"wall", "cpu", None}, default "wall"
        ``"wall"`` (``time.perf_counter``) or ``"cpu"`` (``time.process_time``); ``None``
        as :func:`resolve_clock` with one thread.

    Returns
    -------
    dict
        ``{name: [seconds of each timed round]}`` in the order of ``steps``.
    """
    repeats = check_int(repeats, "repeats", minimum=1)
    warmup = check_int(warmup, "warmup", minimum=0)
    min_seconds = check_real(min_seconds, "min_seconds", low=0.0)
    timer = time.process_time if resolve_clock(clock, backend) == "cpu" else time.perf_counter
    names = list(steps)
    times = {name: [] for name in names}
    r, started = 0, None
    while r < warmup + repeats or time.perf_counter() - started < min_seconds:
        if r == warmup:
            started = time.perf_counter()
        shift = r % len(names) if names else 0
        for name in names[shift:] + names[:shift]:
            synchronize(backend)
            t0 = timer()
            steps[name]()
            synchronize(backend)
            if r >= warmup:
                times[name].append(timer() - t0)
        r += 1
    return times


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
    timed in turns (:func:`interleaved_seconds`), ``repeats`` rounds per sweep, or more until
    ``min_seconds`` have passed (plus one untimed round in the first sweep); the whole sweep
    over all widths runs ``sweeps`` times, one after the other. ``clock=None`` is processor time on the CPU with ``threads=1``, else
    wall-clock time. ``materialised``: time the materialised path too — ``True`` for every
    block size, or a collection of the block sizes to time it at.

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
        Timed rounds per sweep (see :func:`interleaved_seconds`).
    min_seconds : float >= 0, default 0.0
        Least wall-clock seconds of rounds per width and sweep.
    sweeps : int >= 1, default 1
    threads : int >= 1 or None, default 1
        BLAS and FFT threads (:func:`blas_threads`).
    clock : {None, "cpu", "wall"}, default None
        See :func:`resolve_clock`.
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


# ----------------------------------------------------------------------------
# method="auto": measuring the cost model's constants, and checking the rule.
# ----------------------------------------------------------------------------

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
        Timed rounds (:func:`interleaved_seconds`).
    threads : int >= 1 or None, default 1
        BLAS and FFT threads (:func:`blas_threads`).
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
    from .operators.bcmatmul import block_signal, block_spectrum
    from .operators.circulant import materialize, project
    from .operators.pathcost import PathCosts

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
        best = {k: min(v) for k, v in interleaved_seconds(steps, repeats=repeats, clock=clock).items()}
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
    from .operators.pathcost import FORMAT, calibration_file
    from .results import environment_info, write_json_atomic

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
    """Time both paths of every layer in ``shapes`` (``(n_in, n_out)`` pairs) and block size
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
        seconds ``dense_s`` (Dense layer), ``fft_s``, ``materialised_s``; ``auto``
        (``"fft"`` or ``"dense"``: the rule's choice with ``costs``), ``faster`` (the
        measured faster path, same names) and ``regret`` (time of the chosen path / time of
        the faster one, ``>= 1``).
    """
    from .operators.bcmatmul import resolve_method

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
                for m in ("fft", "dense"):
                    layer = CDLinear(n_in, n_out, B, seed=seed, dtype=dtype, method=m)
                    steps[(m, B)] = _layer_step(layer, xp, X, dY)
            best = {k: min(v) for k, v in
                    interleaved_seconds(steps, repeats=repeats, clock=clock).items()}
            for B in Bs:
                t = {"fft": best[("fft", B)], "dense": best[("dense", B)]}
                auto = resolve_method("auto", B, n_in, n_out, batch=batch, costs=costs)
                faster = min(t, key=t.get)
                rows.append({"n_in": n_in, "n_out": n_out, "block_size": B, "batch": batch,
                             "dense_s": best["dense"], "fft_s": t["fft"], "materialised_s": t["dense"],
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
    from .operators.bcmatmul import resolve_method

    out = []
    for r in rows:
        t = {"fft": r["fft_s"], "dense": r["materialised_s"]}
        auto = resolve_method("auto", r["block_size"], r["n_in"], r["n_out"], batch=r["batch"],
                              costs=costs)
        out.append({**r, "auto": auto, "regret": t[auto] / t[r["faster"]]})
    return out


# ----------------------------------------------------------------------------
# Training epochs on digits.
# ----------------------------------------------------------------------------

def epoch_time_ratio(model_seconds, reference_seconds, level: float = 0.95) -> dict:
    """A model's epoch time over a reference's, from units (repeats, seeds) timed together.

    The book's one definition of "CD takes so many times a dense epoch": for each unit ``u``
    (a repeat of :func:`digits_epoch_seconds`, or a seed of a training grid, in which both
    models ran on the same machine at about the same time) the ratio of the model's median
    epoch to the reference's, ``r_u = median(model_u) / median(reference_u)``; then their
    median, their range and a Student-t interval for their geometric mean (``mean_ci`` of
    ``log r_u``, mapped back), which a unit whose load differed widens.

    Parameters
    ----------
    model_seconds, reference_seconds : sequence, one entry per unit
        Each entry the epoch times of that unit (a sequence of positive seconds) or one number
        (already a per-unit summary); both sequences of the same length >= 1.
    level : float in (0, 1), default 0.95

    Returns
    -------
    dict with ``by_unit`` (list of ``r_u``), ``median``, ``low``/``high`` (the interval for the
    geometric mean; ``None`` with fewer than two units), ``geometric_mean``, ``lo``/``hi``
    (the smallest and largest ``r_u``) and ``n``
    """
    from .stats import mean_ci

    if len(model_seconds) != len(reference_seconds) or not len(model_seconds):
        raise ValueError(f"epoch_time_ratio pairs units: got {len(model_seconds)} and "
                         f"{len(reference_seconds)} units")

    def per_unit(t):
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        if t.size == 0 or not np.all(np.isfinite(t)) or np.any(t <= 0):
            raise ValueError("epoch_time_ratio needs positive, finite epoch times")
        return float(np.median(t))

    ratios = [per_unit(m) / per_unit(r) for m, r in zip(model_seconds, reference_seconds)]
    out = {"by_unit": ratios, "median": float(np.median(ratios)), "n": len(ratios),
           "lo": min(ratios), "hi": max(ratios),
           "geometric_mean": float(np.exp(np.mean(np.log(ratios)))), "low": None, "high": None}
    if len(ratios) >= 2:
        ci = mean_ci(np.log(ratios), level)
        out.update(low=float(np.exp(ci.low)), high=float(np.exp(ci.high)))
    return out


def _epoch_summary(per_repeat, models):
    """Median, quartiles and ratios of ``per_repeat`` = ``[{model: [seconds]}]``.

    ``ratio_by_repeat`` is each repeat's median epoch over the first model's; ``ratio`` is
    the median of those, so it lies inside their range (:func:`epoch_time_ratio`, whose
    whole result is ``ratio_detail``).
    """
    seconds = {m: [t for rep in per_repeat for t in rep[m]] for m in models}
    detail = {m: epoch_time_ratio([rep[m] for rep in per_repeat],
                                  [rep[models[0]] for rep in per_repeat]) for m in models}
    by_repeat = [{m: detail[m]["by_unit"][i] for m in models} for i in range(len(per_repeat))]
    return {"seconds": seconds, "median": {m: float(np.median(t)) for m, t in seconds.items()},
            "ratio": {m: detail[m]["median"] for m in models},
            "ratio_by_repeat": by_repeat, "ratio_detail": detail,
            "quartiles": {m: tuple(float(q) for q in np.percentile(t, [25, 75]))
                          for m, t in seconds.items()}}


def digits_epoch_seconds(models=("dense", "cd4", "cd8"), *, epochs: int = 10, repeats: int = 1,
                         seed: int = 0, method: str = "auto", threads=1, batch_size: int = 64):
    """Seconds per training epoch of the paper's digits models, measured in turns.

    One epoch is the forward pass, backward pass and SGD update (momentum 0.9) of every
    mini-batch of ``batch_size`` over the digits training split (1,437 images), with no
    evaluation. For each of ``repeats`` repeats, every model is built afresh (seed ``seed``,
    CDLinear path ``method``) and trained one untimed epoch, then ``epochs`` timed epochs;
    epoch ``e`` of every model runs before epoch ``e + 1`` of any, in an order rotated each
    epoch (each epoch is one call of :func:`cdnotes.train.train` with one epoch, so the
    optimizer's momentum restarts — which changes no cost).

    Three clocks time the same interval, the whole ``train`` call (its argument checks and
    batch shuffling included): ``"wall"`` (``time.perf_counter``), ``"cpu"``, the processor
    time of the process (``time.process_time``, all its threads) and ``"thread"``, that of
    the calling thread alone (``time.thread_time``). On a machine shared with other
    processes the wall clock also counts the time spent waiting for a core, the processor
    time does not; ``"cpu"`` exceeds ``"thread"`` by the work of other threads (BLAS or FFT
    threads if ``threads`` allows them, or e.g. a Jupyter kernel's own threads).

    Parameters
    ----------
    models : sequence of {"dense", "cd4", "cd8"}, default ("dense", "cd4", "cd8")
        The paper's models (:func:`cdnotes.mlp.paper_model`); ratios are to the first.
    epochs : int >= 1, default 10
        Timed epochs per model and repeat.
    repeats : int >= 1, default 1
    seed : int, default 0
        Seed of the data split and the models; epoch ``e`` shuffles with ``seed + 1 + e``.
    method : {"auto", "fft", "dense"}, default "auto"
        CDLinear's path.
    threads : int >= 1 or None, default 1
        BLAS and FFT threads (:func:`blas_threads`).
    batch_size : int, default 64

    Returns
    -------
    dict
        The settings (``models``, ``epochs``, ``repeats``, ``seed``, ``method``,
        ``threads``, ``batch_size``), ``n_train``, and for each clock (``"cpu"``,
        ``"wall"``, ``"thread"``): ``seconds`` (``{model: [every timed epoch]}``),
        ``median``, ``ratio_by_repeat`` (per repeat, the model's median epoch over the first
        model's), ``ratio`` (the median of those), ``ratio_detail`` (``{model:``
        :func:`epoch_time_ratio` ``}``) and ``quartiles`` (``{model: (25th, 75th
        percentile)}``).
    """
    from .data import digits_split
    from .mlp import paper_model
    from .train import TrainConfig, train

    models = [check_choice(m, "model", ("dense", "cd4", "cd8")) for m in models]
    epochs = check_int(epochs, "epochs", minimum=1)
    repeats = check_int(repeats, "repeats", minimum=1)
    X, _, y, _ = digits_split(seed)
    config = TrainConfig(epochs=1, batch_size=batch_size)
    clocks = {"wall": time.perf_counter, "cpu": time.process_time, "thread": time.thread_time}
    measured = {clock: [] for clock in clocks}
    with blas_threads(threads):
        for r in range(repeats):
            nets = {m: paper_model(m, seed=seed, method=method) for m in models}
            for m in models:                                     # warm-up epoch
                train(nets[m], X, y, config=config, seed=seed)
            for per_repeat in measured.values():
                per_repeat.append({m: [] for m in models})
            for e in range(epochs):
                shift = (e + r) % len(models)
                for m in models[shift:] + models[:shift]:
                    start = {clock: read() for clock, read in clocks.items()}
                    train(nets[m], X, y, config=config, seed=seed + 1 + e)
                    # read in reverse, so the wall-clock interval contains the others
                    end = {clock: read() for clock, read in reversed(clocks.items())}
                    for clock in clocks:
                        measured[clock][-1][m].append(end[clock] - start[clock])
    return {"models": models, "epochs": epochs, "repeats": repeats, "seed": seed, "method": method,
            "threads": threads, "batch_size": batch_size, "n_train": int(X.shape[0]),
            **{clock: _epoch_summary(measured[clock], models) for clock in clocks}}


def goal_text(meets: dict, labels: dict, layers) -> str:
    """Which layers met a speed goal, which missed it, and which it did not cover, in words.

    Parameters
    ----------
    meets : dict
        Layer key -> ``True`` (met), ``False`` (missed) or ``None`` (not measured), for the
        layers the goal covers.
    labels : dict
        Layer key -> name as shown.
    layers : iterable of str
        Every layer measured, in the order to list them.

    Returns
    -------
    str, e.g. ``"was met by A and B; none of the six layers the goal covers missed it;
    C and D were not part of it"``
    """
    from .experiments.report import listed, number_word

    def names(keys):
        return listed([labels[k] for k in keys], fmt="s")

    met = [k for k, v in meets.items() if v]
    missed = [k for k, v in meets.items() if v is False]
    unmeasured = [k for k, v in meets.items() if v is None]
    outside = [k for k in layers if k not in meets]
    covered = ("the one layer the goal covers" if len(meets) == 1 else
               f"the {number_word(len(meets))} layers the goal covers")
    parts = [f"was met by {names(met)}" if met else f"was met by none of {covered}"]
    if not missed:
        parts.append(f"none of {covered} missed it")
    else:
        parts.append(f"{names(missed)} missed it")
    if unmeasured:
        parts.append(f"{names(unmeasured)} {'was' if len(unmeasured) == 1 else 'were'} "
                     "not measured at that width")
    if outside:
        parts.append(f"{names(outside)} {'was' if len(outside) == 1 else 'were'} "
                     "not part of it")
    return "; ".join(parts)
