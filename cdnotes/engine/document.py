"""The results document of a sweep, its journal, and merging documents of split runs.

A document is the JSON object ``{"command", "settings", "records", "sources"}``:
``settings`` are shared by every job; ``records`` hold one dict per finished job, in the
sweep's job order, each with ``job`` (the job's own dict) and ``source`` (its run's index in
``sources``); ``sources`` describe each run that contributed (``argv``, ``environment``,
``n_jobs``, ``dask``, ``jobs_planned``, ``complete``, ``wall_seconds``).

While a sweep runs, each finished record is also appended to a journal beside the document
(``<out>.journal.jsonl``, one JSON line per record, flushed and synced), so a run killed at
any moment loses no finished job: ``--resume`` reads the document and the journal (a torn
last line, from a kill mid-write, is ignored).
"""
from __future__ import annotations

import json
import os

from ..results import jsonable, read_json

__all__ = ["SweepDocumentError", "job_key", "load_document", "merge_documents",
           "journal_path", "read_journal", "append_journal", "strip_timings"]

TIMING_KEYS = ("wall_seconds", "seconds", "epoch_seconds", "train_seconds", "seconds_per_epoch",
               "environment", "source")


class SweepDocumentError(ValueError):
    """A file that is not a usable results document of the expected command.

    Parameters
    ----------
    message : str, what is wrong and with which file
    """

    def __init__(self, message: str):
        super().__init__(message)


def job_key(job: dict) -> str:
    """A job's identity: its dict as canonical JSON (sorted keys).

    Parameters
    ----------
    job : dict of JSON-able values

    Returns
    -------
    str
    """
    return json.dumps(jsonable(job), sort_keys=True, separators=(",", ":"))


def journal_path(out) -> str:
    """The journal file of a results document.

    Parameters
    ----------
    out : str or os.PathLike, the results document

    Returns
    -------
    str, ``<out>.journal.jsonl``
    """
    return os.fspath(out) + ".journal.jsonl"


def _check_records(records, where: str) -> list:
    if not isinstance(records, list) or not all(
            isinstance(r, dict) and isinstance(r.get("job"), dict) for r in records):
        raise SweepDocumentError(f"{where}: 'records' must be a list of objects, each with its "
                                 "'job' object")
    return records


def load_document(path, command: str) -> dict:
    """A results document of ``command``, checked.

    Parameters
    ----------
    path : str or os.PathLike
    command : str, the sub-command that must have written it

    Returns
    -------
    dict with ``command``, ``settings``, ``records`` and ``sources``

    Raises
    ------
    SweepDocumentError
        Unreadable, not JSON, or not a document of ``command`` (the message names the file).
    """
    where = os.fspath(path)
    try:
        doc = read_json(path)
    except (OSError, ValueError) as exc:
        raise SweepDocumentError(f"{where} cannot be read as a results document: {exc}") from None
    if not isinstance(doc, dict) or doc.get("command") != command or not all(
            key in doc for key in ("settings", "records", "sources")):
        raise SweepDocumentError(
            f"{where} is not a {command} results file (it needs 'command': {command!r}, "
            "'settings', 'records', 'sources')")
    if not isinstance(doc["sources"], list) or not isinstance(doc["settings"], dict):
        raise SweepDocumentError(f"{where}: 'settings' must be an object and 'sources' a list")
    _check_records(doc["records"], where)
    for record in doc["records"]:
        source = record.get("source", 0)
        if not isinstance(source, int) or not 0 <= source < max(len(doc["sources"]), 1):
            raise SweepDocumentError(f"{where}: a record names source {source!r}, but the file "
                                     f"has {len(doc['sources'])} sources")
    return doc


