"""Multi-layer perceptrons of cdnotes layers, and the paper's three digits models.

>>> model = paper_model("cd4", seed=0)          # 64 -> 64 -> 64 -> 12 CDLinear, logits[:, :10]
>>> model.n_params
2380
"""
from __future__ import annotations

import contextlib

import numpy as np

from .backend import device_of, namespace_of
from .layers import LAYERS, Layer, Linear, ReLU, ShannonDropout
from .structured.registry import per_layer_options
from .validation import (check_array, check_choice, check_float_array,
                         check_input, check_int, check_real, check_same_dtype, check_seed)

__all__ = ["LayerChain", "MLP", "make_mlp", "paper_model", "PAPER_MODELS", "PAPER_HIDDEN",
           "evaluation_mode", "check_model", "model_input"]

PAPER_HIDDEN = (64, 64)
"""The hidden widths of every digits model of the paper (§VI.1)."""

PAPER_MODELS = {
    # name: (widths, block size or None for dense); logits are sliced to 10 classes
    "dense": ((64, *PAPER_HIDDEN, 10), None),
    "cd4": ((64, *PAPER_HIDDEN, 12), 4),
    "cd8": ((64, *PAPER_HIDDEN, 16), 8),
}
"""The paper's three digits models: the one place their widths are written down."""


@contextlib.contextmanager
def evaluation_mode(model):
    """``with evaluation_mode(model):`` — every layer in eval mode inside, modes restored after.

    Parameters
    ----------
    model : any object with ``layers`` and ``eval()`` (:class:`MLP`, :class:`LayerChain`)

    Returns
    -------
    context manager yielding ``model``
    """
    modes = [layer.training for layer in model.layers]
    model.eval()
    try:
        yield model
    finally:
        for layer, mode in zip(model.layers, modes):
            layer.training = mode


class LayerChain:
    """What every chain of layers shares: the modes, the parameter count, the unchecked
    passes through ``self.layers`` in order, and :meth:`predict`.

    Subclasses set ``self.layers`` and provide a checked ``forward``.

    Attributes
    ----------
    layers : list of cdnotes layers, applied in order
    n_params : int
    """

    layers: list

    @property
    def n_params(self) -> int:
        """Number of trainable scalars of every layer."""
        return sum(layer.n_params for layer in self.layers)

    def train(self):
        """Training mode for every layer; returns ``self``."""
        for layer in self.layers:
            layer.train()
        return self

    def eval(self):
        """Evaluation mode for every layer; returns ``self``."""
        for layer in self.layers:
            layer.eval()
        return self

    def forward_2d(self, xp, X):
        """Unchecked forward pass through every layer."""
        for layer in self.layers:
            X = layer.forward_2d(xp, X)
        return X

    def backward_2d(self, xp, dY):
        """Unchecked backward pass through every layer, last first; fills every ``grads``."""
        for layer in reversed(self.layers):
            dY = layer.backward_2d(xp, dY)
        return dY

    def predict(self, X):
        """Class indices ``(N,)`` (evaluation mode; restores the previous modes).

        Parameters
        ----------
        X : real array ``(N, n_in)``

        Returns
        -------
        integer array ``(N,)``
        """
        check_array(X, "X")
        xp = namespace_of(X)
        with evaluation_mode(self):
            return xp.argmax(self.forward(X), axis=1)


