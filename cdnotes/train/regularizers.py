"""The paper's Fisher-information regularizer (Eq. 8) with its exact gradient.

``R(C) = Σ_{i,j,k} 1 / (|FFT(c_ij)(k)|² + ε)``, over every block and all ``B``
frequencies. With ``ĉ = FFT(c)`` and ``w_k = (|ĉ_k|² + ε)⁻²``,

    ∂R/∂c[m] = −2 Re Σ_k w_k conj(ĉ_k) e^{−2πikm/B} = −2 Re FFT(w ⊙ conj(ĉ))[m].

The paper gives ``λ_F = 1e-4`` but no ``ε``; the default here, ``ε = 1e-4``, is our
choice (it caps each term at ``1/ε``) and is a parameter. With ``λ_F = 1e-4`` on the
digits, ``ε = 1e-4`` derails training (random coefficients have ``|FFT(c)|²`` near zero
somewhere, so the penalty dwarfs the loss); what larger ``ε`` do to accuracy and to the
blocks' condition number, with confidence intervals over paired seeds, is measured in
the book's Regularizers chapter (:func:`cdnotes.experiments.run_fisher_sweep`).
"""
from __future__ import annotations

from ..backend import namespace_of
from ..operators.fft import complex_dtype
from ..validation import check_array, check_coefficients, check_real

__all__ = ["LAMBDA_FISHER", "fisher_penalty", "fisher_penalty_and_grad"]

LAMBDA_FISHER = 1e-4


def fisher_penalty_and_grad(C, eps: float = 1e-4):
    """The penalty ``R(C)`` and its gradient.

    Parameters
    ----------
    C : array ``(Ko, Ki, B)``
    eps : float > 0

    Returns
    -------
    R : 0-d array (on ``C``'s device)
    dR_dC : array ``(Ko, Ki, B)``, ``C``'s dtype
    """
    check_array(C, "C")
    xp = namespace_of(C)
    check_coefficients(xp, C)
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    c_hat = xp.fft.fft(xp.astype(C, complex_dtype(xp, C.dtype)), axis=-1)
    power = xp.real(c_hat) ** 2 + xp.imag(c_hat) ** 2
    value = xp.sum(1.0 / (power + eps))
    w = 1.0 / (power + eps) ** 2
    grad = -2.0 * xp.real(xp.fft.fft(w * xp.conj(c_hat), axis=-1))
    return value, xp.astype(grad, C.dtype)


def fisher_penalty(C, eps: float = 1e-4) -> float:
    """``R(C)`` alone.

    Parameters
    ----------
    C : array ``(Ko, Ki, B)``; eps : float > 0

    Returns
    -------
    float
    """
    return float(fisher_penalty_and_grad(C, eps)[0])
