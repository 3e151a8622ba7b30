"""Putting adapters on a model: :func:`apply_adapters` returns a copy of an MLP, CNN or
transformer with adapters on the chosen linear layers and every other parameter frozen except
the groups named trainable (:func:`freeze`, :func:`layer_groups`)."""
from __future__ import annotations

import copy

from ..layers.attention import MultiHeadAttention
from ..layers.base import Layer
from ..layers.composite import Composite, child_seeds
from ..layers.conv import ConvLayer
from ..layers.feedforward import FeedForward
from ..layers.linear import Linear
from ..layers.norm import LayerNorm
from .base import Adapter
from .cd import CDAdapter
from .lora import LoRA

__all__ = ["GROUPS", "KINDS", "Frozen", "FrozenLinear", "freeze", "layer_groups",
           "linear_layers_in", "apply_adapters"]

GROUPS = ("attention", "feedforward", "linear", "head", "layernorm", "embedding", "conv")
"""Names of layer groups: the ``q, k, v, o`` projections of attention; the two linear layers of
a feed-forward block; every linear layer but the head; the head (the model's last layer with
parameters); LayerNorms; the positional embedding (the first layer of a transformer); the
convolutions."""

KINDS = ("lora", "cd", "none")
"""``"lora"`` (:class:`LoRA`, option ``rank``, ``alpha``), ``"cd"`` (:class:`CDAdapter`, option
``block_size``), ``"none"`` (no adapter: only the ``trainable`` groups train, e.g. the head)."""


class FrozenLinear(Adapter):
    """A linear layer that does not train: no parameters, the base's passes (``ΔW = 0``).

    Parameters
    ----------
    base : a linear layer of cdnotes, ``(n_in, n_out)``

    Attributes
    ----------
    params : empty; n_params : 0
    """

    def __init__(self, base):
        super().__init__(base)

    def param_shapes(self):
        return {}

    def initial_params(self, std, seed):
        return {}

    @property
    def reference_param(self):
        """The base's (a frozen layer has no parameter of its own)."""
        return self.base.reference_param

    def delta(self):
        """Zeros ``(n_out, n_in)``."""
        return 0.0 * self.base.to_dense()

    def update_forward_2d(self, xp, X2):
        return 0.0, None

    def update_backward_2d(self, xp, cache, dY2):
        return 0.0, {}

    def check_params(self):
        self.base.check_params()

    def update_apply_3d(self, xp, X3, weights):
        return 0.0

    def update_apply_transpose_3d(self, xp, dY3, weights):
        return 0.0

    def update_grads_3d(self, xp, X3, dY3, weights):
        return {}


class Frozen(Layer):
    """Any layer with parameters, frozen: ``params`` is empty (so no optimiser sees it), the
    passes are the layer's (its input gradient flows through; its own gradients are dropped).

    Parameters
    ----------
    layer : a cdnotes layer (LayerNorm, a convolution, an embedding, ...)

    Attributes
    ----------
    layer : the wrapped layer, unchanged by training; params : empty
    """

    def __init__(self, layer):
        super().__init__()
        if not isinstance(layer, Layer):
            raise TypeError(f"layer must be a cdnotes layer; got {type(layer).__name__}")
        self.layer = layer

    def forward(self, X):
        return self.layer.forward(X)

    def backward(self, dY):
        dX = self.layer.backward(dY)
        self.grads = {}
        return dX

    def forward_2d(self, xp, X):
        return self.layer.forward_2d(xp, X)

    def backward_2d(self, xp, dY):
        return self.layer.backward_2d(xp, dY)

    def jvp_2d(self, xp, X, dX, dparams):
        """The layer's tangent in its input alone (its parameters do not move)."""
        return self.layer.jvp_2d(xp, X, dX, {})

    def rop_backward_2d(self, xp, X, dY, dX, dparams, ddY):
        """The R-operator of the input gradient; no parameter gradients."""
        RdX, _ = self.layer.rop_backward_2d(xp, X, dY, dX, {}, ddY)
        return RdX, {}

    def train(self):
        self.layer.train()
        return super().train()

    def eval(self):
        self.layer.eval()
        return super().eval()

    def __getattr__(self, name):
        if name == "layer":
            raise AttributeError(name)
        return getattr(self.layer, name)

    def __repr__(self):
        return f"Frozen({self.layer!r})"


def freeze(layer):
    """``layer`` frozen: a :class:`FrozenLinear` for a linear layer, a :class:`Frozen` for any
    other layer with parameters, the layer itself when it has none.

    Parameters
    ----------
    layer : a cdnotes layer

    Returns
    -------
    a layer with no trainable parameters and the same passes
    """
    if not layer.params:
        return layer
    return FrozenLinear(layer) if isinstance(layer, Linear) else Frozen(layer)


def _leaves(layers, path=()):
    """``(path, parent, key, layer, context)`` of every leaf with parameters; ``parent`` a list
    (``key`` an index) or a Composite (``key`` a sub-layer name); ``context`` the innermost
    attention or feed-forward block."""
    out = []
    items = (enumerate(layers) if isinstance(layers, list) else layers.sublayers.items())
    for key, layer in items:
        here = path + (str(key),)
        if isinstance(layer, Composite):
            for leaf in _leaves(layer, here):
                ctx = leaf[4] or (layer if isinstance(layer, (MultiHeadAttention, FeedForward))
                                  else None)
                out.append(leaf[:4] + (ctx,))
        elif layer.params:
            out.append((here, layers, key, layer, None))
    return out


