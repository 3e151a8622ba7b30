"""The fair comparison's protocol: the models at matched parameter budgets
(:data:`MODELS`, :func:`build_model`), the validation split carved from the training set
(:func:`validation_split`) and Adam training with early stopping on it
(:func:`train_early_stopping`)."""
from __future__ import annotations

import math
import time

import numpy as np

from ...mlp import make_mlp
from ...models import cnn_classifier, shfin_classifier, transformer_classifier
from ...train import TrainConfig, accuracy, train
from ...validation import check_choice, check_int

__all__ = ["MODELS", "CD_MODELS", "DENSE_WIDTHS", "SHFIN_SIZES", "SEQ_LEN", "N_CLASSES",
           "build_model", "model_width", "matched_width", "validation_split",
           "train_early_stopping"]

SEQ_LEN, N_CLASSES = 40, 10
"""MNIST-1D: sequences of length 40, ten classes."""

MODELS = ("mlp_dense", "mlp_cd", "cnn_dense", "cnn_cd", "transformer_dense", "transformer_cd",
          "shfin")
"""The models compared, as named on the command line."""

CD_MODELS = ("mlp_cd", "cnn_cd", "transformer_cd")
"""The models that take a block size ``B``."""

DENSE_WIDTHS = {"mlp": 64, "cnn": 24, "transformer": 24}
"""The dense models' widths: MLP 40-64-64-10 (7 434 parameters), CNN of 24 channels (3
convolutions, kernel 5, stride 2; 7 162), transformer ``d_model = 24`` (2 heads, 1 layer,
feed-forward 48; 6 178). Their parameter counts are the budgets the CD models are matched to."""

SHFIN_SIZES = dict(channels=32, n_blocks=1, patch_sizes=(8, 40), k=(4, 8), rank=4)
"""SHFIN as in chapter 12 (:data:`cdnotes.experiments.shfin.SHFIN_BASE`; 6 884 parameters)."""

_MAX_WIDTH = 1024


