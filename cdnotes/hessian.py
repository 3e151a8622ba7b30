"""Loss Hessians of one linear layer, explicit and in closed form (paper Theorem 1, SPEC §3).

Loss ``L = ½ Σ_n ‖y_n − t_n‖²`` with ``y_n = W x_n + b``. The model is linear in
the weights, so the Hessian with respect to them is exactly ``JᵀJ`` (``J`` the
Jacobian of all outputs with respect to the weights) and depends on neither the
weights nor the targets — only on the inputs ``X`` of shape ``(N, n_in)``.

CDLinear (``W = block_circulant(C)``, parameters ordered as ``C.ravel()``, i.e.
``(i, j, m)``, ``P = n_in·n_out/B``):

* :func:`cdlinear_hessian` — the explicit ``(P, P)`` matrix, built from the Jacobian
  (:func:`cdlinear_jacobian`), for checking;
* :func:`cdlinear_spectrum` — its exact eigenvalues from the closed form: with
  ``x̂_n(k) ∈ ℂ^Ki`` the ``k``-th DFT coefficient of every input block of sample ``n``,
  the spectrum is the union over ``k`` of the eigenvalues of the Hermitian
  ``Ki × Ki`` matrices ``M_k = Σ_n conj(x̂_n(k)) x̂_n(k)ᵀ``, each with multiplicity ``Ko``;
* :func:`theorem1_eigenvalues` — what the paper's Theorem 1 states: only the diagonal
  entries ``Σ_n |FFT(X_{n,j})(k)|²`` of those matrices. Exact when ``Ki = 1`` or the
  input blocks are uncorrelated, not otherwise.

Dense (parameters ``W.ravel()``, ``P = n_in·n_out``): :func:`dense_hessian`,
:func:`dense_spectrum` (the eigenvalues of ``XᵀX``, each ``n_out`` times).

All functions take the array namespace of ``X``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backend import device_of, namespace_of, to_numpy
from .circulant import circulant_index
from .validation import check_block_size, check_float_array, check_input

__all__ = [
    "cdlinear_jacobian", "cdlinear_hessian", "cdlinear_spectrum", "theorem1_eigenvalues",
    "frequency_moments", "cdlinear_spectrum_from_moment", "dense_hessian", "dense_spectrum",
    "dense_spectrum_from_moment", "block_circulance", "HessianStructure", "hessian_structure",
    "Conditioning", "condition_number",
]


def _check(X, n_out, block_size):
    xp = namespace_of(X)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, n_in); got shape {tuple(X.shape)}")
    n_in, n_out, B = check_block_size(X.shape[1], n_out, block_size)
    check_input(xp, X, n_in)
    return xp, n_in, n_out, B


def _tile(xp, values, times):
    """Repeat a 1-d array ``times`` times (concatenated), then sort ascending."""
    n = values.shape[0]
    return xp.sort(xp.reshape(xp.broadcast_to(values[None, :], (times, n)), (times * n,)))


def _block_jacobian(xp, X, B):
    """Jacobian of one output block w.r.t. its own coefficients: ``(N·B, Ki·B)``.

    ``G[(n, k), (j, m)] = ∂y_i[k] / ∂C[i, j, m] = X[n, j·B + (k − m) mod B]`` — the
    same for every output block ``i``.
    """
    N, n_in = X.shape
    Ki = n_in // B
    idx = xp.reshape(circulant_index(xp, B, device_of(X)), (B * B,))         # (k, m) -> (k-m)%B
    G = xp.reshape(xp.take(xp.reshape(X, (N, Ki, B)), idx, axis=2), (N, Ki, B, B))  # n, j, k, m
    return xp.reshape(xp.permute_dims(G, (0, 2, 1, 3)), (N * B, Ki * B))


def cdlinear_jacobian(X, n_out, block_size):
    """Jacobian of all outputs with respect to ``C``, materialised.

    Parameters
    ----------
    X : array ``(N, n_in)``
    n_out, block_size : int

    Returns
    -------
    J : array ``(N·n_out, P)``, ``P = n_in·n_out/B``
        Rows ordered ``(n, i, k)`` (sample, then output index ``i·B + k``), columns
        ``C.ravel()``. Memory ``N·n_out·P`` floats: for small problems (checking).
    """
    xp, n_in, n_out, B = _check(X, n_out, block_size)
    Ko, Ki, N = n_out // B, n_in // B, X.shape[0]
    G = xp.reshape(_block_jacobian(xp, X, B), (N, 1, B, 1, Ki * B))
    eye = xp.reshape(xp.eye(Ko, dtype=X.dtype, device=device_of(X)), (1, Ko, 1, Ko, 1))
    return xp.reshape(G * eye, (N * n_out, Ko * Ki * B))


def cdlinear_hessian(X, n_out, block_size):
    """Explicit Hessian ``JᵀJ`` of ``½ Σ‖y − t‖²`` with respect to ``C`` (bias excluded).

    Built from the Jacobian: row block ``i`` of ``J`` (the outputs ``y_i``) is
    non-zero only in the columns of ``C[i]``, where it equals the block Jacobian
    ``G`` (``(N·B, Ki·B)``), so ``JᵀJ`` is assembled from the exact products
    ``GᵀG`` without multiplying the structural zeros. (The tests compare it with the
    fully dense ``cdlinear_jacobian(X)ᵀ @ cdlinear_jacobian(X)`` and with finite
    differences of the layer's gradient.)

    Returns
    -------
    H : array ``(P, P)``, ``P = n_in·n_out/B``, parameters ordered as ``C.ravel()``.
    """
    xp, n_in, n_out, B = _check(X, n_out, block_size)
    Ko, P_in = n_out // B, n_in
    G = _block_jacobian(xp, X, B)
    H_in = xp.matmul(xp.matrix_transpose(G), G)                                  # (Ki·B, Ki·B)
    eye = xp.reshape(xp.eye(Ko, dtype=X.dtype, device=device_of(X)), (Ko, 1, Ko, 1))
    return xp.reshape(eye * xp.reshape(H_in, (1, P_in, 1, P_in)), (Ko * P_in, Ko * P_in))


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
    Xf = xp.permute_dims(xp.fft.rfft(xp.reshape(X, (N, Ki, B)), axis=-1), (2, 0, 1))  # (F, N, Ki)
    M = xp.matmul(xp.conj(xp.permute_dims(Xf, (0, 2, 1))), Xf)                        # (F, Ki, Ki)
    ev = xp.linalg.eigvalsh(M)                                                         # (F, Ki)
    bins = [f for f, mult in enumerate(_rfft_multiplicity(B)) for _ in range(mult)]
    ev = xp.take(ev, xp.asarray(bins, device=device_of(X)), axis=0)                  # (B, Ki)
    return _tile(xp, xp.reshape(ev, (B * Ki,)), Ko)


def theorem1_eigenvalues(X, n_out, block_size):
    """The ``P`` values the paper's Theorem 1 states, ascending.

    ``Σ_n |FFT(X_{n,j})(k)|²`` for every input block ``j`` and frequency ``k``, each
    with multiplicity ``Ko``: the diagonal of the ``M_k`` of :func:`cdlinear_spectrum`.
    """
    xp, n_in, n_out, B = _check(X, n_out, block_size)
    N, Ki, Ko = X.shape[0], n_in // B, n_out // B
    Xf = xp.fft.fft(xp.astype(xp.reshape(X, (N, Ki, B)), _complex(xp, X.dtype)), axis=-1)
    power = xp.sum(xp.real(Xf) ** 2 + xp.imag(Xf) ** 2, axis=0)                      # (Ki, B)
    return _tile(xp, xp.reshape(power, (Ki * B,)), Ko)


def _complex(xp, dtype):
    return xp.complex64 if dtype == xp.float32 else xp.complex128


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
    xp = namespace_of(S)
    n_in = S.shape[0]
    if S.ndim != 2 or S.shape[1] != n_in:
        raise ValueError(f"S must be a square (n_in, n_in) matrix; got shape {tuple(S.shape)}")
    check_float_array(xp, S, "S")
    n_in, _, B = check_block_size(n_in, n_in, block_size)
    Ki = n_in // B
    S4 = xp.astype(xp.reshape(S, (Ki, B, Ki, B)), _complex(xp, S.dtype))
    R = xp.fft.ifft(xp.fft.fft(S4, axis=3), axis=1) * B        # Σ_l ω^{-kl} Σ_l' ω^{k'l'} S
    R = xp.reshape(xp.permute_dims(R, (1, 3, 0, 2)), (B * B, Ki, Ki))               # (k, k', j, j')
    diagonal = xp.asarray([k * B + k for k in range(B)], device=device_of(S))
    return xp.take(R, diagonal, axis=0)


def cdlinear_spectrum_from_moment(S, n_out, block_size):
    """CDLinear Hessian spectrum (ascending, ``(P,)``) from a second-moment matrix ``S``.

    With ``S = XᵀX`` this equals :func:`cdlinear_spectrum`; with ``S = N·E[x xᵀ]`` it
    is the *population* Hessian's spectrum.
    """
    xp = namespace_of(S)
    n_in = S.shape[0]
    _, n_out, B = check_block_size(n_in, n_out, block_size)
    ev = xp.linalg.eigvalsh(frequency_moments(S, B))                                 # (B, Ki)
    return _tile(xp, xp.reshape(ev, (n_in,)), n_out // B)


def dense_hessian(X, n_out):
    """Explicit Hessian of ``½ Σ‖y − t‖²`` for a dense layer, parameters ``W.ravel()``.

    Row ``o`` of ``W`` feeds only output ``o``, whose Jacobian is ``X``: so
    ``H = I_{n_out} ⊗ XᵀX``, shape ``(n_out·n_in, n_out·n_in)``.
    """
    xp, n_in, n_out, _ = _check(X, n_out, 1)
    H_in = xp.matmul(xp.matrix_transpose(X), X)
    eye = xp.reshape(xp.eye(n_out, dtype=X.dtype, device=device_of(X)), (n_out, 1, n_out, 1))
    return xp.reshape(eye * xp.reshape(H_in, (1, n_in, 1, n_in)), (n_out * n_in, n_out * n_in))


def dense_spectrum(X, n_out):
    """Dense-layer Hessian eigenvalues, ascending: those of ``XᵀX``, each ``n_out`` times."""
    xp, n_in, n_out, _ = _check(X, n_out, 1)
    return dense_spectrum_from_moment(xp.matmul(xp.matrix_transpose(X), X), n_out)


def dense_spectrum_from_moment(S, n_out):
    """Dense-layer Hessian eigenvalues from a second-moment matrix ``S`` ``(n_in, n_in)``."""
    xp = namespace_of(S)
    return _tile(xp, xp.linalg.eigvalsh(S), int(n_out))


# ----------------------------------------------------------------------------
# Structure of an explicit Hessian.
# ----------------------------------------------------------------------------

def block_circulance(H, block_size):
    """How far each ``B × B`` block of ``H`` is from circulant, and how large it is.

    Parameters
    ----------
    H : array ``(P, P)``, ``P`` a multiple of ``B``.

    Returns
    -------
    deviation : numpy array ``(P/B, P/B)``
        ``‖block − circ(block)‖_F / ‖H‖_F``, where ``circ(block)`` averages the block
        along its wrapped diagonals (the nearest circulant in Frobenius norm).
    norm : numpy array ``(P/B, P/B)``
        ``‖block‖_F / ‖H‖_F``.
    """
    Hn = np.asarray(to_numpy(H), dtype=np.float64)
    P, B = Hn.shape[0], int(block_size)
    if Hn.ndim != 2 or Hn.shape[1] != P or P % B:
        raise ValueError(f"H must be square with size a multiple of block_size={B}; got {Hn.shape}")
    nb = P // B
    blocks = Hn.reshape(nb, B, nb, B).transpose(0, 2, 1, 3)                     # (a, b, k, l)
    k = np.arange(B)
    diag_of = (k[:, None] - k[None, :]) % B                                      # which wrapped diagonal
    first_col = np.stack([blocks[..., diag_of == m].mean(-1) for m in range(B)], axis=-1)
    nearest = first_col[..., diag_of]
    total = np.linalg.norm(Hn) or 1.0
    return (np.linalg.norm(blocks - nearest, axis=(2, 3)) / total,
            np.linalg.norm(blocks, axis=(2, 3)) / total)


@dataclass(frozen=True)
class HessianStructure:
    """Summary of an explicit CDLinear Hessian's block structure (all relative to ‖H‖_F)."""

    max_circulant_deviation: float      # worst B×B block's distance from circulant
    max_cross_output_norm: float        # largest block with i ≠ i' (Theorem 1 and SPEC: zero)
    output_blocks_identical: float      # max |H[(i,·),(i,·)] − H[(0,·),(0,·)]| over i
    max_cross_input_norm: float         # largest block with i = i', j ≠ j' (paper: zero; SPEC: not)


def hessian_structure(H, n_out, n_in, block_size) -> HessianStructure:
    """Check an explicit CDLinear Hessian block by block (see :class:`HessianStructure`)."""
    B = int(block_size)
    Ko, Ki = n_out // B, n_in // B
    deviation, norm = block_circulance(H, B)
    norm4 = norm.reshape(Ko, Ki, Ko, Ki)
    same_i = np.eye(Ko, dtype=bool)[:, None, :, None] & np.ones((1, Ki, 1, Ki), dtype=bool)
    diff_j = ~np.eye(Ki, dtype=bool)[None, :, None, :]
    Hn = np.asarray(to_numpy(H), dtype=np.float64)
    H_blocks = Hn.reshape(Ko, Ki * B, Ko, Ki * B)
    scale = np.linalg.norm(Hn) or 1.0
    identical = max(np.abs(H_blocks[i, :, i, :] - H_blocks[0, :, 0, :]).max() for i in range(Ko))
    return HessianStructure(
        max_circulant_deviation=float(deviation.max()),
        max_cross_output_norm=float(norm4[~same_i].max()) if Ko > 1 else 0.0,
        output_blocks_identical=float(identical / scale),
        max_cross_input_norm=float(norm4[same_i & diff_j].max()) if Ki > 1 else 0.0,
    )


# ----------------------------------------------------------------------------
# Condition numbers that say what they do with zeros.
# ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Conditioning:
    """Condition number of a positive semi-definite spectrum, with its null space counted.

    ``kappa`` is ``λ_max / λ_min`` over all eigenvalues and is ``inf`` as soon as one is
    (numerically) zero; ``kappa_nonzero`` is ``λ_max`` over the smallest eigenvalue
    above ``zero_threshold`` — the conditioning on the complement of the null space.
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
    rtol : float, optional
        Eigenvalues with ``|λ| <= rtol·λ_max`` count as zero. Default
        ``P · eps(float64)``, as ``numpy.linalg.matrix_rank`` does.

    Raises
    ------
    ValueError
        If the spectrum is empty, not finite, all zero, or has an eigenvalue below
        ``−rtol·λ_max`` (not positive semi-definite).
    """
    ev = np.asarray(to_numpy(eigenvalues), dtype=np.float64).ravel()
    if ev.size == 0 or not np.all(np.isfinite(ev)):
        raise ValueError("eigenvalues must be a non-empty array of finite numbers")
    lam_max = float(ev.max())
    if lam_max <= 0:
        raise ValueError("all eigenvalues are <= 0: the condition number is undefined")
    rtol = ev.size * np.finfo(np.float64).eps if rtol is None else float(rtol)
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
