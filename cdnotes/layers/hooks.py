"""The curvature hooks of a linear layer: one optional object, ``layer.curvature()``.

:mod:`cdnotes.curvature` (Hessian and Gauss-Newton products by the R-operator) and K-FAC
(:class:`cdnotes.train.KFAC`) need more of a layer than its forward and backward pass:
batched bilinear kernels with a leading *tangent axis* ``m`` — the forward ``X W(θ)ᵀ`` is
bilinear in ``(θ, X)`` and the backward in ``(θ, dY)`` and ``(X, dY)`` —, for ``W`` not
linear in ``θ`` its differential and its own curvature term, and, for K-FAC, which
Kronecker factors the layer has. Those live here, apart from the layer's protocol (as
pytorch-hessian-eigenthings keeps operators apart from algorithms):

``apply_3d(xp, X3, weights)`` / ``apply_transpose_3d(xp, dY3, weights)``
    ``X3 @ W(weights)ᵀ`` / ``dY3 @ W(weights)`` for ``m`` weight sets at once (no bias);
``weight_grads_3d(xp, X3, dY3)``
    the weight gradients ``Σ_n`` for ``m`` pairs ``(X3[k], dY3[k])`` at once;
``tangent_apply_3d`` / ``tangent_apply_transpose_3d`` / ``weight_grads_at_3d`` /
``weight_second_order_3d``
    for ``W(θ)`` not linear in ``θ`` (``weights_linear = False``): ``X3 @ DW_θ[v]ᵀ``,
    ``dY3 @ DW_θ[v]``, the weight gradients at any ``θ``, and ``d/dt J_W(θ + t v)ᵀ
    vec(Σ_n dY3ᵀ X3)`` (defaults: right for linear ``W``);
``kfac_factor``, ``kfac_input()``
    ``("dense", name)`` (one weight matrix ``(n_out, n_in)``), ``("circulant", name)``
    (circulant coefficients ``(Ko, Ki, B)``) or ``None`` (no Kronecker factors); the input
    statistics K-FAC needs, read from the layer's forward cache (no second FFT).

:class:`LinearCurvature` derives every kernel from the layer's ``forward_2d``/``backward_2d``
on a copy holding each weight set in turn (a Python loop over ``m``); Dense, CDLinear and
the structured layers return subclasses with batched matmuls / FFTs.
"""
from __future__ import annotations

from ..backend import device_of

__all__ = ["LinearCurvature", "HOOK_NAMES"]

HOOK_NAMES = ("apply_3d", "apply_transpose_3d", "weight_grads_3d", "tangent_apply_3d",
              "tangent_apply_transpose_3d", "weight_grads_at_3d", "weight_second_order_3d",
              "weights_linear", "kfac_factor")
"""The hooks' names (the layer answers them too, from its curvature object)."""


