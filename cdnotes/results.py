"""Results files: JSON (never pickle), written atomically, with what produced them."""
from __future__ import annotations

import datetime
import importlib.metadata
import json
import math
import os
import platform
import sys
import tempfile

__all__ = ["environment_info", "write_json_atomic", "read_json", "jsonable", "check_writable_path",
           "FLOAT_MARKER", "decode_non_finite"]

_PACKAGES = ("cdnotes", "numpy", "scipy", "scikit-learn", "array-api-compat", "cupy-cuda12x",
             "cupy-cuda13x", "array-api-strict")


def environment_info(backend: str = "numpy") -> dict:
    """Library versions, Python, platform, backend and UTC time of this run.

    Parameters
    ----------
    backend : str, default "numpy"
        Recorded as given.

    Returns
    -------
    dict
        ``versions`` (``{distribution: version}`` of those installed among cdnotes, numpy,
        scipy, scikit-learn, array-api-compat, cupy and array-api-strict), ``python``,
        ``platform``, ``machine``, ``backend`` and ``created_utc`` (ISO 8601, seconds).
    """
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return {"versions": versions, "python": sys.version.split()[0], "platform": platform.platform(),
            "machine": platform.machine(), "backend": backend,
            "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


FLOAT_MARKER = "__float__"
"""Key of the JSON object that stands for a non-finite float: ``{"__float__": "inf"}``.

JSON has no ``inf`` or ``nan``; :func:`write_json_atomic` writes them as such one-key objects
(``"inf"``, ``"-inf"``, ``"nan"``) and :func:`read_json` turns them back into floats, so a
genuine string ``"nan"`` stays a string."""

_NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def jsonable(obj, _where: str = "obj"):
    """``obj`` with NumPy scalars/arrays as numbers/lists, tuples as lists, dict keys as strings,
    and non-finite floats as ``{"__float__": "inf" | "-inf" | "nan"}`` markers.

    Parameters
    ----------
    obj : object
        Nested dicts, lists, tuples, strings, numbers, ``None``, NumPy scalars and arrays.
    _where : str, default "obj"
        Internal: the name of ``obj`` in error messages (extended while recursing).

    Returns
    -------
    object
        Made only of dicts with string keys, lists, strings, finite floats, ints, bools and
        ``None``: what ``json.dump(..., allow_nan=False)`` accepts.

    Raises
    ------
    ValueError
        Two keys of one dict that become the same string (``{1: a, "1": b}``).
    TypeError
        An object JSON cannot hold (a set, an arbitrary object), with where it is.
    """
    if isinstance(obj, dict):
        out, origin = {}, {}
        for key, value in obj.items():
            if not isinstance(key, (str, int, float, bool, type(None))) and not hasattr(key, "item"):
                raise TypeError(f"{_where} has the key {key!r} ({type(key).__name__}); JSON keys "
                                "must be strings or numbers")
            text = str(key)
            if text in out:
                raise ValueError(f"{_where} has the keys {origin[text]!r} and {key!r}, which both "
                                 f"become the JSON key {text!r}; rename one of them")
            origin[text] = key
            out[text] = jsonable(value, f"{_where}[{key!r}]")
        return out
    if isinstance(obj, (list, tuple)):
        return [jsonable(v, f"{_where}[{i}]") for i, v in enumerate(obj)]
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):
        return jsonable(obj.tolist(), _where)
    if isinstance(obj, float) and not math.isfinite(obj):
        return {FLOAT_MARKER: "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")}
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    raise TypeError(f"{_where} is a {type(obj).__name__} ({obj!r:.60}), which JSON cannot hold; "
                    "convert it to a number, string, list or dict first")


def decode_non_finite(obj: dict):
    """``json`` object hook: a ``{"__float__": ...}`` marker back to its float.

    Parameters
    ----------
    obj : dict, one decoded JSON object

    Returns
    -------
    float for a marker of :data:`FLOAT_MARKER`, else ``obj`` unchanged
    """
    if len(obj) == 1 and FLOAT_MARKER in obj and obj[FLOAT_MARKER] in _NON_FINITE:
        return _NON_FINITE[obj[FLOAT_MARKER]]
    return obj


def check_writable_path(path, name: str = "path") -> str:
    """``path`` as a string, if a file can be written there; else an error naming it.

    The path must not be a directory; its nearest existing ancestor must be a writable
    directory (missing directories below it are created by :func:`write_json_atomic`).
    Checks by creating (and deleting) a temporary file in that ancestor.

    Parameters
    ----------
    path : str or os.PathLike
        Non-empty.
    name : str, default "path"
        The argument's name in error messages.

    Returns
    -------
    str
        ``os.fspath(path)``.

    Raises
    ------
    TypeError
        ``path`` is not a string or ``os.PathLike``.
    IsADirectoryError, NotADirectoryError, PermissionError
        ``path`` is a directory; an ancestor is a file; the directory is not writable.
    """
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise TypeError(f"{name} must be a file path (a non-empty str or os.PathLike); got "
                        f"{path!r}")
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"{name} {path!r} is a directory; give a file name, e.g. "
                                f"{os.path.join(path, 'results.json')!r}")
    ancestor = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(ancestor):
        ancestor = os.path.dirname(ancestor)
    if not os.path.isdir(ancestor):
        raise NotADirectoryError(f"{name} {path!r} cannot be written: {ancestor!r} is a file, "
                                 "not a directory")
    try:                                       # the one reliable test: create a file there
        with tempfile.NamedTemporaryFile(dir=ancestor, prefix=".cdnotes-write-test-"):
            pass
    except OSError as exc:
        raise PermissionError(f"{name} {path!r} cannot be written: no file can be created in "
                              f"{ancestor!r} ({exc.strerror or exc})") from None
    return path


def write_json_atomic(path, obj) -> None:
    """Write ``obj`` as JSON to ``path`` so readers see the old file or the new one, never half.

    ``obj`` goes through :func:`jsonable` first (non-finite floats become markers that
    :func:`read_json` reads back); missing parent directories are created.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write or replace (:func:`check_writable_path`).
    obj : object
        Anything :func:`jsonable` accepts.

    Returns
    -------
    None
    """
    path = check_writable_path(path)
    data = jsonable(obj)                       # refuse unserialisable objects before any I/O
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=1, allow_nan=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_json(path):
    """The JSON document in ``path``, with ``{"__float__": "inf"}`` markers as floats.

    Parameters
    ----------
    path : str or os.PathLike
        A UTF-8 JSON file.

    Returns
    -------
    object
        The parsed document (dict, list, str, number, bool or ``None``).

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        As ``open`` does (the message names the path).
    ValueError
        The file is empty, truncated or otherwise not JSON (the message names the file and
        where the parser stopped).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (str or os.PathLike); got {path!r}")
    path = os.fspath(path)
    with open(path, "rb") as fh:
        raw = fh.read()
    if not raw.strip():
        raise ValueError(f"{path} is empty; expected a JSON document")
    try:
        return json.loads(raw.decode("utf-8"), object_hook=decode_non_finite)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not a UTF-8 text file ({exc}); expected a JSON "
                         "document") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON (corrupt or truncated?): {exc.msg} at line "
                         f"{exc.lineno}, column {exc.colno}") from None
