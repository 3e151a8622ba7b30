"""The spectral mask's selection of ``k`` frequencies: a differentiable relaxed top-``k``
(successive softmax, Xie & Ermon 2019) with its VJP, and the hard top-``k``.

Beside :mod:`cdnotes.shfin.kernels`, which re-exports the three functions;
its conventions hold here.
"""
from __future__ import annotations

__all__ = ["relaxed_topk", "relaxed_topk_vjp", "hard_topk"]

_TINY = 1e-30


def relaxed_topk(xp, scores, k: int, tau: float):
    """A differentiable top-``k`` subset: ``Σ_j softmax(w_j/τ)`` with
    ``w_{j+1} = w_j + log(1 − p_j)``.

    The successive-softmax relaxation of Xie & Ermon (2019): each round picks one item
    softly and lowers its score, so the weights are non-negative, sum to ``k`` and tend to
    the 0/1 indicator of the ``k`` largest scores as ``τ → 0``. With Gumbel noise added to
    the logits, ``scores`` is a Gumbel-softmax top-``k`` sample.

    Parameters
    ----------
    xp : namespace
    scores : real array ``(n,)``
    k : int in ``[1, n]``
    tau : float > 0

    Returns
    -------
    soft : real array ``(n,)``
    cache : tuple for :func:`relaxed_topk_vjp`
    """
    w = scores
    probs, keeps = [], []
    soft = xp.zeros_like(scores)
    for _ in range(k):
        z = w / tau
        e = xp.exp(z - xp.max(z))
        p = e / xp.sum(e)
        q = 1.0 - p
        keep = q > _TINY
        w = w + xp.log(xp.where(keep, q, xp.full_like(q, _TINY)))
        probs.append(p)
        keeps.append(keep)
        soft = soft + p
    return soft, (probs, keeps, tau)


def relaxed_topk_vjp(xp, dsoft, cache):
    """VJP of :func:`relaxed_topk` (backward through the ``k`` rounds).

    Parameters
    ----------
    xp : namespace
    dsoft : real array ``(n,)``
    cache : the second output of :func:`relaxed_topk`

    Returns
    -------
    real array ``(n,)``: the gradient with respect to ``scores``
    """
    probs, keeps, tau = cache
    dw = xp.zeros_like(dsoft)                      # gradient of w_{j+1}
    for p, keep in zip(reversed(probs), reversed(keeps)):
        q = 1.0 - p
        safe = xp.where(keep, q, xp.ones_like(q))
        dp = dsoft - xp.where(keep, dw / safe, xp.zeros_like(q))
        dw = dw + p * (dp - xp.sum(p * dp)) / tau
    return dw


def hard_topk(xp, scores, k: int):
    """Indices of the ``k`` largest ``scores`` (ties to the lower index), increasing.

    Parameters
    ----------
    xp : namespace
    scores : real array ``(n,)``
    k : int in ``[1, n]``

    Returns
    -------
    integer array ``(k,)``
    """
    order = xp.argsort(-scores, stable=True)
    return xp.sort(order[:k])
