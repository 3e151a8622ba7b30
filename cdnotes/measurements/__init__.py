"""Measurements taken on hardware the book's build does not have, shipped with the package.

The Performance chapter plots GPU timings, and the machine that builds the book (or a reader's
Colab session) has no GPU. So those timings were taken once and are kept here as JSON, inside
the package: ``pip install`` ships them (package data), and :func:`load_measurement` reads them
with :mod:`importlib.resources`, so a notebook finds them wherever it runs — no path relative to
the repository. Experiments too long for a page (minutes of CPU time) are kept the same way.

Each GPU file holds ``benchmark`` (the script), ``config`` (its arguments), ``environment`` (device,
library versions, Python, UTC date) and ``rows`` (one record per measured configuration).

``gpu_vs_cpu_h100``
    One CDLinear layer and one dense layer on CuPy against NumPy, NVIDIA H100. Regenerate on a
    CUDA machine with ``pip install -e '.[gpu]'``::

        python benchmarks/gpu_vs_cpu.py --json cdnotes/measurements/gpu_vs_cpu_h100.json

``cdlinear_speed_cupy_h100``
    Dense layer against CDLinear's FFT path on the GPU, widths 1024–8192, NVIDIA H100::

        python benchmarks/cdlinear_speed.py --backend cupy --widths 1024 4096 8192 \\
            --block-sizes 16 64 256 --batch 4096 --repeats 10 --no-materialised \\
            --json cdnotes/measurements/cdlinear_speed_cupy_h100.json

``structured_speed_cpu``
    Every structured layer (low-rank, Toeplitz, Kronecker, Monarch, ACDC, fixed sparse, Fourier
    mixing, CDLinear, SpectralLinear) against Dense, forward + both backward passes, widths
    256–8192, batch 256, float32, one thread, processor time, two interleaved sweeps (chapter 10's
    speed table; measured on the shared 2-core build machine with the code of both structured
    branches merged)::

        python benchmarks/structured_speed.py --repeats 5 --min-seconds 2 \\
            --json cdnotes/measurements/structured_speed_cpu.json

``peers_cpu``
    CDLinear against a torch ``rfft``/``einsum`` layer, ``jax.jit`` of the same, peft's C3A
    ``BlockCircularConvolution`` and each framework's dense layer, with float64
    checks of every peer against ``to_dense()``; one thread, the shared 2-core build machine.
    Needs ``pip install '.[peers]'``::

        python benchmarks/peers.py --threads 1 --repeats 7 --json cdnotes/measurements/peers_cpu.json

    Kept, not shown: its jax was not pinned to one core (``XLA_FLAGS`` asking for one thread
    does not keep it there; issue 21), so it does not reproduce. Chapter 7 reads the two runs
    below instead.

``peers_cpu_run1``, ``peers_cpu_run2``
    The same peers, two runs of one command (format ``cdnotes-peers/2``): one and two threads,
    each in a fresh child process pinned to that many CPUs with every library's threads capped
    and checked (affinity, thread pools, processor / wall time per implementation and cell),
    CDLinear ``auto`` and its ``fft`` and ``rdft`` paths, best and median of 9 interleaved
    rounds (random order), load averages, an unpinned one-thread control cell (``control``:
    the same flags without pinning), and the machine's GEMM, rfft and copy peaks on those
    threads for the roofline (:mod:`cdnotes.benchmarking.peer_runs`,
    :mod:`cdnotes.report.peers`). On a quiet machine, one after the other::

        python benchmarks/peers.py --json cdnotes/measurements/peers_cpu_run1.json
        python benchmarks/peers.py --json cdnotes/measurements/peers_cpu_run2.json

``structured_digits_mnist1d``
    Not a benchmark: the runs of the chapter *CD among structured matrices* (every structure in
    the paper's MLP at the CD budgets, digits and MNIST-1D, ten seeds; ``command``, ``config``,
    ``records``, ``environment``), about a quarter of an hour on a CPU::

        python -m cdnotes structured --out cdnotes/measurements/structured_digits_mnist1d.json

``shfin_mnist1d``
    SHFIN in miniature (chapter 12): MNIST-1D runs of the SHFIN classifier, its ablations and
    the baselines, and the forward-time sweep against dense self-attention (CPU, NumPy)::

        python -m cdnotes shfin --seeds 0 1 2 3 4 --epochs 10 --jobs 2 --cost-repeats 5 \\
            --out cdnotes/measurements/shfin_mnist1d.json

``shfin_mnist1d_30epochs``
    The runs chapter 12's verdicts rest on (SHFIN, no mask, fixed low-pass mask, CNN, dense
    MLP), trained for 30 epochs instead of 10 (CPU, NumPy; no cost sweep)::

        python -m cdnotes shfin --seeds 0 1 2 3 4 --epochs 30 --jobs 2 --lengths \\
            --variants shfin shfin_all shfin_lowpass cnn mlp \\
            --out cdnotes/measurements/shfin_mnist1d_30epochs.json

``shfin_cost_h100``
    Forward time of one SHFIN block against dense self-attention over positions, lengths
    64–32768, CuPy on an NVIDIA H100 (float32, batch 4): ``cdnotes.shfin.cost.time_forward``
    with ``backend="cupy"``, ``repeats=10``, ``dtype="float32"``.

``conditioning_training``
    Learning-rate sweeps, sharpness, K-FAC and whitening on digits and MNIST-1D (chapter "Does
    conditioning matter for training?"; CPU, minutes)::

        python -m cdnotes lr-sweep --out cdnotes/measurements/conditioning_training.json

``spectral_training``
    Spectral-domain training (the Spectral chapter): the four regimes on digits and MNIST-1D
    with the input-node eigenvalues fixed and trained, weight distances, the link to CDLinear
    with Gauss-Newton conditioning (CPU, ~15 min), then the probes added under ``probes``
    (~4 min)::

        python -m cdnotes spectral --workers 2 --input-eigenvalues fixed trained \
            --out cdnotes/measurements/spectral_training.json
        python -m cdnotes spectral-probes --workers 2 \
            --into cdnotes/measurements/spectral_training.json

``digits_baselines``
    scikit-learn classifiers (logistic regression, RBF SVM, k-NN, random forest, MLPClassifier)
    on the digits split of chapter 5, the stochastic ones over ten seeds (CPU, minutes)::

        python -m cdnotes baselines --out cdnotes/measurements/digits_baselines.json

``depth_digits``
    The paper's three digits models at 1-4 hidden layers, ten seeds each (chapter 5, "Does the
    advantage grow with depth?"; CPU, about a quarter of an hour on a loaded 2-core machine)::

        python -m cdnotes depth --out cdnotes/measurements/depth_digits.json

``network_hessian_digits``
    The whole network's Hessian of the three digits models (chapter 8): one record per
    (model, seed, state, inputs), merged from runs split across machines (each record's
    ``source`` says which run, with its device and versions). Regenerate with
    ``python -m cdnotes network-hessian`` (see ``--help``; ``--merge`` combines files). Its
    layout differs from the benchmark files: ``command``, ``settings``, ``records``,
    ``sources``; read it with :func:`cdnotes.experiments.network_hessian_summary.load_results`.

>>> {"cdlinear_speed_cupy_h100", "gpu_vs_cpu_h100"} <= set(available_measurements())
True
>>> load_measurement("gpu_vs_cpu_h100")["benchmark"]
'gpu_vs_cpu'
"""
from __future__ import annotations

