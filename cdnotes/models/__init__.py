"""Classifiers for MNIST-1D-like sequences ``(N, seq_len)`` -> logits ``(N, n_classes)``, dense
or with block-circulant (CD) layers, all trainable by :func:`cdnotes.train.train`.

===============================  ==============================================================
:func:`cnn_classifier`           strided convolutions + ReLU, a linear head; ``structure="cd"``:
                                 every ``channels -> channels`` convolution a ``CDConv1D``
:func:`transformer_classifier`   pre-LN Transformer encoder, mean pooling, a linear head;
                                 ``structure="cd"``: CD attention projections and feed-forward
:func:`shfin_classifier`         SHFIN blocks (:func:`cdnotes.shfin.models.shfin_classifier`,
                                 the same object)
:class:`Classifier`              the model they return; its ``repr`` says which layers are CD
:class:`Residual`                ``x + f(x)`` around a chain of sequence layers
===============================  ==============================================================

The first convolution (from one input channel), the embedding, the LayerNorms and the head onto
``n_classes`` stay dense in every model.
"""
from ..shfin.models import shfin_classifier
from .classifier import Classifier
from .cnn import STRUCTURES, check_structure, cnn_classifier
from .residual import Residual
from .transformer import transformer_classifier

__all__ = ["Classifier", "Residual", "STRUCTURES", "check_structure", "cnn_classifier",
           "shfin_classifier", "transformer_classifier"]
