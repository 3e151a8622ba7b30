"""Pearlmutter's R-operator on a sequence classifier (:class:`~cdnotes.shfin.models.SequenceModel`,
:class:`~cdnotes.models.Classifier`: the CNNs and Transformers of :mod:`cdnotes.models`).

The MLP's R-operator (:mod:`cdnotes.curvature._rop`) stacks the linear protocol's bilinear
kernels; here every layer brings its own two unchecked kernels (:mod:`cdnotes.layers.tangents`,
:mod:`cdnotes.layers.second_order`, :mod:`cdnotes.layers.chain_tangents`):
``jvp_2d(xp, X, dX, dθ)`` and ``rop_backward_2d(xp, X, dY, dX, dθ, ddY)``. For a direction
``v`` (per layer ``dθ_l``):

* forward tangents up: ``Ẋ_{l+1} = layer_l.jvp_2d(X_l, Ẋ_l, v_l)``, ``Ẋ_0 = 0``, up to
  ``R{z}`` (the logits);
* the loss (a function of the logits only): ``R{∂L/∂z} = S R{z}``, ``S`` the Hessian of the
  mean loss in the logits (``LOSS_HESSIAN_KERNELS``);
* down: ``(R{∂L/∂X_l}, H v|_l) = layer_l.rop_backward_2d(X_l, ∂L/∂X_{l+1}, Ẋ_l, v_l,
  R{∂L/∂X_{l+1}})`` — the exact ``H v``;
* Gauss-Newton: the same with the tangents dropped from the backward half (``Ẋ_l = 0``,
  ``v_l = 0`` there: no term carries the primal ``∂L/∂X``), i.e. the plain transposed
  Jacobian of ``S J v``: ``G v = Jᵀ S J v``.

ReLU's second derivative is zero off its kinks, so the products are exact wherever no
pre-activation is exactly zero. Directions are taken one at a time (a loop over the columns
of ``V``).
"""
from __future__ import annotations

from ..backend import namespace_of, to_numpy
from ..shfin.models import SequenceModel
from ..train.losses import LOSS_HESSIAN_KERNELS, LOSS_KERNELS
from ..validation import check_array, check_float_array, check_same_dtype
from ._mode import check_sequence_model, evaluation_mode
from .params import flatten

__all__ = ["SequencePass", "is_sequence_model", "sequence_input"]


def is_sequence_model(model) -> bool:
    """Whether ``model`` is a :class:`~cdnotes.shfin.models.SequenceModel` (a
    :class:`~cdnotes.models.Classifier` included).

    Parameters
    ----------
    model : object

    Returns
    -------
    bool
    """
    return isinstance(model, SequenceModel)


def sequence_input(model, X):
    """Check a sequence model for the R-operator and ``X`` ``(N, seq_len)`` against it.

    Parameters
    ----------
    model : :class:`~cdnotes.shfin.models.SequenceModel`
    X : real floating array ``(N, model.n_in)``, ``N >= 1``, finite, the parameters' dtype

    Returns
    -------
    the array namespace of ``X`` and the parameters
    """
    check_sequence_model(model)
    check_array(X, "X")
    params = [p for layer in model.linear_layers for p in layer.params.values()]
    xp = namespace_of(X, *params)
    if X.ndim != 2 or X.shape[1] != model.n_in or X.shape[0] == 0:
        raise ValueError(f"X must have shape (N, seq_len) = (N, {model.n_in}) with N >= 1; "
                         f"got {tuple(X.shape)}")
    check_float_array(xp, X, "X")
    check_same_dtype(X=X, parameters=params[0])
    return xp


