"""SHFIN in miniature: the Sparse Hierarchical Fourier Interaction block and its models.

After Kiruluta & Williams, "Reducing Deep Network Complexity via Sparse Hierarchical Fourier
Interaction Networks": patchwise FFTs at several scales, a learnable top-K spectral mask
(Gumbel-softmax, straight-through), low-rank attention-like mixing of the kept coefficients,
inverse FFT, residual and LayerNorm — in NumPy/CuPy/array-API code with a hand-written
backward pass, every piece checked against central differences (tests/test_shfin.py).

===================  =====================================================================
``kernels``          the block's pieces as pure functions, each with its hand-written VJP
``topk``             the mask's relaxed and hard top-``k`` (re-exported by ``kernels``)
``block``            :class:`SHFINBlock`
``sequence_layers``  the layers the classifiers share (embedding, pooling, 1-D convolution)
``models``           MNIST-1D classifiers (SHFIN, a 1-D CNN) trainable by
                     :func:`cdnotes.train.train` (re-exports ``sequence_layers``)
``cost``             FLOPs and time of a block against dense self-attention
===================  =====================================================================
"""
from .block import MASKS, MIXINGS, SHFINBlock
from .models import SequenceModel, cnn_classifier, shfin_classifier

__all__ = ["MASKS", "MIXINGS", "SHFINBlock", "SequenceModel", "cnn_classifier",
           "shfin_classifier"]
