"""The linear-layer protocol: one base class that every linear layer of cdnotes implements.

A linear layer computes ``Y = X @ W.T + b`` for a weight matrix ``W`` ``(n_out, n_in)``
given by its parameters (dense, block-circulant, and the structured layers to come) and
a bias ``b`` ``(n_out,)``. The base class :class:`Linear` owns everything that is the same
for all of them, so a new layer only states its parameters and its kernels:

``param_shapes()``
    ``{name: shape}`` of the trainable arrays, in ``params`` order (the bias last).
``forward_2d(xp, X2)`` / ``backward_2d(xp, dY2)``
    the unchecked kernels on ``(N, n_in)`` / ``(N, n_out)`` arrays.
``to_dense()``
    the materialised ``W`` ``(n_out, n_in)`` (the slow, obvious reference).

and gets, from the base class: one constructor path (sizes checked by
:func:`cdnotes.validation.check_block_size`), validated settable parameters (every
parameter is a property whose setter checks shape, dtype and finiteness and copies),
checked ``forward``/``backward`` on any batch shape, ``n_params``, ``to``, ``train``/``eval``.

For exact curvature (:mod:`cdnotes.curvature`: Hessian-vector products by the
R-operator) and K-FAC, a layer returns one optional object, ``layer.curvature()`` (a
:class:`~cdnotes.layers.hooks.LinearCurvature`, ``None`` for layers without parameters):
the batched bilinear kernels with a leading tangent axis, the hooks for weights nonlinear
in ``θ``, ``weights_linear`` and the K-FAC factor structure. The algorithms ask it, never
the class or a parameter name; a layer with fast kernels sets ``curvature_class`` to its
own subclass (the default derives every kernel from ``forward_2d``/``backward_2d``).
The hooks' old names on the layer (``layer.apply_3d``, ``layer.weights_linear``, ...) still
answer, from the curvature object.

The bias is optional: a layer without one has no ``"b"`` in ``params`` (``has_bias`` is
``False``) and computes ``Y = X @ W.T``.

Attributes every linear layer has: ``n_in``, ``n_out``, ``block_size`` (1 for layers
without block structure), ``dtype``, ``has_bias``, and ``circulant_param`` — the name of
the parameter that holds circulant coefficients ``(Ko, Ki, B)``, or ``None`` (regularizers and
curvature readings that concern circulant blocks look at it, never at the class).
"""
from __future__ import annotations

import copy

import numpy as np

from ..backend import device_of, namespace_of, to_numpy
from ..validation import (check_array, check_block_size, check_dtype, check_float_array,
                          check_input, check_namespace, check_same_dtype, check_seed, check_shape)
from .base import Layer
from .chain_tangents import TangentMethods, linear_jvp_2d, linear_rop_backward_2d
from .hooks import HOOK_NAMES, LinearCurvature
from .init import init_std

__all__ = ["Linear", "parameter"]