class SequencePass:
    """The primal pass of a sequence model on ``(X, y)`` (evaluation mode) and its exact
    curvature products; the interface of :class:`cdnotes.curvature._rop.PrimalPass`.

    Unchecked: the caller validated the arguments (:func:`sequence_input`). The parameters
    are copied: each product puts the copies back for its pass (re-running the forward pass,
    so that the layers' caches are those of this point) and restores what it found.

    Parameters
    ----------
    xp : namespace
    model : :class:`~cdnotes.shfin.models.SequenceModel`
    X : array ``(N, seq_len)``; y : integer array ``(N,)``
    loss : {"cross_entropy", "squared_error"}

    Attributes
    ----------
    loss : float; gradient : array ``(P,)`` (flat order of :mod:`~cdnotes.curvature.params`)
    """

    def __init__(self, xp, model, X, y, loss):
        self.xp, self.model, self.X, self.loss_name = xp, model, X, loss
        index = {id(layer): k for k, layer in enumerate(model.linear_layers)}
        self.index = [index.get(id(layer)) for layer in model.layers]
        self.point = [{k: xp.asarray(p, copy=True) for k, p in layer.params.items()}
                      for layer in model.linear_layers]
        with evaluation_mode(model):
            self._forward()
            value, dlogits = LOSS_KERNELS[loss](xp, self.logits, y)
            self.output_grads, g = [None] * len(model.layers), dlogits
            grads = [None] * len(model.linear_layers)
            for i in range(len(model.layers) - 1, -1, -1):
                layer = model.layers[i]
                self.output_grads[i] = g
                g = layer.backward_2d(xp, g)
                if self.index[i] is not None:
                    grads[self.index[i]] = {k: v[None, ...] for k, v in layer.grads.items()}
        self.loss = float(to_numpy(value))
        self.gradient = flatten(xp, model, grads)[:, 0]

    def _forward(self):
        """Forward pass at the kept point, keeping every layer's input."""
        H, self.inputs = self.X, []
        for layer in self.model.layers:
            self.inputs.append(H)
            H = layer.forward_2d(self.xp, H)
        self.logits = H

    def _swap(self, values):
        """Put ``values`` (per parameter layer ``{key: array}``) into the model; return
        what was there."""
        found = []
        for layer, new in zip(self.model.linear_layers, values):
            found.append({k: layer.params[k] for k in new})
            for k, v in new.items():
                layer.params[k] = v
        return found

    def _one(self, v, second_order):
        """``H v`` or ``G v`` for one direction ``v`` (per parameter layer ``{key: array}``
        or None): per parameter layer ``{key: array}``."""
        xp, layers = self.xp, self.model.layers
        vs = [{} if k is None or v[k] is None else v[k] for k in self.index]
        T, tangents = None, []
        for layer, X, vl in zip(layers, self.inputs, vs):
            tangents.append(T)
            T = None if T is None and not vl else layer.jvp_2d(xp, X, T, vl)
        Rz = xp.zeros_like(self.logits) if T is None else T
        R = LOSS_HESSIAN_KERNELS[self.loss_name](xp, self.logits, Rz)
        out = [None] * len(self.model.linear_layers)
        for i in range(len(layers) - 1, -1, -1):
            dX, vl = (tangents[i], vs[i]) if second_order else (None, {})
            R, grads = layers[i].rop_backward_2d(xp, self.inputs[i], self.output_grads[i],
                                                 dX, vl, R)
            if self.index[i] is not None:
                out[self.index[i]] = grads
        return out

    def product(self, tangents, second_order, lowest=0):
        """``H v`` (``second_order=True``) or ``G v`` for per-layer tangents ``{key: (m,
        *shape)}`` (None: zero): per parameter layer ``{key: (m, *shape)}``.

        ``lowest`` is accepted for :class:`~cdnotes.curvature._rop.PrimalPass`'s interface;
        every layer's rows are computed.
        """
        xp = self.xp
        m = next(a.shape[0] for t in tangents if t is not None for a in t.values())
        with evaluation_mode(self.model):
            found = self._swap(self.point)
            try:
                self._forward()
                columns = [self._one([None if t is None else {k: a[j, ...] for k, a in t.items()}
                                      for t in tangents], second_order) for j in range(m)]
            finally:
                self._swap(found)
        return [{k: xp.stack([c[n][k] for c in columns]) for k in columns[0][n]}
                for n in range(len(tangents))]
