"""Products with a block-circulant matrix, without materialising it (paper Eqs. 2–4).

Shapes: ``C`` is ``(Ko, Ki, B)``, inputs ``X`` are ``(..., Ki*B)``, outputs
``Y = X @ block_circulant(C).T`` are ``(..., Ko*B)``. With ``F = B//2 + 1``
real-FFT frequencies, every block pair ``(i, j)`` is one complex multiply per
frequency, so the whole layer is ``F`` small complex matmuls batched together:

    Ŷ[f] = X̂[f] @ Ĉ[f]ᵀ           (F, N, Ki) @ (F, Ki, Ko)  -> (F, N, Ko)   Eq. 2
    ∂L/∂Ĉ[f] = dŶ[f]ᵀ @ conj(X̂[f])  (F, Ko, N) @ (F, N, Ki)  -> (F, Ko, Ki)  Eq. 3
    dX̂[f] = dŶ[f] @ conj(Ĉ[f])      (F, N, Ko) @ (F, Ko, Ki) -> (F, N, Ki)   Eq. 4

(``conj(FFT(c))`` is ``FFT(c_rev)`` of Eq. 4 for real ``c``.) No Python loop runs
over blocks or samples.

Two interchangeable ways to compute the same thing are offered:

``"fft"``
    the spectral path above; never forms the ``n_out × n_in`` matrix; cost
    ``O(N·Ko·Ki·B)`` for the matmuls plus ``O(N·(Ki+Ko)·B log B)`` for the FFTs.
``"dense"``
    materialise ``W = block_circulant(C)`` and use one real matmul, cost
    ``O(N·n_in·n_out)``. For small ``B`` (and always for ``B = 1``) the per-call
    overhead of many tiny FFTs makes this the faster path.
"""
from __future__ import annotations

import array_api_compat

from .backend import namespace_of
from .circulant import materialize, project
from .validation import check_coefficients, check_float_array, check_input

__all__ = ["bc_matmul", "bc_matmul_vjp", "METHODS", "resolve_method"]

METHODS = ("auto", "fft", "dense")

def resolve_method(method: str, block_size: int, n_in: int | None = None,
                   n_out: int | None = None) -> str:
    """Turn ``"auto"`` into ``"fft"`` or ``"dense"`` for a layer of the given size.

    ``"auto"`` materialises ``W`` where that measured faster on a 2-core CPU
    (``benchmarks/cdlinear_paths.py``, float64, batch 64): whenever ``B <= 2``; for every
    ``B`` when ``n_in·n_out <= 128·128`` (the digits models are 64 wide); for ``B <= 8``
    when ``n_in·n_out <= 256·256``; for ``B <= 4`` when ``n_in·n_out <= 512·512``.
    Everywhere else the FFT path wins (at width 512 and ``B >= 32`` it took 0.3-0.4 of a
    dense layer's time; ``benchmarks/cdlinear_speed.py`` covers larger widths). Without
    sizes, only the block-size rule applies.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}")
    if method != "auto":
        return method
    size = None if n_in is None or n_out is None else n_in * n_out
    if block_size <= 2:
        return "dense"
    if size is not None and (size <= 128 * 128 or (size <= 256 * 256 and block_size <= 8)
                             or (size <= 512 * 512 and block_size <= 4)):
        return "dense"
    return "fft"


# ----------------------------------------------------------------------------
# Spectral building blocks (no validation; shapes as documented).
# ----------------------------------------------------------------------------

class _ScipyFFT:
    """``scipy.fft`` for NumPy arrays: its pocketfft keeps float32 and can use every core.

    Measured on a 2-core CPU (float32, 16,384 transforms of length 64): ``numpy.fft.rfft``
    4.5 ms, ``scipy.fft.rfft`` 0.9 ms on one worker and 0.5 ms on two. Threads only pay
    off for large arrays, so small ones run on one worker.
    """

    @staticmethod
    def _workers(x):
        return -1 if x.size >= _PARALLEL_FFT_SIZE else 1

    @classmethod
    def rfft(cls, x, axis=-1):
        import scipy.fft
        return scipy.fft.rfft(x, axis=axis, workers=cls._workers(x))

    @classmethod
    def irfft(cls, x, n=None, axis=-1):
        import scipy.fft
        return scipy.fft.irfft(x, n=n, axis=axis, workers=cls._workers(x))


_PARALLEL_FFT_SIZE = 1 << 18


def fft_of(xp):
    """The real-FFT functions to use for namespace ``xp`` (``rfft``, ``irfft``)."""
    if array_api_compat.is_numpy_namespace(xp):
        try:
            import scipy.fft  # noqa: F401
            return _ScipyFFT
        except ImportError:  # pragma: no cover - scipy is a dependency, but stay usable without
            pass
    return xp.fft


def coefficient_spectrum(xp, C):
    """``rfft`` of every block's coefficients, as ``(F, Ko, Ki)`` complex."""
    return xp.permute_dims(fft_of(xp).rfft(C, axis=-1), (2, 0, 1))


