"""The fine-tuning loss's curvature in the adapters' parameters: which entries of the flat
parameter vector belong to adapters (:func:`adapter_indices`) and the Hessian or
Gauss-Newton block on them (:func:`curvature_block`), exact (R-operator columns)."""
from __future__ import annotations

import numpy as np

from ...adapters import CDAdapter, LoRA
from ...curvature import CurvatureProducts
from ...validation import check_choice, check_int

__all__ = ["adapter_indices", "curvature_block"]


def _owner(layer, key):
    """The leaf layer holding parameter ``key`` of ``layer`` (dotted keys in composites)."""
    *path, _ = key.split(".")
    for name in path:
        layer = layer.sublayers[name]
    return layer


def adapter_indices(model) -> np.ndarray:
    """Positions, in :func:`cdnotes.curvature.flat_params` order, of every LoRA / CD adapter
    parameter of ``model`` (the head and other trainable layers left out).

    Parameters
    ----------
    model : an MLP or sequence classifier of :func:`cdnotes.adapters.apply_adapters`

    Returns
    -------
    int array ``(P_adapter,)``, ascending; empty when the model has no adapter
    """
    out, start = [], 0
    for layer in model.linear_layers:
        for key, p in layer.params.items():
            size = int(p.size)
            if isinstance(_owner(layer, key), (LoRA, CDAdapter)):
                out.extend(range(start, start + size))
            start += size
    return np.asarray(out, dtype=np.int64)


def curvature_block(model, X, y, indices, kind="hessian", batch=64) -> np.ndarray:
    """``H[idx, idx]`` (or ``G``) of the mean cross-entropy of ``model`` on ``(X, y)``: one
    exact product per column, ``batch`` columns per pass.

    Parameters
    ----------
    model : an MLP or sequence classifier; X : ``(N, n_in)``; y : ``(N,)``
    indices : int array ``(k,)`` of flat parameter positions (e.g. :func:`adapter_indices`)
    kind : {"hessian", "gauss_newton"}
    batch : int >= 1, columns per pass

    Returns
    -------
    float64 array ``(k, k)``, symmetrised (``(M + Mᵀ)/2``; the products are exact, the
    asymmetry is rounding)
    """
    check_choice(kind, "kind", ("hessian", "gauss_newton"))
    batch = check_int(batch, "batch", minimum=1)
    idx = np.asarray(indices, dtype=np.int64)
    P = int(model.n_params)
    if idx.ndim != 1 or idx.size == 0 or idx.min() < 0 or idx.max() >= P:
        raise ValueError(f"indices must be a non-empty 1-D array of positions in [0, {P}); got "
                         f"{idx.size} values")
    products = CurvatureProducts(model, X, y)
    block = np.empty((idx.size, idx.size))
    for start in range(0, idx.size, batch):
        cols = idx[start:start + batch]
        V = np.zeros((P, cols.size))
        V[cols, np.arange(cols.size)] = 1.0
        block[:, start:start + cols.size] = np.asarray(products.product(V, kind))[idx, :]
    return 0.5 * (block + block.T)
