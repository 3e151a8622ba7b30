"""The curvature hooks of an adapter (:class:`AdapterCurvature`): ``W(θ) = W_base + ΔW(θ)`` is
affine in the update's parameters (LoRA's ``ΔW`` is even bilinear), so the hooks give the
frozen part through the base's own hooks and the update's part, its differential and (for
LoRA) its second-order term through the adapter's ``update_*_3d`` kernels. With them the
R-operator of :mod:`cdnotes.curvature` runs through adapted models: exact Hessian- and
Gauss-Newton-vector products in the adapters' parameters."""
from __future__ import annotations

from ..layers.hooks import LinearCurvature

__all__ = ["AdapterCurvature"]


class AdapterCurvature(LinearCurvature):
    """Hooks of an :class:`~cdnotes.adapters.Adapter` (``weights_linear = False``).

    Parameters
    ----------
    layer : the adapter; its ``update_apply_3d``, ``update_apply_transpose_3d``,
        ``update_grads_3d``, ``update_second_order_3d`` give the update's kernels
    """

    weights_linear = False

    @property
    def kfac_factor(self):
        """``None``: an adapter has no Kronecker-factored structure here."""
        return None

    def _base(self):
        return self.layer.base.curvature()

    def apply_3d(self, xp, X3, weights=None):
        """``X3 @ (W_base + ΔW(weights))ᵀ`` ``(m, N, n_out)`` (no bias)."""
        weights = self.layer._weights_3d(weights)
        return self._base().apply_3d(xp, X3) + self.layer.update_apply_3d(xp, X3, weights)

    def apply_transpose_3d(self, xp, dY3, weights=None):
        """``dY3 @ (W_base + ΔW(weights))`` ``(m, N, n_in)``."""
        weights = self.layer._weights_3d(weights)
        return (self._base().apply_transpose_3d(xp, dY3)
                + self.layer.update_apply_transpose_3d(xp, dY3, weights))

    def weight_grads_3d(self, xp, X3, dY3):
        """The update's gradients at its own parameters, ``{name: (m, *shape)}``."""
        return self.weight_grads_at_3d(xp, X3, dY3, self.layer._weights_3d(None))

    def tangent_apply_3d(self, xp, X3, weights, tangents):
        """``X3 @ DΔW_θ[v]ᵀ`` (the frozen part has no tangent)."""
        return self.layer.update_tangent_3d(xp, X3, weights, tangents, transpose=False)

    def tangent_apply_transpose_3d(self, xp, dY3, weights, tangents):
        """``dY3 @ DΔW_θ[v]``."""
        return self.layer.update_tangent_3d(xp, dY3, weights, tangents, transpose=True)

    def weight_grads_at_3d(self, xp, X3, dY3, weights):
        """``J_ΔW(θ)ᵀ vec(Σ_n dY3ᵀ X3)`` per parameter, ``{name: (m, *shape)}``."""
        return self.layer.update_grads_3d(xp, X3, dY3, weights)

    def weight_second_order_3d(self, xp, X3, dY3, weights, tangents):
        """``d/dt J_ΔW(θ + t v)ᵀ vec(Σ_n dY3ᵀ X3)``; ``None`` where ``ΔW`` is linear."""
        return self.layer.update_second_order_3d(xp, X3, dY3, weights, tangents)
