"""Results files of the experiment sub-commands, read in either of their two layouts.

The files committed in :mod:`cdnotes.measurements` were written before the sweep runner
(:mod:`cdnotes.engine`): ``{"command", "config", "records", "environment", "seconds"}``
(``structured`` also ``argv`` and ``wall_seconds``). The sub-commands now write sweep
documents: ``{"command", "settings", "records", "sources"}``, each record carrying its
``job`` and ``source``, the argv, environment and wall time in ``sources``. The records hold
the same fields in both, so the analyses read either; :func:`committed_view` gives a sweep
document the committed layout's top-level keys, so a chapter reads a regenerated file as it
reads the committed one.
"""
from __future__ import annotations

import os
import shlex

from .sweeps import is_sweep_document

__all__ = ["read_results", "is_sweep_document", "job_values", "committed_view"]


def read_results(source) -> dict:
    """A results document from a measurement name, a file path, or a dict (returned as is).

    Parameters
    ----------
    source : str, os.PathLike or dict
        A name of :func:`cdnotes.measurements.available_measurements` (``"depth_digits"``),
        a path to a ``.json`` file, or an already loaded document.

    Returns
    -------
    dict
    """
    if isinstance(source, dict):
        return source
    from ..measurements import available_measurements, load_measurement
    from ..results import read_json

    stem = os.fspath(source)
    if stem.removesuffix(".json") in available_measurements() and not os.path.exists(stem):
        return load_measurement(stem)
    if not os.path.isfile(stem):
        raise FileNotFoundError(f"no results file {stem!r} (neither a path nor one of "
                                f"{', '.join(available_measurements())})")
    return read_json(stem)


def job_values(records, key: str) -> list:
    """The distinct values of ``job[key]`` over ``records``, in first-seen order.

    Parameters
    ----------
    records : list of sweep records (each with ``job``)
    key : str

    Returns
    -------
    list (``None`` values left out)
    """
    out = []
    for r in records:
        value = r["job"].get(key)
        if value is not None and value not in out:
            out.append(value)
    return out


def committed_view(doc: dict, config: dict, *, command_text: bool = True) -> dict:
    """A sweep document with the committed layout's top-level keys added.

    Parameters
    ----------
    doc : dict, a sweep document (:func:`is_sweep_document`)
    config : dict, what the committed layout called ``config`` (built by the caller from
        ``settings`` and the jobs)
    command_text : bool
        ``command`` as the command line ``"python -m cdnotes depth --seeds …"`` (the
        committed ``depth``/``baselines`` files), else the sub-command's name (``structured``).

    Returns
    -------
    dict: ``doc``'s keys, with ``config``, ``argv`` (the first run's), ``environment`` (the
    last run's), ``seconds`` and ``wall_seconds`` (summed over the runs) and ``command``.
    """
    sources = doc["sources"]
    argv = next((s["argv"] for s in sources          # the command line, where it was one
                 if s.get("argv") and s["argv"][0] == doc["command"]), [doc["command"]])
    environment = next((s["environment"] for s in reversed(sources) if "environment" in s), {})
    seconds = float(sum(s.get("wall_seconds", 0.0) for s in sources))
    command = ("python -m cdnotes " + shlex.join(argv)) if command_text else doc["command"]
    return {**doc, "command": command, "sweep_command": doc["command"], "argv": list(argv),
            "config": config, "environment": environment, "seconds": seconds,
            "wall_seconds": seconds}
