"""The block-circulant adapter: ``ΔW = block_circulant(C)`` on a frozen layer, products by FFT."""
from __future__ import annotations

import numpy as np

from ..backend import namespace_of
from ..layers.cdlinear import CDLinear
from ..layers.linear import parameter
from ..operators.circulant import block_circulant
from ..validation import check_int
from .base import Adapter

__all__ = ["CDAdapter"]


class CDAdapter(Adapter):
    """Block-circulant adapter: ``Y = base(X) + X block_circulant(C)ᵀ``.

    ``C`` starts at zero (the adapted layer starts as the base). Unlike PEFT's C3A, which
    this mirrors, the input gradient includes the update's own term ``dY ΔW`` (chapter 7 shows
    C3A's backward leaving it out).

    Parameters
    ----------
    base : a linear layer of cdnotes, ``(n_in, n_out)``; frozen
    block_size : int >= 1, ``B``; must divide ``n_in`` and ``n_out``
    seed : int or None (``C`` starts at zero; kept for the common signature)
    method : {"auto", "fft", "rdft", "dense"}, default "auto"
        How the update's products are computed (as :class:`~cdnotes.layers.CDLinear`).

    Attributes
    ----------
    params : ``C`` ``(n_out/B, n_in/B, B)``
    n_params : ``n_in · n_out / B``
    circulant_param : ``"C"``
    """

    circulant_param = "C"
    C = parameter("C", "The update's circulant coefficients ``(n_out/B, n_in/B, B)``.")

    def __init__(self, base, block_size, *, seed=None, method="auto"):
        B = check_int(block_size, "block_size", minimum=1)
        super().__init__(base, B, seed=seed)
        ref = self.reference_param
        self._kernel = CDLinear(self.n_in, self.n_out, B, init=0.0, dtype=ref.dtype,
                                xp=namespace_of(ref), method=method)

    def param_shapes(self):
        B = self.block_size
        return {"C": (self.n_out // B, self.n_in // B, B)}

    def initial_params(self, std, seed):
        return {"C": np.zeros(self.param_shapes()["C"])}

    def delta(self):
        """``block_circulant(C)`` ``(n_out, n_in)``."""
        return block_circulant(self.params["C"])

    def update_forward_2d(self, xp, X2):
        curv = self._kernel.curvature()
        weights = {"C": self.params["C"][None, ...]}
        return curv.apply_3d(xp, X2[None, ...], weights)[0, ...], X2

    def update_backward_2d(self, xp, X2, dY2):
        curv = self._kernel.curvature()
        weights = {"C": self.params["C"][None, ...]}
        dX = curv.apply_transpose_3d(xp, dY2[None, ...], weights)[0, ...]
        dC = curv.weight_grads_3d(xp, X2[None, ...], dY2[None, ...])["C"][0, ...]
        return dX, {"C": dC}

    # -- batched kernels for the curvature hooks (ΔW is linear in C) ------------------------
    def update_apply_3d(self, xp, X3, weights):
        return self._kernel.curvature().apply_3d(xp, X3, {"C": weights["C"]})

    def update_apply_transpose_3d(self, xp, dY3, weights):
        return self._kernel.curvature().apply_transpose_3d(xp, dY3, {"C": weights["C"]})

    def update_tangent_3d(self, xp, Z3, weights, tangents, *, transpose):
        curv = self._kernel.curvature()
        direction = {"C": tangents["C"]}
        return (curv.apply_transpose_3d(xp, Z3, direction) if transpose
                else curv.apply_3d(xp, Z3, direction))

    def update_grads_3d(self, xp, X3, dY3, weights):
        return {"C": self._kernel.curvature().weight_grads_3d(xp, X3, dY3)["C"]}

    def __deepcopy__(self, memo):
        clone = super().__deepcopy__(memo)
        clone._kernel = self._kernel
        return clone

    def _repr_extra(self) -> str:
        return f"block_size={self.block_size}, base={type(self.base).__name__}"

