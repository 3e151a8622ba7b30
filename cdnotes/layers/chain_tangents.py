"""Tangents and R-operators of the layers that chain the sequence models together: the
parameter-free reshapes (:class:`~cdnotes.shfin.models.MeanPool`, ``Flatten``,
``AddChannel``), the position embedding, :class:`~cdnotes.layers.ReLU` and every registry
linear layer (:class:`~cdnotes.layers.Dense`, ...).

Every layer of a :class:`~cdnotes.models.Classifier` answers two unchecked kernels at the
point of its last ``forward_2d(X)``:

``jvp_2d(xp, X, dX, dparams) -> dY``
    the forward tangent ``J_X dX + J_θ dθ`` (``dX`` None and missing keys: zero);
``rop_backward_2d(xp, X, dY, dX, dparams, ddY) -> (R{∂L/∂X}, R{grads})``
    the R-operator of ``backward_2d(dY)`` (:mod:`cdnotes.layers.second_order`), every key of
    ``params`` in ``R{grads}``;

and the checked ``jvp`` / ``rop_backward`` after a checked ``forward(X)`` (the mixins here).
ReLU is piecewise linear (``σ'' = 0`` off its kinks, so ``R{∂L/∂X} = 1[X > 0] ⊙ ddY``), a
linear layer bilinear in ``(X, θ)`` (its curvature hooks give both halves), the reshapes are
linear with no parameters.
"""
from __future__ import annotations

from ..backend import namespace_of
from ..validation import check_array, check_float_array, check_same_dtype
from .second_order import checked_rop_backward, linear_rop_backward
from .tangents import checked_jvp, linear_tangent

__all__ = ["ShapeChecks", "TangentMethods", "linear_jvp_2d", "linear_rop_backward_2d",
           "method_kernel"]


def method_kernel(layer, xp, X, dY, dX, dparams, ddY):
    """``layer.rop_backward_2d(xp, X, dY, dX, dparams, ddY)``: the kernel argument of
    :func:`~cdnotes.layers.second_order.checked_rop_backward` for layers with that method.

    Parameters
    ----------
    layer : a layer with ``rop_backward_2d``
    xp : namespace
    X, dY, dX, dparams, ddY : as in ``rop_backward_2d``

    Returns
    -------
    (array of ``X``'s shape, dict ``{key of params: array}``)
    """
    return layer.rop_backward_2d(xp, X, dY, dX, dparams, ddY)


class TangentMethods:
    """Mixin: the checked :meth:`jvp` and :meth:`rop_backward` from the layer's unchecked
    ``jvp_2d`` / ``rop_backward_2d``, at the input of its last checked ``forward`` (which
    keeps ``_forward_input``, ``_forward_cache`` and ``_out_shape``).

    Parameters
    ----------
    None (a mixin)
    """

    def jvp(self, dX=None, dparams=None):
        """Forward-mode tangent ``dY = J_X dX + J_θ dθ`` at the last :meth:`forward` ``X``.

        Parameters
        ----------
        dX : real floating array of the last forward input's shape, or None (zero)
        dparams : dict ``{key of params: array of that parameter's shape}`` or None;
            missing keys are zero

        Returns
        -------
        array of the last forward output's shape

        Raises
        ------
        RuntimeError
            Before :meth:`forward` (or after ``forward_2d`` replaced its cache).
        TypeError, ValueError
            A tangent of another shape (naming the key and the expected shape), dtype or
            namespace; an unknown key.
        """
        return checked_jvp(self, dX, dparams)

    def rop_backward(self, dY, dX=None, dparams=None, ddY=None):
        """The R-operator of :meth:`backward`: ``d/dt`` of ``(∂L/∂X, grads)`` at
        ``(X + t dX, θ + t dθ)`` with the output gradient ``dY + t ddY``, ``X`` the last
        :meth:`forward` input.

        Parameters
        ----------
        dY : real floating array of the last forward output's shape
        dX : array of the last forward input's shape, or None; dparams : dict or None
            (as in :meth:`jvp`)
        ddY : array of the last forward output's shape, or None: the output gradient's
            tangent

        Returns
        -------
        (array of the input's shape, dict ``{key of params: array}``)
            ``R{∂L/∂X}`` and ``R{grads}``.
        """
        return checked_rop_backward(self, dY, dX, dparams, ddY, method_kernel)


