"""Columns of the experiments' records, for plotting and summaries."""
from __future__ import annotations

import numpy as np

__all__ = ["columns"]


def columns(records, *fields):
    """One NumPy array per field, over a sequence of records (dataclasses).

    Parameters
    ----------
    records : sequence of objects
        E.g. the list returned by an experiment function.
    *fields : str
        Attribute or property names (``"n_params"``, ``"ratio"``...).

    Returns
    -------
    tuple of numpy arrays, each ``(len(records),)`` (a single array for one field).

    >>> from cdnotes.experiments.dft_checks import DiagonalisationCheck
    >>> sizes, errors = columns([DiagonalisationCheck(2, 1, 0.0, 1e-16),
    ...                          DiagonalisationCheck(3, 1, 0.0, 2e-16)],
    ...                         "block_size", "max_error")
    >>> sizes.tolist(), errors.tolist()
    ([2, 3], [1e-16, 2e-16])
    """
    records = list(records)
    if not fields:
        raise ValueError("columns needs at least one field name")
    missing = [f for f in fields if records and not hasattr(records[0], f)]
    if missing:
        raise ValueError(f"records of type {type(records[0]).__name__} have no field(s) "
                         f"{', '.join(map(repr, missing))}")
    out = tuple(np.array([getattr(r, f) for r in records]) for f in fields)
    return out[0] if len(out) == 1 else out
