"""Losses on logits, each returning the mean loss over the batch and its gradient.

The loss is returned as a 0-d array on the logits' device (``float(loss)`` when a
number is wanted): reading it back to the host would synchronise a GPU every step.
"""
from __future__ import annotations

from ..backend import device_of, namespace_of
from ..layers.activations import log_softmax

__all__ = ["softmax_cross_entropy", "squared_error", "LOSSES"]


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
    xp = namespace_of(logits, y)
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
    xp = namespace_of(logits, y)
    N, K = logits.shape
    diff = logits - _one_hot(xp, y, K, logits.dtype, device_of(logits))
    return 0.5 * xp.sum(diff * diff) / N, diff / N


LOSSES = {"cross_entropy": softmax_cross_entropy, "squared_error": squared_error}
