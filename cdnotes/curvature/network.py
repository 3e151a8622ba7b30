"""The whole network's Hessian (or Gauss-Newton matrix) as a dense ``(P, P)`` matrix.

:func:`network_hessian` builds it from column blocks of exact products
(:class:`~cdnotes.curvature.CurvatureProducts`): the columns of linear layer ``l`` are
``m`` unit directions at a time, pushed through one R-operator pass with a leading
tangent axis of length ``m`` (the block width, chosen by memory). Two savings, both exact:

* a unit direction in layer ``l`` is zero in every other layer, so the forward terms of
  the layers before ``l`` vanish and are skipped;
* by symmetry only the rows of layers ``>= l`` are computed (the backward pass stops at
  layer ``l``); the blocks above the block diagonal are their transposes. The diagonal
  blocks are computed in full and symmetrised (``(A + Aᵀ)/2``). With ``symmetrize=False``
  every entry is computed by a product and nothing is symmetrised (for checking).

A sequence classifier (:class:`~cdnotes.shfin.models.SequenceModel`: the CNNs and
Transformers of :mod:`cdnotes.models`) gets every column from a product with a unit
direction (its products take one direction at a time, so neither saving applies) and,
with ``symmetrize=True``, the result ``(H + Hᵀ)/2``.

For models too large for a dense matrix, use :func:`~cdnotes.curvature.lanczos` and
:func:`~cdnotes.curvature.spectral_density` with ``CurvatureProducts(...).matvec()``.
"""
from __future__ import annotations

import numpy as np

from ..backend import device_of, to_numpy
from ..validation import check_bool, check_choice, check_int, check_positive_int
from ._mode import model_input
from .products import KINDS, CurvatureProducts, blas_limit
from .sequence_rop import is_sequence_model, sequence_input

__all__ = ["network_hessian", "hessian_bytes", "DEFAULT_MAX_PARAMS", "DEFAULT_BLOCK_BYTES"]

DEFAULT_MAX_PARAMS = 10_000
"""``network_hessian`` refuses models with more parameters unless ``max_params`` is raised
(10,000 parameters: an 800 MB float64 matrix; the paper's dense digits model has 8,970)."""

DEFAULT_BLOCK_BYTES = 1 << 28
"""Working memory aimed at for one block of columns (256 MiB)."""


def hessian_bytes(n_params: int) -> int:
    """Bytes of a dense float64 ``(P, P)`` matrix: ``8 P²``.

    Parameters
    ----------
    n_params : int >= 1
        ``P``.

    Returns
    -------
    int
    """
    return 8 * check_positive_int(n_params, "n_params") ** 2


def _bytes_per_column(model, n_samples):
    """Estimated working memory of one column of a product: the tangents of every layer's
    input and output (float64), about twice over for temporaries."""
    linear = {id(layer) for layer in model.linear_layers}
    widths, width = 0, model.n_in
    for layer in model.layers:
        out = layer.n_out if id(layer) in linear else width
        widths, width = widths + width + out, out
    return 16 * n_samples * widths


def _unit_tangents(xp, layer, start, stop, like):
    """Unit directions ``e_start … e_{stop−1}`` of ``layer``'s flat parameters, as
    ``{name: (m, *shape)}``."""
    size = layer.n_params
    E = xp.eye(stop - start, size, k=start, dtype=like.dtype, device=device_of(like))
    out, offset = {}, 0
    for name, shape in layer.param_shapes().items():
        n = int(np.prod(shape))
        out[name] = xp.reshape(E[:, offset:offset + n], (stop - start,) + tuple(shape))
        offset += n
    return out


def _rows(xp, pieces, lowest):
    """Stack per-layer results ``{name: (m, *shape)}`` of layers ``>= lowest`` into
    host rows ``(P_{>=lowest}, m)``."""
    blocks = [xp.reshape(piece[name], (piece[name].shape[0], -1))
              for piece in pieces[lowest:] for name in piece]
    return np.asarray(to_numpy(xp.concat(blocks, axis=1)), dtype=np.float64).T


