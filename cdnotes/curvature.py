"""Curvature of a trained network (paper §VI, Fig. 2 and the κ column of Table 1).

* :func:`last_layer_hessian` — the exact Hessian of the mean softmax cross-entropy with
  respect to the last layer's parameters (``W``/``C`` and ``b``). The logits are
  linear in them, so with ``S_n = diag(p_n) − p_n p_nᵀ`` over the used logits and
  ``h̃_n = [h_n, 1]`` the last layer's input,
  ``H_W̃ = (1/N) Σ_n S_n ⊗ h̃_n h̃_nᵀ``; for a CDLinear layer ``H = Aᵀ H_W̃ A`` with ``A``
  the linear map from ``(C, b)`` to ``(W, b)``.
* :func:`dead_units` — hidden ReLU units that are zero on every input: each adds
  exact null directions to the Hessian, which :func:`cdnotes.hessian.condition_number`
  counts instead of reporting ``κ = ∞``.
* :func:`paper_kappa_readings` — the paper's "κ = ⟨σ²_max/σ²_min⟩ averaged over weight
  layers" under each reading of its definition (§VI.1).

Host NumPy (small matrices: at most a few thousand parameters).
"""
from __future__ import annotations

import numpy as np

from .backend import namespace_of, to_numpy
from .circulant import _host_indices
from .hessian import condition_number, theorem1_eigenvalues
from .layers import CDLinear

__all__ = ["last_layer_inputs", "softmax_outputs", "last_layer_hessian", "last_layer_spectrum",
           "dead_units", "paper_kappa_readings", "logit_hessian_spectrum"]


def last_layer_inputs(model, X):
    """Activations entering the last linear layer, ``(N, n_in_last)`` (evaluation mode)."""
    model.eval()
    xp = namespace_of(X)
    last = model.layers.index(model.linear_layers[-1])
    H = X
    for layer in model.layers[:last]:
        H = layer.forward_2d(xp, H)
    return np.asarray(to_numpy(H), dtype=np.float64)


def _parameter_map(layer):
    """``A``: ``(n_out·(n_in+1), P)`` 0/1 matrix from the layer's parameters to ``[W, b]``."""
    n_out, n_in = layer.n_out, layer.n_in
    if isinstance(layer, CDLinear):
        B = layer.block_size
        w_columns, n_w = _host_indices(n_out // B, n_in // B, B)[0], n_out * n_in // B
    else:
        w_columns, n_w = np.arange(n_out * n_in), n_out * n_in
    A = np.zeros((n_out * (n_in + 1), n_w + n_out))
    w_rows = (np.arange(n_out)[:, None] * (n_in + 1) + np.arange(n_in)[None, :]).ravel()
    A[w_rows, w_columns] = 1.0
    A[np.arange(n_out) * (n_in + 1) + n_in, n_w + np.arange(n_out)] = 1.0
    return A


def softmax_outputs(model, X):
    """The last layer's inputs ``h`` ``(N, n_in_last)`` and softmax probabilities ``p`` ``(N, n_classes)``."""
    h = last_layer_inputs(model, X)
    layer = model.linear_layers[-1]
    z = h @ np.asarray(to_numpy(layer.to_dense()), dtype=np.float64).T + to_numpy(layer.b)
    z = z[:, :model.n_classes]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    return h, p / p.sum(axis=1, keepdims=True)


def last_layer_hessian(model, X):
    """Exact Hessian of mean cross-entropy w.r.t. the last layer's ``(C or W, b)``.

    It does not depend on the labels: for softmax cross-entropy the second derivative
    with respect to the logits is ``diag(p) − p pᵀ`` whatever the target.

    Parameters
    ----------
    model : :class:`cdnotes.mlp.MLP`; X : ``(N, n_in)``

    Returns
    -------
    H : numpy array ``(P, P)``, parameters ordered ``[C.ravel() or W.ravel(), b]``.
    """
    h, p = softmax_outputs(model, X)
    layer = model.linear_layers[-1]
    N, K = p.shape
    S = np.zeros((N, layer.n_out, layer.n_out))
    S[:, :K, :K] = p[:, :, None] * (np.eye(K)[None] - p[:, None, :])      # diag(p) − p pᵀ
    h1 = np.concatenate([h, np.ones((N, 1))], axis=1)                       # [h, 1]
    n1 = h1.shape[1]
    # H[(o,i),(q,j)] = (1/N) Σ_n S[n,o,q] h1[n,i] h1[n,j]
    T = (S.reshape(N, -1)[:, :, None] * h1[:, None, :]).reshape(N, -1)      # (N, o·q·i)
    H_w = (T.T @ h1).reshape(layer.n_out, layer.n_out, n1, n1) / N           # (o, q, i, j)
    H_w = H_w.transpose(0, 2, 1, 3).reshape(layer.n_out * n1, layer.n_out * n1)
    A = _parameter_map(layer)
    return A.T @ H_w @ A


def logit_hessian_spectrum(model, X):
    """Eigenvalues (ascending) of the mean cross-entropy Hessian with respect to the logits.

    ``(1/N) Σ_n (diag(p_n) − p_n p_nᵀ)`` over the ``n_classes`` used logits: a
    ``K × K`` matrix with one exact zero eigenvalue (adding a constant to every logit
    changes nothing), so ``K − 1`` non-zero eigenvalues — nine for the digits.
    """
    _, p = softmax_outputs(model, X)
    return np.linalg.eigvalsh(np.diag(p.mean(axis=0)) - p.T @ p / p.shape[0])


def last_layer_spectrum(model, X):
    """Eigenvalues (ascending) of :func:`last_layer_hessian` and their :class:`Conditioning`."""
    ev = np.linalg.eigvalsh(last_layer_hessian(model, X))
    return ev, condition_number(ev, rtol=1e-10)


def dead_units(model, X):
    """Number of hidden ReLU outputs that are zero for every row of ``X``, per hidden layer."""
    from .activations import ReLU

    model.eval()
    xp = namespace_of(X)
    counts, H = [], X
    for layer in model.layers:
        H = layer.forward_2d(xp, H)
        if isinstance(layer, ReLU):
            counts.append(int(np.sum(np.all(np.asarray(to_numpy(H)) == 0, axis=0))))
    return counts


def paper_kappa_readings(model, X):
    """The paper's κ, "σ²_max/σ²_min averaged over weight layers", under each reading.

    Returns a dict of floats (``inf`` where a denominator is exactly zero):

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
        (CDLinear only; ``nan`` for dense models).
    """
    model.eval()
    xp = namespace_of(X)
    sv, t1, circ = [], [], []
    H = X
    for layer in model.layers:
        if layer in model.linear_layers:
            W = np.asarray(to_numpy(layer.to_dense()), dtype=np.float64)
            s2 = np.linalg.svd(W, compute_uv=False) ** 2
            sv.append(_ratio(s2.max(), s2.min()))
            B = layer.block_size if isinstance(layer, CDLinear) else 1
            vals = np.asarray(to_numpy(theorem1_eigenvalues(H, layer.n_out, B)))
            t1.append(_ratio(vals.max(), vals.min()))
            if isinstance(layer, CDLinear):
                power = np.abs(np.fft.fft(np.asarray(to_numpy(layer.C)), axis=-1)) ** 2
                circ.append(_ratio(power.max(), power.min()))
        H = layer.forward_2d(xp, H)
    return {"weights_sv": float(np.mean(sv)), "theorem1_inputs": float(np.mean(t1)),
            "circulant_spectrum": float(np.mean(circ)) if circ else float("nan")}


def _ratio(top, bottom):
    return float("inf") if bottom == 0 else float(top / bottom)
