"""The orthonormal DCT-II and its inverse along the last axis, on every backend.

``dct(xp, X)`` is ``scipy.fft.dct(X, type=2, norm="ortho", axis=-1)``: with ``C`` the
orthonormal DCT-II matrix, ``dct(X) = X @ Cᵀ`` and ``idct(X) = X @ C`` (``C⁻¹ = Cᵀ``).
NumPy arrays go through ``scipy.fft``; other namespaces (CuPy, ``array_api_strict``) through
one complex FFT of length ``n`` (Makhoul 1980): reorder ``v = [x₀, x₂, x₄, …, x₅, x₃, x₁]``,
``y_k = s_k · 2 Re(e^{−iπk/2n} FFT(v)_k)`` with ``s₀ = √(1/4n)``, ``s_k = √(1/2n)``; the
inverse runs the same steps backwards. Both paths are tested against ``scipy.fft``.
"""
from __future__ import annotations

import array_api_compat
import numpy as np

from ..backend import device_of
from ..operators.fft import complex_dtype, scipy_workers

__all__ = ["dct", "idct", "dct_matrix"]


def dct_matrix(n: int) -> np.ndarray:
    """The orthonormal DCT-II matrix ``C`` ``(n, n)`` (host, float64): ``C @ x = dct(x)``.

    Parameters
    ----------
    n : int >= 1

    Returns
    -------
    numpy.ndarray ``(n, n)``, orthogonal
    """
    import scipy.fft
    return scipy.fft.dct(np.eye(n), type=2, norm="ortho", axis=0)


def dct(xp, X):
    """Orthonormal DCT-II along the last axis: ``X`` ``(..., n)`` -> ``(..., n)``.

    Parameters
    ----------
    xp : namespace of ``X``
    X : real floating array ``(..., n)``

    Returns
    -------
    array ``(..., n)``, ``X``'s dtype: ``X @ Cᵀ``
    """
    if array_api_compat.is_numpy_namespace(xp):
        import scipy.fft
        return scipy.fft.dct(X, type=2, norm="ortho", axis=-1, workers=scipy_workers(X))
    n = X.shape[-1]
    plan = _plan(xp, n, X.dtype, device_of(X))
    v = xp.astype(xp.take(X, plan["perm"], axis=X.ndim - 1), complex_dtype(xp, X.dtype))
    return xp.real(xp.fft.fft(v, axis=-1) * plan["forward"])


def idct(xp, Y):
    """Inverse of :func:`dct` (the orthonormal DCT-III) along the last axis.

    Parameters
    ----------
    xp : namespace of ``Y``
    Y : real floating array ``(..., n)``

    Returns
    -------
    array ``(..., n)``, ``Y``'s dtype: ``Y @ C``
    """
    if array_api_compat.is_numpy_namespace(xp):
        import scipy.fft
        return scipy.fft.idct(Y, type=2, norm="ortho", axis=-1, workers=scipy_workers(Y))
    n = Y.shape[-1]
    plan = _plan(xp, n, Y.dtype, device_of(Y))
    reversed_ = xp.take(Y, plan["reverse"], axis=Y.ndim - 1)             # Y[(n - k) % n]
    V = Y * plan["inverse_direct"] + reversed_ * plan["inverse_reversed"]
    v = xp.real(xp.fft.ifft(V, axis=-1))
    return xp.take(v, plan["unperm"], axis=Y.ndim - 1)


_PLANS: dict = {}


def _plan(xp, n, dtype, device):
    """Index arrays and twiddle factors for length ``n`` on ``xp``/``device`` (cached)."""
    key = (xp.__name__, str(device), str(dtype), n)
    if key not in _PLANS:
        k = np.arange(n)
        s = np.full(n, np.sqrt(1.0 / (2 * n)))
        s[0] = np.sqrt(1.0 / (4 * n))
        perm = np.concatenate([np.arange(0, n, 2), np.arange(1, n, 2)[::-1]])
        forward = 2 * s * np.exp(-1j * np.pi * k / (2 * n))
        # ifft input V_k = e^{iπk/2n} (Y_k/s_k − i Y_{n−k}/s_{n−k}) / 2, with Y_n = 0
        phase = np.exp(1j * np.pi * k / (2 * n))
        direct = phase / (2 * s)
        s_rev = s[(n - k) % n]
        reversed_ = np.where(k == 0, 0.0, -1j * phase / (2 * s_rev))
        cd = complex_dtype(xp, dtype)
        idx = lambda a: xp.asarray(a.astype(np.int64), device=device)     # noqa: E731
        cplx = lambda a: xp.asarray(a, dtype=cd, device=device)           # noqa: E731
        _PLANS[key] = {"perm": idx(perm), "unperm": idx(np.argsort(perm)),
                       "reverse": idx((n - k) % n), "forward": cplx(forward),
                       "inverse_direct": cplx(direct), "inverse_reversed": cplx(reversed_)}
    return _PLANS[key]
