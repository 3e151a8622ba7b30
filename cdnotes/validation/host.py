"""Host (NumPy) arguments: symmetric matrices, vectors of numbers, scikit-learn data."""
from __future__ import annotations

__all__ = ["check_square_symmetric", "check_host_vector", "sklearn_data"]


def check_square_symmetric(S, name: str, *, psd: bool = False, rtol: float = 1e-8,
                           hermitian: bool = False):
    """A finite, square, symmetric host matrix (and positive semi-definite if ``psd``).

    Parameters
    ----------
    S : array-like ``(n, n)``
    name : str
        Used in the message.
    psd : bool
        Also require ``λ_min >= −rtol·max(|λ|)``.
    rtol : float
        Relative tolerance for symmetry (``‖S − Sᵀ‖_max <= rtol·‖S‖_max``) and PSD-ness.
    hermitian : bool, default False
        Also accept a complex matrix, which must then be Hermitian (``‖S − Sᴴ‖_max <=
        rtol·‖S‖_max``). Without it a complex matrix is refused (``TypeError``): dropping
        its imaginary part would give the eigenvalues of another matrix.

    Returns
    -------
    numpy.ndarray ``(n, n)`` (a copy): float64, or complex128 for a complex ``S`` with
    ``hermitian=True``
    """
    import numpy as np

    from ..backend import to_numpy

    raw = to_numpy(S) if hasattr(S, "__array_namespace__") else S
    if np.iscomplexobj(raw):
        if not hermitian:
            raise TypeError(f"{name} must be a real matrix (float32 or float64); got a complex "
                            f"one (dtype {np.asarray(raw).dtype}): its imaginary part would be "
                            "lost")
        S = np.array(raw, dtype=np.complex128)
    else:
        S = np.array(raw, dtype=np.float64)
    kind = "Hermitian" if S.dtype.kind == "c" else "symmetric"
    if S.ndim != 2 or S.shape[0] != S.shape[1] or S.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix (n, n); got shape {S.shape}")
    if not np.all(np.isfinite(S)):
        raise ValueError(f"{name} contains NaN or inf; all entries must be finite")
    scale = float(np.abs(S).max()) or 1.0
    asym = float(np.abs(S - (S.conj().T if kind == "Hermitian" else S.T)).max())
    if asym > rtol * scale:
        mark = "ᴴ" if kind == "Hermitian" else "ᵀ"
        raise ValueError(f"{name} must be {kind}; max |{name} − {name}{mark}| = {asym:.3g} "
                         f"(relative {asym / scale:.3g} > {rtol:g})")
    if psd:
        low = float(np.linalg.eigvalsh(0.5 * (S + S.conj().T))[0])
        if low < -rtol * scale * S.shape[0]:
            raise ValueError(f"{name} must be positive semi-definite (a covariance or second-moment "
                             f"matrix); its smallest eigenvalue is {low:.3g}")
    return S



def check_host_vector(values, name: str, *, min_size: int = 1, positive: bool = False):
    """Real, finite numbers (any array-like, raveled; booleans count as 0/1) as a float64
    NumPy vector.

    Raises ``TypeError`` for strings, ``None``, complex or other non-numeric input and
    ``ValueError`` for fewer than ``min_size`` values, NaN/inf, or (``positive``) values <= 0.

    Parameters
    ----------
    values : array-like of any shape, or an array of any supported backend (copied to the host)
    name : str
        Used in the message.
    min_size : int, default 1
        Least number of values.
    positive : bool, default False
        Also require every value > 0.

    Returns
    -------
    numpy.ndarray ``(n,)``, float64
    """
    import numpy as np

    from ..backend import to_numpy

    import array_api_compat

    raw = to_numpy(values) if array_api_compat.is_array_api_obj(values) else values
    try:
        a = np.asarray(raw)
    except ValueError as exc:       # ragged nested lists
        raise ValueError(f"{name} must be an array of real numbers; {exc}") from None
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got {type(values).__name__} of dtype "
                        f"{a.dtype}")
    a = a.astype(np.float64).ravel()
    if a.size < min_size:
        raise ValueError(f"{name} needs at least {min_size} value(s); got {a.size}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf; all values must be finite")
    if positive and np.any(a <= 0):
        raise ValueError(f"{name} must be > 0; got the value {a[a <= 0][0]:g}")
    return a


def sklearn_data(estimator, *args, **kwargs):
    """scikit-learn's ``validate_data(estimator, *args, **kwargs)`` with ``X`` named in its errors.

    scikit-learn's own messages ("could not convert string to float", "Complex data not
    supported") are kept, prefixed with ``X (the data passed to ...):`` when they name
    neither ``X`` nor ``y``.

    Parameters
    ----------
    estimator : scikit-learn estimator
        ``self`` of the calling ``fit``/``transform``.
    *args, **kwargs
        Passed on to ``sklearn.utils.validation.validate_data`` (e.g. ``X``, ``y``,
        ``reset=False``, ``dtype=np.float64``).

    Returns
    -------
    array or tuple of arrays
        What ``validate_data`` returns: the validated ``X``, or ``(X, y)`` when ``y`` is given.
    """
    from sklearn.utils.validation import validate_data

    try:
        return validate_data(estimator, *args, **kwargs)
    except (TypeError, ValueError) as exc:
        text = str(exc)
        if type(exc) not in (TypeError, ValueError) or "X" in text or " y" in text:
            raise
        raise type(exc)(f"X (the data passed to {type(estimator).__name__}): {text}") from exc
