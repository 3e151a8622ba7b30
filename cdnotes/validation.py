"""Checks made at the public boundary, with errors that name the problem and the fix.

Every check here raises ``TypeError`` or ``ValueError`` *before* any arithmetic, so a
bad argument never turns into a silent NaN or a broadcasting error deep inside an
FFT. Each kind of check lives here once, with one message: every public entry point
of the library calls these.

The NaN/inf check of arrays reads one boolean back from the device. On a GPU that is a
synchronisation; switch it off for speed with :func:`finite_checks` (``with
finite_checks(False): ...``) once a pipeline is known to be clean.
"""
from __future__ import annotations

import contextlib
import math
import numbers

__all__ = [
    "CHECK_FINITE",
    "finite_checks",
    "divisors",
    "common_divisors",
    "check_positive_int",
    "check_int",
    "check_real",
    "check_choice",
    "check_rtol",
    "check_block_size",
    "check_dtype",
    "check_float_array",
    "check_same_dtype",
    "check_input",
    "check_coefficients",
    "check_shape",
    "check_square_symmetric",
    "check_labels",
    "check_array",
    "check_seed",
    "check_namespace",
    "check_host_vector",
    "check_bool",
    "sklearn_data",
]

CHECK_FINITE = True


@contextlib.contextmanager
def finite_checks(enabled: bool):
    """Temporarily switch the NaN/inf checks on or off (``with finite_checks(False): ...``).

    Parameters
    ----------
    enabled : bool

    Returns
    -------
    context manager
        Sets :data:`CHECK_FINITE` inside the block (it yields nothing) and restores the
        previous value on exit, also after an exception.
    """
    global CHECK_FINITE
    previous, CHECK_FINITE = CHECK_FINITE, bool(enabled)
    try:
        yield
    finally:
        CHECK_FINITE = previous


def divisors(n: int) -> list[int]:
    """All positive divisors of ``n``, ascending.

    Parameters
    ----------
    n : int >= 1

    Returns
    -------
    list of int
    """
    n = check_positive_int(n, "n")
    return [d for d in range(1, n + 1) if n % d == 0]


def common_divisors(a: int, b: int) -> list[int]:
    """The positive integers that divide both ``a`` and ``b``, ascending.

    Parameters
    ----------
    a, b : int >= 1

    Returns
    -------
    list of int
    """
    return [d for d in divisors(a) if b % d == 0]


# ----------------------------------------------------------------------------
# Scalars.
# ----------------------------------------------------------------------------

def check_int(value, name: str, *, minimum: int | None = None) -> int:
    """``value`` as a Python ``int`` (``bool``, floats and strings refused), ``>= minimum``.

    Integer NumPy scalars and 0-d integer arrays are accepted (anything with
    ``__index__``); ``2.0`` is not: a size given as a float is usually a mistake.

    Parameters
    ----------
    value : object
    name : str
        Used in the message.
    minimum : int, optional

    Returns
    -------
    int
    """
    wanted = ("a positive integer" if minimum == 1 else "an integer" if minimum is None
              else f"an integer >= {minimum}")
    if isinstance(value, bool) or not (isinstance(value, numbers.Integral)
                                       or hasattr(value, "__index__")):
        raise TypeError(f"{name} must be {wanted}; got {value!r} ({type(value).__name__})")
    value = int(value.__index__())
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be {wanted}; got {value}")
    return value


def check_positive_int(value, name: str) -> int:
    """``value`` as an ``int >= 1`` (see :func:`check_int`).

    Parameters
    ----------
    value : object; name : str

    Returns
    -------
    int
    """
    return check_int(value, name, minimum=1)


