"""Scalar arguments: integers, reals, choices, tolerances, sizes, booleans, seeds, namespaces."""
from __future__ import annotations

import math
import numbers

__all__ = ["divisors", "common_divisors", "check_int", "check_positive_int", "check_real",
           "check_choice", "check_rtol", "check_block_size", "check_bool", "check_seed",
           "check_namespace"]


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
    from ..backend import resolve_namespace

    if xp is not None and not isinstance(xp, str) and not (hasattr(xp, "asarray")
                                                           and hasattr(xp, "float64")):
        raise TypeError(f"{name} must be None, a backend name ('numpy', 'cupy', "
                        f"'array_api_strict') or an array namespace; got {xp!r}")
    return resolve_namespace(xp)


