"""Condition numbers, and the conditioning of one layer's Hessian under whitening (Theorem 2).

* :func:`condition_number` / :class:`Conditioning` — κ of a PSD spectrum, with exact and
  numerical zeros counted (``n_zero``) rather than hidden in ``κ = ∞``.

The Hessian of ``½ Σ‖y − t‖²`` depends on the inputs only through their second
moment, so Theorem 2's experiments are functions of a covariance ``cov``
(``(n_in, n_in)``) or of samples drawn from ``N(0, cov)``:

* :func:`population_conditioning` — exact κ of the population Hessian
  (``N·E[x xᵀ]``) after a whitening, for a CDLinear and a dense layer;
* :func:`sample_conditioning` — κ of the empirical Hessian on ``N`` samples;
* :func:`marchenko_pastur_kappa` — the random-matrix prediction
  ``((1 + √γ)/(1 − √γ))²`` for white inputs, with aspect ``γ = Ki/N`` for CDLinear
  (each frequency's ``Ki × Ki`` moment matrix is a Wishart matrix of ``N`` samples)
  and ``γ = n_in/N`` for a dense layer;
* :func:`ar1_covariance`, :func:`draw_samples` — the correlated inputs used throughout.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backend import to_numpy
from .hessian import (cdlinear_spectrum, cdlinear_spectrum_from_moment, dense_spectrum,
                      dense_spectrum_from_moment)
from .validation import (check_choice, check_host_vector, check_positive_int, check_real,
                         check_rtol, check_seed, check_square_symmetric)
from .whitening import WHITENING_NAMES, make_whitener

__all__ = ["Conditioning", "condition_number", "WHITENING_NAMES", "ar1_covariance",
           "draw_samples", "population_conditioning", "sample_conditioning",
           "marchenko_pastur_kappa"]


@dataclass(frozen=True)
class Conditioning:
    """Condition number of a positive semi-definite spectrum, with its null space counted.

    ``kappa`` is ``λ_max / λ_min`` over all eigenvalues and is ``inf`` as soon as one is
    (numerically) zero; ``kappa_nonzero`` is ``λ_max`` over the smallest eigenvalue
    above ``zero_threshold`` — the conditioning on the complement of the null space.

    Attributes
    ----------
    kappa, kappa_nonzero : float
    n_zero : int
        Eigenvalues with ``|λ| <= zero_threshold``.
    n : int
        All eigenvalues.
    lambda_max, lambda_min_nonzero, zero_threshold : float
    """

    kappa: float
    kappa_nonzero: float
    n_zero: int
    n: int
    lambda_max: float
    lambda_min_nonzero: float
    zero_threshold: float

    def __str__(self):
        null = f", {self.n_zero} of {self.n} eigenvalues zero" if self.n_zero else ""
        return f"κ = {self.kappa:.4g} (nonzero part {self.kappa_nonzero:.4g}{null})"


def condition_number(eigenvalues, *, rtol: float | None = None) -> Conditioning:
    """Condition number of a PSD spectrum, handling exact and numerical zeros explicitly.

    Parameters
    ----------
    eigenvalues : array ``(P,)``, any backend
    rtol : float in (0, 1), optional
        Eigenvalues with ``|λ| <= rtol·λ_max`` count as zero. Default
        ``P · eps(float64)``, as ``numpy.linalg.matrix_rank`` does.

    Returns
    -------
    Conditioning

    Raises
    ------
    ValueError
        If the spectrum is empty, complex, not finite, all zero, has an eigenvalue below
        ``−rtol·λ_max`` (not positive semi-definite), or ``rtol`` is outside (0, 1).
    """
    if eigenvalues is None or isinstance(eigenvalues, (str, bytes)):
        raise TypeError(f"eigenvalues must be a 1-d array of real numbers; got "
                        f"{type(eigenvalues).__name__}")
    raw = np.asarray(to_numpy(eigenvalues) if hasattr(eigenvalues, "__array_namespace__")
                     else eigenvalues)
    if raw.dtype.kind not in "iufc":
        raise TypeError(f"eigenvalues must be a 1-d array of real numbers; got dtype {raw.dtype}")
    if raw.ndim != 1:
        raise ValueError(f"eigenvalues must be a 1-d array (a spectrum); got shape {raw.shape}. "
                         "For a matrix H pass its eigenvalues, np.linalg.eigvalsh(H)")
    if np.iscomplexobj(raw):
        if raw.size and np.max(np.abs(raw.imag)) > 1e-12 * max(np.max(np.abs(raw.real)), 1e-300):
            raise ValueError("eigenvalues are complex (largest imaginary part "
                             f"{np.max(np.abs(raw.imag)):.3g}); a condition number of a "
                             "symmetric matrix needs real eigenvalues (use eigvalsh)")
        raw = raw.real
    ev = np.asarray(raw, dtype=np.float64).ravel()
    if ev.size == 0 or not np.all(np.isfinite(ev)):
        raise ValueError("eigenvalues must be a non-empty array of finite numbers")
    lam_max = float(ev.max())
    if lam_max <= 0:
        raise ValueError("all eigenvalues are <= 0: the condition number is undefined")
    rtol = ev.size * np.finfo(np.float64).eps if rtol is None else check_rtol(rtol)
    threshold = rtol * lam_max
    if ev.min() < -threshold:
        raise ValueError(f"eigenvalue {ev.min():.3g} < -{threshold:.3g}: the matrix is not "
                         "positive semi-definite")
    nonzero = ev[ev > threshold]
    n_zero = int(ev.size - nonzero.size)
    lam_min = float(nonzero.min())
    return Conditioning(kappa=float("inf") if n_zero else lam_max / lam_min,
                        kappa_nonzero=lam_max / lam_min, n_zero=n_zero, n=int(ev.size),
                        lambda_max=lam_max, lambda_min_nonzero=lam_min,
                        zero_threshold=float(threshold))


def ar1_covariance(n: int, rho: float, scales=None) -> np.ndarray:
    """``Σ[a, b] = s_a s_b ρ^{|a−b|}``: neighbouring inputs correlated, like pixels along a row.

    Parameters
    ----------
    n : int >= 1
    rho : float in (-1, 1)
    scales : array ``(n,)`` of positive standard deviations, optional (default ones)

    Returns
    -------
    numpy array ``(n, n)``, symmetric positive definite
    """
    n = check_positive_int(n, "n")
    rho = check_real(rho, "rho", low=-1.0, high=1.0, low_open=True, high_open=True)
    i = np.arange(n)
    s = np.ones(n) if scales is None else check_host_vector(scales, "scales").reshape(
        np.shape(scales))
    if s.shape != (n,) or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ValueError(f"scales must be {n} finite positive standard deviations, shape ({n},); "
                         f"got shape {s.shape} with values {s[:5]}...")
    return rho ** np.abs(i[:, None] - i[None, :]) * np.outer(s, s)


def population_conditioning(cov, whitening: str, n_out: int, block_size: int) -> dict:
    """Exact κ of the population Hessians after whitening (fitted to ``cov`` itself).

    Parameters
    ----------
    cov : array ``(n_in, n_in)``, symmetric positive semi-definite
    whitening : one of :data:`cdnotes.whitening.WHITENING_NAMES`
    n_out, block_size : int

    Returns
    -------
    dict ``{"cd": Conditioning, "dense": Conditioning}``
    """
    cov = check_square_symmetric(cov, "cov", psd=True)
    w = make_whitener(whitening, block_size)
    S = cov if w is None else w.fit_covariance(cov).transformed_covariance(cov)
    return {"cd": condition_number(cdlinear_spectrum_from_moment(S, n_out, block_size)),
            "dense": condition_number(dense_spectrum_from_moment(S, n_out))}


def sample_conditioning(cov, whitening: str, n_out: int, block_size: int, n_samples: int,
                        seed, *, fit_on: str = "population", return_spectra: bool = False):
    """κ of the empirical Hessians on ``n_samples`` draws from ``N(0, cov)``.

    Parameters
    ----------
    cov : array ``(n_in, n_in)``, symmetric positive semi-definite
    whitening : str
        One of :data:`cdnotes.whitening.WHITENING_NAMES` (``"none"``: no whitening).
    n_out : int
    block_size : int
        ``B`` of the CDLinear layer, dividing ``n_in`` and ``n_out``.
    n_samples : int >= 1
    seed : int or None
        Seed of the draws (:func:`draw_samples`).
    fit_on : {"population", "sample"}
        Fit the whitener to the population covariance (a whitening known in advance,
        as Theorem 2 assumes) or to the sample itself (as one does in practice).
    return_spectra : bool
        Also return the eigenvalues (``"cd_spectrum"``, ``"dense_spectrum"``).

    Returns
    -------
    dict with ``"cd"`` and ``"dense"`` :class:`Conditioning` (and spectra if asked).
    """
    check_choice(fit_on, "fit_on", ("population", "sample"))
    cov = check_square_symmetric(cov, "cov", psd=True)
    check_seed(seed)
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
    """``n_samples`` draws of ``N(0, cov)`` from ``numpy.random.default_rng(seed)``.

    Uses the symmetric square root of ``cov`` (eigen-decomposition), so singular
    covariances work too.

    Parameters
    ----------
    cov : array ``(n, n)``, symmetric positive semi-definite
    n_samples : int >= 1
    seed : int or None

    Returns
    -------
    numpy array ``(n_samples, n)``
    """
    cov = check_square_symmetric(cov, "cov", psd=True)
    n_samples = check_positive_int(n_samples, "n_samples")
    check_seed(seed)
    lam, U = np.linalg.eigh(cov)
    root = (U * np.sqrt(np.clip(lam, 0, None))) @ U.T
    return np.random.default_rng(seed).standard_normal((n_samples, cov.shape[0])) @ root.T


def marchenko_pastur_kappa(aspect):
    """``((1 + √γ)/(1 − √γ))²``: edge ratio of the Marchenko–Pastur law (``inf`` for ``γ ≥ 1``).

    Parameters
    ----------
    aspect : float or array of floats ``γ = dimension / samples``, each ``>= 0`` and finite (0: infinitely many samples)

    Returns
    -------
    float array of the shape of ``aspect``
    """
    raw = np.asarray(aspect)
    if raw.dtype.kind not in "iuf":
        raise TypeError(f"aspect (γ = dimension / samples) must be a real number or an array of "
                        f"them; got {aspect!r}")
    g = raw.astype(np.float64)
    if g.size == 0 or not np.all(np.isfinite(g)) or np.any(g < 0):
        raise ValueError(f"aspect (γ = dimension / samples) must be finite and >= 0; got {aspect!r}")
    with np.errstate(divide="ignore"):
        return np.where(g < 1, ((1 + np.sqrt(g)) / (1 - np.sqrt(np.minimum(g, 1))) ) ** 2, np.inf)
