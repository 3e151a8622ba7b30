"""Sequence classifiers for MNIST-1D: SHFIN blocks, a 1-D CNN, and the layers they share.

The shared layers are written in :mod:`cdnotes.shfin.sequence_layers` and
re-exported here.

Every model here is a :class:`SequenceModel`: inputs ``(N, seq_len)`` (one value per
position), logits ``(N, n_classes)``, and the interface :func:`cdnotes.train.train` uses
(``n_in``, ``n_classes``, ``forward_2d``/``backward_2d``, ``linear_layers`` — here every
layer with parameters —, ``predict``, ``train``/``eval``), so the library's loop and
optimizers train it.

=========================  =================================================================
:class:`PositionEmbedding`  ``x_n -> x_n w + b + pos_n``: ``(N, L)`` -> ``(N, L, C)``
:class:`MeanPool`           mean over positions ``(N, L, C)`` -> ``(N, C)``
:class:`Flatten`            ``(N, L, C)`` -> ``(N, L·C)``
:class:`Conv1D`             strided 1-D convolution, channels last, by gather and matmul
:class:`PositionwiseFFN`    residual per-position MLP (not in the published block; an extension)
:func:`shfin_classifier`    embedding, SHFIN blocks, mean pooling, a linear head
:func:`cnn_classifier`      three strided convolutions with ReLU, a linear head
=========================  =================================================================
"""
from __future__ import annotations

import numpy as np

from ..backend import namespace_of
from ..layers import Dense, ReLU
from ..mlp import LayerChain
from ..validation import check_array, check_float_array, check_int, check_same_dtype, check_seed
from .block import SHFINBlock
from .sequence_layers import (AddChannel, Conv1D, Flatten, MeanPool, PositionEmbedding,
                              PositionwiseFFN)

__all__ = ["PositionEmbedding", "MeanPool", "Flatten", "AddChannel", "Conv1D", "PositionwiseFFN",
           "SequenceModel", "shfin_classifier", "cnn_classifier"]


class SequenceModel(LayerChain):
    """A chain of layers from ``(N, seq_len)`` inputs to ``(N, n_classes)`` logits.

    Parameters
    ----------
    layers : list of cdnotes layers (each with ``forward_2d``/``backward_2d``)
    seq_len : int >= 1
        Input width ``n_in``.
    n_classes : int >= 1

    Attributes
    ----------
    n_in, n_classes : int
    linear_layers : list — the layers with parameters (what the optimizers update)
    n_params : int
    """

    def __init__(self, layers, seq_len, n_classes):
        self.layers = list(layers)
        self.n_in = check_int(seq_len, "seq_len", minimum=1)
        self.n_classes = check_int(n_classes, "n_classes", minimum=1)

    @property
    def linear_layers(self):
        """The layers that hold parameters, in order."""
        return [layer for layer in self.layers if layer.params]

    def forward(self, X):
        """Checked forward pass.

        Parameters
        ----------
        X : real array ``(N, seq_len)``

        Returns
        -------
        array ``(N, n_classes)``
        """
        check_array(X, "X")
        xp = namespace_of(X)
        if X.ndim != 2 or X.shape[1] != self.n_in or X.shape[0] == 0:
            raise ValueError(f"X must have shape (N, seq_len) = (N, {self.n_in}) with N >= 1; "
                             f"got {tuple(X.shape)}")
        check_float_array(xp, X, "X")
        check_same_dtype(X=X, parameters=next(iter(self.linear_layers[0].params.values())))
        return self.forward_2d(xp, X)

    def __repr__(self):
        inner = ",\n  ".join(map(repr, self.layers))
        return f"SequenceModel(n_params={self.n_params},\n  {inner})"


def shfin_classifier(seq_len=40, channels=16, n_classes=10, *, n_blocks=1, patch_sizes=(8, 40),
                     k=4, rank=4, tau=1.0, mask="learned", mixing="attention", ffn=0, seed=0,
                     dtype="float64", xp=None):
    """Embedding ``1 -> channels`` (+ position), ``n_blocks`` SHFIN blocks, mean pooling, a head.

    Parameters
    ----------
    seq_len, channels, n_classes : int >= 1
    n_blocks : int >= 1
    patch_sizes, k, rank, tau, mask, mixing
        Passed to every :class:`~cdnotes.shfin.SHFINBlock`.
    ffn : int >= 0, default 0
        Hidden width of a :class:`PositionwiseFFN` after each block (0: none, as published).
    seed : int
        Every layer's initial weights and every block's noise derive from it.
    dtype, xp

    Returns
    -------
    SequenceModel
    """
    n_blocks = check_int(n_blocks, "n_blocks", minimum=1)
    ffn = check_int(ffn, "ffn", minimum=0)
    check_seed(seed)
    seeds = [int(s.generate_state(1)[0])
             for s in np.random.SeedSequence(seed).spawn(2 * n_blocks + 2)]
    layers = [PositionEmbedding(seq_len, channels, seed=seeds[0], dtype=dtype, xp=xp)]
    for b in range(n_blocks):
        layers.append(SHFINBlock(seq_len, channels, patch_sizes=patch_sizes, k=k, rank=rank,
                                 tau=tau, seed=seeds[1 + b], dtype=dtype, xp=xp, mask=mask,
                                 mixing=mixing))
        if ffn:
            layers.append(PositionwiseFFN(channels, ffn, seed=seeds[1 + n_blocks + b],
                                          dtype=dtype, xp=xp))
    layers += [MeanPool(), Dense(channels, n_classes, seed=seeds[-1], dtype=dtype, xp=xp)]
    return SequenceModel(layers, seq_len, n_classes)


def cnn_classifier(seq_len=40, channels=24, n_classes=10, *, kernel=5, n_conv=3, seed=0,
                   dtype="float64", xp=None):
    """``n_conv`` convolutions (stride 2, 'same' padding) with ReLU, flattened, a linear head.

    After the MNIST-1D paper's CNN baseline (three convolutions of 25 channels, kernel 5,
    stride 2).

    Parameters
    ----------
    seq_len, channels, n_classes : int >= 1
    kernel : int >= 1, default 5
    n_conv : int >= 1, default 3
    seed : int
    dtype, xp

    Returns
    -------
    SequenceModel
    """
    seq_len = check_int(seq_len, "seq_len", minimum=1)
    channels = check_int(channels, "channels", minimum=1)
    n_classes = check_int(n_classes, "n_classes", minimum=1)
    n_conv = check_int(n_conv, "n_conv", minimum=1)
    kernel = check_int(kernel, "kernel", minimum=1)
    if kernel > seq_len:
        raise ValueError(f"kernel must be in [1, {seq_len}] (seq_len); got {kernel}")
    check_seed(seed)
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(n_conv + 1)]

    layers, length, c_in = [AddChannel()], seq_len, 1
    for j in range(n_conv):
        conv = Conv1D(length, c_in, channels, kernel, stride=2, padding=kernel // 2,
                      seed=seeds[j], dtype=dtype, xp=xp)
        layers += [conv, ReLU()]
        length, c_in = conv.out_len, channels
    layers += [Flatten(), Dense(length * channels, n_classes, seed=seeds[-1], dtype=dtype, xp=xp)]
    return SequenceModel(layers, seq_len, n_classes)
