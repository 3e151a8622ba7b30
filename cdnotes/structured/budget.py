"""Budgets matched by a layer's size option: :func:`match_budget`, counting in closed form.

Every candidate's parameter count comes from its :data:`~cdnotes.layers.LAYERS` entry's
closed form (``LAYERS[name].n_params``): no layer is built, so a search over thousands of
option combinations at width 2048 takes well under a second (building every candidate took
minutes).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from ..layers.registry import LAYERS
from ..validation import check_positive_int, check_real
from .widths import mlp_widths, output_width

__all__ = ["BudgetMatch", "match_budget"]


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
    structure : str, a key of :data:`cdnotes.layers.LAYERS` with candidates to search
        (every key of :data:`cdnotes.structured.STRUCTURES`)
    budget : int >= 1
    n_in : int; hidden : sequence of int (may be empty: one layer); n_classes : int
    tolerance : float in (0, 1)

    Returns
    -------
    BudgetMatch
    """
    entry = LAYERS[LAYERS.check(structure)]
    if entry.candidates is None:
        searchable = [name for name, e in LAYERS.items() if e.candidates is not None]
        raise ValueError(f"match_budget cannot search {structure!r} layers (no list of size "
                         f"options); structures it can: {', '.join(searchable)}")
    budget = check_positive_int(budget, "budget")
    tolerance = check_real(tolerance, "tolerance", low=0.0, high=1.0, low_open=True,
                           high_open=True)
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
        raise TypeError(f"hidden must be a sequence of hidden widths, e.g. (64, 64), or () for "
                        f"one layer; got {hidden!r}")
    hidden = [check_positive_int(h, "each hidden width") for h in hidden]
    n_in, n_classes = check_positive_int(n_in, "n_in"), check_positive_int(n_classes, "n_classes")
    n_last = [n_in, *hidden][-1]
    shapes = list(zip([n_in, *hidden[:-1]], hidden))            # every layer but the last
    grid = [entry.candidates(a, b) for a, b in shapes] + [_last_values(entry, n_last, n_classes)]
    option, counts = entry.size_option, {}

    def total(values):
        widths = mlp_widths(structure, n_in, hidden, n_classes, values)
        n = 0
        for a, b, v in zip(widths[:-1], widths[1:], values):
            if (a, b, v) not in counts:
                counts[a, b, v] = entry.n_params(a, b, **({option: v} if option else {}))
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
    options = {} if option is None else {option: values}
    return BudgetMatch(structure, options, widths, n, budget, float(error), bool(within))


def _last_values(entry, n_last, n_classes):
    """Option values allowed for the last layer, whose width may depend on the value."""
    values = []
    for v in entry.candidates(n_last, n_last) + entry.candidates(n_last, n_classes):
        width = output_width(entry.name, n_last, n_classes, v)
        if v in entry.candidates(n_last, width) and v not in values:
            values.append(v)
    return values
