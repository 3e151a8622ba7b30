"""cdnotes: block-circulant (CDLinear) layers, checked by computation.

The companion library of the *cdnotes* book, which takes apart "Communication
Dynamics Neural Networks" (arXiv 2605.08171). Everything works on NumPy, CuPy
and ``array_api_strict`` arrays alike.

>>> import numpy as np, cdnotes
>>> layer = cdnotes.CDLinear(64, 64, block_size=4, seed=0)
>>> layer.n_params                      # 64*64/4 + 64
1088
>>> X = np.random.default_rng(0).standard_normal((32, 64))
>>> bool(np.allclose(layer.forward(X), X @ layer.to_dense().T + layer.b))
True

The package, by role (each subpackage's docstring lists its modules):

==================  =========================================================================
``operators``       structured matrices and their fast products (circulant, FFT kernels)
``layers``          the ``Layer`` interface, the ``Linear`` protocol, Dense, CDLinear, ReLU,
                    dropout, initialisation
``structured``      the company CD keeps: low-rank, Toeplitz, Kronecker, Monarch, ACDC,
                    fixed-sparse and Fourier-mixing layers; a registry by name
``spectral``        spectral-domain training: SpectralLinear (eigenvalues and eigenvectors
                    trained), spectral_mlp, retract
``mlp``             multi-layer perceptrons of any structure; the paper's three digits models
``models``          MNIST-1D CNN and Transformer classifiers, dense or with CD layers; SHFIN's
``train``           the training loop, SGD/Adam/AdaMax, K-FAC, losses, the Fisher regularizer
``preconditioning`` the exact per-frequency curvature solve of a CDLinear layer
``hessian``         one layer's loss Hessian: explicit, closed-form spectra, block structure
``conditioning``    condition numbers; κ under input whitening (Theorem 2)
``whitening``       whitening transformers (scikit-learn API)
``curvature``       a network's curvature: Hessian/Gauss-Newton products, the full matrix,
                    Lanczos and SLQ, null directions; the last layer; the paper's κ
``shfin``           SHFIN in miniature: the sparse hierarchical Fourier interaction block
``experiments``     the book's experiments as functions returning records
``data``, ``results``, ``stats``, ``seeds``   data sets (digits, MNIST-1D), JSON results, CIs,
                    the seed offset
``estimators``      a scikit-learn classifier; ``cli``: ``python -m cdnotes``
``validation``, ``backend``   argument checks; array namespaces (NumPy, CuPy, array_api_strict)
==================  =========================================================================
"""
from .backend import available_backends
from .gradcheck import gradcheck
from .layers import ALPHA_CD, CDLinear, Dense, Layer, Linear, ReLU, ShannonDropout
from .operators import bc_matmul, bc_matmul_vjp, block_circulant, circulant
from . import structured, spectral  # noqa: F401,E402,I001  (they register their layers in LAYERS)

__version__ = "0.1.0"

__all__ = [
    "ALPHA_CD", "CDLinear", "Dense", "Layer", "Linear", "ReLU", "ShannonDropout",
    "available_backends", "bc_matmul", "bc_matmul_vjp", "block_circulant", "circulant",
    "gradcheck", "__version__",
]
