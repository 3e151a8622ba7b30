"""Linear layers with a hand-written backward pass: ``Dense`` and ``CDLinear``.

Every layer has the same small interface (as in micrograd or numpy-ml):

``forward(X)``
    ``X`` of shape ``(..., n_in)`` -> ``Y`` of shape ``(..., n_out)``; caches what
    the backward pass needs.
``backward(dY)``
    ``∂L/∂Y`` -> returns ``∂L/∂X`` and fills ``grads`` (same keys and shapes as
    ``params``), summed over all batch dimensions.
``params`` / ``grads``
    dicts of arrays; ``n_params`` counts the scalars in ``params``.
``to_dense()``
    the ``(n_out, n_in)`` weight matrix.
``to(xp, device=None)``
    move the parameters to another array backend (``"numpy"``, ``"cupy"``,
    ``"array_api_strict"`` or a namespace).
"""
from __future__ import annotations

import array_api_compat
import numpy as np

from .backend import namespace_of, resolve_namespace, to_numpy
from .bcmatmul import forward_prepared, prepare, resolve_method, vjp_prepared
from .circulant import block_circulant
from .init import init_std, normal_weights
from .validation import (check_block_size, check_coefficients, check_float_array,
                         check_input)

__all__ = ["Layer", "Dense", "CDLinear"]


def _dtype(xp, dtype):
    if isinstance(dtype, str):
        if dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
        return getattr(xp, dtype)
    if not xp.isdtype(dtype, "real floating"):
        raise TypeError(f"dtype must be a real floating dtype (float32 or float64); got {dtype}")
    return dtype


class Layer:
    """Base class: parameter bookkeeping, train/eval mode, moving between backends."""

    def __init__(self):
        self.params: dict = {}
        self.grads: dict = {}
        self.training = True
        self._cache = None
        self._batch = None          # batch shape of the last public forward()

    # -- mode ---------------------------------------------------------------
    def train(self):
        """Training mode (dropout active). Returns ``self``."""
        self.training = True
        return self

    def eval(self):
        """Evaluation mode (dropout is the identity). Returns ``self``."""
        self.training = False
        return self

    # -- bookkeeping --------------------------------------------------------
    @property
    def n_params(self) -> int:
        """Number of trainable scalars."""
        return sum(int(p.size) for p in self.params.values())

    def to(self, xp, device=None):
        """Move the parameters to backend ``xp`` (a name or a namespace). Returns ``self``."""
        xp = resolve_namespace(xp)
        for name, value in self.params.items():
            host = to_numpy(value)
            kwargs = {} if device is None else {"device": device}
            self.params[name] = xp.asarray(host, dtype=getattr(xp, str(host.dtype)), **kwargs)
        self.grads = {}
        self._cache = None
        return self

    def __call__(self, X):
        return self.forward(X)

    def forward(self, X):  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, dY):  # pragma: no cover - interface
        raise NotImplementedError

    def _cached(self):
        cache = self._cache
        if cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward; run "
                               "forward(X) on the batch first")
        return cache


class Dense(Layer):
    """Fully connected layer ``Y = X @ W.T + b``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths. ``W`` has shape ``(n_out, n_in)``, ``b`` ``(n_out,)``.
    seed : int or None
        Seed of ``numpy.random.default_rng`` for the initial weights.
    init : {"he", "lecun", "glorot"} or float
        Weight scale: He (``std = sqrt(2/n_in)``, default), LeCun, Glorot, or an
        explicit standard deviation. The bias starts at zero.
    dtype : {"float64", "float32"}
    xp : namespace or {"numpy", "cupy", "array_api_strict"}, default NumPy
    device : optional device for the parameters.
    """

    def __init__(self, n_in, n_out, *, seed=None, init="he", dtype="float64", xp=None,
                 device=None):
        super().__init__()
        self.n_in, self.n_out, _ = check_block_size(n_in, n_out, 1)
        W = normal_weights((self.n_out, self.n_in), init_std(init, self.n_in, self.n_out), seed)
        self._set_params(xp, dtype, device, W=W, b=np.zeros(self.n_out))

    def _check_forward(self, X):
        xp = namespace_of(X, *self.params.values())
        for name, p in self.params.items():
            check_float_array(xp, p, f"parameter {name}")
        check_input(xp, X, self.n_in)
        return xp

    def _check_backward(self, dY):
        self._cached()
        if self._batch is None:
            raise RuntimeError(f"{type(self).__name__}.backward needs a forward(X) first "
                               "(forward_2d pairs with backward_2d)")
        xp = namespace_of(dY, *self.params.values())
        expected = self._batch + (self.n_out,)
        if tuple(dY.shape) != expected:
            raise ValueError(f"dY must have the shape of the last forward output {expected}; "
                             f"got {tuple(dY.shape)}")
        check_float_array(xp, dY, "dY")
        return xp, xp.reshape(dY, (-1, self.n_out))

    def _set_params(self, xp, dtype, device, **host_arrays):
        xp = resolve_namespace(xp)
        dtype = _dtype(xp, dtype)
        kwargs = {} if device is None else {"device": device}
        self.params = {k: xp.asarray(v, dtype=dtype, **kwargs) for k, v in host_arrays.items()}
        self._cache = None

    @property
    def W(self):
        return self.params["W"]

    @property
    def b(self):
        return self.params["b"]

    def to_dense(self):
        """The weight matrix ``W``, shape ``(n_out, n_in)``."""
        return self.W

    def forward(self, X):
        """``X`` ``(..., n_in)`` -> ``X @ W.T + b`` ``(..., n_out)``; checks its input."""
        xp = self._check_forward(X)
        batch = tuple(X.shape[:-1])
        Y2 = self.forward_2d(xp, xp.reshape(X, (-1, self.n_in)))
        self._batch = batch                      # the batch shape backward() expects
        return xp.reshape(Y2, batch + (self.n_out,))

    def backward(self, dY):
        """``∂L/∂Y`` ``(..., n_out)`` -> ``∂L/∂X``; fills ``grads`` (summed over the batch)."""
        xp, dY2 = self._check_backward(dY)
        return xp.reshape(self.backward_2d(xp, dY2), self._batch + (self.n_in,))

    # Unchecked kernels on 2-D arrays, for models that validate once at their boundary.
    def forward_2d(self, xp, X2):
        """``(N, n_in)`` -> ``(N, n_out)``, no checks; caches for :meth:`backward_2d`."""
        self._cache = (X2,)
        return xp.matmul(X2, xp.matrix_transpose(self.W)) + self.b

    def backward_2d(self, xp, dY2):
        """``(N, n_out)`` -> ``(N, n_in)``, no checks; fills ``grads``."""
        (X2,) = self._cached()
        self.grads = {"W": xp.matmul(xp.matrix_transpose(dY2), X2), "b": xp.sum(dY2, axis=0)}
        return xp.matmul(dY2, self.W)

    def __repr__(self):
        return f"Dense(n_in={self.n_in}, n_out={self.n_out}, n_params={self.n_params})"


