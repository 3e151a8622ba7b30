"""The widths of an MLP of any registered layer (square layers, rounded last layers)."""
from __future__ import annotations

from ..layers.registry import LAYERS

__all__ = ["output_width", "mlp_widths"]


def output_width(structure, n_hidden, n_classes, value=None):
    """The last layer's width for ``n_classes`` logits (the extra outputs are sliced away).

    Parameters
    ----------
    structure : str; n_hidden : int (the last layer's input width); n_classes : int
    value : the last layer's size option value

    Returns
    -------
    int: ``n_classes`` for most layers, a multiple of ``block_size`` for ``"cd"``,
    ``n_hidden`` for square layers
    """
    entry = LAYERS[LAYERS.check(structure)]
    if entry.square:
        return n_hidden
    if entry.round_output is not None:
        return entry.round_output(n_classes, value)
    return n_classes


def mlp_widths(structure, n_in, hidden, n_classes, values=None):
    """The widths of an MLP ``n_in -> hidden... -> n_classes`` built from ``structure``.

    Parameters
    ----------
    structure : str; n_in : int; hidden : sequence of int; n_classes : int
    values : list of size option values, one per layer (only the last one matters here)

    Returns
    -------
    list of int: ``[n_in, *hidden, output_width(...)]``
    """
    last = None if values is None else values[-1]
    widths = [n_in, *hidden]
    return widths + [output_width(structure, widths[-1], n_classes, last)]
