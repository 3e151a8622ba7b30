"""Linear layers that train a fixed, seeded subset of the entries of ``W``.

:class:`FixedPattern` is the one implementation behind :class:`~cdnotes.layers.MaskedDense`
(spectral training's baseline: ``n_trained`` entries trained, the others frozen at zero or
at their initial values) and :class:`~cdnotes.structured.SparseFixed` (a fixed sparsity
pattern of a given density). A subclass chooses the positions and names the trained vector;
the base class forms ``W`` with one gather, ``W.ravel() = concat([0], p)[gather]`` with
``gather[positions[k]] = 1 + k`` and 0 elsewhere (plus the frozen part, if any), so no scatter
is needed on any backend, and the gradient is the gather ``(dYᵀ X).ravel()[positions]``.
"""
from __future__ import annotations

import numpy as np

from ..backend import device_of, namespace_of, to_numpy
from .hooks import LinearCurvature
from .linear import Linear

__all__ = ["FixedPattern"]


class FixedPatternCurvature(LinearCurvature):
    """The hooks of a fixed pattern: one gather per weight set; ``W`` affine with a frozen part."""

    @property
    def weights_linear(self):
        """``W`` is linear in the trained entries unless frozen initial values are added
        (``MaskedDense(frozen="init")``: affine)."""
        return getattr(self.layer, "frozen", "zero") == "zero"

    def apply_3d(self, xp, X3, weights=None):
        """``X3 @ W(weights)ᵀ``: ``(m_x, N, n_in)`` -> ``(m, N, n_out)`` (no bias)."""
        layer = self.layer
        return xp.matmul(X3, xp.matrix_transpose(layer._dense_3d(xp, weights)))

    def apply_transpose_3d(self, xp, dY3, weights=None):
        """``dY3 @ W(weights)``: ``(m_y, N, n_out)`` -> ``(m, N, n_in)``."""
        layer = self.layer
        return xp.matmul(dY3, layer._dense_3d(xp, weights))

    def weight_grads_3d(self, xp, X3, dY3):
        """``{pattern_param: (dY3[k]ᵀ X3[k]) at the positions}`` ``(m, k)``."""
        layer = self.layer
        return {layer.pattern_param: layer._gather(xp, xp.matmul(xp.matrix_transpose(dY3), X3))}

    def tangent_apply_3d(self, xp, X3, weights, tangents):
        """``X3 @ DW[v]ᵀ``: the tangent entries at their positions (no frozen part)."""
        layer = self.layer
        return xp.matmul(X3, xp.matrix_transpose(layer._dense_3d(xp, tangents, frozen=False)))

    def tangent_apply_transpose_3d(self, xp, dY3, weights, tangents):
        """``dY3 @ DW[v]`` (no frozen part)."""
        layer = self.layer
        return xp.matmul(dY3, layer._dense_3d(xp, tangents, frozen=False))


class FixedPattern(Linear):
    """Base class: ``Y = X Wᵀ (+ b)`` with ``W.ravel()[positions] = params[pattern_param]``.

    Subclasses set :attr:`pattern_param` and, before ``Linear.__init__`` returns,
    :attr:`positions` (host int array ``(k,)``, ascending flat indices into ``W.ravel()``);
    :attr:`frozen_weights` is ``None`` or an array ``(n_out, n_in)``, zero at the positions,
    added to ``W`` and not trained.

    Parameters
    ----------
    n_in, n_out, block_size, seed, init, dtype, xp, device
        As for :class:`~cdnotes.layers.Linear` (the subclasses' constructors pass them on).
    """

    curvature_class = FixedPatternCurvature

    pattern_param: str = "values"
    frozen_weights = None

    # -- the gather ----------------------------------------------------------------
    def _indices(self, xp, device):
        """Device index arrays ``gather`` ``(n_out·n_in,)`` and ``positions`` ``(k,)``,
        cached per backend and device."""
        cache = self.__dict__.setdefault("_index_cache", {})
        key = (xp.__name__, str(device))
        if key not in cache:
            gather = np.zeros(self.n_out * self.n_in, dtype=np.int64)
            gather[self.positions] = 1 + np.arange(self.positions.size)
            cache[key] = (xp.asarray(gather, device=device),
                          xp.asarray(np.asarray(self.positions, dtype=np.int64), device=device))
        return cache[key]

    def _scatter(self, xp, p):
        """``p`` ``(..., k)`` -> the matrices with ``p`` at the positions ``(..., n_out, n_in)``."""
        lead = tuple(p.shape[:-1])
        gather, _ = self._indices(xp, device_of(p))
        zero = xp.zeros(lead + (1,), dtype=p.dtype, device=device_of(p))
        flat = xp.take(xp.concat([zero, p], axis=-1), gather, axis=-1)
        return xp.reshape(flat, lead + (self.n_out, self.n_in))

    def _gather(self, xp, G):
        """``G`` ``(..., n_out, n_in)`` -> its entries at the positions ``(..., k)``."""
        _, positions = self._indices(xp, device_of(G))
        lead = tuple(G.shape[:-2])
        return xp.take(xp.reshape(G, lead + (self.n_out * self.n_in,)), positions, axis=-1)

    def _full(self, xp, W):
        return W if self.frozen_weights is None else W + self.frozen_weights

    # -- the protocol ------------------------------------------------------------------
    def to_dense(self):
        """``W`` ``(n_out, n_in)``: the trained entries at their positions (+ the frozen part)."""
        p = self.params[self.pattern_param]
        xp = namespace_of(p)
        return self._full(xp, self._scatter(xp, p))

    def forward_2d(self, xp, X2):
        """``(N, n_in)`` -> ``(N, n_out)``, no checks; caches for :meth:`backward_2d`."""
        W = self.to_dense()
        self._cache = (X2, W)
        Y = xp.matmul(X2, xp.matrix_transpose(W))
        return Y + self.params["b"] if self.has_bias else Y

    def backward_2d(self, xp, dY2):
        """``(N, n_out)`` -> ``(N, n_in)``, no checks; fills ``grads`` (``dYᵀX`` gathered)."""
        X2, W = self._cached()
        self.grads = {self.pattern_param: self._gather(xp, xp.matmul(xp.matrix_transpose(dY2),
                                                                     X2))}
        if self.has_bias:
            self.grads["b"] = xp.sum(dY2, axis=0)
        return xp.matmul(dY2, W)

    def to(self, xp=None, device=None, dtype=None):
        """Move (and cast) the parameters and the frozen weights; see :meth:`Layer.to`."""
        super().to(xp, device=device, dtype=dtype)
        if self.frozen_weights is not None:
            ref = self.reference_param
            self.frozen_weights = namespace_of(ref).asarray(
                to_numpy(self.frozen_weights), dtype=ref.dtype, device=device_of(ref))
        return self

    def weight_jacobian(self):
        """``∂ vec(W) / ∂p`` ``(n_out·n_in, k)``: one 1 per column, at its position.

        Returns
        -------
        ndarray ``(n_out·n_in, k)``
        """
        J = np.zeros((self.n_out * self.n_in, self.positions.size))
        J[self.positions, np.arange(self.positions.size)] = 1.0
        return J

    def _dense_3d(self, xp, weights, frozen=True):
        W = self._scatter(xp, self._weights_3d(weights)[self.pattern_param])
        return self._full(xp, W) if frozen else W