def parameter(name: str, doc: str):
    """A property for ``params[name]`` whose setter validates and copies (``layer.C = C``).

    Parameters
    ----------
    name : str
        The key in ``params``.
    doc : str
        The property's docstring.

    Returns
    -------
    property
    """

    def fget(self):
        try:
            return self.params[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no parameter {name!r} (it is not "
                                 f"trained; parameters: {', '.join(self.params)})") from None

    def fset(self, value):
        self.set_param(name, value)

    return property(fget, fset, doc=doc)


class Linear(TangentMethods, Layer):
    """Base class of every linear layer, ``Y = X @ W.T + b``.

    Subclasses call ``super().__init__(n_in, n_out, block_size, seed=..., init=...,
    dtype=..., xp=..., device=...)`` and implement :meth:`param_shapes`,
    :meth:`initial_params`, :meth:`forward_2d`, :meth:`backward_2d` and :meth:`to_dense`.

    Parameters
    ----------
    n_in, n_out : int >= 1
    block_size : int, default 1
        Must divide both widths (:func:`cdnotes.validation.check_block_size`).
    seed : int or None
    init : {"he", "lecun", "glorot"} or float
    dtype : {"float64", "float32"} or a float dtype of the backend
    xp : namespace or backend name, default NumPy
    device : optional

    Attributes
    ----------
    n_in, n_out, block_size : int
    params : dict of arrays, shapes :meth:`param_shapes`; every parameter is also a validated,
        copying property (``layer.b = ...``)
    dtype : the parameters' dtype
    circulant_param : str or None
        The parameter holding circulant coefficients ``(Ko, Ki, B)``, if any.
    """

    block_size: int = 1
    circulant_param: str | None = None
    curvature_class = LinearCurvature

    def __init__(self, n_in, n_out, block_size=1, *, seed=None, init="he", dtype="float64",
                 xp=None, device=None):
        super().__init__()
        self.n_in, self.n_out, self.block_size = check_block_size(n_in, n_out, block_size)
        space = check_namespace(xp)
        real = check_dtype(space, dtype)
        check_seed(seed)
        kwargs = {} if device is None else {"device": device}
        initial = self.initial_params(init_std(init, self.n_in, self.n_out), seed)
        self.params = {name: space.asarray(np.asarray(initial[name], dtype=np.float64),
                                           dtype=real, **kwargs) for name in self.param_shapes()}
        for name, value in self.params.items():
            check_shape(value, self.param_shapes()[name], f"initial {name}")

    # -- the protocol -------------------------------------------------------
    def param_shapes(self) -> dict:  # pragma: no cover - interface
        """``{name: shape}`` of the trainable parameters, in ``params`` order."""
        raise NotImplementedError

    def initial_params(self, std: float, seed) -> dict:  # pragma: no cover - interface
        """Host (NumPy) initial values ``{name: array}``: weights with entry std ``std``
        (variance matched to a dense layer's, see :mod:`cdnotes.layers.init`), bias zero."""
        raise NotImplementedError

    def to_dense(self):  # pragma: no cover - interface
        """The weight matrix ``W``, shape ``(n_out, n_in)``."""
        raise NotImplementedError

    def forward_2d(self, xp, X2):  # pragma: no cover - interface
        """``(N, n_in)`` -> ``(N, n_out)``, no checks; caches for :meth:`backward_2d`."""
        raise NotImplementedError

    def backward_2d(self, xp, dY2):  # pragma: no cover - interface
        """``(N, n_out)`` -> ``(N, n_in)``, no checks; fills ``grads``."""
        raise NotImplementedError

    # -- parameters ----------------------------------------------------------
    b = parameter("b", "Bias ``(n_out,)``.")

    @property
    def dtype(self):
        """The parameters' dtype."""
        return self.reference_param.dtype

    @property
    def has_bias(self) -> bool:
        """Whether ``b`` is a (trained) parameter; without it ``Y = X @ W.T``."""
        return "b" in self.params

    @property
    def reference_param(self):
        """One parameter array (the bias if there is one): the layer's dtype, device, backend."""
        return self.params["b"] if "b" in self.params else next(iter(self.params.values()))

    def _check_param(self, name, value):
        xp = namespace_of(value)
        check_shape(value, self.param_shapes()[name], f"parameter {name}")
        check_float_array(xp, value, f"parameter {name}")
        return xp

    def set_param(self, name: str, value):
        """Replace parameter ``name`` by a validated copy of ``value``.

        ``value`` must have the parameter's shape (:meth:`param_shapes`), be real floating
        and finite; it is copied into the layer's backend, device and dtype.
        """
        if name not in self.params:
            raise KeyError(f"{type(self).__name__} has no parameter {name!r}; "
                           f"parameters: {', '.join(self.params)}")
        current = self.params[name]
        if isinstance(value, (list, tuple, int, float)):
            value = np.asarray(value, dtype=np.float64)
        check_array(value, f"parameter {name}")
        value_xp = namespace_of(value)
        check_shape(value, self.param_shapes()[name], f"parameter {name}")
        check_float_array(value_xp, value, f"parameter {name}")
        xp = namespace_of(current)
        source = value if type(value) is type(current) else to_numpy(value)
        self.params[name] = xp.asarray(source, dtype=current.dtype, device=device_of(current),
                                       copy=True)
        self._cache = None

    def check_params(self):
        """Every parameter has its shape (:meth:`param_shapes`) and the layer's dtype.

        Called at each public :meth:`forward`, so that a parameter replaced directly in
        ``params`` with a wrong shape is caught with a message naming it.
        """
        shapes = self.param_shapes()
        if set(self.params) != set(shapes):
            raise ValueError(f"{type(self).__name__}.params must hold exactly "
                             f"{', '.join(shapes)}; holds {', '.join(self.params)}")
        for name, shape in shapes.items():
            check_shape(self.params[name], shape, f"parameter {name}")
        check_same_dtype(**self.params)

    # -- checked passes ------------------------------------------------------
    def forward(self, X):
        """``X`` ``(..., n_in)`` -> ``X @ W.T + b`` ``(..., n_out)``; checks its input."""
        check_array(X, "X")
        xp = namespace_of(X, *self.params.values())
        self.check_params()
        for name, p in self.params.items():
            check_float_array(xp, p, f"parameter {name}")
        check_input(xp, X, self.n_in)
        check_same_dtype(X=X, parameters=self.reference_param)
        batch = tuple(X.shape[:-1])
        Y2 = self.forward_2d(xp, xp.reshape(X, (-1, self.n_in)))
        self._batch = batch                      # the batch shape backward() expects
        self._forward_cache = self._cache        # what backward() pairs with
        self._forward_input, self._out_shape = X, batch + (self.n_out,)    # for jvp
        return xp.reshape(Y2, batch + (self.n_out,))

    def backward(self, dY):
        """``∂L/∂Y`` ``(..., n_out)`` -> ``∂L/∂X``; fills ``grads`` (summed over the batch)."""
        self._cached()
        if self._batch is None:
            raise RuntimeError(f"{type(self).__name__}.backward needs a forward(X) first "
                               "(forward_2d pairs with backward_2d)")
        if self._cache is not self.__dict__.get("_forward_cache"):
            raise RuntimeError(f"{type(self).__name__}.backward pairs with the last forward(X), "
                               f"but forward_2d ran since and replaced its cache: call forward(X) "
                               "again before backward, or pair forward_2d with backward_2d")
        check_array(dY, "dY")
        xp = namespace_of(dY, *self.params.values())
        expected = self._batch + (self.n_out,)
        if tuple(dY.shape) != expected:
            raise ValueError(f"dY must have the shape of the last forward output {expected}; "
                             f"got {tuple(dY.shape)}")
        check_float_array(xp, dY, "dY")
        check_same_dtype(dY=dY, parameters=self.reference_param)
        dX2 = self.backward_2d(xp, xp.reshape(dY, (-1, self.n_out)))
        return xp.reshape(dX2, self._batch + (self.n_in,))

    # -- tangents (the R-operator of the sequence models) ------------------------------
    def jvp_2d(self, xp, X, dX, dparams):
        """Unchecked tangent ``dX Wᵀ + X DW[dθ]ᵀ + db`` ``(..., n_out)``
        (:func:`~cdnotes.layers.chain_tangents.linear_jvp_2d`)."""
        return linear_jvp_2d(self, xp, X, dX, dparams)

    def rop_backward_2d(self, xp, X, dY, dX, dparams, ddY):
        """Unchecked R-operator of the backward
        (:func:`~cdnotes.layers.chain_tangents.linear_rop_backward_2d`)."""
        return linear_rop_backward_2d(self, xp, X, dY, dX, dparams, ddY)

    # -- curvature support -----------------------------------------------------
    def weight_jacobian(self):
        """``∂ vec(W) / ∂θ_W``: the ``(n_out·n_in, P_W)`` host matrix from the weight
        parameters (every parameter but ``b``, raveled in ``params`` order) to ``W.ravel()``.

        Defined for layers whose ``W`` is linear in their parameters; the base class
        raises ``NotImplementedError`` naming the layer type.
        """
        raise NotImplementedError(f"{type(self).__name__} does not provide weight_jacobian(); "
                                  "its W is not a linear function of its parameters")

    # -- curvature: one optional object (see :mod:`cdnotes.layers.hooks`) ------------
    def curvature(self):
        """The layer's Gauss-Newton/Jacobian hooks: a :class:`~cdnotes.layers.hooks.LinearCurvature`
        (``curvature_class(self)``), what :mod:`cdnotes.curvature` and K-FAC call."""
        return self.curvature_class(self)

    def __getattr__(self, name):
        """The hooks' old names on the layer (``layer.apply_3d``...): the curvature object's."""
        if name in HOOK_NAMES:
            return getattr(self.curvature(), name)
        attribute = getattr(type(self), name, None)
        if isinstance(attribute, property):          # re-raise the property's own message
            return attribute.fget(self)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def weight_params(self) -> dict:
        """The weight parameters ``{name: array}``: every parameter but ``b``, in ``params`` order."""
        return {name: p for name, p in self.params.items() if name != "b"}

    def _weights_3d(self, weights):
        """``weights`` or, for ``None``, the layer's own weights with a leading axis of 1."""
        if weights is None:
            return {name: p[None, ...] for name, p in self.weight_params().items()}
        return weights

    def _twin(self, xp, weights):
        """A shallow copy of the layer holding ``weights`` and a zero bias (for the fallbacks)."""
        twin = copy.copy(self)
        twin.params = dict(weights)
        if self.has_bias:
            twin.params["b"] = xp.zeros_like(self.params["b"])
        twin.grads, twin._cache = {}, None
        return twin

    def _repr_extra(self) -> str:
        return ""

    def __repr__(self):
        extra = self._repr_extra()
        return (f"{type(self).__name__}(n_in={self.n_in}, n_out={self.n_out}"
                f"{', ' + extra if extra else ''}, n_params={self.n_params})")
