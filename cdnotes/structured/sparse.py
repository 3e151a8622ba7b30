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
scatters ``values`` into ``W`` with one gather and multiplies; ``method="sparse"`` (NumPy
only; other backends use the dense path) multiplies with a ``scipy.sparse`` CSR matrix and
forms the values' gradient only at the mask (``nnz · N`` work instead of
``n_out · n_in · N``).
"""
from __future__ import annotations

import array_api_compat
import numpy as np

from ..backend import device_of
from ..layers.linear import Linear, parameter
from ..validation import check_block_size, check_choice, check_real, check_seed

__all__ = ["SparseFixed"]

METHODS = ("dense", "sparse")


class SparseFixed(Linear):
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
        self.nnz = max(1, int(round(self.density * n_out * n_in)))
        mask_rng = _mask_generator(seed)
        flat = np.sort(mask_rng.choice(n_out * n_in, size=self.nnz, replace=False))
        mask = np.zeros(n_out * n_in, dtype=bool)
        mask[flat] = True
        self.mask = mask.reshape(n_out, n_in)
        self.mask.flags.writeable = False
        self._positions = flat                          # W.ravel()[positions] = values
        self._devices = {}
        super().__init__(n_in, n_out, 1, seed=seed, init=init, dtype=dtype, xp=xp, device=device)

    def param_shapes(self):
        return {"values": (self.nnz,), "b": (self.n_out,)}

    def initial_params(self, std, seed):
        scale = std * np.sqrt(self.n_in * self.n_out / self.nnz)
        values = np.random.default_rng(seed).standard_normal(self.nnz) * scale
        return {"values": values, "b": np.zeros(self.n_out)}

    values = parameter("values", "The non-zero entries of ``W`` ``(nnz,)``, row-major: "
                                 "``W[mask] = values``.")

    def _indices(self, xp, device):
        """Device index arrays: ``gather`` ``(n_out·n_in,)`` (0 off the mask, 1 + k on the
        k-th entry) and ``positions`` ``(nnz,)`` (cached per backend and device)."""
        key = (xp.__name__, str(device))
        if key not in self._devices:
            gather = np.zeros(self.n_out * self.n_in, dtype=np.int64)
            gather[self._positions] = 1 + np.arange(self.nnz)
            self._devices[key] = (xp.asarray(gather, device=device),
                                  xp.asarray(self._positions.astype(np.int64), device=device))
        return self._devices[key]

    def to_dense(self):
        """``W`` ``(n_out, n_in)``: zeros with ``values`` at ``mask`` (one gather)."""
        from ..backend import namespace_of
        xp = namespace_of(self.values)
        return self._weights(xp)

    def _weights(self, xp):
        values = self.values
        gather, _ = self._indices(xp, device_of(values))
        padded = xp.concat([xp.zeros((1,), dtype=values.dtype, device=device_of(values)), values])
        return xp.reshape(xp.take(padded, gather), (self.n_out, self.n_in))

    def _use_sparse(self, xp):
        return self.method == "sparse" and array_api_compat.is_numpy_namespace(xp)

    def _csr(self):
        import scipy.sparse
        rows, cols = np.divmod(self._positions, self.n_in)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=self.n_out))])
        return scipy.sparse.csr_matrix((np.asarray(self.values), cols, indptr),
                                       shape=(self.n_out, self.n_in))

    def forward_2d(self, xp, X2):
        """``(N, n_in)`` -> ``(N, n_out)``, no checks; caches for :meth:`backward_2d`."""
        if self._use_sparse(xp):
            W = self._csr()
            self._cache = (X2, W)
            return np.asarray((W @ X2.T).T) + self.b
        W = self._weights(xp)
        self._cache = (X2, W)
        return xp.matmul(X2, xp.matrix_transpose(W)) + self.b

    def backward_2d(self, xp, dY2):
        """``(N, n_out)`` -> ``(N, n_in)``, no checks; fills ``grads``."""
        X2, W = self._cached()
        if self._use_sparse(xp):
            self.grads = {"values": _sampled_products(dY2, X2, self._positions, self.n_in),
                          "b": xp.sum(dY2, axis=0)}
            return np.asarray((W.T @ dY2.T).T)
        _, positions = self._indices(xp, device_of(dY2))
        G = xp.matmul(xp.matrix_transpose(dY2), X2)
        self.grads = {"values": xp.take(xp.reshape(G, (-1,)), positions), "b": xp.sum(dY2, axis=0)}
        return xp.matmul(dY2, W)

    # -- batched bilinear kernels (see :class:`~cdnotes.layers.Linear`) ------------
    def _weights_3d_dense(self, xp, weights):
        """``W`` of ``m`` value sets ``(m, nnz)`` -> ``(m, n_out, n_in)``, one gather."""
        values = self._weights_3d(weights)["values"]
        m = values.shape[0]
        gather, _ = self._indices(xp, device_of(values))
        padded = xp.concat([xp.zeros((m, 1), dtype=values.dtype, device=device_of(values)),
                            values], axis=1)
        return xp.reshape(xp.take(padded, gather, axis=1), (m, self.n_out, self.n_in))

    def apply_3d(self, xp, X3, weights=None):
        """``X3 @ W(weights)ᵀ``: ``(m_x, N, n_in)`` -> ``(m, N, n_out)`` (no bias)."""
        return xp.matmul(X3, xp.matrix_transpose(self._weights_3d_dense(xp, weights)))

    def apply_transpose_3d(self, xp, dY3, weights=None):
        """``dY3 @ W(weights)``: ``(m_y, N, n_out)`` -> ``(m, N, n_in)``."""
        return xp.matmul(dY3, self._weights_3d_dense(xp, weights))

    def weight_grads_3d(self, xp, X3, dY3):
        """``{"values": (dY3[k]ᵀ X3[k])[mask]}`` ``(m, nnz)``, one batched matmul."""
        _, positions = self._indices(xp, device_of(X3))
        G = xp.matmul(xp.matrix_transpose(dY3), X3)
        return {"values": xp.take(xp.reshape(G, (G.shape[0], -1)), positions, axis=1)}

    def weight_jacobian(self):
        """0/1 matrix ``(n_out·n_in, nnz)``: ``W.ravel()[positions[k]] = values[k]``."""
        J = np.zeros((self.n_out * self.n_in, self.nnz))
        J[self._positions, np.arange(self.nnz)] = 1.0
        return J

    def _repr_extra(self):
        return f"density={self.density:g}, nnz={self.nnz}, method={self.method!r}"


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
