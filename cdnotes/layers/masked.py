"""A dense layer that trains only a fixed random subset of its weights (constrained direct space).

The baseline of spectral training (Giambagli, Buffoni et al.): as many trained weights
as a spectral model trains eigenvalues, chosen at random (seeded) among the
``n_out × n_in`` entries of ``W``; the others are frozen — at zero (a sparse layer, the
default) or at their initial values. ``params`` holds the ``n_trained`` trained
weights ``w`` (in row-major order of their positions) and, with ``bias=True``, ``b``.

``W`` is formed by one gather, ``W.ravel() = concat(w, [0])[slot]`` (+ the frozen part),
with ``slot[p] = k`` if position ``p`` holds ``w[k]`` and ``n_trained`` otherwise, so no
scatter is needed on any backend; the gradient is the gather ``G.ravel()[positions]``.
"""
from __future__ import annotations

import numpy as np

from ..backend import device_of, namespace_of, to_numpy
from ..validation import check_choice, check_int
from .init import normal_weights
from .linear import Linear

__all__ = ["MaskedDense", "FROZEN"]

FROZEN = ("zero", "init")
"""The untrained weights: zero (a sparse layer), or frozen at their random initial values."""


class MaskedDense(Linear):
    """Dense layer ``Y = X Wᵀ (+ b)`` whose trained weights are a seeded random subset of ``W``.

    Parameters
    ----------
    n_in, n_out : int >= 1
    n_trained : int in [1, n_in·n_out]
        How many entries of ``W`` are trained.
    bias : bool, default False
    frozen : {"zero", "init"}
        The other entries: zero, or their initial values (frozen).
    seed : int or None
        Draws the positions and the initial weights (He-scaled normal, as
        :class:`~cdnotes.Dense`).
    init, dtype, xp, device
        As for :class:`~cdnotes.Dense`.

    Attributes
    ----------
    w : array ``(n_trained,)``; b : array ``(n_out,)`` if ``bias``
    positions : host int array ``(n_trained,)``, the trained entries of ``W.ravel()``
        (ascending)
    frozen_weights : array ``(n_out, n_in)``, zero at the trained positions
    """

    def __init__(self, n_in, n_out, n_trained, *, bias=False, frozen="zero", seed=None,
                 init="he", dtype="float64", xp=None, device=None):
        n_in_ = check_int(n_in, "n_in", minimum=1)
        n_out_ = check_int(n_out, "n_out", minimum=1)
        self.n_trained = check_int(n_trained, "n_trained", minimum=1)
        if self.n_trained > n_in_ * n_out_:
            raise ValueError(f"n_trained must be in [1, n_in*n_out = {n_in_ * n_out_}]; "
                             f"got {n_trained}")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"bias must be True or False; got {bias!r}")
        self.bias = bool(bias)
        self.frozen = check_choice(frozen, "frozen", FROZEN)
        self.weights_linear = self.frozen == "zero"
        super().__init__(n_in, n_out, 1, seed=seed, init=init, dtype=dtype, xp=xp, device=device)
        ref = self.reference_param
        space, dev = namespace_of(ref), device_of(ref)
        size = self.n_in * self.n_out
        slot = np.full(size, self.n_trained, dtype=np.int64)
        slot[self.positions] = np.arange(self.n_trained)
        frozen_host = np.zeros(size)
        if self.frozen == "init":
            frozen_host = self._initial_W.ravel().copy()
            frozen_host[self.positions] = 0.0
        del self._initial_W
        self._slot = space.asarray(slot, device=dev)
        self._positions = space.asarray(self.positions, device=dev)
        self.frozen_weights = space.asarray(frozen_host.reshape(self.n_out, self.n_in),
                                            dtype=ref.dtype, device=dev)

    def param_shapes(self):
        shapes = {"w": (self.n_trained,)}
        if self.bias:
            shapes["b"] = (self.n_out,)
        return shapes

    def initial_params(self, std, seed):
        rng = np.random.default_rng(seed)
        size = self.n_in * self.n_out
        self.positions = np.sort(rng.choice(size, self.n_trained, replace=False))
        W = normal_weights((self.n_out, self.n_in), std, rng.integers(2**63))
        self._initial_W = W
        return {"w": W.ravel()[self.positions], "b": np.zeros(self.n_out)}

    w = property(lambda self: self.params["w"], lambda self, v: self.set_param("w", v),
                 doc="The trained weights ``(n_trained,)``.")

    def _scatter(self, xp, w):
        """``w`` ``(..., n_trained)`` -> the matrices with ``w`` at the positions ``(..., n_out, n_in)``."""
        lead = tuple(w.shape[:-1])
        zero = xp.zeros(lead + (1,), dtype=w.dtype, device=device_of(w))
        flat = xp.take(xp.concat([w, zero], axis=-1), self._slot, axis=-1)
        return xp.reshape(flat, lead + (self.n_out, self.n_in))

    def _gather(self, xp, G):
        """``G`` ``(..., n_out, n_in)`` -> its entries at the positions ``(..., n_trained)``."""
        lead = tuple(G.shape[:-2])
        return xp.take(xp.reshape(G, lead + (self.n_out * self.n_in,)), self._positions, axis=-1)

    def to_dense(self):
        """``W`` ``(n_out, n_in)``: the trained weights at their positions, the frozen elsewhere.

        Returns
        -------
        array ``(n_out, n_in)``
        """
        xp = namespace_of(self.params["w"])
        return self._scatter(xp, self.params["w"]) + self.frozen_weights

    def forward_2d(self, xp, X2):
        """``(N, n_in)`` -> ``(N, n_out)``, no checks; caches for :meth:`backward_2d`."""
        W = self.to_dense()
        self._cache = (X2, W)
        Y = xp.matmul(X2, xp.matrix_transpose(W))
        return Y + self.params["b"] if self.bias else Y

    def backward_2d(self, xp, dY2):
        """``(N, n_out)`` -> ``(N, n_in)``, no checks; fills ``grads`` (``∂/∂w``: ``dYᵀX`` gathered)."""
        X2, W = self._cached()
        self.grads = {"w": self._gather(xp, xp.matmul(xp.matrix_transpose(dY2), X2))}
        if self.bias:
            self.grads["b"] = xp.sum(dY2, axis=0)
        return xp.matmul(dY2, W)

    def to(self, xp=None, device=None, dtype=None):
        """Move (and cast) the parameters and the frozen weights; see :meth:`Layer.to`."""
        super().to(xp, device=device, dtype=dtype)
        ref = self.reference_param
        space, dev = namespace_of(ref), device_of(ref)
        self.frozen_weights = space.asarray(to_numpy(self.frozen_weights), dtype=ref.dtype,
                                            device=dev)
        self._slot = space.asarray(to_numpy(self._slot), device=dev)
        self._positions = space.asarray(to_numpy(self._positions), device=dev)
        return self

    def weight_jacobian(self):
        """``∂ vec(W) / ∂w`` ``(n_out·n_in, n_trained)``: one 1 per column, at its position.

        Returns
        -------
        ndarray ``(n_out·n_in, n_trained)``
        """
        J = np.zeros((self.n_out * self.n_in, self.n_trained))
        J[self.positions, np.arange(self.n_trained)] = 1.0
        return J

    def _dense_3d(self, xp, weights, frozen=True):
        w = self._weights_3d(weights)["w"]
        W = self._scatter(xp, w)
        return W + self.frozen_weights if frozen else W

    def apply_3d(self, xp, X3, weights=None):
        """``X3 @ W(weights)ᵀ``: ``(m_x, N, n_in)`` -> ``(m, N, n_out)``."""
        return xp.matmul(X3, xp.matrix_transpose(self._dense_3d(xp, weights)))

    def apply_transpose_3d(self, xp, dY3, weights=None):
        """``dY3 @ W(weights)``: ``(m_y, N, n_out)`` -> ``(m, N, n_in)``."""
        return xp.matmul(dY3, self._dense_3d(xp, weights))

    def weight_grads_3d(self, xp, X3, dY3):
        """``{"w": (dY3[k]ᵀ X3[k]) at the positions}`` ``(m, n_trained)``."""
        return {"w": self._gather(xp, xp.matmul(xp.matrix_transpose(dY3), X3))}

    def tangent_apply_3d(self, xp, X3, weights, tangents):
        """``X3 @ DW[v]ᵀ``: the tangent weights at their positions (no frozen part)."""
        return xp.matmul(X3, xp.matrix_transpose(self._dense_3d(xp, tangents, frozen=False)))

    def tangent_apply_transpose_3d(self, xp, dY3, weights, tangents):
        """``dY3 @ DW[v]`` (no frozen part)."""
        return xp.matmul(dY3, self._dense_3d(xp, tangents, frozen=False))

    def _repr_extra(self):
        return f"n_trained={self.n_trained}, bias={self.bias}, frozen={self.frozen!r}"
