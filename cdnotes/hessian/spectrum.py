"""Renamed :mod:`cdnotes.layer_hessian.eigenvalues`;
``cdnotes.hessian.spectrum`` re-exports its names.
"""
from __future__ import annotations

from ..layer_hessian.eigenvalues import (cdlinear_spectrum, theorem1_eigenvalues,
                                         frequency_moments, cdlinear_spectrum_from_moment,
                                         dense_spectrum, dense_spectrum_from_moment)

__all__ = ["cdlinear_spectrum", "theorem1_eigenvalues", "frequency_moments",
           "cdlinear_spectrum_from_moment", "dense_spectrum", "dense_spectrum_from_moment"]
