"""ACDC (Moczulski et al. 2016): a cascade of diagonal and cosine-transform factors.

``ACDC(n, depth)`` has parameters ``a`` ``(depth, n)``, ``d`` ``(depth, n)`` and a bias
``b`` ``(n,)``. Factor ``k`` maps a row ``x`` to

    x ↦ a_k ⊙ IDCT(d_k ⊙ DCT(x)),          DCT = orthonormal DCT-II (``scipy.fft.dct(...,
                                           norm="ortho")``), IDCT its inverse,

and the factors are applied ``k = 0, 1, …, depth − 1``; the layer adds ``b`` at the end.
With ``C`` the DCT matrix (:func:`~cdnotes.structured.dct.dct_matrix`),

    W = Π_{k = depth−1 … 0} diag(a_k) Cᵀ diag(d_k) C          (``Y = X @ W.T + b``),

so ``2·depth·n + n`` parameters and ``O(depth · n log n)`` work per row; ``W`` is never
formed. ``W`` is *multilinear* in ``(a_0, d_0, …)``, not linear: a homogeneous polynomial of
degree ``param_degree = 2·depth`` in them, and ``weights_linear = False``.
``weight_jacobian()`` is the Jacobian at the current parameters (so ``J θ = 2·depth · vec W``,
Euler's theorem), and the layer implements the protocol's hooks for ``W`` nonlinear in ``θ``
(the derivative ``DW_θ[v]`` applied to a batch, the weight gradient at any ``θ``, and its
derivative along ``v``), so the curvature tools' R-operator gives exact Hessian-vector
products for ACDC models too.

Initialisation, near the identity as in the paper (diagonals drawn around 1, which
keeps a deep cascade trainable) and matched to a dense layer's scale: ``d_k = 1 + σ ε``,
``a_k = c (1 + σ ε′)`` with ``ε, ε′ ~ N(0, 1)`` and ``σ = noise`` (default 0.1). Because
``C`` is orthogonal and the entries are independent, one factor has the expected gain
``E‖x W_kᵀ‖² = c² (1 + σ²)² ‖x‖²``; ``c`` makes the product's expected gain ``n std²``,
the gain of a dense layer whose entries have standard deviation ``std`` (He: ``2/n``·n =
2). So ``E‖W‖²_F = n² std²``, the dense layer's, while ``W`` itself stays close to
``c^depth · I`` (its entries are far from i.i.d.: the diagonal dominates).
"""
from __future__ import annotations

import math

import numpy as np

from ..layers.hooks import LinearCurvature
from ..layers.linear import Linear, parameter
from ..validation import check_positive_int, check_real
from .dct import dct, idct

__all__ = ["ACDC"]


