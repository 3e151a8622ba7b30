"""Loss Hessians of one linear layer: explicit, in closed form, and their block structure.

=============  ===========================================================================
``explicit``   the explicit ``(P, P)`` Hessians and Jacobians (the slow references)
``spectrum``   exact spectra in closed form (Theorem 1, corrected), Theorem 1 as stated,
               and spectra from second-moment matrices (population Hessians)
``structure``  how far each block of an explicit Hessian is from circulant, and which
               blocks vanish
=============  ===========================================================================

Condition numbers of these spectra: :func:`cdnotes.conditioning.condition_number`.
"""
from .explicit import cdlinear_hessian, cdlinear_jacobian, dense_hessian
from .spectrum import (cdlinear_spectrum, cdlinear_spectrum_from_moment, dense_spectrum,
                       dense_spectrum_from_moment, frequency_moments, theorem1_eigenvalues)
from .structure import HessianStructure, block_circulance, hessian_structure

__all__ = [
    "cdlinear_jacobian", "cdlinear_hessian", "dense_hessian",
    "cdlinear_spectrum", "theorem1_eigenvalues", "frequency_moments",
    "cdlinear_spectrum_from_moment", "dense_spectrum", "dense_spectrum_from_moment",
    "block_circulance", "HessianStructure", "hessian_structure",
]
