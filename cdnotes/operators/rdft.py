"""The ``"rdft"`` path: block-circulant products with the real DFT applied as a matmul.

For short blocks the FFT path's time goes to many tiny transforms and to complex products
whose real-only bins (``0`` and, for even ``B``, ``B/2``) still pay for four real products.
Here every length-``B`` block is taken to a *packed real spectrum* of ``B`` numbers by one
``(B, B)`` real matrix ``D`` (one GEMM for all blocks), in the order

    [bin 0, bin B/2 (even B only), Re bins 1..nc, Im bins 1..nc],   nc = (B - 1) // 2

so the real-only bins, the real parts and the imaginary parts are three contiguous slices of
a ``(B, rows, K)`` array. Eqs. 2-4 become real batched GEMMs on those slices: one per
real-only bin, four per complex bin (``(a + ib)(c + id)`` written out, as the FFT path's
complex GEMM does), so float32 and float64 results round like the FFT path's. The inverse
is one GEMM with ``D⁻¹`` (``irfft``'s convention: imaginary parts of the real-only bins
dropped, the other bins counted twice).

Cost per transformed real sample: ``2·B`` flops at GEMM speed, against the FFT's per-sample
cost; the contraction does ``2·(nr + 4·nc)·N·Ki·Ko`` flops with ``nr + 2·nc = B`` against
the FFT path's ``8·F·N·Ki·Ko``. So it pays for small ``B`` and loses for large ``B``
(the ``B²`` transform); :mod:`cdnotes.operators.pathcost` prices it.
"""
from __future__ import annotations

import functools

import numpy as np

from ..backend import device_of

__all__ = ["rdft_matrices", "packed_spectrum", "packed_signal", "RealDFTPlan"]


