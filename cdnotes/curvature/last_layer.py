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
           "logit_hessian_spectrum", "last_layer_gauss_newton"]


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


def _parameter_map(layer, J=None, n_rows=None):
    """``A``: ``(n_rows·(n_in+1), P)`` matrix from the layer's parameters to ``[W, b]``.

    ``J`` (default: the layer's :meth:`~cdnotes.layers.Linear.weight_jacobian`, which needs
    ``W`` linear in the parameters) is ``∂ vec(W) / ∂θ_W``; only the first ``n_rows``
    (default ``n_out``) outputs are mapped.
    """
    n_out, n_in = layer.n_out, layer.n_in
    if J is None:
        if not layer.curvature().weights_linear:
            raise NotImplementedError(
                f"the exact last-layer Hessian needs W linear in the layer's parameters; "
                f"{type(layer).__name__}'s W is not (weights_linear = False): its own "
                "curvature term is missing")
        J = layer.weight_jacobian()                                          # (n_out·n_in, P_W)
    n_rows = n_out if n_rows is None else n_rows
    n_w = J.shape[1]
    A = np.zeros((n_rows * (n_in + 1), n_w + n_out))
    w_rows = (np.arange(n_rows)[:, None] * (n_in + 1) + np.arange(n_in)[None, :]).ravel()
    A[w_rows, :n_w] = J[:n_rows * n_in]
    A[np.arange(n_rows) * (n_in + 1) + n_in, n_w + np.arange(n_rows)] = 1.0
    return A


def _weight_space_hessian(h1, q, n_used):
    """``(1/N) Σ_n (diag(q_n) − q_n q_nᵀ) ⊗ h̃_n h̃_nᵀ`` for ``h1 (N, n1)``, ``q (N, m)``.

    One Gram matrix of the rows ``q_n ⊗ h̃_n`` and a block-diagonal term over the first
    ``n_used`` blocks, block ``o = Σ_n q_no h̃_n h̃_nᵀ``; ``(m·n1, m·n1)``.
    """
    N, n1 = h1.shape
    G = (q[:, :, None] * h1[:, None, :]).reshape(N, q.shape[1] * n1)
    H_w = -(G.T @ G)
    for o in range(n_used):
        block = slice(o * n1, (o + 1) * n1)
        H_w[block, block] += (h1 * q[:, o:o + 1]).T @ h1
    H_w /= N
    return H_w


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
    q = np.zeros((N, layer.n_out))
    q[:, :K] = p                                                            # unused logits: p = 0
    A = _parameter_map(layer)
    return A.T @ _weight_space_hessian(h1, q, K) @ A


def last_layer_gauss_newton(model, X):
    """Gauss-Newton matrix of the mean cross-entropy in the last layer's parameters.

    ``G = Aᵀ H_W̃ A`` over the ``n_classes`` used logits, ``A`` the Jacobian from the
    layer's parameters to ``[W, b]`` at the current parameters
    (:meth:`~cdnotes.layers.Linear.weight_jacobian`; for a layer without one, each column by
    one step of 1 in one entry, exact when ``W`` is affine in each entry:
    :func:`cdnotes.structured.entrywise_weight_jacobian`). For a layer linear in its
    parameters (dense, CD, Toeplitz) it is the exact Hessian (:func:`last_layer_hessian`, up
    to rounding); for products of factors it leaves out the term that the loss's gradient
    multiplies.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`; X : array ``(N, n_in)``

    Returns
    -------
    numpy array ``(P, P)``, ``P`` the last layer's parameter count, in ``params`` order
    """
    h, p = softmax_outputs(model, X)
    layer = model.linear_layers[-1]
    N, K = p.shape
    h1 = np.concatenate([h, np.ones((N, 1))], axis=1)
    try:
        J = np.asarray(layer.weight_jacobian(), dtype=np.float64)        # (n_out·n_in, P_W)
    except NotImplementedError:                  # a product of factors without one (ACDC)
        from ..structured import entrywise_weight_jacobian
        J = entrywise_weight_jacobian(layer)
    A = _parameter_map(layer, J, K)
    return A.T @ _weight_space_hessian(h1, p, K) @ A


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
