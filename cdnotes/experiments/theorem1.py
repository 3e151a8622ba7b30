"""Chapter 3: Theorem 1's eigenvalues against the exact Hessian spectrum.

* :func:`frequency_basis` — one input block of the explicit Hessian in the block-DFT
  basis, grouped by frequency (block-diagonal with the ``M_k``);
* :func:`uncorrelated_block_inputs` — inputs whose blocks are exactly uncorrelated, where
  Theorem 1's statement is exact;
* :func:`theorem1_kappa_cases` — random layers and inputs: Theorem 1's condition number
  against the true one; :func:`summarize_kappa_cases` — the ratios in a few numbers;
* :func:`spectrum_timings` — the explicit route (Hessian + ``eigvalsh``) against the
  closed form, timed over several sizes.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import numpy as np

from ..benchmarking import best_time
from ..conditioning import ar1_covariance, condition_number, draw_samples
from ..hessian import cdlinear_hessian, cdlinear_spectrum, theorem1_eigenvalues
from ..validation import (check_block_size, check_int, check_positive_int, check_real,
                          check_square_symmetric)
from ._seeding import check_seed, child_seeds

__all__ = ["frequency_basis", "uncorrelated_block_inputs", "Theorem1Case",
           "theorem1_kappa_cases", "KappaRatioSummary", "summarize_kappa_cases",
           "SpectrumTiming", "spectrum_timings"]


def frequency_basis(H_in, block_size: int):
    """``H_in`` in the block-DFT basis, rows and columns grouped by frequency.

    Parameters
    ----------
    H_in : array ``(n_in, n_in)``
        One output block's Hessian (``H = I_Ko ⊗ H_in``), symmetric.
    block_size : int
        ``B``, dividing ``n_in``; ``Ki = n_in / B``.

    Returns
    -------
    H_hat : complex numpy array ``(n_in, n_in)``
        ``T H_in Tᴴ`` with ``T = I_Ki ⊗ F`` (``F[k, l] = ω^{kl}/√B`` the unitary DFT),
        reordered so that index ``k·Ki + j`` is frequency ``k`` of block ``j``: diagonal
        block ``k`` is ``M_k = Σ_n conj(x̂_n(k)) x̂_n(k)ᵀ`` (``x̂ = FFT`` of each input
        block), and everything else is zero.
    outside : float
        Largest ``|H_hat|`` outside the ``B`` diagonal ``Ki × Ki`` blocks, relative to
        the largest ``|H_hat|`` (zero up to rounding).
    """
    H_in = check_square_symmetric(H_in, "H_in")
    n_in, _, B = check_block_size(H_in.shape[0], H_in.shape[0], block_size)
    Ki = n_in // B
    T = np.kron(np.eye(Ki), np.fft.fft(np.eye(B)) / np.sqrt(B))       # DFT of every block
    order = np.argsort(np.tile(np.arange(B), Ki), kind="stable")         # group by frequency
    H_hat = (T @ H_in @ T.conj().T)[np.ix_(order, order)]
    inside = np.kron(np.eye(B, dtype=bool), np.ones((Ki, Ki), dtype=bool))
    return H_hat, float(np.abs(H_hat[~inside]).max(initial=0.0) / np.abs(H_hat).max())


def uncorrelated_block_inputs(n_samples: int, n_blocks: int, block_size: int, *, seed: int):
    """Inputs ``(n_samples, n_blocks·B)`` whose blocks are exactly uncorrelated.

    Sample ``n`` is ``N(0, 1)`` noise in block ``n mod n_blocks`` and zero elsewhere, so
    every cross-block sum ``Σ_n X_{n,j}[l] X_{n,j'}[l']`` (``j ≠ j'``) is exactly zero.
    Drawn from ``numpy.random.default_rng(seed)``.

    Parameters
    ----------
    n_samples : int >= 1
        ``N``.
    n_blocks : int >= 1
        ``Ki``.
    block_size : int >= 1
        ``B``.
    seed : None, int >= 0, SeedSequence, BitGenerator or Generator
        Keyword-only (:func:`~cdnotes.validation.check_seed`).

    Returns
    -------
    numpy array ``(n_samples, n_blocks·block_size)``, float64
    """
    N = check_positive_int(n_samples, "n_samples")
    Ki = check_positive_int(n_blocks, "n_blocks")
    B = check_positive_int(block_size, "block_size")
    noise = np.random.default_rng(check_seed(seed)).standard_normal((N, Ki, B))
    mask = np.arange(N)[:, None] % Ki == np.arange(Ki)[None, :]
    return (noise * mask[:, :, None]).reshape(N, Ki * B)


@dataclass(frozen=True)
class Theorem1Case:
    """One random layer: the true condition number of its Hessian and Theorem 1's.

    Attributes
    ----------
    block_size, n_in_blocks, n_out_blocks : int
        ``B``, ``Ki``, ``Ko`` (``n_in = Ki·B``, ``n_out = Ko·B``).
    n_samples : int
        ``N``.
    rho : float
        Inputs ``N(0, Σ)``, ``Σ[a, b] = ρ^|a−b|``.
    input_seed : int
        ``draw_samples(ar1_covariance(n_in, rho), n_samples, input_seed)`` are the inputs.
    kappa_true, kappa_theorem1 : float
        ``kappa_nonzero`` of the exact spectrum and of Theorem 1's values.
    n_zero : int
        Zero eigenvalues of the exact spectrum.
    """

    block_size: int
    n_in_blocks: int
    n_out_blocks: int
    n_samples: int
    rho: float
    input_seed: int
    kappa_true: float
    kappa_theorem1: float
    n_zero: int

    @property
    def n_in(self) -> int:
        return self.n_in_blocks * self.block_size

    @property
    def n_out(self) -> int:
        return self.n_out_blocks * self.block_size

    @property
    def ratio(self) -> float:
        """``kappa_theorem1 / kappa_true`` (Schur–Horn: never above 1)."""
        return self.kappa_theorem1 / self.kappa_true


def _int_range(value, name):
    low, high = (check_int(v, name, minimum=1) for v in value)
    if low > high:
        raise ValueError(f"{name} must be a range (low, high) with low <= high; got {value!r}")
    return low, high


def theorem1_kappa_cases(n_cases: int = 400, *, block_sizes=(2, 16), in_blocks=(1, 8),
                         out_blocks=(1, 2), n_samples=(10, 500), rho=(0.0, 0.95),
                         seed: int = 0) -> list[Theorem1Case]:
    """Random layers and inputs: Theorem 1's condition number against the exact one.

    Parameters
    ----------
    n_cases : int
        How many random cases.
    block_sizes, in_blocks, out_blocks, n_samples : ``(low, high)`` pairs of int
        Inclusive ranges, drawn uniformly: ``B``, ``Ki``, ``Ko`` and ``N``.
    rho : ``(low, high)`` pair of float in ``[0, 1)``
        Range of the input correlation ``ρ`` (uniform).
    seed : int
        Seeds ``numpy.random.default_rng``, which draws every case's sizes, ``ρ`` and the
        seed of its inputs.

    Returns
    -------
    list of :class:`Theorem1Case` (``n_cases``). The exact spectrum is
    :func:`cdnotes.hessian.cdlinear_spectrum`, Theorem 1's is
    :func:`cdnotes.hessian.theorem1_eigenvalues`.
    """
    n_cases = check_positive_int(n_cases, "n_cases")
    B_lo, B_hi = _int_range(block_sizes, "block_sizes")
    Ki_lo, Ki_hi = _int_range(in_blocks, "in_blocks")
    Ko_lo, Ko_hi = _int_range(out_blocks, "out_blocks")
    N_lo, N_hi = _int_range(n_samples, "n_samples")
    rho_lo, rho_hi = (check_real(r, "rho", low=0.0, high=1.0, high_open=True) for r in rho)
    if rho_lo > rho_hi:
        raise ValueError(f"rho must be a range (low, high) with low <= high; got {rho!r}")
    rng = np.random.default_rng(check_seed(seed))
    cases = []
    for _ in range(n_cases):
        B, Ki, Ko = (int(rng.integers(lo, hi + 1))
                     for lo, hi in ((B_lo, B_hi), (Ki_lo, Ki_hi), (Ko_lo, Ko_hi)))
        N, r = int(rng.integers(N_lo, N_hi + 1)), float(rng.uniform(rho_lo, rho_hi))
        input_seed = int(rng.integers(2**32))
        X = draw_samples(ar1_covariance(Ki * B, r), N, input_seed)
        exact = condition_number(cdlinear_spectrum(X, Ko * B, B))
        stated = condition_number(theorem1_eigenvalues(X, Ko * B, B))
        cases.append(Theorem1Case(B, Ki, Ko, N, r, input_seed, exact.kappa_nonzero,
                                  stated.kappa_nonzero, exact.n_zero))
    return cases


@dataclass(frozen=True)
class KappaRatioSummary:
    """``κ(Theorem 1) / κ(true)`` over random cases, in a few numbers.

    Attributes
    ----------
    n_single_block, n_multi_block : int
        Cases with ``Ki = 1`` and with ``Ki > 1``.
    single_block_max_deviation : float
        ``max |ratio − 1|`` over the cases with ``Ki = 1`` (0 if there are none).
    ratio_min, ratio_median, ratio_max : float
        Over the cases with ``Ki > 1``.
    median_low_rho, median_high_rho : float
        Median ratio of the ``Ki > 1`` cases with ``ρ < low_rho`` and ``ρ > high_rho``
        (NaN if there are none).
    low_rho, high_rho : float
        The thresholds.
    """

    n_single_block: int
    n_multi_block: int
    single_block_max_deviation: float
    ratio_min: float
    ratio_median: float
    ratio_max: float
    median_low_rho: float
    median_high_rho: float
    low_rho: float
    high_rho: float


def summarize_kappa_cases(cases, *, low_rho: float = 0.3,
                          high_rho: float = 0.8) -> KappaRatioSummary:
    """Summarise :func:`theorem1_kappa_cases`: the ratios by input blocks and correlation.

    Parameters
    ----------
    cases : sequence of :class:`Theorem1Case`
        At least one case with ``Ki > 1``.
    low_rho, high_rho : float in [0, 1)
        Thresholds of "weakly" (``ρ < low_rho``) and "strongly" (``ρ > high_rho``)
        correlated inputs.

    Returns
    -------
    :class:`KappaRatioSummary`
    """
    low_rho = check_real(low_rho, "low_rho", low=0.0, high=1.0, high_open=True)
    high_rho = check_real(high_rho, "high_rho", low=0.0, high=1.0, high_open=True)
    cases = list(cases)
    ratio = np.array([c.ratio for c in cases], dtype=np.float64)
    rho = np.array([c.rho for c in cases], dtype=np.float64)
    multi = np.array([c.n_in_blocks > 1 for c in cases], dtype=bool)
    if not multi.any():
        raise ValueError("summarize_kappa_cases needs at least one case with Ki > 1")

    def median(mask):
        return float(np.median(ratio[mask])) if mask.any() else float("nan")

    return KappaRatioSummary(
        n_single_block=int((~multi).sum()), n_multi_block=int(multi.sum()),
        single_block_max_deviation=float(np.abs(ratio[~multi] - 1).max(initial=0.0)),
        ratio_min=float(ratio[multi].min()), ratio_median=median(multi),
        ratio_max=float(ratio[multi].max()),
        median_low_rho=median(multi & (rho < low_rho)),
        median_high_rho=median(multi & (rho > high_rho)),
        low_rho=low_rho, high_rho=high_rho)


@dataclass(frozen=True)
class SpectrumTiming:
    """Seconds to the full Hessian spectrum of one layer, explicitly and in closed form.

    Attributes
    ----------
    n_in, n_out, block_size, n_samples : int
        The layer and the batch ``X`` ``(n_samples, n_in)``.
    seconds_explicit : float
        Best of the repeats of ``eigvalsh(cdlinear_hessian(X, n_out, B))``.
    seconds_closed : float
        Best of the repeats of ``cdlinear_spectrum(X, n_out, B)``.
    max_relative_error : float
        ``max |closed − explicit| / max(explicit)`` over the ``P`` eigenvalues.
    input_seed : int
        ``X = default_rng(input_seed).standard_normal((n_samples, n_in))``.
    """

    n_in: int
    n_out: int
    block_size: int
    n_samples: int
    seconds_explicit: float
    seconds_closed: float
    max_relative_error: float
    input_seed: int

    @property
    def n_params(self) -> int:
        """``P = n_in·n_out/B``, the Hessian's size."""
        return self.n_in * self.n_out // self.block_size

    @property
    def speedup(self) -> float:
        return self.seconds_explicit / self.seconds_closed


def spectrum_timings(widths, *, block_size: int = 8, n_samples: int = 500,
                     repeats: int = 3, threads: int | None = 1,
                     seed: int = 0) -> list[SpectrumTiming]:
    """Time both routes to the Hessian spectrum of square layers ``width → width``.

    Parameters
    ----------
    widths : iterable of int
        ``n_in = n_out``, each a multiple of ``block_size`` (``P = width²/B``).
    block_size : int
        ``B``.
    n_samples : int
        ``N``, rows of the Gaussian batch.
    repeats : int
        Each route is run this many times; the fastest run counts.
    threads : int or None
        BLAS threads while timing (``threadpoolctl``); one thread by default, which
        times the algorithms rather than the machine's load (on a shared machine
        multi-threaded BLAS timings vary several-fold). ``None`` leaves BLAS as it is.
    seed : int
        Base seed; width ``k`` draws its batch from child seed ``k`` of
        ``numpy.random.SeedSequence(seed)``.

    Returns
    -------
    list of :class:`SpectrumTiming`, one per width. Wall-clock timings: they depend on
    the machine and its load.
    """
    widths = [check_block_size(w, w, block_size)[0] for w in widths]
    B = check_positive_int(block_size, "block_size")
    N = check_positive_int(n_samples, "n_samples")
    repeats = check_positive_int(repeats, "repeats")
    threads = None if threads is None else check_positive_int(threads, "threads")
    seeds = child_seeds(check_seed(seed), len(widths))
    out = []
    with contextlib.ExitStack() as stack:
        if threads is not None:
            from threadpoolctl import threadpool_limits    # a scikit-learn dependency

            stack.enter_context(threadpool_limits(limits=threads))
        for w, s in zip(widths, seeds):
            X = np.random.default_rng(s).standard_normal((N, w))
            t_explicit, explicit = best_time(
                lambda: np.linalg.eigvalsh(cdlinear_hessian(X, w, B)), repeats)
            t_closed, closed = best_time(lambda: cdlinear_spectrum(X, w, B), repeats)
            error = float(np.abs(closed - explicit).max() / explicit.max())
            out.append(SpectrumTiming(w, w, B, N, t_explicit, t_closed, error, s))
    return out
