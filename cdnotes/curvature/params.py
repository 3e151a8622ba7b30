"""A model's parameters as one flat vector ``θ`` ``(P,)``, the coordinates of its Hessian.

Order (the one every function of :mod:`cdnotes.curvature` uses): ``model.linear_layers``
in order, each layer's ``params`` in dict order (the bias last), each array raveled in
C order (for a sequence model, :class:`~cdnotes.shfin.models.SequenceModel`: the layers with
parameters in order, each layer's ``params`` in its dict order, ``"attention.q.W"``...).
So ``P == model.n_params`` and, for the paper's models, the last
``n_out·n_in/B + n_out`` coordinates are the last layer's ``(C or W, b)`` — the
coordinates of :func:`~cdnotes.curvature.last_layer_hessian`.
"""
from __future__ import annotations

from ..backend import namespace_of
from ..layers import Linear
from ..validation import check_array, check_float_array
from ._mode import check_curvature_model

__all__ = ["flat_params", "set_flat_params", "param_slices", "unflatten", "flatten"]


def param_slices(model):
    """Where each parameter lives in ``θ``: a list of ``(layer index, name, start, stop, shape)``.

    ``layer index`` counts ``model.linear_layers``.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP` or :class:`~cdnotes.shfin.models.SequenceModel`

    Returns
    -------
    list of tuples, in ``θ`` order
    """
    return _slices(_check(model))


def _check(model):
    """An :class:`~cdnotes.mlp.MLP` of linear layers or a sequence model with the R-operator's
    kernels (:func:`~cdnotes.curvature._mode.check_curvature_model`)."""
    return check_curvature_model(model)


def _shapes(layer) -> dict:
    """``{name: shape}`` in ``params`` order: the linear protocol's ``param_shapes()``, else
    the arrays' own shapes (convolutions, LayerNorm, composites of a sequence model)."""
    if isinstance(layer, Linear):
        return layer.param_shapes()
    return {name: tuple(p.shape) for name, p in layer.params.items()}


def _slices(model):
    slices, start = [], 0
    for k, layer in enumerate(model.linear_layers):
        for name, shape in _shapes(layer).items():
            size = 1
            for s in shape:
                size *= int(s)
            slices.append((k, name, start, start + size, tuple(shape)))
            start += size
    return slices


def flat_params(model):
    """The parameters as one vector ``θ`` ``(P,)`` (a copy), on the model's backend.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP` or :class:`~cdnotes.shfin.models.SequenceModel`

    Returns
    -------
    array ``(P,)``, ``P = model.n_params``, the parameters' dtype
    """
    _check(model)
    arrays = [p for layer in model.linear_layers for p in layer.params.values()]
    xp = namespace_of(*arrays)
    return xp.concat([xp.reshape(p, (-1,)) for p in arrays])


def set_flat_params(model, theta):
    """Set every parameter from a flat vector ``θ`` ``(P,)`` (validated copies).

    Each piece goes through the layer's validated setter
    (:meth:`~cdnotes.layers.Linear.set_param`): copied into the layer's backend, device
    and dtype.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP` or :class:`~cdnotes.shfin.models.SequenceModel`
    theta : array ``(P,)``, real floating, finite, ``P = model.n_params``

    Returns
    -------
    None

    Raises
    ------
    ValueError
        Wrong length or shape, or non-finite values.
    TypeError
        Not a real floating array.
    """
    _check(model)
    check_array(theta, "theta")
    xp = namespace_of(theta)
    P = model.n_params
    if theta.ndim != 1 or theta.shape[0] != P:
        raise ValueError(f"theta must have shape ({P},) (model.n_params); got {tuple(theta.shape)}")
    check_float_array(xp, theta, "theta")
    layers = model.linear_layers
    for k, name, start, stop, shape in _slices(model):
        piece = xp.reshape(theta[start:stop], shape)
        if isinstance(layers[k], Linear):
            layers[k].set_param(name, piece)
        else:                                  # a sequence model's layer: a copy, its dtype
            layers[k].params[name] = xp.asarray(piece, dtype=layers[k].params[name].dtype,
                                                copy=True)


def unflatten(xp, model, V):
    """Split ``V`` ``(P, m)`` into per-layer tangents ``[{name: (m, *shape)}]`` (unchecked).

    Parameters
    ----------
    xp : namespace
    model : :class:`~cdnotes.mlp.MLP` or :class:`~cdnotes.shfin.models.SequenceModel`
    V : array ``(P, m)``

    Returns
    -------
    list of dict, one per linear layer, ``{name: array (m, *shape)}``
    """
    m = V.shape[1]
    out = [dict() for _ in model.linear_layers]
    for k, name, start, stop, shape in _slices(model):
        out[k][name] = xp.reshape(xp.matrix_transpose(V[start:stop, :]), (m,) + shape)
    return out


def flatten(xp, model, pieces):
    """Inverse of :func:`unflatten`: ``[{name: (m, *shape)}]`` -> ``(P, m)`` (unchecked).

    Parameters
    ----------
    xp : namespace
    model : :class:`~cdnotes.mlp.MLP` or :class:`~cdnotes.shfin.models.SequenceModel`
    pieces : list of dict, one per linear layer, ``{name: array (m, *shape)}``

    Returns
    -------
    array ``(P, m)``
    """
    blocks = []
    for k, name, _, _, _ in _slices(model):
        piece = pieces[k][name]
        blocks.append(xp.reshape(piece, (piece.shape[0], -1)))
    return xp.matrix_transpose(xp.concat(blocks, axis=1))
