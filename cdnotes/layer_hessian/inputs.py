"""What the one-layer Hessian modules share: the check of a layer's inputs, sorted tiling.

Formerly ``cdnotes.hessian._common`` (public, because :mod:`cdnotes.preconditioning`
checks its inputs with :func:`check_layer_inputs` too).
"""
from __future__ import annotations

from ..backend import namespace_of
from ..validation import check_array, check_block_size, check_input

__all__ = ["check_layer_inputs", "tile_sorted"]


def check_layer_inputs(X, n_out, block_size):
    """Check a layer's inputs ``X`` ``(N, n_in)`` against ``n_out`` and ``block_size``.

    Parameters
    ----------
    X : array ``(N, n_in)``
        Real, finite inputs (NumPy or CuPy).
    n_out : int >= 1
    block_size : int >= 1, dividing ``n_in`` and ``n_out``

    Returns
    -------
    xp : namespace of ``X``
    n_in, n_out, B : int

    Raises
    ------
    ValueError
        Naming the problem (``X`` not 2-d, a block size that divides neither width, ...).
    """
    check_array(X, "X")
    xp = namespace_of(X)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, n_in); got shape {tuple(X.shape)}")
    n_in, n_out, B = check_block_size(X.shape[1], n_out, block_size)
    check_input(xp, X, n_in)
    return xp, n_in, n_out, B


def tile_sorted(xp, values, times):
    """Repeat a 1-d array ``times`` times (concatenated), then sort ascending.

    Parameters
    ----------
    xp : array namespace
    values : array ``(n,)``
    times : int >= 1

    Returns
    -------
    array ``(times * n,)``
    """
    n = values.shape[0]
    return xp.sort(xp.reshape(xp.broadcast_to(values[None, :], (times, n)), (times * n,)))