class ACDCCurvature(LinearCurvature):
    """ACDC's hooks (``W`` multilinear in θ): every kernel runs the cascade on ``(m, N, n)``
    arrays with the factors' diagonals broadcast as ``(m, 1, n)``; the tangent versions carry
    forward-mode derivatives along."""

    weights_linear = False

    def apply_3d(self, xp, X3, weights=None):
        """``X3 @ W(weights)ᵀ``: ``(m_x, N, n)`` -> ``(m, N, n)`` (no bias), the cascade."""
        layer = self.layer
        H = X3
        for a, d in layer._diagonals(weights):
            H = a * idct(xp, d * dct(xp, H))
        return H

    def apply_transpose_3d(self, xp, dY3, weights=None):
        """``dY3 @ W(weights)``: ``(m_y, N, n)`` -> ``(m, N, n)``, the cascade transposed."""
        layer = self.layer
        G = dY3
        for a, d in reversed(layer._diagonals(weights)):
            G = idct(xp, d * dct(xp, a * G))
        return G

    def tangent_apply_3d(self, xp, X3, weights, tangents):
        """``X3 @ DW_θ[v]ᵀ`` (``θ = weights``, ``v = tangents``): the cascade's forward-mode
        derivative, ``(m, N, n)``."""
        layer = self.layer
        H, dH = X3, None
        for (a, d), (da, dd) in zip(layer._diagonals(weights), layer._diagonals(tangents)):
            Z = dct(xp, H)
            U = idct(xp, d * Z)
            dU = idct(xp, dd * Z if dH is None else dd * Z + d * dct(xp, dH))
            dH, H = da * U + a * dU, a * U
        return dH

    def tangent_apply_transpose_3d(self, xp, dY3, weights, tangents):
        """``dY3 @ DW_θ[v]``: ``(m_y, N, n)`` -> ``(m, N, n)``."""
        layer = self.layer
        G, dG = dY3, None
        pairs = list(zip(layer._diagonals(weights), layer._diagonals(tangents)))
        for (a, d), (da, dd) in reversed(pairs):
            Q = dct(xp, a * G)
            dQ = dct(xp, da * G if dG is None else da * G + a * dG)
            dG, G = idct(xp, dd * Q + d * dQ), idct(xp, d * Q)
        return dG

    def weight_grads_3d(self, xp, X3, dY3):
        """``{"a", "d"}`` ``(m, depth, n)`` for ``m`` pairs ``(X3[k], dY3[k])`` at the
        layer's own parameters (:meth:`weight_grads_at_3d`)."""
        return self.weight_grads_at_3d(xp, X3, dY3, None)

    def weight_grads_at_3d(self, xp, X3, dY3, weights):
        """The gradients of ``Σ_n dY3[k, n] · (X3[k, n] W(θ)ᵀ)`` in ``a`` and ``d`` at
        ``θ = weights`` (``None``: the layer's): ``{"a", "d"}`` ``(m, depth, n)``."""
        layer = self.layer
        diagonals = layer._diagonals(weights)
        H, cache = X3, []
        for a, d in diagonals:
            Z = dct(xp, H)
            U = idct(xp, d * Z)
            cache.append((Z, U))
            H = a * U
        G, grad_a, grad_d = dY3, [None] * layer.depth, [None] * layer.depth
        for k in range(layer.depth - 1, -1, -1):
            (a, d), (Z, U) = diagonals[k], cache[k]
            grad_a[k] = xp.sum(G * U, axis=1)
            Q = dct(xp, a * G)
            grad_d[k] = xp.sum(Q * Z, axis=1)
            G = idct(xp, d * Q)
        return {"a": xp.stack(grad_a, axis=1), "d": xp.stack(grad_d, axis=1)}

    def weight_second_order_3d(self, xp, X3, dY3, weights, tangents):
        """``d/dt`` of :meth:`weight_grads_at_3d` at ``θ + t v`` (``X3``, ``dY3`` fixed): the
        layer's own curvature term, ``{"a", "d"}`` ``(m, depth, n)``."""
        layer = self.layer
        diagonals, directions = layer._diagonals(weights), layer._diagonals(tangents)
        H, dH, cache = X3, None, []
        for (a, d), (da, dd) in zip(diagonals, directions):
            Z = dct(xp, H)
            dZ = None if dH is None else dct(xp, dH)
            U = idct(xp, d * Z)
            dU = idct(xp, dd * Z if dZ is None else dd * Z + d * dZ)
            cache.append((Z, dZ, U, dU))
            dH, H = da * U + a * dU, a * U
        G, dG = dY3, None
        grad_a, grad_d = [None] * layer.depth, [None] * layer.depth
        for k in range(layer.depth - 1, -1, -1):
            (a, d), (da, dd), (Z, dZ, U, dU) = diagonals[k], directions[k], cache[k]
            grad_a[k] = xp.sum(G * dU if dG is None else G * dU + dG * U, axis=1)
            Q = dct(xp, a * G)
            dQ = dct(xp, da * G if dG is None else da * G + a * dG)
            grad_d[k] = xp.sum(dQ * Z if dZ is None else dQ * Z + Q * dZ, axis=1)
            dG, G = idct(xp, dd * Q + d * dQ), idct(xp, d * Q)
        return {"a": xp.stack(grad_a, axis=1), "d": xp.stack(grad_d, axis=1)}


