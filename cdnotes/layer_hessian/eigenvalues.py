"""Exact loss-Hessian eigenvalues of one linear layer in closed form (paper Theorem 1, SPEC §3).

Formerly ``cdnotes.hessian.spectrum`` (the old path re-exports every name).

For a CDLinear layer with inputs ``X`` ``(N, n_in)`` and ``x̂_n(k) ∈ ℂ^Ki`` the ``k``-th
DFT coefficient of every input block of sample ``n``, the Hessian of ``½ Σ_n ‖y_n − t_n‖²``
with respect to ``C`` has as eigenvalues the union over ``k`` of the eigenvalues of the
Hermitian ``Ki × Ki`` matrices ``M_k = Σ_n conj(x̂_n(k)) x̂_n(k)ᵀ``, each ``Ko`` times.

* :func:`cdlinear_spectrum` — that closed form (one real FFT, ``⌊B/2⌋ + 1`` small
  eigen-solves);
* :func:`theorem1_eigenvalues` — what the paper's Theorem 1 states: only the diagonal
  entries ``Σ_n |FFT(X_{n,j})(k)|²`` of those matrices. Exact when ``Ki = 1`` or the
  input blocks are uncorrelated, not otherwise;
* :func:`frequency_moments`, :func:`cdlinear_spectrum_from_moment` — the same from a
  second-moment matrix (population Hessians);
* :func:`dense_spectrum`, :func:`dense_spectrum_from_moment` — a dense layer: the
  eigenvalues of ``XᵀX``, each ``n_out`` times.

All functions take the array namespace of their input and use the fast FFT of
:mod:`cdnotes.operators.fft` (``scipy.fft`` for NumPy arrays).
"""
from __future__ import annotations

from ..backend import device_of, namespace_of
from ..operators.bcmatmul import block_spectrum
from ..operators.fft import complex_dtype, fft_of
from ..validation import check_array, check_block_size, check_float_array, check_positive_int
from .inputs import check_layer_inputs as _check
from .inputs import tile_sorted as _tile

__all__ = ["cdlinear_spectrum", "theorem1_eigenvalues", "frequency_moments",
           "cdlinear_spectrum_from_moment", "dense_spectrum", "dense_spectrum_from_moment"]


