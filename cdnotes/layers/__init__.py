"""Layers with a hand-written backward pass.

=================  =======================================================================
``base``           :class:`Layer`: the interface every layer shares
``linear``         :class:`Linear`: the protocol every linear layer implements (one
                   constructor path, validated settable parameters, checked passes)
``dense``          :class:`Dense`
``cdlinear``       :class:`CDLinear`, the paper's block-circulant layer
``activations``    :class:`ReLU`; ``softmax``, ``log_softmax``
``masked``         :class:`MaskedDense`: only a seeded random subset of the weights trained
``pattern``        :class:`FixedPattern`: the shared base of MaskedDense and SparseFixed
``registry``       :data:`LAYERS`: every linear layer by name (build, closed-form count)
``dropout``        :class:`ShannonDropout` (paper Eq. 7)
``init``           weight scales matched to a dense layer's (He, LeCun, Glorot)
=================  =======================================================================
"""
from .activations import ReLU, log_softmax, softmax
from .base import Layer
from .cdlinear import CDLinear
from .dense import Dense
from .dropout import ALPHA_CD, ShannonDropout
from .linear import Linear
from .masked import MaskedDense
from .pattern import FixedPattern
from .registry import LAYERS, LayerEntry
from .attention import MultiHeadAttention  # issue 19's attention-side layers
from .feedforward import FeedForward
from .norm import LayerNorm

__all__ = ["ALPHA_CD", "CDLinear", "Dense", "FixedPattern", "LAYERS", "Layer", "LayerEntry",
           "Linear", "MaskedDense", "ReLU", "ShannonDropout",
           "log_softmax", "softmax"]
__all__ += ["FeedForward", "LayerNorm", "MultiHeadAttention"]
