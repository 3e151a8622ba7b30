"""One way to build a layer of any structure, and budgets matched by each structure's option.

:data:`STRUCTURES` maps a structure's name to a :class:`Structure`: how to build the layer
for ``(n_in, n_out)`` and an option value (``rank``, ``block_size``, ...), which option values
a layer of that shape allows, and whether the layer must be square. :func:`structured_layer`
builds one layer; :func:`cdnotes.mlp.make_mlp` (``structure=...``) a whole MLP;
:func:`match_budget` picks each layer's option so that a model's parameter count matches a
budget (the CD models' counts) within a tolerance, and reports the exact count.

The layers of :mod:`cdnotes.structured.acdc`, ``.sparse`` and ``.fourier_mixing`` are
registered when those modules are present (``ACDC(n, depth)``, ``SparseFixed(n_in, n_out,
density)``, ``FourierMixing(n, modes)``).
"""
from __future__ import annotations

import importlib
import importlib.util
import itertools
import math
from dataclasses import dataclass, field
from typing import Callable

from ..validation import check_choice, check_positive_int, check_real, divisors

__all__ = ["Structure", "STRUCTURES", "BudgetMatch", "structured_layer", "layer_options",
           "output_width", "mlp_widths", "match_budget"]


@dataclass(frozen=True)
class Structure:
    """How to build one structure's layers.

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


def _dense(n_in, n_out, value, **kw):
    from ..layers import Dense
    return Dense(n_in, n_out, **kw)


def _cd(n_in, n_out, value, **kw):
    from ..layers import CDLinear
    return CDLinear(n_in, n_out, value, **kw)


def _low_rank(n_in, n_out, value, **kw):
    from .low_rank import LowRank
    return LowRank(n_in, n_out, value, **kw)


def _toeplitz(n_in, n_out, value, **kw):
    from .toeplitz import Toeplitz
    return Toeplitz(n_in, n_out, **kw)


def _kronecker(n_in, n_out, value, **kw):
    from .kronecker import Kronecker
    o1, i1 = value
    if n_out % o1 or n_in % i1:
        raise ValueError(f"outer_shape={tuple(value)} must divide (n_out, n_in)=({n_out}, {n_in}): "
                         f"o1 in {divisors(n_out)}, i1 in {divisors(n_in)}")
    return Kronecker((o1, n_out // o1), (i1, n_in // i1), **kw)


def _monarch(n_in, n_out, value, **kw):
    from .monarch import Monarch
    return Monarch(n_in, value, **kw)


def _peer(module, cls):
    """A builder for a class of a sibling module (the second engineer's layers)."""
    def build(n_in, n_out, value, **kw):
        layer_cls = getattr(importlib.import_module(f"{__package__}.{module}"), cls)
        if cls == "SparseFixed":
            return layer_cls(n_in, n_out, value, **kw)
        return layer_cls(n_in, value, **kw)
    return build


def _square_divisors(n_in, n_out):
    return divisors(n_in) if n_in == n_out else []


STRUCTURES = {
    "dense": Structure("dense", None, _dense, lambda n_in, n_out: [None],
                       doc="Dense: every entry free"),
    "cd": Structure("cd", "block_size", _cd,
                    lambda n_in, n_out: [B for B in divisors(n_in) if n_out % B == 0],
                    round_output=lambda n_classes, B: B * math.ceil(n_classes / B),
                    doc="CDLinear: block-circulant blocks of size block_size"),
    "low_rank": Structure("low_rank", "rank", _low_rank,
                          lambda n_in, n_out: list(range(1, min(n_in, n_out) + 1)),
                          doc="LowRank: W = U V"),
    "toeplitz": Structure("toeplitz", None, _toeplitz, lambda n_in, n_out: [None],
                          doc="Toeplitz: constant diagonals"),
    "kronecker": Structure("kronecker", "outer_shape", _kronecker,
                           lambda n_in, n_out: [(o1, i1) for o1 in divisors(n_out)
                                                for i1 in divisors(n_in)],
                           doc="Kronecker: W = kron(outer, inner), outer_shape = (o1, i1)"),
    "monarch": Structure("monarch", "n_blocks", _monarch, _square_divisors, square=True,
                         doc="Monarch: two block-diagonal factors"),
}
"""The structures by name (see :class:`Structure`)."""

_PEERS = {
    "acdc": ("acdc", "ACDC", "depth", lambda n_in, n_out: list(range(1, 17)) if n_in == n_out
             else [], True, "ACDC: diagonal-DCT-diagonal factors"),
    "sparse": ("sparse", "SparseFixed", "density",
               lambda n_in, n_out: [k / 100 for k in range(1, 101)], False,
               "SparseFixed: a fixed random mask"),
    "fourier_mixing": ("fourier_mixing", "FourierMixing", "modes",
                       lambda n_in, n_out: list(range(1, n_in // 2 + 2)) if n_in == n_out else [],
                       True, "FourierMixing: truncated spectral multiply"),
}
for _name, (_module, _cls, _option, _cands, _square, _doc) in _PEERS.items():
    if importlib.util.find_spec(f"{__package__}.{_module}") is not None:
        STRUCTURES[_name] = Structure(_name, _option, _peer(_module, _cls), _cands,
                                      square=_square, doc=_doc)


def structured_layer(structure, n_in, n_out, value=None, **layer_kwargs):
    """One layer of ``structure`` mapping ``n_in`` to ``n_out``.

    Parameters
    ----------
    structure : str, a key of :data:`STRUCTURES`
    n_in, n_out : int >= 1
    value : the structure's option value (``rank``, ``block_size``, ``outer_shape``,
        ``n_blocks``, ...), or ``None`` for structures without one
    **layer_kwargs
        ``seed``, ``init``, ``dtype``, ``xp``, ``device`` (and ``method`` for ``"cd"``).

    Returns
    -------
    :class:`~cdnotes.layers.Linear`
    """
    spec = STRUCTURES[check_choice(structure, "structure", STRUCTURES)]
    n_in, n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
    if spec.square and n_in != n_out:
        raise ValueError(f"{structure} layers are square (n_in == n_out); got n_in={n_in}, "
                         f"n_out={n_out}: pad the input and keep n_classes of a square last "
                         "layer (mlp_widths)")
    if spec.option is None:
        if value is not None:
            raise ValueError(f"{structure} layers have no size option; got {value!r}")
    elif value is None:
        raise ValueError(f"{structure} layers need {spec.option}=...; allowed for "
                         f"({n_in} -> {n_out}): {_show(spec.candidates(n_in, n_out))}")
    if structure != "cd":
        layer_kwargs.pop("method", None)
    return spec.build(n_in, n_out, value, **layer_kwargs)


def _show(values, limit=12):
    values = list(values)
    text = ", ".join(map(str, values[:limit]))
    return text + (", ..." if len(values) > limit else "")


def layer_options(structure, n_layers, options):
    """One option value per layer from ``make_mlp``'s keyword options.

    Parameters
    ----------
    structure : str, a key of :data:`STRUCTURES`
    n_layers : int >= 1
    options : dict
        At most the structure's option keyword; its value is used for every layer, or,
        given as a ``list``, one value per layer.

    Returns
    -------
    list of length ``n_layers``
    """
    spec = STRUCTURES[check_choice(structure, "structure", STRUCTURES)]
    allowed = [] if spec.option is None else [spec.option]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"structure {structure!r} takes option(s) {allowed or 'none'}; got "
                        f"{', '.join(unknown)}")
    value = options.get(spec.option) if spec.option else None
    if isinstance(value, list):
        if len(value) != n_layers:
            raise ValueError(f"{spec.option} as a list needs one value per layer ({n_layers}); "
                             f"got {len(value)}")
        return list(value)
    return [value] * n_layers


def output_width(structure, n_hidden, n_classes, value=None):
    """The last layer's width for ``n_classes`` logits (the extra outputs are sliced away).

    Parameters
    ----------
    structure : str; n_hidden : int (the last layer's input width); n_classes : int
    value : the last layer's option value

    Returns
    -------
    int: ``n_classes`` for most structures, a multiple of ``block_size`` for ``"cd"``,
    ``n_hidden`` for square structures
    """
    spec = STRUCTURES[check_choice(structure, "structure", STRUCTURES)]
    if spec.square:
        return n_hidden
    if spec.round_output is not None:
        return spec.round_output(n_classes, value)
    return n_classes


def mlp_widths(structure, n_in, hidden, n_classes, values=None):
    """The widths of an MLP ``n_in -> hidden... -> n_classes`` built from ``structure``.

    Parameters
    ----------
    structure : str; n_in : int; hidden : sequence of int; n_classes : int
    values : list of option values, one per layer (only the last one matters here)

    Returns
    -------
    list of int: ``[n_in, *hidden, output_width(...)]``
    """
    last = None if values is None else values[-1]
    widths = [n_in, *hidden]
    return widths + [output_width(structure, widths[-1], n_classes, last)]


@dataclass(frozen=True)
class BudgetMatch:
    """A structure's options chosen to match a parameter budget.

    Attributes
    ----------
    structure : str
    options : dict ``{option: list of per-layer values}`` (empty for structures without one)
    widths : list of int
    n_params : int, the model's exact count
    budget : int
    relative_error : float, ``n_params / budget − 1``
    matched : bool, ``|relative_error| <= tolerance``
    """

    structure: str
    options: dict
    widths: list
    n_params: int
    budget: int
    relative_error: float
    matched: bool


def match_budget(structure, budget, *, n_in=64, hidden=(64, 64), n_classes=10, tolerance=0.1):
    """Per-layer options of ``structure`` whose MLP has about ``budget`` parameters.

    The search: one value for every layer; else one for the hidden layers and one for
    the last; else any combination (at most 300,000). Among the counts within
    ``tolerance`` of the budget it takes the fewest distinct values, then the closest
    count; if none is within, the closest count (``matched = False``: say so).

    Parameters
    ----------
    structure : str, a key of :data:`STRUCTURES`
    budget : int >= 1
    n_in : int; hidden : sequence of int; n_classes : int
    tolerance : float in (0, 1)

    Returns
    -------
    BudgetMatch
    """
    spec = STRUCTURES[check_choice(structure, "structure", STRUCTURES)]
    budget = check_positive_int(budget, "budget")
    tolerance = check_real(tolerance, "tolerance", low=0.0, high=1.0, low_open=True,
                           high_open=True)
    hidden = [check_positive_int(h, "each hidden width") for h in hidden]
    n_in, n_classes = check_positive_int(n_in, "n_in"), check_positive_int(n_classes, "n_classes")
    shapes = list(zip([n_in, *hidden[:-1]], hidden))            # every layer but the last
    grid = [spec.candidates(a, b) for a, b in shapes] + [_last_values(spec, hidden[-1], n_classes)]
    counts = {}

    def total(values):
        widths = mlp_widths(structure, n_in, hidden, n_classes, values)
        n = 0
        for a, b, v in zip(widths[:-1], widths[1:], values):
            if (a, b, v) not in counts:
                counts[a, b, v] = structured_layer(structure, a, b, v, seed=0).n_params
            n += counts[a, b, v]
        return n, widths

    common = [v for v in grid[0] if all(v in g for g in grid[1:])]
    hidden_common = [v for v in grid[0] if all(v in g for g in grid[1:-1])]
    pools = [[[v] * len(grid) for v in common],
             [[v] * (len(grid) - 1) + [w] for v in hidden_common for w in grid[-1]]]
    if math.prod(len(g) for g in grid) <= 300_000:
        pools.append([list(c) for c in itertools.product(*grid)])
    best = None
    for pool in pools:
        for values in pool:
            n, widths = total(values)
            error = n / budget - 1
            within = abs(error) <= tolerance
            rank = (not within, len(set(values)) if within else 0, abs(error))
            if best is None or rank < best[0]:
                best = (rank, values, widths, n, error, within)
        if best is not None and best[5]:
            break
    if best is None:
        raise ValueError(f"no {structure} MLP with widths {[n_in, *hidden]} -> {n_classes} "
                         "classes can be built (a square structure needs equal widths)")
    _, values, widths, n, error, within = best
    options = {} if spec.option is None else {spec.option: values}
    return BudgetMatch(structure, options, widths, n, budget, float(error), bool(within))


def _last_values(spec, n_last, n_classes):
    """Option values allowed for the last layer, whose width may depend on the value."""
    values = []
    for v in spec.candidates(n_last, n_last) + spec.candidates(n_last, n_classes):
        width = output_width(spec.name, n_last, n_classes, v)
        if v in spec.candidates(n_last, width) and v not in values:
            values.append(v)
    return values
