"""Array arguments: the array check, dtypes, shapes, layer inputs, coefficients, labels."""
from __future__ import annotations

__all__ = ["array_library", "check_same_library", "check_array", "check_dtype",
           "check_float_array", "check_same_dtype", "check_shape", "check_input",
           "check_coefficients", "check_labels"]

# ----------------------------------------------------------------------------
# Arrays.
# ----------------------------------------------------------------------------

_FLOAT_NAMES = ("float32", "float64")


def check_dtype(xp, dtype):
    """A real floating dtype of namespace ``xp`` from ``"float32"``/``"float64"`` or a dtype.

    Parameters
    ----------
    xp : namespace
    dtype : {"float32", "float64"} or a dtype
        A dtype must equal ``xp.float32`` or ``xp.float64``.

    Returns
    -------
    dtype
        ``xp.float32`` or ``xp.float64``.

    Raises
    ------
    ValueError
        A string other than ``"float32"``/``"float64"``.
    TypeError
        A dtype object other than float32/float64 (float16, integers, complex).
    """
    if isinstance(dtype, str):
        if dtype not in _FLOAT_NAMES:
            raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
        return getattr(xp, dtype)
    for name in _FLOAT_NAMES:
        try:
            if dtype == getattr(xp, name):
                return getattr(xp, name)
        except TypeError:            # comparing unrelated dtype objects
            pass
    raise TypeError(f"dtype must be float32 or float64 (a name or a dtype of the backend); "
                    f"got {dtype!r}")


def check_float_array(xp, x, name: str):
    """``x`` must be a real floating array with no NaN or inf (the latter if ``CHECK_FINITE``).

    Parameters
    ----------
    xp : namespace; x : array; name : str

    Returns
    -------
    ``x``
    """
    from . import CHECK_FINITE                     # read now: finite_checks() switches it

    dtype = x.dtype
    if not xp.isdtype(dtype, "real floating"):
        kind = "complex" if xp.isdtype(dtype, "complex floating") else (
            "integer" if xp.isdtype(dtype, "integral") else "non-float")
        raise TypeError(
            f"{name} must be a real floating array (float32 or float64); got {kind} "
            f"dtype {dtype}. Convert it first, e.g. `x.astype(float)` / `xp.astype(x, xp.float64)`."
        )
    if not (dtype == xp.float32 or dtype == xp.float64):     # float16, bfloat16, float128
        raise TypeError(f"{name} must be float32 or float64; got dtype {dtype}. Convert it "
                        "first, e.g. `x.astype(np.float64)` / `xp.astype(x, xp.float64)`")
    if CHECK_FINITE and x.size != 0 and not bool(xp.all(xp.isfinite(x))):
        n_nan = int(xp.sum(xp.astype(xp.isnan(x), xp.int64)))
        n_inf = int(xp.sum(xp.astype(xp.isinf(x), xp.int64)))
        raise ValueError(f"{name} contains non-finite values ({n_nan} NaN, {n_inf} inf); "
                         "all entries must be finite")
    return x


def check_same_dtype(**arrays):
    """All the named arrays share one dtype (``check_same_dtype(C=C, X=X)``); else ``TypeError``.

    Parameters
    ----------
    **arrays : arrays (or None, skipped), by the names the message uses

    Returns
    -------
    None
    """
    dtypes = {name: a.dtype for name, a in arrays.items() if a is not None}
    if len({str(d) for d in dtypes.values()}) > 1:
        listed = ", ".join(f"{name} is {d}" for name, d in dtypes.items())
        raise TypeError(f"arrays must share one dtype: {listed}. Cast them to one dtype "
                        "(float32 or float64) first, or move the layer with layer.to(dtype=...)")


def check_shape(x, expected: tuple, name: str):
    """``tuple(x.shape) == expected``; else a ``ValueError`` naming ``name`` and both shapes.

    Parameters
    ----------
    x : array; expected : tuple of int; name : str

    Returns
    -------
    ``x``
    """
    if tuple(x.shape) != tuple(expected):
        raise ValueError(f"{name} must have shape {tuple(expected)}; got {tuple(x.shape)}")
    return x


def check_input(xp, x, n_in: int, name: str = "X"):
    """A batch ``(..., n_in)`` of real floats: non-empty, right width, finite.

    Parameters
    ----------
    xp : namespace; x : array; n_in : int; name : str, default "X"

    Returns
    -------
    ``x``
    """
    check_array(x, name)
    if x.ndim == 0:
        raise ValueError(f"{name} must have shape (..., {n_in}); got a 0-d array")
    if x.shape[-1] != n_in:
        raise ValueError(
            f"{name} has last dimension {x.shape[-1]} but the layer expects n_in={n_in}; "
            f"shape must be (..., {n_in}), got {tuple(x.shape)}"
        )
    if x.ndim == 1:
        raise ValueError(
            f"{name} must have a batch dimension, shape (batch, {n_in}); got shape "
            f"{tuple(x.shape)}. For a single sample use x[None, :]"
        )
    if any(s == 0 for s in x.shape[:-1]):
        raise ValueError(f"{name} is an empty batch (shape {tuple(x.shape)}); "
                         "it needs at least one sample")
    return check_float_array(xp, x, name)


