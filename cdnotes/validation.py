"""Checks made at the public boundary, with errors that name the problem and the fix.

Every check here raises ``TypeError`` or ``ValueError`` *before* any arithmetic,
so a bad argument never turns into a silent NaN or a broadcasting error deep
inside an FFT.

The NaN/inf check reads one boolean back from the device. On a GPU that is a
synchronisation; switch it off for speed with ``cdnotes.validation.CHECK_FINITE = False``
(or the :func:`finite_checks` context manager) once a pipeline is known to be clean.
"""
from __future__ import annotations

import contextlib

__all__ = [
    "CHECK_FINITE",
    "finite_checks",
    "divisors",
    "check_block_size",
    "check_float_array",
    "check_input",
    "check_coefficients",
]

CHECK_FINITE = True


@contextlib.contextmanager
def finite_checks(enabled: bool):
    """Temporarily switch the NaN/inf checks on or off (``with finite_checks(False): ...``)."""
    global CHECK_FINITE
    previous, CHECK_FINITE = CHECK_FINITE, bool(enabled)
    try:
        yield
    finally:
        CHECK_FINITE = previous


def divisors(n: int) -> list[int]:
    """All positive divisors of ``n``, ascending."""
    return [d for d in range(1, n + 1) if n % d == 0]


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) and not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be a positive integer, got {value!r} ({type(value).__name__})")
    value = int(value.__index__()) if not isinstance(value, int) else value
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return value


def check_block_size(n_in, n_out, block_size) -> tuple[int, int, int]:
    """Validate layer sizes; return ``(n_in, n_out, block_size)`` as ints.

    Raises ``ValueError`` listing the block sizes that divide both widths when
    ``block_size`` does not.
    """
    n_in = _check_positive_int(n_in, "n_in")
    n_out = _check_positive_int(n_out, "n_out")
    block_size = _check_positive_int(block_size, "block_size")
    bad = [f"{name}={n}" for name, n in (("n_in", n_in), ("n_out", n_out)) if n % block_size]
    if bad:
        allowed = [d for d in divisors(n_in) if n_out % d == 0]
        raise ValueError(
            f"block_size={block_size} does not divide {' and '.join(bad)}; "
            f"block sizes that divide both n_in={n_in} and n_out={n_out}: "
            f"{', '.join(map(str, allowed))}"
        )
    return n_in, n_out, block_size


def check_float_array(xp, x, name: str):
    """``x`` must be a real floating array with no NaN or inf (the latter if CHECK_FINITE)."""
    dtype = x.dtype
    if not xp.isdtype(dtype, "real floating"):
        kind = "complex" if xp.isdtype(dtype, "complex floating") else (
            "integer" if xp.isdtype(dtype, "integral") else "non-float")
        raise TypeError(
            f"{name} must be a real floating array (float32 or float64); got {kind} "
            f"dtype {dtype}. Convert it first, e.g. `x.astype(float)` / `xp.astype(x, xp.float64)`."
        )
    if CHECK_FINITE and x.size != 0 and not bool(xp.all(xp.isfinite(x))):
        n_nan = int(xp.sum(xp.astype(xp.isnan(x), xp.int64)))
        n_inf = int(xp.sum(xp.astype(xp.isinf(x), xp.int64)))
        raise ValueError(f"{name} contains non-finite values ({n_nan} NaN, {n_inf} inf); "
                         "all entries must be finite")
    return x


def check_input(xp, x, n_in: int, name: str = "X"):
    """A batch ``(..., n_in)`` of real floats: non-empty, right width, finite."""
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
    """Block-circulant coefficients: a real float array of shape ``(Ko, Ki, B)``."""
    if C.ndim != 3:
        raise ValueError(
            f"{name} must have shape (Ko, Ki, B) (3 dimensions); got {C.ndim} "
            f"dimension(s), shape {tuple(C.shape)}"
        )
    if any(s == 0 for s in C.shape):
        raise ValueError(f"{name} has a zero-length dimension, shape {tuple(C.shape)}")
    return check_float_array(xp, C, name)
