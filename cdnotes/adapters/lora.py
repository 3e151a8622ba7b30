"""LoRA (Hu et al., 2021): a rank-``r`` update ``ΔW = (alpha / r) · B @ A`` on a frozen layer."""
from __future__ import annotations

import math

import numpy as np

from ..validation import check_int, check_real
from ..layers.linear import parameter
from .base import Adapter

__all__ = ["LoRA"]


class LoRA(Adapter):
    """Low-rank adapter: ``Y = base(X) + (alpha / rank) · (X Aᵀ) Bᵀ``.

    Initialised as PEFT's LoRA: ``A`` uniform on ``±1/sqrt(n_in)`` (Kaiming-uniform with
    ``a = sqrt(5)``), ``B`` zeros — so the adapted layer starts as the base, and the loss's
    gradient in ``A`` is zero at the start (only ``B`` moves in the first step).

    Parameters
    ----------
    base : a linear layer of cdnotes (``Dense``, ``CDLinear``, ...), ``(n_in, n_out)``; frozen
    rank : int >= 1
    alpha : float > 0 or None
        The scale's numerator; ``None`` (default) is ``rank`` (scale 1).
    seed : int or None, the draw of ``A``

    Attributes
    ----------
    params : ``A`` ``(rank, n_in)``, ``B`` ``(n_out, rank)``
    n_params : ``rank · (n_in + n_out)``
    scale : ``alpha / rank``
    """

    A = parameter("A", "The down-projection ``(rank, n_in)``.")
    B = parameter("B", "The up-projection ``(n_out, rank)``; zeros at the start.")

    def __init__(self, base, rank, *, alpha=None, seed=None):
        self.rank = check_int(rank, "rank", minimum=1)
        self.alpha = float(self.rank if alpha is None else
                           check_real(alpha, "alpha", low=0.0, low_open=True))
        self.scale = self.alpha / self.rank
        super().__init__(base, seed=seed)

    def param_shapes(self):
        return {"A": (self.rank, self.n_in), "B": (self.n_out, self.rank)}

    def initial_params(self, std, seed):
        bound = 1.0 / math.sqrt(self.n_in)
        A = np.random.default_rng(seed).uniform(-bound, bound, (self.rank, self.n_in))
        return {"A": A, "B": np.zeros((self.n_out, self.rank))}

    def delta(self):
        """``(alpha / rank) · B @ A`` ``(n_out, n_in)``."""
        return self.scale * (self.params["B"] @ self.params["A"])

    def update_forward_2d(self, xp, X2):
        XA = xp.matmul(X2, xp.matrix_transpose(self.params["A"]))          # (N, rank)
        return self.scale * xp.matmul(XA, xp.matrix_transpose(self.params["B"])), (X2, XA)

    def update_backward_2d(self, xp, cache, dY2):
        X2, XA = cache
        dYB = self.scale * xp.matmul(dY2, self.params["B"])                 # (N, rank)
        grads = {"A": xp.matmul(xp.matrix_transpose(dYB), X2),
                 "B": self.scale * xp.matmul(xp.matrix_transpose(dY2), XA)}
        return xp.matmul(dYB, self.params["A"]), grads

    # -- batched kernels for the curvature hooks -------------------------------------------
    def update_apply_3d(self, xp, X3, weights):
        A, B = weights["A"], weights["B"]
        return self.scale * xp.matmul(xp.matmul(X3, xp.matrix_transpose(A)),
                                      xp.matrix_transpose(B))

    def update_apply_transpose_3d(self, xp, dY3, weights):
        return self.scale * xp.matmul(xp.matmul(dY3, weights["B"]), weights["A"])

    def update_tangent_3d(self, xp, Z3, weights, tangents, *, transpose):
        A, B, tA, tB = weights["A"], weights["B"], tangents["A"], tangents["B"]
        if transpose:                        # Z3 @ s (tB A + B tA)
            return self.scale * (xp.matmul(xp.matmul(Z3, tB), A) + xp.matmul(xp.matmul(Z3, B), tA))
        T = xp.matrix_transpose
        return self.scale * (xp.matmul(xp.matmul(Z3, T(A)), T(tB))
                             + xp.matmul(xp.matmul(Z3, T(tA)), T(B)))

    def update_grads_3d(self, xp, X3, dY3, weights):
        G = xp.matmul(xp.matrix_transpose(dY3), X3)                       # (m, n_out, n_in)
        return {"A": self.scale * xp.matmul(xp.matrix_transpose(weights["B"]), G),
                "B": self.scale * xp.matmul(G, xp.matrix_transpose(weights["A"]))}

    def update_second_order_3d(self, xp, X3, dY3, weights, tangents):
        """ΔW is bilinear in (A, B): ``d/dt`` of the gradients along ``(tA, tB)``."""
        G = xp.matmul(xp.matrix_transpose(dY3), X3)
        return {"A": self.scale * xp.matmul(xp.matrix_transpose(tangents["B"]), G),
                "B": self.scale * xp.matmul(G, xp.matrix_transpose(tangents["A"]))}

    def _repr_extra(self) -> str:
        return f"rank={self.rank}, alpha={self.alpha:g}, base={type(self.base).__name__}"
