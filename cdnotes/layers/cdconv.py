"""The block-circulant 1-D convolution, ``CDConv1D`` (CirCNN's construction), and what the CD
paper's phrase "CDLinear is a 1×1 depthwise circular convolution" does and does not mean.

``CDConv1D`` is :class:`~cdnotes.layers.Conv1D` with the channel mixing at every tap made
block-circulant: the dense weight ``W`` ``(C_out, kernel, C_in)`` has ``W[:, j, :] =
block_circulant(C[:, :, j, :])`` for coefficients ``C`` ``(Ko, Ki, kernel, B)``,
``Ko = C_out / B``, ``Ki = C_in / B``. The passes never form ``W``: one real FFT of the
input's channel blocks (length ``B``), one complex product per frequency contracting
input blocks and taps together (``(N·L_out, kernel·Ki) @ (kernel·Ki, Ko)``, the windows
gathered in the frequency domain), one inverse FFT.
"""
from __future__ import annotations

import numpy as np

from ..backend import device_of, namespace_of
from ..operators.circulant import block_circulant
from ..operators.fft import fft_of, load_fft
from ..validation import check_array, common_divisors, check_int, check_seed
from .cdlinear import CDLinear
from .conv import ConvLayer, host_params
from .init import init_std, normal_weights

__all__ = ["CDConv1D", "cdlinear_as_conv"]


def _check_block_size(c_in, c_out, block_size) -> int:
    B = check_int(block_size, "block_size", minimum=1)
    bad = [f"{name}={n}" for name, n in (("c_in", c_in), ("c_out", c_out)) if n % B]
    if bad:
        raise ValueError(f"block_size={B} does not divide {' and '.join(bad)}; block sizes "
                         f"that divide both c_in={c_in} and c_out={c_out}: "
                         f"{', '.join(map(str, common_divisors(c_in, c_out)))}")
    return B


