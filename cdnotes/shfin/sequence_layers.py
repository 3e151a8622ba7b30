"""The layers the MNIST-1D sequence classifiers share: position embedding, pooling, reshaping,
a strided 1-D convolution and a position-wise feed-forward block (``(N, L, C)`` arrays,
channels last).

Beside :mod:`cdnotes.shfin.models`, which re-exports every class.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import device_of
from ..layers import Dense, Layer, ReLU
from ..validation import check_dtype, check_int, check_namespace, check_seed

__all__ = ["PositionEmbedding", "MeanPool", "Flatten", "AddChannel", "Conv1D", "PositionwiseFFN"]


def _host_params(xp, dtype, host):
    space = check_namespace(xp)
    real = check_dtype(space, dtype)
    return {name: space.asarray(np.asarray(v, dtype=np.float64), dtype=real)
            for name, v in host.items()}


class PositionEmbedding(Layer):
    """Per-position embedding ``1 -> C`` with a learned positional term.

    ``Y[n, l, c] = X[n, l] w[c] + b[c] + pos[l, c]``.

    Parameters
    ----------
    seq_len, channels : int >= 1
    seed : int or None
    dtype : {"float64", "float32"}; xp : namespace or backend name

    Attributes
    ----------
    params : ``w`` ``(C,)``, ``b`` ``(C,)``, ``pos`` ``(L, C)``
    """

    circulant_param = None

    def __init__(self, seq_len, channels, *, seed=None, dtype="float64", xp=None):
        super().__init__()
        self.seq_len = check_int(seq_len, "seq_len", minimum=1)
        self.channels = check_int(channels, "channels", minimum=1)
        check_seed(seed)
        rng = np.random.default_rng(seed)
        self.params = _host_params(xp, dtype, {
            "w": rng.standard_normal(self.channels), "b": np.zeros(self.channels),
            "pos": 0.1 * rng.standard_normal((self.seq_len, self.channels))})

    def forward_2d(self, xp, X):
        """Unchecked: ``(N, L)`` -> ``(N, L, C)``."""
        self._cache = X
        return X[:, :, None] * self.params["w"] + self.params["b"] + self.params["pos"]

    def backward_2d(self, xp, dY):
        """Unchecked: ``(N, L, C)`` -> ``(N, L)``; fills ``grads``."""
        X = self._cached()
        C = self.channels
        self.grads = {"w": xp.sum(xp.reshape(dY * X[:, :, None], (-1, C)), axis=0),
                      "b": xp.sum(xp.reshape(dY, (-1, C)), axis=0),
                      "pos": xp.sum(dY, axis=0)}
        return xp.sum(dY * self.params["w"], axis=2)

    def __repr__(self):
        return f"PositionEmbedding(seq_len={self.seq_len}, channels={self.channels})"


class MeanPool(Layer):
    """Mean over positions: ``(N, L, C)`` -> ``(N, C)``.

    Parameters
    ----------
    None
    """

    circulant_param = None

    def forward_2d(self, xp, X):
        """Unchecked: ``(N, L, C)`` -> ``(N, C)``."""
        self._cache = X.shape
        return xp.mean(X, axis=1)

    def backward_2d(self, xp, dY):
        """Unchecked: ``(N, C)`` -> ``(N, L, C)``."""
        N, L, C = self._cached()
        return xp.broadcast_to(dY[:, None, :] / L, (N, L, C))

    def __repr__(self):
        return "MeanPool()"


class Flatten(Layer):
    """``(N, L, C)`` -> ``(N, L·C)``.

    Parameters
    ----------
    None
    """

    circulant_param = None

    def forward_2d(self, xp, X):
        """Unchecked: ``(N, L, C)`` -> ``(N, L·C)``."""
        self._cache = X.shape
        return xp.reshape(X, (X.shape[0], -1))

    def backward_2d(self, xp, dY):
        """Unchecked: ``(N, L·C)`` -> ``(N, L, C)``."""
        return xp.reshape(dY, self._cached())

    def __repr__(self):
        return "Flatten()"


class AddChannel(Layer):
    """``(N, L)`` -> ``(N, L, 1)``: one input channel for a convolution.

    Parameters
    ----------
    None
    """

    circulant_param = None

    def forward_2d(self, xp, X):
        """Unchecked: ``(N, L)`` -> ``(N, L, 1)``."""
        return X[:, :, None]

    def backward_2d(self, xp, dY):
        """Unchecked: ``(N, L, 1)`` -> ``(N, L)``."""
        return dY[:, :, 0]

    def __repr__(self):
        return "AddChannel()"


class Conv1D(Layer):
    """A strided 1-D convolution, channels last: ``(N, L, C_in)`` -> ``(N, L_out, C_out)``.

    ``Y[n, t, o] = b[o] + Σ_{j, i} W[o, j, i] X_pad[n, t·stride + j, i]`` with ``padding``
    zeros on each side; ``L_out = (L + 2 padding − kernel) // stride + 1``. Windows are
    gathered with ``take`` and multiplied by the ``(C_out, kernel·C_in)`` weight; the
    backward pass adds the window gradients back with the transposed 0/1 gather matrix.

    Parameters
    ----------
    seq_len, c_in, c_out, kernel : int >= 1
    stride : int >= 1, default 1
    padding : int >= 0, default 0
    seed : int or None
    dtype : {"float64", "float32"}; xp : namespace or backend name

    Attributes
    ----------
    params : ``W`` ``(C_out, kernel, C_in)`` (He initialisation), ``b`` ``(C_out,)``
    out_len : int
    """

    circulant_param = None

    def __init__(self, seq_len, c_in, c_out, kernel, *, stride=1, padding=0, seed=None,
                 dtype="float64", xp=None):
        super().__init__()
        self.seq_len = check_int(seq_len, "seq_len", minimum=1)
        self.c_in = check_int(c_in, "c_in", minimum=1)
        self.c_out = check_int(c_out, "c_out", minimum=1)
        self.kernel = check_int(kernel, "kernel", minimum=1)
        self.stride = check_int(stride, "stride", minimum=1)
        self.padding = check_int(padding, "padding", minimum=0)
        padded = self.seq_len + 2 * self.padding
        if self.kernel > padded:
            raise ValueError(f"kernel must be in [1, {padded}] (seq_len + 2·padding); "
                             f"got {self.kernel}")
        self.out_len = (padded - self.kernel) // self.stride + 1
        check_seed(seed)
        rng = np.random.default_rng(seed)
        fan_in = self.kernel * self.c_in
        self.params = _host_params(xp, dtype, {
            "W": math.sqrt(2.0 / fan_in) * rng.standard_normal((self.c_out, self.kernel,
                                                                 self.c_in)),
            "b": np.zeros(self.c_out)})
        starts = np.arange(self.out_len)[:, None] * self.stride + np.arange(self.kernel)[None]
        self._windows = starts.reshape(-1)                    # (L_out·kernel,) into X_pad
        gather = np.zeros((self._windows.size, padded))
        gather[np.arange(self._windows.size), self._windows] = 1.0
        self._gather_t = gather.T                              # (L_pad, L_out·kernel)

    def _padded(self, xp, X):
        if not self.padding:
            return X
        N, _, C = X.shape
        zero = xp.zeros((N, self.padding, C), dtype=X.dtype, device=device_of(X))
        return xp.concat([zero, X, zero], axis=1)

    def forward_2d(self, xp, X):
        """Unchecked: ``(N, L, C_in)`` -> ``(N, L_out, C_out)``."""
        N = X.shape[0]
        windows = xp.asarray(self._windows, device=device_of(X))
        cols = xp.reshape(xp.take(self._padded(xp, X), windows, axis=1),
                          (N, self.out_len, self.kernel * self.c_in))
        self._cache = cols
        Wm = xp.reshape(self.params["W"], (self.c_out, -1))
        return xp.matmul(cols, xp.matrix_transpose(Wm)) + self.params["b"]

    def backward_2d(self, xp, dY):
        """Unchecked: ``(N, L_out, C_out)`` -> ``(N, L, C_in)``; fills ``grads``."""
        cols = self._cached()
        N = cols.shape[0]
        Wm = xp.reshape(self.params["W"], (self.c_out, -1))
        dY2 = xp.reshape(dY, (-1, self.c_out))
        self.grads = {"W": xp.reshape(xp.matmul(xp.matrix_transpose(dY2),
                                                xp.reshape(cols, (dY2.shape[0], -1))),
                                      self.params["W"].shape),
                      "b": xp.sum(dY2, axis=0)}
        dcols = xp.reshape(xp.matmul(dY, Wm), (N, self.out_len * self.kernel, self.c_in))
        gather_t = xp.asarray(self._gather_t, dtype=dY.dtype, device=device_of(dY))
        dX = xp.matmul(gather_t, dcols)                      # (N, L_pad, C_in)
        return dX[:, self.padding:self.padding + self.seq_len, :]

    def __repr__(self):
        return (f"Conv1D({self.c_in} -> {self.c_out}, kernel={self.kernel}, stride={self.stride}, "
                f"padding={self.padding}, out_len={self.out_len})")


class PositionwiseFFN(Layer):
    """Residual position-wise MLP: ``Y = X + ReLU(X W₁ᵀ + b₁) W₂ᵀ + b₂`` at every position.

    Not part of the SHFIN block as published; the chapter uses it to ask whether the block
    lacks a per-position nonlinearity (a Transformer block has one).

    Parameters
    ----------
    channels, hidden : int >= 1
    seed : int or None
    dtype, xp

    Attributes
    ----------
    params : ``W1`` ``(hidden, C)``, ``b1``, ``W2`` ``(C, hidden)``, ``b2``
    """

    circulant_param = None

    def __init__(self, channels, hidden, *, seed=None, dtype="float64", xp=None):
        super().__init__()
        self.channels = check_int(channels, "channels", minimum=1)
        self.hidden = check_int(hidden, "hidden", minimum=1)
        check_seed(seed)
        s1, s2 = (int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(2))
        self._first = Dense(self.channels, self.hidden, seed=s1, dtype=dtype, xp=xp)
        self._relu = ReLU()
        self._second = Dense(self.hidden, self.channels, seed=s2, dtype=dtype, xp=xp)
        self._second.params["W"] = self._second.params["W"] * 0.1     # start near identity
        self.params = {"W1": self._first.params["W"], "b1": self._first.params["b"],
                       "W2": self._second.params["W"], "b2": self._second.params["b"]}

    def _sync(self):
        self._first.params = {"W": self.params["W1"], "b": self.params["b1"]}
        self._second.params = {"W": self.params["W2"], "b": self.params["b2"]}

    def forward_2d(self, xp, X):
        """Unchecked: ``(N, L, C)`` -> ``(N, L, C)``."""
        self._sync()
        N, L, C = X.shape
        X2 = xp.reshape(X, (N * L, C))
        H = self._relu.forward_2d(xp, self._first.forward_2d(xp, X2))
        self._cache = X.shape
        return X + xp.reshape(self._second.forward_2d(xp, H), (N, L, C))

    def backward_2d(self, xp, dY):
        """Unchecked: ``(N, L, C)`` -> ``(N, L, C)``; fills ``grads``."""
        shape = self._cached()
        dY2 = xp.reshape(dY, (-1, self.channels))
        dH = self._relu.backward_2d(xp, self._second.backward_2d(xp, dY2))
        dX2 = self._first.backward_2d(xp, dH)
        self.grads = {"W1": self._first.grads["W"], "b1": self._first.grads["b"],
                      "W2": self._second.grads["W"], "b2": self._second.grads["b"]}
        return dY + xp.reshape(dX2, shape)

    def __repr__(self):
        return f"PositionwiseFFN(channels={self.channels}, hidden={self.hidden})"
