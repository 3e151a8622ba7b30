"""One registry of every linear layer: :data:`LAYERS`, a mapping name -> :class:`LayerEntry`.

An entry builds its layer for a shape and its options, ``LAYERS[name].build(n_in, n_out,
*, seed=None, **options)``, and counts the layer's parameters in closed form,
``LAYERS[name].n_params(n_in, n_out, **options)`` (no array is made: a budget search over
thousands of candidate layers costs microseconds each). Its :attr:`~LayerEntry.options`
list the keywords it takes with their defaults and meaning; an unknown keyword or name is
refused with the allowed ones.

Entries are registered by the modules that define their layers (:func:`register`): this
package holds ``dense``, ``cd`` and ``masked``; :mod:`cdnotes.structured` the structured
layers; :mod:`cdnotes.spectral` ``spectral``. ``import cdnotes`` imports all of them, so
every entry is present whenever ``cdnotes.layers.LAYERS`` can be read.

>>> from cdnotes.layers import LAYERS
>>> LAYERS["cd"].n_params(64, 64, block_size=4)
1088
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Callable

from ..validation import check_block_size, check_choice, check_int, divisors
from ..operators.bcmatmul import METHODS
from .cdlinear import CDLinear
from .dense import Dense
from .masked import MaskedDense

__all__ = ["LAYERS", "LayerEntry", "Option", "REQUIRED", "BUILD_KEYWORDS", "register"]

REQUIRED = object()
"""The default of an option that must be given."""

BUILD_KEYWORDS = ("init", "dtype", "xp", "device")
"""Keywords that place a layer (its scale, dtype, backend, device) without changing its
shape or parameter count: accepted by ``build`` where the layer takes them, ignored by
``n_params``."""


@dataclass(frozen=True)
class Option:
    """One option of a :class:`LayerEntry`.

    Attributes
    ----------
    name : str
    default : object
        :data:`REQUIRED` when the option must be given.
    doc : str
        Its meaning and allowed values, for messages and docs.
    """

    name: str
    default: object
    doc: str

    def __str__(self):
        return self.name if self.default is REQUIRED else f"{self.name}={self.default!r}"


@dataclass(frozen=True)
class LayerEntry:
    """How to build one kind of linear layer and count its parameters.

    Attributes
    ----------
    name : str
    make : callable
        ``make(n_in, n_out, seed=..., **options, **build_keywords) -> layer`` with every
        option filled in (defaults applied).
    count : callable
        ``count(n_in, n_out, **options) -> int``: the closed-form parameter count.
    options : tuple of :class:`Option`
    size_option : str or None
        The option that sets the layer's size (``block_size``, ``rank``, ...): the one a
        budget search varies and the estimator's ``structure_option`` sets.
    candidates : callable or None
        ``candidates(n_in, n_out) -> list`` of the ``size_option`` values a layer of that
        shape allows (``[None]`` without a size option; ``None``: not searchable).
    square : bool
        The layer needs ``n_in == n_out``.
    round_output : callable or None
        ``round_output(n_classes, value) -> width``: the last layer's width in an MLP
        (``None``: ``n_classes``; square layers: the hidden width).
    build_keywords : tuple of str
        The :data:`BUILD_KEYWORDS` the layer takes.
    doc : str
        One line for tables and legends.
    """

    name: str
    make: Callable
    count: Callable
    options: tuple = ()
    size_option: str | None = None
    candidates: Callable | None = None
    square: bool = False
    round_output: Callable | None = None
    build_keywords: tuple = BUILD_KEYWORDS
    doc: str = field(default="", compare=False)

    @property
    def option_names(self) -> tuple:
        """The option keywords, in order."""
        return tuple(o.name for o in self.options)

    def allowed(self) -> str:
        """``"name=default (doc); ..."`` for messages."""
        return "; ".join(f"{o} ({o.doc})" for o in self.options) or "none"

    def resolve(self, options: dict) -> dict:
        """``options`` with the defaults filled in; unknown or missing options refused.

        Raises
        ------
        TypeError
            An option the entry does not take (the message lists those it takes).
        ValueError
            A required option missing.
        """
        unknown = sorted(set(options) - set(self.option_names))
        if unknown:
            raise TypeError(f"layer {self.name!r} takes option(s) {self.allowed()}; got "
                            f"unknown {', '.join(unknown)}")
        out = {}
        for o in self.options:
            value = options.get(o.name, o.default)
            if value is REQUIRED:
                raise ValueError(f"layer {self.name!r} needs {o.name}=... ({o.doc})")
            out[o.name] = value
        return out

    def build(self, n_in, n_out, *, seed=None, **options):
        """The layer ``n_in -> n_out`` (seeded: the same seed gives the same weights).

        Parameters
        ----------
        n_in, n_out : int >= 1
        seed : int or None
        **options
            The entry's options (:attr:`options`) and the :data:`BUILD_KEYWORDS` it takes.

        Returns
        -------
        :class:`~cdnotes.layers.Linear`
        """
        n_in, n_out = check_int(n_in, "n_in", minimum=1), check_int(n_out, "n_out", minimum=1)
        keywords = {k: options.pop(k) for k in BUILD_KEYWORDS if k in options}
        refused = sorted(set(keywords) - set(self.build_keywords))
        if refused:
            raise TypeError(f"layer {self.name!r} takes build keyword(s) "
                            f"{', '.join(self.build_keywords)}; got {', '.join(refused)}")
        options = self.resolve(options)
        self._check_shape(n_in, n_out)
        return self.make(n_in, n_out, seed=seed, **options, **keywords)

    def n_params(self, n_in, n_out, **options) -> int:
        """The layer's parameter count in closed form (nothing is built).

        Parameters
        ----------
        n_in, n_out : int >= 1
        **options
            As for :meth:`build` (build keywords are ignored).

        Returns
        -------
        int, equal to ``build(n_in, n_out, **options).n_params``
        """
        n_in, n_out = check_int(n_in, "n_in", minimum=1), check_int(n_out, "n_out", minimum=1)
        options = {k: v for k, v in options.items() if k not in BUILD_KEYWORDS}
        options = self.resolve(options)
        self._check_shape(n_in, n_out)
        return int(self.count(n_in, n_out, **options))

    def _check_shape(self, n_in, n_out):
        if self.square and n_in != n_out:
            raise ValueError(f"{self.name} layers are square (n_in == n_out); got n_in={n_in}, "
                             f"n_out={n_out}: pad the input and keep n_classes of a square last "
                             "layer (cdnotes.structured.mlp_widths)")


class LayerRegistry(Mapping):
    """A read-only mapping name -> :class:`LayerEntry`; :meth:`register` adds an entry."""

    def __init__(self):
        self._entries = {}

    def register(self, entry: LayerEntry) -> LayerEntry:
        """Add ``entry`` under ``entry.name`` (a second entry of one name is refused)."""
        if entry.name in self._entries and self._entries[entry.name] != entry:
            raise ValueError(f"a layer named {entry.name!r} is already registered")
        self._entries[entry.name] = entry
        return entry

    def __getitem__(self, name):
        if not isinstance(name, str) or name not in self._entries:
            raise KeyError(f"unknown layer {name!r}; registered: {', '.join(self._entries)}")
        return self._entries[name]

    def check(self, name, what: str = "structure") -> str:
        """``name`` if registered, else ``ValueError`` listing the names."""
        if not isinstance(name, str) or name not in self._entries:
            raise ValueError(f"{what} must be one of {', '.join(map(repr, self._entries))}; "
                             f"got {name!r}")
        return name

    def __iter__(self):
        return iter(self._entries)

    def __len__(self):
        return len(self._entries)

    def __repr__(self):
        return f"LAYERS({', '.join(self._entries)})"


LAYERS = LayerRegistry()
"""Every linear layer by name (see :class:`LayerEntry`)."""

register = LAYERS.register


# -- this package's layers --------------------------------------------------------
def _dense(n_in, n_out, *, seed=None, **kw):
    return Dense(n_in, n_out, seed=seed, **kw)


def _cd(n_in, n_out, *, seed=None, block_size, method, **kw):
    return CDLinear(n_in, n_out, block_size, seed=seed, method=method, **kw)


def _cd_count(n_in, n_out, *, block_size, method):
    n_in, n_out, B = check_block_size(n_in, n_out, block_size)
    check_choice(method, "method", METHODS)
    return n_in * n_out // B + n_out


def _masked(n_in, n_out, *, seed=None, n_trained, bias, frozen, **kw):
    return MaskedDense(n_in, n_out, n_trained, bias=bias, frozen=frozen, seed=seed, **kw)


def _masked_count(n_in, n_out, *, n_trained, bias, frozen):
    n_trained = check_int(n_trained, "n_trained", minimum=1)
    check_choice(frozen, "frozen", ("zero", "init"))
    if n_trained > n_in * n_out:
        raise ValueError(f"n_trained must be in [1, n_in*n_out = {n_in * n_out}]; got {n_trained}")
    return n_trained + (n_out if bias else 0)


def _round_up(n_classes, B):
    return B * -(-n_classes // B)


register(LayerEntry("dense", _dense, lambda n_in, n_out: n_in * n_out + n_out,
                    candidates=lambda n_in, n_out: [None], doc="Dense: every entry free"))
register(LayerEntry(
    "cd", _cd, _cd_count,
    options=(Option("block_size", REQUIRED, "circulant block size B, dividing n_in and n_out"),
             Option("method", "auto",
                    '"auto", "fft", "rdft" or "dense": how products are computed')),
    size_option="block_size",
    candidates=lambda n_in, n_out: [B for B in divisors(n_in) if n_out % B == 0],
    round_output=_round_up, doc="CDLinear: block-circulant blocks of size block_size"))
register(LayerEntry(
    "masked", _masked, _masked_count,
    options=(Option("n_trained", REQUIRED, "trained entries of W, in [1, n_in*n_out]"),
             Option("bias", False, "a trained bias b"),
             Option("frozen", "zero", '"zero" or "init": the untrained entries')),
    size_option="n_trained", doc="MaskedDense: a seeded random subset of W trained"))
