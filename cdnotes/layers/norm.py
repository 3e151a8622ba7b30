"""Layer normalisation over the last axis, ``LayerNorm`` (Ba, Kiros & Hinton 2016)."""
from __future__ import annotations

import numpy as np

from ..backend import namespace_of
from ..validation import (check_array, check_dtype, check_float_array, check_input, check_int,
                          check_namespace, check_real, check_same_dtype, check_seed)
from .base import Layer
from .chain_tangents import TangentMethods
from .second_order import layernorm_rop_backward_2d

__all__ = ["LayerNorm"]


class LayerNorm(TangentMethods, Layer):
    """``Y = gamma ⊙ (X − mean) / sqrt(var + eps) + beta`` over the last axis: ``(..., d)``
    -> ``(..., d)``, mean and (biased) variance of each row of ``d`` values.

    Backward: with ``X̂ = (X − mean)·s``, ``s = 1/sqrt(var + eps)`` and ``G = dY ⊙ gamma``,
    ``dX = s (G − mean(G) − X̂ mean(G ⊙ X̂))`` (means over the last axis),
    ``dgamma = Σ dY ⊙ X̂``, ``dbeta = Σ dY`` (sums over every leading axis).

    Parameters
    ----------
    d : int >= 1
        The normalised (last) axis' length.
    eps : float > 0, default 1e-5
        Added to the variance (PyTorch's default).
    seed : int or None
        Unused (the parameters start at ones and zeros); accepted like every layer's.
    dtype : {"float64", "float32"}
    xp : namespace or backend name, default NumPy

    Attributes
    ----------
    params : ``gamma`` ``(d,)`` (ones), ``beta`` ``(d,)`` (zeros)
    n_params : ``2 d``
    """

    circulant_param = None

    def __init__(self, d, *, eps=1e-5, seed=None, dtype="float64", xp=None):
        super().__init__()
        self.d = check_int(d, "d", minimum=1)
        self.eps = check_real(eps, "eps", low=0.0, low_open=True)
        check_seed(seed)
        space = check_namespace(xp)
        real = check_dtype(space, dtype)
        self.params = {"gamma": space.asarray(np.ones(self.d), dtype=real),
                       "beta": space.asarray(np.zeros(self.d), dtype=real)}

    @property
    def dtype(self):
        """The parameters' dtype."""
        return self.params["gamma"].dtype

    def forward(self, X):
        """Checked forward pass.

        Parameters
        ----------
        X : real floating array ``(..., d)``, at least 2-D, non-empty, finite, the
            parameters' dtype

        Returns
        -------
        array ``(..., d)``
        """
        check_array(X, "X")
        xp = namespace_of(X, *self.params.values())
        check_input(xp, X, self.d)
        for name, p in self.params.items():
            check_float_array(xp, p, f"parameter {name}")
        check_same_dtype(X=X, parameters=self.params["gamma"])
        Y = self.forward_2d(xp, X)
        self._out_shape = tuple(Y.shape)
        self._forward_cache = self._cache
        self._forward_input = X
        return Y

    def rop_backward_2d(self, xp, X, dY, dX, dparams, ddY):
        """Unchecked :meth:`rop_backward` at the last ``forward_2d`` (for networks)."""
        return layernorm_rop_backward_2d(self, xp, X, dY, dX, dparams, ddY)

    def jvp_2d(self, xp, X, dX, dparams):
        """Unchecked tangent (see :meth:`jvp`) from the cached ``X̂`` and ``s``."""
        Xn, inv = self._cached()
        dY = xp.zeros_like(Xn)
        if dX is not None:
            c = dX - xp.mean(dX, axis=-1, keepdims=True)
            dY = dY + self.params["gamma"] * (
                inv * (c - Xn * xp.mean(Xn * c, axis=-1, keepdims=True)))
        if "gamma" in dparams:
            dY = dY + dparams["gamma"] * Xn
        if "beta" in dparams:
            dY = dY + dparams["beta"]
        return dY

    def backward(self, dY):
        """Checked backward pass; fills ``grads``.

        Parameters
        ----------
        dY : real floating array of the last forward output's shape

        Returns
        -------
        ``∂L/∂X``, the shape of ``dY``
        """
        self._cached()
        if self._cache is not self.__dict__.get("_forward_cache"):
            raise RuntimeError("LayerNorm.backward pairs with the last forward(X), but "
                               "forward_2d ran since: call forward(X) again before backward")
        check_array(dY, "dY")
        xp = namespace_of(dY, *self.params.values())
        if tuple(dY.shape) != self._out_shape:
            raise ValueError(f"dY must have the shape of the last forward output "
                             f"{self._out_shape}; got {tuple(dY.shape)}")
        check_float_array(xp, dY, "dY")
        check_same_dtype(dY=dY, parameters=self.params["gamma"])
        return self.backward_2d(xp, dY)

    def forward_2d(self, xp, X):
        """Unchecked: ``(..., d)`` -> ``(..., d)``; caches for :meth:`backward_2d`."""
        mu = xp.mean(X, axis=-1, keepdims=True)
        centred = X - mu
        inv = 1.0 / xp.sqrt(xp.mean(centred * centred, axis=-1, keepdims=True) + self.eps)
        Xn = centred * inv
        self._cache = (Xn, inv)
        return self.params["gamma"] * Xn + self.params["beta"]

    def backward_2d(self, xp, dY):
        """Unchecked: ``(..., d)`` -> ``(..., d)``; fills ``grads``."""
        Xn, inv = self._cached()
        G = dY * self.params["gamma"]
        dX = inv * (G - xp.mean(G, axis=-1, keepdims=True)
                    - Xn * xp.mean(G * Xn, axis=-1, keepdims=True))
        flat_dY, flat_Xn = xp.reshape(dY, (-1, self.d)), xp.reshape(Xn, (-1, self.d))
        self.grads = {"gamma": xp.sum(flat_dY * flat_Xn, axis=0), "beta": xp.sum(flat_dY, axis=0)}
        return dX

    def __repr__(self):
        return f"LayerNorm(d={self.d}, eps={self.eps:g})"
