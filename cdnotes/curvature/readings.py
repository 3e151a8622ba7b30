"""Readings of a trained network that the paper reports: dead units and its κ (§VI.1).

* :func:`dead_units` — hidden ReLU units that are zero on every input: each adds
  exact null directions to the Hessian, which :func:`cdnotes.conditioning.condition_number`
  counts instead of reporting ``κ = ∞``.
* :func:`paper_kappa_readings` — the paper's "κ = ⟨σ²_max/σ²_min⟩ averaged over weight
  layers" under each reading of its definition.

Host NumPy; the model's train/eval mode is restored afterwards.
"""
from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..hessian import theorem1_eigenvalues
from ..layers.activations import ReLU
from ._mode import layer_inputs

__all__ = ["dead_units", "paper_kappa_readings"]


def dead_units(model, X):
    """Hidden ReLU outputs that are zero for every row of ``X``, per hidden layer.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
    X : array ``(N, n_in)``, real floating, finite

    Returns
    -------
    list of int, one per ReLU layer
    """
    trace = layer_inputs(model, X)
    return [int(np.sum(np.all(np.asarray(to_numpy(H_out)) == 0, axis=0)))
            for (layer, _), (_, H_out) in zip(trace[:-1], trace[1:]) if isinstance(layer, ReLU)]


def paper_kappa_readings(model, X):
    """The paper's κ, "σ²_max/σ²_min averaged over weight layers", under each reading.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
    X : array ``(N, n_in)``, real floating, finite
        The inputs on which each layer's inputs (Theorem 1's values) are computed.

    Returns
    -------
    dict of float (``inf`` where a denominator is exactly zero), with keys

    ``weights_sv``
        mean over layers of ``σ²_max/σ²_min`` of the weight matrix ``to_dense()`` — the
        paper's definition for dense layers, applied to every layer.
    ``theorem1_inputs``
        mean over layers of max/min of Theorem 1's values ``Σ_n |FFT(X_{n,j})(k)|²``
        computed on each layer's inputs over ``X`` (the paper's stated definition for
        CD layers; for a dense layer ``B = 1``).
    ``circulant_spectrum``
        mean over layers of max/min of ``|FFT(c_ij)(k)|²`` over all blocks and
        frequencies — the eigenvalue moduli² of the circulant blocks of ``W``
        (layers with circulant blocks only; ``nan`` for dense models).
    """
    trace = layer_inputs(model, X)                  # checks the model and X first
    linear = {id(layer) for layer in model.linear_layers}
    sv, t1, circ = [], [], []
    for layer, H in trace[:-1]:
        if id(layer) in linear:
            W = np.asarray(to_numpy(layer.to_dense()), dtype=np.float64)
            s2 = np.linalg.svd(W, compute_uv=False) ** 2
            sv.append(_ratio(s2.max(), s2.min()))
            vals = np.asarray(to_numpy(theorem1_eigenvalues(H, layer.n_out, layer.block_size)))
            t1.append(_ratio(vals.max(), vals.min()))
            if layer.circulant_param is not None:
                C = np.asarray(to_numpy(layer.params[layer.circulant_param]))
                power = np.abs(np.fft.fft(C, axis=-1)) ** 2
                circ.append(_ratio(power.max(), power.min()))
    return {"weights_sv": float(np.mean(sv)), "theorem1_inputs": float(np.mean(t1)),
            "circulant_spectrum": float(np.mean(circ)) if circ else float("nan")}


def _ratio(top, bottom):
    return float("inf") if bottom == 0 else float(top / bottom)
