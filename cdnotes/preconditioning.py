"""An exact curvature preconditioner for one CDLinear layer, solved frequency by frequency.

For a CDLinear layer ``y = W(C) x`` with inputs ``X`` ``(N, n_in)`` the Hessian of the
least-squares loss ``(1/2N) Σ_n ‖W(C) x_n − t_n‖²`` with respect to ``C`` ``(Ko, Ki, B)`` is
``H = I_Ko ⊗ H_in / N`` (Theorem 1's matrix, :func:`cdnotes.hessian.cdlinear_hessian`,
divided by ``N``). In the Fourier basis of every block it falls apart by frequency
(book chapter 3): for each frequency ``k`` and each output block ``i``,

``(H d)^_i(k) = A_k d̂_i(k)``,  ``A_k = (1/N) Σ_n conj(x̂_n(k)) x̂_n(k)ᵀ``  (``Ki × Ki``, Hermitian)

where ``x̂_n(k) ∈ ℂ^Ki`` holds the ``k``-th DFT coefficient of every input block of sample
``n``. So the damped Newton direction ``(H + λI)⁻¹ g`` costs one real FFT of the inputs and
of ``g``, the ``⌊B/2⌋ + 1`` Gram matrices ``A_k`` and as many linear solves of size ``Ki``
with ``Ko`` right-hand sides — instead of one solve of size ``P = n_in·n_out/B``.
Frequency ``B − k`` carries ``conj(A_k)`` and the conjugate right-hand side, so a real FFT
(``rfft``/``irfft``) covers it.

* :func:`frequency_grams` — the ``A_k`` ``(F, Ki, Ki)``, ``F = ⌊B/2⌋ + 1``;
* :func:`spectral_precondition` — ``(H + λI)⁻¹ vec(G)`` reshaped to ``(Ko, Ki, B)``.

The K-FAC-style optimizer that uses them in a network is
:class:`cdnotes.train.kfac.KFAC`.
"""
from __future__ import annotations

from .backend import device_of, namespace_of
from .layer_hessian.inputs import check_layer_inputs
from .operators.bcmatmul import block_spectrum
from .operators.fft import fft_of
from .validation import (check_array, check_block_size, check_float_array, check_input,
                         check_real, check_same_dtype)

__all__ = ["frequency_grams", "spectral_precondition", "solve_frequencies", "spectrum_grams"]


def frequency_grams(X, block_size):
    """The per-frequency input Gram matrices ``A_k = (1/N) Σ_n conj(x̂_n(k)) x̂_n(k)ᵀ``.

    Parameters
    ----------
    X : array ``(N, n_in)``, real floating, finite, any backend
    block_size : int
        ``B``, dividing ``n_in``.

    Returns
    -------
    A : complex array ``(F, Ki, Ki)``, ``F = ⌊B/2⌋ + 1``, ``Ki = n_in / B``
        Hermitian positive semi-definite; ``A[k]`` is the book's ``M_k / N`` (chapter 3),
        whose eigenvalues (each ``Ko`` times, bins ``0 < k < B/2`` twice) are those of
        ``cdlinear_hessian(X, n_out, B) / N``.
    """
    check_array(X, "X")
    xp = namespace_of(X)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, n_in); got shape {tuple(X.shape)}")
    _, _, B = check_block_size(X.shape[1], block_size, block_size)
    check_input(xp, X, X.shape[1])
    return spectrum_grams(xp, block_spectrum(xp, X, B))


def spectrum_grams(xp, Xf):
    """``(F, N, Ki)`` input spectra -> ``(F, Ki, Ki)`` Gram matrices divided by ``N`` (unchecked).

    Parameters
    ----------
    xp : namespace
    Xf : complex array ``(F, N, Ki)`` (:func:`cdnotes.operators.bcmatmul.block_spectrum`)

    Returns
    -------
    complex array ``(F, Ki, Ki)``, ``conj(Xf[k])ᵀ Xf[k] / N``
    """
    N = Xf.shape[1]
    return xp.matmul(xp.conj(xp.permute_dims(Xf, (0, 2, 1))), Xf) / N


