"""Checks made at the public boundary, with errors that name the problem and the fix.

Every check here raises ``TypeError`` or ``ValueError`` *before* any arithmetic, so a
bad argument never turns into a silent NaN or a broadcasting error deep inside an
FFT. Each kind of check lives here once, with one message: every public entry point
of the library calls these.

==============  ===========================================================================
``scalars``     integers, reals, choices, tolerances, block sizes, booleans, seeds, namespaces
``arrays``      the array check, dtypes, shapes, layer inputs, coefficients, labels, libraries
``host``        symmetric (or Hermitian) host matrices, vectors of numbers, scikit-learn data
==============  ===========================================================================

Every name is importable from ``cdnotes.validation`` itself.

The NaN/inf check of arrays reads one boolean back from the device. On a GPU that is a
synchronisation; switch it off for speed with :func:`finite_checks` (``with
finite_checks(False): ...``) once a pipeline is known to be clean.
"""
from __future__ import annotations

import contextlib

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
    "check_same_library",
    "array_library",
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
"""Whether :func:`check_float_array` looks for NaN/inf (read at each call; see
:func:`finite_checks`)."""


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


from .scalars import (check_block_size, check_bool, check_choice, check_int,  # noqa: E402
                      check_namespace, check_positive_int, check_real, check_rtol, check_seed,
                      common_divisors, divisors)
from .arrays import (array_library, check_array, check_coefficients, check_dtype,  # noqa: E402
                     check_float_array, check_input, check_labels, check_same_dtype,
                     check_same_library, check_shape)
from .host import check_host_vector, check_square_symmetric, sklearn_data  # noqa: E402

# Documented (and pickled) under the public path cdnotes.validation.<name>.
for _name in __all__:
    _value = globals()[_name] if _name != "CHECK_FINITE" else None
    if callable(_value) and getattr(_value, "__module__", "").startswith(__name__ + "."):
        _value.__module__ = __name__
del _name, _value
