"""Losses on logits, each returning the mean loss over the batch and its gradient.

The loss is returned as a 0-d array on the logits' device (``float(loss)`` when a
number is wanted): reading it back to the host would synchronise a GPU every step.

The public functions check their arguments (shapes, dtypes, finite logits, labels in
range — which reads one number back from a GPU); the training loop, which validates its
data once before the first step, calls the unchecked kernels in :data:`LOSS_KERNELS`.
"""
from __future__ import annotations

from ..backend import device_of, namespace_of
from ..layers.activations import log_softmax
from ..validation import check_array, check_float_array, check_labels

__all__ = ["softmax_cross_entropy", "squared_error", "LOSSES", "LOSS_KERNELS",
           "LOSS_HESSIAN_KERNELS"]


def _one_hot(xp, y, n_classes, dtype, device):
    classes = xp.arange(n_classes, device=device)
    return xp.astype(xp.reshape(y, (-1, 1)) == classes[None, :], dtype)


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of ``softmax(logits)`` against integer labels.

    Parameters
    ----------
    logits : array ``(N, K)``; y : integer array ``(N,)`` with values in ``[0, K)``

    Returns
    -------
    loss : 0-d array; dlogits : array ``(N, K)`` = ``(softmax(logits) − onehot(y)) / N``
    """
    return _cross_entropy(*_checked(logits, y), logits, y)


def _checked(logits, y):
    """Validate ``logits`` ``(N, K)`` (real, finite) and labels ``y`` ``(N,)`` in ``[0, K)``."""
    check_array(logits, "logits")
    check_array(y, "y")
    xp = namespace_of(logits, y)
    if logits.ndim != 2 or logits.shape[0] == 0 or logits.shape[1] == 0:
        raise ValueError(f"logits must have shape (N, K) with N, K >= 1; got {tuple(logits.shape)}")
    check_float_array(xp, logits, "logits")
    check_labels(xp, y, logits.shape[0], logits.shape[1], "y")
    return (xp,)


def _cross_entropy(xp, logits, y):
    N, K = logits.shape
    log_p = log_softmax(logits, axis=1)
    onehot = _one_hot(xp, y, K, logits.dtype, device_of(logits))
    loss = -xp.sum(log_p * onehot) / N
    return loss, (xp.exp(log_p) - onehot) / N


def squared_error(logits, y):
    """``½ mean_n ‖logits_n − onehot(y_n)‖²`` (the loss of Theorems 1–2) and its gradient.

    Parameters
    ----------
    logits : array ``(N, K)``; y : integer array ``(N,)`` with values in ``[0, K)``

    Returns
    -------
    loss : 0-d array; dlogits : array ``(N, K)``
    """
    return _squared_error(*_checked(logits, y), logits, y)


def _squared_error(xp, logits, y):
    N, K = logits.shape
    diff = logits - _one_hot(xp, y, K, logits.dtype, device_of(logits))
    return 0.5 * xp.sum(diff * diff) / N, diff / N


LOSSES = {"cross_entropy": softmax_cross_entropy, "squared_error": squared_error}
"""The losses by name (checked functions)."""

LOSS_KERNELS = {"cross_entropy": _cross_entropy, "squared_error": _squared_error}
"""The same losses as unchecked kernels ``(xp, logits, y) -> (loss, dlogits)``."""


def _cross_entropy_hessian(xp, logits, T):
    """``(diag(p_n) − p_n p_nᵀ) T[..., n, :] / N``, ``p = softmax(logits)``; ``T`` ``(..., N, K)``."""
    p = xp.exp(log_softmax(logits, axis=1))
    pT = p * T
    return (pT - p * xp.sum(pT, axis=-1, keepdims=True)) / logits.shape[0]


def _squared_error_hessian(xp, logits, T):
    """``T / N``: the Hessian of ``½ mean ‖z − t‖²`` in the logits is ``I / N``."""
    return T / logits.shape[0]


LOSS_HESSIAN_KERNELS = {"cross_entropy": _cross_entropy_hessian,
                        "squared_error": _squared_error_hessian}
"""Each loss's Hessian in the logits applied to tangents: unchecked kernels
``(xp, logits (N, K), T (..., N, K)) -> S T`` with ``S`` the Hessian of the *mean* loss
(``1/N`` included), per sample. Used by the R-operator of :mod:`cdnotes.curvature`."""