class CDLinear(Dense):
    """Block-circulant linear layer (the paper's CDLinear), ``Y = X @ W.T + b``.

    ``W = block_circulant(C)`` has ``Ko × Ki`` circulant blocks of size ``B``,
    ``Ko = n_out / B``, ``Ki = n_in / B``; block ``(i, j)`` is
    ``scipy.linalg.circulant(C[i, j])``.

    Parameters
    ----------
    n_in, n_out : int
        Widths; ``block_size`` must divide both.
    block_size : int
        ``B``. ``B = 1`` is an ordinary dense layer; ``B = n_in = n_out`` one circulant.
    seed, init, dtype, xp, device
        As for :class:`Dense`. ``C`` is drawn i.i.d. with the dense scheme's
        variance, so ``to_dense()`` has the entry variance of the dense layer
        (see :mod:`cdnotes.init`).
    method : {"auto", "fft", "dense"}
        How products are computed: spectral (real FFTs, never forms ``W``) or
        materialised. Both give the same numbers to rounding; ``"auto"`` picks
        by block size and layer size, from measurements
        (:func:`cdnotes.bcmatmul.resolve_method`).

    Attributes
    ----------
    C : array ``(Ko, Ki, B)``; b : array ``(n_out,)``
    n_params : ``n_in * n_out / B + n_out``
    """

    def __init__(self, n_in, n_out, block_size, *, seed=None, init="he", dtype="float64",
                 xp=None, device=None, method="auto"):
        Layer.__init__(self)
        self.n_in, self.n_out, self.block_size = check_block_size(n_in, n_out, block_size)
        self.method = resolve_method(method, self.block_size, self.n_in, self.n_out)
        B = self.block_size
        C = normal_weights((self.n_out // B, self.n_in // B, B),
                           init_std(init, self.n_in, self.n_out), seed)
        self._set_params(xp, dtype, device, C=C, b=np.zeros(self.n_out))

    @classmethod
    def from_coefficients(cls, C, b=None, *, method="auto"):
        """A layer with given ``C`` ``(Ko, Ki, B)`` and bias ``b`` ``(Ko*B,)`` (zeros if None)."""
        xp = namespace_of(C, b)
        check_coefficients(xp, C)
        Ko, Ki, B = C.shape
        layer = cls.__new__(cls)
        Layer.__init__(layer)
        layer.n_in, layer.n_out, layer.block_size = Ki * B, Ko * B, B
        layer.method = resolve_method(method, B, Ki * B, Ko * B)
        if b is None:
            b = xp.zeros(Ko * B, dtype=C.dtype, device=array_api_compat.device(C))
        if tuple(b.shape) != (Ko * B,):
            raise ValueError(f"b must have shape ({Ko * B},); got {tuple(b.shape)}")
        layer.params = {"C": C, "b": b}
        layer._cache = None
        return layer

    @property
    def C(self):
        return self.params["C"]

    def to_dense(self):
        """``block_circulant(C)``, shape ``(n_out, n_in)``."""
        return block_circulant(self.C)

    W = property(to_dense, doc="The materialised matrix ``to_dense()``, ``(n_out, n_in)``.")

    def forward_2d(self, xp, X2):
        self._cache = prepare(xp, self.C, X2, self.method)
        return forward_prepared(xp, self._cache, self.block_size) + self.b

    def backward_2d(self, xp, dY2):
        dC, dX2 = vjp_prepared(xp, self._cached(), dY2, self.block_size)
        self.grads = {"C": dC, "b": xp.sum(dY2, axis=0)}
        return dX2

    def __repr__(self):
        return (f"CDLinear(n_in={self.n_in}, n_out={self.n_out}, block_size={self.block_size}, "
                f"method={self.method!r}, n_params={self.n_params})")
