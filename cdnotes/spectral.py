"""Renamed :mod:`cdnotes.spectral_domain` : this module re-exports its names.

"spectral" named four things — spectral-domain training (here), the spectral whitener
(:mod:`cdnotes.whitening`), one layer's Hessian eigenvalues
(:mod:`cdnotes.layer_hessian.eigenvalues`) and the spectrum measures
(:mod:`cdnotes.curvature.spectrum_measures`). New code imports :mod:`cdnotes.spectral_domain`.
"""
from __future__ import annotations

from .spectral_domain import (ACTIVATIONS, EIGENVALUE_RANGE, INPUT_EIGENVALUES, PHI_RANGE,
                              TRAIN_GROUPS, TRANSFERS, Retraction, SpectralCurvature,
                              SpectralLinear, check_train_groups, retract, spectral_mlp)

__all__ = ["SpectralLinear", "spectral_mlp", "retract", "Retraction", "TRAIN_GROUPS",
           "INPUT_EIGENVALUES", "ACTIVATIONS", "TRANSFERS", "SpectralCurvature"]
