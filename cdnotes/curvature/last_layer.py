"""The last layer's exact Hessian (paper §VI, Fig. 2).

:func:`last_layer_hessian` — the exact Hessian of the mean softmax cross-entropy with
respect to the last layer's parameters (``W``/``C`` and ``b``). The logits are linear in
them, so with ``S_n = diag(p_n) − p_n p_nᵀ`` over the used logits and ``h̃_n = [h_n, 1]``
the last layer's input, ``H_W̃ = (1/N) Σ_n S_n ⊗ h̃_n h̃_nᵀ``, and ``H = Aᵀ H_W̃ A`` with
``A`` the linear map from the layer's parameters to ``(W, b)``
(:meth:`cdnotes.layers.Linear.weight_jacobian`).

Host NumPy (small matrices: at most a few thousand parameters).
"""
from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..conditioning import condition_number
from ..layers.activations import softmax
from ._mode import layer_inputs

__all__ = ["last_layer_inputs", "softmax_outputs", "last_layer_hessian", "last_layer_spectrum",
           "logit_hessian_spectrum"]


def last_layer_inputs(model, X):
    """Activations entering the last linear layer (evaluation mode; the mode is restored).

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
    X : array ``(N, n_in)``, real floating, finite

    Returns
    -------
    numpy array ``(N, n_in_last)``, float64
    """
    trace = layer_inputs(model, X)                  # checks the model and X first
    last = model.linear_layers[-1]
    H = next(h for layer, h in trace if layer is last)
    return np.asarray(to_numpy(H), dtype=np.float64)


def _parameter_map(layer):
    """``A``: ``(n_out·(n_in+1), P)`` 0/1 matrix from the layer's parameters to ``[W, b]``.

    Built from the layer's :meth:`~cdnotes.layers.Linear.weight_jacobian`, so any linear
    layer whose ``W`` is linear in its parameters works.
    """
    n_out, n_in = layer.n_out, layer.n_in
    if not layer.curvature().weights_linear:
        raise NotImplementedError(f"the exact last-layer Hessian needs W linear in the layer's "
                                  f"parameters; {type(layer).__name__}'s W is not "
                                  "(weights_linear = False): its own curvature term is missing")
    J = layer.weight_jacobian()                                              # (n_out·n_in, P_W)
    n_w = J.shape[1]
    A = np.zeros((n_out * (n_in + 1), n_w + n_out))
    w_rows = (np.arange(n_out)[:, None] * (n_in + 1) + np.arange(n_in)[None, :]).ravel()
    A[w_rows, :n_w] = J
    A[np.arange(n_out) * (n_in + 1) + n_in, n_w + np.arange(n_out)] = 1.0
    return A


def softmax_outputs(model, X):
    """The last layer's inputs and the softmax probabilities over the used logits.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
    X : array ``(N, n_in)``, real floating, finite

    Returns
    -------
    h : numpy array ``(N, n_in_last)``; p : numpy array ``(N, n_classes)``
    """
    h = last_layer_inputs(model, X)
    layer = model.linear_layers[-1]
    z = h @ np.asarray(to_numpy(layer.to_dense()), dtype=np.float64).T + to_numpy(layer.b)
    return h, softmax(z[:, :model.n_classes], axis=1)


def last_layer_hessian(model, X):
    """Exact Hessian of mean cross-entropy w.r.t. the last layer's ``(C or W, b)``.

    It does not depend on the labels: for softmax cross-entropy the second derivative
    with respect to the logits is ``diag(p) − p pᵀ`` whatever the target.

    Parameters
    ----------
    model : :class:`cdnotes.mlp.MLP`; X : ``(N, n_in)``

    Returns
    -------
    H : numpy array ``(P, P)``, parameters ordered as the layer's ``params`` (e.g.
        ``[C.ravel(), b]`` or ``[W.ravel(), b]``).
    """
    h, p = softmax_outputs(model, X)
    layer = model.linear_layers[-1]
    N, K = p.shape
    h1 = np.concatenate([h, np.ones((N, 1))], axis=1)                       # [h, 1]
    n1, n_out = h1.shape[1], layer.n_out
    q = np.zeros((N, n_out))
    q[:, :K] = p                                                            # unused logits: p = 0
    # H_W̃ = (1/N) Σ_n (diag(q_n) − q_n q_nᵀ) ⊗ h̃_n h̃_nᵀ: one Gram matrix of the rows
    # q_n ⊗ h̃_n, and a block-diagonal term, block o = Σ_n q_no h̃_n h̃_nᵀ.
    G = (q[:, :, None] * h1[:, None, :]).reshape(N, n_out * n1)
    H_w = -(G.T @ G)
    for o in range(K):
        block = slice(o * n1, (o + 1) * n1)
        H_w[block, block] += (h1 * q[:, o:o + 1]).T @ h1
    H_w /= N
    A = _parameter_map(layer)
    return A.T @ H_w @ A


def logit_hessian_spectrum(model, X):
    """Eigenvalues (ascending) of the mean cross-entropy Hessian with respect to the logits.

    ``(1/N) Σ_n (diag(p_n) − p_n p_nᵀ)`` over the ``n_classes`` used logits: a
    ``K × K`` matrix with one exact zero eigenvalue (adding a constant to every logit
    changes nothing), so ``K − 1`` non-zero eigenvalues — nine for the digits.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
    X : array ``(N, n_in)``, real floating, finite

    Returns
    -------
    numpy array ``(n_classes,)``
    """
    _, p = softmax_outputs(model, X)
    return np.linalg.eigvalsh(np.diag(p.mean(axis=0)) - p.T @ p / p.shape[0])


def last_layer_spectrum(model, X):
    """Eigenvalues of :func:`last_layer_hessian` and their condition number.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
    X : array ``(N, n_in)``, real floating, finite

    Returns
    -------
    eigenvalues : numpy array ``(P,)`` ascending
    conditioning : :class:`~cdnotes.conditioning.Conditioning` (``rtol = 1e-10``)
    """
    ev = np.linalg.eigvalsh(last_layer_hessian(model, X))
    return ev, condition_number(ev, rtol=1e-10)
