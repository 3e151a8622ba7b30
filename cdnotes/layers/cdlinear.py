"""The paper's block-circulant layer, ``CDLinear``."""
from __future__ import annotations

import numpy as np

from ..backend import device_of, namespace_of
from ..operators.bcmatmul import block_spectrum, prepare, resolve_method
from ..operators.circulant import block_circulant, circulant_indices, device_circulant_indices
from ..operators.fft import fft_of, load_fft
from ..validation import check_array, check_coefficients
from .hooks import LinearCurvature
from .init import normal_weights
from .linear import Linear, parameter

__all__ = ["CDLinear"]


class CDLinearCurvature(LinearCurvature):
    """CDLinear's hooks: the "fft" path runs Eqs. 2-4 with a leading tangent axis (batched
    rfft and complex matmuls); the "dense" path materialises the m weight matrices with one
    gather. K-FAC's factors are per frequency of the circulant coefficients ``C``."""

    def kfac_input(self):
        """The block spectrum ``(F, N, Ki)`` of the last ``forward_2d`` input: the FFT path's
        cache holds it; the dense path's holds the input, transformed here."""
        plan = self.layer._cached()
        Xf = getattr(plan, "Xf", None)
        if Xf is None:
            Xf = block_spectrum(namespace_of(plan.X2), plan.X2, self.layer.block_size)
        return Xf

    def apply_3d(self, xp, X3, weights=None):
        """``X3 @ W(weights)ᵀ``: ``(m_x, N, n_in)`` -> ``(m, N, n_out)`` (no bias)."""
        layer = self.layer
        C4 = layer._weights_3d(weights)["C"]
        if layer.method == "dense":
            return _dense_apply(xp, X3, _materialize_3d(xp, C4), transpose=True)
        B = layer.block_size
        Yf = xp.matmul(_spectra_3d(xp, X3, B), xp.matrix_transpose(_coefficient_spectra(xp, C4)))
        return _signal_3d(xp, Yf, B)

    def apply_transpose_3d(self, xp, dY3, weights=None):
        """``dY3 @ W(weights)``: ``(m_y, N, n_out)`` -> ``(m, N, n_in)``."""
        layer = self.layer
        C4 = layer._weights_3d(weights)["C"]
        if layer.method == "dense":
            return _dense_apply(xp, dY3, _materialize_3d(xp, C4), transpose=False)
        B = layer.block_size
        dXf = xp.matmul(_spectra_3d(xp, dY3, B), xp.conj(_coefficient_spectra(xp, C4)))
        return _signal_3d(xp, dXf, B)

    def weight_grads_3d(self, xp, X3, dY3):
        """``{"C": ∂/∂C}`` ``(m, Ko, Ki, B)`` for ``m`` pairs ``(X3[k], dY3[k])``."""
        layer = self.layer
        B = layer.block_size
        if layer.method == "dense":
            return {"C": _project_3d(xp, xp.matmul(xp.matrix_transpose(dY3), X3), B)}
        Gf = xp.matmul(xp.matrix_transpose(_spectra_3d(xp, dY3, B)),
                       xp.conj(_spectra_3d(xp, X3, B)))
        return {"C": fft_of(xp).irfft(xp.permute_dims(Gf, (0, 2, 3, 1)), n=B, axis=-1)}


