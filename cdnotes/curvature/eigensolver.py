"""Eigenvalues of a dense symmetric matrix, with the LAPACK driver chosen by measurement.

``numpy.linalg.eigvalsh`` and ``scipy.linalg.eigh(..., eigvals_only=True)`` reduce the
matrix to tridiagonal form with ``dsytrd`` (half of its flops in matrix-vector products,
bound by memory bandwidth) before solving the tridiagonal problem. LAPACK's 2-stage
driver ``dsyevd_2stage`` reduces to a band matrix first with matrix-matrix products, then
to tridiagonal form. SciPy does not wrap it (``scipy.linalg.lapack`` has ``dsyevd``,
``dsyevr``, ``dsyevx``, no ``*_2stage``), but the OpenBLAS that NumPy and SciPy wheels ship
exports it through LAPACKE; :func:`two_stage_available` says whether it was found here.

:func:`eigenvalues_symmetric` takes ``driver="auto"`` (the default: :data:`AUTO_DRIVER`,
the fastest in ``benchmarks/network_curvature.py`` on the book's 2-core machine, falling
back to ``"evd"`` where the 2-stage routine is not found), or a driver by name.
"""
from __future__ import annotations

import ctypes
import glob
import os

import numpy as np
import scipy.linalg

from ..validation import check_bool, check_choice, check_square_symmetric
from .products import blas_limit

__all__ = ["eigenvalues_symmetric", "two_stage_available", "DRIVERS", "AUTO_DRIVER"]

DRIVERS = ("auto", "2stage", "evd", "evr", "ev", "numpy")
"""``"2stage"`` LAPACKE ``dsyevd_2stage`` (OpenBLAS of the NumPy/SciPy wheels); ``"evd"``,
``"evr"``, ``"ev"``: ``scipy.linalg.eigh(H, eigvals_only=True, driver=...)``; ``"numpy"``:
``numpy.linalg.eigvalsh``."""

AUTO_DRIVER = "2stage"
"""What ``driver="auto"`` uses when it is available. Measured by ``benchmarks/
network_curvature.py`` on the book's 2-core machine (two runs, load average 3-7, one BLAS
thread, wall clock): n = 4000 random: 2stage 3.95 / 4.22 s, evd 7.10 / 6.71 s, evr 6.70 /
6.78 s, numpy 5.82 / 8.32 s; the CD-B4 Hessian (n = 2380): 2stage 0.71 / 0.82 s, evd 1.25 /
0.96 s, evr 1.59 / 0.81 s, numpy 1.78 / 0.93 s; the dense model's Hessian (n = 8970): 2stage
37.7 s; random n = 8970: 2stage 41.8 s, numpy 85.1 s. At n = 2000 (random) the four were
within 10% (0.44-0.58 s). On two threads every driver was 2-50× slower than on one, with
other processes running."""

_LAPACK_COL_MAJOR = 102
_ROUTINE = None


def _two_stage():
    """The LAPACKE ``dsyevd_2stage`` function and its integer type, or ``None``."""
    global _ROUTINE
    if _ROUTINE is not None:
        return _ROUTINE or None
    found = False
    roots = [(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs"),
              "scipy_LAPACKE_dsyevd_2stage64_", ctypes.c_int64),
             (os.path.join(os.path.dirname(scipy.__file__), os.pardir, "scipy.libs"),
              "scipy_LAPACKE_dsyevd_2stage", ctypes.c_int32)]
    for folder, symbol, integer in roots:
        for path in sorted(glob.glob(os.path.join(folder, "*openblas*.so*"))):
            try:
                routine = getattr(ctypes.CDLL(path), symbol)
            except (OSError, AttributeError):
                continue
            routine.restype = integer
            routine.argtypes = [ctypes.c_int, ctypes.c_char, ctypes.c_char, integer,
                                ctypes.c_void_p, integer, ctypes.c_void_p]
            found = (routine, integer)
            break
        if found:
            break
    _ROUTINE = found
    return found or None