def block_spectrum(xp, X2, block_size: int):
    """``rfft`` of every input block: ``(N, K*B)`` real -> ``(F, N, K)`` complex."""
    N, width = X2.shape
    blocks = xp.reshape(X2, (N, width // block_size, block_size))
    spectrum = xp.permute_dims(fft_of(xp).rfft(blocks, axis=-1), (2, 0, 1))
    # One contiguous copy, so the matmuls of Eqs. 2-4 (which also use its transpose) run on
    # BLAS's fast path: at width 4096, B = 64 this halved the time of Eq. 3 for a 0.4 ms copy.
    return xp.reshape(spectrum, spectrum.shape, copy=True)


def block_signal(xp, Yf, block_size: int):
    """Inverse of :func:`block_spectrum`: ``(F, N, K)`` complex -> ``(N, K*B)`` real."""
    _, N, K = Yf.shape
    y = fft_of(xp).irfft(xp.permute_dims(Yf, (1, 2, 0)), n=block_size, axis=-1)
    return xp.reshape(y, (N, K * block_size))


def spectral_forward(xp, Cf, Xf):
    """Eq. 2 in the frequency domain: ``(F, Ko, Ki)``, ``(F, N, Ki)`` -> ``(F, N, Ko)``."""
    return xp.matmul(Xf, xp.permute_dims(Cf, (0, 2, 1)))


def spectral_grad_coefficients(xp, Xf, dYf, block_size: int):
    """Eq. 3, summed over the batch: returns ``∂L/∂C`` of shape ``(Ko, Ki, B)`` (real)."""
    Gf = xp.matmul(xp.permute_dims(dYf, (0, 2, 1)), xp.conj(Xf))      # (F, Ko, Ki)
    return fft_of(xp).irfft(xp.permute_dims(Gf, (1, 2, 0)), n=block_size, axis=-1)


def spectral_grad_input(xp, Cf, dYf):
    """Eq. 4 in the frequency domain: ``(F, Ko, Ki)``, ``(F, N, Ko)`` -> ``(F, N, Ki)``."""
    return xp.matmul(dYf, xp.conj(Cf))


# ----------------------------------------------------------------------------
# Public functions.
# ----------------------------------------------------------------------------

def prepare(xp, C, X2, method: str):
    """What both passes need, computed once: ``("dense", X2, W)`` or ``("fft", X2, Ĉ, X̂)``.

    ``C`` ``(Ko, Ki, B)``, ``X2`` ``(N, Ki·B)``, ``method`` already resolved. No checks: the
    kernel shared by :func:`bc_matmul`, :func:`bc_matmul_vjp` and :class:`cdnotes.CDLinear`.
    """
    if method == "dense":
        return ("dense", X2, materialize(xp, C))
    return ("fft", X2, coefficient_spectrum(xp, C), block_spectrum(xp, X2, C.shape[2]))


def forward_prepared(xp, prepared, block_size: int):
    """Eq. 2: ``X2 @ W.T`` ``(N, Ko·B)`` from :func:`prepare`'s result."""
    if prepared[0] == "dense":
        _, X2, W = prepared
        return xp.matmul(X2, xp.matrix_transpose(W))
    _, _, Cf, Xf = prepared
    return block_signal(xp, spectral_forward(xp, Cf, Xf), block_size)


def vjp_prepared(xp, prepared, dY2, block_size: int):
    """Eqs. 3-4: ``(∂L/∂C (Ko, Ki, B), ∂L/∂X2 (N, Ki·B))`` from :func:`prepare`'s result."""
    B = block_size
    if prepared[0] == "dense":
        _, X2, W = prepared
        return project(xp, xp.matmul(xp.matrix_transpose(dY2), X2), B), xp.matmul(dY2, W)
    _, _, Cf, Xf = prepared
    dYf = block_spectrum(xp, dY2, B)
    return (spectral_grad_coefficients(xp, Xf, dYf, B),
            block_signal(xp, spectral_grad_input(xp, Cf, dYf), B))


def _flatten_batch(xp, X):
    return xp.reshape(X, (-1, X.shape[-1])), tuple(X.shape[:-1])


def bc_matmul(C, X, *, method: str = "fft"):
    """``X @ block_circulant(C).T`` without forming the matrix (paper Eq. 2).

    Parameters
    ----------
    C : array, shape ``(Ko, Ki, B)``
        Block coefficients (first columns of the circulant blocks).
    X : array, shape ``(..., Ki*B)``
        Inputs; any number of leading batch dimensions.
    method : {"fft", "dense", "auto"}
        ``"fft"`` (default) uses real FFTs; ``"dense"`` materialises ``W``.

    Returns
    -------
    Y : array, shape ``(..., Ko*B)``, on the namespace and device of ``X``.
    """
    xp = namespace_of(C, X)
    check_coefficients(xp, C)
    Ko, Ki, B = C.shape
    check_input(xp, X, Ki * B)
    X2, batch = _flatten_batch(xp, X)
    prepared = prepare(xp, C, X2, resolve_method(method, B, Ki * B, Ko * B))
    return xp.reshape(forward_prepared(xp, prepared, B), batch + (Ko * B,))


def bc_matmul_vjp(C, X, dY, *, method: str = "fft"):
    """Both vector-Jacobian products of :func:`bc_matmul` (paper Eqs. 3 and 4).

    Parameters
    ----------
    C : array, shape ``(Ko, Ki, B)``
    X : array, shape ``(..., Ki*B)``
    dY : array, shape ``(..., Ko*B)``
        Upstream gradient ``∂L/∂Y``, same batch shape as ``X``.

    Returns
    -------
    dC : array, shape ``(Ko, Ki, B)``
        ``∂L/∂C``, summed over all batch dimensions.
    dX : array, shape ``(..., Ki*B)``
        ``∂L/∂X``.
    """
    xp = namespace_of(C, X, dY)
    check_coefficients(xp, C)
    Ko, Ki, B = C.shape
    check_input(xp, X, Ki * B)
    check_input(xp, dY, Ko * B, name="dY")
    if tuple(dY.shape[:-1]) != tuple(X.shape[:-1]):
        raise ValueError(f"dY batch shape {tuple(dY.shape[:-1])} does not match X batch shape "
                         f"{tuple(X.shape[:-1])}")
    X2, batch = _flatten_batch(xp, X)
    dY2, _ = _flatten_batch(xp, dY)
    prepared = prepare(xp, C, X2, resolve_method(method, B, Ki * B, Ko * B))
    dC, dX2 = vjp_prepared(xp, prepared, dY2, B)
    return dC, xp.reshape(dX2, batch + (Ki * B,))
