"""Theorem 2, computed: population and finite-sample Hessian condition numbers.

The Hessian of ``½ Σ‖y − t‖²`` depends on the inputs only through their second
moment, so everything here is a function of a covariance ``cov`` (``(n_in, n_in)``)
or of samples drawn from ``N(0, cov)``:

* :func:`population_conditioning` — exact κ of the population Hessian
  (``N·E[x xᵀ]``) after a whitening, for a CDLinear and a dense layer;
* :func:`sample_conditioning` — κ of the empirical Hessian on ``N`` samples;
* :func:`marchenko_pastur_kappa` — the random-matrix prediction
  ``((1 + √γ)/(1 − √γ))²`` for white inputs, with aspect ``γ = Ki/N`` for CDLinear
  (each frequency's ``Ki × Ki`` moment matrix is a Wishart matrix of ``N`` samples)
  and ``γ = n_in/N`` for a dense layer;
* :func:`fit_power_law` — least-squares fit of ``y = a·x^b`` on log scales.
"""
from __future__ import annotations

import math

import numpy as np

from .hessian import (Conditioning, cdlinear_spectrum, cdlinear_spectrum_from_moment,
                      condition_number, dense_spectrum, dense_spectrum_from_moment)

__all__ = ["WHITENING_NAMES", "ar1_covariance", "draw_samples", "make_whitener",
           "population_conditioning", "sample_conditioning", "marchenko_pastur_kappa",
           "fit_power_law"]

WHITENING_NAMES = ("none", "standardize", "spectral", "spectral-block", "pca", "zca")
"""``spectral`` is the paper's per-frequency assumption; ``spectral-block`` also
decorrelates blocks at each frequency (see :class:`cdnotes.whitening.SpectralWhitener`)."""


def ar1_covariance(n: int, rho: float, scales=None) -> np.ndarray:
    """``Σ[a, b] = s_a s_b ρ^{|a−b|}``: neighbouring inputs correlated, like pixels along a row.

    ``scales`` (length ``n``, default ones) gives each input its own standard deviation.
    """
    if not -1 < rho < 1:
        raise ValueError(f"rho must be in (-1, 1); got {rho}")
    i = np.arange(n)
    s = np.ones(n) if scales is None else np.asarray(scales, dtype=np.float64)
    return rho ** np.abs(i[:, None] - i[None, :]) * np.outer(s, s)


def make_whitener(name: str, block_size: int):
    """A fresh whitener by name (one of :data:`WHITENING_NAMES`; ``"none"`` gives ``None``)."""
    from .whitening import PCAWhitener, SpectralWhitener, Standardizer, ZCAWhitener

    makers = {"none": lambda: None, "standardize": Standardizer,
              "spectral": lambda: SpectralWhitener(block_size),
              "spectral-block": lambda: SpectralWhitener(block_size, mode="block"),
              "pca": PCAWhitener, "zca": ZCAWhitener}
    if name not in makers:
        raise ValueError(f"whitening must be one of {', '.join(WHITENING_NAMES)}; got {name!r}")
    return makers[name]()


def population_conditioning(cov, whitening: str, n_out: int, block_size: int) -> dict:
    """Exact κ of the population Hessians after whitening (fitted to ``cov`` itself).

    Returns ``{"cd": Conditioning, "dense": Conditioning}``.
    """
    cov = np.asarray(cov, dtype=np.float64)
    w = make_whitener(whitening, block_size)
    S = cov if w is None else w.fit_covariance(cov).transformed_covariance(cov)
    return {"cd": condition_number(cdlinear_spectrum_from_moment(S, n_out, block_size)),
            "dense": condition_number(dense_spectrum_from_moment(S, n_out))}


def sample_conditioning(cov, whitening: str, n_out: int, block_size: int, n_samples: int,
                        seed, *, fit_on: str = "population", return_spectra: bool = False):
    """κ of the empirical Hessians on ``n_samples`` draws from ``N(0, cov)``.

    Parameters
    ----------
    fit_on : {"population", "sample"}
        Fit the whitener to the population covariance (a whitening known in advance,
        as Theorem 2 assumes) or to the sample itself (as one does in practice).
    return_spectra : bool
        Also return the eigenvalues (``"cd_spectrum"``, ``"dense_spectrum"``).

    Returns
    -------
    dict with ``"cd"`` and ``"dense"`` :class:`Conditioning` (and spectra if asked).
    """
    if fit_on not in ("population", "sample"):
        raise ValueError(f"fit_on must be 'population' or 'sample'; got {fit_on!r}")
    cov = np.asarray(cov, dtype=np.float64)
    X = draw_samples(cov, n_samples, seed)
    w = make_whitener(whitening, block_size)
    if w is not None:
        X = (w.fit(X) if fit_on == "sample" else w.fit_covariance(cov)).transform(X)
    cd, dense = cdlinear_spectrum(X, n_out, block_size), dense_spectrum(X, n_out)
    out = {"cd": condition_number(cd), "dense": condition_number(dense)}
    if return_spectra:
        out.update(cd_spectrum=cd, dense_spectrum=dense)
    return out


def draw_samples(cov, n_samples: int, seed) -> np.ndarray:
    """``n_samples`` draws of ``N(0, cov)``, shape ``(n_samples, n)``, from ``default_rng(seed)``.

    Uses the symmetric square root of ``cov`` (eigen-decomposition), so singular
    covariances work too.
    """
    cov = np.asarray(cov, dtype=np.float64)
    lam, U = np.linalg.eigh(cov)
    root = (U * np.sqrt(np.clip(lam, 0, None))) @ U.T
    return np.random.default_rng(seed).standard_normal((n_samples, cov.shape[0])) @ root.T


def marchenko_pastur_kappa(aspect):
    """``((1 + √γ)/(1 − √γ))²``: edge ratio of the Marchenko–Pastur law (``inf`` for ``γ ≥ 1``)."""
    g = np.asarray(aspect, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(g < 1, ((1 + np.sqrt(g)) / (1 - np.sqrt(np.minimum(g, 1))) ) ** 2, np.inf)


def fit_power_law(x, y):
    """Least-squares fit of ``log y = log a + b log x``; returns ``(a, b)``."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.size < 2 or np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("fit_power_law needs at least two points with x > 0 and y > 0")
    b, log_a = np.polyfit(np.log(x), np.log(y), 1)
    return math.exp(log_a), float(b)
