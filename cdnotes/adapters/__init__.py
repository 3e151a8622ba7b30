"""Fine-tuning adapters on a frozen linear layer (issue 20): the low-rank update
:class:`LoRA` and the block-circulant update :class:`CDAdapter`.

Both are linear layers of the layer protocol (:class:`cdnotes.layers.linear.Linear`) whose
``params`` hold *only* the update's parameters: the wrapped ``base`` layer (any registry linear
layer: ``Dense``, ``CDLinear``, ...) is frozen — read, never trained — so an optimiser that
walks ``params``/``grads`` trains the update alone. ``Y = base(X) + X ΔWᵀ``;
``to_dense()`` is ``W_base + ΔW``; ``merge()`` returns the plain :class:`~cdnotes.layers.Dense`
with that weight and the base's bias (the deployed form, one matrix product).

=============  =======================================  ==========================
adapter        ``ΔW`` ``(n_out, n_in)``                  trainable parameters
=============  =======================================  ==========================
``LoRA``       ``(alpha / rank) · B @ A``                ``rank · (n_in + n_out)``
``CDAdapter``  ``block_circulant(C)``                    ``n_in · n_out / B``
=============  =======================================  ==========================

:class:`~cdnotes.adapters.curvature.AdapterCurvature` gives the curvature hooks of
``W_base + ΔW(θ)`` (affine; LoRA's bilinear), so :mod:`cdnotes.curvature`'s exact Hessian- and
Gauss-Newton-vector products run through adapted models, in the adapters' parameters.

:func:`apply_adapters` puts them on a model (an MLP, a CNN, a transformer): adapters on the
target groups of linear layers (``"attention"``, ``"feedforward"``, ...), every other layer
frozen (:func:`freeze`) unless named trainable (the head, LayerNorms).
"""
from .apply import (GROUPS, KINDS, Frozen, FrozenLinear, apply_adapters, freeze,
                    layer_groups, linear_layers_in)
from .base import Adapter
from .cd import CDAdapter
from .lora import LoRA

__all__ = ["Adapter", "LoRA", "CDAdapter", "Frozen", "FrozenLinear", "freeze", "layer_groups",
           "linear_layers_in", "apply_adapters", "GROUPS", "KINDS"]
