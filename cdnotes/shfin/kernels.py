"""The pieces of an SHFIN block, each a pure function with its own hand-written VJP.

Conventions. Arrays are unchecked (the block validates at its boundary) and any array-API
namespace ``xp`` works. For a complex quantity ``z`` the gradient of a real loss ``L`` is
``z̄ = ∂L/∂Re z + i ∂L/∂Im z`` (PyTorch's convention), so for ``Q = Z W`` the VJP is
``Z̄ = Q̄ Wᴴ`` and ``W̄ = Zᴴ Q̄``. Each ``*_vjp`` takes the upstream gradient and what the
forward returned as its cache, and returns the gradients of the forward's inputs.

==========================  =============================================================
``patch_rfft``              ``(N, L, C)`` -> ``(N, P, s//2+1, C)``: unitary rfft of each patch
``patch_irfft``             its inverse direction: spectra -> ``(N, L, C)``
``gather`` / ``scatter``    keep the ``k`` selected frequencies / zero-pad them back
``complex_matmul``          ``Z W`` with a complex weight
``spectral_attention``      ``M = softmax(Re(Q Kᴴ)/√r) V`` with ``Q, K, V = Z W_q, Z W_k, Z W_v``
``relaxed_topk``            successive-softmax relaxation of a top-``k`` subset (Xie & Ermon 2019)
``hard_topk``               the indices of the ``k`` largest scores, in increasing order
                            (both written in :mod:`cdnotes.shfin.topk`, re-exported here)
``layer_norm``              normalisation over the last axis with ``gamma``, ``beta``
==========================  =============================================================
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import device_of
from ..operators.fft import complex_dtype, fft_of
from .topk import hard_topk, relaxed_topk, relaxed_topk_vjp

__all__ = ["as_complex", "split_complex", "patch_rfft", "patch_rfft_vjp", "patch_irfft",
           "patch_irfft_vjp", "gather", "scatter", "complex_matmul", "complex_matmul_vjp",
           "spectral_attention", "spectral_attention_vjp", "relaxed_topk", "relaxed_topk_vjp",
           "hard_topk", "layer_norm", "layer_norm_vjp", "onesided_weights"]


# -- complex numbers stored as real pairs ----------------------------------------------

def as_complex(xp, pair):
    """``pair[0] + i pair[1]``.

    Parameters
    ----------
    xp : namespace
    pair : real array ``(2, ...)``

    Returns
    -------
    complex array ``(...)``
    """
    c = complex_dtype(xp, pair.dtype)
    return xp.astype(pair[0, ...], c) + xp.astype(pair[1, ...], c) * 1j


def split_complex(xp, z):
    """``(Re z, Im z)`` stacked: the inverse of :func:`as_complex`.

    Parameters
    ----------
    xp : namespace
    z : complex array ``(...)``

    Returns
    -------
    real array ``(2, ...)``
    """
    return xp.stack([xp.real(z), xp.imag(z)])


# -- patchwise FFTs --------------------------------------------------------------------

def onesided_weights(s: int):
    """``c_f``: how often bin ``f`` of a one-sided spectrum of length ``s`` counts in ``irfft``.

    Parameters
    ----------
    s : int >= 1

    Returns
    -------
    numpy array ``(s//2 + 1,)``: 1 at ``f = 0`` (and at ``f = s/2`` for even ``s``), else 2
    """
    c = np.full(s // 2 + 1, 2.0)
    c[0] = 1.0
    if s % 2 == 0:
        c[-1] = 1.0
    return c


def _weights(xp, s, like):
    return xp.asarray(onesided_weights(s), dtype=xp.real(like).dtype if xp.isdtype(
        like.dtype, "complex floating") else like.dtype, device=device_of(like))


def patch_rfft(xp, X, s: int):
    """Unitary spectra of the non-overlapping length-``s`` patches along the position axis.

    ``F[n, p, f, c] = s^{-1/2} Σ_t X[n, p·s + t, c] e^{−2πi f t / s}``: the orthonormal DFT,
    so coefficient magnitudes do not grow with the patch size (with the unnormalised DFT the
    attention logits ``Re(Q Kᴴ)`` grow like ``s`` and the softmax saturates for long patches).

    Parameters
    ----------
    xp : namespace
    X : real array ``(N, L, C)``, ``s`` divides ``L``
    s : int

    Returns
    -------
    complex array ``(N, L/s, s//2 + 1, C)``
    """
    N, L, C = X.shape
    F = fft_of(xp).rfft(xp.reshape(X, (N, L // s, s, C)), axis=2)
    return F * (1.0 / math.sqrt(s))


def patch_rfft_vjp(xp, dF, s: int):
    """VJP of :func:`patch_rfft`: ``X̄ = irfft(√s F̄ / c)`` per patch
    (``c``: :func:`onesided_weights`).

    Parameters
    ----------
    xp : namespace
    dF : complex array ``(N, P, s//2 + 1, C)``
    s : int

    Returns
    -------
    real array ``(N, P·s, C)``
    """
    N, P, _, C = dF.shape
    c = _weights(xp, s, dF)
    scaled = dF * xp.astype(math.sqrt(s) / c, dF.dtype)[:, None]
    return xp.reshape(fft_of(xp).irfft(scaled, n=s, axis=2), (N, P * s, C))


def patch_irfft(xp, G, s: int):
    """Signals of length ``s`` from one-sided unitary spectra, patches joined along positions.

    The inverse of :func:`patch_rfft`: ``√s · irfft`` per patch.

    Parameters
    ----------
    xp : namespace
    G : complex array ``(N, P, s//2 + 1, C)``
    s : int

    Returns
    -------
    real array ``(N, P·s, C)``
    """
    N, P, _, C = G.shape
    return xp.reshape(fft_of(xp).irfft(G, n=s, axis=2), (N, P * s, C)) * math.sqrt(s)


def patch_irfft_vjp(xp, dY, s: int):
    """VJP of :func:`patch_irfft`: ``Ḡ = rfft(Ȳ) c / √s`` per patch (unnormalised ``rfft``).

    Parameters
    ----------
    xp : namespace
    dY : real array ``(N, L, C)``
    s : int

    Returns
    -------
    complex array ``(N, L/s, s//2 + 1, C)``
    """
    F = patch_rfft(xp, dY, s)                        # already carries 1/√s
    return F * xp.astype(_weights(xp, s, dY), F.dtype)[:, None]


# -- selecting frequencies -------------------------------------------------------------

def gather(xp, F, idx):
    """``F[:, :, idx, :]``: the selected frequencies.

    Parameters
    ----------
    xp : namespace
    F : array ``(N, P, n_freq, C)``
    idx : integer array ``(k,)``

    Returns
    -------
    array ``(N, P, k, C)``; its VJP is :func:`scatter` (and the other way round).
    """
    return xp.take(F, idx, axis=2)


def scatter(xp, Z, position):
    """Zero-pad ``Z`` back to the full spectrum: ``out[:, :, f] = Z[:, :, position[f]]``.

    Parameters
    ----------
    xp : namespace
    Z : array ``(N, P, k, C)``
    position : integer array ``(n_freq,)``
        Where frequency ``f`` sits in ``Z``, or ``k`` for a frequency not kept (a zero).

    Returns
    -------
    array ``(N, P, n_freq, C)``
    """
    N, P, _, C = Z.shape
    zero = xp.zeros((N, P, 1, C), dtype=Z.dtype, device=device_of(Z))
    return xp.take(xp.concat([Z, zero], axis=2), position, axis=2)


# -- complex projections and mixing ------------------------------------------------------

def complex_matmul(xp, Z, W):
    """``Z W`` over the last axis.

    Parameters
    ----------
    xp : namespace
    Z : complex array ``(..., k, C)``
    W : complex array ``(C, r)``

    Returns
    -------
    complex array ``(..., k, r)``
    """
    return _matmul_2d(xp, Z, W)


def _matmul_2d(xp, A, B):
    """``A (..., n) @ B (n, m)`` as one 2-D product (NumPy loops over stacked operands)."""
    shape = tuple(A.shape[:-1])
    out = xp.matmul(xp.reshape(A, (-1, A.shape[-1])), B)
    return xp.reshape(out, shape + (B.shape[-1],))


def _herm(xp, A):
    return xp.conj(xp.matrix_transpose(A))


def complex_matmul_vjp(xp, dQ, Z, W):
    """VJP of :func:`complex_matmul`: ``(Z̄, W̄) = (Q̄ Wᴴ, Σ_batch Zᴴ Q̄)``.

    Parameters
    ----------
    xp : namespace
    dQ : complex array ``(..., k, r)``
    Z : complex array ``(..., k, C)``; W : complex array ``(C, r)``

    Returns
    -------
    (complex array ``(..., k, C)``, complex array ``(C, r)``)
    """
    dZ = _matmul_2d(xp, dQ, _herm(xp, W))
    C, r = W.shape
    dW = xp.matmul(_herm(xp, xp.reshape(Z, (-1, C))), xp.reshape(dQ, (-1, r)))
    return dZ, dW


def spectral_attention(xp, Z, Wq, Wk, Wv):
    """Low-rank mixing of the kept coefficients: ``M = softmax(Re(Q Kᴴ)/√r) V``.

    Parameters
    ----------
    xp : namespace
    Z : complex array ``(..., k, C)``
    Wq, Wk : complex arrays ``(C, r)``; Wv : complex array ``(C, C)``

    Returns
    -------
    M : complex array ``(..., k, C)``
    cache : tuple for :func:`spectral_attention_vjp`
    """
    Q, K, V = complex_matmul(xp, Z, Wq), complex_matmul(xp, Z, Wk), complex_matmul(xp, Z, Wv)
    scale = 1.0 / math.sqrt(Wq.shape[1])
    S = xp.real(xp.matmul(Q, _herm(xp, K))) * scale
    S = S - xp.max(S, axis=-1, keepdims=True)
    E = xp.exp(S)
    A = E / xp.sum(E, axis=-1, keepdims=True)                   # (..., k, k), real
    M = xp.matmul(xp.astype(A, Z.dtype), V)
    return M, (Z, Wq, Wk, Wv, Q, K, V, A, scale)


def spectral_attention_vjp(xp, dM, cache):
    """VJP of :func:`spectral_attention`.

    Parameters
    ----------
    xp : namespace
    dM : complex array ``(..., k, C)``
    cache : the second output of :func:`spectral_attention`

    Returns
    -------
    (dZ, dWq, dWk, dWv) : complex arrays of the shapes of ``Z``, ``Wq``, ``Wk``, ``Wv``
    """
    Z, Wq, Wk, Wv, Q, K, V, A, scale = cache
    dV = xp.matmul(xp.astype(xp.matrix_transpose(A), dM.dtype), dM)
    dA = xp.real(xp.matmul(dM, _herm(xp, V)))
    dS = A * (dA - xp.sum(A * dA, axis=-1, keepdims=True))
    dT = xp.astype(dS * scale, Z.dtype)                          # T = Q Kᴴ, S = Re(T)·scale
    dQ = xp.matmul(dT, K)
    dK = xp.matmul(_herm(xp, dT), Q)
    dZq, dWq = complex_matmul_vjp(xp, dQ, Z, Wq)
    dZk, dWk = complex_matmul_vjp(xp, dK, Z, Wk)
    dZv, dWv = complex_matmul_vjp(xp, dV, Z, Wv)
    return dZq + dZk + dZv, dWq, dWk, dWv


# -- layer normalisation ----------------------------------------------------------------------

def layer_norm(xp, H, gamma, beta, eps: float = 1e-5):
    """``gamma ⊙ (H − mean) / sqrt(var + eps) + beta`` over the last axis.

    Parameters
    ----------
    xp : namespace
    H : real array ``(..., C)``
    gamma, beta : real arrays ``(C,)``
    eps : float > 0

    Returns
    -------
    Y : real array ``(..., C)``
    cache : tuple for :func:`layer_norm_vjp`
    """
    mu = xp.mean(H, axis=-1, keepdims=True)
    centred = H - mu
    inv = 1.0 / xp.sqrt(xp.mean(centred * centred, axis=-1, keepdims=True) + eps)
    Hn = centred * inv
    return gamma * Hn + beta, (Hn, inv, gamma)


def layer_norm_vjp(xp, dY, cache):
    """VJP of :func:`layer_norm`.

    Parameters
    ----------
    xp : namespace
    dY : real array ``(..., C)``
    cache : the second output of :func:`layer_norm`

    Returns
    -------
    (dH ``(..., C)``, dgamma ``(C,)``, dbeta ``(C,)``)
    """
    Hn, inv, gamma = cache
    C = Hn.shape[-1]
    dHn = dY * gamma
    dH = inv * (dHn - xp.mean(dHn, axis=-1, keepdims=True)
                - Hn * xp.mean(dHn * Hn, axis=-1, keepdims=True))
    flat_dY, flat_Hn = xp.reshape(dY, (-1, C)), xp.reshape(Hn, (-1, C))
    return dH, xp.sum(flat_dY * flat_Hn, axis=0), xp.sum(flat_dY, axis=0)
