"""Circulant and block-circulant matrices, materialised (the slow, obvious reference).

Convention (SPEC §1): a circulant block built from ``c`` (length ``B``) is

    circulant(c)[k, l] = c[(k - l) mod B],

exactly ``scipy.linalg.circulant(c)``: ``c`` is the block's *first column*.
This is the convention under which ``circulant(c) @ x`` is the circular
convolution ``c ⊛ x = IFFT(FFT(c) · FFT(x))`` (the paper's Eq. 2).
"""
from __future__ import annotations

from .backend import namespace_of, device_of
from .validation import check_coefficients, check_float_array

__all__ = ["circulant", "block_circulant", "circulant_index", "project_block_circulant"]


def circulant_index(xp, block_size: int, device=None):
    """Integer matrix ``idx[k, l] = (k - l) mod B`` of shape ``(B, B)``."""
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
    xp = namespace_of(C)
    check_coefficients(xp, C)
    Ko, Ki, B = C.shape
    idx = xp.reshape(circulant_index(xp, B, device_of(C)), (B * B,))
    blocks = xp.reshape(xp.take(C, idx, axis=2), (Ko, Ki, B, B))   # (i, j, k, l)
    return xp.reshape(xp.permute_dims(blocks, (0, 2, 1, 3)), (Ko * B, Ki * B))


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
    xp = namespace_of(G)
    B = block_size
    n_out, n_in = G.shape
    Ko, Ki = n_out // B, n_in // B
    blocks = xp.permute_dims(xp.reshape(G, (Ko, B, Ki, B)), (0, 2, 1, 3))  # (i, j, k, l)
    blocks = xp.reshape(blocks, (Ko, Ki, B * B))
    # For each m, the entries (k, (k - m) % B), k = 0..B-1, in flattened position k*B + l.
    k = xp.arange(B, device=device_of(G))
    flat = k[None, :] * B + (k[None, :] - k[:, None]) % B          # (m, k)
    picked = xp.take(blocks, xp.reshape(flat, (B * B,)), axis=2)
    return xp.sum(xp.reshape(picked, (Ko, Ki, B, B)), axis=3)
