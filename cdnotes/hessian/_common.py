"""Renamed :mod:`cdnotes.layer_hessian.inputs`;
``cdnotes.hessian._common`` re-exports its names.
"""
from __future__ import annotations

from ..layer_hessian.inputs import check_layer_inputs, tile_sorted

__all__ = ["check_layer_inputs", "tile_sorted"]