def read_journal(path) -> tuple:
    """The header and the records a journal holds; a torn last line (a kill mid-write) is
    ignored.

    Parameters
    ----------
    path : str or os.PathLike, a journal written by :func:`append_journal`

    Returns
    -------
    (header, records): the header dict (``command``, ``settings``; ``None`` when the file
    does not exist) and the list of records

    Raises
    ------
    SweepDocumentError
        A damaged line other than the last one.
    """
    from ..results import decode_non_finite

    if not os.path.exists(path):
        return None, []
    if not os.path.isfile(path):
        raise SweepDocumentError(f"{os.fspath(path)} is not a file; the journal must be one "
                                 "(remove it to rerun those jobs)")
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, object_hook=decode_non_finite)
        except ValueError:
            if number >= len(lines) - 1:       # the torn tail of a killed write
                break
            raise SweepDocumentError(f"{os.fspath(path)} line {number} is not JSON; the journal "
                                     "is damaged (delete it to rerun those jobs)") from None
        if not isinstance(record, dict):
            raise SweepDocumentError(f"{os.fspath(path)} line {number} is not a JSON object; "
                                     "the journal is damaged (delete it to rerun those jobs)")
        source = record.get("source", 0)
        if isinstance(source, bool) or not isinstance(source, int) or source < 0:
            raise SweepDocumentError(f"{os.fspath(path)} line {number} names source {source!r}; "
                                     "a source is an integer >= 0 (delete the journal to rerun "
                                     "those jobs)")
        records.append(record)
    if not records or not isinstance(records[0].get("journal_of"), dict):
        raise SweepDocumentError(f"{os.fspath(path)} has no header line; it is not a sweep "
                                 "journal (delete it to rerun those jobs)")
    return records[0]["journal_of"], _check_records(records[1:], os.fspath(path))


def append_journal(path, record: dict, header: dict) -> None:
    """Append one record to a journal as one line, flushed and synced to disk.

    Parameters
    ----------
    path : str or os.PathLike
    record : dict, JSON-able
    header : dict ``{"command", "settings"}``, written as the first line of a new journal

    Returns
    -------
    None
    """
    line = json.dumps(jsonable(record), allow_nan=False, separators=(",", ":"))
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        line = json.dumps(jsonable({"journal_of": header}), allow_nan=False,
                          separators=(",", ":")) + "\n" + line
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


def merge_documents(documents, command: str) -> dict:
    """One results document from several (runs split across machines).

    Parameters
    ----------
    documents : sequence of dicts as :func:`load_document` returns, at least one
    command : str

    Returns
    -------
    dict: the records of all of them (each ``source`` renumbered), their ``sources`` in order,
    the shared ``settings``.

    Raises
    ------
    SweepDocumentError
        No documents, settings that differ, or the same job twice.
    """
    documents = list(documents)
    if not documents:
        raise SweepDocumentError("merge needs at least one results document")
    settings = documents[0]["settings"]
    records, sources, seen = [], [], {}
    for index, doc in enumerate(documents):
        if doc["settings"] != settings:
            differ = sorted(k for k in set(settings) | set(doc["settings"])
                            if settings.get(k) != doc["settings"].get(k))
            raise SweepDocumentError(
                f"document {index} was run with other settings ({', '.join(differ)}) than "
                "document 0; only runs of the same settings can be merged")
        for record in doc["records"]:
            key = job_key(record["job"])
            if key in seen:
                raise SweepDocumentError(f"job {key} is in document {seen[key]} and in document "
                                         f"{index}; drop one of them before merging")
            seen[key] = index
            records.append(dict(record, source=len(sources) + int(record.get("source", 0))))
        sources.extend(doc["sources"])
    return {"command": command, "settings": settings, "records": records, "sources": sources}


def strip_timings(obj, keys=TIMING_KEYS):
    """``obj`` without the keys that differ between identical runs (timings, environment).

    Parameters
    ----------
    obj : nested dicts and lists (a document or records)
    keys : iterable of str, default ``TIMING_KEYS``

    Returns
    -------
    A copy of ``obj`` with every dict entry named in ``keys`` removed, at any depth.
    """
    keys = tuple(keys)
    if isinstance(obj, dict):
        return {k: strip_timings(v, keys) for k, v in obj.items() if k not in keys}
    if isinstance(obj, list):
        return [strip_timings(v, keys) for v in obj]
    return obj
