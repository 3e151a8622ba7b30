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

from ..backend import namespace_of
from ..validation import (check_array, check_block_size, check_coefficients, check_input,
                          check_positive_int, check_same_dtype)
from .circulant import materialize, project
from .fft import fft_of

__all__ = ["bc_matmul", "bc_matmul_vjp", "METHODS", "resolve_method", "prepare", "DensePlan",
           "SpectralPlan", "SmallGridSpectralPlan", "SMALL_GRID"]

METHODS = ("auto", "fft", "dense", "rdft")

def resolve_method(method: str, block_size: int, n_in: int | None = None,
                   n_out: int | None = None, *, batch: int = 64, costs=None) -> str:
    """Turn ``"auto"`` into ``"fft"``, ``"dense"`` or ``"rdft"`` for a layer of the given size.

    ``"auto"`` takes the path that a cost model predicts faster for one forward + backward
    pass of a mini-batch of ``batch`` rows (:mod:`cdnotes.operators.pathcost`): per-pass
    overhead plus flops at measured rates for each path. Its six constants are ``costs``
    (a :class:`~cdnotes.operators.pathcost.PathCosts`); by default the active ones
    (:func:`~cdnotes.operators.pathcost.active_costs`): those measured on *your* machine by
    :func:`cdnotes.benchmarking.calibrate_auto` if you ran it, else defaults measured on the
    book's build machine. ``CDNOTES_PATH_COSTS=default`` ignores any calibration file. The
    choice is a pure function of the sizes and the constants. All paths give the same
    numbers up to rounding. Without sizes, ``"dense"`` for ``B <= 2`` and ``"fft"`` otherwise.

    ``"fft"``, ``"dense"`` and ``"rdft"`` (:mod:`cdnotes.operators.rdft`) are returned
    unchanged; anything else raises ``ValueError``.

    Parameters
    ----------
    method : {"auto", "fft", "dense", "rdft"}
    block_size : int >= 1
        ``B``; must divide ``n_in`` and ``n_out`` when they are given.
    n_in, n_out : int or None, default None
        The layer's sizes; ``None`` (either) uses the size-free rule above.
    batch : int, default 64
        Rows ``N`` of the mini-batch the cost model prices.
    costs : PathCosts or None, default None
        The model's constants; ``None``: :func:`~cdnotes.operators.pathcost.active_costs`.

    Returns
    -------
    str
        ``"fft"``, ``"dense"`` or ``"rdft"`` for ``"auto"``; any other method as given.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}")
    if n_in is None or n_out is None:
        block_size = check_positive_int(block_size, "block_size")
    else:
        n_in, n_out, block_size = check_block_size(n_in, n_out, block_size)
    if method != "auto":
        return method
    if n_in is None or n_out is None:
        return "dense" if block_size <= 2 else "fft"
    from .pathcost import active_costs, cheaper_path
    return cheaper_path(n_in, n_out, block_size, batch, active_costs() if costs is None else costs)


# ----------------------------------------------------------------------------
# Spectral building blocks (no validation; shapes as documented).
# ----------------------------------------------------------------------------

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
# Kernel plans: what both passes need, computed once per forward pass.
# ----------------------------------------------------------------------------

class DensePlan:
    """Materialised path: ``W = block_circulant(C)`` ``(Ko·B, Ki·B)`` and the input ``X2`` ``(N, Ki·B)``.

    Parameters
    ----------
    xp : namespace
        The array namespace of ``C`` and ``X2``.
    C : array ``(Ko, Ki, B)``
        Block coefficients.
    X2 : array ``(N, Ki·B)``
        The inputs (not copied).

    Attributes
    ----------
    method : str
        ``"dense"``.
    block_size : int
        ``B``.
    X2 : array ``(N, Ki·B)``
    W : array ``(Ko·B, Ki·B)``
        The materialised block-circulant matrix.
    """

    method = "dense"

    def __init__(self, xp, C, X2):
        self.block_size = C.shape[2]
        self.X2 = X2
        self.W = materialize(xp, C)

    def forward(self, xp):
        """Eq. 2: ``X2 @ W.T``, ``(N, Ko·B)``."""
        return xp.matmul(self.X2, xp.matrix_transpose(self.W))

    def vjp(self, xp, dY2):
        """Eqs. 3-4: ``(∂L/∂C (Ko, Ki, B), ∂L/∂X2 (N, Ki·B))`` for ``dY2`` ``(N, Ko·B)``."""
        dW = xp.matmul(xp.matrix_transpose(dY2), self.X2)
        return project(xp, dW, self.block_size), xp.matmul(dY2, self.W)


class SpectralPlan:
    """FFT path: ``Ĉ`` ``(F, Ko, Ki)`` and ``X̂`` ``(F, N, Ki)``, ``F = B//2 + 1``; never forms ``W``.

    Parameters
    ----------
    xp : namespace
        The array namespace of ``C`` and ``X2``.
    C : array ``(Ko, Ki, B)``
        Block coefficients, real.
    X2 : array ``(N, Ki·B)``
        The inputs, real.

    Attributes
    ----------
    method : str
        ``"fft"``.
    block_size : int
        ``B``.
    Cf : complex array ``(F, Ko, Ki)``
        ``rfft`` of every block's coefficients.
    Xf : complex array ``(F, N, Ki)``
        ``rfft`` of every input block.
    """

    method = "fft"

    def __init__(self, xp, C, X2):
        self.block_size = C.shape[2]
        self.Cf = coefficient_spectrum(xp, C)
        self.Xf = block_spectrum(xp, X2, self.block_size)

    def forward(self, xp):
        """Eq. 2: ``X2 @ W.T``, ``(N, Ko·B)``."""
        return block_signal(xp, spectral_forward(xp, self.Cf, self.Xf), self.block_size)

    def vjp(self, xp, dY2):
        """Eqs. 3-4: ``(∂L/∂C (Ko, Ki, B), ∂L/∂X2 (N, Ki·B))`` for ``dY2`` ``(N, Ko·B)``."""
        B = self.block_size
        dYf = block_spectrum(xp, dY2, B)
        return (spectral_grad_coefficients(xp, self.Xf, dYf, B),
                block_signal(xp, spectral_grad_input(xp, self.Cf, dYf), B))


#: The FFT path contracts a grid of at most this many blocks (``Ko·Ki``) by broadcasting.
SMALL_GRID = 4


class SmallGridSpectralPlan:
    """FFT path for a grid of at most :data:`SMALL_GRID` blocks (``Ko·Ki <= 4``: ``B >= n/2``).

    Eqs. 2-4 with ``Ko·Ki`` so small that the ``F`` batched matmuls of :class:`SpectralPlan`
    are mostly call overhead: the spectra stay in the layout the transforms produce,
    ``(N, K, F)``, and each equation is one broadcast product summed over the contracted
    axis (no transposed copies). Same numbers as :class:`SpectralPlan` up to rounding.
    Measured (one thread, float32, batch 256, forward + backward, 45 interleaved rounds):
    0.70× :class:`SpectralPlan`'s time at ``n = 512, B = 256`` and 0.90× at
    ``n = 1024, B = 512``; at ``Ko·Ki = 16`` (``n = 4096, B = 1024``) it was 1.17×, hence
    the cut at 4.

    Parameters
    ----------
    xp : namespace
    C : array ``(Ko, Ki, B)``, real
    X2 : array ``(N, Ki·B)``, real

    Attributes
    ----------
    method : str
        ``"fft"``.
    block_size : int
    X2 : array ``(N, Ki·B)`` (not copied)
    Cn : complex array ``(Ko, Ki, F)``
        ``rfft`` of every block's coefficients.
    Xn : complex array ``(N, Ki, F)``
        ``rfft`` of every input block.
    """

    method = "fft"

    def __init__(self, xp, C, X2):
        Ko, Ki, B = C.shape
        self.block_size = B
        self.X2 = X2
        self.Cn = fft_of(xp).rfft(C, axis=-1)
        self.Xn = fft_of(xp).rfft(xp.reshape(X2, (X2.shape[0], Ki, B)), axis=-1)

    def _signal(self, xp, An):
        N, K, _ = An.shape
        return xp.reshape(fft_of(xp).irfft(An, n=self.block_size, axis=-1),
                          (N, K * self.block_size))

    def forward(self, xp):
        """Eq. 2: ``X2 @ W.T``, ``(N, Ko·B)``."""
        Yn = xp.sum(xp.expand_dims(self.Xn, axis=1) * xp.expand_dims(self.Cn, axis=0), axis=2)
        return self._signal(xp, Yn)

    def vjp(self, xp, dY2):
        """Eqs. 3-4: ``(∂L/∂C (Ko, Ki, B), ∂L/∂X2 (N, Ki·B))`` for ``dY2`` ``(N, Ko·B)``."""
        Ko, Ki, _ = self.Cn.shape
        B = self.block_size
        dYn = xp.expand_dims(
            fft_of(xp).rfft(xp.reshape(dY2, (dY2.shape[0], Ko, B)), axis=-1), axis=2)
        Gn = xp.sum(dYn * xp.expand_dims(xp.conj(self.Xn), axis=1), axis=0)      # (Ko, Ki, F)
        dXn = xp.sum(dYn * xp.expand_dims(xp.conj(self.Cn), axis=0), axis=1)     # (N, Ki, F)
        return fft_of(xp).irfft(Gn, n=B, axis=-1), self._signal(xp, dXn)


def prepare(xp, C, X2, method: str):
    """The kernel plan for ``C`` ``(Ko, Ki, B)`` and ``X2`` ``(N, Ki·B)``; ``method`` resolved.

    No checks: the kernel shared by :func:`bc_matmul`, :func:`bc_matmul_vjp` and
    :class:`cdnotes.CDLinear`.

    Parameters
    ----------
    xp : namespace
        The array namespace of ``C`` and ``X2``.
    C : array ``(Ko, Ki, B)``
    X2 : array ``(N, Ki·B)``
    method : {"fft", "dense", "rdft"}
        Already resolved (:func:`resolve_method`); anything but ``"dense"`` or ``"rdft"``
        gives the FFT path.

    Returns
    -------
    DensePlan, SpectralPlan, SmallGridSpectralPlan or RealDFTPlan
        The FFT path is a :class:`SmallGridSpectralPlan` when ``Ko·Ki <= SMALL_GRID``.
    """
    if method == "dense":
        return DensePlan(xp, C, X2)
    if method == "rdft":
        from .rdft import RealDFTPlan
        return RealDFTPlan(xp, C, X2)
    if C.shape[0] * C.shape[1] <= SMALL_GRID:
        return SmallGridSpectralPlan(xp, C, X2)
    return SpectralPlan(xp, C, X2)


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
    check_array(C, "C")
    check_array(X, "X")
    xp = namespace_of(C, X)
    check_coefficients(xp, C)
    Ko, Ki, B = C.shape
    check_input(xp, X, Ki * B)
    check_same_dtype(C=C, X=X)
    X2, batch = _flatten_batch(xp, X)
    plan = prepare(xp, C, X2, resolve_method(method, B, Ki * B, Ko * B))
    return xp.reshape(plan.forward(xp), batch + (Ko * B,))


def bc_matmul_vjp(C, X, dY, *, method: str = "fft"):
    """Both vector-Jacobian products of :func:`bc_matmul` (paper Eqs. 3 and 4).

    Parameters
    ----------
    C : array, shape ``(Ko, Ki, B)``
    X : array, shape ``(..., Ki*B)``
    dY : array, shape ``(..., Ko*B)``
        Upstream gradient ``∂L/∂Y``, same batch shape as ``X``.
    method : {"fft", "dense", "auto"}
        As for :func:`bc_matmul`.

    Returns
    -------
    dC : array, shape ``(Ko, Ki, B)``
        ``∂L/∂C``, summed over all batch dimensions.
    dX : array, shape ``(..., Ki*B)``
        ``∂L/∂X``.
    """
    check_array(C, "C")
    check_array(X, "X")
    check_array(dY, "dY")
    xp = namespace_of(C, X, dY)
    check_coefficients(xp, C)
    Ko, Ki, B = C.shape
    check_input(xp, X, Ki * B)
    check_input(xp, dY, Ko * B, name="dY")
    if tuple(dY.shape[:-1]) != tuple(X.shape[:-1]):
        raise ValueError(f"dY batch shape {tuple(dY.shape[:-1])} does not match X batch shape "
                         f"{tuple(X.shape[:-1])}")
    check_same_dtype(C=C, X=X, dY=dY)
    X2, batch = _flatten_batch(xp, X)
    dY2, _ = _flatten_batch(xp, dY)
    plan = prepare(xp, C, X2, resolve_method(method, B, Ki * B, Ko * B))
    dC, dX2 = plan.vjp(xp, dY2)
    return dC, xp.reshape(dX2, batch + (Ki * B,))