@functools.lru_cache(maxsize=32)
def _matrices_float64(B: int):
    nc = (B - 1) // 2
    nr = B - 2 * nc
    t = np.arange(B)
    bins = np.concatenate([[0], [B // 2] * (nr - 1), np.arange(1, nc + 1)])
    phase = 2.0 * np.pi * ((np.outer(bins, t)) % B) / B          # exact integer reduction
    D = np.concatenate([np.cos(phase), -np.sin(phase[nr:])])       # (B, B): signal -> packed
    weight = np.concatenate([np.full(nr, 1.0 / B), np.full(2 * nc, 2.0 / B)])
    Dinv = (np.concatenate([np.cos(phase), -np.sin(phase[nr:])]) * weight[:, None]).T
    D.setflags(write=False)
    Dinv.setflags(write=False)
    return D, np.ascontiguousarray(Dinv)


def rdft_matrices(xp, B: int, dtype, device=None):
    """``(D, D_inv)``, each ``(B, B)``, in ``dtype`` on ``device``: ``packed = D @ block``,
    ``block = D_inv @ packed`` (the inverse ``irfft`` uses: ``D_inv @ D = I``).

    Parameters
    ----------
    xp : namespace; B : int >= 1; dtype : a real dtype of ``xp``; device : optional

    Returns
    -------
    tuple of two arrays ``(B, B)``
    """
    D, Dinv = _matrices_float64(int(B))
    return xp.asarray(D, dtype=dtype, device=device), xp.asarray(Dinv, dtype=dtype, device=device)


def packed_spectrum(xp, A2, D):
    """``(rows, K·B)`` real -> ``(B, rows, K)`` packed spectra of every block (one GEMM).

    Parameters
    ----------
    xp : namespace
    A2 : real array ``(rows, K·B)``
    D : array ``(B, B)``
        The forward matrix of :func:`rdft_matrices`.

    Returns
    -------
    array ``(B, rows, K)``
    """
    B = D.shape[0]
    rows, width = A2.shape
    K = width // B
    S = xp.matmul(D, xp.matrix_transpose(xp.reshape(A2, (rows * K, B))))
    return xp.reshape(S, (B, rows, K))


def packed_signal(xp, S, Dinv):
    """Inverse of :func:`packed_spectrum`: ``(B, rows, K)`` -> ``(rows, K·B)`` (one GEMM).

    Parameters
    ----------
    xp : namespace
    S : real array ``(B, rows, K)``
    Dinv : array ``(B, B)``
        The inverse matrix of :func:`rdft_matrices`.

    Returns
    -------
    array ``(rows, K·B)``
    """
    B, rows, K = S.shape
    A = xp.matmul(xp.matrix_transpose(xp.reshape(S, (B, rows * K))), xp.matrix_transpose(Dinv))
    return xp.reshape(A, (rows, K * B))


def _split(S, nr, nc):
    return S[:nr, ...], S[nr:nr + nc, ...], S[nr + nc:, ...]


def _bin_products(xp, P, Q, nr, nc, *, conj_q, transpose_q, transpose_p=False):
    """Per bin ``op(P) @ op(Q)`` (``Q`` conjugated if ``conj_q``), packed in, packed out."""
    def mm(a, b):
        a = xp.permute_dims(a, (0, 2, 1)) if transpose_p else a
        b = xp.permute_dims(b, (0, 2, 1)) if transpose_q else b
        return xp.matmul(a, b)
    Pr, Pre, Pim = _split(P, nr, nc)
    Qr, Qre, Qim = _split(Q, nr, nc)
    parts = [mm(Pr, Qr)]
    if nc:
        rr, ii, ri, ir = mm(Pre, Qre), mm(Pim, Qim), mm(Pre, Qim), mm(Pim, Qre)
        if conj_q:
            parts += [rr + ii, ir - ri]
        else:
            parts += [rr - ii, ri + ir]
    return xp.concat(parts, axis=0)


class RealDFTPlan:
    """``"rdft"`` path: packed spectra ``Ĉ`` ``(B, Ko, Ki)`` and ``X̂`` ``(B, N, Ki)``.

    Same interface as :class:`~cdnotes.operators.bcmatmul.SpectralPlan` (``forward``,
    ``vjp``); never forms ``W``.

    Parameters
    ----------
    xp : namespace
    C : array ``(Ko, Ki, B)``, real
    X2 : array ``(N, Ki·B)``, real

    Attributes
    ----------
    method : str
        ``"rdft"``.
    block_size : int
    X2 : array ``(N, Ki·B)`` (not copied)
    Cs, Xs : packed real spectra ``(B, Ko, Ki)``, ``(B, N, Ki)``
    """

    method = "rdft"

    def __init__(self, xp, C, X2):
        Ko, Ki, B = C.shape
        self.block_size = B
        self.X2 = X2
        self._nc = (B - 1) // 2
        self._nr = B - 2 * self._nc
        self.D, self.Dinv = rdft_matrices(xp, B, C.dtype, device_of(C))
        self.Cs = packed_spectrum(xp, xp.reshape(C, (Ko, Ki * B)), self.D)
        self.Xs = packed_spectrum(xp, X2, self.D)

    def forward(self, xp):
        """Eq. 2: ``X2 @ W.T``, ``(N, Ko·B)``."""
        Ys = _bin_products(xp, self.Xs, self.Cs, self._nr, self._nc, conj_q=False,
                           transpose_q=True)
        return packed_signal(xp, Ys, self.Dinv)

    def vjp(self, xp, dY2):
        """Eqs. 3-4: ``(∂L/∂C (Ko, Ki, B), ∂L/∂X2 (N, Ki·B))`` for ``dY2`` ``(N, Ko·B)``."""
        nr, nc = self._nr, self._nc
        dYs = packed_spectrum(xp, dY2, self.D)
        Gs = _bin_products(xp, dYs, self.Xs, nr, nc, conj_q=True, transpose_q=False,
                           transpose_p=True)                                  # (B, Ko, Ki)
        Ko, Ki = Gs.shape[1], Gs.shape[2]
        dC = xp.reshape(packed_signal(xp, Gs, self.Dinv), (Ko, Ki, self.block_size))
        dXs = _bin_products(xp, dYs, self.Cs, nr, nc, conj_q=True, transpose_q=False)
        return dC, packed_signal(xp, dXs, self.Dinv)