from importlib import resources

__all__ = ["available_measurements", "load_measurement"]


def available_measurements() -> list[str]:
    """Names of the shipped measurement files (without ``.json``).

    Returns
    -------
    list of str
        Sorted.
    """
    return sorted(entry.name[:-len(".json")] for entry in resources.files(__name__).iterdir()
                  if entry.name.endswith(".json"))


def load_measurement(name: str) -> dict:
    """The measurement ``name`` (e.g. ``"gpu_vs_cpu_h100"``; a ``.json`` suffix is optional) as a dict.

    Parameters
    ----------
    name : str
        One of :func:`available_measurements`.

    Returns
    -------
    dict
        The parsed file (non-finite numbers, written as ``{"__float__": ...}`` markers by
        :func:`cdnotes.results.write_json_atomic`, read back as floats): ``benchmark``,
        ``config``, ``environment`` and ``rows`` for benchmarks; experiment files have their
        own layout.

    Raises
    ------
    KeyError
        If no such file ships with the package; the message lists the ones that do.
    """
    stem = name[:-len(".json")] if name.endswith(".json") else name
    resource = resources.files(__name__).joinpath(f"{stem}.json")
    if not resource.is_file():
        raise KeyError(f"no measurement {name!r}; shipped: {', '.join(available_measurements())}")
    from ..results import read_json          # reads write_json_atomic's non-finite markers

    with resources.as_file(resource) as path:
        return read_json(path)
