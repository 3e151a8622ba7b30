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
"""
from .activations import ReLU
from .backend import available_backends
from .bcmatmul import bc_matmul, bc_matmul_vjp
from .circulant import block_circulant, circulant
from .dropout import ALPHA_CD, ShannonDropout
from .gradcheck import gradcheck
from .layers import CDLinear, Dense, Layer

__version__ = "0.1.0"

__all__ = [
    "ALPHA_CD", "CDLinear", "Dense", "Layer", "ReLU", "ShannonDropout",
    "available_backends", "bc_matmul", "bc_matmul_vjp", "block_circulant", "circulant",
    "gradcheck", "__version__",
]