def _build(family, width, block_size, seed):
    """The ``family`` model of width ``width``; ``block_size`` ``None`` for dense."""
    cd = {} if block_size is None else {"structure": "cd", "block_size": block_size}
    if family == "mlp":
        out = N_CLASSES if block_size is None else -(-N_CLASSES // block_size) * block_size
        return make_mlp((SEQ_LEN, width, width, out), block_size, n_classes=N_CLASSES, seed=seed)
    if family == "cnn":
        return cnn_classifier(SEQ_LEN, width, N_CLASSES, seed=seed, **cd)
    return transformer_classifier(SEQ_LEN, width, 2, 1, n_classes=N_CLASSES,
                                  ffn_hidden=2 * width, seed=seed, **cd)


def _width_step(family, block_size):
    """Widths a block size allows: multiples of ``B`` (of ``2B`` for the 2-head transformer)."""
    if family == "mlp" and SEQ_LEN % block_size:
        allowed = [b for b in range(1, SEQ_LEN + 1) if SEQ_LEN % b == 0]
        raise ValueError(f"block_size {block_size} does not divide the MLP's input width "
                         f"{SEQ_LEN}; allowed: {', '.join(map(str, allowed))}")
    return 2 * block_size if family == "transformer" else block_size


def matched_width(family, block_size) -> int:
    """The width of the CD ``family`` model with block size ``block_size`` whose parameter
    count is closest to the dense model's (:data:`DENSE_WIDTHS`; the smaller width on a tie).

    Parameters
    ----------
    family : {"mlp", "cnn", "transformer"}
    block_size : int >= 1
        Must divide 40 for the MLP.

    Returns
    -------
    int
        MLP: the two hidden widths; CNN: the channels; transformer: ``d_model`` (2 heads,
        feed-forward ``2·d_model``), a multiple of ``block_size`` (``2·block_size``).
    """
    check_choice(family, "family", tuple(DENSE_WIDTHS))
    block_size = check_int(block_size, "block_size", minimum=1)
    budget = _build(family, DENSE_WIDTHS[family], None, 0).n_params
    step = _width_step(family, block_size)
    best, best_gap = None, math.inf
    for width in range(step, _MAX_WIDTH + 1, step):
        gap = abs(_build(family, width, block_size, 0).n_params - budget)
        if gap < best_gap:
            best, best_gap = width, gap
        elif width > DENSE_WIDTHS[family] and gap > best_gap:
            break                                   # n_params grows with the width
    return best


def model_width(model, block_size=None) -> int:
    """The width :func:`build_model` gives ``model``: the MLP's hidden width, the CNN's
    channels, the transformer's ``d_model``, SHFIN's channels.

    Parameters
    ----------
    model : str, one of :data:`MODELS`; block_size : int or None, for the CD models

    Returns
    -------
    int
    """
    check_choice(model, "model", MODELS)
    family = model.partition("_")[0]
    if model == "shfin":
        return SHFIN_SIZES["channels"]
    return matched_width(family, block_size) if model in CD_MODELS else DENSE_WIDTHS[family]


def build_model(model, block_size=None, seed=0):
    """The untrained ``model`` of :data:`MODELS`: ``(N, 40)`` -> 10 logits.

    Parameters
    ----------
    model : str, one of :data:`MODELS`
    block_size : int or None
        Required by the CD models (:data:`CD_MODELS`), whose width is
        :func:`matched_width`; refused by the others.
    seed : int >= 0, initial weights (and SHFIN's mask noise)

    Returns
    -------
    MLP or Classifier or SequenceModel, trainable by :func:`cdnotes.train.train`
    """
    check_choice(model, "model", MODELS)
    seed = check_int(seed, "seed", minimum=0)
    family, _, structure = model.partition("_")
    if model in CD_MODELS:
        if block_size is None:
            raise ValueError(f"model {model!r} needs a block size (e.g. --block-sizes 4)")
        return _build(family, matched_width(family, block_size), block_size, seed)
    if block_size is not None:
        raise ValueError(f"block_size is for the CD models ({', '.join(CD_MODELS)}); got "
                         f"block_size={block_size!r} with model {model!r}")
    if model == "shfin":
        return shfin_classifier(SEQ_LEN, n_classes=N_CLASSES, seed=seed, **SHFIN_SIZES)
    return _build(family, DENSE_WIDTHS[family], None, seed)


def validation_split(y, n_val, seed):
    """Indices of a stratified validation split carved from a training set.

    Parameters
    ----------
    y : integer array ``(N,)``, the training labels
    n_val : int in [1, N - 1], the validation samples (shared out over the classes in
        proportion to their counts, largest remainders first)
    seed : int >= 0

    Returns
    -------
    train_idx, val_idx : int arrays ``(N - n_val,)`` and ``(n_val,)``, disjoint, sorted
    """
    y = np.asarray(y)
    n_val = check_int(n_val, "n_val", minimum=1)
    if n_val >= y.size:
        raise ValueError(f"n_val must be in [1, {y.size - 1}] (fewer than the {y.size} training "
                         f"samples); got {n_val}")
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    classes, counts = np.unique(y, return_counts=True)
    share = counts * n_val / y.size
    take = np.floor(share).astype(int)
    take[np.argsort(-(share - take), kind="stable")[:n_val - take.sum()]] += 1
    val = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:t]
                          for c, t in zip(classes, take)])
    mask = np.zeros(y.size, bool)
    mask[val] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def train_early_stopping(model, data, *, lr, epochs, patience, batch_size=64, seed=0) -> dict:
    """Train ``model`` with Adam one epoch at a time; stop when the validation accuracy has
    not improved for ``patience`` epochs.

    Epoch ``e``'s batch order is seeded with ``SeedSequence([seed, e])``; Adam's moments
    carry over between epochs. A run whose loss turns NaN/inf stops there (``diverged``).

    Parameters
    ----------
    model : a model :func:`build_model` returns (trained in place)
    data : tuple ``(X_train, y_train, X_val, y_val, X_test, y_test)``
        Inputs ``(N, 40)`` float64, labels ``(N,)``.
    lr : float > 0; epochs : int >= 1, the budget; patience : int >= 1
    batch_size : int >= 1; seed : int >= 0

    Returns
    -------
    dict
        ``val_accuracy`` (the best), ``test_accuracy`` (after the best-validation epoch, the
        first if tied: the early-stopped model's), ``best_epoch`` (1-based), ``epochs_run``,
        ``diverged``, ``train_seconds`` (the updates, no evaluation), and per epoch
        ``train_loss``, ``val_curve``, ``test_curve``, ``epoch_seconds``.
    """
    X_train, y_train, X_val, y_val, X_test, y_test = data
    patience = check_int(patience, "patience", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    config = TrainConfig(epochs=1, lr=lr, optimizer="adam", batch_size=batch_size)
    adam = config.make_optimizer()
    out = {"train_loss": [], "val_curve": [], "test_curve": [], "epoch_seconds": []}
    diverged, best, since = False, -1.0, 0
    for epoch in range(check_int(epochs, "epochs", minimum=1)):
        order_seed = int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])
        start = time.perf_counter()
        try:
            history = train(model, X_train, y_train, config=config, seed=order_seed,
                            optimizer=adam)
        except FloatingPointError:
            diverged = True
            break
        out["epoch_seconds"].append(time.perf_counter() - start)
        out["train_loss"].append(history.train_loss[0])
        out["val_curve"].append(accuracy(model, X_val, y_val))
        out["test_curve"].append(accuracy(model, X_test, y_test))
        if out["val_curve"][-1] > best:
            best, since = out["val_curve"][-1], 0
        else:
            since += 1
            if since >= patience:
                break
    curve = out["val_curve"]
    at = int(np.argmax(curve)) if curve else None
    return {"val_accuracy": curve[at] if curve else 0.0,
            "test_accuracy": out["test_curve"][at] if curve else 0.0,
            "best_epoch": None if at is None else at + 1, "epochs_run": len(curve),
            "diverged": diverged, "train_seconds": float(sum(out["epoch_seconds"])), **out}
