"""The layers the MNIST-1D sequence classifiers share: position embedding, pooling, reshaping,
a strided 1-D convolution and a position-wise feed-forward block (``(N, L, C)`` arrays,
channels last).

Beside :mod:`cdnotes.shfin.models`, which re-exports every class. :class:`Conv1D` lives in
:mod:`cdnotes.layers.conv` (``cdnotes.layers.Conv1D``); the name here is that class.
"""
from __future__ import annotations

import numpy as np

from ..backend import device_of
from ..layers import Dense, Layer, ReLU
from ..layers.chain_tangents import ShapeChecks
from ..layers.conv import Conv1D, host_params
from ..validation import check_int, check_seed

__all__ = ["PositionEmbedding", "MeanPool", "Flatten", "AddChannel", "Conv1D", "PositionwiseFFN"]


class PositionEmbedding(ShapeChecks, Layer):
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
    input_shape = (None, "seq_len")

    def __init__(self, seq_len, channels, *, seed=None, dtype="float64", xp=None):
        super().__init__()
        self.seq_len = check_int(seq_len, "seq_len", minimum=1)
        self.channels = check_int(channels, "channels", minimum=1)
        check_seed(seed)
        rng = np.random.default_rng(seed)
        self.params = host_params(xp, dtype, {
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

    def jvp_2d(self, xp, X, dX, dparams):
        """Unchecked tangent ``dX w + X dw + db + dpos`` ``(N, L, C)``."""
        p = self.params
        dY = xp.zeros((X.shape[0], self.seq_len, self.channels), dtype=p["w"].dtype,
                      device=device_of(X))
        if dX is not None:
            dY = dY + dX[:, :, None] * p["w"]
        if "w" in dparams:
            dY = dY + X[:, :, None] * dparams["w"]
        for key in ("b", "pos"):
            if key in dparams:
                dY = dY + dparams[key]
        return dY

    def rop_backward_2d(self, xp, X, dY, dX, dparams, ddY):
        """Unchecked R-operator of the backward (bilinear in ``(X, w)``):
        ``R{∂L/∂X} = Σ_c ddY w + dY dw``, ``R{∂L/∂w} = Σ ddY X + dY dX``,
        ``R{∂L/∂b} = Σ ddY``, ``R{∂L/∂pos} = Σ_n ddY``."""
        C = self.channels
        ddY = xp.zeros_like(dY) if ddY is None else ddY
        RdX = xp.sum(ddY * self.params["w"], axis=2)
        Rw = ddY * X[:, :, None]
        if "w" in dparams:
            RdX = RdX + xp.sum(dY * dparams["w"], axis=2)
        if dX is not None:
            Rw = Rw + dY * dX[:, :, None]
        return RdX, {"w": xp.sum(xp.reshape(Rw, (-1, C)), axis=0),
                     "b": xp.sum(xp.reshape(ddY, (-1, C)), axis=0),
                     "pos": xp.sum(ddY, axis=0)}

    def __repr__(self):
        return f"PositionEmbedding(seq_len={self.seq_len}, channels={self.channels})"


class MeanPool(ShapeChecks, Layer):
    """Mean over positions: ``(N, L, C)`` -> ``(N, C)``.

    Parameters
    ----------
    None
    """

    circulant_param = None
    input_shape = (None, None, None)

    def forward_2d(self, xp, X):
        """Unchecked: ``(N, L, C)`` -> ``(N, C)``."""
        self._cache = X.shape
        return xp.mean(X, axis=1)

    def backward_2d(self, xp, dY):
        """Unchecked: ``(N, C)`` -> ``(N, L, C)``."""
        N, L, C = self._cached()
        return xp.broadcast_to(dY[:, None, :] / L, (N, L, C))

    def jvp_2d(self, xp, X, dX, dparams):
        """Unchecked tangent: the mean of ``dX`` over positions (zeros for None)."""
        N, L, C = X.shape
        if dX is None:
            return xp.zeros((N, C), dtype=X.dtype, device=device_of(X))
        return xp.mean(dX, axis=1)

    def rop_backward_2d(self, xp, X, dY, dX, dparams, ddY):
        """Unchecked R-operator of the (linear, parameter-free) backward:
        ``(backward(ddY), {})``."""
        N, L, C = X.shape
        ddY = xp.zeros_like(dY) if ddY is None else ddY
        return xp.broadcast_to(ddY[:, None, :] / L, (N, L, C)), {}

    def __repr__(self):
        return "MeanPool()"


class Flatten(ShapeChecks, Layer):
    """``(N, L, C)`` -> ``(N, L·C)``.

    Parameters
    ----------
    None
    """

    circulant_param = None
    input_shape = (None, None, None)

    def forward_2d(self, xp, X):
        """Unchecked: ``(N, L, C)`` -> ``(N, L·C)``."""
        self._cache = X.shape
        return xp.reshape(X, (X.shape[0], -1))

    def backward_2d(self, xp, dY):
        """Unchecked: ``(N, L·C)`` -> ``(N, L, C)``."""
        return xp.reshape(dY, self._cached())

    def jvp_2d(self, xp, X, dX, dparams):
        """Unchecked tangent: ``dX`` flattened (zeros for None)."""
        dX = xp.zeros_like(X) if dX is None else dX
        return xp.reshape(dX, (X.shape[0], -1))

    def rop_backward_2d(self, xp, X, dY, dX, dparams, ddY):
        """Unchecked R-operator of the (linear, parameter-free) backward:
        ``(ddY reshaped to X's shape, {})``."""
        ddY = xp.zeros_like(dY) if ddY is None else ddY
        return xp.reshape(ddY, tuple(X.shape)), {}

    def __repr__(self):
        return "Flatten()"


class AddChannel(ShapeChecks, Layer):
    """``(N, L)`` -> ``(N, L, 1)``: one input channel for a convolution.

    Parameters
    ----------
    None
    """

    circulant_param = None
    input_shape = (None, None)

    def forward_2d(self, xp, X):
        """Unchecked: ``(N, L)`` -> ``(N, L, 1)``."""
        self._cache = tuple(X.shape)
        return X[:, :, None]

    def backward_2d(self, xp, dY):
        """Unchecked: ``(N, L, 1)`` -> ``(N, L)``."""
        return dY[:, :, 0]

    def jvp_2d(self, xp, X, dX, dparams):
        """Unchecked tangent ``dX[:, :, None]`` (zeros for None)."""
        return (xp.zeros_like(X) if dX is None else dX)[:, :, None]

    def rop_backward_2d(self, xp, X, dY, dX, dparams, ddY):
        """Unchecked R-operator of the (linear, parameter-free) backward:
        ``(ddY[:, :, 0], {})``."""
        return (xp.zeros_like(X) if ddY is None else ddY[:, :, 0]), {}

    def __repr__(self):
        return "AddChannel()"


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