def two_stage_available() -> bool:
    """Whether LAPACKE's ``dsyevd_2stage`` was found in the OpenBLAS of NumPy or SciPy.

    Returns
    -------
    bool
    """
    return _two_stage() is not None


def _eig_two_stage(H, overwrite):
    routine, integer = _two_stage()
    if overwrite and H.dtype == np.float64 and (H.flags.f_contiguous or H.flags.c_contiguous):
        A = H if H.flags.f_contiguous else H.T          # Hᵀ = H: the same matrix in place
    else:
        A = np.array(H, dtype=np.float64, order="F")
    n = A.shape[0]
    w = np.empty(n)
    # A symmetric matrix equals its transpose: column-major 'L' reads the lower triangle.
    info = routine(_LAPACK_COL_MAJOR, b"N", b"L", integer(n), A.ctypes.data, integer(n),
                   w.ctypes.data)
    if info != 0:
        raise np.linalg.LinAlgError(f"LAPACKE_dsyevd_2stage failed (info = {info})")
    return w


def eigenvalues_symmetric(H, *, driver="auto", overwrite=False, check=True, blas_threads=1):
    """All eigenvalues of a real symmetric (or complex Hermitian) matrix, ascending.

    Parameters
    ----------
    H : array-like ``(n, n)``, finite, real symmetric or complex Hermitian (only its lower
        triangle is read by the LAPACK drivers)
    driver : one of :data:`DRIVERS`
        ``"auto"``: :data:`AUTO_DRIVER` if available, else ``"evd"``; for a complex ``H``
        ``"auto"`` is ``"evd"`` (``"2stage"`` is real only and refused for a complex ``H``).
    overwrite : bool
        Allow the solver to overwrite ``H`` (saves one ``n × n`` copy; ``"2stage"`` with a
        contiguous float64 ``H``, and the SciPy drivers).
    check : bool
        Check finiteness and symmetry (relative ``1e-8``; Hermitian symmetry for a complex
        ``H``) first (:func:`~cdnotes.validation.check_square_symmetric`: a copy of ``H`` and
        two temporaries of its size; pass ``False`` for a matrix known to be symmetric, such
        as :func:`~cdnotes.curvature.network_hessian`'s).
    blas_threads : int or None, default 1
        BLAS threads (:func:`~cdnotes.curvature.products.blas_limit`; ``None``: as is). On
        the book's shared 2-core machine two threads were up to 50× slower than one.

    Returns
    -------
    numpy array ``(n,)``, float64, ascending (real also for a Hermitian ``H``)
    """
    check_choice(driver, "driver", DRIVERS)
    overwrite, check = check_bool(overwrite, "overwrite"), check_bool(check, "check")
    if check:
        H = check_square_symmetric(H, "H", hermitian=True)
        overwrite = True                       # H is our own copy now
    else:
        H = np.asarray(H)
        H = H.astype(np.complex128 if np.iscomplexobj(H) else np.float64, copy=False)
    if H.dtype.kind == "c":
        if driver == "2stage":
            raise ValueError("driver='2stage' (LAPACKE dsyevd_2stage) takes real matrices only; "
                             "H is complex: use driver 'auto', 'evd', 'evr', 'ev' or 'numpy'")
        if driver == "auto":
            driver = "evd"
    if driver == "auto":
        driver = AUTO_DRIVER if AUTO_DRIVER != "2stage" or two_stage_available() else "evd"
    if driver == "2stage" and not two_stage_available():
        raise RuntimeError("LAPACKE dsyevd_2stage was not found in the OpenBLAS of NumPy or "
                           "SciPy; use driver='evd'")
    with blas_limit(np, blas_threads):
        if driver == "2stage":
            return np.sort(_eig_two_stage(H, overwrite))
        if driver == "numpy":
            return np.linalg.eigvalsh(H)
        return scipy.linalg.eigh(H, eigvals_only=True, driver=driver, overwrite_a=overwrite,
                                 check_finite=False)
