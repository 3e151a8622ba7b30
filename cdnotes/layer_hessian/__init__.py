"""Loss Hessians of ONE linear layer: explicit, in closed form, and their block structure.

(The Hessian of a whole network — Hessian-vector products, Lanczos, its spectrum — is
:mod:`cdnotes.curvature`.)

===============  ===========================================================================
``explicit``     the explicit ``(P, P)`` Hessians and Jacobians (the slow references)
``eigenvalues``  exact eigenvalues in closed form (Theorem 1, corrected), Theorem 1 as stated,
                 and eigenvalues from second-moment matrices (population Hessians)
``structure``    how far each block of an explicit Hessian is from circulant, and which
                 blocks vanish
``inputs``       the check of a layer's inputs, shared with :mod:`cdnotes.preconditioning`
===============  ===========================================================================

Formerly ``cdnotes.hessian`` (beside ``curvature/`` it did not say which was one layer's);
the old paths still import every name:

=================================  ========================================
``cdnotes.hessian``                ``cdnotes.layer_hessian``
``cdnotes.hessian.explicit``       ``cdnotes.layer_hessian.explicit``
``cdnotes.hessian.spectrum``       ``cdnotes.layer_hessian.eigenvalues``
``cdnotes.hessian.structure``      ``cdnotes.layer_hessian.structure``
``cdnotes.hessian._common``        ``cdnotes.layer_hessian.inputs``
=================================  ========================================

Condition numbers of these spectra: :func:`cdnotes.conditioning.condition_number`.
"""
from __future__ import annotations

from .explicit import cdlinear_hessian, cdlinear_jacobian, dense_hessian
from .eigenvalues import (cdlinear_spectrum, cdlinear_spectrum_from_moment, dense_spectrum,
                          dense_spectrum_from_moment, frequency_moments, theorem1_eigenvalues)
from .structure import HessianStructure, block_circulance, hessian_structure

__all__ = [
    "cdlinear_jacobian", "cdlinear_hessian", "dense_hessian",
    "cdlinear_spectrum", "theorem1_eigenvalues", "frequency_moments",
    "cdlinear_spectrum_from_moment", "dense_spectrum", "dense_spectrum_from_moment",
    "block_circulance", "HessianStructure", "hessian_structure",
]