def check_coefficients(xp, C, name: str = "C"):
    """Block-circulant coefficients: a real float array of shape ``(Ko, Ki, B)``.

    Parameters
    ----------
    xp : namespace; C : array; name : str, default "C"

    Returns
    -------
    ``C``
    """
    check_array(C, name)
    if C.ndim != 3:
        raise ValueError(
            f"{name} must have shape (Ko, Ki, B) (3 dimensions); got {C.ndim} "
            f"dimension(s), shape {tuple(C.shape)}"
        )
    if any(s == 0 for s in C.shape):
        raise ValueError(f"{name} has a zero-length dimension, shape {tuple(C.shape)}")
    return check_float_array(xp, C, name)


def check_labels(xp, y, n_samples: int, n_classes: int, name: str = "y"):
    """Integer class labels ``(n_samples,)`` with values in ``[0, n_classes)``.

    Parameters
    ----------
    xp : namespace; y : array; n_samples, n_classes : int; name : str, default "y"

    Returns
    -------
    ``y``
    """
    check_array(y, name)
    if array_library(y) != array_library(xp):
        raise TypeError(f"{name} comes from {array_library(y)} but the data (and model) from "
                        f"{array_library(xp)}; labels must come from the same array library "
                        f"(NumPy, CuPy or array_api_strict): convert them first, e.g. "
                        f"xp.asarray({name})")
    if tuple(y.shape) != (n_samples,):
        raise ValueError(f"{name} must have shape ({n_samples},), one label per sample; "
                         f"got {tuple(y.shape)}")
    if not xp.isdtype(y.dtype, "integral"):
        raise TypeError(f"{name} must hold integer class labels in [0, {n_classes}); got dtype "
                        f"{y.dtype}")
    low, high = int(xp.min(y)), int(xp.max(y))
    if low < 0 or high >= n_classes:
        raise ValueError(f"{name} has labels in [{low}, {high}]; the model has {n_classes} "
                         f"classes, so labels must be in [0, {n_classes - 1}]")
    return y


# ----------------------------------------------------------------------------
# Arguments that must be arrays of one library.
# ----------------------------------------------------------------------------

def check_array(x, name: str):
    """``x`` must be an array of a supported library (NumPy, CuPy, array_api_strict).

    Called before :func:`cdnotes.backend.namespace_of`, so that ``None``, a string or a
    list gets a message naming the argument (a list is not converted: the array library,
    device and dtype of a result come from its inputs).

    Parameters
    ----------
    x : object
    name : str
        Used in the message.

    Returns
    -------
    ``x``

    Raises
    ------
    TypeError
        ``x`` is not an array of a supported library.
    """
    import array_api_compat

    if not array_api_compat.is_array_api_obj(x) or isinstance(x, (str, bytes)):
        hint = (" Convert it first, e.g. np.asarray(x, dtype=np.float64)"
                if isinstance(x, (list, tuple)) else "")
        raise TypeError(f"{name} must be an array (NumPy, CuPy or array_api_strict); got "
                        f"{type(x).__name__}.{hint}")
    return x




def array_library(x) -> str:
    """The library of an array or a namespace: ``"numpy"``, ``"cupy"``, ``"array_api_strict"``
    (any other library: its top-level module name).

    Parameters
    ----------
    x : array or array namespace (as :func:`cdnotes.backend.namespace_of` returns)

    Returns
    -------
    str
    """
    import array_api_compat

    if hasattr(x, "__array_namespace__") or array_api_compat.is_array_api_obj(x):
        for name, test in (("numpy", array_api_compat.is_numpy_array),
                           ("cupy", array_api_compat.is_cupy_array)):
            if test(x):
                return name
        return type(x).__module__.split(".")[0]
    for name, test in (("numpy", array_api_compat.is_numpy_namespace),
                       ("cupy", array_api_compat.is_cupy_namespace),
                       ("array_api_strict", array_api_compat.is_array_api_strict_namespace)):
        if test(x):
            return name
    return getattr(x, "__name__", type(x).__name__).split(".")[0]


def check_same_library(**arrays):
    """All the named arrays come from one array library (``check_same_library(X=X, y=y)``).

    Parameters
    ----------
    **arrays : arrays (or None, skipped), by the names the message uses (check each with
        :func:`check_array` first)

    Returns
    -------
    str
        The library (see :func:`array_library`), or ``None`` when no array was given.

    Raises
    ------
    TypeError
        Two libraries; the message says which argument is which and how to convert.
    """
    found = {name: array_library(a) for name, a in arrays.items() if a is not None}
    if len(set(found.values())) > 1:
        listed = ", ".join(f"{name} is {lib}" for name, lib in found.items())
        raise TypeError(f"arrays must come from one array library (NumPy, CuPy or "
                        f"array_api_strict): {listed}. Convert the data (xp.asarray(X)) or move "
                        f"the model (make_mlp(..., xp=xp), layer.to(xp))")
    return next(iter(found.values()), None)
