"""Structured linear layers (issue 11), each a :class:`cdnotes.layers.Linear`.

=================  =======================================================================
``acdc``           :class:`ACDC`: diagonal / cosine-transform cascade (Moczulski et al.)
``sparse``         :class:`SparseFixed`: a fixed seeded sparsity pattern, ``W[mask] = values``
``fourier_mixing`` :class:`FourierMixing`: FNO-style truncated spectral multiply
``dct``            the orthonormal DCT-II and its inverse on every backend
=================  =======================================================================
"""
from .acdc import ACDC
from .fourier_mixing import FourierMixing
from .sparse import SparseFixed

__all__ = ["ACDC", "FourierMixing", "SparseFixed"]
