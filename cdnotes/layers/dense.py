"""The fully connected layer, ``Y = X @ W.T + b``."""
from __future__ import annotations

import numpy as np

from .hooks import LinearCurvature
from .init import normal_weights
from .linear import Linear, parameter

__all__ = ["Dense"]


class DenseCurvature(LinearCurvature):
    """Dense's hooks: batched matmuls; K-FAC's factors of the weight matrix ``W``."""

    @property
    def kfac_factor(self):
        """``("dense", "W")``: K-FAC's factors of the one weight matrix (``None`` for a
        subclass that adds weights)."""
        return ("dense", "W") if list(self.layer.weight_params()) == ["W"] else None

    def kfac_input(self):
        """The last ``forward_2d`` input ``(N, n_in)``, from the layer's cache."""
        (X2,) = self.layer._cached()
        return X2

    def apply_3d(self, xp, X3, weights=None):
        """``X3 @ W(weights)ᵀ``: ``(m_x, N, n_in)`` -> ``(m, N, n_out)``, one batched matmul."""
        layer = self.layer
        W = layer._weights_3d(weights)["W"]
        if W.shape[0] == 1:                          # one weight matrix: a single GEMM
            m, N, _ = X3.shape
            Y = xp.matmul(xp.reshape(X3, (m * N, layer.n_in)), xp.matrix_transpose(W[0, ...]))
            return xp.reshape(Y, (m, N, layer.n_out))
        return xp.matmul(X3, xp.matrix_transpose(W))

    def apply_transpose_3d(self, xp, dY3, weights=None):
        """``dY3 @ W(weights)``: ``(m_y, N, n_out)`` -> ``(m, N, n_in)``."""
        layer = self.layer
        W = layer._weights_3d(weights)["W"]
        if W.shape[0] == 1:
            m, N, _ = dY3.shape
            return xp.reshape(xp.matmul(xp.reshape(dY3, (m * N, layer.n_out)), W[0, ...]),
                              (m, N, layer.n_in))
        return xp.matmul(dY3, W)

    def weight_grads_3d(self, xp, X3, dY3):
        """``{"W": dY3[k]ᵀ @ X3[k]}`` ``(m, n_out, n_in)``, one batched matmul."""
        return {"W": xp.matmul(xp.matrix_transpose(dY3), X3)}


class Dense(Linear):
    """Fully connected layer ``Y = X @ W.T + b``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths. ``W`` has shape ``(n_out, n_in)``, ``b`` ``(n_out,)``.
    seed : int or None
        Seed of ``numpy.random.default_rng`` for the initial weights.
    init : {"he", "lecun", "glorot"} or float
        Weight scale: He (``std = sqrt(2/n_in)``, default), LeCun, Glorot, or an
        explicit standard deviation. The bias starts at zero.
    dtype : {"float64", "float32"} or a float dtype of the backend
    xp : namespace or {"numpy", "cupy", "array_api_strict"}, default NumPy
    device : optional device for the parameters.

    Attributes
    ----------
    W : array ``(n_out, n_in)``; b : array ``(n_out,)`` (settable: validated and copied)
    n_params : ``n_in * n_out + n_out``
    """

    curvature_class = DenseCurvature

    def __init__(self, n_in, n_out, *, seed=None, init="he", dtype="float64", xp=None,
                 device=None):
        super().__init__(n_in, n_out, 1, seed=seed, init=init, dtype=dtype, xp=xp, device=device)

    def initial_params(self, std, seed):
        return {"W": normal_weights((self.n_out, self.n_in), std, seed), "b": np.zeros(self.n_out)}

    def param_shapes(self):
        return {"W": (self.n_out, self.n_in), "b": (self.n_out,)}

    W = parameter("W", "Weight matrix ``(n_out, n_in)``.")

    def to_dense(self):
        """The weight matrix ``W``, shape ``(n_out, n_in)``."""
        return self.W

    def forward_2d(self, xp, X2):
        """``(N, n_in)`` -> ``(N, n_out)``, no checks; caches for :meth:`backward_2d`."""
        self._cache = (X2,)
        return xp.matmul(X2, xp.matrix_transpose(self.W)) + self.b

    def backward_2d(self, xp, dY2):
        """``(N, n_out)`` -> ``(N, n_in)``, no checks; fills ``grads``."""
        (X2,) = self._cached()
        self.grads = {"W": xp.matmul(xp.matrix_transpose(dY2), X2), "b": xp.sum(dY2, axis=0)}
        return xp.matmul(dY2, self.W)


    def weight_jacobian(self):
        """The identity ``(n_out·n_in, n_out·n_in)``: ``W`` is its own parameter."""
        return np.eye(self.n_out * self.n_in)
