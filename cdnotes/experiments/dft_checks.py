"""Chapter 1: the DFT diagonalises every circulant, checked over many sizes and draws."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize

from ..operators import circulant
from ..validation import check_positive_int
from ._seeding import check_seed

__all__ = ["DiagonalisationCheck", "set_distance", "dft_diagonalisation_checks"]


@dataclass(frozen=True)
class DiagonalisationCheck:
    """Worst relative errors of ``F C Fᴴ = diag(FFT(c))`` over the draws of one size.

    Attributes
    ----------
    block_size : int
        ``B``, the size of the circulant.
    n_draws : int
        How many random ``c ~ N(0, I_B)`` were checked.
    max_offdiagonal : float
        Largest off-diagonal ``|F C Fᴴ|`` entry, relative to ``max |FFT(c)|``.
    max_eigenvalue_error : float
        :func:`set_distance` between ``numpy.linalg.eigvals(C)`` and ``FFT(c)``,
        relative to ``max |FFT(c)|``.
    """

    block_size: int
    n_draws: int
    max_offdiagonal: float
    max_eigenvalue_error: float

    @property
    def max_error(self) -> float:
        """The larger of the two errors."""
        return max(self.max_offdiagonal, self.max_eigenvalue_error)


def set_distance(a, b) -> float:
    """Largest ``|a_i − b_π(i)|`` when the two sets are matched one to one.

    ``π`` is the matching with the smallest total distance
    (``scipy.optimize.linear_sum_assignment``): for two lists of the same eigenvalues in
    different orders and with rounding errors, it pairs each value with its copy.

    Parameters
    ----------
    a, b : real or complex arrays ``(n,)``

    Returns
    -------
    float
    """
    a, b = np.asarray(a).ravel(), np.asarray(b).ravel()
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"set_distance needs two non-empty sets of equal size; got {a.size} "
                         f"and {b.size} values")
    cost = np.abs(a[:, None] - b[None, :])
    rows, cols = scipy.optimize.linear_sum_assignment(cost)
    return float(cost[rows, cols].max())


def dft_diagonalisation_checks(sizes, n_draws: int = 20, *, seed: int = 0):
    """For each size ``B``, draw ``c`` and measure how exactly the DFT diagonalises ``C``.

    Parameters
    ----------
    sizes : iterable of int ``>= 1``
        Block sizes ``B``.
    n_draws : int
        Random vectors ``c ~ N(0, I_B)`` per size.
    seed : int
        Seeds one ``numpy.random.default_rng``; the vectors are its draws in order
        (all draws of the first size, then the next, ...).

    Returns
    -------
    list of :class:`DiagonalisationCheck`, one per size, in the order of ``sizes``.
    """
    sizes = [check_positive_int(B, "each size") for B in sizes]
    n_draws = check_positive_int(n_draws, "n_draws")
    rng = np.random.default_rng(check_seed(seed))
    out = []
    for B in sizes:
        F = np.fft.fft(np.eye(B)) / np.sqrt(B)                       # unitary DFT matrix
        off = err = 0.0
        for _ in range(n_draws):
            c = rng.standard_normal(B)
            C = circulant(c)
            D = F @ C @ F.conj().T
            lam = np.fft.fft(c)
            scale = np.abs(lam).max()
            off = max(off, np.abs(D - np.diag(np.diag(D))).max() / scale)
            err = max(err, set_distance(np.linalg.eigvals(C), lam) / scale)
        out.append(DiagonalisationCheck(B, n_draws, float(off), float(err)))
    return out
