"""Independent child seeds for the experiments' inner draws (one integer each, recorded).

``check_seed`` is :func:`cdnotes.validation.check_seed` itself (one rule for the whole library:
``None``, an integer ``>= 0``, or a NumPy ``SeedSequence``/``BitGenerator``/``Generator``).
"""
from __future__ import annotations

import numbers

import numpy as np

from ..validation import check_seed

__all__ = ["check_seed", "child_seeds"]


def child_seeds(seed: int, n: int) -> list[int]:
    """``n`` independent 32-bit seeds derived from ``seed`` (``numpy.random.SeedSequence``).

    The same ``(seed, n)`` always gives the same list, and different base seeds give
    unrelated lists, so shifting every base seed by ``CDNOTES_SEED_OFFSET`` redraws
    everything.

    Parameters
    ----------
    seed : int >= 0
        An integer (checked by :func:`cdnotes.validation.check_seed`; ``None`` or a
        ``Generator`` is refused here: the children must be reproducible from a number).
    n : int

    Returns
    -------
    list of ``n`` ints in ``[0, 2**32)``
    """
    check_seed(seed)
    if seed is None or not (isinstance(seed, numbers.Integral) or hasattr(seed, "__index__")):
        raise TypeError(f"seed must be a non-negative integer here (the experiment's base seed, "
                        f"from which its child seeds are drawn reproducibly); got "
                        f"{type(seed).__name__}")
    state = np.random.SeedSequence(int(seed.__index__())).generate_state(n, dtype=np.uint32)
    return [int(s) for s in state]
