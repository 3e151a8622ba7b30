"""The Toeplitz layer, ``W[i, j] = t[i − j + n_in − 1]``, applied by FFT in O(n log n)."""
from __future__ import annotations

import numpy as np

from ..backend import device_of, namespace_of
from ..layers.init import normal_weights
from ..layers.linear import Linear, parameter
from ..operators.fft import fft_of

__all__ = ["Toeplitz", "toeplitz_indices"]


def toeplitz_indices(n_in: int, n_out: int) -> np.ndarray:
    """``idx[i, j] = i − j + n_in − 1``: the entry of ``t`` at ``W[i, j]``, ``(n_out, n_in)``.

    Parameters
    ----------
    n_in, n_out : int >= 1

    Returns
    -------
    numpy int64 array ``(n_out, n_in)`` with values in ``[0, n_in + n_out − 2]``
    """
    return np.arange(n_out)[:, None] - np.arange(n_in)[None, :] + n_in - 1


def _fft_length(n: int) -> int:
    """The smallest power of two ``>= n`` (a fast FFT length on every backend)."""
    return 1 << max(0, (n - 1).bit_length())


class Toeplitz(Linear):
    """Toeplitz linear layer ``Y = X @ W.T + b``, ``W[i, j] = t[i − j + n_in − 1]``.

    ``W`` is constant along each diagonal: ``t[n_in − 1:]`` is its first column and
    ``t[n_in − 1::−1]`` its first row, so ``W = scipy.linalg.toeplitz(t[n_in−1:],
    t[n_in−1::−1])``. The products are linear convolutions computed with real FFTs of
    length ``P >= n_in + n_out − 1`` (a power of two): ``O(N · P log P)``, ``W`` never formed.

    Parameters
    ----------
    n_in, n_out : int >= 1
    seed, init, dtype, xp, device
        As for :class:`~cdnotes.Dense`. ``t`` is drawn i.i.d. ``N(0, std²)`` with the dense
        scheme's ``std``; every entry of ``W`` is one entry of ``t``, so ``W`` has the dense
        layer's entry variance (as for :class:`~cdnotes.CDLinear`).

    Attributes
    ----------
    t : array ``(n_in + n_out − 1,)``; b : array ``(n_out,)``
    n_params : ``n_in + 2 · n_out − 1``
    """

    def __init__(self, n_in, n_out, *, seed=None, init="he", dtype="float64", xp=None,
                 device=None):
        super().__init__(n_in, n_out, 1, seed=seed, init=init, dtype=dtype, xp=xp, device=device)
        self.fft_length = _fft_length(self.n_in + self.n_out - 1)

    def param_shapes(self):
        return {"t": (self.n_in + self.n_out - 1,), "b": (self.n_out,)}

    def initial_params(self, std, seed):
        return {"t": normal_weights((self.n_in + self.n_out - 1,), std, seed),
                "b": np.zeros(self.n_out)}

    t = parameter("t", "Diagonal values ``(n_in + n_out − 1,)``: ``W[i, j] = t[i − j + n_in − 1]``.")

    def to_dense(self):
        """``t`` gathered at :func:`toeplitz_indices`, shape ``(n_out, n_in)``."""
        xp = namespace_of(self.t)
        idx = xp.asarray(toeplitz_indices(self.n_in, self.n_out).ravel(), device=device_of(self.t))
        return xp.reshape(xp.take(self.t, idx), (self.n_out, self.n_in))

    def _spectrum(self, xp, A):
        """``rfft`` of ``A`` ``(..., n)`` zero-padded to the FFT length."""
        pad = self.fft_length - A.shape[-1]
        zeros = xp.zeros(tuple(A.shape[:-1]) + (pad,), dtype=A.dtype, device=device_of(A))
        return fft_of(xp).rfft(xp.concat([A, zeros], axis=-1), axis=-1)

    def forward_2d(self, xp, X2):
        """``(N, n_in)`` -> ``(N, n_out)``: ``y_i = (t ∗ x)[i + n_in − 1]`` by FFT."""
        Xf = self._spectrum(xp, X2)
        self._cache = (Xf,)
        full = fft_of(xp).irfft(self._spectrum(xp, self.t) * Xf, n=self.fft_length, axis=-1)
        return full[:, self.n_in - 1:self.n_in - 1 + self.n_out] + self.b

    def backward_2d(self, xp, dY2):
        """``(N, n_out)`` -> ``(N, n_in)``: correlations with ``t`` and ``X``; fills ``grads``."""
        (Xf,) = self._cached()
        N = dY2.shape[0]
        lead = xp.zeros((N, self.n_in - 1), dtype=dY2.dtype, device=device_of(dY2))
        Df = self._spectrum(xp, xp.concat([lead, dY2], axis=-1))    # dY placed at n_in − 1
        irfft = fft_of(xp).irfft
        dX = irfft(Df * xp.conj(self._spectrum(xp, self.t)), n=self.fft_length, axis=-1)
        dt = irfft(xp.sum(Df * xp.conj(Xf), axis=0), n=self.fft_length, axis=-1)
        self.grads = {"t": dt[:self.n_in + self.n_out - 1], "b": xp.sum(dY2, axis=0)}
        return dX[:, :self.n_in]

    def weight_jacobian(self):
        """0/1 matrix ``(n_out·n_in, n_in + n_out − 1)``: ``W.ravel()[e] = t[idx.ravel()[e]]``."""
        idx = toeplitz_indices(self.n_in, self.n_out).ravel()
        J = np.zeros((idx.size, self.n_in + self.n_out - 1))
        J[np.arange(idx.size), idx] = 1.0
        return J
