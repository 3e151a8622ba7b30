"""How the library takes times (the clocks, interleaved rounds, thread limits): the low-level
pieces shared by :mod:`cdnotes.benchmarking` and :mod:`cdnotes.shfin.cost`.

Beside ``cdnotes.benchmarking``, which re-exports every name.

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

import numpy as np

from .operators.fft import fft_workers
from .validation import check_choice, check_int, check_real

__all__ = ["best_time", "synchronize", "blas_threads", "resolve_clock", "interleaved_seconds"]


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
                        backend: str = "numpy", clock: str = "wall", order_seed: int = 0) -> dict:
    """Seconds of each zero-argument callable in ``steps``, measured in turns.

    After ``warmup`` untimed rounds (in the order of ``steps``), every round calls every step
    once, in a fresh random order (seeded by ``order_seed`` and the round's number), so that no
    step keeps the same predecessor. A rotation of a fixed list, which this function used
    before, does keep it in all rounds but one, and what ran just before a step moves its time:
    timed after jax's dense layer in every round, CDLinear read 1.1-1.4x its own identical
    twin (``benchmarks/peers.py``). At least ``repeats`` rounds run, and more until ``min_seconds`` of wall-clock time
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
    order_seed : int, default 0
        Seed of the rounds' orders.

    Returns
    -------
    dict
        ``{name: [seconds of each timed round]}`` in the order of ``steps``.
    """
    repeats = check_int(repeats, "repeats", minimum=1)
    warmup = check_int(warmup, "warmup", minimum=0)
    min_seconds = check_real(min_seconds, "min_seconds", low=0.0)
    timer = time.process_time if resolve_clock(clock, backend) == "cpu" else time.perf_counter
    order_seed = check_int(order_seed, "order_seed", minimum=0)
    names = list(steps)
    times = {name: [] for name in names}
    r, started = 0, None
    while r < warmup + repeats or time.perf_counter() - started < min_seconds:
        if r == warmup:
            started = time.perf_counter()
        order = names if r < warmup else [
            names[i] for i in np.random.default_rng((order_seed, r)).permutation(len(names))]
        for name in order:
            synchronize(backend)
            t0 = timer()
            steps[name]()
            synchronize(backend)
            if r >= warmup:
                times[name].append(timer() - t0)
        r += 1
    return times
