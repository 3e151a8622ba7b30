"""Pearlmutter's R-operator (forward-over-reverse) on an MLP: the kernels behind the products.

With ``R{·} = d/dt ·(θ + t v)|₀`` for a direction ``v``, the network's passes give

* forward (``z_l = x_l W_lᵀ + b_l``, ``x_{l+1} = σ(z_l)``):
  ``R{z_l} = x_l W(v_l)ᵀ + v_{b,l} + R{x_l} W_lᵀ``, ``R{x_{l+1}} = σ'(z_l) R{z_l}``;
* loss: ``R{∂L/∂z} = S R{z}`` with ``S`` the Hessian of the mean loss in the logits;
* backward (``∂L/∂x_l = ∂L/∂z_l W_l``, ``∂L/∂W_l = Σ_n (∂L/∂z_l)ᵀ x_l``):
  ``R{∂L/∂W_l} = Σ_n R{∂L/∂z_l}ᵀ x_l + (∂L/∂z_l)ᵀ R{x_l}`` (so ``H v``), and
  ``R{∂L/∂x_l} = R{∂L/∂z_l} W_l + ∂L/∂z_l W(v_l)``; ``R{∂L/∂z} = σ'(z) R{∂L/∂x}`` for
  activations that are piecewise linear (``σ'' = 0`` almost everywhere: ReLU, dropout).

For a layer whose ``W(θ)`` is not linear in ``θ`` (``layer.curvature().weights_linear``
is ``False``), ``W(v_l)``
reads ``DW_θ[v_l]`` (the layer's tangent hooks) and ``R{∂L/∂θ_l}`` gains the layer's own
curvature term ``(DJ_W[v_l])ᵀ Σ_n (∂L/∂z_l)ᵀ x_l`` (``weight_second_order_3d``).

Dropping the terms that carry the primal ``∂L/∂z_l`` leaves ``Jᵀ S J v``: the Gauss-Newton
product. Every term is one of the three bilinear kernels of the
:class:`~cdnotes.layers.Linear` protocol, evaluated for ``m`` directions at once with a
leading tangent axis. The primal pass (layer inputs, ``∂L/∂z_l``, a copy of the weights)
is computed once and reused by every product.
"""
from __future__ import annotations

from ..backend import to_numpy
from ..train.losses import LOSS_HESSIAN_KERNELS, LOSS_KERNELS
from ._mode import evaluation_mode

__all__ = ["PrimalPass", "check_supported"]


def check_supported(model):
    """Every layer is linear (the protocol) or piecewise linear with ``jvp_3d``/``vjp_3d``."""
    linear = {id(layer) for layer in model.linear_layers}
    for layer in model.layers:
        if id(layer) in linear:
            layer.check_params()
        elif not (getattr(layer, "piecewise_linear", False) and hasattr(layer, "jvp_3d")
                  and hasattr(layer, "vjp_3d")):
            raise NotImplementedError(
                f"the R-operator supports linear layers and layers piecewise linear in their "
                f"input with jvp_3d/vjp_3d (ReLU, ShannonDropout); {type(layer).__name__} is "
                "neither (a smooth activation needs its second-derivative term)")


class _Step:
    """One layer of the primal pass: its input ``X`` ``(N, n)``; for linear layers the
    output gradient ``dY`` ``(N, n_out)`` and a copy of the weights ``(1, *shape)``."""

    __slots__ = ("layer", "index", "X", "dY", "weights")

    def __init__(self, layer, index, X):
        self.layer, self.index, self.X, self.dY, self.weights = layer, index, X, None, None


