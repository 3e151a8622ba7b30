"""Two identities the CD paper states, checked by computation (chapter 6).

* **Parseval** (§III.3): "when inputs are normalized so that ‖X_j‖ = 1 for all j, Parseval's
  identity guarantees Σ_k η_k = B", with η_k = |F[X_j](k)|² (Eq. 5). :func:`eta_sums` gives
  Σ_k η_k of every block of every row under each DFT normalisation; :func:`parseval_check`
  compares it with ``B`` and with ``B ‖X_j‖²``.
* **Eq. 8** (§IV.2): the Fisher information of a Gaussian channel ``y = W x + noise`` is
  ``I(W) = WᵀW / σ²`` and "the trace of the inverse" is Σ_{i,j,k} 1/(|F[c_ij](k)|² + ε).
  :func:`eq8_trace` is that sum; :func:`fisher_trace` is the exact ``tr((WᵀW/σ² + εI)⁻¹)``
  by one ``Ki × Ki`` solve per frequency (the block DFT turns ``WᵀW`` into ``B`` blocks
  ``Ĉ(k)ᴴĈ(k)``, ``Ĉ(k)[i, j] = F[c_ij](k)``); :func:`fisher_trace_dense` is its slow twin on
  the explicit matrix. They agree with Eq. 8 when ``Ko = Ki = 1``; :func:`eq8_cases` measures
  by how much they differ otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..operators import block_circulant
from ..train.regularizers import fisher_penalty
from ..validation import check_block_size, check_real

__all__ = ["DFT_NORMS", "eta_sums", "ParsevalCheck", "parseval_check", "eq8_trace",
           "fisher_trace", "fisher_trace_dense", "Eq8Case", "eq8_cases"]

DFT_NORMS = ("backward", "ortho", "forward")
"""NumPy's DFT normalisations: ``"backward"`` is the unnormalised F of Eq. 5 (Σ_k |F x|² = B‖x‖²),
``"ortho"`` the unitary one (= ‖x‖²), ``"forward"`` divides by ``B`` (= ‖x‖²/B)."""


def _blocks(X, block_size):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-d (rows, n_in); got shape {X.shape}")
    B = check_block_size(X.shape[1], X.shape[1], block_size)[2]
    return X.reshape(X.shape[0], -1, B)


def eta_sums(X, block_size: int, norm: str = "backward") -> np.ndarray:
    """Σ_k η_k = Σ_k |F[X_j](k)|² for every row and block ``j`` of ``X``.

    Parameters
    ----------
    X : array ``(N, n_in)``, real
    block_size : int, divides ``n_in``
    norm : one of :data:`DFT_NORMS`

    Returns
    -------
    array ``(N, n_in / B)``
    """
    if norm not in DFT_NORMS:
        raise ValueError(f"norm must be one of {DFT_NORMS}; got {norm!r}")
    blocks = _blocks(X, block_size)
    return np.sum(np.abs(np.fft.fft(blocks, axis=-1, norm=norm)) ** 2, axis=-1)


@dataclass(frozen=True)
class ParsevalCheck:
    """Σ_k η_k against ``B`` and against ``B ‖X_j‖²`` over every non-zero block of ``X``.

    Attributes
    ----------
    block_size : int
    n_blocks, n_zero_blocks : int
        Blocks checked (non-zero) and blocks that are zero (they cannot be normalised:
        their Σ_k η_k is 0).
    max_parseval_error : float
        ``max |Σ_k η_k − B ‖X_j‖²| / (B ‖X_j‖²)`` (the identity itself; rounding).
    ratio_min, ratio_max : float
        Range of ``Σ_k η_k / B`` (``= ‖X_j‖²``): 1 only for unit blocks.
    normalised_max_error : float
        ``max |Σ_k η_k − B|`` after dividing every block by its norm (the paper's case).
    """

    block_size: int
    n_blocks: int
    n_zero_blocks: int
    max_parseval_error: float
    ratio_min: float
    ratio_max: float
    normalised_max_error: float


def parseval_check(X, block_size: int) -> ParsevalCheck:
    """Check "‖X_j‖ = 1 ⇒ Σ_k η_k = B" on the blocks of ``X`` (unnormalised DFT, Eq. 5).

    Parameters
    ----------
    X : array ``(N, n_in)``, real
    block_size : int, divides ``n_in``

    Returns
    -------
    ParsevalCheck
    """
    blocks = _blocks(X, block_size)
    B = blocks.shape[-1]
    sq = np.sum(blocks ** 2, axis=-1).ravel()
    sums = eta_sums(X, B).ravel()
    nz = sq > 0
    unit = blocks.reshape(-1, B)[nz] / np.sqrt(sq[nz])[:, None]
    unit_sums = eta_sums(unit, B).ravel()
    return ParsevalCheck(B, int(nz.sum()), int((~nz).sum()),
                         float(np.max(np.abs(sums[nz] - B * sq[nz]) / (B * sq[nz]))),
                         float(np.min(sums[nz] / B)), float(np.max(sums[nz] / B)),
                         float(np.max(np.abs(unit_sums - B))))


def eq8_trace(C, eps: float) -> float:
    """Eq. 8 as written: Σ_{i,j,k} 1/(|F[c_ij](k)|² + ε) (the library's Fisher penalty).

    Parameters
    ----------
    C : array ``(Ko, Ki, B)``; eps : float > 0

    Returns
    -------
    float
    """
    return fisher_penalty(np.asarray(C, dtype=np.float64), eps)


def fisher_trace(C, eps: float, sigma2: float = 1.0) -> float:
    """``tr((WᵀW/σ² + εI)⁻¹)`` of the block-circulant ``W`` of ``C``, one solve per frequency.

    Parameters
    ----------
    C : array ``(Ko, Ki, B)``
    eps : float > 0
        The damping (``ε`` of Eq. 8).
    sigma2 : float > 0, default 1
        The channel's noise variance σ².

    Returns
    -------
    float
    """
    C = np.asarray(C, dtype=np.float64)
    if C.ndim != 3:
        raise ValueError(f"C must have shape (Ko, Ki, B); got {C.shape}")
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    sigma2 = check_real(sigma2, "sigma2", low=0.0, low_open=True)
    c_hat = np.moveaxis(np.fft.fft(C, axis=-1), -1, 0)           # (B, Ko, Ki)
    gram = np.conj(np.swapaxes(c_hat, 1, 2)) @ c_hat / sigma2     # (B, Ki, Ki)
    damped = gram + eps * np.eye(C.shape[1])
    return float(np.sum(np.real(np.trace(np.linalg.inv(damped), axis1=1, axis2=2))))


def fisher_trace_dense(C, eps: float, sigma2: float = 1.0) -> float:
    """The same trace from the explicit matrix (the slow twin of :func:`fisher_trace`).

    Parameters
    ----------
    C : array ``(Ko, Ki, B)``
    eps, sigma2 : float > 0

    Returns
    -------
    float
    """
    W = block_circulant(np.asarray(C, dtype=np.float64))
    fisher = W.T @ W / sigma2 + eps * np.eye(W.shape[1])
    return float(np.trace(np.linalg.inv(fisher)))


@dataclass(frozen=True)
class Eq8Case:
    """Eq. 8 against the exact trace for one coefficient tensor.

    Attributes
    ----------
    label : str
    n_out_blocks, n_in_blocks, block_size : int
        ``Ko``, ``Ki``, ``B``.
    eps : float
    eq8, exact : float
        :func:`eq8_trace` and :func:`fisher_trace`.
    """

    label: str
    n_out_blocks: int
    n_in_blocks: int
    block_size: int
    eps: float
    eq8: float
    exact: float

    @property
    def ratio(self) -> float:
        """Eq. 8 / exact."""
        return self.eq8 / self.exact


def eq8_cases(tensors, eps_values) -> list:
    """:class:`Eq8Case` for every (label, ``C``) of ``tensors`` and every ``ε``.

    Parameters
    ----------
    tensors : iterable of (str, array ``(Ko, Ki, B)``)
    eps_values : iterable of float > 0

    Returns
    -------
    list of Eq8Case
    """
    out = []
    for label, C in tensors:
        C = np.asarray(C, dtype=np.float64)
        for eps in eps_values:
            out.append(Eq8Case(label, C.shape[0], C.shape[1], C.shape[2], float(eps),
                               eq8_trace(C, eps), fisher_trace(C, eps)))
    return out