class CDLinear(Linear):
    """Block-circulant linear layer (the paper's CDLinear), ``Y = X @ W.T + b``.

    ``W = block_circulant(C)`` has ``Ko × Ki`` circulant blocks of size ``B``,
    ``Ko = n_out / B``, ``Ki = n_in / B``; block ``(i, j)`` is
    ``scipy.linalg.circulant(C[i, j])``.

    Parameters
    ----------
    n_in, n_out : int
        Widths; ``block_size`` must divide both.
    block_size : int
        ``B``. ``B = 1`` is an ordinary dense layer; ``B = n_in = n_out`` one circulant.
    seed, init, dtype, xp, device
        As for :class:`~cdnotes.Dense`. ``C`` is drawn i.i.d. with the dense scheme's
        variance, so ``to_dense()`` has the entry variance of the dense layer
        (see :mod:`cdnotes.layers.init`).
    method : {"auto", "fft", "dense", "rdft"}
        How products are computed: spectral (real FFTs, never forms ``W``), the real
        DFT of each block as one matrix product (``"rdft"``, fastest for short blocks;
        :mod:`cdnotes.operators.rdft`) or materialised. All give the same numbers to
        rounding; ``"auto"`` picks the path a cost model prices cheapest for the layer's sizes
        (:func:`cdnotes.operators.resolve_method`).

    Attributes
    ----------
    C : array ``(Ko, Ki, B)``; b : array ``(n_out,)`` (settable: validated and copied)
    W : the materialised ``to_dense()`` ``(n_out, n_in)``, read-only
    n_params : ``n_in * n_out / B + n_out``
    """

    curvature_class = CDLinearCurvature

    circulant_param = "C"

    def __init__(self, n_in, n_out, block_size, *, seed=None, init="he", dtype="float64",
                 xp=None, device=None, method="auto"):
        super().__init__(n_in, n_out, block_size, seed=seed, init=init, dtype=dtype, xp=xp,
                         device=device)
        self.method = resolve_method(method, self.block_size, self.n_in, self.n_out)
        if self.method == "fft":
            load_fft(namespace_of(self.params["C"]))    # the first pass costs what later ones do

    def param_shapes(self):
        B = self.block_size
        return {"C": (self.n_out // B, self.n_in // B, B), "b": (self.n_out,)}

    def initial_params(self, std, seed):
        return {"C": normal_weights(self.param_shapes()["C"], std, seed), "b": np.zeros(self.n_out)}

    @classmethod
    def from_coefficients(cls, C, b=None, *, method="auto"):
        """A layer with a copy of ``C`` ``(Ko, Ki, B)`` and bias ``b`` ``(Ko·B,)`` (zeros if None).

        The layer lives on ``C``'s backend and device, with ``C``'s dtype.
        """
        check_array(C, "C")
        if b is not None:
            check_array(b, "b")
        xp = namespace_of(C, b)
        check_coefficients(xp, C)
        Ko, Ki, B = C.shape
        layer = cls(Ki * B, Ko * B, B, init=0.0, dtype=C.dtype, xp=xp, device=device_of(C),
                    method=method)
        layer.C = C
        if b is not None:
            layer.b = b
        return layer

    C = parameter("C", "Block coefficients ``(Ko, Ki, B)``; ``C[i, j]`` is the first column "
                       "of block ``(i, j)``.")

    def to_dense(self):
        """``block_circulant(C)``, shape ``(n_out, n_in)``."""
        return block_circulant(self.C)

    @property
    def W(self):
        """The materialised matrix ``to_dense()``, ``(n_out, n_in)`` (read-only: set ``C``)."""
        return self.to_dense()

    def forward_2d(self, xp, X2):
        self._cache = prepare(xp, self.C, X2, self.method)
        return self._cache.forward(xp) + self.b

    def backward_2d(self, xp, dY2):
        dC, dX2 = self._cached().vjp(xp, dY2)
        self.grads = {"C": dC, "b": xp.sum(dY2, axis=0)}
        return dX2


    def weight_jacobian(self):
        """0/1 matrix ``(n_out·n_in, n_out·n_in/B)``: ``W.ravel()[e] = C.ravel()[w_from_c[e]]``."""
        B = self.block_size
        w_from_c, _ = circulant_indices(self.n_out // B, self.n_in // B, B)
        J = np.zeros((self.n_out * self.n_in, self.n_out * self.n_in // B))
        J[np.arange(w_from_c.size), w_from_c] = 1.0
        return J

    def _repr_extra(self):
        return f"block_size={self.block_size}, method={self.method!r}"


def _spectra_3d(xp, A3, B):
    """``rfft`` of every block of ``A3`` ``(m, N, K·B)`` -> ``(m, F, N, K)`` complex."""
    m, N, width = A3.shape
    spectrum = fft_of(xp).rfft(xp.reshape(A3, (m, N, width // B, B)), axis=-1)
    return xp.permute_dims(spectrum, (0, 3, 1, 2))


def _signal_3d(xp, Af, B):
    """Inverse of :func:`_spectra_3d`: ``(m, F, N, K)`` -> ``(m, N, K·B)`` real."""
    m, _, N, K = Af.shape
    signal = fft_of(xp).irfft(xp.permute_dims(Af, (0, 2, 3, 1)), n=B, axis=-1)
    return xp.reshape(signal, (m, N, K * B))


def _coefficient_spectra(xp, C4):
    """``rfft`` of the coefficients ``(m, Ko, Ki, B)`` -> ``(m, F, Ko, Ki)``."""
    return xp.permute_dims(fft_of(xp).rfft(C4, axis=-1), (0, 3, 1, 2))


def _materialize_3d(xp, C4):
    """``block_circulant`` of each of ``m`` coefficient sets: ``(m, Ko·B, Ki·B)``, one gather."""
    m, Ko, Ki, B = C4.shape
    w_from_c, _ = device_circulant_indices(xp, Ko, Ki, B, device_of(C4))
    return xp.reshape(xp.take(xp.reshape(C4, (m, Ko * Ki * B)), w_from_c, axis=1),
                      (m, Ko * B, Ki * B))


def _project_3d(xp, G3, B):
    """Adjoint of :func:`_materialize_3d`: ``(m, Ko·B, Ki·B)`` -> ``(m, Ko, Ki, B)``."""
    m, n_out, n_in = G3.shape
    Ko, Ki = n_out // B, n_in // B
    _, c_to_w = device_circulant_indices(xp, Ko, Ki, B, device_of(G3))
    picked = xp.take(xp.reshape(G3, (m, n_out * n_in)), c_to_w, axis=1)
    return xp.reshape(xp.sum(xp.reshape(picked, (m, B, Ko * Ki * B)), axis=1), (m, Ko, Ki, B))


def _dense_apply(xp, A3, W3, *, transpose):
    """``A3 @ W3ᵀ`` (``transpose``) or ``A3 @ W3``; one GEMM when ``W3`` holds one matrix."""
    W3 = xp.matrix_transpose(W3) if transpose else W3
    if W3.shape[0] == 1:
        m, N, width = A3.shape
        return xp.reshape(xp.matmul(xp.reshape(A3, (m * N, width)), W3[0, ...]), (m, N, W3.shape[2]))
    return xp.matmul(A3, W3)
