"""Networks of spectral-domain layers: :func:`spectral_mlp` builds a stack, :func:`retract`
multiplies every run of consecutive linear layers into one dense layer."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backend import device_of, namespace_of
from ..layers import Dense, Linear, ReLU
from ..mlp import MLP
from ..validation import check_int, check_seed
from .layer import ACTIVATIONS, SpectralLinear

__all__ = ["spectral_mlp", "retract", "Retraction"]


def spectral_mlp(widths, *, activations, train=("eigenvalues",), input_eigenvalues="fixed",
                 bias=False, seed=0, n_classes=None, dtype="float64", xp=None,
                 transfer="inverse"):
    """A stack of :class:`SpectralLinear` layers ``widths[0] -> ... -> widths[-1]``.

    Parameters
    ----------
    widths : sequence of int >= 1
        At least an input and an output width.
    activations : sequence of {"relu", None}
        One per hidden layer (``len(widths) - 2``): a ReLU after it, or nothing (a
        telescopic linear layer, :func:`retract` merges it with its neighbours).
    train, input_eigenvalues, transfer
        Passed to every layer (:class:`SpectralLinear`).
    bias : bool or sequence of bool
        A bias in every layer, or one entry per layer.
    seed : int
        Every layer's initial values derive from it.
    n_classes : int, optional
        Logits kept (default ``widths[-1]``).
    dtype, xp
        Passed to the layers.

    Returns
    -------
    :class:`~cdnotes.mlp.MLP`
    """
    if widths is None or isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__"):
        raise TypeError(f"widths must be a sequence of layer widths, e.g. (64, 10); got "
                        f"{widths!r} ({type(widths).__name__})")
    widths = [check_int(w, "each width", minimum=1) for w in widths]
    if len(widths) < 2:
        raise ValueError(f"widths needs at least an input and an output width; got {widths}")
    if activations is None or isinstance(activations, (str, bytes)) or not hasattr(
            activations, "__iter__"):
        raise ValueError(f"activations must be a sequence with one entry per hidden layer "
                         f"({len(widths) - 2}), each 'relu' or None; got {activations!r}")
    activations = list(activations)
    if len(activations) != len(widths) - 2:
        raise ValueError(f"activations must have one entry per hidden layer: "
                         f"{len(widths) - 2} for widths {widths}; got {len(activations)}")
    for a in activations:
        if a not in ACTIVATIONS:
            raise ValueError(f"each activation must be 'relu' or None; got {a!r}")
    check_seed(seed)
    n_layers = len(widths) - 1
    if isinstance(bias, (bool, np.bool_)):
        biases = [bool(bias)] * n_layers
    elif isinstance(bias, (list, tuple)) and len(bias) == n_layers and all(
            isinstance(b, (bool, np.bool_)) for b in bias):
        biases = [bool(b) for b in bias]
    else:
        raise ValueError(f"bias must be True, False or one bool per layer ({n_layers}); "
                         f"got {bias!r}")
    seeds = np.random.SeedSequence(seed).spawn(len(widths))
    layers = []
    for k, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(SpectralLinear(n_in, n_out, train=train, input_eigenvalues=input_eigenvalues,
                                     bias=biases[k], seed=int(seeds[k].generate_state(1)[0]),
                                     dtype=dtype, xp=xp, transfer=transfer))
        if k < len(activations) and activations[k] == "relu":
            layers.append(ReLU())
    return MLP(layers, n_classes=n_classes)


@dataclass
class Retraction:
    """The result of :func:`retract`.

    Attributes
    ----------
    model : :class:`~cdnotes.mlp.MLP`
        Every run of consecutive linear layers replaced by one :class:`~cdnotes.Dense`.
    merged : list of tuple of int
        For each Dense layer of ``model`` (in order), the indices in the original
        ``model.layers`` of the linear layers it replaces.
    description : str
        The same in words.
    """

    model: MLP
    merged: list
    description: str


def retract(model) -> Retraction:
    """Multiply every run of consecutive linear layers (nothing between them) into one Dense.

    A run ``L_1, …, L_k`` becomes ``W = W_k ⋯ W_1`` and ``b = W_k ⋯ W_2 b_1 + … + b_k``
    (zero for layers without a bias); every other layer (ReLU, dropout) stays in place,
    in order. The logits are those of ``model`` up to rounding.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`

    Returns
    -------
    :class:`Retraction`
    """
    if not (hasattr(model, "layers") and hasattr(model, "linear_layers")
            and hasattr(model, "n_classes")):
        raise TypeError(f"model must be a cdnotes.mlp.MLP; got {type(model).__name__}")
    runs, current = [], []
    for k, layer in enumerate(model.layers):
        if isinstance(layer, Linear):
            current.append(k)
        else:
            if current:
                runs.append(current)
            runs.append(k)
            current = []
    if current:
        runs.append(current)
    layers, merged, words = [], [], []
    for item in runs:
        if isinstance(item, int):
            layers.append(model.layers[item])
            continue
        run = [model.layers[k] for k in item]
        ref = run[0].reference_param
        xp = namespace_of(ref)
        W = run[0].to_dense()
        b = run[0].params["b"] if run[0].has_bias else xp.zeros(
            (run[0].n_out,), dtype=ref.dtype, device=device_of(ref))
        for layer in run[1:]:
            Wk = layer.to_dense()
            W = xp.matmul(Wk, W)
            b = xp.matmul(Wk, b[:, None])[:, 0]
            if layer.has_bias:
                b = b + layer.params["b"]
        dense = Dense(run[0].n_in, run[-1].n_out, dtype=ref.dtype, xp=xp, device=device_of(ref))
        dense.W, dense.b = W, b
        layers.append(dense)
        merged.append(tuple(item))
        names = " · ".join(f"{type(model.layers[k]).__name__}#{k}" for k in reversed(item))
        words.append(f"Dense({run[0].n_in}→{run[-1].n_out}) = {names}")
    return Retraction(MLP(layers, n_classes=model.n_classes), merged, "; ".join(words))
