"""Helpers shared by the structured layers: the Jacobian of a multilinear weight matrix."""
from __future__ import annotations

import numpy as np

from ..backend import to_numpy

__all__ = ["multilinear_weight_jacobian", "entrywise_weight_jacobian"]


def multilinear_weight_jacobian(layer):
    """``∂ vec(W) / ∂θ_W`` at the layer's current parameters, one column per weight entry.

    ``W`` is linear in each weight parameter with the others held fixed (a product of
    factors), so column ``e`` of parameter ``g`` is ``vec W`` of a copy of the layer whose
    parameter ``g`` is the unit array ``e`` (the others unchanged): exact, no differences.

    Parameters
    ----------
    layer : a structured :class:`~cdnotes.layers.Linear` layer with ``param_degree >= 1``

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
