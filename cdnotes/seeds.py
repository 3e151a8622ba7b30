"""Seeds for the book's experiments, shifted by ``CDNOTES_SEED_OFFSET``.

Training is chaotic: another machine's floating point acts like another seed. Every
chapter draws its seeds through :func:`seeds` / :func:`seed`, so the whole book can be
rebuilt on a *different* seed set (``CDNOTES_SEED_OFFSET=1000 make book``) and every
sentence that a guard assertion protects is checked against it (``tests/test_book.py``).

>>> seeds(range(3))                 # with CDNOTES_SEED_OFFSET unset
[0, 1, 2]
"""
from __future__ import annotations

import os

from .validation import check_int

__all__ = ["SEED_OFFSET_ENV", "seed_offset", "seed", "seeds"]

SEED_OFFSET_ENV = "CDNOTES_SEED_OFFSET"


def seed_offset() -> int:
    """The integer in ``$CDNOTES_SEED_OFFSET`` (0 when unset or empty).

    Returns
    -------
    int >= 0

    Raises
    ------
    ValueError
        If the variable is set to something that is not a non-negative integer.
    """
    raw = os.environ.get(SEED_OFFSET_ENV, "").strip()
    if not raw:
        return 0
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{SEED_OFFSET_ENV} must be a non-negative integer; got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{SEED_OFFSET_ENV} must be a non-negative integer; got {value}")
    return value


def seed(base: int) -> int:
    """``base + seed_offset()``: one seed of an experiment.

    Parameters
    ----------
    base : int
        The seed the book uses when ``CDNOTES_SEED_OFFSET`` is unset.

    Returns
    -------
    int
    """
    return check_int(base, "base", minimum=0) + seed_offset()


def seeds(bases) -> list[int]:
    """``[b + seed_offset() for b in bases]``: the seed set of an experiment.

    Parameters
    ----------
    bases : iterable of int
        The seeds the book uses when ``CDNOTES_SEED_OFFSET`` is unset (e.g. ``range(10)``).

    Returns
    -------
    list of int
    """
    if bases is None or isinstance(bases, (str, bytes)) or not hasattr(bases, "__iter__"):
        raise TypeError(f"bases must be an iterable of non-negative integers (e.g. range(10)); "
                        f"got {bases!r} ({type(bases).__name__})")
    offset = seed_offset()
    return [check_int(b, "each of bases", minimum=0) + offset for b in bases]