class MLP(LayerChain):
    """A sequence of layers; the last layer's outputs are sliced to ``n_classes`` logits.

    The input is validated once, at :meth:`forward`; the layers then run their
    unchecked ``forward_2d`` / ``backward_2d`` kernels.

    Parameters
    ----------
    layers : list of cdnotes layers (any :class:`~cdnotes.layers.Linear`, ``ReLU``,
        ``ShannonDropout``); consecutive linear layers must have matching widths.
    n_classes : int, optional
        Number of logits kept (default: the last layer's width). The CD models of the
        paper have 12 or 16 outputs and keep 10.
    """

    def __init__(self, layers, n_classes=None):
        if layers is None or isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
            raise TypeError(f"layers must be a list of cdnotes layers; got {type(layers).__name__}")
        self.layers = list(layers)
        strangers = [type(layer).__name__ for layer in self.layers if not isinstance(layer, Layer)]
        if strangers:
            raise TypeError(f"layers must be cdnotes layers (Layer subclasses); got {strangers}")
        linear = self.linear_layers
        if not linear:
            raise ValueError("an MLP needs at least one linear layer (Dense, CDLinear, ...)")
        for a, b in zip(linear[:-1], linear[1:]):
            if a.n_out != b.n_in:
                raise ValueError(f"layer widths do not chain: {a!r} outputs {a.n_out} but the next "
                                 f"linear layer {b!r} expects n_in={b.n_in}")
        self.n_in, self.n_out = linear[0].n_in, linear[-1].n_out
        self.n_classes = self.n_out if n_classes is None else check_int(n_classes, "n_classes",
                                                                        minimum=1)
        if self.n_classes > self.n_out:
            raise ValueError(f"n_classes must be in [1, {self.n_out}] (the last layer's width); "
                             f"got {n_classes}")
        check_same_dtype(**{f"layer {k} {name}": p for k, layer in enumerate(linear)
                            for name, p in layer.params.items()})
        self._n_last = None                     # batch size of the last forward pass

    @property
    def linear_layers(self):
        """The layers that implement :class:`~cdnotes.layers.Linear`, in order."""
        return [layer for layer in self.layers if isinstance(layer, Linear)]

    def forward(self, X):
        """``X`` ``(N, n_in)`` -> logits ``(N, n_classes)``; checks ``X`` and every parameter."""
        check_array(X, "X")
        xp = namespace_of(X, *[p for layer in self.layers for p in layer.params.values()])
        if X.ndim != 2:
            raise ValueError(f"X must have shape (N, {self.n_in}); got {tuple(X.shape)}")
        check_input(xp, X, self.n_in)
        for layer in self.linear_layers:
            layer.check_params()
        check_same_dtype(X=X, parameters=self.linear_layers[0].reference_param)
        return self.forward_2d(xp, X)

    def forward_2d(self, xp, X):
        """Unchecked forward pass ``(N, n_in)`` -> ``(N, n_classes)``."""
        self._n_last = X.shape[0]
        X = super().forward_2d(xp, X)
        return X[:, :self.n_classes] if self.n_classes < self.n_out else X

    def backward(self, dlogits):
        """``∂L/∂logits`` ``(N, n_classes)`` -> ``∂L/∂X``; fills every layer's ``grads``.

        ``dlogits`` must match the last forward pass: shape ``(N, n_classes)``, the
        model's dtype, finite.
        """
        check_array(dlogits, "dlogits")
        if self._n_last is None:
            raise RuntimeError("MLP.backward needs a forward pass first")
        xp = namespace_of(dlogits)
        expected = (self._n_last, self.n_classes)
        if tuple(dlogits.shape) != expected:
            raise ValueError(f"dlogits must have the shape of the last forward output {expected}; "
                             f"got {tuple(dlogits.shape)}")
        check_float_array(xp, dlogits, "dlogits")
        check_same_dtype(dlogits=dlogits, parameters=self.linear_layers[0].reference_param)
        return self.backward_2d(xp, dlogits)

    def pad_logits(self, xp, dlogits):
        """``(..., n_classes)`` -> ``(..., n_out)``: zeros for the unused outputs (unchecked).

        The last layer's outputs beyond ``n_classes`` do not reach the loss, so their
        gradients (and R-operator tangents) are zero.
        """
        if self.n_classes == self.n_out:
            return dlogits
        pad = xp.zeros(tuple(dlogits.shape[:-1]) + (self.n_out - self.n_classes,),
                       dtype=dlogits.dtype, device=device_of(dlogits))
        return xp.concat([dlogits, pad], axis=-1)

    def backward_2d(self, xp, dlogits):
        """Unchecked backward pass ``(N, n_classes)`` -> ``(N, n_in)``; fills ``grads``."""
        return super().backward_2d(xp, self.pad_logits(xp, dlogits))

    def __repr__(self):
        inner = ",\n  ".join(map(repr, self.layers))
        return f"MLP(n_params={self.n_params}, n_classes={self.n_classes},\n  {inner})"


def check_model(model):
    """``model`` must be an :class:`MLP` whose trained layers are all linear layers.

    The curvature tools (:mod:`cdnotes.curvature`) and K-FAC (:class:`cdnotes.train.KFAC`)
    work on these models: ``make_mlp``, ``paper_model``, ``spectral_mlp`` and ``MLP([...])``
    of :class:`~cdnotes.layers.Linear` layers, ReLU and dropout.

    Parameters
    ----------
    model : object

    Raises
    ------
    TypeError
        Another model (an SHFIN :class:`~cdnotes.shfin.SequenceModel`, a bare layer, ...),
        or an MLP with a trained layer that is not linear; the message says which.

    Returns
    -------
    ``model``
    """
    if not isinstance(model, MLP):
        hint = (" Wrap a single layer: MLP([layer])" if isinstance(model, Layer) else
                " SHFIN sequence models are not supported (their Conv1D and Fourier-"
                "interaction layers have no curvature hooks)." if isinstance(model, LayerChain)
                else "")
        raise TypeError(f"model must be a cdnotes.mlp.MLP of linear layers (make_mlp, paper_model, "
                        f"spectral_mlp, MLP([...])); got {type(model).__name__}.{hint}")
    odd = [type(layer).__name__ for layer in model.layers
           if layer.params and not isinstance(layer, Linear)]
    if odd:
        raise TypeError(f"model must be an MLP whose trained layers are linear layers "
                        f"(cdnotes.layers.Linear); it has {', '.join(odd)}")
    return model