class ShapeChecks(TangentMethods):
    """Mixin: checked ``forward`` / ``backward`` (and :class:`TangentMethods`) for a layer
    known by its unchecked kernels and its input rank.

    Subclasses set ``input_shape``: a tuple with one entry per axis, ``None`` for a free
    size and an attribute name (``"seq_len"``) for a size the layer fixes.

    Parameters
    ----------
    None (a mixin)
    """

    input_shape: tuple = ()

    def forward(self, X):
        """Checked forward pass.

        Parameters
        ----------
        X : real floating array of the layer's input rank (``input_shape``), non-empty,
            finite, the parameters' dtype

        Returns
        -------
        array, the layer's output
        """
        check_array(X, "X")
        xp = namespace_of(X, *self.params.values())
        sizes = [None if s is None else getattr(self, s) for s in self.input_shape]
        named = ", ".join("·" if s is None else f"{n}={getattr(self, n)}"
                          for n, s in zip(self.input_shape, sizes))
        if X.ndim != len(sizes) or X.size == 0 or any(
                s is not None and X.shape[i] != s for i, s in enumerate(sizes)):
            raise ValueError(f"X must be a non-empty {len(sizes)}-D array ({named}) for "
                             f"{type(self).__name__}; got shape {tuple(X.shape)}")
        check_float_array(xp, X, "X")
        if self.params:
            check_same_dtype(X=X, parameters=next(iter(self.params.values())))
        Y = self.forward_2d(xp, X)
        if self._cache is None:
            self._cache = tuple(X.shape)
        self._out_shape, self._forward_cache, self._forward_input = tuple(Y.shape), self._cache, X
        return Y

    def backward(self, dY):
        """Checked backward pass; fills ``grads``.

        Parameters
        ----------
        dY : real floating array of the last forward output's shape

        Returns
        -------
        ``∂L/∂X``, the last forward input's shape
        """
        name = type(self).__name__
        if self._cache is None or self.__dict__.get("_forward_input") is None:
            raise RuntimeError(f"{name}.backward called before forward; run forward(X) first")
        if self._cache is not self.__dict__.get("_forward_cache"):
            raise RuntimeError(f"{name}.backward pairs with the last forward(X), but forward_2d "
                               "ran since: call forward(X) again before backward")
        check_array(dY, "dY")
        xp = namespace_of(dY, self._forward_input)
        if tuple(dY.shape) != self._out_shape:
            raise ValueError(f"dY must have the shape of the last forward output "
                             f"{self._out_shape}; got {tuple(dY.shape)}")
        check_float_array(xp, dY, "dY")
        check_same_dtype(dY=dY, X=self._forward_input)
        return self.backward_2d(xp, dY)


def linear_jvp_2d(layer, xp, X, dX, dparams):
    """Unchecked tangent of a linear layer ``Y = X W(θ)ᵀ + b`` on any batch shape:
    ``dY = dX Wᵀ + X DW_θ[dθ]ᵀ + db`` (:func:`~cdnotes.layers.tangents.linear_tangent`).

    Parameters
    ----------
    layer : :class:`~cdnotes.layers.Linear`; xp : namespace
    X : array ``(..., n_in)``; dX : array ``(..., n_in)`` or None
    dparams : dict ``{name: array of that parameter's shape}`` (missing: zero)

    Returns
    -------
    array ``(..., n_out)``
    """
    batch = tuple(X.shape[:-1])
    X2 = xp.reshape(X, (-1, layer.n_in))
    dX2 = None if dX is None else xp.reshape(dX, (-1, layer.n_in))
    return xp.reshape(linear_tangent(xp, layer, X2, dX2, dparams), batch + (layer.n_out,))


def linear_rop_backward_2d(layer, xp, X, dY, dX, dparams, ddY):
    """Unchecked R-operator of a linear layer's backward on any batch shape
    (:func:`~cdnotes.layers.second_order.linear_rop_backward`): ``R{∂L/∂X} = ddY W + dY
    DW[dθ]``, ``R{∂L/∂θ} = J_Wᵀ Σ (ddYᵀ X + dYᵀ dX)`` (+ the layer's own second-order term),
    ``R{∂L/∂b} = Σ ddY``.

    Parameters
    ----------
    layer : :class:`~cdnotes.layers.Linear`; xp : namespace
    X, dX : arrays ``(..., n_in)`` (``dX`` None: zero)
    dY, ddY : arrays ``(..., n_out)`` (``ddY`` None: zero)
    dparams : dict (missing: zero)

    Returns
    -------
    (array ``(..., n_in)``, dict ``{name: array}`` over ``layer.params``)
    """
    batch = tuple(X.shape[:-1])
    X2 = xp.reshape(X, (-1, layer.n_in))
    dY2 = xp.reshape(dY, (-1, layer.n_out))
    dX2 = None if dX is None else xp.reshape(dX, (-1, layer.n_in))
    ddY2 = xp.zeros_like(dY2) if ddY is None else xp.reshape(ddY, (-1, layer.n_out))
    RdX2, grads = linear_rop_backward(xp, layer, X2, dX2, dY2, ddY2, dparams)
    return xp.reshape(RdX2, batch + (layer.n_in,)), grads
