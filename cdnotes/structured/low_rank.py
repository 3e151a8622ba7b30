"""The low-rank layer, ``W = U @ V``."""
from __future__ import annotations

import math

import numpy as np

from ..layers.init import normal_weights
from ..layers.linear import Linear, parameter
from ..validation import check_positive_int
from ._common import ProductOfFactors, multilinear_weight_jacobian

__all__ = ["LowRank"]


class LowRank(Linear):
    """Low-rank linear layer ``Y = X @ W.T + b`` with ``W = U @ V``.

    Parameters
    ----------
    n_in, n_out : int >= 1
        Widths; ``W`` has shape ``(n_out, n_in)``.
    rank : int in ``[1, min(n_in, n_out)]``
        ``U`` is ``(n_out, rank)``, ``V`` ``(rank, n_in)``. A larger rank would add
        parameters without adding expressiveness and is refused.
    seed, init, dtype, xp, device
        As for :class:`~cdnotes.Dense`. Variance matched to the dense scheme: ``U`` and
        ``V`` are drawn i.i.d. ``N(0, s²)`` with ``s² = std / sqrt(rank)``, so each entry of
        ``W`` (a sum of ``rank`` products) has variance ``rank · s⁴ = std²``, the dense
        layer's (``std = sqrt(2 / n_in)`` for He).

    Attributes
    ----------
    U : array ``(n_out, rank)``; V : array ``(rank, n_in)``; b : array ``(n_out,)``
    rank : int
    n_params : ``rank · (n_in + n_out) + n_out``
    """

    curvature_class = ProductOfFactors

    def __init__(self, n_in, n_out, rank, *, seed=None, init="he", dtype="float64", xp=None,
                 device=None):
        n_in, n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
        self.rank = check_positive_int(rank, "rank")
        if self.rank > min(n_in, n_out):
            raise ValueError(f"rank must be in [1, {min(n_in, n_out)}] (min(n_in, n_out) for "
                             f"n_in={n_in}, n_out={n_out}); got {rank}")
        super().__init__(n_in, n_out, 1, seed=seed, init=init, dtype=dtype, xp=xp, device=device)

    def param_shapes(self):
        return {"U": (self.n_out, self.rank), "V": (self.rank, self.n_in), "b": (self.n_out,)}

    def initial_params(self, std, seed):
        s = math.sqrt(std / math.sqrt(self.rank))
        rng = np.random.SeedSequence(seed).spawn(2) if seed is not None else [None, None]
        return {"U": normal_weights((self.n_out, self.rank), s, rng[0]),
                "V": normal_weights((self.rank, self.n_in), s, rng[1]), "b": np.zeros(self.n_out)}

    U = parameter("U", "Left factor ``(n_out, rank)``.")
    V = parameter("V", "Right factor ``(rank, n_in)``.")

    def to_dense(self):
        """``U @ V``, shape ``(n_out, n_in)``."""
        from ..backend import namespace_of
        return namespace_of(self.U).matmul(self.U, self.V)

    def forward_2d(self, xp, X2):
        """``(N, n_in)`` -> ``(N, n_out)``: ``(X V^T) U^T + b``, never forming ``W``."""
        H = xp.matmul(X2, xp.matrix_transpose(self.V))
        self._cache = (X2, H)
        return xp.matmul(H, xp.matrix_transpose(self.U)) + self.b

    def backward_2d(self, xp, dY2):
        """``(N, n_out)`` -> ``(N, n_in)``; fills ``grads``."""
        X2, H = self._cached()
        dH = xp.matmul(dY2, self.U)
        self.grads = {"U": xp.matmul(xp.matrix_transpose(dY2), H),
                      "V": xp.matmul(xp.matrix_transpose(dH), X2), "b": xp.sum(dY2, axis=0)}
        return xp.matmul(dH, self.V)

    def weight_jacobian(self):
        """``∂ vec W / ∂[U, V]`` at the current parameters, ``(n_out·n_in, rank·(n_in+n_out))``."""
        return multilinear_weight_jacobian(self)

    def _repr_extra(self):
        return f"rank={self.rank}"
