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
degree ``param_degree = 2·depth`` in them. ``weight_jacobian()`` is the Jacobian at the
current parameters (so ``J θ = 2·depth · vec W``, Euler's theorem), and the batched tangent
kernels that the curvature tools' R-operator uses (which take ``W(v)`` as the derivative of
``W`` along ``v``, true only at degree 1) raise ``NotImplementedError``.

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

from ..layers.linear import Linear, parameter
from ..validation import check_positive_int, check_real
from .dct import dct, idct

__all__ = ["ACDC"]


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

    weights_linear = False

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

    # -- the tangent kernels assume W linear in its parameters -----------------------
    def _not_linear(self, what):
        raise NotImplementedError(
            f"ACDC.{what}: ACDC's W is a product of its parameters a and d (multilinear, "
            f"param_degree = {self.param_degree}), so the Linear protocol's tangent kernels and "
            "the curvature tools built on them (the R-operator takes W(v) as the derivative of "
            "W along v) do not apply; use loss_and_gradient and finite differences, or a layer "
            "linear in its weights")

    def apply_3d(self, xp, X3, weights=None):
        """Not provided (raises ``NotImplementedError``): see ``param_degree``."""
        self._not_linear("apply_3d")

    def apply_transpose_3d(self, xp, dY3, weights=None):
        """Not provided (raises ``NotImplementedError``): see ``param_degree``."""
        self._not_linear("apply_transpose_3d")

    def weight_grads_3d(self, xp, X3, dY3):
        """Not provided (raises ``NotImplementedError``): see ``param_degree``."""
        self._not_linear("weight_grads_3d")

    def _repr_extra(self):
        return f"depth={self.depth}"
