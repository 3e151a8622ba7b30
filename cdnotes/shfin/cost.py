"""What an SHFIN block costs against dense self-attention over positions: FLOPs and time.

Analytic forward FLOPs per sample (real floating-point operations; a complex multiply-add
counts 8, a real one 2, an FFT of length ``s`` ``2.5 s log₂ s`` for real input):

SHFIN, per level with patch size ``s`` (``P = L/s`` patches, ``k`` kept frequencies)
    ``rfft`` + ``irfft``: ``2 · 2.5 L C log₂ s``; projections ``8 P k C (2r + C)``;
    scores ``8 P k² r``; softmax ``5 P k²``; ``A V``: ``4 P k² C``; then residual and
    LayerNorm ``10 L C`` once. With a fixed patch size this is linear in ``L``; with a
    global level (``s = L``) the FFT term makes it ``L log L`` — sub-quadratic either way.
Dense self-attention (:class:`SelfAttention`)
    projections ``2 L C (2r + C)``; scores ``2 L² r``; softmax ``5 L²``; ``A V``: ``2 L² C``;
    residual and LayerNorm ``10 L C`` — quadratic in ``L``.
"""
from __future__ import annotations

import math

import numpy as np

from ..timing import best_time, synchronize
from ..validation import check_int
from .block import SHFINBlock
from . import kernels as K

__all__ = ["shfin_flops", "attention_flops", "SelfAttention", "time_forward"]


def shfin_flops(seq_len, channels, patch_sizes, k, rank) -> float:
    """Forward FLOPs per sample of one :class:`~cdnotes.shfin.SHFINBlock` (see the module).

    Parameters
    ----------
    seq_len, channels : int >= 1
    patch_sizes : sequence of int, each dividing ``seq_len``
    k : int or sequence of int (one per level)
    rank : int >= 1

    Returns
    -------
    float
    """
    L, C, r = (check_int(v, n, minimum=1) for v, n in ((seq_len, "seq_len"),
                                                        (channels, "channels"), (rank, "rank")))
    ks = k if isinstance(k, (list, tuple)) else [k] * len(patch_sizes)
    total = 10.0 * L * C
    for s, kk in zip(patch_sizes, ks):
        P = L // s
        total += 5.0 * L * C * math.log2(max(s, 2))
        total += 8.0 * P * kk * C * (2 * r + C) + 8.0 * P * kk * kk * r + 5.0 * P * kk * kk
        total += 4.0 * P * kk * kk * C
    return total


def attention_flops(seq_len, channels, rank) -> float:
    """Forward FLOPs per sample of :class:`SelfAttention` (see the module).

    Parameters
    ----------
    seq_len, channels, rank : int >= 1

    Returns
    -------
    float
    """
    L, C, r = (check_int(v, n, minimum=1) for v, n in ((seq_len, "seq_len"),
                                                        (channels, "channels"), (rank, "rank")))
    return (2.0 * L * C * (2 * r + C) + 2.0 * L * L * r + 5.0 * L * L + 2.0 * L * L * C
            + 10.0 * L * C)


class SelfAttention:
    """Dense single-head self-attention over positions with residual and LayerNorm.

    ``Y = LayerNorm(X + softmax(Q Kᵀ/√r) V)``, ``Q = X W_q``, ``K = X W_k`` ``(L, r)``,
    ``V = X W_v`` ``(L, C)``: the quadratic operator SHFIN claims to replace, written for the
    cost comparison (forward pass only).

    Parameters
    ----------
    channels, rank : int >= 1
    seed : int or None
    dtype : {"float64", "float32"}
    xp : namespace, default NumPy
    """

    def __init__(self, channels, rank, *, seed=None, dtype="float64", xp=None):
        self.channels = check_int(channels, "channels", minimum=1)
        self.rank = check_int(rank, "rank", minimum=1)
        from ..validation import check_namespace
        xp = check_namespace(xp)
        rng = np.random.default_rng(seed)
        C, r = self.channels, self.rank
        real = getattr(xp, dtype)
        self.xp = xp
        self.params = {name: xp.asarray(rng.standard_normal(shape) / math.sqrt(C), dtype=real)
                       for name, shape in (("wq", (C, r)), ("wk", (C, r)), ("wv", (C, C)))}
        self.params["gamma"] = xp.ones(C, dtype=real)
        self.params["beta"] = xp.zeros(C, dtype=real)

    def forward(self, X):
        """``(N, L, C)`` -> ``(N, L, C)``.

        Parameters
        ----------
        X : real array ``(N, L, C)``

        Returns
        -------
        array ``(N, L, C)``
        """
        xp, p = self.xp, self.params
        Q, Kk, V = xp.matmul(X, p["wq"]), xp.matmul(X, p["wk"]), xp.matmul(X, p["wv"])
        S = xp.matmul(Q, xp.matrix_transpose(Kk)) / math.sqrt(self.rank)
        E = xp.exp(S - xp.max(S, axis=-1, keepdims=True))
        A = E / xp.sum(E, axis=-1, keepdims=True)
        return K.layer_norm(xp, X + xp.matmul(A, V), p["gamma"], p["beta"])[0]


def time_forward(lengths, *, channels=16, rank=4, patch=16, k_local=4, k_global=8, batch=4,
                 repeats=3, seed=0, backend="numpy", dtype="float64", progress=None):
    """Best-of-``repeats`` forward times of an SHFIN block and of :class:`SelfAttention`.

    The SHFIN block has two levels, patch size ``patch`` and a global one (``s = L``), with
    ``k_local`` and ``k_global`` kept frequencies; both operators run in evaluation mode on
    ``(batch, L, channels)`` float64 NumPy inputs.

    Parameters
    ----------
    lengths : sequence of int
        Sequence lengths ``L``, each a multiple of ``patch``.
    channels, rank, patch, k_local, k_global, batch, repeats : int >= 1
    seed : int
    backend : {"numpy", "cupy", "array_api_strict"}, default "numpy"
        Each timed call ends with a device synchronisation on CuPy.
    dtype : {"float64", "float32"}
    progress : callable or None
        ``progress(L)`` after each length.

    Returns
    -------
    list of dict
        One per length: ``seq_len``, ``shfin_seconds``, ``attention_seconds``,
        ``shfin_flops``, ``attention_flops`` (per sample, times ``batch``).
    """
    from ..backend import import_namespace

    xp = import_namespace(backend)
    rows = []
    rng = np.random.default_rng(seed)
    for L in lengths:
        L = check_int(L, "each length", minimum=1)
        block = SHFINBlock(L, channels, patch_sizes=(patch, L), k=(k_local, k_global),
                           rank=rank, seed=seed, dtype=dtype, xp=xp).eval()
        attention = SelfAttention(channels, rank, seed=seed, dtype=dtype, xp=xp)
        X = xp.asarray(rng.standard_normal((batch, L, channels)), dtype=getattr(xp, dtype))

        def run(op):
            out = op(X)
            synchronize(backend)
            return out

        run(lambda X: block.forward_2d(xp, X))                   # warm-up (plans, kernels)
        run(attention.forward)
        t_shfin, _ = best_time(lambda: run(lambda X: block.forward_2d(xp, X)), repeats)
        t_att, _ = best_time(lambda: run(attention.forward), repeats)
        rows.append({"seq_len": L, "shfin_seconds": t_shfin, "attention_seconds": t_att,
                     "shfin_flops": batch * shfin_flops(L, channels, (patch, L),
                                                        (k_local, k_global), rank),
                     "attention_flops": batch * attention_flops(L, channels, rank)})
        if progress is not None:
            progress(L)
    return rows
