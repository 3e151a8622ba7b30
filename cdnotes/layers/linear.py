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
R-operator), three bilinear kernels with a leading *tangent axis* ``m`` — the forward
``X W(θ)ᵀ`` is bilinear in ``(θ, X)`` and the backward in ``(θ, dY)`` and ``(X, dY)``:

``apply_3d(xp, X3, weights)`` / ``apply_transpose_3d(xp, dY3, weights)``
    ``X3 @ W(weights)ᵀ`` / ``dY3 @ W(weights)`` for ``m`` weight sets at once (no bias);
``weight_grads_3d(xp, X3, dY3)``
    the weight gradients ``Σ_n`` for ``m`` pairs ``(X3[k], dY3[k])`` at once.

The base class derives them from ``forward_2d``/``backward_2d`` on a copy of the layer
holding each weight set in turn (a Python loop over ``m``); Dense and CDLinear override
them with batched matmuls / batched FFTs.

A layer whose ``W`` is not linear in its parameters (``W(θ)`` affine or bilinear, e.g.
:class:`cdnotes.spectral.SpectralLinear`) sets ``weights_linear = False`` and overrides
four hooks whose defaults are right for linear ``W`` (the R-operator calls them):

``tangent_apply_3d(xp, X3, weights, tangents)`` / ``tangent_apply_transpose_3d(...)``
    ``X3 @ DW_θ[v]ᵀ`` / ``dY3 @ DW_θ[v]`` with ``θ = weights`` (default: ``apply_3d`` on
    the tangents, since ``DW_θ[v] = W(v)`` for linear ``W``);
``weight_grads_at_3d(xp, X3, dY3, weights)``
    :meth:`weight_grads_3d` at the parameters ``weights`` (default: ignores them);
``weight_second_order_3d(xp, X3, dY3, weights, tangents)``
    ``d/dt J_W(θ + t v)ᵀ vec(Σ_n dY3ᵀ X3)``: the layer's own curvature term (default
    ``None``: zero).

The bias is optional: a layer without one has no ``"b"`` in ``params`` (``has_bias`` is
``False``) and computes ``Y = X @ W.T``.