def check_real(value, name: str, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a finite Python ``float`` within the given bounds.

    Parameters
    ----------
    value : real number (int, float, NumPy scalar; not bool, str or complex)
    name : str
        Used in the message.
    low, high : float, optional
        Bounds; ``low_open`` / ``high_open`` make them strict.
    low_open, high_open : bool, default False

    Returns
    -------
    float

    Raises
    ------
    TypeError
        Not a real number.
    ValueError
        NaN, infinite, or outside the bounds (the message states the allowed range).
    """
    lo = "(" if low_open else "["
    hi = ")" if high_open else "]"
    allowed = f"{lo}{'-inf' if low is None else format(low, 'g')}, " \
              f"{'inf' if high is None else format(high, 'g')}{hi}"
    if isinstance(value, (bool, str, bytes)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number in {allowed}; got {value!r} "
                        f"({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number in {allowed}; got {value}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        raise ValueError(f"{name} must be in {allowed}; got {value}")
    return value


def check_choice(value, name: str, allowed) -> object:
    """``value`` must be one of ``allowed`` (the message lists them).

    Parameters
    ----------
    value : object; name : str; allowed : iterable

    Returns
    -------
    ``value``
    """
    allowed = tuple(allowed)
    if not isinstance(value, (str, int, float, type(None))) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def check_rtol(rtol, name: str = "rtol") -> float:
    """A relative tolerance: a finite float in the open interval (0, 1).

    Parameters
    ----------
    rtol : float; name : str, default "rtol"

    Returns
    -------
    float
    """
    return check_real(rtol, name, low=0.0, high=1.0, low_open=True, high_open=True)


# ----------------------------------------------------------------------------
# Sizes.
# ----------------------------------------------------------------------------

def check_block_size(n_in, n_out, block_size) -> tuple[int, int, int]:
    """Validate layer sizes; return ``(n_in, n_out, block_size)`` as ints.

    The one block-size check of the library: every function that takes a block size
    calls it, so the message is the same everywhere.

    Parameters
    ----------
    n_in, n_out : int >= 1
    block_size : int >= 1
        Must divide ``n_in`` and ``n_out``.

    Returns
    -------
    (n_in, n_out, block_size) : tuple of int

    Raises
    ------
    TypeError
        A size that is not an integer.
    ValueError
        A size below 1, or a ``block_size`` that does not divide both widths (the
        message lists the block sizes that do).
    """
    n_in = check_positive_int(n_in, "n_in")
    n_out = check_positive_int(n_out, "n_out")
    block_size = check_positive_int(block_size, "block_size")
    bad = [f"{name}={n}" for name, n in (("n_in", n_in), ("n_out", n_out)) if n % block_size]
    if bad:
        raise ValueError(
            f"block_size={block_size} does not divide {' and '.join(bad)}; "
            f"block sizes that divide both n_in={n_in} and n_out={n_out}: "
            f"{', '.join(map(str, common_divisors(n_in, n_out)))}"
        )
    return n_in, n_out, block_size


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


def check_square_symmetric(S, name: str, *, psd: bool = False, rtol: float = 1e-8):
    """A finite, square, symmetric host matrix (and positive semi-definite if ``psd``).

    Parameters
    ----------
    S : array-like ``(n, n)``
    name : str
        Used in the message.
    psd : bool
        Also require ``λ_min >= −rtol·max(|λ|)``.
    rtol : float
        Relative tolerance for symmetry (``‖S − Sᵀ‖_max <= rtol·‖S‖_max``) and PSD-ness.

    Returns
    -------
    numpy.ndarray ``(n, n)`` float64 (a copy)
    """
    import numpy as np

    from .backend import to_numpy

    S = np.array(to_numpy(S) if hasattr(S, "__array_namespace__") else S, dtype=np.float64)
    if S.ndim != 2 or S.shape[0] != S.shape[1] or S.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix (n, n); got shape {S.shape}")
    if not np.all(np.isfinite(S)):
        raise ValueError(f"{name} contains NaN or inf; all entries must be finite")
    scale = float(np.abs(S).max()) or 1.0
    asym = float(np.abs(S - S.T).max())
    if asym > rtol * scale:
        raise ValueError(f"{name} must be symmetric; max |{name} − {name}ᵀ| = {asym:.3g} "
                         f"(relative {asym / scale:.3g} > {rtol:g})")
    if psd:
        low = float(np.linalg.eigvalsh(0.5 * (S + S.T))[0])
        if low < -rtol * scale * S.shape[0]:
            raise ValueError(f"{name} must be positive semi-definite (a covariance or second-moment "
                             f"matrix); its smallest eigenvalue is {low:.3g}")
    return S


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
# Arguments that must be arrays, seeds, namespaces; host vectors; scikit-learn data.
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


def check_seed(seed, name: str = "seed"):
    """A seed for ``numpy.random.default_rng``: ``None``, an integer ``>= 0`` (not ``bool``),
    or a NumPy ``SeedSequence`` / ``BitGenerator`` / ``Generator`` (returned unchanged).

    Parameters
    ----------
    seed : object
        Integer NumPy scalars and 0-d integer arrays are accepted.
    name : str, default "seed"
        Used in the message.

    Returns
    -------
    ``seed``, unchanged

    Raises
    ------
    TypeError
        Not one of the accepted kinds (a ``bool``, a float, a string).
    ValueError
        A negative integer.
    """
    import numpy as np

    if seed is None or isinstance(seed, (np.random.SeedSequence, np.random.BitGenerator,
                                         np.random.Generator)):
        return seed
    wanted = "None or a non-negative integer"
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) and not (
            hasattr(seed, "__index__") and getattr(seed, "ndim", 0) == 0):
        raise TypeError(f"{name} must be {wanted}; got {seed!r} ({type(seed).__name__})")
    if int(seed.__index__()) < 0:
        raise ValueError(f"{name} must be {wanted}; got {int(seed.__index__())}")
    return seed


def check_namespace(xp, name: str = "xp"):
    """An array namespace from ``None`` (NumPy), a backend name or a namespace module.

    Parameters
    ----------
    xp : None, str or module
        ``None`` (NumPy), ``"numpy"``, ``"cupy"``, ``"array_api_strict"``, or a module with
        ``asarray`` and ``float64`` (see :func:`cdnotes.backend.resolve_namespace`).
    name : str, default "xp"
        Used in the message.

    Returns
    -------
    namespace

    Raises
    ------
    TypeError
        Anything else.
    """
    from .backend import resolve_namespace

    if xp is not None and not isinstance(xp, str) and not (hasattr(xp, "asarray")
                                                           and hasattr(xp, "float64")):
        raise TypeError(f"{name} must be None, a backend name ('numpy', 'cupy', "
                        f"'array_api_strict') or an array namespace; got {xp!r}")
    return resolve_namespace(xp)


def check_host_vector(values, name: str, *, min_size: int = 1, positive: bool = False):
    """Real, finite numbers (any array-like, raveled; booleans count as 0/1) as a float64
    NumPy vector.

    Raises ``TypeError`` for strings, ``None``, complex or other non-numeric input and
    ``ValueError`` for fewer than ``min_size`` values, NaN/inf, or (``positive``) values <= 0.

    Parameters
    ----------
    values : array-like of any shape, or an array of any supported backend (copied to the host)
    name : str
        Used in the message.
    min_size : int, default 1
        Least number of values.
    positive : bool, default False
        Also require every value > 0.

    Returns
    -------
    numpy.ndarray ``(n,)``, float64
    """
    import numpy as np

    from .backend import to_numpy

    import array_api_compat

    raw = to_numpy(values) if array_api_compat.is_array_api_obj(values) else values
    try:
        a = np.asarray(raw)
    except ValueError as exc:       # ragged nested lists
        raise ValueError(f"{name} must be an array of real numbers; {exc}") from None
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got {type(values).__name__} of dtype "
                        f"{a.dtype}")
    a = a.astype(np.float64).ravel()
    if a.size < min_size:
        raise ValueError(f"{name} needs at least {min_size} value(s); got {a.size}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf; all values must be finite")
    if positive and np.any(a <= 0):
        raise ValueError(f"{name} must be > 0; got the value {a[a <= 0][0]:g}")
    return a


def check_bool(value, name: str) -> bool:
    """``value`` must be a ``bool`` (NumPy booleans too); strings and ``None`` are refused.

    Parameters
    ----------
    value : object
    name : str
        Used in the message.

    Returns
    -------
    bool
        A Python ``bool``.
    """
    import numpy as np

    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r} ({type(value).__name__})")
    return bool(value)


def sklearn_data(estimator, *args, **kwargs):
    """scikit-learn's ``validate_data(estimator, *args, **kwargs)`` with ``X`` named in its errors.

    scikit-learn's own messages ("could not convert string to float", "Complex data not
    supported") are kept, prefixed with ``X (the data passed to ...):`` when they name
    neither ``X`` nor ``y``.

    Parameters
    ----------
    estimator : scikit-learn estimator
        ``self`` of the calling ``fit``/``transform``.
    *args, **kwargs
        Passed on to ``sklearn.utils.validation.validate_data`` (e.g. ``X``, ``y``,
        ``reset=False``, ``dtype=np.float64``).

    Returns
    -------
    array or tuple of arrays
        What ``validate_data`` returns: the validated ``X``, or ``(X, y)`` when ``y`` is given.
    """
    from sklearn.utils.validation import validate_data

    try:
        return validate_data(estimator, *args, **kwargs)
    except (TypeError, ValueError) as exc:
        text = str(exc)
        if type(exc) not in (TypeError, ValueError) or "X" in text or " y" in text:
            raise
        raise type(exc)(f"X (the data passed to {type(estimator).__name__}): {text}") from exc
