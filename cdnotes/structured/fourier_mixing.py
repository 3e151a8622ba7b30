"""FNO-style Fourier mixing: a truncated spectral multiply, ``y = irfft(w ⊙ rfft(x)[:modes], n)``.

``FourierMixing(n, modes)`` keeps the first ``modes`` of the ``n//2 + 1`` real-FFT bins of
each row, multiplies them by learned complex weights ``w = re + i·im`` (``re``, ``im``
``(modes,)``), drops the rest, and transforms back (Li et al. 2021, one channel); then adds
the bias ``b`` ``(n,)``. The map is a circular convolution: ``W = circulant(h)``,
``W[i, j] = h[(i − j) mod n]``, with the real filter ``h = irfft(w padded with zeros, n)``
— a ``B = n`` circulant whose spectrum is zero above ``modes``, so ``rank W ≤ 2·modes − 1``.

The spectrum of a real filter is real at ``k = 0`` (and at ``k = n/2`` for even ``n``), so
``im[0]`` (and ``im[n/2]`` when ``modes = n/2 + 1``, ``n`` even) has no effect: the layer uses
``im`` with those entries zeroed (on every backend, whatever its ``irfft`` does with them),
their gradient is exactly zero, and they start at zero.

Initialisation matched to a dense layer: ``re``, ``im`` i.i.d. ``N(0, σ²)`` with ``σ`` chosen so
``E‖W‖²_F = n²·std²`` (Parseval: ``‖W‖²_F = n‖h‖² = Σ_k c_k |w_k|²`` with ``c_k = 1`` at
``k = 0`` and ``k = n/2``, ``2`` elsewhere), ``std`` from ``init`` (He by default).
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import device_of, namespace_of
from ..layers.hooks import LinearCurvature
from ..layers.linear import Linear, parameter
from ..operators.fft import complex_dtype, fft_of
from ..validation import check_positive_int

__all__ = ["FourierMixing"]


class FourierMixingCurvature(LinearCurvature):
    """FourierMixing's hooks: batched FFTs."""

    def apply_3d(self, xp, X3, weights=None):
        """``X3 @ W(weights)ᵀ``: ``(m_x, N, n)`` -> ``(m, N, n)`` (no bias), batched FFTs."""
        layer = self.layer
        Z3 = layer._bins_3d(xp, X3) * layer._spectral_weights_3d(xp, weights)
        return layer._signal_3d(xp, Z3)

    def apply_transpose_3d(self, xp, dY3, weights=None):
        """``dY3 @ W(weights)``: ``(m_y, N, n)`` -> ``(m, N, n)``, batched FFTs."""
        layer = self.layer
        Z3 = layer._bins_3d(xp, dY3) * xp.conj(layer._spectral_weights_3d(xp, weights))
        return layer._signal_3d(xp, Z3)

    def weight_grads_3d(self, xp, X3, dY3):
        """``{"re", "im"}`` ``(m, modes)`` for ``m`` pairs ``(X3[k], dY3[k])`` (as
        :meth:`backward_2d`, batched)."""
        layer = self.layer
        keep, scale = layer._constants(xp, X3.dtype, device_of(X3))
        dw = xp.sum(layer._bins_3d(xp, dY3) * xp.conj(layer._bins_3d(xp, X3)), axis=1)
        return {"re": xp.real(dw) * scale, "im": xp.imag(dw) * scale * keep}


