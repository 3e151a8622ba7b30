"""Layers with a hand-written backward pass.

=================  =======================================================================
``base``           :class:`Layer`: the interface every layer shares
``linear``         :class:`Linear`: the protocol every linear layer implements (one
                   constructor path, validated settable parameters, checked passes)
``dense``          :class:`Dense`
``cdlinear``       :class:`CDLinear`, the paper's block-circulant layer
``conv``           :class:`Conv1D`: a strided 1-D convolution over ``(N, L, C)`` sequences
``cdconv``         :class:`CDConv1D`: the same with block-circulant channel mixing per tap;
                   :func:`cdlinear_as_conv` (what "a 1×1 depthwise circular convolution" means)
``composite``      :class:`Composite`: a layer made of sub-layers (prefixed ``params`` keys)
``norm``           :class:`LayerNorm` over the last axis
``attention``      :class:`MultiHeadAttention`: ``q, k, v, o`` projections of any registered
                   structure (dense, CD, …), heads as contiguous slices, optional causal mask
``feedforward``    :class:`FeedForward`: position-wise linear → ReLU → linear, any structure
``activations``    :class:`ReLU`; ``softmax``, ``log_softmax``
``masked``         :class:`MaskedDense`: only a seeded random subset of the weights trained
``pattern``        :class:`FixedPattern`: the shared base of MaskedDense and SparseFixed
``registry``       :data:`LAYERS`: every linear layer by name (build, closed-form count)
``dropout``        :class:`ShannonDropout` (paper Eq. 7)
``init``           weight scales matched to a dense layer's (He, LeCun, Glorot)
``tangents``       the checked entry of the sequence layers' ``jvp(dX, dparams)`` (forward
                   tangents) and the tangent of a linear sub-layer
``second_order``   their ``rop_backward(dY, dX, dparams, ddY)``: the R-operator of backward
=================  =======================================================================
"""
from .activations import ReLU, log_softmax, softmax
from .base import Layer
from .cdconv import CDConv1D, cdlinear_as_conv
from .cdlinear import CDLinear
from .conv import Conv1D
from .dense import Dense
from .dropout import ALPHA_CD, ShannonDropout
from .linear import Linear
from .masked import MaskedDense
from .pattern import FixedPattern
from .registry import LAYERS, LayerEntry
from .attention import MultiHeadAttention
from .feedforward import FeedForward
from .norm import LayerNorm

__all__ = ["ALPHA_CD", "CDConv1D", "CDLinear", "Conv1D", "Dense", "FeedForward", "FixedPattern",
           "LAYERS", "Layer", "LayerEntry", "LayerNorm", "Linear", "MaskedDense",
           "MultiHeadAttention", "ReLU", "ShannonDropout", "cdlinear_as_conv", "log_softmax",
           "softmax"]
