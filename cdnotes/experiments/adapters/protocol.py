"""The fine-tuning protocol: pretrained bases (:func:`pretrained`), the shifted task
(:func:`finetune_data`), the regimes (:func:`build_regime`, :data:`REGIMES`) and the budget
pairs where LoRA and CD match (:func:`matched_pairs`)."""
from __future__ import annotations

import copy

from ...adapters import apply_adapters
from ...data import SHIFTED_MNIST1D, load_mnist1d
from ...validation import check_choice, check_int
from ..architectures.protocol import build_model, train_early_stopping, validation_split

__all__ = ["BASES", "REGIMES", "TARGETS", "pretrained", "finetune_data", "build_regime",
           "trainable_params", "matched_pairs", "cd_block_sizes"]

BASES = ("mlp", "transformer")
"""The pretrained models fine-tuned: the fair comparison's dense MLP and dense transformer
(:func:`cdnotes.experiments.architectures.build_model`). The CNN has no linear layer to adapt
but its head (adapters on convolutions are not built), so it is left out."""

REGIMES = ("full", "head", "lora", "cd")
"""Full fine-tuning; the head alone; LoRA of a rank; CD adapters of a block size (both with the
head trained)."""

TARGETS = {"mlp": ("linear",), "transformer": ("attention",)}
"""The layers adapted: the MLP's hidden linear layers; the transformer's q, k, v, o."""

_PRETRAINED: dict = {}


def pretrained(base, *, lr, epochs, patience, seed=0, n_val=500):
    """The dense ``base`` trained on the published MNIST-1D by the fair comparison's protocol
    (Adam, early stopping on a validation split); cached per process.

    Parameters
    ----------
    base : {"mlp", "transformer"}
    lr : float > 0; epochs, patience : int >= 1; seed : int >= 0 (weights and batch order)
    n_val : int, the validation split carved from the 4000 training sequences

    Returns
    -------
    (model, record) : a fresh deep copy of the pretrained model (train it freely) and the
        pretraining record (``val_accuracy``, ``test_accuracy`` on the published test set,
        ``epochs_run``, ...)
    """
    check_choice(base, "base", BASES)
    key = (base, float(lr), int(epochs), int(patience), int(seed), int(n_val))
    if key not in _PRETRAINED:
        X, X_test, y, y_test = load_mnist1d()
        tr, va = validation_split(y, n_val, 0)
        net = build_model(f"{base}_dense", None, seed)
        record = train_early_stopping(net, (X[tr], y[tr], X[va], y[va], X_test, y_test), lr=lr,
                                      epochs=epochs, patience=patience, seed=seed)
        record = {k: v for k, v in record.items() if not k.endswith(("_curve", "_loss",
                                                                     "_seconds"))}
        _PRETRAINED[key] = (net, record)
    net, record = _PRETRAINED[key]
    return copy.deepcopy(net), dict(record)


def finetune_data(n_train, n_val=500, seed=0):
    """The shifted task (:data:`cdnotes.data.SHIFTED_MNIST1D`): a stratified training set of
    ``n_train`` and a validation set of ``n_val`` from its 4000 training sequences (disjoint),
    and its 1000 test sequences.

    Parameters
    ----------
    n_train, n_val : int >= 10, with ``n_train + n_val <= 4000``
    seed : int >= 0, the draw of both subsets

    Returns
    -------
    tuple ``(X_train, y_train, X_val, y_val, X_test, y_test)``
    """
    n_train = check_int(n_train, "n_train", minimum=10)
    n_val = check_int(n_val, "n_val", minimum=10)
    if n_train + n_val > 4000:
        raise ValueError(f"n_train + n_val must be at most 4000; got {n_train} + {n_val}")
    X, X_test, y, y_test = load_mnist1d(overrides=SHIFTED_MNIST1D)
    rest, val = validation_split(y, n_val, seed)
    keep = rest[validation_split(y[rest], n_train, seed + 1)[1]]
    return X[keep], y[keep], X[val], y[val], X_test, y_test


def build_regime(net, base, regime, size=None, seed=0):
    """``net`` (a pretrained ``base``) prepared for one regime.

    Parameters
    ----------
    net : the pretrained model (changed in place only for ``"full"``)
    base : {"mlp", "transformer"}
    regime : one of :data:`REGIMES`
    size : int or None, LoRA's rank or CD's block size; None for ``"full"``/``"head"``
    seed : int, the adapters' initial parameters

    Returns
    -------
    the model to fine-tune
    """
    check_choice(regime, "regime", REGIMES)
    if regime in ("full", "head") and size is not None:
        raise ValueError(f"regime {regime!r} takes no size; got {size!r}")
    if regime == "full":
        return net
    if regime == "head":
        return apply_adapters(net, "none")
    size = check_int(size, "size", minimum=1)
    options = {"rank": size} if regime == "lora" else {"block_size": size}
    return apply_adapters(net, regime, targets=TARGETS[base], seed=seed, **options)


def trainable_params(base, regime, size=None) -> int:
    """Trainable parameters of a regime, from a freshly built (untrained) base.

    Parameters
    ----------
    base, regime, size : as for :func:`build_regime`

    Returns
    -------
    int
    """
    net = build_model(f"{base}_dense", None, 0)
    return int(build_regime(net, base, regime, size).n_params)


def matched_pairs(base, ranks, block_sizes, tolerance=0.10) -> list:
    """LoRA ranks and CD block sizes whose trainable counts match within ``tolerance``.

    Parameters
    ----------
    base : {"mlp", "transformer"}; ranks, block_sizes : sequences of int
    tolerance : float, relative to the LoRA count

    Returns
    -------
    list of dict ``{"rank", "block_size", "lora_params", "cd_params", "gap"}``
    """
    out = []
    for r in ranks:
        p_lora = trainable_params(base, "lora", r)
        for b in block_sizes:
            p_cd = trainable_params(base, "cd", b)
            gap = p_cd / p_lora - 1.0
            if abs(gap) <= tolerance:
                out.append({"rank": int(r), "block_size": int(b), "lora_params": p_lora,
                            "cd_params": p_cd, "gap": float(gap)})
    return out


def cd_block_sizes(base, candidates) -> list:
    """The block sizes of ``candidates`` that divide every width of ``base``'s adapted layers
    (:data:`TARGETS`), read from the layers themselves.

    Parameters
    ----------
    base : {"mlp", "transformer"}; candidates : iterable of int >= 1

    Returns
    -------
    list of int, in the candidates' order
    """
    from ...adapters import linear_layers_in

    check_choice(base, "base", BASES)
    layers = linear_layers_in(build_model(f"{base}_dense", None, 0), TARGETS[base])
    widths = {w for layer in layers for w in (layer.n_in, layer.n_out)}
    return [int(b) for b in candidates if all(w % int(b) == 0 for w in widths)]