def network_hessian(model, X, y, kind="hessian", loss="cross_entropy", *,
                    max_params=DEFAULT_MAX_PARAMS, block_bytes=DEFAULT_BLOCK_BYTES,
                    block_columns=None, symmetrize=True, blas_threads=1):
    """The exact Hessian (or Gauss-Newton matrix) of the mean loss, ``(P, P)``.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP` or :class:`~cdnotes.shfin.models.SequenceModel`
    X : array ``(N, n_in)``; y : integer array ``(N,)`` in ``[0, n_classes)``
    kind : {"hessian", "gauss_newton"}
    loss : {"cross_entropy", "squared_error"}
    max_params : int
        Refuse models with more parameters (default :data:`DEFAULT_MAX_PARAMS`): the
        matrix needs ``8 P²`` bytes.
    block_bytes : int
        Working memory aimed at per block of columns; sets the block width.
    block_columns : int, optional
        The block width itself (overrides ``block_bytes``).
    symmetrize : bool
        ``True``: rows of layers below a column's layer come from symmetry and the
        diagonal blocks are averaged with their transposes (exactly symmetric result).
        ``False``: every entry from a product, unsymmetrised (twice the work; checks).
    blas_threads : int or None, default 1
        BLAS threads (NumPy; see :func:`~cdnotes.curvature.products.blas_limit`).

    Returns
    -------
    numpy array ``(P, P)``, float64, in the flat ``θ`` order of
    :mod:`cdnotes.curvature.params`

    Raises
    ------
    ValueError
        ``P > max_params`` (the message gives ``P`` and the bytes needed), unknown
        ``kind`` or ``loss``, bad data.
    """
    sequence = is_sequence_model(model)
    sequence_input(model, X) if sequence else model_input(model, X)
    check_choice(kind, "kind", KINDS)
    max_params = check_positive_int(max_params, "max_params")
    block_bytes = check_positive_int(block_bytes, "block_bytes")
    symmetrize = check_bool(symmetrize, "symmetrize")
    P = model.n_params
    if P > max_params:
        need = hessian_bytes(P)
        raise ValueError(
            f"network_hessian: the model has P = {P} parameters; a dense ({P}, {P}) float64 "
            f"matrix needs {need} bytes ({need / 2**30:.2f} GiB), above max_params={max_params}. "
            "Raise max_params if the memory is there, or estimate the spectrum from products: "
            "cdnotes.curvature.lanczos / spectral_density with CurvatureProducts(...).matvec()")
    ops = CurvatureProducts(model, X, y, loss, blas_threads=blas_threads)
    if sequence:
        return _sequence_hessian(ops, kind, block_columns, symmetrize)
    if block_columns is None:
        width = max(1, block_bytes // _bytes_per_column(model, X.shape[0]))
    else:
        width = check_int(block_columns, "block_columns", minimum=1)
    H = np.empty((P, P))
    layers = model.linear_layers
    offsets = np.cumsum([0] + [layer.n_params for layer in layers])
    second = kind == "hessian"
    with blas_limit(ops.xp, blas_threads):
        for l, layer in enumerate(layers):
            lowest = l if symmetrize else 0
            for start in range(0, layer.n_params, width):
                stop = min(start + width, layer.n_params)
                tangents = [None] * len(layers)
                tangents[l] = _unit_tangents(ops.xp, layer, start, stop, ops._like)
                pieces = ops._pass.product(tangents, second, lowest)
                columns = slice(offsets[l] + start, offsets[l] + stop)
                H[offsets[lowest]:, columns] = _rows(ops.xp, pieces, lowest)
    if symmetrize:
        for l in range(len(layers)):
            a, b = offsets[l], offsets[l + 1]
            H[a:b, a:b] = 0.5 * (H[a:b, a:b] + H[a:b, a:b].T)
            H[a:b, b:] = H[b:, a:b].T
    return H


def _sequence_hessian(ops, kind, block_columns, symmetrize):
    """``(P, P)`` from products with blocks of unit columns (a sequence model)."""
    P, like = ops.n_params, ops._like
    width = 64 if block_columns is None else check_int(block_columns, "block_columns", minimum=1)
    H = np.empty((P, P))
    for start in range(0, P, width):
        stop = min(start + width, P)
        E = ops.xp.eye(P, stop - start, k=-start, dtype=like.dtype, device=device_of(like))
        H[:, start:stop] = np.asarray(to_numpy(ops.product(E, kind)), dtype=np.float64)
    return 0.5 * (H + H.T) if symmetrize else H
