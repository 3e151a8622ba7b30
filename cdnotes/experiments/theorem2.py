"""Chapter 4: Theorem 2's condition numbers, at the population and on finite samples.

* :func:`population_cases` — exact population κ of a CDLinear and a dense layer, for
  several input covariances and whitenings;
* :func:`finite_sample_cases` — empirical κ on ``N`` white Gaussian samples, over
  layer shapes, sample sizes and seeds;
* :func:`fit_kappa_exponents` — ``log(κ − 1) = c + p log n_in + q log B + r log N``
  fitted to those measurements and to the Marchenko–Pastur prediction at the same sizes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..conditioning import (Conditioning, marchenko_pastur_kappa, population_conditioning,
                            sample_conditioning)
from ..stats import mean_ci
from ..validation import (check_block_size, check_choice, check_int, check_positive_int,
                          check_square_symmetric)
from ..whitening import WHITENING_NAMES
from ._seeding import check_seed

__all__ = ["PopulationCase", "population_cases", "FiniteSampleCase", "finite_sample_cases",
           "KappaExponents", "fit_kappa_exponents"]


@dataclass(frozen=True)
class PopulationCase:
    """Population condition numbers of one input distribution after one whitening.

    Attributes
    ----------
    inputs : str
        Name of the input distribution (a key of ``populations``).
    whitening : str
        One of :data:`cdnotes.whitening.WHITENING_NAMES`.
    n_in, n_out, block_size : int
        The layers: CDLinear ``n_in → n_out`` with block size ``B``, and dense.
    cd, dense : :class:`cdnotes.conditioning.Conditioning`
        κ of the CDLinear and of the dense layer's population Hessian.
    """

    inputs: str
    whitening: str
    n_in: int
    n_out: int
    block_size: int
    cd: Conditioning
    dense: Conditioning


def population_cases(populations, *, n_out: int, block_size: int,
                     whitenings=WHITENING_NAMES) -> list[PopulationCase]:
    """Exact population κ for every (input distribution, whitening) pair.

    Parameters
    ----------
    populations : mapping ``name -> cov``
        Each ``cov`` ``(n_in, n_in)`` a covariance (symmetric, positive semi-definite);
        the whitening is fitted to it, and the Hessians are ``I ⊗ (N·cov_whitened)``.
    n_out, block_size : int
        Output width and ``B`` (dividing ``n_in`` and ``n_out``).
    whitenings : iterable of str
        Names from :data:`cdnotes.whitening.WHITENING_NAMES`.

    Returns
    -------
    list of :class:`PopulationCase`, ordered by distribution, then whitening.
    """
    whitenings = [check_choice(w, "whitening", WHITENING_NAMES) for w in whitenings]
    out = []
    for name, cov in dict(populations).items():
        cov = check_square_symmetric(cov, f"populations[{name!r}]", psd=True)
        n_in, n_out_, B = check_block_size(cov.shape[0], n_out, block_size)
        for w in whitenings:
            k = population_conditioning(cov, w, n_out_, B)
            out.append(PopulationCase(str(name), w, n_in, n_out_, B, k["cd"], k["dense"]))
    return out


@dataclass(frozen=True)
class FiniteSampleCase:
    """Empirical κ of both layers' Hessians on ``N`` white Gaussian samples, per seed.

    Attributes
    ----------
    n_in, block_size, n_samples : int
        Layers ``n_in → n_in`` (CDLinear with block size ``B``, and dense); ``N``.
    seeds : tuple of int
        Seed ``s`` gives the inputs ``draw_samples(I, N, s)``.
    kappa_cd, kappa_dense : tuple of float, one per seed
        κ of the empirical CDLinear and dense Hessians.
    """

    n_in: int
    block_size: int
    n_samples: int
    seeds: tuple
    kappa_cd: tuple
    kappa_dense: tuple

    @property
    def n_in_blocks(self) -> int:
        """``Ki = n_in / B``."""
        return self.n_in // self.block_size

    @property
    def mean_cd(self) -> float:
        return float(np.mean(self.kappa_cd))

    @property
    def mean_dense(self) -> float:
        return float(np.mean(self.kappa_dense))

    @property
    def marchenko_pastur_cd(self) -> float:
        """``((1 + √γ)/(1 − √γ))²`` with ``γ = Ki/N``."""
        return float(marchenko_pastur_kappa(self.n_in_blocks / self.n_samples))

    @property
    def marchenko_pastur_dense(self) -> float:
        """``((1 + √γ)/(1 − √γ))²`` with ``γ = n_in/N`` (``inf`` for ``N <= n_in``)."""
        return float(marchenko_pastur_kappa(self.n_in / self.n_samples))


def finite_sample_cases(configs, sample_sizes, seeds) -> list[FiniteSampleCase]:
    """κ of the empirical Hessians on white inputs, for every shape and sample size.

    Parameters
    ----------
    configs : iterable of ``(n_in, block_size)``
        Square layers ``n_in → n_in``.
    sample_sizes : iterable of int
        ``N``.
    seeds : iterable of int
        One draw of the inputs per seed (pass ``cdnotes.seeds.seeds(range(5))``).

    Returns
    -------
    list of :class:`FiniteSampleCase`, ordered by shape, then ``N``. Each κ comes from
    :func:`cdnotes.conditioning.sample_conditioning` with covariance ``I`` and no
    whitening.
    """
    configs = [check_block_size(n, n, B)[::2] for n, B in configs]
    sample_sizes = [check_positive_int(N, "each sample size") for N in sample_sizes]
    seeds = tuple(check_seed(s) for s in seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    out = []
    for n_in, B in configs:
        eye = np.eye(n_in)
        for N in sample_sizes:
            runs = [sample_conditioning(eye, "none", n_in, B, N, s) for s in seeds]
            out.append(FiniteSampleCase(n_in, B, N, seeds, tuple(r["cd"].kappa for r in runs),
                                        tuple(r["dense"].kappa for r in runs)))
    return out


@dataclass(frozen=True)
class KappaExponents:
    """``log(κ − 1) = c + p log n_in + q log B + r log N``, fitted by least squares.

    Attributes
    ----------
    measured : tuple ``(p, q, r)``
        Fitted to the mean empirical κ of the CDLinear layer (or one seed's κ).
    marchenko_pastur : tuple ``(p, q, r)``
        Fitted to the Marchenko–Pastur prediction ``((1 + √γ)/(1 − √γ))²``,
        ``γ = n_in/(BN)``, at the same sizes.
    intervals : tuple of three :class:`cdnotes.stats.Estimate`, or None
        For ``p``, ``q``, ``r``: mean and Student-t 95% interval of the exponents fitted
        to each seed's κ alone (None when fitting one seed, or with a single seed).
    n_points, min_samples : int
        Cases used, and the smallest ``N`` allowed.
    """

    measured: tuple
    marchenko_pastur: tuple
    n_points: int
    min_samples: int
    intervals: tuple | None = None


def fit_kappa_exponents(cases, *, min_samples: int = 1024,
                        seed_index: int | None = None) -> KappaExponents:
    """Fit the exponents of ``n_in``, ``B`` and ``N`` in ``κ_CD − 1``.

    Parameters
    ----------
    cases : iterable of :class:`FiniteSampleCase`
        Only cases with ``Ki > 1`` and ``N >= min_samples`` are used (with one input
        block κ follows a different law).
    min_samples : int
        Smallest ``N`` used.
    seed_index : int, optional
        Fit the κ of the ``seed_index``-th seed of every case alone (fits on single
        seeds show the seed-to-seed scatter of the exponents); default: the mean κ
        over the seeds.

    Returns
    -------
    :class:`KappaExponents` (with ``intervals`` from per-seed fits when ``seed_index``
    is None and the cases have at least two seeds).

    Raises
    ------
    ValueError
        Fewer than four usable cases, or the used cases do not vary ``n_in``, ``B`` and
        ``N`` independently (the fit would be singular).
    """
    min_samples = check_int(min_samples, "min_samples", minimum=1)
    cases = [c for c in cases if c.n_in_blocks > 1 and c.n_samples >= min_samples]
    if seed_index is not None:
        seed_index = check_int(seed_index, "seed_index", minimum=0)
        if any(seed_index >= len(c.kappa_cd) for c in cases):
            raise ValueError(f"seed_index={seed_index} but some cases have only "
                             f"{min(len(c.kappa_cd) for c in cases)} seeds")
    rows = [(c.n_in, c.block_size, c.n_samples,
             c.mean_cd if seed_index is None else c.kappa_cd[seed_index]) for c in cases]
    if len(rows) < 4:
        raise ValueError(f"fit_kappa_exponents needs at least 4 cases with Ki > 1 and "
                         f"N >= {min_samples}; got {len(rows)}")
    n_in, B, N, kappa = (np.array(v, dtype=np.float64) for v in zip(*rows))
    if np.any(kappa <= 1):
        raise ValueError("every mean κ must be > 1 to fit log(κ − 1)")
    design = np.column_stack([np.ones_like(N), np.log(n_in), np.log(B), np.log(N)])
    if np.linalg.matrix_rank(design) < 4:
        raise ValueError("the cases must vary n_in, B and N independently to fit three "
                         "exponents")
    mp = marchenko_pastur_kappa(n_in / (B * N))
    measured = np.linalg.lstsq(design, np.log(kappa - 1), rcond=None)[0][1:]
    predicted = np.linalg.lstsq(design, np.log(mp - 1), rcond=None)[0][1:]
    intervals = None
    n_seeds = min(len(c.kappa_cd) for c in cases)
    if seed_index is None and n_seeds > 1:
        per_seed = np.array([fit_kappa_exponents(cases, min_samples=min_samples,
                                                 seed_index=k).measured
                             for k in range(n_seeds)])
        intervals = tuple(mean_ci(per_seed[:, i]) for i in range(3))
    return KappaExponents(tuple(float(v) for v in measured),
                          tuple(float(v) for v in predicted), len(rows), min_samples,
                          intervals)