def _rfft_multiplicity(B):
    """How many of the ``B`` DFT frequencies each ``rfft`` bin stands for (1 or 2)."""
    return [1 if f == 0 or 2 * f == B else 2 for f in range(B // 2 + 1)]


def cdlinear_spectrum(X, n_out, block_size):
    """All ``P`` Hessian eigenvalues from the closed form, ascending.

    One real FFT of every input block, then ``⌊B/2⌋ + 1`` Hermitian eigen-solves of
    size ``Ki`` (frequency ``B − k`` gives ``conj(M_k)``, with the same eigenvalues),
    instead of one eigen-solve of size ``P``.

    Parameters
    ----------
    X : array ``(N, n_in)``; n_out, block_size : int

    Returns
    -------
    array ``(P,)``, ``P = n_in·n_out/B``, real, ascending.
    """
    xp, n_in, n_out, B = _check(X, n_out, block_size)
    N, Ki, Ko = X.shape[0], n_in // B, n_out // B
    Xf = block_spectrum(xp, X, B)              # (F, N, Ki), contiguous: the product below uses BLAS
    M = xp.matmul(xp.conj(xp.permute_dims(Xf, (0, 2, 1))), Xf)                        # (F, Ki, Ki)
    ev = xp.linalg.eigvalsh(M)                                                         # (F, Ki)
    ev = xp.take(ev, xp.asarray(_bins(B), device=device_of(X)), axis=0)                  # (B, Ki)
    return _tile(xp, xp.reshape(ev, (B * Ki,)), Ko)


def theorem1_eigenvalues(X, n_out, block_size):
    """The ``P`` values the paper's Theorem 1 states, ascending.

    ``Σ_n |FFT(X_{n,j})(k)|²`` for every input block ``j`` and frequency ``k``, each
    with multiplicity ``Ko``: the diagonal of the ``M_k`` of :func:`cdlinear_spectrum`.

    Parameters
    ----------
    X : array ``(N, n_in)``, real floating, finite, any backend
    n_out : int
    block_size : int
        ``B``, dividing ``n_in`` and ``n_out``.

    Returns
    -------
    array ``(P,)``, ``P = n_in·n_out/B``, real, ascending.
    """
    xp, n_in, n_out, B = _check(X, n_out, block_size)
    N, Ki, Ko = X.shape[0], n_in // B, n_out // B
    Xf = fft_of(xp).rfft(xp.reshape(X, (N, Ki, B)), axis=-1)                            # (N, Ki, F)
    power = xp.sum(xp.real(Xf) ** 2 + xp.imag(Xf) ** 2, axis=0)                          # (Ki, F)
    # Real inputs: |X̂(B − k)| = |X̂(k)|, so each rfft bin stands for 1 or 2 frequencies.
    power = xp.take(power, xp.asarray(_bins(B), device=device_of(X)), axis=1)            # (Ki, B)
    return _tile(xp, xp.reshape(power, (Ki * B,)), Ko)


def _bins(B):
    """For each of the ``B`` DFT frequencies in ``rfft`` order with repeats, its ``rfft`` bin."""
    return [f for f, mult in enumerate(_rfft_multiplicity(B)) for _ in range(mult)]


def _check_moment(S, name="S"):
    """A real, finite, square and symmetric second-moment matrix on any backend."""
    check_array(S, name)
    xp = namespace_of(S)
    if S.ndim != 2 or S.shape[0] != S.shape[1] or S.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square (n_in, n_in) matrix; got shape "
                         f"{tuple(S.shape)}")
    check_float_array(xp, S, name)
    scale = float(xp.max(xp.abs(S))) or 1.0
    asymmetry = float(xp.max(xp.abs(S - xp.matrix_transpose(S))))
    if asymmetry > 1e-8 * scale:
        raise ValueError(f"{name} must be symmetric (a second-moment or covariance matrix); "
                         f"max |{name} − {name}ᵀ| = {asymmetry:.3g}, {asymmetry / scale:.3g} "
                         "of its largest entry")
    return xp


def _check_psd(xp, eigenvalues, name="S"):
    """Refuse a moment matrix with an eigenvalue below ``−1e-10·max |λ|·n``."""
    top = float(xp.max(xp.abs(eigenvalues))) or 1.0
    low = float(xp.min(eigenvalues))
    if low < -1e-10 * top * eigenvalues.shape[-1]:
        raise ValueError(f"{name} must be positive semi-definite (a second-moment or covariance "
                         f"matrix); it has an eigenvalue {low:.3g}")
    return eigenvalues


def frequency_moments(S, block_size):
    """Per-frequency cross-block moment matrices from a second-moment matrix.

    Parameters
    ----------
    S : array ``(n_in, n_in)``
        ``Σ_n x_n x_nᵀ`` (empirical) or ``E[x xᵀ]`` (population).
    block_size : int

    Returns
    -------
    M : complex array ``(B, Ki, Ki)``
        ``M[k, j, j'] = Σ_{l,l'} S[jB+l, j'B+l'] ω^{-kl} ω^{kl'}``, ``ω = e^{-2πi/B}``:
        for ``S = XᵀX`` exactly the ``M_k = Σ_n conj(x̂_n(k)) x̂_n(k)ᵀ`` of the closed form.
    """
    xp = _check_moment(S)
    n_in, _, B = check_block_size(S.shape[0], S.shape[0], block_size)
    _check_psd(xp, xp.linalg.eigvalsh(S))
    Ki = n_in // B
    S4 = xp.astype(xp.reshape(S, (Ki, B, Ki, B)), complex_dtype(xp, S.dtype))
    R = fft_of(xp).ifft(fft_of(xp).fft(S4, axis=3), axis=1) * B        # Σ_l ω^{-kl} Σ_l' ω^{k'l'} S
    R = xp.reshape(xp.permute_dims(R, (1, 3, 0, 2)), (B * B, Ki, Ki))               # (k, k', j, j')
    diagonal = xp.asarray([k * B + k for k in range(B)], device=device_of(S))
    return xp.take(R, diagonal, axis=0)


def cdlinear_spectrum_from_moment(S, n_out, block_size):
    """CDLinear Hessian spectrum from a second-moment matrix ``S``.

    With ``S = XᵀX`` this equals :func:`cdlinear_spectrum`; with ``S = N·E[x xᵀ]`` it
    is the *population* Hessian's spectrum.

    Parameters
    ----------
    S : array ``(n_in, n_in)``, symmetric positive semi-definite
    n_out, block_size : int

    Returns
    -------
    array ``(P,)``, ``P = n_in·n_out/B``, ascending.
    """
    xp = _check_moment(S)
    n_in = S.shape[0]
    _, n_out, B = check_block_size(n_in, n_out, block_size)
    ev = _check_psd(xp, xp.linalg.eigvalsh(frequency_moments(S, B)))               # (B, Ki)
    return _tile(xp, xp.reshape(ev, (n_in,)), n_out // B)


def dense_spectrum(X, n_out):
    """Dense-layer Hessian eigenvalues: those of ``XᵀX``, each ``n_out`` times.

    Parameters
    ----------
    X : array ``(N, n_in)``; n_out : int

    Returns
    -------
    array ``(n_out·n_in,)``, ascending.
    """
    xp, n_in, n_out, _ = _check(X, n_out, 1)
    return dense_spectrum_from_moment(xp.matmul(xp.matrix_transpose(X), X), n_out)


def dense_spectrum_from_moment(S, n_out):
    """Dense-layer Hessian eigenvalues from a second-moment matrix.

    Parameters
    ----------
    S : array ``(n_in, n_in)``, symmetric positive semi-definite; n_out : int

    Returns
    -------
    array ``(n_out·n_in,)``, ascending: the eigenvalues of ``S``, each ``n_out`` times.
    """
    xp = _check_moment(S)
    n_out = check_positive_int(n_out, "n_out")
    return _tile(xp, _check_psd(xp, xp.linalg.eigvalsh(S)), n_out)