class PrimalPass:
    """The forward and backward pass of ``model`` on ``(X, y)`` in evaluation mode, kept.

    Unchecked: the caller validated ``model``, ``X``, ``y`` and ``loss``. The loss is
    ``LOSS_KERNELS[loss]`` on the ``n_classes`` logits; the gradient of the unused
    outputs is zero (:meth:`cdnotes.mlp.MLP.pad_logits`, as in the model's backward pass).

    Attributes
    ----------
    loss : float; gradient : array ``(P,)`` (flat order of :mod:`~cdnotes.curvature.params`)
    """

    def __init__(self, xp, model, X, y, loss):
        self.xp, self.model, self.loss_name = xp, model, loss
        linear = {id(layer): k for k, layer in enumerate(model.linear_layers)}
        self.steps, H = [], X
        with evaluation_mode(model):
            for layer in model.layers:
                self.steps.append(_Step(layer, linear.get(id(layer)), H))
                H = layer.forward_2d(xp, H)
            self.logits = H[:, :model.n_classes]
            loss_value, dlogits = LOSS_KERNELS[loss](xp, self.logits, y)
            dY = model.pad_logits(xp, dlogits)
            grads = [None] * len(linear)
            for step in reversed(self.steps):
                if step.index is not None:
                    step.dY = dY
                    step.weights = {name: xp.asarray(p[None, ...], copy=True)
                                    for name, p in step.layer.weight_params().items()}
                    dY = step.layer.backward_2d(xp, dY)
                    grads[step.index] = {name: g[None, ...] for name, g in step.layer.grads.items()}
                else:
                    dY = step.layer.backward_2d(xp, dY)
        from .params import flatten
        self.loss = float(to_numpy(loss_value))
        self.gradient = flatten(xp, model, grads)[:, 0]

    def forward_tangents(self, tangents):
        """``R{x_l}`` for every layer and ``R{logits}`` ``(m, N, n_classes)``.

        ``tangents``: per linear layer ``{name: (m, *shape)}`` (the directions ``v``), or
        ``None`` for a layer whose directions are all zero (its terms are skipped).
        Returns the list of input tangents (``None`` where they are zero) and the logit
        tangents.
        """
        xp, T, inputs = self.xp, None, []
        for step in self.steps:
            inputs.append(T)
            layer = step.layer
            if step.index is None:
                T = None if T is None else layer.jvp_3d(xp, step.X, T)
                continue
            v, hooks = tangents[step.index], layer.curvature()
            R = None if T is None else hooks.apply_3d(xp, T, step.weights)
            if v is not None:
                Rv = hooks.tangent_apply_3d(xp, step.X[None, ...], step.weights,
                                            {name: v[name] for name in step.weights})
                if "b" in v:
                    Rv = Rv + v["b"][:, None, :]
                R = Rv if R is None else R + Rv
            T = R
        return inputs, T[..., :self.model.n_classes]

    def backward_tangents(self, inputs, U, tangents, second_order, lowest=0):
        """Back-propagate ``U = S R{z}`` ``(m, N, n_classes)``; per linear layer
        ``{name: (m, *shape)}``: ``H v`` (``second_order``) or ``Jᵀ S J v``.

        Only the rows of linear layers ``>= lowest`` are computed (``None`` below).
        """
        xp = self.xp
        U = self.model.pad_logits(xp, U)
        out = [None] * len(tangents)
        stop = [k for k, s in enumerate(self.steps) if s.index is not None][lowest]
        for pos in range(len(self.steps) - 1, stop - 1, -1):
            step, T = self.steps[pos], inputs[pos]
            layer = step.layer
            if step.index is None:
                U = layer.vjp_3d(xp, step.X, U)
                continue
            hooks = layer.curvature()
            grads = hooks.weight_grads_at_3d(xp, step.X[None, ...], U, step.weights)
            v = tangents[step.index]
            if second_order and T is not None:
                extra = hooks.weight_grads_at_3d(xp, T, step.dY[None, ...], step.weights)
                grads = {name: g + extra[name] for name, g in grads.items()}
            if second_order and v is not None:          # W nonlinear in θ: its own curvature
                extra = hooks.weight_second_order_3d(xp, step.X[None, ...], step.dY[None, ...],
                                                     step.weights,
                                                     {name: v[name] for name in step.weights})
                if extra is not None:
                    grads = {name: g + extra[name] for name, g in grads.items()}
            if layer.has_bias:
                grads["b"] = xp.sum(U, axis=1)
            out[step.index] = grads
            if pos > stop:
                dX = hooks.apply_transpose_3d(xp, U, step.weights)
                if second_order and v is not None:
                    dX = dX + hooks.tangent_apply_transpose_3d(
                        xp, step.dY[None, ...], step.weights,
                        {name: v[name] for name in step.weights})
                U = dX
        return out

    def product(self, tangents, second_order, lowest=0):
        """``H v`` (``second_order=True``) or ``G v`` for per-layer tangents ``(m, *shape)``
        (``None``: zero); the rows of linear layers ``>= lowest``."""
        with evaluation_mode(self.model):
            inputs, Rz = self.forward_tangents(tangents)
            U = LOSS_HESSIAN_KERNELS[self.loss_name](self.xp, self.logits, Rz)
            return self.backward_tangents(inputs, U, tangents, second_order, lowest)
