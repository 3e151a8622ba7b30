"""1-D convolutions over sequences, channels last: ``(N, L, C_in)`` -> ``(N, L_out, C_out)``.

Both layers compute

    ``Y[n, t, o] = b[o] + Σ_{j, i} W[o, j, i] X_pad[n, t·stride + j, i]``

with ``padding`` zeros on each side of the sequence, ``L_out = (L + 2 padding − kernel) //
stride + 1``, and a weight ``W`` ``(C_out, kernel, C_in)``:

=======================================  ===================================================
:class:`Conv1D`                          ``W`` trained as it is (moved here from
                                         ``cdnotes.shfin.sequence_layers``; that path and
                                         ``cdnotes.shfin.models.Conv1D`` are this class)
:class:`~cdnotes.layers.CDConv1D`        ``W[:, j, :]`` block-circulant at every tap ``j``
                                         (:mod:`cdnotes.layers.cdconv`)
=======================================  ===================================================

Both have the checked ``forward(X)`` / ``backward(dY)`` (``X`` exactly 3-D, ``(N, seq_len,
c_in)``) and the unchecked ``forward_2d`` / ``backward_2d`` the sequence models call, and
``to_dense()`` (the ``(C_out, kernel, C_in)`` weight). Neither is in the registry
:data:`cdnotes.layers.LAYERS`: that one builds linear layers ``build(n_in, n_out, ...)`` of
``Y = X Wᵀ + b`` on ``(..., n_in)``, which a convolution (a sequence length, a kernel, a
stride) is not.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import device_of, namespace_of
from ..validation import (check_array, check_dtype, check_float_array, check_int,
                          check_namespace, check_same_dtype, check_seed, check_shape)
from .base import Layer
from .chain_tangents import TangentMethods
from .second_order import conv_rop_backward_2d

__all__ = ["Conv1D", "conv_sizes"]


def conv_sizes(seq_len, c_in, c_out, kernel, stride=1, padding=0) -> dict:
    """Checked sizes of a 1-D convolution and its output length.

    Parameters
    ----------
    seq_len, c_in, c_out, kernel : int >= 1
    stride : int >= 1, default 1
    padding : int >= 0, default 0
        Zeros added on each side of the sequence.

    Returns
    -------
    dict
        The six sizes as ints and ``out_len = (seq_len + 2 padding − kernel) // stride + 1``.

    Raises
    ------
    TypeError, ValueError
        A size that is not an integer or is out of range; a ``kernel`` longer than
        ``seq_len + 2 padding`` (the message gives the allowed range).
    """
    sizes = {"seq_len": check_int(seq_len, "seq_len", minimum=1),
             "c_in": check_int(c_in, "c_in", minimum=1),
             "c_out": check_int(c_out, "c_out", minimum=1),
             "kernel": check_int(kernel, "kernel", minimum=1),
             "stride": check_int(stride, "stride", minimum=1),
             "padding": check_int(padding, "padding", minimum=0)}
    padded = sizes["seq_len"] + 2 * sizes["padding"]
    if sizes["kernel"] > padded:
        raise ValueError(f"kernel must be in [1, {padded}] (seq_len + 2·padding); "
                         f"got {sizes['kernel']}")
    sizes["out_len"] = (padded - sizes["kernel"]) // sizes["stride"] + 1
    return sizes


def host_params(xp, dtype, host) -> dict:
    """Host (NumPy) initial values moved to the backend ``xp`` in ``dtype``.

    Parameters
    ----------
    xp : namespace or backend name (``None``: NumPy)
    dtype : {"float64", "float32"} or a dtype of the backend
    host : dict of name -> NumPy array

    Returns
    -------
    dict of name -> array of ``xp`` (each converted from float64)
    """
    space = check_namespace(xp)
    real = check_dtype(space, dtype)
    return {name: space.asarray(np.asarray(v, dtype=np.float64), dtype=real)
            for name, v in host.items()}


class ConvLayer(TangentMethods, Layer):
    """What every 1-D convolution layer here shares: its sizes and the checked passes.

    A subclass sets its sizes with :meth:`_set_sizes`, fills ``params`` and implements
    :meth:`param_shapes`, ``forward_2d``, ``backward_2d`` and ``to_dense``.

    Parameters
    ----------
    None (subclasses take the sizes of :func:`conv_sizes`)

    Attributes
    ----------
    seq_len, c_in, c_out, kernel, stride, padding, out_len : int
    """

    circulant_param = None

    def _set_sizes(self, seq_len, c_in, c_out, kernel, stride, padding):
        for name, value in conv_sizes(seq_len, c_in, c_out, kernel, stride, padding).items():
            setattr(self, name, value)

    def param_shapes(self) -> dict:  # pragma: no cover - interface
        """``{name: shape}`` of the trainable parameters, in ``params`` order."""
        raise NotImplementedError

    @property
    def dtype(self):
        """The parameters' dtype."""
        return self.params["b"].dtype

    def check_params(self):
        """Every parameter has its shape (:meth:`param_shapes`), one dtype, finite values."""
        shapes = self.param_shapes()
        if set(self.params) != set(shapes):
            raise ValueError(f"{type(self).__name__}.params must hold exactly "
                             f"{', '.join(shapes)}; holds {', '.join(self.params)}")
        xp = namespace_of(*self.params.values())
        for name, shape in shapes.items():
            check_shape(self.params[name], shape, f"parameter {name}")
            check_float_array(xp, self.params[name], f"parameter {name}")
        check_same_dtype(**self.params)

    def forward(self, X):
        """``X`` ``(N, seq_len, c_in)`` -> ``Y`` ``(N, out_len, c_out)``; checks its input.

        ``X`` must be a real float array (the parameters' dtype), exactly 3-D, with at
        least one sample, the layer's ``seq_len`` and ``c_in``, and finite entries.
        """
        check_array(X, "X")
        xp = namespace_of(X, *self.params.values())
        self.check_params()
        wanted = f"(N, {self.seq_len}, {self.c_in}) (batch, seq_len, c_in)"
        if X.ndim != 3:
            raise ValueError(f"X must have shape {wanted}; got {X.ndim}-d shape "
                             f"{tuple(X.shape)}")
        if tuple(X.shape[1:]) != (self.seq_len, self.c_in):
            raise ValueError(f"X must have shape {wanted}: the layer was built for "
                             f"seq_len={self.seq_len}, c_in={self.c_in}; got {tuple(X.shape)}")
        if X.shape[0] == 0:
            raise ValueError(f"X is an empty batch (shape {tuple(X.shape)}); "
                             "it needs at least one sample")
        check_float_array(xp, X, "X")
        check_same_dtype(X=X, parameters=self.params["b"])
        Y = self.forward_2d(xp, X)
        self._batch = (X.shape[0],)
        self._forward_cache = self._cache
        self._forward_input = X
        self._out_shape = tuple(Y.shape)
        return Y

    def rop_backward_2d(self, xp, X, dY, dX, dparams, ddY):
        """Unchecked :meth:`rop_backward` at the last ``forward_2d`` (for networks)."""
        return conv_rop_backward_2d(self, xp, X, dY, dX, dparams, ddY)

    def backward(self, dY):
        """``∂L/∂Y`` ``(N, out_len, c_out)`` -> ``∂L/∂X`` ``(N, seq_len, c_in)``; fills ``grads``
        (summed over the batch and positions). Pairs with the last :meth:`forward`."""
        self._cached()
        if self._batch is None or self._cache is not self.__dict__.get("_forward_cache"):
            raise RuntimeError(f"{type(self).__name__}.backward pairs with the last forward(X); "
                               "call forward(X) first (forward_2d pairs with backward_2d)")
        check_array(dY, "dY")
        xp = namespace_of(dY, *self.params.values())
        expected = self._batch + (self.out_len, self.c_out)
        if tuple(dY.shape) != expected:
            raise ValueError(f"dY must have the shape of the last forward output {expected} "
                             f"(N, out_len, c_out); got {tuple(dY.shape)}")
        check_float_array(xp, dY, "dY")
        check_same_dtype(dY=dY, parameters=self.params["b"])
        return self.backward_2d(xp, dY)