Attributes every linear layer has: ``n_in``, ``n_out``, ``block_size`` (1 for layers
without block structure), ``dtype``, ``has_bias``, ``weights_linear``, and ``circulant_param`` — the name of the parameter
that holds circulant coefficients ``(Ko, Ki, B)``, or ``None`` (regularizers and
curvature readings that concern circulant blocks look at it, never at the class).
"""
from __future__ import annotations

import copy

import numpy as np

from ..backend import device_of, namespace_of, to_numpy
from ..validation import (check_array, check_block_size, check_dtype, check_float_array,
                          check_input, check_namespace, check_same_dtype, check_seed, check_shape)
from .base import Layer
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


class Linear(Layer):
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
    weights_linear: bool = True

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
        return xp.reshape(Y2, batch + (self.n_out,))

    def backward(self, dY):
        """``∂L/∂Y`` ``(..., n_out)`` -> ``∂L/∂X``; fills ``grads`` (summed over the batch)."""
        self._cached()
        if self._batch is None:
            raise RuntimeError(f"{type(self).__name__}.backward needs a forward(X) first "
                               "(forward_2d pairs with backward_2d)")
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

    # -- curvature support -----------------------------------------------------
    def weight_jacobian(self):
        """``∂ vec(W) / ∂θ_W``: the ``(n_out·n_in, P_W)`` host matrix from the weight
        parameters (every parameter but ``b``, raveled in ``params`` order) to ``W.ravel()``.

        Defined for layers whose ``W`` is linear in their parameters; the base class
        raises ``NotImplementedError`` naming the layer type.
        """
        raise NotImplementedError(f"{type(self).__name__} does not provide weight_jacobian(); "
                                  "its W is not a linear function of its parameters")

    # -- batched bilinear kernels (a leading tangent axis m; unchecked) ------------
    def weight_params(self) -> dict:
        """The weight parameters ``{name: array}``: every parameter but ``b``, in ``params`` order."""
        return {name: p for name, p in self.params.items() if name != "b"}

    def _weights_3d(self, weights):
        """``weights`` or, for ``None``, the layer's own weights with a leading axis of 1."""
        if weights is None:
            return {name: p[None, ...] for name, p in self.weight_params().items()}
        return weights

    def apply_3d(self, xp, X3, weights=None):
        """``X3 @ W(weights)ᵀ`` (no bias), batched over a leading tangent axis.

        Parameters
        ----------
        xp : namespace
        X3 : array ``(m_x, N, n_in)``
        weights : dict ``{name: (m_w, *shape)}`` of the weight parameters (not ``b``), or
            ``None`` for the layer's own; ``m_x``, ``m_w`` are 1 or ``m`` (broadcast).

        Returns
        -------
        array ``(m, N, n_out)``. The base class loops over ``m`` (:meth:`forward_2d` on a
        copy of the layer holding ``weights[k]`` and a zero bias); subclasses batch it.
        """
        weights = self._weights_3d(weights)
        out = []
        for k in range(_batch_of(X3, weights)):
            twin = self._twin(xp, _pick(weights, k))
            out.append(twin.forward_2d(xp, X3[min(k, X3.shape[0] - 1), ...]))
        return xp.stack(out)

    def apply_transpose_3d(self, xp, dY3, weights=None):
        """``dY3 @ W(weights)``, batched: ``dY3`` ``(m_y, N, n_out)`` -> ``(m, N, n_in)``.

        ``weights`` as in :meth:`apply_3d`. The base class loops over ``m`` with
        :meth:`backward_2d` on a copy of the layer (after a forward pass on zeros).
        """
        weights = self._weights_3d(weights)
        out = []
        for k in range(_batch_of(dY3, weights)):
            twin = self._twin(xp, _pick(weights, k))
            dY = dY3[min(k, dY3.shape[0] - 1), ...]
            twin.forward_2d(xp, xp.zeros((dY.shape[0], self.n_in), dtype=dY.dtype,
                                         device=device_of(dY)))
            out.append(twin.backward_2d(xp, dY))
        return xp.stack(out)

    def weight_grads_3d(self, xp, X3, dY3):
        """Weight gradients ``Σ_n`` for ``m`` pairs ``(X3[k], dY3[k])``, batched.

        ``X3`` ``(m_x, N, n_in)``, ``dY3`` ``(m_y, N, n_out)`` (``m_x``, ``m_y`` 1 or ``m``).
        Returns ``{name: (m, *shape)}`` over the weight parameters (not ``b``): the gradient
        of ``Σ_n dY3[k, n] · (X3[k, n] W(θ)ᵀ)`` with respect to them.
        """
        m = max(X3.shape[0], dY3.shape[0])
        grads = {name: [] for name in self.weight_params()}
        twin = self._twin(xp, self.weight_params())
        for k in range(m):
            twin.forward_2d(xp, X3[min(k, X3.shape[0] - 1), ...])
            twin.backward_2d(xp, dY3[min(k, dY3.shape[0] - 1), ...])
            for name in grads:
                grads[name].append(twin.grads[name])
        return {name: xp.stack(values) for name, values in grads.items()}

    # -- hooks for weights that are not linear in the parameters (defaults: linear) ----
    def tangent_apply_3d(self, xp, X3, weights, tangents):
        """``X3 @ DW_θ[v]ᵀ`` with ``θ = weights`` and ``v = tangents`` (no bias).

        Parameters
        ----------
        xp : namespace
        X3 : array ``(m_x, N, n_in)``
        weights : dict ``{name: (1 or m, *shape)}``, the point ``θ`` (weight parameters)
        tangents : dict ``{name: (m, *shape)}``, the directions ``v``

        Returns
        -------
        array ``(m, N, n_out)``; for ``W`` linear in ``θ`` this is ``apply_3d(X3, tangents)``.
        """
        return self.apply_3d(xp, X3, tangents)

    def tangent_apply_transpose_3d(self, xp, dY3, weights, tangents):
        """``dY3 @ DW_θ[v]``: ``(m_y, N, n_out)`` -> ``(m, N, n_in)``; see :meth:`tangent_apply_3d`.

        Parameters
        ----------
        xp : namespace
        dY3 : array ``(m_y, N, n_out)``
        weights, tangents : dicts as in :meth:`tangent_apply_3d`

        Returns
        -------
        array ``(m, N, n_in)``
        """
        return self.apply_transpose_3d(xp, dY3, tangents)

    def weight_grads_at_3d(self, xp, X3, dY3, weights):
        """:meth:`weight_grads_3d` at the parameters ``weights`` (linear ``W``: independent of them).

        Parameters
        ----------
        xp : namespace
        X3 : array ``(m_x, N, n_in)``; dY3 : array ``(m_y, N, n_out)``
        weights : dict ``{name: (1, *shape)}``, the point ``θ``

        Returns
        -------
        dict ``{name: (m, *shape)}`` over the weight parameters
        """
        return self.weight_grads_3d(xp, X3, dY3)

    def weight_second_order_3d(self, xp, X3, dY3, weights, tangents):
        """``d/dt J_W(θ + t v)ᵀ vec(Σ_n dY3ᵀ X3)``: zero (``None``) for ``W`` linear in ``θ``.

        Parameters
        ----------
        xp : namespace
        X3 : array ``(1, N, n_in)``; dY3 : array ``(1, N, n_out)``
        weights : dict ``{name: (1, *shape)}``, the point ``θ``
        tangents : dict ``{name: (m, *shape)}``, the directions ``v``

        Returns
        -------
        dict ``{name: (m, *shape)}`` or ``None`` (zero)
        """
        return None

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


def _batch_of(A3, weights):
    """The tangent batch ``m``: the largest leading axis of ``A3`` and the weight arrays."""
    return max([A3.shape[0]] + [w.shape[0] for w in weights.values()])


def _pick(weights, k):
    """Weight set ``k`` of a batch (index 0 of a broadcast axis of length 1)."""
    return {name: w[min(k, w.shape[0] - 1), ...] for name, w in weights.items()}
