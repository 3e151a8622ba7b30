"""Structured linear layers — the company CDLinear keeps — and one way to build any of them.

Every layer implements the :class:`~cdnotes.layers.Linear` protocol (``params``/``grads``,
``forward``/``backward``, ``to_dense()``, ``to``, seeded He-matched init, a bias ``b``
``(n_out,)``), and each convention is tested against its definition built the slow way.

==================  ======================================================================
``low_rank``        :class:`LowRank`: ``W = U @ V``
``toeplitz``        :class:`Toeplitz`: ``W[i, j] = t[i − j + n_in − 1]``, applied by FFT
``kronecker``       :class:`Kronecker`: ``W = kron(outer, inner)``, never formed
``monarch``         :class:`Monarch`: fly's ``blockdiag_butterfly_multiply`` (version 2)
``registry``        :data:`STRUCTURES`, :func:`structured_layer`, :func:`match_budget`
==================  ======================================================================

(``acdc``, ``sparse`` and ``fourier_mixing`` — ``ACDC``, ``SparseFixed``, ``FourierMixing`` —
are registered in :data:`STRUCTURES` when present.)
"""
from .kronecker import Kronecker
from .low_rank import LowRank
from .monarch import Monarch
from .registry import (STRUCTURES, BudgetMatch, Structure, layer_options, match_budget,
                       mlp_widths, output_width, structured_layer)
from .toeplitz import Toeplitz

__all__ = ["BudgetMatch", "Kronecker", "LowRank", "Monarch", "STRUCTURES", "Structure",
           "Toeplitz", "layer_options", "match_budget", "mlp_widths", "output_width",
           "structured_layer"]
