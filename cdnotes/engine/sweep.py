"""Run a sweep's jobs in this process, on local processes or on a Dask cluster.

Examples
--------
>>> from cdnotes.engine import Sweep, run_sweep
>>> def square(job, settings):                       # a top-level function: it is pickled
...     return {"value": job["x"] ** settings["power"]}
>>> sweep = Sweep("demo", {"power": 2}, [{"x": 1}, {"x": 2}], square)
>>> doc = run_sweep(sweep, "demo.json", n_jobs=2)    # doctest: +SKIP
>>> [r["value"] for r in doc["records"]]             # doctest: +SKIP
[1, 4]
"""
from __future__ import annotations

import os
import pickle
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

from ..results import environment_info, jsonable, write_json_atomic
from .document import (SweepDocumentError, append_journal, job_key, journal_path,
                       load_document, read_journal)

__all__ = ["Sweep", "run_sweep", "check_dask_address", "DASK_SCHEMES"]


@dataclass(frozen=True)
class Sweep:
    """What a sweep runs.

    Attributes
    ----------
    command : str
        The sub-command's name, written into the document (``"spectral"``).
    settings : dict
        JSON-able options shared by every job; a resumed or merged run must have the same.
    jobs : list of dict
        One JSON-able dict per job, distinct, each carrying the seeds it uses, so its record
        does not depend on which process runs it or when.
    run_job : callable ``(job, settings) -> dict``
        A module-level function (pickled to other processes); its dict, with ``job`` added,
        is the job's record. It must not use the keys ``job`` or ``source``.
    backend : str, default "numpy"
        Recorded in the environment of the run.
    """

    command: str
    settings: dict
    jobs: list
    run_job: Callable
    backend: str = "numpy"
    keys: list = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.command, str) or not self.command:
            raise ValueError(f"command must be a non-empty str; got {self.command!r}")
        if not isinstance(self.settings, dict):
            raise TypeError(f"settings must be a dict; got {type(self.settings).__name__}")
        if not isinstance(self.jobs, (list, tuple)):
            raise TypeError(f"jobs must be a list of dicts; got {type(self.jobs).__name__}")
        jobs = list(self.jobs)
        if not all(isinstance(job, dict) for job in jobs):
            raise TypeError("every job must be a dict of JSON-able values")
        if not callable(self.run_job):
            raise TypeError(f"run_job must be callable; got {type(self.run_job).__name__}")
        keys = [job_key(job) for job in jobs]
        seen = set()
        for key in keys:
            if key in seen:
                raise ValueError(f"job {key} is planned twice; every job must be distinct")
            seen.add(key)
        object.__setattr__(self, "jobs", jobs)
        object.__setattr__(self, "keys", keys)


def _call(run_job, index, job, settings):
    """Run one job (in whatever process) and return ``(index, record)``."""
    result = run_job(job, settings)
    if not isinstance(result, dict):
        raise TypeError(f"run_job must return a dict; it returned {type(result).__name__} for "
                        f"job {job}")
    clash = {"job", "source"} & set(result)
    if clash:
        raise ValueError(f"run_job's record may not use the keys {sorted(clash)}; they are the "
                         "sweep's")
    return index, {"job": job, **result}


DASK_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss")
"""The protocols of a ``dask.distributed`` scheduler address ``SCHEME://HOST:PORT``."""


def check_dask_address(address) -> str:
    """A ``dask.distributed`` scheduler address, ``SCHEME://HOST:PORT``.

    Parameters
    ----------
    address : str, e.g. ``"tcp://10.0.0.5:8786"``

    Returns
    -------
    str, the address

    Raises
    ------
    ValueError
        Not of that form (the message names the allowed schemes).
    """
    import re

    match = re.fullmatch(r"([a-z]+)://(\[[0-9a-fA-F:.]+\]|[^:/\s\[\]]+):([0-9]{1,5})",
                         address) if isinstance(address, str) else None
    if match is None or match.group(1) not in DASK_SCHEMES or not 0 < int(match.group(3)) < 65536:
        raise ValueError(f"a Dask scheduler address is SCHEME://HOST:PORT with SCHEME one of "
                         f"{', '.join(DASK_SCHEMES)} (e.g. 'tcp://10.0.0.5:8786', which "
                         f"`dask scheduler` prints); got {address!r}")
    return address


