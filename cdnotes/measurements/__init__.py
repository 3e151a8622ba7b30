"""Measurements taken on hardware the book's build does not have, shipped with the package.

The Performance chapter plots GPU timings, and the machine that builds the book (or a reader's
Colab session) has no GPU. So those timings were taken once and are kept here as JSON, inside
the package: ``pip install`` ships them (package data), and :func:`load_measurement` reads them
with :mod:`importlib.resources`, so a notebook finds them wherever it runs — no path relative to
the repository.

Each file holds ``benchmark`` (the script), ``config`` (its arguments), ``environment`` (device,
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

``network_hessian_digits``
    The whole network's Hessian of the three digits models (chapter 8): one record per
    (model, seed, state, inputs), merged from runs split across machines (each record's
    ``source`` says which run, with its device and versions). Regenerate with
    ``python -m cdnotes network-hessian`` (see ``--help``; ``--merge`` combines files). Its
    layout differs from the benchmark files: ``command``, ``settings``, ``records``,
    ``sources``; read it with :func:`cdnotes.experiments.network_hessian_summary.load_results`.

>>> sorted(available_measurements())
['cdlinear_speed_cupy_h100', 'gpu_vs_cpu_h100', 'network_hessian_digits']
>>> load_measurement("gpu_vs_cpu_h100")["benchmark"]
'gpu_vs_cpu'
"""
from __future__ import annotations

import json
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
        The parsed file: ``benchmark``, ``config``, ``environment`` and ``rows``.

    Raises
    ------
    KeyError
        If no such file ships with the package; the message lists the ones that do.
    """
    stem = name[:-len(".json")] if name.endswith(".json") else name
    resource = resources.files(__name__).joinpath(f"{stem}.json")
    if not resource.is_file():
        raise KeyError(f"no measurement {name!r}; shipped: {', '.join(available_measurements())}")
    return json.loads(resource.read_text(encoding="utf-8"))
