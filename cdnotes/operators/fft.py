"""Real FFTs for every backend, and the complex dtype that pairs with a real one.

NumPy arrays go through ``scipy.fft`` (pocketfft: keeps float32, and can use every core);
other namespaces use their own ``xp.fft``. Measured on a 2-core CPU (float32, 16,384
transforms of length 64): ``numpy.fft.rfft`` 4.5 ms, ``scipy.fft.rfft`` 0.9 ms on one
worker and 0.5 ms on two. Threads only pay off for large arrays, so small ones run on
one worker.
"""
from __future__ import annotations

import contextlib

import array_api_compat

__all__ = ["fft_of", "complex_dtype", "fft_workers", "scipy_workers", "load_fft"]

_PARALLEL_FFT_SIZE = 1 << 18
_MAX_WORKERS = -1          # -1: every core (scipy's convention); set by fft_workers()


class _ScipyFFT:
    """``rfft``/``irfft``/``fft``/``ifft`` of ``scipy.fft`` with the array-API call signature."""

    @staticmethod
    def _workers(x, samples=None):
        # ``samples``: the real samples the transform touches (an irfft's output is twice
        # its complex input); a transform of 2^18 or more runs on every allowed worker.
        return _MAX_WORKERS if (x.size if samples is None else samples) >= _PARALLEL_FFT_SIZE \
            else 1

    @classmethod
    def rfft(cls, x, axis=-1):
        import scipy.fft
        return scipy.fft.rfft(x, axis=axis, workers=cls._workers(x))

    @classmethod
    def irfft(cls, x, n=None, axis=-1):
        import scipy.fft
        length = 2 * (x.shape[axis] - 1) if n is None else n
        samples = x.size // max(x.shape[axis], 1) * length
        return scipy.fft.irfft(x, n=n, axis=axis, workers=cls._workers(x, samples))

    @classmethod
    def fft(cls, x, axis=-1):
        import scipy.fft
        return scipy.fft.fft(x, axis=axis, workers=cls._workers(x))

    @classmethod
    def ifft(cls, x, axis=-1):
        import scipy.fft
        return scipy.fft.ifft(x, axis=axis, workers=cls._workers(x))


def scipy_workers(x) -> int:
    """The ``workers=`` argument ``scipy.fft`` gets for the array ``x`` (every core from
    2^18 entries on, as :func:`fft_workers` set; one below).

    Parameters
    ----------
    x : NumPy array

    Returns
    -------
    int
    """
    return _ScipyFFT._workers(x)


def fft_of(xp):
    """The FFT functions to use for namespace ``xp``.

    Parameters
    ----------
    xp : namespace

    Returns
    -------
    object with ``rfft``, ``irfft``, ``fft``, ``ifft`` (array-API signatures): ``scipy.fft``
    for NumPy, ``xp.fft`` otherwise
    """
    if array_api_compat.is_numpy_namespace(xp):
        return _ScipyFFT
    return xp.fft


def load_fft(xp) -> None:
    """Import ``xp``'s FFT backend now, so that the first transform costs what later ones do.

    ``scipy.fft`` is imported lazily (``import cdnotes`` stays light); its first import took
    about 65 ms here, which a spectral layer's first forward pass used to pay (1024 -> 1024,
    ``B = 512``, batch 256: 70 ms against 2.5 ms for every later pass). Layers on the FFT
    path call this when they are built. Other namespaces have nothing to load.

    Parameters
    ----------
    xp : namespace

    Returns
    -------
    None
    """
    if array_api_compat.is_numpy_namespace(xp):
        import scipy.fft  # noqa: F401


def complex_dtype(xp, real_dtype):
    """The complex dtype that pairs with a real one.

    Parameters
    ----------
    xp : namespace; real_dtype : ``xp.float32`` or ``xp.float64``

    Returns
    -------
    ``xp.complex64`` or ``xp.complex128``
    """
    return xp.complex64 if real_dtype == xp.float32 else xp.complex128


@contextlib.contextmanager
def fft_workers(workers: int):
    """Run the library's NumPy FFTs on at most ``workers`` threads inside the block.

    Large transforms use every core by default (``workers=-1``); ``threadpoolctl`` does not
    reach ``scipy.fft``'s own threads, so timings that must run on one thread use this.

    Parameters
    ----------
    workers : int >= 1, or -1 for every core

    Returns
    -------
    context manager
        The previous limit comes back on exit.
    """
    from ..validation import check_int

    global _MAX_WORKERS
    workers = check_int(workers, "workers", minimum=-1)
    if workers == 0:
        raise ValueError("workers must be >= 1, or -1 for every core; got 0")
    previous, _MAX_WORKERS = _MAX_WORKERS, workers
    try:
        yield
    finally:
        _MAX_WORKERS = previous
