"""The paper's block-circulant layer, ``CDLinear``."""
from __future__ import annotations

import numpy as np

from ..backend import device_of, namespace_of
from ..operators.bcmatmul import prepare, resolve_method
from ..operators.circulant import _host_indices, block_circulant
from ..validation import check_array, check_coefficients
from .init import normal_weights
from .linear import Linear, parameter

__all__ = ["CDLinear"]


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
    method : {"auto", "fft", "dense"}
        How products are computed: spectral (real FFTs, never forms ``W``) or
        materialised. Both give the same numbers to rounding; ``"auto"`` picks
        by block size and layer size (:func:`cdnotes.operators.resolve_method`).

    Attributes
    ----------
    C : array ``(Ko, Ki, B)``; b : array ``(n_out,)`` (settable: validated and copied)
    W : the materialised ``to_dense()`` ``(n_out, n_in)``, read-only
    n_params : ``n_in * n_out / B + n_out``
    """

    circulant_param = "C"

    def __init__(self, n_in, n_out, block_size, *, seed=None, init="he", dtype="float64",
                 xp=None, device=None, method="auto"):
        super().__init__(n_in, n_out, block_size, seed=seed, init=init, dtype=dtype, xp=xp,
                         device=device)
        self.method = resolve_method(method, self.block_size, self.n_in, self.n_out)

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
        w_from_c, _ = _host_indices(self.n_out // B, self.n_in // B, B)
        J = np.zeros((self.n_out * self.n_in, self.n_out * self.n_in // B))
        J[np.arange(w_from_c.size), w_from_c] = 1.0
        return J

    def _repr_extra(self):
        return f"block_size={self.block_size}, method={self.method!r}"
