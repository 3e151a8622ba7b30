"""Shared helpers of the Hessian modules (input checks, sorted tiling)."""
from __future__ import annotations

from ..backend import namespace_of
from ..validation import check_array, check_block_size, check_input


def check_layer_inputs(X, n_out, block_size):
    check_array(X, "X")
    xp = namespace_of(X)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, n_in); got shape {tuple(X.shape)}")
    n_in, n_out, B = check_block_size(X.shape[1], n_out, block_size)
    check_input(xp, X, n_in)
    return xp, n_in, n_out, B


def tile_sorted(xp, values, times):
    """Repeat a 1-d array ``times`` times (concatenated), then sort ascending."""
    n = values.shape[0]
    return xp.sort(xp.reshape(xp.broadcast_to(values[None, :], (times, n)), (times * n,)))


