"""A linear layer with a fixed, seeded sparsity pattern: ``W[mask] = values``.

``SparseFixed(n_in, n_out, density)`` draws a boolean ``mask`` ``(n_out, n_in)`` with exactly
``nnz = max(1, round(density · n_out · n_in))`` true entries, uniformly without replacement
from ``numpy.random.default_rng`` seeded by ``seed`` (its own stream, independent of the
values'); the mask never changes. The trainable parameters are ``values`` ``(nnz,)`` — the
non-zero entries of ``W`` in row-major order, ``W[mask] = values`` as NumPy's boolean
indexing reads it — and the bias ``b`` ``(n_out,)``.

Initialisation matched to a dense layer: the values are ``N(0, std² · n_in·n_out / nnz)``,
so ``E‖W‖²_F = n_in·n_out·std²`` and each output's expected gain is the dense layer's
(``std`` from ``init``, He by default). At low density some rows or columns of ``W`` may be
empty (an output that is only its bias, an input that is ignored); ``mask`` shows which.

Two product paths, equal to rounding: ``method="dense"`` (default; every backend)
scatters ``values`` into ``W`` with one gather and multiplies (the gather and the batched
kernels are :class:`~cdnotes.layers.pattern.FixedPattern`'s, shared with
:class:`~cdnotes.layers.MaskedDense`); ``method="sparse"`` (NumPy
only; other backends use the dense path) multiplies with a ``scipy.sparse`` CSR matrix and
forms the values' gradient only at the mask (``nnz · N`` work instead of
``n_out · n_in · N``).
"""
from __future__ import annotations

import array_api_compat
import numpy as np

from ..layers.linear import parameter
from ..layers.pattern import FixedPattern
from ..validation import check_block_size, check_choice, check_real, check_seed

__all__ = ["SparseFixed", "nonzeros"]

METHODS = ("dense", "sparse")


class SparseFixed(FixedPattern):
    """Fixed-pattern sparse layer ``Y = X @ W.T + b`` with ``W[mask] = values``.

    Parameters
    ----------
    n_in, n_out : int >= 1
    density : float in (0, 1]
        Fraction of non-zero entries; ``nnz = max(1, round(density · n_out · n_in))``.
    seed, init, dtype, xp, device
        As for :class:`~cdnotes.Dense`. ``seed`` fixes both the mask and the values.
    method : {"dense", "sparse"}, default "dense"
        How products are computed (module docstring).

    Attributes
    ----------
    mask : numpy.ndarray of bool ``(n_out, n_in)`` (host, fixed)
    nnz : int
    values : array ``(nnz,)``; b : array ``(n_out,)`` (settable: validated and copied)
    n_params : ``nnz + n_out``
    """

    def __init__(self, n_in, n_out, density, *, seed=None, init="he", dtype="float64", xp=None,
                 device=None, method="dense"):
        n_in, n_out, _ = check_block_size(n_in, n_out, 1)
        check_seed(seed)
        self.density = check_real(density, "density", low=0.0, high=1.0, low_open=True)
        self.method = check_choice(method, "method", METHODS)
        self.nnz = nonzeros(n_in, n_out, self.density)
        mask_rng = _mask_generator(seed)
        flat = np.sort(mask_rng.choice(n_out * n_in, size=self.nnz, replace=False))
        mask = np.zeros(n_out * n_in, dtype=bool)
        mask[flat] = True
        self.mask = mask.reshape(n_out, n_in)
        self.mask.flags.writeable = False
        self.positions = flat                           # W.ravel()[positions] = values
        super().__init__(n_in, n_out, 1, seed=seed, init=init, dtype=dtype, xp=xp, device=device)

    def param_shapes(self):
        return {"values": (self.nnz,), "b": (self.n_out,)}

    def initial_params(self, std, seed):
        scale = std * np.sqrt(self.n_in * self.n_out / self.nnz)
        values = np.random.default_rng(seed).standard_normal(self.nnz) * scale
        return {"values": values, "b": np.zeros(self.n_out)}

    values = parameter("values", "The non-zero entries of ``W`` ``(nnz,)``, row-major: "
                                 "``W[mask] = values``.")

    def _use_sparse(self, xp):
        return self.method == "sparse" and array_api_compat.is_numpy_namespace(xp)

    def _csr(self):
        import scipy.sparse
        rows, cols = np.divmod(self.positions, self.n_in)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=self.n_out))])
        return scipy.sparse.csr_matrix((np.asarray(self.values), cols, indptr),
                                       shape=(self.n_out, self.n_in))

    def forward_2d(self, xp, X2):
        """``(N, n_in)`` -> ``(N, n_out)``, no checks; caches for :meth:`backward_2d`."""
        if not self._use_sparse(xp):
            return super().forward_2d(xp, X2)
        W = self._csr()
        self._cache = (X2, W)
        return np.asarray((W @ X2.T).T) + self.b

    def backward_2d(self, xp, dY2):
        """``(N, n_out)`` -> ``(N, n_in)``, no checks; fills ``grads``."""
        if not self._use_sparse(xp):
            return super().backward_2d(xp, dY2)
        X2, W = self._cached()
        self.grads = {"values": _sampled_products(dY2, X2, self.positions, self.n_in),
                      "b": xp.sum(dY2, axis=0)}
        return np.asarray((W.T @ dY2.T).T)

    def _repr_extra(self):
        return f"density={self.density:g}, nnz={self.nnz}, method={self.method!r}"


def nonzeros(n_in, n_out, density) -> int:
    """``nnz = max(1, round(density · n_out · n_in))``: the non-zero entries of a layer.

    Parameters
    ----------
    n_in, n_out : int >= 1; density : float in (0, 1]

    Returns
    -------
    int
    """
    density = check_real(density, "density", low=0.0, high=1.0, low_open=True)
    return max(1, int(round(density * n_out * n_in)))


def _mask_generator(seed):
    """The mask's generator: a stream of its own for an integer (or ``None``) seed; a
    ``Generator``/``BitGenerator``/``SeedSequence`` passed as the seed is drawn from first."""
    if isinstance(seed, (np.random.Generator, np.random.BitGenerator)):
        return np.random.default_rng(seed)
    if not isinstance(seed, np.random.SeedSequence):
        seed = np.random.SeedSequence(None if seed is None else int(seed.__index__()))
    return np.random.default_rng(seed.spawn(1)[0])


def _sampled_products(dY2, X2, positions, n_in, chunk_elements=1 << 18):
    """``(dY2ᵀ X2).ravel()[positions]`` without the full product: ``Σ_n dY[n, r] X[n, c]``
    for each ``(r, c)`` on the mask, in chunks of at most ``chunk_elements`` gathered floats
    (2^18: the gathered rows stay in cache; 2^22 took 3.4x longer at n = 4096, N = 256)."""
    rows, cols = np.divmod(positions, n_in)
    dYt, Xt = np.ascontiguousarray(dY2.T), np.ascontiguousarray(X2.T)
    out = np.empty(positions.size, dtype=np.result_type(dY2, X2))
    step = max(1, chunk_elements // max(1, dY2.shape[0]))
    for start in range(0, positions.size, step):
        r, c = rows[start:start + step], cols[start:start + step]
        out[start:start + step] = np.einsum("kn,kn->k", dYt[r], Xt[c])
    return out
