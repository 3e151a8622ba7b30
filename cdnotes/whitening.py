"""Input whitening as scikit-learn transformers (NumPy arrays).

Every whitener here is an affine map ``x ↦ A (x − μ)`` whose matrix ``A``
(``matrix_``, shape ``(n_features, n_features)``) depends only on the data's
covariance, so each can be fitted to data (``fit``) or to a known population
covariance (``fit_covariance``) — the latter is how the book computes
*population* condition numbers exactly.

=====================  ==================================================================
``Standardizer``       per-feature: ``(x − μ) / σ``
``PCAWhitener``        ``Λ^{-1/2} Uᵀ (x − μ)`` (rotated to the principal axes)
``ZCAWhitener``        ``U Λ^{-1/2} Uᵀ (x − μ)`` (the whitening closest to the identity)
``SpectralWhitener``   per block ``j`` and frequency ``k``: scales ``FFT(x_j)(k)`` to unit
                       variance (the assumption of the paper's Theorem 2);
                       ``mode="block"`` also decorrelates the blocks at each frequency
=====================  ==================================================================

Dtypes: ``transform`` (and ``fit_transform``) keeps float32 input float32, as scikit-learn's
own scalers do: the map is fitted and applied in float64, and only its result is rounded to
float32. Any other input (float64, integers, float16) gives float64. Fitted attributes are
float64.

Directions of (numerically) zero variance — constant pixels of the digits, say —
are mapped to zero, never amplified: eigenvalues below ``rtol·λ_max`` count as zero.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .hessian.spectrum import frequency_moments
from .validation import (check_block_size, check_choice, check_host_vector, check_positive_int,
                         check_rtol, check_square_symmetric, sklearn_data)

__all__ = ["Standardizer", "PCAWhitener", "ZCAWhitener", "SpectralWhitener", "WHITENING_NAMES",
           "make_whitener"]

WHITENING_NAMES = ("none", "standardize", "spectral", "spectral-block", "pca", "zca")
"""Names for :func:`make_whitener`. ``spectral`` is the paper's per-frequency assumption;
``spectral-block`` also decorrelates blocks at each frequency (see :class:`SpectralWhitener`)."""


def _inverse_sqrt(values, rtol):
    """``1/sqrt(v)`` for ``v > rtol·max(v)``, else 0 (zero-variance directions stay zero)."""
    values = np.asarray(values, dtype=np.float64)
    top = values.max() if values.size else 0.0
    keep = values > max(rtol * top, 0.0) if top > 0 else np.zeros(values.shape, bool)
    out = np.zeros_like(values)
    out[keep] = 1.0 / np.sqrt(values[keep])
    return out


class _AffineWhitener(TransformerMixin, BaseEstimator):
    """Shared machinery: ``transform(X) = (X − mean_) @ matrix_.T``."""

    def fit(self, X, y=None):
        """Fit to data ``X`` ``(n_samples, n_features)``: mean and (biased) covariance.

        Data of huge or tiny magnitude (``max |X|`` above ``1e150`` or below ``1e-150``,
        where the covariance would overflow or underflow) are first divided by a power of
        two near ``max |X|``, which is exact; the fitted map is the same.
        """
        X = sklearn_data(self, X, dtype=np.float64)
        top = float(np.max(np.abs(X)))
        scale = 2.0 ** int(np.frexp(top)[1]) if top > 1e150 or 0 < top < 1e-150 else 1.0
        Xs = X / scale
        mean = Xs.mean(axis=0)
        centred = Xs - mean
        self._fit_moments(centred.T @ centred / X.shape[0], mean * scale, scale=scale)
        return self

    def fit_covariance(self, cov, mean=None):
        """Fit to a known covariance ``(n_features, n_features)`` (population whitening)."""
        cov = check_square_symmetric(cov, "cov", psd=True)
        n = cov.shape[0]
        if mean is None:
            mean = np.zeros(n)
        mean = check_host_vector(mean, "mean").reshape(np.shape(mean))
        if mean.shape != (n,) or not np.all(np.isfinite(mean)):
            raise ValueError(f"mean must be {n} finite numbers, shape ({n},); got shape "
                             f"{mean.shape}" + ("" if np.all(np.isfinite(mean)) else " with NaN/inf"))
        self.n_features_in_ = n
        self._fit_moments(cov, mean)
        return self

    def _fit_moments(self, cov, mean, scale=1.0):
        """Fit to covariance ``scale² · cov`` and ``mean``; ``scale`` a power of two."""
        check_rtol(self.rtol)
        self.mean_ = mean
        self.matrix_ = self._matrix(0.5 * (cov + cov.T)) / scale
        if hasattr(self, "eigenvalues_"):
            with np.errstate(over="ignore"):     # inf where the variance exceeds the floats
                self.eigenvalues_ = self.eigenvalues_ * np.float64(scale) ** 2
        return self

    def transform(self, X):
        """``(X − mean_) @ matrix_.T``, shape ``(n_samples, n_features)``.

        Computed in float64; float32 ``X`` gives float32 (rounded once, at the end), any
        other ``X`` float64.
        """
        check_is_fitted(self, "matrix_")
        X = sklearn_data(self, X, dtype=(np.float64, np.float32), reset=False)
        out = (X.astype(np.float64, copy=False) - self.mean_) @ self.matrix_.T
        return out.astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def transformed_covariance(self, cov):
        """Covariance after the transform, ``A cov Aᵀ``, for inputs of covariance ``cov``."""
        check_is_fitted(self, "matrix_")
        cov = check_square_symmetric(cov, "cov", psd=True)
        if cov.shape[0] != self.n_features_in_:
            raise ValueError(f"cov must be ({self.n_features_in_}, {self.n_features_in_}) like the "
                             f"fitted one; got {cov.shape}")
        return self.matrix_ @ cov @ self.matrix_.T


class Standardizer(_AffineWhitener):
    """Per-feature ``(x − μ)/σ``; features with ``σ ≤ rtol·max σ`` are set to zero.

    Parameters
    ----------
    rtol : float, default 1e-12
    """

    def __init__(self, rtol=1e-12):
        self.rtol = rtol

    def _matrix(self, cov):
        return np.diag(_inverse_sqrt(np.diag(cov), self.rtol ** 2))


class PCAWhitener(_AffineWhitener):
    """``Λ^{-1/2} Uᵀ (x − μ)``: output ``i`` is the ``i``-th principal component, unit variance.

    Components with eigenvalue ``≤ rtol·λ_max`` are output as zeros, so the
    output keeps ``n_features`` columns.

    Parameters
    ----------
    rtol : float in (0, 1), default 1e-10

    Attributes
    ----------
    mean_ : ``(n_features,)``; matrix_ : ``(n_features, n_features)``;
    eigenvalues_ : ``(n_features,)`` descending
    """

    def __init__(self, rtol=1e-10):
        self.rtol = rtol

    def _matrix(self, cov):
        lam, U = np.linalg.eigh(cov)
        order = np.argsort(lam)[::-1]
        lam, U = lam[order], U[:, order]
        self.eigenvalues_ = lam
        return _inverse_sqrt(lam, self.rtol)[:, None] * U.T


class ZCAWhitener(_AffineWhitener):
    """``U Λ^{-1/2} Uᵀ (x − μ)``: the symmetric whitening, closest to the identity map.

    Parameters
    ----------
    rtol : float in (0, 1), default 1e-10

    Attributes
    ----------
    mean_ : ``(n_features,)``; matrix_ : ``(n_features, n_features)``;
    eigenvalues_ : ``(n_features,)`` descending
    """

    def __init__(self, rtol=1e-10):
        self.rtol = rtol

    def _matrix(self, cov):
        lam, U = np.linalg.eigh(cov)
        self.eigenvalues_ = lam[::-1]
        return (U * _inverse_sqrt(lam, self.rtol)) @ U.T


class SpectralWhitener(_AffineWhitener):
    """Whitening in the block-Fourier domain of a CDLinear layer with block size ``B``.

    ``mode="diagonal"`` (the paper's Theorem 2 assumption): rescale every DFT
    coefficient ``FFT(x_j)(k)`` to unit variance, ``E|FFT(x_j)(k)|² = 1``. It does
    not remove correlation *between* blocks at the same frequency.

    ``mode="block"``: at each frequency ``k`` map the vector of coefficients
    ``(FFT(x_j)(k))_j`` by ``Q_k^{-1/2}``, ``Q_k = E[x̂(k) x̂(k)ᴴ]``, so blocks are also
    decorrelated: ``E[x̂(k) x̂(k)ᴴ] = I``. This is the least whitening under which the
    CDLinear population Hessian is a multiple of the identity.

    Parameters
    ----------
    block_size : int, default 1 (``B`` must divide ``n_features``; with ``B = 1``,
        ``"diagonal"`` is standardisation and ``"block"`` is ZCA)
    mode : {"diagonal", "block"}
    rtol : float, default 1e-10
    """

    def __init__(self, block_size=1, mode="diagonal", rtol=1e-10):
        self.block_size = block_size
        self.mode = mode
        self.rtol = rtol

    def _matrix(self, cov):
        n = cov.shape[0]
        _, _, B = check_block_size(n, n, self.block_size)
        check_choice(self.mode, "mode", ("diagonal", "block"))
        Ki, F = n // B, B // 2 + 1
        # Q_k = E[x̂(k) x̂(k)ᴴ] = conj(M_k) with M_k from the Hessian module.
        Q = np.conj(frequency_moments(cov, B))[:F]                                  # (F, Ki, Ki)
        if self.mode == "diagonal":
            scale = _inverse_sqrt(np.real(np.einsum("fjj->fj", Q)), self.rtol)        # (F, Ki)
            ops = scale[:, :, None] * np.eye(Ki)[None]
        else:
            lam, V = np.linalg.eigh(Q)
            inv = _inverse_sqrt(lam.ravel(), self.rtol).reshape(lam.shape)
            ops = (V * inv[:, None, :]) @ np.conj(np.swapaxes(V, 1, 2))             # (F, Ki, Ki)
        # The map x ↦ irfft(ops[f] @ rfft(x)[f]) applied to the identity gives Aᵀ.
        basis = np.fft.rfft(np.eye(n).reshape(n, Ki, B), axis=-1)                     # (n, Ki, F)
        mapped = np.einsum("fjl,nlf->njf", ops, basis)
        return np.fft.irfft(mapped, n=B, axis=-1).reshape(n, n).T


def make_whitener(name: str, block_size: int = 1):
    """A fresh, unfitted whitener by name; ``"none"`` gives ``None``.

    Parameters
    ----------
    name : one of :data:`WHITENING_NAMES`
    block_size : int, default 1
        Used by the spectral whiteners only.

    Returns
    -------
    an unfitted whitener, or None
    """
    check_choice(name, "whitening", WHITENING_NAMES)
    block_size = check_positive_int(block_size, "block_size")
    makers = {"none": lambda: None, "standardize": Standardizer,
              "spectral": lambda: SpectralWhitener(block_size),
              "spectral-block": lambda: SpectralWhitener(block_size, mode="block"),
              "pca": PCAWhitener, "zca": ZCAWhitener}
    return makers[name]()
