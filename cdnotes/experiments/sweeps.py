"""Helpers the experiments' sweeps share: running a sweep in a temporary document (what a
library function returns without a file of its own) and reading a results document of
either layout (a committed file, or the sweep document the command line writes)."""
from __future__ import annotations

import os
import tempfile

from ..engine import run_sweep
from ..validation import check_int

__all__ = ["run_local", "is_sweep_document", "provenance", "plain_record", "unique",
           "read_document"]


def run_local(sweep, *, n_jobs: int = 1, progress=None) -> dict:
    """Run ``sweep`` on :func:`cdnotes.engine.run_sweep` with its document in a temporary
    directory (removed afterwards); the document.

    Parameters
    ----------
    sweep : cdnotes.engine.Sweep
    n_jobs : int >= 1, default 1
        Local worker processes (the records are the same for any value).
    progress : bool or None
        A progress bar over jobs (``None``: only when stderr is a terminal).

    Returns
    -------
    dict ``{"command", "settings", "records", "sources"}``
    """
    n_jobs = check_int(n_jobs, "workers", minimum=1)
    with tempfile.TemporaryDirectory(prefix="cdnotes-") as tmp:
        return run_sweep(sweep, os.path.join(tmp, "results.json"), n_jobs=n_jobs,
                         progress=progress, argv=[])


def read_document(doc, command: str) -> dict:
    """``doc`` itself, or the JSON file it names, checked to be a results file of ``command``.

    Parameters
    ----------
    doc : dict, str or os.PathLike
    command : str, the sub-command that writes it (``"spectral"``)

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        Not an object (with a list of ``records``), or the document of another command.
    """
    if isinstance(doc, (str, os.PathLike)):
        from ..results import read_json

        doc = read_json(doc)
    if not isinstance(doc, dict) or not isinstance(doc.get("records", []), list):
        raise ValueError(f"not a {command} results document: it must be an object whose "
                         "'records' are a list")
    if doc.get("command", command) != command:
        raise ValueError(f"a results document of {doc.get('command')!r}, not of {command!r}")
    return doc


def is_sweep_document(doc) -> bool:
    """Whether ``doc`` has the sweep runner's layout rather than a committed file's older one.

    Parameters
    ----------
    doc : object, a decoded results file

    Returns
    -------
    bool: a dict with ``settings``, ``sources`` and ``records`` that each carry their ``job``
    """
    return (isinstance(doc, dict) and isinstance(doc.get("settings"), dict)
            and isinstance(doc.get("sources"), list)
            and all(isinstance(r, dict) and isinstance(r.get("job"), dict)
                    for r in doc.get("records", [])))


def provenance(doc: dict) -> dict:
    """The provenance of a sweep document, as the older files hold it at the top level.

    Parameters
    ----------
    doc : dict, a sweep document

    Returns
    -------
    dict: ``command``, ``argv`` (the first run's), ``environment`` (the last run's that has
    one) and ``wall_seconds`` (summed over runs)
    """
    sources = doc["sources"]
    environment = next((s["environment"] for s in reversed(sources) if s.get("environment")),
                       None)
    return {"command": doc["command"], "argv": sources[0].get("argv") if sources else None,
            "environment": environment,
            "wall_seconds": float(sum(s.get("wall_seconds") or 0.0 for s in sources))}


def plain_record(record: dict, *drop) -> dict:
    """A sweep record without the runner's ``job`` and ``source`` keys.

    Parameters
    ----------
    record : dict
    drop : str, further keys to leave out

    Returns
    -------
    dict
    """
    gone = {"job", "source", *drop}
    return {k: v for k, v in record.items() if k not in gone}


def unique(values) -> list:
    """The distinct ``values`` in order of first appearance.

    Parameters
    ----------
    values : iterable

    Returns
    -------
    list
    """
    out = []
    for v in values:
        if v not in out:
            out.append(v)
    return out