def layer_groups(model) -> dict:
    """The groups of :data:`GROUPS` each parameterised leaf layer of ``model`` belongs to.

    Parameters
    ----------
    model : an MLP (:func:`cdnotes.mlp.make_mlp`) or a sequence classifier
        (:func:`cdnotes.models.cnn_classifier`, :func:`~cdnotes.models.transformer_classifier`)

    Returns
    -------
    dict ``{"/".join(path): set of group names}``, in the model's order
    """
    leaves = _leaves(model.layers)
    if not leaves:
        raise ValueError("the model has no layer with parameters")
    head = leaves[-1][0]
    out = {}
    for path, _, _, layer, ctx in leaves:
        groups = set()
        if path == head:
            groups.add("head")
        elif isinstance(layer, Linear):
            groups.add("linear")
        if isinstance(ctx, MultiHeadAttention) and isinstance(layer, Linear):
            groups.add("attention")
        if isinstance(ctx, FeedForward) and isinstance(layer, Linear):
            groups.add("feedforward")
        if isinstance(layer, LayerNorm):
            groups.add("layernorm")
        if isinstance(layer, ConvLayer):
            groups.add("conv")
        if type(layer).__name__ == "PositionEmbedding":
            groups.add("embedding")
        out["/".join(path)] = groups
    return out


def linear_layers_in(model, groups) -> list:
    """The linear layers of ``model`` in any of ``groups`` (the layers adapters would wrap).

    Parameters
    ----------
    model : an MLP or sequence classifier (see :func:`layer_groups`)
    groups : str or sequence of str, groups of :data:`GROUPS`

    Returns
    -------
    list of :class:`~cdnotes.layers.Linear`, in the model's order
    """
    wanted = _check_groups(groups, "groups")
    of = layer_groups(model)
    return [layer for path, _, _, layer, _ in _leaves(model.layers)
            if isinstance(layer, Linear) and of["/".join(path)] & wanted]


def _check_groups(names, what):
    names = (names,) if isinstance(names, str) else tuple(names)
    bad = [n for n in names if n not in GROUPS]
    if bad:
        raise ValueError(f"{what} must name groups of {', '.join(GROUPS)}; got "
                         f"{', '.join(map(repr, bad))}")
    return set(names)


def apply_adapters(model, kind, *, targets=("attention",), trainable=("head",), seed=None,
                   **options):
    """A copy of ``model`` ready for parameter-efficient fine-tuning.

    Every linear layer in a ``targets`` group gets an adapter of ``kind`` (its weights frozen
    inside it); every other layer with parameters is frozen unless it is in a ``trainable``
    group (trained in full). ``model`` itself is not changed.

    Parameters
    ----------
    model : an MLP or a sequence classifier (see :func:`layer_groups`)
    kind : {"lora", "cd", "none"} (:data:`KINDS`)
    targets : str or sequence of str, groups of :data:`GROUPS`, default ``("attention",)``
        Ignored for ``kind="none"``.
    trainable : str or sequence of str, default ``("head",)``
        Groups trained in full (``()``: only the adapters train).
    seed : int or None, the adapters' initial parameters
    **options
        ``rank`` (and ``alpha``) for LoRA, ``block_size`` (and ``method``) for CD.

    Returns
    -------
    a deep copy of ``model`` whose ``n_params`` counts only what trains

    Raises
    ------
    ValueError
        An unknown kind or group; a target group with no linear layer in this model (the
        message lists the groups it has); a group both target and trainable; adapter options
        with ``kind="none"``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if kind == "none" and options:
        raise ValueError(f"kind='none' puts no adapter, so it takes no adapter options; got "
                         f"{', '.join(sorted(options))}")
    targets = set() if kind == "none" else _check_groups(targets, "targets")
    trainable = _check_groups(trainable, "trainable")
    if targets & trainable:
        raise ValueError(f"a group cannot be both a target and trainable: "
                         f"{', '.join(sorted(targets & trainable))}")
    groups = layer_groups(model)
    present = set().union(*groups.values())
    missing = sorted(g for g in targets if not linear_layers_in(model, g))
    if missing:
        raise ValueError(f"no linear layer of this model is in target group(s) "
                         f"{', '.join(missing)}; its groups: {', '.join(sorted(present))}")
    out = copy.deepcopy(model)
    leaves = _leaves(out.layers)
    seeds = child_seeds(seed, len(leaves)) if seed is not None else [None] * len(leaves)
    for (path, parent, key, layer, _), s in zip(leaves, seeds):
        gs = groups["/".join(path)]
        if isinstance(layer, Linear) and gs & targets:
            new = (LoRA(layer, seed=s, **options) if kind == "lora"
                   else CDAdapter(layer, seed=s, **options))
        elif gs & trainable:
            continue
        else:
            new = freeze(layer)
        if isinstance(parent, list):
            parent[key] = new
        else:
            if getattr(parent, key, None) is layer:
                setattr(parent, key, new)
            parent.sublayers[key] = new
    return out
