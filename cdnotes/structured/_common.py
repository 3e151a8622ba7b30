"""Helpers shared by the structured layers: the Jacobian of a multilinear weight matrix."""
from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..layers.hooks import LinearCurvature

__all__ = ["multilinear_weight_jacobian", "entrywise_weight_jacobian"]


def multilinear_weight_jacobian(layer):
    """``∂ vec(W) / ∂θ_W`` at the layer's current parameters, one column per weight entry.

    ``W`` is linear in each weight parameter with the others held fixed (a product of
    factors), so column ``e`` of parameter ``g`` is ``vec W`` of a copy of the layer whose
    parameter ``g`` is the unit array ``e`` (the others unchanged): exact, no differences.

    Parameters
    ----------
    layer : a structured :class:`~cdnotes.layers.Linear` layer, ``W`` linear in each parameter

    Returns
    -------
    numpy array ``(n_out·n_in, P_W)``, float64, columns in ``params`` order (``b`` excluded)
    """
    host = {name: np.asarray(to_numpy(p), dtype=np.float64)
            for name, p in layer.weight_params().items()}
    twin = layer._twin(np, host)
    bias = np.zeros(layer.n_out)
    columns = []
    for name, value in host.items():
        for e in range(value.size):
            unit = np.zeros(value.size)
            unit[e] = 1.0
            twin.params = dict(host, **{name: unit.reshape(value.shape)}, b=bias)
            columns.append(np.asarray(twin.to_dense()).ravel())
    return np.stack(columns, axis=1)


def entrywise_weight_jacobian(layer):
    """``∂ vec(W) / ∂θ_W`` of a layer whose ``W`` is affine in each single weight entry.

    For such a layer (every product of distinct factors: low-rank, Kronecker, Monarch,
    ACDC's ``a_k`` and ``d_k``) column ``e`` is exactly ``W(θ + e_e) − W(θ)``, up to the
    rounding of one subtraction (``~1e-16 · |W|``).

    Parameters
    ----------
    layer : :class:`~cdnotes.layers.Linear` whose ``to_dense()`` is affine in each entry

    Returns
    -------
    numpy array ``(n_out·n_in, P_W)``, float64, columns in ``params`` order (``b`` excluded)
    """
    host = {name: np.asarray(to_numpy(p), dtype=np.float64)
            for name, p in layer.weight_params().items()}
    twin = layer._twin(np, host)
    bias = np.zeros(layer.n_out)
    twin.params = dict(host, b=bias)
    W0 = np.asarray(twin.to_dense()).ravel()
    columns = []
    for name, value in host.items():
        for e in range(value.size):
            moved = value.copy().ravel()
            moved[e] += 1.0
            twin.params = dict(host, **{name: moved.reshape(value.shape)}, b=bias)
            columns.append(np.asarray(twin.to_dense()).ravel() - W0)
    return np.stack(columns, axis=1)


class ProductOfFactors(LinearCurvature):
    """Curvature hooks of a layer whose ``W`` is linear in each weight parameter separately.

    For ``W = W(θ_1, …, θ_k)`` linear in every ``θ_g`` with the others held (``U V``,
    ``kron(outer, inner)``, Monarch's ``R`` and ``L``):

    * ``DW_θ[v] = Σ_g W(θ with θ_g := v_g)``;
    * the gradient in ``θ_g`` does not depend on ``θ_g``, so its derivative along ``v`` is
      ``Σ_{h ≠ g}`` of the gradient in ``θ_g`` at ``θ`` with ``θ_h := v_h``.

    A layer's ``curvature_class`` (LowRank, Kronecker, Monarch); the R-operator of
    :mod:`cdnotes.curvature` calls these.
    """

    weights_linear = False

    def _replaced(self, weights, name, tangents):
        return {k: (tangents[k] if k == name else w) for k, w in weights.items()}

    def tangent_apply_3d(self, xp, X3, weights, tangents):
        """``X3 @ DW_θ[v]ᵀ`` ``(m, N, n_out)``, a sum over the factors (see the class).

        Parameters
        ----------
        xp : namespace; X3 : array ``(m_x, N, n_in)``
        weights : dict ``{name: (1 or m, *shape)}``; tangents : dict ``{name: (m, *shape)}``

        Returns
        -------
        array ``(m, N, n_out)``
        """
        terms = [self.apply_3d(xp, X3, self._replaced(weights, name, tangents))
                 for name in weights]
        return sum(terms[1:], terms[0])

    def tangent_apply_transpose_3d(self, xp, dY3, weights, tangents):
        """``dY3 @ DW_θ[v]`` ``(m, N, n_in)``, a sum over the factors.

        Parameters
        ----------
        xp : namespace; dY3 : array ``(m_y, N, n_out)``
        weights, tangents : dicts as in :meth:`tangent_apply_3d`

        Returns
        -------
        array ``(m, N, n_in)``
        """
        terms = [self.apply_transpose_3d(xp, dY3, self._replaced(weights, name, tangents))
                 for name in weights]
        return sum(terms[1:], terms[0])

    def weight_grads_at_3d(self, xp, X3, dY3, weights):
        """Weight gradients ``Σ_n`` at the parameters ``weights`` (each ``(1 or m, *shape)``).

        Parameters
        ----------
        xp : namespace; X3 : array ``(m_x, N, n_in)``; dY3 : array ``(m_y, N, n_out)``
        weights : dict ``{name: (1 or m, *shape)}``

        Returns
        -------
        dict ``{name: (m, *shape)}``
        """
        layer = self.layer
        m = max([X3.shape[0], dY3.shape[0]] + [w.shape[0] for w in weights.values()])
        grads = {name: [] for name in weights}
        for k in range(m):
            twin = layer._twin(xp, {name: w[min(k, w.shape[0] - 1), ...]
                                   for name, w in weights.items()})
            twin.forward_2d(xp, X3[min(k, X3.shape[0] - 1), ...])
            twin.backward_2d(xp, dY3[min(k, dY3.shape[0] - 1), ...])
            for name in grads:
                grads[name].append(twin.grads[name])
        return {name: xp.stack(values) for name, values in grads.items()}

    def weight_second_order_3d(self, xp, X3, dY3, weights, tangents):
        """``d/dt J_W(θ + t v)ᵀ vec(Σ_n dY3ᵀ X3)``: the layer's own curvature term.

        Parameters
        ----------
        xp : namespace; X3 : array ``(1, N, n_in)``; dY3 : array ``(1, N, n_out)``
        weights : dict ``{name: (1, *shape)}``; tangents : dict ``{name: (m, *shape)}``

        Returns
        -------
        dict ``{name: (m, *shape)}``
        """
        out = None
        for h in weights:
            grads = self.weight_grads_at_3d(xp, X3, dY3, self._replaced(weights, h, tangents))
            grads[h] = xp.zeros_like(grads[h])
            out = grads if out is None else {g: out[g] + grads[g] for g in out}
        return out