class ACDC(Linear):
    """ACDC layer ``Y = X @ W.T + b`` with ``W = Π_k diag(a_k) Cᵀ diag(d_k) C`` (square).

    Parameters
    ----------
    n : int >= 1
        Width: ``n_in = n_out = n``.
    depth : int >= 1
        Number of factors ``a_k ⊙ IDCT(d_k ⊙ DCT(·))``, applied ``k = 0, 1, …``.
    seed, init, dtype, xp, device
        As for :class:`~cdnotes.Dense`; ``init`` sets the target scale ``std`` (the module
        docstring: ``E‖W‖²_F = n² std²``); ``init=0.0`` gives ``a = 0`` (``W = 0``).
    noise : float >= 0, default 0.1
        ``σ`` of the near-identity draw of the diagonals.

    Attributes
    ----------
    a, d : arrays ``(depth, n)``; b : array ``(n,)`` (settable: validated and copied)
    depth : int
    n_params : ``2·depth·n + n``
    param_degree : ``2·depth`` (``W`` is a product of the parameters)
    weights_linear : False
    """

    curvature_class = ACDCCurvature

    def __init__(self, n, depth, *, seed=None, init="he", dtype="float64", xp=None, device=None,
                 noise=0.1):
        n = check_positive_int(n, "n")
        self.depth = check_positive_int(depth, "depth")
        self.param_degree = 2 * self.depth
        self.noise = check_real(noise, "noise", low=0.0)
        super().__init__(n, n, 1, seed=seed, init=init, dtype=dtype, xp=xp, device=device)

    def param_shapes(self):
        return {"a": (self.depth, self.n_in), "d": (self.depth, self.n_in), "b": (self.n_out,)}

    def initial_params(self, std, seed):
        rng = np.random.default_rng(seed)
        sigma = self.noise
        gain = (self.n_in * std ** 2) ** (1.0 / self.depth)         # per factor
        c = math.sqrt(gain) / (1.0 + sigma ** 2)
        shape = (self.depth, self.n_in)
        a = c * (1.0 + sigma * rng.standard_normal(shape))
        d = 1.0 + sigma * rng.standard_normal(shape)
        return {"a": a, "d": d, "b": np.zeros(self.n_out)}

    a = parameter("a", "Output diagonals ``(depth, n)``: factor ``k`` ends with ``a[k] ⊙ ·``.")
    d = parameter("d", "Spectral diagonals ``(depth, n)``: factor ``k`` scales ``DCT(x)`` by "
                       "``d[k]``.")

    def to_dense(self):
        """``W = Π_{k=depth−1…0} diag(a_k) Cᵀ diag(d_k) C``, ``(n, n)``: the cascade applied
        to the identity (never used by the passes)."""
        from ..backend import device_of, namespace_of
        xp = namespace_of(self.a)
        eye = xp.eye(self.n_in, dtype=self.dtype, device=device_of(self.a))
        H = eye
        for k in range(self.depth):
            H = self.a[k, :] * idct(xp, self.d[k, :] * dct(xp, H))
        return xp.matrix_transpose(H)                 # rows of I @ Wᵀ are the columns of W

    def forward_2d(self, xp, X2):
        """``(N, n)`` -> ``(N, n)``, no checks; caches each factor's ``DCT`` and ``IDCT``."""
        H, cache = X2, []
        for k in range(self.depth):
            Z = dct(xp, H)
            U = idct(xp, self.d[k, :] * Z)
            cache.append((Z, U))
            H = self.a[k, :] * U
        self._cache = cache
        return H + self.b

    def backward_2d(self, xp, dY2):
        """``(N, n)`` -> ``(N, n)``, no checks; fills ``grads`` (``a``, ``d``, ``b``)."""
        cache = self._cached()
        G = dY2
        da, dd = [None] * self.depth, [None] * self.depth
        for k in range(self.depth - 1, -1, -1):
            Z, U = cache[k]
            da[k] = xp.sum(G * U, axis=0)
            GU = dct(xp, self.a[k, :] * G)            # the adjoint of IDCT is DCT
            dd[k] = xp.sum(GU * Z, axis=0)
            G = idct(xp, self.d[k, :] * GU)           # and the adjoint of DCT is IDCT
        self.grads = {"a": xp.stack(da), "d": xp.stack(dd), "b": xp.sum(dY2, axis=0)}
        return G

    def weight_jacobian(self):
        """``∂ vec(W) / ∂(a, d)`` at the current parameters: ``(n², 2·depth·n)``, host float64.

        With the factors ``F_k = diag(a_k) Cᵀ diag(d_k) C``, ``L_k = F_{depth−1}⋯F_{k+1}`` and
        ``R_k = F_{k−1}⋯F_0``: ``∂W/∂a_k[j] = L_k[:, j] ⊗ (Cᵀ diag(d_k) C R_k)[j, :]`` and
        ``∂W/∂d_k[j] = (L_k diag(a_k) Cᵀ)[:, j] ⊗ (C R_k)[j, :]``. Columns in ``params`` order
        (``a`` raveled, then ``d``). ``W`` has degree ``2·depth``, so ``J θ = 2·depth · vec W``.
        """
        from ..backend import to_numpy
        from .dct import dct_matrix
        n = self.n_in
        a = np.asarray(to_numpy(self.a), dtype=np.float64)
        d = np.asarray(to_numpy(self.d), dtype=np.float64)
        C = dct_matrix(n)
        factors = [a[k][:, None] * (C.T @ (d[k][:, None] * C)) for k in range(self.depth)]
        columns_a, columns_d = [], []
        for k in range(self.depth):
            R, L = np.eye(n), np.eye(n)
            for F in factors[:k]:
                R = F @ R
            for F in factors[k + 1:]:
                L = F @ L
            left_d, right_a = (L * a[k][None, :]) @ C.T, C.T @ (d[k][:, None] * (C @ R))
            columns_a.append(np.einsum("uj,jv->uvj", L, right_a).reshape(n * n, n))
            columns_d.append(np.einsum("uj,jv->uvj", left_d, C @ R).reshape(n * n, n))
        return np.concatenate(columns_a + columns_d, axis=1)

    def _diagonals(self, weights):
        """``[(a_k, d_k)]`` as ``(m, 1, n)`` arrays, for ``weights`` (``None``: the layer's)."""
        w = self._weights_3d(weights)
        return [(w["a"][:, k, :][:, None, :], w["d"][:, k, :][:, None, :])
                for k in range(self.depth)]

    def _repr_extra(self):
        return f"depth={self.depth}"
