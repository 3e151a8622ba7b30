"""Independent child seeds for the experiments' inner draws (one integer each, recorded)."""
from __future__ import annotations

import numpy as np

from ..validation import check_int


def check_seed(seed) -> int:
    """A base seed: an integer ``>= 0`` (``numpy.random.default_rng`` accepts it)."""
    return check_int(seed, "seed", minimum=0)


def child_seeds(seed: int, n: int) -> list[int]:
    """``n`` independent 32-bit seeds derived from ``seed`` (``numpy.random.SeedSequence``).

    The same ``(seed, n)`` always gives the same list, and different base seeds give
    unrelated lists, so shifting every base seed by ``CDNOTES_SEED_OFFSET`` redraws
    everything.
    """
    state = np.random.SeedSequence(check_seed(seed)).generate_state(n, dtype=np.uint32)
    return [int(s) for s in state]