def solve_frequencies(A, G, damping):
    """``(A_k + λI)⁻¹`` applied per frequency to every output block of a coefficient array.

    The unchecked kernel of :func:`spectral_precondition` (also used by
    :class:`cdnotes.train.kfac.KFAC`): ``G`` is taken to the frequency domain with one
    ``rfft``, each frequency's ``Ki × Ki`` system is solved for all ``Ko`` right-hand
    sides at once (``linalg.solve``, no inverse), and ``irfft`` brings the result back.

    Parameters
    ----------
    A : complex array ``(F, Ki, Ki)``, Hermitian (from :func:`frequency_grams`)
    G : real array ``(Ko, Ki, B)`` with ``B // 2 + 1 == F``
    damping : float >= 0

    Returns
    -------
    D : real array ``(Ko, Ki, B)``
    """
    xp = namespace_of(A, G)
    fft = fft_of(xp)
    B, Ki = G.shape[2], G.shape[1]
    Gf = xp.permute_dims(fft.rfft(G, axis=-1), (2, 1, 0))                       # (F, Ki, Ko)
    eye = xp.eye(Ki, dtype=A.dtype, device=device_of(A))
    Df = xp.linalg.solve(A + damping * eye, Gf)                                 # (F, Ki, Ko)
    return fft.irfft(xp.permute_dims(Df, (2, 1, 0)), n=B, axis=-1)


def spectral_precondition(X, G, damping):
    """``(H + damping·I)⁻¹ vec(G)`` for a CDLinear layer, one ``Ki × Ki`` solve per frequency.

    ``H`` is the Hessian of ``(1/2N) Σ_n ‖W(C) x_n − t_n‖²`` with respect to ``C`` — that
    is ``cdlinear_hessian(X, n_out, B) / N`` with parameters ordered as ``C.ravel()`` — and
    the result equals ``solve(H + damping·I, G.ravel()).reshape(G.shape)`` (the tests
    check it to 1e-9) without ever forming ``H``.

    Parameters
    ----------
    X : array ``(N, n_in)``
        The layer's inputs: real floating, finite, any backend.
    G : array ``(Ko, Ki, B)``
        A gradient with respect to ``C`` (same backend and dtype as ``X``), with
        ``Ki·B = n_in``; ``n_out = Ko·B``.
    damping : float >= 0
        Tikhonov damping ``λ``. With ``0`` every ``A_k`` must be non-singular
        (``N >= Ki`` inputs in general position), or ``linalg.solve`` raises.

    Returns
    -------
    D : array ``(Ko, Ki, B)``, real, the dtype of ``X``

    Raises
    ------
    ValueError
        ``damping`` negative or not finite; ``G`` not 3-d or its ``Ki·B`` not ``n_in``;
        non-finite entries.
    TypeError
        ``X`` and ``G`` of different dtypes or backends.
    """
    damping = check_real(damping, "damping", low=0.0)
    check_array(X, "X")
    check_array(G, "G")
    xp = namespace_of(X, G)
    if G.ndim != 3 or any(s == 0 for s in G.shape):
        raise ValueError(f"G must be a gradient with respect to C, shape (Ko, Ki, B); got shape "
                         f"{tuple(G.shape)}")
    Ko, Ki, B = G.shape
    if X.ndim != 2 or X.shape[-1] != Ki * B:
        raise ValueError(f"X must have shape (N, n_in) with n_in = Ki·B = {Ki}·{B} = {Ki * B} "
                         f"to match G {tuple(G.shape)}; got X of shape {tuple(X.shape)}")
    check_float_array(xp, G, "G")
    check_same_dtype(X=X, G=G)
    A = frequency_grams(X, B)
    return solve_frequencies(A, G, damping)