def model_input(model, X):
    """Check ``model`` (:func:`check_model`) and ``X`` ``(N, model.n_in)`` against it.

    Parameters
    ----------
    model : :class:`MLP`
    X : array ``(N, model.n_in)``, real floating, finite, the parameters' dtype

    Returns
    -------
    the array namespace of ``X`` and the parameters
    """
    check_model(model)
    check_array(X, "X")
    xp = namespace_of(X, *[p for layer in model.linear_layers for p in layer.params.values()])
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, {model.n_in}); got {tuple(X.shape)}")
    check_input(xp, X, model.n_in)
    check_same_dtype(X=X, parameters=model.linear_layers[0].reference_param)
    return xp


def make_mlp(widths, block_size=None, *, n_classes=None, seed=0, dropout=0.0, method="auto",
             dtype="float64", xp=None, structure=None, **options):
    """An MLP ``widths[0] -> ... -> widths[-1]`` with ReLU after every hidden layer.

    Parameters
    ----------
    widths : sequence of int >= 1
        At least an input and an output width.
    block_size : int or None
        ``None`` gives :class:`~cdnotes.Dense` layers, an integer :class:`~cdnotes.CDLinear`
        layers of that block size (it must divide every width).
    n_classes : int, optional
        Logits kept (default: ``widths[-1]``).
    seed : int
        Every layer's initial weights and every dropout mask derive from it.
    dropout : float in [0, 1)
        ``> 0`` inserts :class:`~cdnotes.ShannonDropout` after every hidden ReLU.
    method, dtype, xp
        Passed to the layers (``method`` only to ``"cd"`` layers).
    structure : str, optional
        A key of :data:`cdnotes.layers.LAYERS` (``"low_rank"``, ``"toeplitz"``,
        ``"kronecker"``, ``"monarch"``, ``"spectral"``, ``"masked"``, ...): every linear layer
        of that kind, with ``**options`` (e.g. ``rank=4``; a ``list`` gives one value per
        layer). ``None`` keeps the behaviour above; ``"cd"`` takes ``block_size`` (an
        integer or a list of one per layer).
    **options
        The layer's options (``LAYERS[structure].options``).

    Returns
    -------
    MLP
    """
    if structure is None:
        if options:
            raise TypeError(f"make_mlp got unexpected keyword(s) {', '.join(sorted(options))} "
                            "(layer options need structure=...)")
        structure = "dense" if block_size is None else "cd"
    LAYERS.check(structure)
    if block_size is not None:
        if structure != "cd":
            raise ValueError(f"block_size is for structure 'cd'; structure={structure!r} takes "
                             "its option as a keyword")
        if "block_size" in options:
            raise TypeError("give the block size once: block_size=... or the keyword, not both")
        options = {**options, "block_size": block_size}
    if widths is None or isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__"):
        raise TypeError(f"widths must be a sequence of layer widths, e.g. (64, 64, 10); got "
                        f"{widths!r} ({type(widths).__name__})")
    widths = [check_int(w, "each width", minimum=1) for w in widths]
    check_seed(seed)
    if len(widths) < 2:
        raise ValueError(f"widths needs at least an input and an output width; got {widths}")
    entry = LAYERS[structure]
    per_layer = per_layer_options(structure, len(widths) - 1, options)
    for k, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        entry.n_params(n_in, n_out, **per_layer[k])    # every layer's options checked first
    dropout = check_real(dropout, "dropout", low=0.0, high=1.0, high_open=True)
    place = {"dtype": dtype, "xp": xp, **({"method": method} if structure == "cd" else {})}
    seeds = np.random.SeedSequence(seed).spawn(2 * len(widths))
    layers = []
    for k, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        layer_seed = int(seeds[k].generate_state(1)[0])
        layers.append(entry.build(n_in, n_out, seed=layer_seed, **{**place, **per_layer[k]}))
        if k < len(widths) - 2:
            layers.append(ReLU())
            if dropout > 0:
                layers.append(ShannonDropout(dropout, seed=int(seeds[len(widths) + k]
                                                                .generate_state(1)[0])))
    return MLP(layers, n_classes=n_classes)


def paper_model(name: str, *, seed=0, dropout=0.0, method="auto", dtype="float64", xp=None) -> MLP:
    """One of the paper's digits models (:data:`PAPER_MODELS`).

    Parameters
    ----------
    name : {"dense", "cd4", "cd8"}
        8,970, 2,380 and 1,296 parameters.
    seed, dropout, method, dtype, xp
        As for :func:`make_mlp`.

    Returns
    -------
    MLP with ``n_classes = 10``
    """
    check_choice(name, "model", PAPER_MODELS)
    check_seed(seed)
    widths, block_size = PAPER_MODELS[name]
    return make_mlp(widths, block_size, n_classes=10, seed=seed, dropout=dropout, method=method,
                    dtype=dtype, xp=xp)
