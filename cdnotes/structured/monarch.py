"""The Monarch layer (Dao et al. 2022): two block-diagonal factors and a transposition.

The product is HazyResearch fly's ``blockdiag_butterfly_multiply`` (reference version 2)
with ``w1_bfly = R`` ``(k, q, p) = (n_blocks, m, m)`` and ``w2_bfly = L``
``(l, s, r) = (m, n_blocks, n_blocks)``, ``m = n / n_blocks``:

1. reshape ``x`` ``(n,)`` to ``(n_blocks, m)`` and apply block ``k`` of ``R`` to row ``k``;
2. flatten, reshape as ``(n_blocks, m)`` and transpose to ``(m, n_blocks)``;
3. apply block ``l`` of ``L`` to row ``l``, giving ``(m, n_blocks)`` indexed ``(l, s)``;
4. flatten as ``(s, l)``: output ``s · m + l``.

Entry by entry, ``W[s·m + q, k·m + p] = L[q, s, k] · R[k, q, p]``: each input reaches each
output along exactly one path, so ``W`` is dense but has ``n·(m + n_blocks)`` parameters.
With identity blocks ``W = I``.
"""
from __future__ import annotations

import math
import threading
from contextlib import contextmanager

import numpy as np

from ..backend import namespace_of
from ..layers.init import normal_weights
from ..layers.linear import Linear, parameter
from ..validation import check_positive_int, divisors
from ._common import ProductOfFactors, multilinear_weight_jacobian

__all__ = ["Monarch"]

_BLAS = {"lock": threading.Lock(), "depth": 0, "controller": None, "limiter": None}


@contextmanager
def _one_blas_thread(xp):
    """NumPy's BLAS on one thread inside the block (other array libraries: as they are).

    Monarch's products are batches of small ones (``(N, m) @ (m, m)`` per block); NumPy makes
    one BLAS call per block, and a threaded BLAS splits each small call between its threads and
    waits for them: at ``n = 4096`` (64 blocks of 64), batch 256, float32, forward + backward
    ran 7.0x faster than Dense on one thread but 2.2x on two. Threads that enter at once share
    one limit, set by the first and restored by the last (``threadpoolctl``; the controller
    is built once, the limit costs microseconds).
    """
    if not any(name in xp.__name__ for name in ("numpy", "array_api_strict")):
        yield
        return
    with _BLAS["lock"]:
        if _BLAS["depth"] == 0:
            if _BLAS["controller"] is None:
                from threadpoolctl import ThreadpoolController
                _BLAS["controller"] = ThreadpoolController()
            _BLAS["limiter"] = _BLAS["controller"].limit(limits=1, user_api="blas")
        _BLAS["depth"] += 1
    try:
        yield
    finally:
        with _BLAS["lock"]:
            _BLAS["depth"] -= 1
            if _BLAS["depth"] == 0:
                _BLAS["limiter"].restore_original_limits()


