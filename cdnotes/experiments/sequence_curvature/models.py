"""The models of ``sequence-curvature``: small MNIST-1D CNNs and transformers, dense or CD,
the transformer with or without its LayerNorms (:func:`build_model`, :func:`drop_layernorms`).
"""
from __future__ import annotations

from ...layers import LayerNorm
from ...models import Classifier, Residual, cnn_classifier, transformer_classifier
from ...validation import check_choice, check_int

__all__ = ["MODELS", "CD_MODELS", "LAYERNORMS", "SEQ_LEN", "N_CLASSES", "build_model",
           "drop_layernorms", "model_structure"]

SEQ_LEN, N_CLASSES = 40, 10
"""MNIST-1D: sequences of length 40, ten classes."""

MODELS = ("cnn_dense", "cnn_cd", "transformer_dense", "transformer_cd")
"""The models measured, as named on the command line."""

CD_MODELS = ("cnn_cd", "transformer_cd")
"""The models that take a block size ``B``."""

LAYERNORMS = ("with", "without")
"""The transformer with its LayerNorms, or with every LayerNorm replaced by the identity."""


def model_structure(model) -> str:
    """The structure of a model of :data:`MODELS`.

    Parameters
    ----------
    model : str, one of :data:`MODELS`

    Returns
    -------
    ``"cd"`` or ``"dense"``
    """
    check_choice(model, "model", MODELS)
    return "cd" if model in CD_MODELS else "dense"


def drop_layernorms(net):
    """The transformer ``net`` with every LayerNorm replaced by the identity.

    The pre-LN blocks ``x + MHA(LN(x))``, ``x + FFN(LN(x))`` become ``x + MHA(x)``,
    ``x + FFN(x)`` and the final LayerNorm before the mean pool goes; every other layer is
    the same object (same parameters, same seeds). An identity layer has no parameters, so
    dropping the LayerNorm from the chain *is* replacing it by the identity; this module
    builds the variant itself (:func:`~cdnotes.models.transformer_classifier` has no such
    option), leaving :mod:`cdnotes.models` unchanged.

    Parameters
    ----------
    net : :class:`~cdnotes.models.Classifier` of
        :func:`~cdnotes.models.transformer_classifier`

    Returns
    -------
    :class:`~cdnotes.models.Classifier`, ``(N, seq_len)`` -> ``(N, n_classes)``, with
    ``n_params`` smaller by ``2·d_model`` per LayerNorm removed; ``net`` itself is not changed
    but shares its layers (train the returned model, not both).
    """
    layers, notes, dropped = [], [], 0
    for layer, note in zip(net.layers, net.notes):
        if isinstance(layer, LayerNorm):
            dropped += 1
            continue
        if isinstance(layer, Residual):
            kept = {k: v for k, v in layer.sublayers.items() if not isinstance(v, LayerNorm)}
            if len(kept) < len(layer.sublayers):
                dropped += len(layer.sublayers) - len(kept)
                layer = Residual(layer.width, kept)
                note = note.replace(" (LayerNorm dense)", " (no LayerNorm)")
        layers.append(layer)
        notes.append(note)
    if not dropped:
        raise ValueError("drop_layernorms: the model has no LayerNorm to drop")
    return Classifier(layers, net.n_in, net.n_classes, name=f"{net.name} without LayerNorm",
                      notes=notes)


def build_model(model, *, block_size=None, layernorm="with", seed=0, channels=16,
                d_model=16, n_heads=2, ffn_hidden=32):
    """The untrained ``model``: ``(N, 40)`` float64 -> 10 logits.

    Parameters
    ----------
    model : str, one of :data:`MODELS`
    block_size : int or None
        ``B``, required by :data:`CD_MODELS`, refused by the dense ones. It must divide
        ``channels`` (CNN), ``d_model / n_heads`` and ``ffn_hidden`` (transformer).
    layernorm : {"with", "without"} or None
        The transformer's LayerNorms kept or replaced by the identity
        (:func:`drop_layernorms`); must be None for the CNN (it has none).
    seed : int >= 0, the initial weights
    channels : int >= 1, the CNN's channels (3 convolutions, kernel 5, stride 2)
    d_model, n_heads, ffn_hidden : int >= 1, the transformer's sizes (one block)

    Returns
    -------
    :class:`~cdnotes.models.Classifier`
    """
    check_choice(model, "model", MODELS)
    seed = check_int(seed, "seed", minimum=0)
    family = model.partition("_")[0]
    if model in CD_MODELS and block_size is None:
        raise ValueError(f"model {model!r} needs a block size (e.g. --block-sizes 4)")
    if model not in CD_MODELS and block_size is not None:
        raise ValueError(f"block_size is for the CD models ({', '.join(CD_MODELS)}); got "
                         f"block_size={block_size!r} with model {model!r}")
    cd = {} if block_size is None else {"structure": "cd", "block_size": block_size}
    if family == "cnn":
        if layernorm is not None:
            raise ValueError(f"the CNN has no LayerNorm: layernorm must be None; got "
                             f"{layernorm!r}")
        return cnn_classifier(SEQ_LEN, channels, N_CLASSES, seed=seed, **cd)
    check_choice(layernorm, "layernorm", LAYERNORMS)
    net = transformer_classifier(SEQ_LEN, d_model, n_heads, 1, n_classes=N_CLASSES,
                                 ffn_hidden=ffn_hidden, seed=seed, **cd)
    return net if layernorm == "with" else drop_layernorms(net)
