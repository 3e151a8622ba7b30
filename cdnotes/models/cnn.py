"""The MNIST-1D CNN, ``cnn_classifier``, dense or with block-circulant (CD) convolutions."""
from __future__ import annotations

import numpy as np

from ..layers import CDConv1D, Conv1D, Dense, ReLU
from ..shfin.sequence_layers import AddChannel, Flatten
from ..validation import check_choice, check_int, check_seed, divisors
from .classifier import Classifier

__all__ = ["STRUCTURES", "cnn_classifier", "check_structure"]

STRUCTURES = ("dense", "cd")


def check_structure(structure, block_size, widths: dict):
    """``structure`` and ``block_size`` checked together.

    Parameters
    ----------
    structure : {"dense", "cd"}
    block_size : int or None
        Required with ``"cd"`` and must divide every width; refused with ``"dense"``.
    widths : dict ``{argument name: width}``
        The widths ``block_size`` must divide, named as the builder's arguments (for the
        message).

    Returns
    -------
    int or None
        The block size (``None`` for ``"dense"``).
    """
    check_choice(structure, "structure", STRUCTURES)
    named = " and ".join(f"{k}={v}" for k, v in widths.items())
    if structure == "dense":
        if block_size is not None:
            raise ValueError(f"block_size is for structure='cd'; got block_size={block_size!r} "
                             "with structure='dense'")
        return None
    if block_size is None:
        raise ValueError(f"structure='cd' needs block_size=B, a block size dividing {named}")
    B = check_int(block_size, "block_size", minimum=1)
    bad = [f"{k}={v}" for k, v in widths.items() if v % B]
    if bad:
        common = [d for d in divisors(min(widths.values()))
                  if all(v % d == 0 for v in widths.values())]
        raise ValueError(f"block_size={B} does not divide {' and '.join(bad)}; block sizes "
                         f"that divide {named}: {', '.join(map(str, common))}")
    return B


def cnn_classifier(seq_len=40, channels=24, n_classes=10, *, kernel=5, n_conv=3,
                   structure="dense", block_size=None, seed=0, dtype="float64", xp=None):
    """``n_conv`` convolutions (stride 2, 'same' padding) with ReLU, flattened, a linear head:
    ``(N, seq_len)`` -> ``(N, n_classes)``.

    ``structure="dense"`` is :func:`cdnotes.shfin.models.cnn_classifier` (the same layers and,
    for the same seed, bit-identical parameters and outputs). ``structure="cd"`` makes every
    convolution ``channels -> channels`` a :class:`~cdnotes.layers.CDConv1D` with block size
    ``block_size``; the first convolution (from one input channel) and the head onto
    ``n_classes`` stay dense. Layer ``j`` takes the seed ``j`` spawned from ``seed`` in both.

    Parameters
    ----------
    seq_len, channels, n_classes : int >= 1
    kernel : int in [1, seq_len], default 5
    n_conv : int >= 1, default 3
        ``structure="cd"`` needs ``n_conv >= 2`` (one CD convolution at least).
    structure : {"dense", "cd"}, default "dense"
    block_size : int or None
        ``B`` for ``structure="cd"``: must divide ``channels``.
    seed : int
    dtype : {"float64", "float32"}
    xp : namespace or backend name, default NumPy

    Returns
    -------
    :class:`~cdnotes.models.Classifier`
        Layers ``AddChannel, (conv, ReLU) × n_conv, Flatten, Dense``. ``n_params`` is
        ``(kernel + 1)·C + (n_conv − 1)·(kernel·C²/B + C) + (L_out·C + 1)·n_classes`` with
        ``C = channels``, ``B = 1`` for dense, ``L_out`` the last convolution's length.
    """
    seq_len = check_int(seq_len, "seq_len", minimum=1)
    channels = check_int(channels, "channels", minimum=1)
    n_classes = check_int(n_classes, "n_classes", minimum=1)
    n_conv = check_int(n_conv, "n_conv", minimum=1)
    kernel = check_int(kernel, "kernel", minimum=1)
    if kernel > seq_len:
        raise ValueError(f"kernel must be in [1, {seq_len}] (seq_len); got {kernel}")
    B = check_structure(structure, block_size, {"channels": channels})
    if B is not None and n_conv < 2:
        raise ValueError(f"structure='cd' needs n_conv >= 2: the first convolution (from one "
                         f"input channel) stays dense, so n_conv={n_conv} has no CD layer")
    check_seed(seed)
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(n_conv + 1)]

    layers, notes = [AddChannel()], [""]
    length, c_in = seq_len, 1
    for j in range(n_conv):
        sizes = dict(stride=2, padding=kernel // 2, seed=seeds[j], dtype=dtype, xp=xp)
        if B is not None and j > 0:
            conv = CDConv1D(length, c_in, channels, kernel, block_size=B, **sizes)
            note = f"cd (B={B})"
        else:
            conv = Conv1D(length, c_in, channels, kernel, **sizes)
            note = "dense: one input channel" if B is not None else "dense"
        layers += [conv, ReLU()]
        notes += [note, ""]
        length, c_in = conv.out_len, channels
    layers += [Flatten(), Dense(length * channels, n_classes, seed=seeds[-1], dtype=dtype, xp=xp)]
    notes += ["", "dense: the head onto n_classes" if B is not None else "dense"]
    extra = f", block_size={B}" if B is not None else ""
    name = (f"cnn_classifier(seq_len={seq_len}, channels={channels}, n_classes={n_classes}, "
            f"kernel={kernel}, n_conv={n_conv}, structure={structure!r}{extra})")
    return Classifier(layers, seq_len, n_classes, name=name, notes=notes)