class Conv1D(ConvLayer):
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

    def __init__(self, seq_len, c_in, c_out, kernel, *, stride=1, padding=0, seed=None,
                 dtype="float64", xp=None):
        super().__init__()
        self._set_sizes(seq_len, c_in, c_out, kernel, stride, padding)
        check_seed(seed)
        rng = np.random.default_rng(seed)
        fan_in = self.kernel * self.c_in
        self.params = host_params(xp, dtype, {
            "W": math.sqrt(2.0 / fan_in) * rng.standard_normal((self.c_out, self.kernel,
                                                                 self.c_in)),
            "b": np.zeros(self.c_out)})
        padded = self.seq_len + 2 * self.padding
        starts = np.arange(self.out_len)[:, None] * self.stride + np.arange(self.kernel)[None]
        self._windows = starts.reshape(-1)                    # (L_out·kernel,) into X_pad
        gather = np.zeros((self._windows.size, padded))
        gather[np.arange(self._windows.size), self._windows] = 1.0
        self._gather_t = gather.T                              # (L_pad, L_out·kernel)

    def param_shapes(self):
        """``{"W": (C_out, kernel, C_in), "b": (C_out,)}``."""
        return {"W": (self.c_out, self.kernel, self.c_in), "b": (self.c_out,)}

    def to_dense(self):
        """The weight ``W`` itself, ``(C_out, kernel, C_in)``."""
        return self.params["W"]

    def _padded(self, xp, X):
        if not self.padding:
            return X
        N, _, C = X.shape
        zero = xp.zeros((N, self.padding, C), dtype=X.dtype, device=device_of(X))
        return xp.concat([zero, X, zero], axis=1)

    def _cols(self, xp, X):
        """The windows of ``X`` ``(N, L, C_in)``: ``(N, L_out, kernel·C_in)``."""
        windows = xp.asarray(self._windows, device=device_of(X))
        return xp.reshape(xp.take(self._padded(xp, X), windows, axis=1),
                          (X.shape[0], self.out_len, self.kernel * self.c_in))

    def forward_2d(self, xp, X):
        """Unchecked: ``(N, L, C_in)`` -> ``(N, L_out, C_out)``."""
        cols = self._cols(xp, X)
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

    def jvp_2d(self, xp, X, dX, dparams):
        """Unchecked tangent (see :meth:`ConvLayer.jvp`) from the cached windows of ``X``:
        ``cols(dX) Wᵀ + cols(X) dWᵀ + db`` -> ``(N, L_out, C_out)``."""
        cols = self._cached()
        dY = xp.zeros((X.shape[0], self.out_len, self.c_out), dtype=cols.dtype,
                      device=device_of(cols))
        if dX is not None:
            Wm = xp.reshape(self.params["W"], (self.c_out, -1))
            dY = dY + xp.matmul(self._cols(xp, dX), xp.matrix_transpose(Wm))
        if "W" in dparams:
            dW = xp.reshape(dparams["W"], (self.c_out, -1))
            dY = dY + xp.matmul(cols, xp.matrix_transpose(dW))
        if "b" in dparams:
            dY = dY + dparams["b"]
        return dY

    def __repr__(self):
        return (f"Conv1D({self.c_in} -> {self.c_out}, kernel={self.kernel}, stride={self.stride}, "
                f"padding={self.padding}, out_len={self.out_len})")
