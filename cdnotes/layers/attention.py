"""Multi-head scaled dot-product self-attention, ``MultiHeadAttention``, whose four
projections are registry linear layers (dense, block-circulant, ...)."""
from __future__ import annotations

import math

from ..backend import device_of
from ..validation import check_bool, check_int
from .activations import softmax
from .composite import Composite, child_seeds, linear_entry
from .second_order import attention_rop_backward_2d
from .tangents import linear_tangent, sub_tangents

__all__ = ["MultiHeadAttention"]


class MultiHeadAttention(Composite):
    """Self-attention ``(N, L, d_model)`` -> ``(N, L, d_model)`` with ``n_heads`` heads.

    ``Q = q(X)``, ``K = k(X)``, ``V = v(X)`` (each ``(N, L, d_model)``; the projections
    act on every position). Head ``h`` is the contiguous slice ``h·d_h : (h+1)·d_h`` of
    the channels, ``d_h = d_model / n_heads`` (PyTorch's convention):
    ``A_h = softmax(Q_h K_hᵀ / √d_h)`` over the keys ``(L, L)`` (with ``causal``, the
    scores of keys after the query are −∞, so position ``t`` sees positions ``≤ t``),
    ``O_h = A_h V_h``, and ``Y = o(concat_h O_h)``.

    Backward (per head, ``s = 1/√d_h``): ``dO_h`` from ``o``; ``dV_h = A_hᵀ dO_h``;
    ``dA_h = dO_h V_hᵀ``; the softmax's ``dS_h = A_h ⊙ (dA_h − rowsum(dA_h ⊙ A_h))``;
    ``dQ_h = s dS_h K_h``, ``dK_h = s dS_hᵀ Q_h``; then the projections' own backward passes,
    ``dX = q'(dQ) + k'(dK) + v'(dV)``.

    Parameters
    ----------
    d_model : int >= 1
    n_heads : int >= 1
        Must divide ``d_model``.
    structure : str, default "dense"
        A key of :data:`cdnotes.layers.LAYERS`, the kind of all four projections
        ``d_model -> d_model``; ``"cd"`` needs ``block_size``.
    block_size : int or None
        For ``structure="cd"``: must divide ``d_model / n_heads`` (so a circulant block never
        straddles two heads).
    causal : bool, default False
        Mask the keys after each query.
    seed : int or None
        The projections ``q, k, v, o`` get four seeds spawned from it.
    dtype : {"float64", "float32"}
    xp : namespace or backend name, default NumPy
    **options
        The structure's other options (``method="fft"``, ``rank=4``, ...). The projections
        take Glorot's scale (``init="glorot"``, as PyTorch's) unless ``init`` is given.

    Attributes
    ----------
    q, k, v, o : :class:`~cdnotes.layers.Linear` ``d_model -> d_model``
    head_dim : int
        ``d_model / n_heads``.
    params : keys ``"q.<name>"``, ``"k.<name>"``, ``"v.<name>"``, ``"o.<name>"``
    n_params : the sum of the four projections' ``n_params``
    """

    def __init__(self, d_model, n_heads, *, structure="dense", block_size=None, causal=False,
                 seed=None, dtype="float64", xp=None, **options):
        super().__init__()
        self.d_model = check_int(d_model, "d_model", minimum=1)
        self.n_heads = check_int(n_heads, "n_heads", minimum=1)
        if self.d_model % self.n_heads:
            allowed = [h for h in range(1, self.d_model + 1) if self.d_model % h == 0]
            raise ValueError(f"n_heads must divide d_model={self.d_model}; got n_heads="
                             f"{self.n_heads}; allowed: {', '.join(map(str, allowed))}")
        self.head_dim = self.d_model // self.n_heads
        self.causal = check_bool(causal, "causal")
        entry, options = linear_entry(structure, block_size, options,
                                      {"d_model / n_heads": self.head_dim},
                                      [(self.d_model, self.d_model)])
        if "init" in entry.build_keywords:
            options.setdefault("init", "glorot")
        self.structure = structure
        seeds = child_seeds(seed, 4)
        for name, s in zip("qkvo", seeds):
            setattr(self, name, entry.build(self.d_model, self.d_model, seed=s, dtype=dtype,
                                            xp=xp, **options))
        self.sublayers = {"q": self.q, "k": self.k, "v": self.v, "o": self.o}

    def forward(self, X):
        """Checked forward pass.

        Parameters
        ----------
        X : real floating array ``(N, L, d_model)``, ``N, L >= 1``, finite, the parameters'
            dtype

        Returns
        -------
        array ``(N, L, d_model)``
        """
        return self._checked_forward(X, self.d_model, "d_model")

    def backward(self, dY):
        """Checked backward pass; fills ``grads`` (every projection's).

        Parameters
        ----------
        dY : real floating array ``(N, L, d_model)`` of the last forward output's shape

        Returns
        -------
        ``∂L/∂X`` ``(N, L, d_model)``
        """
        return self._checked_backward(dY)

    # -- unchecked kernels -----------------------------------------------------------
    def _heads(self, xp, Z2, N, L):
        """``(N·L, d_model)`` -> ``(N, n_heads, L, head_dim)``."""
        Z = xp.reshape(Z2, (N, L, self.n_heads, self.head_dim))
        return xp.permute_dims(Z, (0, 2, 1, 3))

    def _merge(self, xp, Z, N, L):
        """``(N, n_heads, L, head_dim)`` -> ``(N·L, d_model)``."""
        return xp.reshape(xp.permute_dims(Z, (0, 2, 1, 3)), (N * L, self.d_model))

    def mask(self, xp, L, dtype, device=None):
        """The additive causal mask ``(L, L)``: 0 where key ≤ query, −∞ after.

        Parameters
        ----------
        xp : namespace
        L : int >= 1
        dtype : the scores' dtype
        device : optional

        Returns
        -------
        array ``(L, L)``
        """
        rows = xp.arange(L, device=device)
        after = rows[None, :] > rows[:, None]
        zero = xp.zeros((L, L), dtype=dtype, device=device)
        return xp.where(after, zero - math.inf, zero)

    def forward_2d(self, xp, X):
        """Unchecked: ``(N, L, d_model)`` -> ``(N, L, d_model)``; caches for the backward."""
        N, L, d = X.shape
        X2 = xp.reshape(X, (N * L, d))
        Q, K, V = (self._heads(xp, layer.forward_2d(xp, X2), N, L)
                   for layer in (self.q, self.k, self.v))
        scale = 1.0 / math.sqrt(self.head_dim)
        S = xp.matmul(Q, xp.matrix_transpose(K)) * scale          # (N, h, L, L)
        if self.causal:
            S = S + self.mask(xp, L, S.dtype, device_of(S))
        A = softmax(S, axis=-1)
        self._cache = (Q, K, V, A, N, L)
        O2 = self._merge(xp, xp.matmul(A, V), N, L)
        return xp.reshape(self.o.forward_2d(xp, O2), (N, L, d))

    def backward_2d(self, xp, dY):
        """Unchecked: ``(N, L, d_model)`` -> ``(N, L, d_model)``; fills ``grads``."""
        Q, K, V, A, N, L = self._cached()
        dO = self._heads(xp, self.o.backward_2d(xp, xp.reshape(dY, (N * L, self.d_model))), N, L)
        dV = xp.matmul(xp.matrix_transpose(A), dO)
        dA = xp.matmul(dO, xp.matrix_transpose(V))
        dS = A * (dA - xp.sum(dA * A, axis=-1, keepdims=True))
        dS = dS * (1.0 / math.sqrt(self.head_dim))
        dQ, dK = xp.matmul(dS, K), xp.matmul(xp.matrix_transpose(dS), Q)
        dX2 = (self.q.backward_2d(xp, self._merge(xp, dQ, N, L))
               + self.k.backward_2d(xp, self._merge(xp, dK, N, L))
               + self.v.backward_2d(xp, self._merge(xp, dV, N, L)))
        return xp.reshape(dX2, (N, L, self.d_model))

    def jvp_2d(self, xp, X, dX, dparams):
        """Unchecked tangent (see :meth:`~cdnotes.layers.Composite.jvp`) ``(N, L, d_model)``.

        ``dQ, dK, dV`` are the projections' tangents; per head ``dS = s (dQ Kᵀ + Q dKᵀ)``,
        the softmax's ``dA = A ⊙ (dS − rowsum(A ⊙ dS))`` (zero where the causal mask is),
        ``dO = dA V + A dV``, and ``dY`` the output projection's tangent at ``O``.
        """
        N, L = X.shape[0], X.shape[1]
        return xp.reshape(self.tangent_pass_2d(xp, X, dX, dparams)["dY2"], (N, L, self.d_model))

    def tangent_pass_2d(self, xp, X, dX, dparams) -> dict:
        """The primal and tangent intermediates of :meth:`jvp_2d` (unchecked), for the
        R-operator's backward half (:meth:`rop_backward`).

        Returns
        -------
        dict
            ``X2``, ``dX2`` (or None) ``(N·L, d_model)``; the tangents ``dQ``, ``dK``,
            ``dV`` ``(N, h, L, d_h)`` and ``dA`` ``(N, h, L, L)``; ``O2``, ``dO2``, ``dY2``
            ``(N·L, d_model)``.
        """
        Q, K, V, A, N, L = self._cached()
        X2 = xp.reshape(X, (N * L, self.d_model))
        dX2 = None if dX is None else xp.reshape(dX, (N * L, self.d_model))
        dQ, dK, dV = (self._heads(xp, linear_tangent(xp, getattr(self, name), X2, dX2,
                                                     sub_tangents(dparams, name)), N, L)
                      for name in "qkv")
        dS = (xp.matmul(dQ, xp.matrix_transpose(K)) + xp.matmul(Q, xp.matrix_transpose(dK)))
        dS = dS * (1.0 / math.sqrt(self.head_dim))
        dA = A * (dS - xp.sum(A * dS, axis=-1, keepdims=True))
        O2 = self._merge(xp, xp.matmul(A, V), N, L)
        dO2 = self._merge(xp, xp.matmul(dA, V) + xp.matmul(A, dV), N, L)
        dY2 = linear_tangent(xp, self.o, O2, dO2, sub_tangents(dparams, "o"))
        return {"X2": X2, "dX2": dX2, "dQ": dQ, "dK": dK, "dV": dV, "dA": dA, "O2": O2,
                "dO2": dO2, "dY2": dY2}

    def rop_backward_2d(self, xp, X, dY, dX, dparams, ddY):
        """Unchecked :meth:`rop_backward` at the last ``forward_2d`` (for networks)."""
        return attention_rop_backward_2d(self, xp, X, dY, dX, dparams, ddY)

    def __repr__(self):
        extra = f", block_size={self.q.block_size}" if self.structure == "cd" else ""
        return (f"MultiHeadAttention(d_model={self.d_model}, n_heads={self.n_heads}, "
                f"structure={self.structure!r}{extra}, causal={self.causal}, "
                f"n_params={self.n_params})")
