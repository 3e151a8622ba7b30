"""Circulant and block-circulant matrices, materialised (the slow, obvious reference).

Convention (SPEC §1): a circulant block built from ``c`` (length ``B``) is

    circulant(c)[k, l] = c[(k - l) mod B],

exactly ``scipy.linalg.circulant(c)``: ``c`` is the block's *first column*.
This is the convention under which ``circulant(c) @ x`` is the circular
convolution ``c ⊛ x = IFFT(FFT(c) · FFT(x))`` (the paper's Eq. 2).
"""
from __future__ import annotations

import functools

import numpy as np

from ..backend import device_of, namespace_of
from ..validation import check_array, check_block_size, check_coefficients, check_float_array

__all__ = ["circulant", "block_circulant", "circulant_index", "project_block_circulant",
           "materialize", "project", "circulant_indices", "device_circulant_indices"]


def circulant_index(xp, block_size: int, device=None):
    """Integer matrix ``idx[k, l] = (k - l) mod B``.

    Parameters
    ----------
    xp : namespace; block_size : int; device : optional

    Returns
    -------
    integer array ``(B, B)``
    """
    k = xp.arange(block_size, device=device)
    return (k[:, None] - k[None, :]) % block_size


def circulant(c):
    """The ``(B, B)`` circulant matrix with first column ``c``.

    Parameters
    ----------
    c : array, shape ``(B,)``, real floating

    Returns
    -------
    array, shape ``(B, B)``
        ``out[k, l] = c[(k - l) % B]``; identical to ``scipy.linalg.circulant(c)``.
    """
    check_array(c, "c")
    xp = namespace_of(c)
    if c.ndim != 1 or c.shape[0] == 0:
        raise ValueError(f"c must be a non-empty 1-d array of shape (B,); got shape {tuple(c.shape)}")
    check_float_array(xp, c, "c")
    B = c.shape[0]
    idx = circulant_index(xp, B, device_of(c))
    return xp.reshape(xp.take(c, xp.reshape(idx, (B * B,)), axis=0), (B, B))


def block_circulant(C):
    """Materialise the block-circulant weight matrix.

    Parameters
    ----------
    C : array, shape ``(Ko, Ki, B)``
        ``C[i, j]`` is the first column of block ``(i, j)``.

    Returns
    -------
    W : array, shape ``(Ko*B, Ki*B)``
        ``W[i*B + k, j*B + l] = C[i, j, (k - l) % B]``; block ``(i, j)`` equals
        ``scipy.linalg.circulant(C[i, j])``.
    """
    check_array(C, "C")
    xp = namespace_of(C)
    check_coefficients(xp, C)
    return materialize(xp, C)


def project_block_circulant(G, block_size: int):
    """Adjoint of :func:`block_circulant`: gradient with respect to ``C`` from one w.r.t. ``W``.

    Parameters
    ----------
    G : array, shape ``(Ko*B, Ki*B)``
        A gradient ``∂L/∂W`` (or any matrix of that shape).
    block_size : int
        ``B``.

    Returns
    -------
    array, shape ``(Ko, Ki, B)``
        ``out[i, j, m] = Σ_k G[i*B + k, j*B + (k - m) % B]``, the sum of ``G`` over
        the entries of block ``(i, j)`` that ``block_circulant`` fills with ``C[i, j, m]``.
    """
    check_array(G, "G")
    xp = namespace_of(G)
    if G.ndim != 2 or G.shape[0] == 0 or G.shape[1] == 0:
        raise ValueError(f"G must be a non-empty matrix (n_out, n_in); got shape {tuple(G.shape)}")
    check_float_array(xp, G, "G")
    _, _, B = check_block_size(G.shape[1], G.shape[0], block_size)
    return project(xp, G, B)


# ----------------------------------------------------------------------------
# Unchecked fast paths for the training loop: one gather each, with cached indices.
# ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def _host_indices(Ko: int, Ki: int, B: int):
    """Flat index maps between ``C.ravel()`` (``P`` entries) and ``W.ravel()`` (``P·B`` entries).

    ``w_from_c[e]``: the entry of ``C.ravel()`` stored at ``W.ravel()[e]``.
    ``c_to_w[r, p]``: the ``r``-th of the ``B`` entries of ``W.ravel()`` holding
    ``C.ravel()[p]``, shape ``(B, P)`` — transposed so that the projection sums ``B``
    contiguous rows (4× faster in NumPy than summing a trailing axis of length ``B``).

    Parameters
    ----------
    Ko, Ki, B : int
        Output blocks, input blocks, block size.

    Returns
    -------
    ``(w_from_c, c_to_w)``: host int arrays ``(Ko·Ki·B²,)`` and ``(B, Ko·Ki·B)``
    """
    i, k, j, l = np.meshgrid(np.arange(Ko), np.arange(B), np.arange(Ki), np.arange(B), indexing="ij")
    w_from_c = (((i * Ki + j) * B) + (k - l) % B).reshape(-1)          # W rows (i, k), cols (j, l)
    c_to_w = np.ascontiguousarray(np.argsort(w_from_c, kind="stable").reshape(Ko * Ki * B, B).T)
    return w_from_c, c_to_w


def _device_indices(xp, Ko, Ki, B, device):
    """:func:`circulant_indices` on backend ``xp`` and ``device`` (cached).

    Parameters
    ----------
    xp : namespace; Ko, Ki, B : int; device : the arrays' device

    Returns
    -------
    ``(w_from_c, c_to_w)`` index arrays on ``xp`` and ``device``, ``c_to_w`` raveled
    """
    key = (id(xp), Ko, Ki, B, str(device))
    cached = _DEVICE_CACHE.get(key)
    if cached is None:
        w_from_c, c_to_w = _host_indices(Ko, Ki, B)
        cached = (xp.asarray(w_from_c, device=device), xp.asarray(c_to_w.reshape(-1), device=device))
        _DEVICE_CACHE[key] = cached
    return cached


_DEVICE_CACHE: dict = {}

circulant_indices = _host_indices
"""Public name of the cached index maps ``(w_from_c, c_to_w)`` for ``(Ko, Ki, B)`` (host)."""
device_circulant_indices = _device_indices
"""Public name of the index maps on a backend and device: ``(xp, Ko, Ki, B, device)``."""


def materialize(xp, C):
    """``block_circulant(C)`` without checks: one gather with a cached index.

    Parameters
    ----------
    xp : namespace; C : array ``(Ko, Ki, B)``

    Returns
    -------
    array ``(Ko·B, Ki·B)``
    """
    Ko, Ki, B = C.shape
    w_from_c, _ = _device_indices(xp, Ko, Ki, B, device_of(C))
    return xp.reshape(xp.take(xp.reshape(C, (-1,)), w_from_c, axis=0), (Ko * B, Ki * B))


def project(xp, G, block_size: int):
    """``project_block_circulant(G, B)`` without checks: one gather and one sum.

    Parameters
    ----------
    xp : namespace; G : array ``(Ko·B, Ki·B)``; block_size : int

    Returns
    -------
    array ``(Ko, Ki, B)``
    """
    B = block_size
    Ko, Ki = G.shape[0] // B, G.shape[1] // B
    _, c_to_w = _device_indices(xp, Ko, Ki, B, device_of(G))
    picked = xp.take(xp.reshape(G, (-1,)), c_to_w, axis=0)
    return xp.reshape(xp.sum(xp.reshape(picked, (B, Ko * Ki * B)), axis=0), (Ko, Ki, B))
