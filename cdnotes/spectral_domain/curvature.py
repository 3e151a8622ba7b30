"""The curvature hooks of :class:`~cdnotes.spectral_domain.layer.SpectralLinear`.

Its weight ``W = φ ⊙ (λ_in − λ_out)`` is bilinear in the trained arrays, so the Hessian of a
network with such layers has the bilinear term :meth:`SpectralCurvature.weight_second_order_3d`
besides the Gauss-Newton part; the layer returns this object from ``layer.curvature()``.
"""
from __future__ import annotations

from ..backend import device_of
from ..layers.hooks import LinearCurvature

__all__ = ["SpectralCurvature"]


class SpectralCurvature(LinearCurvature):
    """SpectralLinear's hooks: ``W = φ ⊙ (a·λ_in + b·λ_out)``, bilinear in (φ, λ).

    Parameters
    ----------
    layer : SpectralLinear, the layer whose curvature this is
    """

    @property
    def weights_linear(self):
        """Linear in the trained arrays: only the eigenvalues with trainable ``lam_in``, or only
        the eigenvectors."""
        trained = self.layer._trained
        return (not trained["lam_out"]) or (not trained["phi"] and trained["lam_in"])

    def apply_3d(self, xp, X3, weights=None):
        """``X3 @ W(weights)ᵀ``: ``(m_x, N, n_in)`` -> ``(m, N, n_out)`` (frozen arrays fill in)."""
        layer = self.layer
        return xp.matmul(X3, xp.matrix_transpose(layer._dense_3d(xp, weights)))

    def apply_transpose_3d(self, xp, dY3, weights=None):
        """``dY3 @ W(weights)``: ``(m_y, N, n_out)`` -> ``(m, N, n_in)``."""
        layer = self.layer
        return xp.matmul(dY3, layer._dense_3d(xp, weights))

    def weight_grads_3d(self, xp, X3, dY3):
        """Gradients of ``Σ_n dY3[k, n] · (X3[k, n] Wᵀ)`` at the layer's parameters ``(m, *shape)``."""
        return self.weight_grads_at_3d(xp, X3, dY3, None)

    def weight_grads_at_3d(self, xp, X3, dY3, weights):
        """:meth:`weight_grads_3d` at the parameters ``weights`` ``{name: (1, *shape)}``."""
        layer = self.layer
        G = xp.matmul(xp.matrix_transpose(dY3), X3)
        lam_in, lam_out, phi = layer._point(layer._weights_3d(weights))
        return layer._grads_from(xp, G, lam_in, lam_out, phi)

    def tangent_apply_3d(self, xp, X3, weights, tangents):
        """``X3 @ DW_θ[v]ᵀ`` ``(m, N, n_out)``; see :meth:`Linear.tangent_apply_3d`."""
        layer = self.layer
        return xp.matmul(X3, xp.matrix_transpose(layer._differential_3d(xp, weights, tangents)))

    def tangent_apply_transpose_3d(self, xp, dY3, weights, tangents):
        """``dY3 @ DW_θ[v]`` ``(m, N, n_in)``; see :meth:`Linear.tangent_apply_transpose_3d`."""
        layer = self.layer
        return xp.matmul(dY3, layer._differential_3d(xp, weights, tangents))

    def weight_second_order_3d(self, xp, X3, dY3, weights, tangents):
        """The bilinear term ``d/dt J_W(θ + t v)ᵀ vec(G)``, ``G = Σ_n dY3ᵀ X3``.

        ``∂/∂φ: G ⊙ (v_in − v_out)``, ``∂/∂λ_in: Σ_o (G ⊙ v_φ)``, ``∂/∂λ_out: −Σ_i (G ⊙ v_φ)``
        (``"compact"``: ``a``, ``b`` in place of 1, −1); ``None`` when ``W`` is linear in the
        trained parameters.
        """
        layer = self.layer
        if self.weights_linear:
            return None
        G = xp.matmul(xp.matrix_transpose(dY3), X3)              # (1, n_out, n_in)
        m = next(iter(tangents.values())).shape[0]
        zero_in = xp.zeros((m, layer.n_in), dtype=G.dtype, device=device_of(G))
        zero_out = xp.zeros((m, layer.n_out), dtype=G.dtype, device=device_of(G))
        v_in = tangents.get("lam_in", zero_in)
        v_out = tangents.get("lam_out", zero_out)
        out = {}
        if "phi" in tangents:
            Gv = G * tangents["phi"]
            if layer._trained["lam_in"]:
                out["lam_in"] = xp.sum(Gv, axis=-2)
                if layer.transfer == "compact":
                    out["lam_in"] = layer._a * out["lam_in"]
            if layer._trained["lam_out"]:
                out["lam_out"] = (layer._b * xp.sum(Gv, axis=-1)
                                  if layer.transfer == "compact" else -xp.sum(Gv, axis=-1))
            out["phi"] = G * layer._factor(v_in, v_out)
        else:                                          # only eigenvalues trained, affine W
            return None
        return {name: out[name] for name in tangents}
