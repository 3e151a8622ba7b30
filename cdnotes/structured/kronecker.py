"""The Kronecker-product layer, ``W = kron(outer, inner)``, applied without forming ``W``."""
from __future__ import annotations

import math

import numpy as np

from ..backend import namespace_of
from ..layers.init import normal_weights
from ..layers.linear import Linear, parameter
from ..validation import check_positive_int
from ._common import ProductOfFactors, multilinear_weight_jacobian

__all__ = ["Kronecker"]


def _pair(value, name):
    """``value`` as a pair of positive ints (``TypeError``/``ValueError`` naming ``name``)."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"{name} must be a pair of positive integers (rows, columns) of the "
                        f"two factors, e.g. (8, 8); got {value!r}")
    return tuple(check_positive_int(v, f"each entry of {name}") for v in value)


class Kronecker(Linear):
    """Kronecker-product layer ``Y = X @ W.T + b`` with ``W = np.kron(outer, inner)``.

    With ``x`` read row-major as an ``(i1, i2)`` matrix ``X``, ``W x`` is the row-major
    ``outer @ X @ inner.T`` ``(o1, o2)``: two small matrix products per row, never ``W``.

    Parameters
    ----------
    shape_out : pair of int ``(o1, o2)``
        ``n_out = o1 · o2``.
    shape_in : pair of int ``(i1, i2)``
        ``n_in = i1 · i2``. ``outer`` is ``(o1, i1)``, ``inner`` ``(o2, i2)``.
    seed, init, dtype, xp, device
        As for :class:`~cdnotes.Dense`, with the dense scheme's ``std`` for
        ``n_in = i1·i2``: both factors are drawn i.i.d. ``N(0, std)`` (standard deviation
        ``sqrt(std)``), so each entry of ``W`` — one product ``outer[a, b] · inner[c, d]`` —
        has variance ``std²``, the dense layer's.

    Attributes
    ----------
    outer : array ``(o1, i1)``; inner : array ``(o2, i2)``; b : array ``(n_out,)``
    shape_out, shape_in : tuple of int
    n_params : ``o1·i1 + o2·i2 + n_out``
    """

    curvature_class = ProductOfFactors

    def __init__(self, shape_out, shape_in, *, seed=None, init="he", dtype="float64", xp=None,
                 device=None):
        self.shape_out = _pair(shape_out, "shape_out")
        self.shape_in = _pair(shape_in, "shape_in")
        super().__init__(math.prod(self.shape_in), math.prod(self.shape_out), 1, seed=seed,
                         init=init, dtype=dtype, xp=xp, device=device)

    def param_shapes(self):
        (o1, o2), (i1, i2) = self.shape_out, self.shape_in
        return {"outer": (o1, i1), "inner": (o2, i2), "b": (self.n_out,)}

    def initial_params(self, std, seed):
        shapes = self.param_shapes()
        s = math.sqrt(std)
        rng = np.random.SeedSequence(seed).spawn(2) if seed is not None else [None, None]
        return {"outer": normal_weights(shapes["outer"], s, rng[0]),
                "inner": normal_weights(shapes["inner"], s, rng[1]), "b": np.zeros(self.n_out)}

    outer = parameter("outer", "Outer factor ``(o1, i1)``.")
    inner = parameter("inner", "Inner factor ``(o2, i2)``.")

    def to_dense(self):
        """``np.kron(outer, inner)``, shape ``(n_out, n_in)``."""
        xp = namespace_of(self.outer)
        W4 = self.outer[:, None, :, None] * self.inner[None, :, None, :]
        return xp.reshape(W4, (self.n_out, self.n_in))

    def forward_2d(self, xp, X2):
        """``(N, n_in)`` -> ``(N, n_out)``: ``outer @ X_n @ inner.T`` per row."""
        N = X2.shape[0]
        X3 = xp.reshape(X2, (N,) + self.shape_in)
        T = xp.matmul(X3, xp.matrix_transpose(self.inner))                 # (N, i1, o2)
        self._cache = (X3, T)
        Y3 = xp.matmul(self.outer, T)                                      # (N, o1, o2)
        return xp.reshape(Y3, (N, self.n_out)) + self.b

    def backward_2d(self, xp, dY2):
        """``(N, n_out)`` -> ``(N, n_in)``; fills ``grads``."""
        X3, T = self._cached()
        N = dY2.shape[0]
        (o1, o2), (i1, i2) = self.shape_out, self.shape_in
        dY3 = xp.reshape(dY2, (N, o1, o2))
        d_outer = xp.matmul(xp.reshape(xp.permute_dims(dY3, (1, 0, 2)), (o1, N * o2)),
                            xp.matrix_transpose(xp.reshape(xp.permute_dims(T, (1, 0, 2)),
                                                           (i1, N * o2))))
        dT = xp.matmul(xp.matrix_transpose(self.outer), dY3)               # (N, i1, o2)
        d_inner = xp.matmul(xp.matrix_transpose(xp.reshape(dT, (N * i1, o2))),
                            xp.reshape(X3, (N * i1, i2)))
        self.grads = {"outer": d_outer, "inner": d_inner, "b": xp.sum(dY2, axis=0)}
        return xp.reshape(xp.matmul(dT, self.inner), (N, self.n_in))

    def weight_jacobian(self):
        """``∂ vec W / ∂[outer, inner]`` at the current parameters."""
        return multilinear_weight_jacobian(self)

    def _repr_extra(self):
        return f"shape_out={self.shape_out}, shape_in={self.shape_in}"
