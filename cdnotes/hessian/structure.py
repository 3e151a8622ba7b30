"""Renamed :mod:`cdnotes.layer_hessian.structure`;
``cdnotes.hessian.structure`` re-exports its names.
"""
from __future__ import annotations

from ..layer_hessian.structure import (block_circulance, HessianStructure, hessian_structure)

__all__ = ["block_circulance", "HessianStructure", "hessian_structure"]
