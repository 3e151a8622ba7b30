"""Structured linear layers — the company CDLinear keeps — and one way to build any of them.

Every layer implements the :class:`~cdnotes.layers.Linear` protocol (``params``/``grads``,
``forward``/``backward``, ``to_dense()``, ``to``, seeded He-matched init, a bias ``b``
``(n_out,)``), and each convention is tested against its definition built the slow way.

==================  ======================================================================
``low_rank``        :class:`LowRank`: ``W = U @ V``
``toeplitz``        :class:`Toeplitz`: ``W[i, j] = t[i − j + n_in − 1]``, applied by FFT
``kronecker``       :class:`Kronecker`: ``W = kron(outer, inner)``, never formed
``monarch``         :class:`Monarch`: fly's ``blockdiag_butterfly_multiply`` (version 2)
``acdc``            :class:`ACDC`: diagonal / cosine-transform cascade (Moczulski et al.)
``sparse``          :class:`SparseFixed`: a fixed seeded sparsity pattern, ``W[mask] = values``
``fourier_mixing``  :class:`FourierMixing`: FNO-style truncated spectral multiply
``dct``             the orthonormal DCT-II and its inverse on every backend
``registry``        :data:`STRUCTURES`, :func:`structured_layer`, :func:`match_budget`
==================  ======================================================================
"""
from ._common import entrywise_weight_jacobian  # public: the last-layer Gauss-Newton uses it
from .acdc import ACDC
from .fourier_mixing import FourierMixing
from .kronecker import Kronecker
from .low_rank import LowRank
from .monarch import Monarch
from .registry import (STRUCTURES, BudgetMatch, Structure, layer_options, match_budget,
                       mlp_widths, output_width, structured_layer)
from .sparse import SparseFixed
from .toeplitz import Toeplitz

__all__ = ["ACDC", "BudgetMatch", "FourierMixing", "Kronecker", "LowRank", "Monarch",
           "STRUCTURES", "SparseFixed", "Structure", "Toeplitz", "entrywise_weight_jacobian",
           "layer_options", "match_budget",
           "mlp_widths", "output_width", "structured_layer"]