class LinearCurvature:
    """The Gauss-Newton/Jacobian hooks of one linear layer (defaults: loops over ``m``).

    Parameters
    ----------
    layer : :class:`~cdnotes.layers.Linear`

    Attributes
    ----------
    layer : the layer
    weights_linear : bool
        Whether ``W`` is linear in the weight parameters (then the tangent hooks are the
        bilinear kernels on the tangents and the second-order term is zero).
    kfac_factor : tuple ``(kind, parameter name)`` or None
        The layer's Kronecker-factored curvature structure for K-FAC.
    """

    weights_linear = True

    def __init__(self, layer):
        self.layer = layer

    @property
    def kfac_factor(self):
        """``("circulant", name)`` for circulant coefficients, else ``None`` (subclasses
        say more)."""
        name = self.layer.circulant_param
        return None if name is None else ("circulant", name)

    def kfac_input(self):
        """The input of the layer's last ``forward_2d``, read from its cache, in the form its
        K-FAC input factor needs: ``(N, n_in)`` for ``"dense"``, the block spectrum
        ``(F, N, Ki)`` for ``"circulant"``; ``None`` where the layer has no K-FAC factor."""
        return None

    def apply_3d(self, xp, X3, weights=None):
        """``X3 @ W(weights)ᵀ`` (no bias), batched over a leading tangent axis.

        Parameters
        ----------
        xp : namespace
        X3 : array ``(m_x, N, n_in)``
        weights : dict ``{name: (m_w, *shape)}`` of the weight parameters (not ``b``), or
            ``None`` for the layer's own; ``m_x``, ``m_w`` are 1 or ``m`` (broadcast).

        Returns
        -------
        array ``(m, N, n_out)``. The base class loops over ``m`` (:meth:`forward_2d` on a
        copy of the layer holding ``weights[k]`` and a zero bias); subclasses batch it.
        """
        layer = self.layer
        weights = layer._weights_3d(weights)
        out = []
        for k in range(_batch_of(X3, weights)):
            twin = layer._twin(xp, _pick(weights, k))
            out.append(twin.forward_2d(xp, X3[min(k, X3.shape[0] - 1), ...]))
        return xp.stack(out)

    def apply_transpose_3d(self, xp, dY3, weights=None):
        """``dY3 @ W(weights)``, batched: ``dY3`` ``(m_y, N, n_out)`` -> ``(m, N, n_in)``.

        ``weights`` as in :meth:`apply_3d`. The base class loops over ``m`` with
        :meth:`backward_2d` on a copy of the layer (after a forward pass on zeros).
        """
        layer = self.layer
        weights = layer._weights_3d(weights)
        out = []
        for k in range(_batch_of(dY3, weights)):
            twin = layer._twin(xp, _pick(weights, k))
            dY = dY3[min(k, dY3.shape[0] - 1), ...]
            twin.forward_2d(xp, xp.zeros((dY.shape[0], layer.n_in), dtype=dY.dtype,
                                         device=device_of(dY)))
            out.append(twin.backward_2d(xp, dY))
        return xp.stack(out)

    def weight_grads_3d(self, xp, X3, dY3):
        """Weight gradients ``Σ_n`` for ``m`` pairs ``(X3[k], dY3[k])``, batched.

        ``X3`` ``(m_x, N, n_in)``, ``dY3`` ``(m_y, N, n_out)`` (``m_x``, ``m_y`` 1 or ``m``).
        Returns ``{name: (m, *shape)}`` over the weight parameters (not ``b``): the gradient
        of ``Σ_n dY3[k, n] · (X3[k, n] W(θ)ᵀ)`` with respect to them.
        """
        layer = self.layer
        m = max(X3.shape[0], dY3.shape[0])
        grads = {name: [] for name in layer.weight_params()}
        twin = layer._twin(xp, layer.weight_params())
        for k in range(m):
            twin.forward_2d(xp, X3[min(k, X3.shape[0] - 1), ...])
            twin.backward_2d(xp, dY3[min(k, dY3.shape[0] - 1), ...])
            for name in grads:
                grads[name].append(twin.grads[name])
        return {name: xp.stack(values) for name, values in grads.items()}

    # -- hooks for weights that are not linear in the parameters (defaults: linear) ----

    def tangent_apply_3d(self, xp, X3, weights, tangents):
        """``X3 @ DW_θ[v]ᵀ`` with ``θ = weights`` and ``v = tangents`` (no bias).

        Parameters
        ----------
        xp : namespace
        X3 : array ``(m_x, N, n_in)``
        weights : dict ``{name: (1 or m, *shape)}``, the point ``θ`` (weight parameters)
        tangents : dict ``{name: (m, *shape)}``, the directions ``v``

        Returns
        -------
        array ``(m, N, n_out)``; for ``W`` linear in ``θ`` this is ``apply_3d(X3, tangents)``.
        """
        return self.apply_3d(xp, X3, tangents)

    def tangent_apply_transpose_3d(self, xp, dY3, weights, tangents):
        """``dY3 @ DW_θ[v]``: ``(m_y, N, n_out)`` -> ``(m, N, n_in)``; see :meth:`tangent_apply_3d`.

        Parameters
        ----------
        xp : namespace
        dY3 : array ``(m_y, N, n_out)``
        weights, tangents : dicts as in :meth:`tangent_apply_3d`

        Returns
        -------
        array ``(m, N, n_in)``
        """
        return self.apply_transpose_3d(xp, dY3, tangents)

    def weight_grads_at_3d(self, xp, X3, dY3, weights):
        """:meth:`weight_grads_3d` at the parameters ``weights`` (linear ``W``: independent
        of them).

        Parameters
        ----------
        xp : namespace
        X3 : array ``(m_x, N, n_in)``; dY3 : array ``(m_y, N, n_out)``
        weights : dict ``{name: (1, *shape)}``, the point ``θ``

        Returns
        -------
        dict ``{name: (m, *shape)}`` over the weight parameters
        """
        return self.weight_grads_3d(xp, X3, dY3)

    def weight_second_order_3d(self, xp, X3, dY3, weights, tangents):
        """``d/dt J_W(θ + t v)ᵀ vec(Σ_n dY3ᵀ X3)``: zero (``None``) for ``W`` linear in ``θ``.

        Parameters
        ----------
        xp : namespace
        X3 : array ``(1, N, n_in)``; dY3 : array ``(1, N, n_out)``
        weights : dict ``{name: (1, *shape)}``, the point ``θ``
        tangents : dict ``{name: (m, *shape)}``, the directions ``v``

        Returns
        -------
        dict ``{name: (m, *shape)}`` or ``None`` (zero)
        """
        return None


def _batch_of(A3, weights):
    """The tangent batch ``m``: the largest leading axis of ``A3`` and the weight arrays."""
    return max([A3.shape[0]] + [w.shape[0] for w in weights.values()])


def _pick(weights, k):
    """Weight set ``k`` of a batch (index 0 of a broadcast axis of length 1)."""
    return {name: w[min(k, w.shape[0] - 1), ...] for name, w in weights.items()}
