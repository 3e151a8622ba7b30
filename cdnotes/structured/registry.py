"""The structured layers in the one registry, and MLPs of any registered layer.

This module registers the structured layers in :data:`cdnotes.layers.LAYERS` (each with its
options and a closed-form parameter count) and keeps the structure-era names as views of
it: :data:`STRUCTURES` maps a structure's name to a :class:`Structure` (how to build the
layer for ``(n_in, n_out)`` and one size-option value — ``rank``, ``block_size``, ... —,
which values a layer of that shape allows, whether the layer must be square).
:func:`structured_layer` builds one layer; :func:`cdnotes.mlp.make_mlp` (``structure=...``)
a whole MLP; :func:`~cdnotes.structured.budget.match_budget` picks each layer's option so
that a model's parameter count matches a budget.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..layers.registry import LAYERS, REQUIRED, LayerEntry, Option, register
from ..validation import check_int, check_positive_int, check_real, divisors
from .acdc import ACDC
from .budget import BudgetMatch, match_budget
from .fourier_mixing import FourierMixing
from .kronecker import Kronecker
from .low_rank import LowRank
from .monarch import Monarch
from .sparse import SparseFixed, nonzeros
from .toeplitz import Toeplitz
from .widths import mlp_widths, output_width

__all__ = ["Structure", "STRUCTURES", "BudgetMatch", "structured_layer", "layer_options",
           "per_layer_options", "output_width", "mlp_widths", "match_budget", "check_outer_shape"]


@dataclass(frozen=True)
class Structure:
    """How to build one structure's layers (a view of its :data:`~cdnotes.layers.LAYERS` entry).

    Attributes
    ----------
    name : str
    option : str or None
        The keyword of the structure's size option (``None``: the layer has none).
    build : callable
        ``build(n_in, n_out, value, **layer_kwargs) -> layer``.
    candidates : callable
        ``candidates(n_in, n_out) -> list`` of the option values a layer of that shape allows.
    square : bool
        The layer needs ``n_in == n_out`` (the MLP's last layer then keeps ``n_classes`` of
        its ``n_in`` outputs, as the CD models keep 10 of 12 or 16).
    round_output : callable or None
        ``round_output(n_classes, value) -> width``: the last layer's width (``None``:
        ``n_classes``; square structures: the hidden width).
    doc : str
        One line for tables and legends.
    """

    name: str
    option: str | None
    build: Callable
    candidates: Callable
    square: bool = False
    round_output: Callable | None = None
    doc: str = field(default="", compare=False)


def check_outer_shape(value, n_in, n_out):
    """Kronecker's ``outer_shape`` checked: a tuple ``(o1, i1)`` dividing ``(n_out, n_in)``.

    Parameters
    ----------
    value : the option as given
    n_in, n_out : int, the layer's widths

    Returns
    -------
    tuple ``(o1, i1)`` of int

    Raises
    ------
    TypeError, ValueError
        Not a pair (a list is one value per layer in ``make_mlp``), an entry not a positive
        integer, or not dividing; the message lists the allowed ``o1`` and ``i1``.
    """
    allowed = f"o1 in {divisors(n_out)}, i1 in {divisors(n_in)}"
    if isinstance(value, list):
        raise TypeError(f"outer_shape must be a tuple (o1, i1) with {allowed}; got the list "
                        f"{value!r} (a list gives one value per layer): write {tuple(value)!r}")
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"outer_shape must be a pair (o1, i1) of positive integers: the outer "
                        f"factor's shape, with {allowed}; got {value!r}")
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1
               for v in value):
        raise ValueError(f"outer_shape entries must be positive integers, with {allowed}; got "
                         f"{tuple(value)!r}")
    o1, i1 = int(value[0]), int(value[1])
    if n_out % o1 or n_in % i1:
        raise ValueError(f"outer_shape={(o1, i1)} must divide (n_out, n_in)=({n_out}, {n_in}): "
                         f"{allowed}")
    return o1, i1


def _low_rank(n_in, n_out, *, seed=None, rank, **kw):
    return LowRank(n_in, n_out, rank, seed=seed, **kw)


def _low_rank_count(n_in, n_out, *, rank):
    rank = check_positive_int(rank, "rank")
    if rank > min(n_in, n_out):
        raise ValueError(f"rank must be in [1, {min(n_in, n_out)}] (min(n_in, n_out) for "
                         f"n_in={n_in}, n_out={n_out}); got {rank}")
    return rank * (n_in + n_out) + n_out


def _toeplitz(n_in, n_out, *, seed=None, **kw):
    return Toeplitz(n_in, n_out, seed=seed, **kw)


def _kronecker(n_in, n_out, *, seed=None, outer_shape: tuple, **kw):
    o1, i1 = check_outer_shape(outer_shape, n_in, n_out)
    return Kronecker((o1, n_out // o1), (i1, n_in // i1), seed=seed, **kw)


def _kronecker_count(n_in, n_out, *, outer_shape):
    o1, i1 = check_outer_shape(outer_shape, n_in, n_out)
    return o1 * i1 + (n_out // o1) * (n_in // i1) + n_out


def _monarch(n_in, n_out, *, seed=None, n_blocks, **kw):
    return Monarch(n_in, n_blocks, seed=seed, **kw)


def _monarch_count(n_in, n_out, *, n_blocks):
    k = check_positive_int(n_blocks, "n_blocks")
    if n_in % k:
        raise ValueError(f"n_blocks={n_blocks} does not divide n={n_in}; block counts that do: "
                         f"{', '.join(map(str, divisors(n_in)))}")
    return n_in * (n_in // k) + n_in * k + n_in


def _acdc(n_in, n_out, *, seed=None, depth, noise, **kw):
    return ACDC(n_in, depth, seed=seed, noise=noise, **kw)


def _acdc_count(n_in, n_out, *, depth, noise):
    check_real(noise, "noise", low=0.0)
    return 2 * check_positive_int(depth, "depth") * n_in + n_in


def _sparse(n_in, n_out, *, seed=None, density, method, **kw):
    return SparseFixed(n_in, n_out, density, seed=seed, method=method, **kw)


def _sparse_count(n_in, n_out, *, density, method):
    return nonzeros(n_in, n_out, density) + n_out


def _fourier(n_in, n_out, *, seed=None, modes, **kw):
    return FourierMixing(n_in, modes, seed=seed, **kw)


def _fourier_count(n_in, n_out, *, modes):
    modes = check_positive_int(modes, "modes")
    if modes > n_in // 2 + 1:
        raise ValueError(f"modes must be in [1, n // 2 + 1] = [1, {n_in // 2 + 1}] for n={n_in} "
                         f"(rfft has n // 2 + 1 bins); got {modes}")
    return 2 * modes + n_in


def _square_divisors(n_in, n_out):
    return divisors(n_in) if n_in == n_out else []


for _entry in [
    LayerEntry("low_rank", _low_rank, _low_rank_count,
               (Option("rank", REQUIRED, "the rank r of W = U V, in [1, min(n_in, n_out)]"),),
               "rank", lambda n_in, n_out: list(range(1, min(n_in, n_out) + 1)),
               doc="LowRank: W = U V"),
    LayerEntry("toeplitz", _toeplitz, lambda n_in, n_out: n_in + 2 * n_out - 1,
               candidates=lambda n_in, n_out: [None], doc="Toeplitz: constant diagonals"),
    LayerEntry("kronecker", _kronecker, _kronecker_count,
               (Option("outer_shape", REQUIRED,
                       "a tuple (o1, i1): the outer factor's shape, dividing (n_out, n_in)"),),
               "outer_shape", lambda n_in, n_out: [(o1, i1) for o1 in divisors(n_out)
                                                   for i1 in divisors(n_in)],
               doc="Kronecker: W = kron(outer, inner), outer_shape = (o1, i1)"),
    LayerEntry("monarch", _monarch, _monarch_count,
               (Option("n_blocks", REQUIRED, "blocks per factor, dividing n"),),
               "n_blocks", _square_divisors, square=True,
               doc="Monarch: two block-diagonal factors"),
    LayerEntry("acdc", _acdc, _acdc_count,
               (Option("depth", REQUIRED, "number of diagonal-DCT-diagonal factors"),
                Option("noise", 0.1, "the initial diagonals' spread around 1")),
               "depth", lambda n_in, n_out: list(range(1, 17)) if n_in == n_out else [],
               square=True, doc="ACDC: diagonal-DCT-diagonal factors"),
    LayerEntry("sparse", _sparse, _sparse_count,
               (Option("density", REQUIRED, "fraction of non-zero entries, in (0, 1]"),
                Option("method", "dense", '"dense" or "sparse": how products are computed')),
               "density", lambda n_in, n_out: [k / 100 for k in range(1, 101)],
               doc="SparseFixed: a fixed random mask"),
    LayerEntry("fourier_mixing", _fourier, _fourier_count,
               (Option("modes", REQUIRED, "real-FFT bins kept, in [1, n // 2 + 1]"),),
               "modes", lambda n_in, n_out: list(range(1, n_in // 2 + 2)) if n_in == n_out
               else [], square=True, doc="FourierMixing: truncated spectral multiply"),
]:
    register(_entry)

_STRUCTURE_NAMES = ("dense", "cd", "low_rank", "toeplitz", "kronecker", "monarch", "acdc",
                    "sparse", "fourier_mixing")


def _view(entry: LayerEntry) -> Structure:
    option = entry.size_option

    def build(n_in, n_out, value, **kw):
        return entry.build(n_in, n_out, **({option: value} if option else {}), **kw)

    return Structure(entry.name, option, build, entry.candidates, square=entry.square,
                     round_output=entry.round_output, doc=entry.doc)


STRUCTURES = {name: _view(LAYERS[name]) for name in _STRUCTURE_NAMES}
"""The structures by name (see :class:`Structure`): views of their
:data:`~cdnotes.layers.LAYERS` entries (every registered layer but ``masked`` and ``spectral``,
which have no single size option to sweep)."""


def structured_layer(structure, n_in, n_out, value=None, **layer_kwargs):
    """One layer of ``structure`` mapping ``n_in`` to ``n_out``.

    Parameters
    ----------
    structure : str, a key of :data:`cdnotes.layers.LAYERS`
    n_in, n_out : int >= 1
    value : the layer's size option value (``rank``, ``block_size``, ``outer_shape``,
        ``n_blocks``, ...), or ``None`` for layers without one
    **layer_kwargs
        ``seed``, ``init``, ``dtype``, ``xp``, ``device`` (and ``method`` for ``"cd"``).

    Returns
    -------
    :class:`~cdnotes.layers.Linear`
    """
    entry = LAYERS[LAYERS.check(structure)]
    n_in, n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
    entry._check_shape(n_in, n_out)
    option = entry.size_option
    if option is None:
        if value is not None:
            raise ValueError(f"{structure} layers have no size option; got {value!r}")
    elif value is None:
        allowed = entry.candidates(n_in, n_out) if entry.candidates else []
        raise ValueError(f"{structure} layers need {option}=...; allowed for "
                         f"({n_in} -> {n_out}): {_show(allowed)}")
    if structure != "cd":
        layer_kwargs.pop("method", None)
    return entry.build(n_in, n_out, **({option: value} if option else {}), **layer_kwargs)


def _show(values, limit=12):
    values = list(values)
    text = ", ".join(map(str, values[:limit]))
    return text + (", ..." if len(values) > limit else "")


def per_layer_options(structure, n_layers, options):
    """One options dict per layer from ``make_mlp``'s keyword options.

    Parameters
    ----------
    structure : str, a key of :data:`cdnotes.layers.LAYERS`
    n_layers : int >= 1
    options : dict
        Options of the layer (:attr:`~cdnotes.layers.registry.LayerEntry.options`); each
        value is used for every layer, or, given as a ``list``, one value per layer.

    Returns
    -------
    list of ``n_layers`` dicts
    """
    entry = LAYERS[LAYERS.check(structure)]
    n_layers = check_int(n_layers, "n_layers", minimum=1)
    unknown = sorted(set(options) - set(entry.option_names))
    if unknown:
        raise TypeError(f"structure {structure!r} takes option(s) "
                        f"{list(entry.option_names) or 'none'}; got {', '.join(unknown)}")
    out = [{} for _ in range(n_layers)]
    for name, value in options.items():
        if isinstance(value, list):
            if len(value) != n_layers:
                hint = (" (outer_shape is a tuple (o1, i1); a list gives one per layer)"
                        if name == "outer_shape" else "")
                raise ValueError(f"{name} as a list needs one value per layer ({n_layers}); "
                                 f"got {len(value)}: {value!r}{hint}")
            values = list(value)
        else:
            values = [value] * n_layers
        for k in range(n_layers):
            out[k][name] = values[k]
    return out


def layer_options(structure, n_layers, options):
    """The size option's value per layer from ``make_mlp``'s keyword options.

    Parameters
    ----------
    structure : str; n_layers : int >= 1
    options : dict, as for :func:`per_layer_options`

    Returns
    -------
    list of length ``n_layers`` (``None`` where the option is not given or the layer has none)
    """
    option = LAYERS[LAYERS.check(structure)].size_option
    return [d.get(option) for d in per_layer_options(structure, n_layers, options)]
