"""Renamed :mod:`cdnotes.layer_hessian` (one layer's Hessian, beside the whole
network's in :mod:`cdnotes.curvature`). ``cdnotes.hessian`` and its submodules ``explicit``,
``spectrum`` (now ``eigenvalues``), ``structure`` and ``_common`` (now ``inputs``) re-export
their names; new code imports :mod:`cdnotes.layer_hessian`.
"""
from __future__ import annotations

from ..layer_hessian import (cdlinear_jacobian, cdlinear_hessian, dense_hessian,
                             cdlinear_spectrum, theorem1_eigenvalues, frequency_moments,
                             cdlinear_spectrum_from_moment, dense_spectrum,
                             dense_spectrum_from_moment, block_circulance, HessianStructure,
                             hessian_structure)

__all__ = ["cdlinear_jacobian", "cdlinear_hessian", "dense_hessian", "cdlinear_spectrum",
           "theorem1_eigenvalues", "frequency_moments", "cdlinear_spectrum_from_moment",
           "dense_spectrum", "dense_spectrum_from_moment", "block_circulance",
           "HessianStructure", "hessian_structure"]