class CDConv1D(ConvLayer):
    """Block-circulant strided 1-D convolution, channels last: ``(N, L, C_in)`` ->
    ``(N, L_out, C_out)``.

    ``Y[n, t, o] = b[o] + Σ_{j, i} W[o, j, i] X_pad[n, t·stride + j, i]`` (as
    :class:`~cdnotes.layers.Conv1D`) with ``W[:, j, :] = block_circulant(C[:, :, j, :])``:
    ``W[p·B + k, j, q·B + l] = C[p, q, j, (k − l) mod B]``, block ``(p, q)`` of tap ``j``
    is ``scipy.linalg.circulant(C[p, q, j])``. Computed by FFTs over the block index
    (see the module docstring); ``W`` is never formed.

    Parameters
    ----------
    seq_len, c_in, c_out, kernel : int >= 1
        Sequence length and channels of the input, channels of the output, taps.
    block_size : int >= 1
        ``B``; must divide ``c_in`` and ``c_out``. ``B = 1`` is a dense convolution.
    stride : int >= 1, default 1
    padding : int >= 0, default 0
        Zeros on each side of the sequence; ``kernel <= seq_len + 2 padding``.
    seed : int or None
    init : {"he", "lecun", "glorot"} or float, default "he"
        ``C`` is drawn i.i.d. with the dense convolution's entry variance (fan-in
        ``kernel·c_in``; see :mod:`cdnotes.layers.init`), so ``to_dense()`` has the entry
        variance of :class:`~cdnotes.layers.Conv1D`'s ``W``. A float is the standard deviation.
    dtype : {"float64", "float32"}; xp : namespace or backend name

    Attributes
    ----------
    params : ``C`` ``(C_out/B, C_in/B, kernel, B)``, ``b`` ``(C_out,)``
    block_size, out_len : int
    n_params : ``C_out·C_in·kernel/B + C_out``
    circulant_param : None
        The coefficients are 4-D; readings written for ``(Ko, Ki, B)`` do not apply.
    """

    def __init__(self, seq_len, c_in, c_out, kernel, *, block_size, stride=1, padding=0,
                 seed=None, init="he", dtype="float64", xp=None):
        super().__init__()
        self._set_sizes(seq_len, c_in, c_out, kernel, stride, padding)
        self.block_size = _check_block_size(self.c_in, self.c_out, block_size)
        check_seed(seed)
        std = init_std(init, self.kernel * self.c_in, self.kernel * self.c_out)
        self.params = host_params(xp, dtype, {
            "C": normal_weights(self.param_shapes()["C"], std, seed),
            "b": np.zeros(self.c_out)})
        starts = np.arange(self.out_len)[:, None] * self.stride + np.arange(self.kernel)[None]
        self._windows = starts.reshape(-1)                 # (L_out·kernel,) into X_pad
        load_fft(namespace_of(self.params["C"]))

    def param_shapes(self):
        """``{"C": (C_out/B, C_in/B, kernel, B), "b": (C_out,)}``."""
        B = self.block_size
        return {"C": (self.c_out // B, self.c_in // B, self.kernel, B), "b": (self.c_out,)}

    def to_dense(self):
        """The dense weight ``W`` ``(C_out, kernel, C_in)``: tap ``j`` is
        ``block_circulant(C[:, :, j, :])`` (the slow, obvious reference)."""
        C = self.params["C"]
        xp = namespace_of(C)
        return xp.stack([block_circulant(C[:, :, j, :]) for j in range(self.kernel)], axis=1)

    def _tap_spectra(self, xp, C=None):
        """``rfft`` of ``C`` (default: the layer's) arranged for the product:
        ``(F, kernel·Ki, Ko)``."""
        C = self.params["C"] if C is None else C
        Ko, Ki, kernel, _ = C.shape
        Cf = fft_of(xp).rfft(C, axis=-1)                           # (Ko, Ki, kernel, F)
        return xp.reshape(xp.permute_dims(Cf, (3, 2, 1, 0)), (Cf.shape[-1], kernel * Ki, Ko))

    def _spectral_cols(self, xp, X):
        """The windows of the block spectra of ``X`` ``(N, L, C_in)``:
        ``(F, N·L_out, kernel·Ki)``."""
        N, B, p = X.shape[0], self.block_size, self.padding
        Ki = self.c_in // B
        Xf = xp.permute_dims(fft_of(xp).rfft(xp.reshape(X, (N, self.seq_len, Ki, B)), axis=-1),
                             (3, 0, 1, 2))                          # (F, N, L, Ki)
        F = Xf.shape[0]
        if p:
            zero = xp.zeros((F, N, p, Ki), dtype=Xf.dtype, device=device_of(X))
            Xf = xp.concat([zero, Xf, zero], axis=2)                # (F, N, L_pad, Ki)
        windows = xp.asarray(self._windows, device=device_of(X))
        return xp.reshape(xp.take(Xf, windows, axis=2),
                          (F, N * self.out_len, self.kernel * Ki))  # (F, M, kernel·Ki)

    def _from_spectra(self, xp, Yf, N):
        """``(F, M, Ko)`` products -> ``(N, L_out, C_out)`` (the inverse FFT)."""
        Y = fft_of(xp).irfft(xp.permute_dims(Yf, (1, 2, 0)), n=self.block_size, axis=-1)
        return xp.reshape(Y, (N, self.out_len, self.c_out))

    def forward_2d(self, xp, X):
        """Unchecked: ``(N, L, C_in)`` -> ``(N, L_out, C_out)``; caches the windowed spectra."""
        cols = self._spectral_cols(xp, X)
        Cf = self._tap_spectra(xp)
        self._cache = (cols, Cf)
        return self._from_spectra(xp, xp.matmul(cols, Cf), X.shape[0]) + self.params["b"]

    def jvp_2d(self, xp, X, dX, dparams):
        """Unchecked tangent (see :meth:`~cdnotes.layers.conv.ConvLayer.jvp`), in the
        frequency domain: ``cols(dX)·Cf + cols(X)·dCf`` per frequency, one inverse FFT, + db
        -> ``(N, L_out, C_out)``."""
        cols, Cf = self._cached()
        N = X.shape[0]
        dY = xp.zeros((N, self.out_len, self.c_out), dtype=X.dtype, device=device_of(X))
        Yf = None
        if dX is not None:
            Yf = xp.matmul(self._spectral_cols(xp, dX), Cf)
        if "C" in dparams:
            dYf = xp.matmul(cols, self._tap_spectra(xp, dparams["C"]))
            Yf = dYf if Yf is None else Yf + dYf
        if Yf is not None:
            dY = dY + self._from_spectra(xp, Yf, N)
        if "b" in dparams:
            dY = dY + dparams["b"]
        return dY

    def backward_2d(self, xp, dY):
        """Unchecked: ``(N, L_out, C_out)`` -> ``(N, L, C_in)``; fills ``grads``."""
        cols, Cf = self._cached()
        F, M, _ = cols.shape
        B, s, p, kernel = self.block_size, self.stride, self.padding, self.kernel
        Ko, Ki, N = self.c_out // B, self.c_in // B, M // self.out_len
        fft = fft_of(xp)
        dYf = xp.permute_dims(fft.rfft(xp.reshape(dY, (M, Ko, B)), axis=-1), (2, 0, 1))
        # ∂C: cross-correlation per frequency, Σ_m dYf conj(cols) (conjugating the small side)
        G = xp.conj(xp.matmul(xp.conj(xp.matrix_transpose(dYf)), cols))   # (F, Ko, kernel·Ki)
        G = xp.permute_dims(xp.reshape(G, (F, Ko, kernel, Ki)), (1, 3, 2, 0))
        self.grads = {"C": fft.irfft(G, n=B, axis=-1),
                      "b": xp.sum(xp.reshape(dY, (M, self.c_out)), axis=0)}
        # ∂X: conj(Cf) per frequency, then each tap's windows added back (a loop over the
        # taps). The product is formed transposed, positions last, so that each tap adds
        # runs of out_len positions rather than of Ki blocks (measured at 256 channels, kernel
        # 5, one thread: this ∂X part takes 0.73-0.86x the time of the blocks-last layout for
        # B >= 16, where Ki is small, and 1.1x at B = 4).
        dcols = xp.reshape(xp.matmul(xp.conj(Cf), xp.matrix_transpose(dYf)),
                           (F, kernel, Ki, N, self.out_len))
        dXf = xp.zeros((F, Ki, N, self.seq_len + 2 * p), dtype=dcols.dtype,
                       device=device_of(dY))
        span = s * (self.out_len - 1) + 1
        for j in range(kernel):
            dXf[:, :, :, j:j + span:s] += dcols[:, j, ...]
        dXf = xp.permute_dims(dXf[:, :, :, p:p + self.seq_len], (2, 3, 1, 0))   # (N, L, Ki, F)
        return xp.reshape(fft.irfft(dXf, n=B, axis=-1), (N, self.seq_len, self.c_in))

    def __repr__(self):
        return (f"CDConv1D({self.c_in} -> {self.c_out}, kernel={self.kernel}, "
                f"block_size={self.block_size}, stride={self.stride}, padding={self.padding}, "
                f"out_len={self.out_len}, n_params={self.n_params})")


def cdlinear_as_conv(layer, seq_len: int = 1) -> CDConv1D:
    """The :class:`CDConv1D` with kernel 1 that applies the :class:`CDLinear` ``layer`` at every
    position: ``conv.forward(X3)[:, t] == layer.forward(X3[:, t])`` for ``X3`` ``(N, seq_len,
    n_in)`` (one position, ``seq_len=1``, is the layer itself).

    What the CD paper's "CDLinear is a particular kind of 1×1 depthwise circular convolution"
    holds to, checked by computation in ``tests/test_conv_layers.py``:

    * **1×1 — only position-wise.** Used inside a network over a sequence, CDLinear at every
      position is a kernel-1 (pointwise) convolution: this function's ``CDConv1D``. That is
      true of any linear layer (a dense one is a dense 1×1 convolution); on a single vector
      there is no spatial axis for "1×1" to refer to.
    * **circular convolution — yes, along the block index, with a kernel as long as the
      block.** Reading ``x`` ``(n_in,)`` as ``Ki`` channels of a length-``B`` circular signal,
      output block ``p`` is ``Σ_q C[p, q] ⊛ x_q`` (``⊛``: circular convolution of length
      ``B``): a multi-channel circular convolution with ``Ki`` input and ``Ko`` output
      channels and a kernel of length ``B`` — not 1.
    * **depthwise — no.** Every output block sums over all ``Ki`` input blocks (the
      convolution mixes channel blocks). It is depthwise (output block ``p`` from input
      block ``p`` alone) only when ``C[p, q] = 0`` for ``p ≠ q``, e.g. ``B = n_in = n_out``
      (one circulant), which the layer does not impose.

    Parameters
    ----------
    layer : CDLinear
        Its ``C`` ``(Ko, Ki, B)`` and bias (zeros if it has none) are copied.
    seq_len : int >= 1, default 1

    Returns
    -------
    CDConv1D
        ``(seq_len, n_in, n_out, kernel=1, block_size=B)``, ``C`` ``(Ko, Ki, 1, B)``, on the
        layer's backend and dtype.
    """
    if not isinstance(layer, CDLinear):
        raise TypeError(f"layer must be a CDLinear; got {type(layer).__name__}")
    seq_len = check_int(seq_len, "seq_len", minimum=1)
    C = layer.params["C"]
    check_array(C, "layer.C")
    xp = namespace_of(C)
    Ko, Ki, B = C.shape
    conv = CDConv1D(seq_len, Ki * B, Ko * B, 1, block_size=B, init=0.0, dtype=C.dtype, xp=xp)
    conv.params["C"] = xp.reshape(xp.asarray(C, copy=True), (Ko, Ki, 1, B))
    if layer.has_bias:
        conv.params["b"] = xp.asarray(layer.params["b"], copy=True)
    return conv
