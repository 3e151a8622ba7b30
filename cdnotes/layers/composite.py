"""Layers built from named sub-layers (attention, feed-forward): one flat view of their
parameters, so that :mod:`cdnotes.train`'s optimizers, ``n_params`` and ``to`` see them.

A :class:`Composite` holds ``sublayers``, ``{name: layer}``. Its ``params`` is a live view
with prefixed keys, ``"q.W"`` for ``sublayers["q"].params["W"]``: reading gives the
sub-layer's array, assigning (``layer.params["q.W"] = W``, what the optimizers do) replaces
it in the sub-layer. ``grads`` likewise gathers the sub-layers' gradients under the same keys.
Composites nest: a key's first dotted part names the sub-layer, the rest its own key.
"""
from __future__ import annotations

from collections.abc import MutableMapping

import numpy as np

from ..backend import namespace_of
from ..validation import (check_array, check_float_array, check_same_dtype, check_seed,
                          divisors)
from .base import Layer
from .registry import LAYERS
from .chain_tangents import TangentMethods

__all__ = ["Composite", "ParamView", "child_seeds", "linear_entry"]


def child_seeds(seed, n: int) -> list:
    """``n`` independent integer seeds derived from ``seed`` (``SeedSequence(seed).spawn``).

    Parameters
    ----------
    seed : int, None or a NumPy ``SeedSequence``
    n : int >= 1

    Returns
    -------
    list of ``n`` ints (``None`` seeds give fresh entropy)
    """
    check_seed(seed)
    if isinstance(seed, (np.random.Generator, np.random.BitGenerator)):
        seed = int(np.random.default_rng(seed).integers(2**63))
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [int(s.generate_state(1)[0]) for s in root.spawn(n)]


def linear_entry(structure, block_size, options: dict, widths: dict, shapes) -> tuple:
    """The registry entry and options for a composite's linear sub-layers, checked first.

    Parameters
    ----------
    structure : str
        A key of :data:`~cdnotes.layers.LAYERS` (``"dense"``, ``"cd"``, ...).
    block_size : int or None
        For ``structure="cd"`` (required there, refused elsewhere).
    options : dict
        The entry's other options (``method``, ``rank``, ...).
    widths : dict ``{argument name: width}``
        The widths ``block_size`` must divide, named as the caller's arguments
        (``{"d_model / n_heads": 8}``), for the message.
    shapes : sequence of ``(n_in, n_out)``
        The sub-layers' shapes: each is counted (:meth:`LayerEntry.n_params`) so that a bad
        option is refused before anything is built.

    Returns
    -------
    (entry, options) : the :class:`~cdnotes.layers.LayerEntry` and the options to build with
    """
    LAYERS.check(structure)
    options = dict(options)
    if structure == "cd":
        if block_size is None:
            raise ValueError("structure='cd' needs block_size=B, a block size dividing "
                             + " and ".join(f"{k}={v}" for k, v in widths.items()))
        if isinstance(block_size, bool) or not isinstance(block_size, (int, np.integer)):
            raise TypeError(f"block_size must be an integer; got {block_size!r}")
        bad = [f"{k}={v}" for k, v in widths.items() if block_size < 1 or v % block_size]
        if bad:
            common = [B for B in divisors(min(widths.values()))
                      if all(v % B == 0 for v in widths.values())]
            raise ValueError(f"block_size={block_size} does not divide {' and '.join(bad)}; "
                             f"block sizes that divide {' and '.join(map(str, widths))}: "
                             f"{', '.join(map(str, common))}")
        options["block_size"] = int(block_size)
    elif block_size is not None:
        raise ValueError(f"block_size is for structure 'cd'; got block_size={block_size!r} with "
                         f"structure={structure!r} (give that structure's options as keywords)")
    entry = LAYERS[structure]
    for n_in, n_out in shapes:
        entry.n_params(n_in, n_out, **options)
    return entry, options


class ParamView(MutableMapping):
    """The live, flat view ``{"<sub-layer>.<key>": array}`` of a composite's parameters.

    Parameters
    ----------
    sublayers : dict ``{name: layer}``
        The layers whose ``params`` are viewed, in order.
    what : {"params", "grads"}, default "params"
        Which dict of each sub-layer is viewed.
    """

    def __init__(self, sublayers: dict, what: str = "params"):
        self._sublayers = sublayers
        self._what = what

    def _split(self, key):
        prefix, dot, rest = key.partition(".") if isinstance(key, str) else ("", "", "")
        layer = self._sublayers.get(prefix)
        if not dot or layer is None or rest not in getattr(layer, self._what):
            raise KeyError(f"no {self._what[:-1]} {key!r}; the keys are "
                           f"{', '.join(self) or 'none (no backward pass yet)'}")
        return layer, rest

    def __getitem__(self, key):
        layer, rest = self._split(key)
        return getattr(layer, self._what)[rest]

    def __setitem__(self, key, value):
        layer, rest = self._split(key)
        getattr(layer, self._what)[rest] = value

    def __delitem__(self, key):
        raise TypeError(f"the {self._what} of a composite layer cannot be deleted ({key!r})")

    def __iter__(self):
        for prefix, layer in self._sublayers.items():
            for name in getattr(layer, self._what):
                yield f"{prefix}.{name}"

    def __len__(self):
        return sum(len(getattr(layer, self._what)) for layer in self._sublayers.values())

    def __repr__(self):
        return "{" + ", ".join(f"{k!r}: {tuple(v.shape)}" for k, v in self.items()) + "}"