class Monarch(Linear):
    """Monarch layer ``Y = X @ W.T + b``, ``W`` square ``(n, n)`` (see the module docstring).

    Parameters
    ----------
    n : int >= 1
        Width (``n_in = n_out = n``).
    n_blocks : int, a divisor of ``n``
        Number of blocks of ``R``; ``m = n / n_blocks`` is the number of blocks of ``L``.
    seed, init, dtype, xp, device
        As for :class:`~cdnotes.Dense`. ``R`` and ``L`` are drawn i.i.d. with standard
        deviation ``sqrt(std)``: every entry of ``W`` is one product ``L[q, s, k] · R[k, q, p]``
        and has variance ``std²``, the dense layer's.

    Attributes
    ----------
    R : array ``(n_blocks, m, m)``; L : array ``(m, n_blocks, n_blocks)``; b : array ``(n,)``
    n_blocks, m : int
    n_params : ``n · (m + n_blocks) + n``
    """

    curvature_class = ProductOfFactors

    def __init__(self, n, n_blocks, *, seed=None, init="he", dtype="float64", xp=None,
                 device=None):
        n = check_positive_int(n, "n")
        self.n_blocks = check_positive_int(n_blocks, "n_blocks")
        if n % self.n_blocks:
            raise ValueError(f"n_blocks={n_blocks} does not divide n={n}; block counts that do: "
                             f"{', '.join(map(str, divisors(n)))}")
        self.m = n // self.n_blocks
        super().__init__(n, n, 1, seed=seed, init=init, dtype=dtype, xp=xp, device=device)

    def param_shapes(self):
        k, m = self.n_blocks, self.m
        return {"R": (k, m, m), "L": (m, k, k), "b": (self.n_out,)}

    def initial_params(self, std, seed):
        shapes = self.param_shapes()
        s = math.sqrt(std)
        rng = np.random.SeedSequence(seed).spawn(2) if seed is not None else [None, None]
        return {"R": normal_weights(shapes["R"], s, rng[0]),
                "L": normal_weights(shapes["L"], s, rng[1]), "b": np.zeros(self.n_out)}

    R = parameter("R", "First block-diagonal factor ``(n_blocks, m, m)`` (fly's ``w1_bfly``).")
    L = parameter("L", "Second block-diagonal factor ``(m, n_blocks, n_blocks)`` (``w2_bfly``).")

    def to_dense(self):
        """``W[s·m + q, k·m + p] = L[q, s, k] · R[k, q, p]``, shape ``(n, n)``."""
        xp = namespace_of(self.R)
        Ls = xp.permute_dims(self.L, (1, 0, 2))                      # (s, q, k)
        W4 = Ls[:, :, :, None] * xp.permute_dims(self.R, (1, 0, 2))[None, :, :, :]
        return xp.reshape(W4, (self.n_out, self.n_in))               # (s, q, k, p)

    def forward_2d(self, xp, X2):
        """``(N, n)`` -> ``(N, n)``: two batched block products (on one BLAS thread),
        never forming ``W``."""
        N, k, m = X2.shape[0], self.n_blocks, self.m
        Xr = xp.permute_dims(xp.reshape(X2, (N, k, m)), (1, 0, 2))      # (k, N, p)
        with _one_blas_thread(xp):
            H = xp.matmul(Xr, xp.matrix_transpose(self.R))              # (k, N, q)
            Z = xp.permute_dims(H, (2, 1, 0))                           # (l = q, N, r = k)
            self._cache = (Xr, Z)
            out = xp.matmul(Z, xp.matrix_transpose(self.L))             # (l, N, s)
        return xp.reshape(xp.permute_dims(out, (1, 2, 0)), (N, self.n_out)) + self.b

    def backward_2d(self, xp, dY2):
        """``(N, n)`` -> ``(N, n)``; fills ``grads`` (batched products on one BLAS thread)."""
        Xr, Z = self._cached()
        N, k, m = dY2.shape[0], self.n_blocks, self.m
        dOut = xp.permute_dims(xp.reshape(dY2, (N, k, m)), (2, 0, 1))   # (l, N, s)
        with _one_blas_thread(xp):
            dL = xp.matmul(xp.matrix_transpose(dOut), Z)                # (l, s, r)
            dH = xp.permute_dims(xp.matmul(dOut, self.L), (2, 1, 0))    # (k, N, q)
            dR = xp.matmul(xp.matrix_transpose(dH), Xr)                 # (k, q, p)
            dX = xp.matmul(dH, self.R)                                  # (k, N, p)
        self.grads = {"R": dR, "L": dL, "b": xp.sum(dY2, axis=0)}
        return xp.reshape(xp.permute_dims(dX, (1, 0, 2)), (N, self.n_in))

    def weight_jacobian(self):
        """``∂ vec W / ∂[R, L]`` at the current parameters."""
        return multilinear_weight_jacobian(self)

    def _repr_extra(self):
        return f"n_blocks={self.n_blocks}"
