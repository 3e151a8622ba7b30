"""Structured matrices and their fast products.

=============  ===========================================================================
``circulant``  ``circulant``, ``block_circulant`` (materialised, the slow reference) and
               the adjoint ``project_block_circulant``
``bcmatmul``   ``bc_matmul``/``bc_matmul_vjp``: products with a block-circulant matrix by
               real FFTs (paper Eqs. 2-4), and the kernel plans that layers reuse
``fft``        the FFT to use for each backend; the complex dtype of a real one
=============  ===========================================================================
"""
from .bcmatmul import METHODS, bc_matmul, bc_matmul_vjp, resolve_method
from .circulant import block_circulant, circulant, project_block_circulant

__all__ = ["METHODS", "bc_matmul", "bc_matmul_vjp", "block_circulant", "circulant",
           "project_block_circulant", "resolve_method"]