class Composite(TangentMethods, Layer):
    """Base class of layers made of named sub-layers (``self.sublayers``).

    Subclasses set ``self.sublayers`` (a dict, in ``params`` order) before anything reads
    ``params``, and implement ``forward_2d``/``backward_2d`` on ``(N, L, width)`` arrays and
    the checked ``forward``/``backward`` with :meth:`_check_forward`/:meth:`_check_backward`.

    Attributes
    ----------
    sublayers : dict ``{name: layer}``
    params : :class:`ParamView` — prefixed keys (``"q.W"``), assignable
    grads : dict — the sub-layers' gradients under the same keys
    circulant_param : None
        The Fisher regularizer of :func:`cdnotes.train.train` does not reach sub-layers.
    """

    circulant_param = None
    sublayers: dict = {}

    @property
    def params(self):
        """The live view of every sub-layer's parameters, keys ``"<sub-layer>.<key>"``."""
        return ParamView(self.sublayers, "params")

    @params.setter
    def params(self, values):
        view = ParamView(self.sublayers, "params")
        for key, value in dict(values).items():
            view[key] = value

    @property
    def grads(self):
        """The sub-layers' gradients (after a backward pass), keys as in :attr:`params`."""
        return dict(ParamView(self.sublayers, "grads"))

    @grads.setter
    def grads(self, values):
        values = dict(values)
        for prefix, layer in self.sublayers.items():
            start = prefix + "."
            layer.grads = {k[len(start):]: v for k, v in values.items() if k.startswith(start)}
        unknown = [k for k in values if k.partition(".")[0] not in self.sublayers]
        if unknown:
            raise KeyError(f"no parameter {unknown[0]!r}; the keys are {', '.join(self.params)}")

    @property
    def dtype(self):
        """The parameters' dtype."""
        return next(iter(self.params.values())).dtype

    def train(self):
        """Training mode for the layer and its sub-layers. Returns ``self``."""
        self.training = True
        for layer in self.sublayers.values():
            layer.train()
        return self

    def eval(self):
        """Evaluation mode for the layer and its sub-layers. Returns ``self``."""
        self.training = False
        for layer in self.sublayers.values():
            layer.eval()
        return self

    def to(self, xp=None, device=None, dtype=None):
        """Move (and optionally cast) every sub-layer (see :meth:`Layer.to`). Returns ``self``."""
        for layer in self.sublayers.values():
            layer.to(xp, device=device, dtype=dtype)
        self._cache = None
        return self

    # -- checks shared by the sequence composites ------------------------------------------
    def _check_forward(self, X, width: int, what: str):
        """``X`` must be a finite float array ``(N, L, width)``, ``N, L >= 1``, the
        parameters' dtype; returns the namespace."""
        check_array(X, "X")
        params = list(self.params.values())
        xp = namespace_of(X, *params)
        if X.ndim != 3 or X.shape[-1] != width or X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X must have shape (N, L, {what}) = (N, L, {width}) with N, L >= 1; "
                             f"got {tuple(X.shape)}")
        check_float_array(xp, X, "X")
        for key, p in zip(self.params, params):
            check_float_array(xp, p, f"parameter {key}")
        check_same_dtype(X=X, parameters=params[0])
        return xp

    def _check_backward(self, dY):
        """``dY`` must match the last public forward's output; returns the namespace."""
        shape = getattr(self, "_out_shape", None)
        if self._cache is None or shape is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward; run "
                               "forward(X) on the batch first")
        if self._cache is not self.__dict__.get("_forward_cache"):
            raise RuntimeError(f"{type(self).__name__}.backward pairs with the last forward(X), "
                               "but forward_2d ran since and replaced its cache: call forward(X) "
                               "again before backward, or pair forward_2d with backward_2d")
        check_array(dY, "dY")
        xp = namespace_of(dY, *self.params.values())
        if tuple(dY.shape) != shape:
            raise ValueError(f"dY must have the shape of the last forward output {shape}; "
                             f"got {tuple(dY.shape)}")
        check_float_array(xp, dY, "dY")
        check_same_dtype(dY=dY, parameters=next(iter(self.params.values())))
        return xp

    def _checked_forward(self, X, width: int, what: str):
        xp = self._check_forward(X, width, what)
        Y = self.forward_2d(xp, X)
        self._out_shape = tuple(Y.shape)
        self._forward_cache = self._cache
        self._forward_input = X
        return Y

    def _checked_backward(self, dY):
        xp = self._check_backward(dY)
        return self.backward_2d(xp, dY)
