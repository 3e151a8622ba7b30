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

__all__ = ["environment_info", "write_json_atomic", "read_json", "jsonable"]

_PACKAGES = ("cdnotes", "numpy", "scipy", "scikit-learn", "array-api-compat", "cupy-cuda12x",
             "cupy-cuda13x", "array-api-strict")


def environment_info(backend: str = "numpy") -> dict:
    """Library versions, Python, platform, backend and UTC time of this run."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return {"versions": versions, "python": sys.version.split()[0], "platform": platform.platform(),
            "machine": platform.machine(), "backend": backend,
            "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def jsonable(obj):
    """Convert NumPy scalars/arrays and non-finite floats (as the strings "inf", "-inf", "nan")."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "tolist"):
        return jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    return obj


def write_json_atomic(path, obj) -> None:
    """Write ``obj`` as JSON to ``path`` so readers see the old file or the new one, never half."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(jsonable(obj), fh, indent=1, allow_nan=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_json(path):
    with open(path) as fh:
        return json.load(fh)
