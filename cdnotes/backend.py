"""Array backends: which ones are installed, and the namespace of a set of arrays.

Every public function in cdnotes takes the *namespace of its inputs* (through
``array_api_compat``), so the same code runs on NumPy, CuPy and
``array_api_strict`` arrays, and results stay on the input's device.
"""
from __future__ import annotations

import importlib

import array_api_compat

__all__ = ["available_backends", "namespace_of", "device_of", "to_numpy", "import_namespace",
           "resolve_namespace"]

_BACKENDS = ("numpy", "cupy", "array_api_strict")


def available_backends() -> dict[str, dict]:
    """Report which array backends can be used here.

    Returns
    -------
    dict
        ``{name: {"installed": bool, "version": str | None, "usable": bool,
        "detail": str}}`` for ``numpy``, ``cupy`` and ``array_api_strict``.
        CuPy counts as *usable* only when it imports and sees at least one GPU.
    """
    report = {}
    for name in _BACKENDS:
        entry = {"installed": False, "version": None, "usable": False, "detail": ""}
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # ImportError, or CUDA errors raised at import time
            entry["detail"] = f"not importable: {type(exc).__name__}: {exc}"
            report[name] = entry
            continue
        entry["installed"] = True
        entry["version"] = getattr(module, "__version__", None)
        if name == "cupy":
            try:
                count = module.cuda.runtime.getDeviceCount()
                entry["usable"] = count > 0
                entry["detail"] = f"{count} CUDA device(s)"
            except Exception as exc:
                entry["detail"] = f"no usable GPU: {type(exc).__name__}: {exc}"
        else:
            entry["usable"] = True
        report[name] = entry
    return report


def namespace_of(*arrays):
    """The array-API namespace shared by ``arrays`` (``None`` entries are skipped).

    Parameters
    ----------
    *arrays : NumPy, CuPy or array_api_strict arrays (or None)

    Returns
    -------
    namespace
        The ``array_api_compat`` namespace (NumPy, CuPy) or ``array_api_strict``.

    Raises
    ------
    TypeError
        If an argument is not an array of a supported library, or the arrays come
        from different libraries (for example a NumPy parameter and a CuPy input).
    """
    arrays = [a for a in arrays if a is not None]
    try:
        return array_api_compat.array_namespace(*arrays)
    except TypeError as exc:
        kinds = sorted({type(a).__module__ + "." + type(a).__name__ for a in arrays})
        raise TypeError(
            "cdnotes needs arrays from one array library (NumPy, CuPy or "
            f"array_api_strict); got {', '.join(kinds)}. Move the layer with "
            "`layer.to(xp)` or convert the input first."
        ) from exc


def device_of(x):
    """The device an array lives on.

    Parameters
    ----------
    x : array of any supported backend

    Returns
    -------
    device (``"cpu"`` for NumPy)
    """
    return array_api_compat.device(x)


def to_numpy(x):
    """Copy an array of any supported backend to a NumPy array on the host.

    Parameters
    ----------
    x : array of any supported backend

    Returns
    -------
    numpy.ndarray (``x`` itself if it already is one)
    """
    import numpy as np

    if array_api_compat.is_cupy_array(x):
        return x.get()
    if array_api_compat.is_numpy_array(x):
        return x
    return np.asarray(_via_dlpack_or_list(x))


def _via_dlpack_or_list(x):
    import numpy as np

    try:
        return np.from_dlpack(x)
    except Exception:
        return np.asarray(x.tolist() if hasattr(x, "tolist") else x)


def import_namespace(name: str):
    """The array-API namespace for a backend name.

    Parameters
    ----------
    name : {"numpy", "cupy", "array_api_strict"}

    Returns
    -------
    namespace
    """
    if name not in _BACKENDS:
        raise ValueError(f"unknown backend {name!r}; allowed: {', '.join(_BACKENDS)}")
    module = importlib.import_module(name)
    if name == "array_api_strict":
        return module
    return array_api_compat.array_namespace(module.asarray([0.0]))


def resolve_namespace(xp=None):
    """A namespace from ``None`` (NumPy), a backend name, or a module.

    Parameters
    ----------
    xp : None, str or module
        ``None`` gives NumPy; a name as for :func:`import_namespace`; a module (plain or
        ``array_api_compat``) is mapped to its namespace.

    Returns
    -------
    namespace
    """
    if xp is None:
        return import_namespace("numpy")
    if isinstance(xp, str):
        return import_namespace(xp)
    parts = getattr(xp, "__name__", "").split(".")
    root = parts[1] if parts[0] == "array_api_compat" and len(parts) > 1 else parts[0]
    return import_namespace(root) if root in _BACKENDS else xp