class FourierMixing(Linear):
    """Truncated spectral multiply ``Y = irfft((re + i·im) ⊙ rfft(X)[..., :modes], n) + b``.

    Parameters
    ----------
    n : int >= 1
        Width: ``n_in = n_out = n``.
    modes : int in ``[1, n // 2 + 1]``
        Number of real-FFT bins kept (the lowest frequencies).
    seed, init, dtype, xp, device
        As for :class:`~cdnotes.Dense` (module docstring for the scale).

    Attributes
    ----------
    re, im : arrays ``(modes,)``; b : array ``(n,)`` (settable: validated and copied)
    modes : int
    inert_im : tuple of int — the entries of ``im`` that have no effect
    n_params : ``2·modes + n``
    """

    curvature_class = FourierMixingCurvature

    def __init__(self, n, modes, *, seed=None, init="he", dtype="float64", xp=None, device=None):
        n = check_positive_int(n, "n")
        modes = check_positive_int(modes, "modes")
        if modes > n // 2 + 1:
            raise ValueError(f"modes must be in [1, n // 2 + 1] = [1, {n // 2 + 1}] for n={n} "
                             f"(rfft has n // 2 + 1 bins); got {modes}")
        self.modes = modes
        self.inert_im = (0,) + ((n // 2,) if n % 2 == 0 and modes == n // 2 + 1 and n > 1 else ())
        self._constants_by_key = {}
        super().__init__(n, n, 1, seed=seed, init=init, dtype=dtype, xp=xp, device=device)

    def param_shapes(self):
        return {"re": (self.modes,), "im": (self.modes,), "b": (self.n_out,)}

    def _weights_host(self):
        """``c_k`` (Parseval) and the 0/1 mask of the effective ``im`` entries, host."""
        n, keep = self.n_in, np.ones(self.modes)
        c = np.full(self.modes, 2.0)
        for k in self.inert_im:
            keep[k], c[k] = 0.0, 1.0
        return c, keep

    def initial_params(self, std, seed):
        rng = np.random.default_rng(seed)
        c, keep = self._weights_host()
        expected = float(np.sum(c * (1.0 + keep)))          # Σ_k c_k E|w_k|² / σ²
        sigma = self.n_in * std / math.sqrt(expected)
        re = rng.standard_normal(self.modes) * sigma
        im = rng.standard_normal(self.modes) * sigma * keep
        return {"re": re, "im": im, "b": np.zeros(self.n_out)}

    re = parameter("re", "Real parts of the spectral weights ``(modes,)``.")
    im = parameter("im", "Imaginary parts of the spectral weights ``(modes,)`` (the entries "
                         "``inert_im`` have no effect).")

    def _constants(self, xp, dtype, device):
        """Device ``keep`` (0/1 on ``im``) and ``c / n`` (the adjoint's scale), cached."""
        key = (xp.__name__, str(device), str(dtype))
        if key not in self._constants_by_key:
            c, keep = self._weights_host()
            self._constants_by_key[key] = (xp.asarray(keep, dtype=dtype, device=device),
                                           xp.asarray(c / self.n_in, dtype=dtype, device=device))
        return self._constants_by_key[key]

    def _spectral_weights(self, xp):
        """``w = re + i·im`` (inert entries of ``im`` zeroed), complex ``(modes,)``."""
        keep, _ = self._constants(xp, self.re.dtype, device_of(self.re))
        cd = complex_dtype(xp, self.re.dtype)
        i = xp.asarray(1j, dtype=cd, device=device_of(self.re))
        return xp.astype(self.re, cd) + xp.astype(self.im * keep, cd) * i

    def _pad_irfft(self, xp, Zm):
        """``irfft`` of ``(N, modes)`` bins padded with zeros to ``n // 2 + 1`` -> ``(N, n)``."""
        missing = self.n_in // 2 + 1 - self.modes
        if missing:
            Zm = xp.concat([Zm, xp.zeros((Zm.shape[0], missing), dtype=Zm.dtype,
                                         device=device_of(Zm))], axis=1)
        return fft_of(xp).irfft(Zm, n=self.n_in, axis=-1)

    def to_dense(self):
        """``W = circulant(h)`` ``(n, n)``, ``h = irfft(w padded, n)``: ``W[i, j] = h[(i−j) mod n]``."""
        xp = namespace_of(self.re)
        n = self.n_in
        h = self._pad_irfft(xp, self._spectral_weights(xp)[None, :])[0, :]
        index = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n
        return xp.reshape(xp.take(h, xp.asarray(index.ravel(), device=device_of(h))), (n, n))

    def forward_2d(self, xp, X2):
        """``(N, n)`` -> ``(N, n)``, no checks; caches the kept bins of ``rfft(X)``."""
        Xf = fft_of(xp).rfft(X2, axis=-1)[:, :self.modes]
        self._cache = (Xf,)
        return self._pad_irfft(xp, Xf * self._spectral_weights(xp)) + self.b

    def backward_2d(self, xp, dY2):
        """``(N, n)`` -> ``(N, n)``, no checks; fills ``grads``.

        With ``G = rfft(dY)[:, :modes]``: ``dX = irfft(conj(w) ⊙ G)``, and
        ``d re + i·d im = Σ_n (c/n) ⊙ G ⊙ conj(rfft(X))`` (``c`` as in the module docstring).
        """
        (Xf,) = self._cached()
        keep, scale = self._constants(xp, self.re.dtype, device_of(self.re))
        G = fft_of(xp).rfft(dY2, axis=-1)[:, :self.modes]
        dX = self._pad_irfft(xp, G * xp.conj(self._spectral_weights(xp)))
        dw = xp.sum(G * xp.conj(Xf), axis=0)
        self.grads = {"re": xp.real(dw) * scale, "im": xp.imag(dw) * scale * keep,
                      "b": xp.sum(dY2, axis=0)}
        return dX

    def _spectral_weights_3d(self, xp, weights):
        """``w = re + i·im`` for ``m`` weight sets: ``(m, 1, modes)`` complex."""
        weights = self._weights_3d(weights)
        re, im = weights["re"], weights["im"]
        keep, _ = self._constants(xp, re.dtype, device_of(re))
        cd = complex_dtype(xp, re.dtype)
        i = xp.asarray(1j, dtype=cd, device=device_of(re))
        return (xp.astype(re, cd) + xp.astype(im * keep, cd) * i)[:, None, :]

    def _bins_3d(self, xp, A3):
        """The kept ``rfft`` bins of ``(m, N, n)`` -> ``(m, N, modes)``."""
        return fft_of(xp).rfft(A3, axis=-1)[..., :self.modes]

    def _signal_3d(self, xp, Z3):
        """``irfft`` of ``(m, N, modes)`` bins (zero-padded) -> ``(m, N, n)``."""
        m, N, _ = Z3.shape
        return xp.reshape(self._pad_irfft(xp, xp.reshape(Z3, (m * N, self.modes))),
                          (m, N, self.n_in))

    def weight_jacobian(self):
        """``∂ vec(W) / ∂(re, im)`` ``(n², 2·modes)`` (host, float64): column ``p`` is
        ``vec(W)`` of the ``p``-th unit spectral weight (``W`` is linear in them)."""
        import scipy.fft
        n, columns = self.n_in, []
        _, keep = self._weights_host()
        index = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n
        for unit, mask in ((1.0, np.ones(self.modes)), (1j, keep)):
            for k in range(self.modes):
                w = np.zeros(n // 2 + 1, dtype=complex)
                w[k] = unit * mask[k]
                columns.append(scipy.fft.irfft(w, n=n)[index].ravel())
        return np.stack(columns, axis=1)

    def _repr_extra(self):
        return f"modes={self.modes}"