def _check_spreading(n_jobs, dask):
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ValueError(f"n_jobs must be an integer >= 1; got {n_jobs!r}")
    if dask is not None:
        check_dask_address(dask)


def _results(sweep, todo, n_jobs, dask):
    """Yield ``(index, record)`` for the jobs ``todo`` (indices) as they finish."""
    if dask is None and n_jobs == 1:
        for i in todo:
            yield _call(sweep.run_job, i, sweep.jobs[i], sweep.settings)
        return
    try:
        pickle.dumps(sweep.run_job)
    except Exception as exc:                        # lambdas, local functions
        raise TypeError(f"run_job {sweep.run_job!r} cannot be sent to other processes ({exc});"
                        " use a module-level function, or n_jobs=1") from None
    from joblib import Parallel, delayed, parallel_config

    tasks = (delayed(_call)(sweep.run_job, i, sweep.jobs[i], sweep.settings) for i in todo)
    if dask is None:
        yield from Parallel(n_jobs=n_jobs, return_as="generator_unordered")(tasks)
        return
    try:
        from distributed import Client
    except ImportError:
        raise ImportError("--dask needs dask.distributed: pip install 'cdnotes[cluster]'") from None
    try:
        client = Client(dask, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConnectionError(f"no Dask scheduler answered at {dask!r} ({exc}); start one "
                              "(dask scheduler, or your cluster's deployment) first") from None
    with client, parallel_config(backend="dask"):
        yield from Parallel(n_jobs=-1, return_as="generator_unordered")(tasks)


def _same_settings(have, want, where):
    if have != want:
        have = have if isinstance(have, dict) else {}
        differ = sorted(k for k in set(have) | set(want) if have.get(k) != want.get(k))
        raise SweepDocumentError(f"{where} was run with other settings ({', '.join(differ)}); "
                                 "use another output file")


def _previous(sweep, out, resume):
    """The document to extend: the one in ``out`` and its journal (resume), or a new one."""
    doc = {"command": sweep.command, "settings": jsonable(sweep.settings), "records": [],
           "sources": []}
    journal = journal_path(out)
    if not resume:
        if os.path.exists(journal):
            os.remove(journal)
        return doc
    want = jsonable(sweep.settings)
    if os.path.exists(out):
        doc = load_document(out, sweep.command)
        _same_settings(jsonable(doc["settings"]), want, os.fspath(out))
    header, journaled = read_journal(journal)
    if header is not None:
        if header.get("command") != sweep.command:
            raise SweepDocumentError(f"{journal} is the journal of {header.get('command')!r}, "
                                     f"not of {sweep.command!r}; use another output file")
        _same_settings(jsonable(header.get("settings")), want, journal)
    have = {job_key(r["job"]) for r in doc["records"]}
    known, lost = len(doc["sources"]), {}        # a killed run whose source was never saved
    for record in journaled:
        if job_key(record["job"]) not in have:
            source = record.get("source", known)
            if source >= known:                      # one placeholder per lost run
                if source not in lost:
                    lost[source] = len(doc["sources"])
                    doc["sources"].append({"argv": None, "complete": False})
                record["source"] = lost[source]
            doc["records"].append(record)
            have.add(job_key(record["job"]))
    return doc


def _ordered(sweep, records):
    """Records in the sweep's job order; records of jobs outside this sweep go last."""
    position = {key: i for i, key in enumerate(sweep.keys)}
    return sorted(records, key=lambda r: position.get(job_key(r["job"]), len(position)))


def run_sweep(sweep: Sweep, out, *, n_jobs: int = 1, dask: str | None = None,
              resume: bool = False, progress: bool | None = None, argv=None,
              checkpoint_seconds: float = 30.0) -> dict:
    """Run every job of ``sweep`` not yet done and write the results document ``out``.

    Parameters
    ----------
    sweep : Sweep
    out : str or os.PathLike
        The results document, written atomically at the end, every ``checkpoint_seconds``
        and when a job fails; each finished record is also appended to its journal
        (``<out>.journal.jsonl``, removed once the document is complete).
    n_jobs : int >= 1, default 1
        Local worker processes (joblib's loky backend, which gives each worker its share of
        the BLAS threads); 1 runs the jobs here, one after another.
    dask : str, optional
        Address of a running ``dask.distributed`` scheduler (``"tcp://10.0.0.5:8786"``): the
        jobs run on its workers through joblib's Dask backend and ``n_jobs`` is ignored. The
        workers need cdnotes installed (``pip install 'cdnotes[cluster]'``).
    resume : bool, default False
        Keep the records already in ``out`` and its journal (same settings required) and run
        only the other jobs. Without it, an existing ``out`` is replaced.
    progress : bool or None, default None
        A progress bar over jobs; ``None`` shows one only when stderr is a terminal.
    argv : list of str, optional
        The command line, recorded in this run's source (default ``sys.argv[1:]``).

    Returns
    -------
    dict, the document written: ``command``, ``settings``, ``records`` (one per job, in job
    order, each ``{"job": ..., "source": ..., **record}``), ``sources``.

    Raises
    ------
    SweepDocumentError
        ``resume`` with an ``out`` of another command or other settings, or a damaged journal.
    """
    from ..results import check_writable_path
    from ..validation import check_bool, check_real

    if not isinstance(sweep, Sweep):
        raise TypeError(f"sweep must be a cdnotes.engine.Sweep; got {type(sweep).__name__}")
    _check_spreading(n_jobs, dask)
    out = check_writable_path(out, "out")
    resume = check_bool(resume, "resume")
    checkpoint_seconds = check_real(checkpoint_seconds, "checkpoint_seconds", low=0,
                                    low_open=True)
    if argv is not None and (isinstance(argv, str) or not all(isinstance(a, str)
                                                              for a in argv)):
        raise TypeError(f"argv must be a list of str (the command line); got {argv!r}")
    doc = _previous(sweep, out, resume)
    done = {job_key(r["job"]) for r in doc["records"]}
    todo = [i for i, key in enumerate(sweep.keys) if key not in done]
    source = {"argv": list(sys.argv[1:] if argv is None else argv),
              "environment": environment_info(sweep.backend), "n_jobs": n_jobs, "dask": dask,
              "jobs_planned": len(todo), "complete": False, "wall_seconds": 0.0}
    doc["sources"].append(source)
    index = len(doc["sources"]) - 1
    journal = journal_path(out)
    header = {"command": sweep.command, "settings": sweep.settings}
    os.makedirs(os.path.dirname(os.path.abspath(journal)), exist_ok=True)
    show = sys.stderr.isatty() if progress is None else bool(progress)
    from tqdm.auto import tqdm

    start = last = time.perf_counter()
    bar = tqdm(total=len(todo), desc=sweep.command, unit="job", disable=not show)
    try:
        for _, record in _results(sweep, todo, n_jobs, dask):
            record["source"] = index
            append_journal(journal, record, header)
            doc["records"].append(record)
            bar.update(1)
            if time.perf_counter() - last > checkpoint_seconds:
                source["wall_seconds"] = time.perf_counter() - start
                write_json_atomic(out, dict(doc, records=_ordered(sweep, doc["records"])))
                last = time.perf_counter()
        source["complete"] = True
    finally:
        bar.close()
        source["wall_seconds"] = time.perf_counter() - start
        doc["records"] = _ordered(sweep, doc["records"])
        write_json_atomic(out, doc)
    if os.path.exists(journal):
        os.remove(journal)
    return doc
