"""What the conditioning-and-training experiment runs: data sets, models, rate grids,
thresholds, K-FAC's settings, and each model's widths (:func:`model_spec`)."""
from __future__ import annotations

import math

import numpy as np

from ...mlp import PAPER_MODELS, make_mlp
from ...validation import check_choice

__all__ = ["DATASETS", "MODELS", "THRESHOLDS", "SGD_RATES", "ADAM_RATES", "KFAC_RATES",
           "WHITENED_RATES", "STALL_EPOCHS", "KFAC_OPTIONS", "MOMENTUM", "BATCH_SIZE",
           "CHANCE_LOSS", "EPOCHS", "SHARPNESS_RATES", "SHARPNESS_SAMPLES", "WHITENINGS",
           "model_spec", "make_model"]

DATASETS = ("digits", "mnist1d")
MODELS = ("dense", "cd4", "cd8")
THRESHOLDS = {"digits": 0.1, "mnist1d": 1.3}
"""Training-loss thresholds (mean mini-batch cross-entropy of an epoch), set from a one-seed
pilot so that most (model, optimizer) cells reach them within the epoch budget."""
SGD_RATES = tuple(float(f"{v:.3g}") for v in 10 ** np.linspace(-2.5, 0, 6))
ADAM_RATES = tuple(float(f"{v:.3g}") for v in 10 ** np.linspace(-3.5, -1, 6))
KFAC_RATES = (0.001, 0.003, 0.01, 0.03)
WHITENED_RATES = tuple(float(f"{v:.3g}") for v in 10 ** np.linspace(-2, 0, 5))
STALL_EPOCHS = 3
"""A run whose epoch loss is still at or above chance (``log 10``) after this many epochs is
stopped there (it counts as unstable: it ends above chance)."""
KFAC_OPTIONS = {"damping": 1e-2, "update_every": 10, "decay": 0.95, "stats_batch": 256,
                "kl_clip": 1e-3, "momentum": 0.9}
"""K-FAC's settings (fixed damping; with KL clipping the step is ``min(η, sqrt(κ/(D·g)))·D``,
so above some rate the clip, not ``η``, sets it)."""
MOMENTUM = 0.9
BATCH_SIZE = 64
CHANCE_LOSS = math.log(10)
EPOCHS = {"digits": 15, "mnist1d": 12}
"""Epochs per data set (the defaults of ``--epochs-digits`` / ``--epochs-mnist1d``)."""
SHARPNESS_RATES = (0.0316, 0.1, 0.316)
"""SGD rates whose Gauss-Newton ``λ_max`` is tracked every epoch."""
SHARPNESS_SAMPLES = 512
"""Training inputs the Gauss-Newton ``λ_max`` is computed on."""
WHITENINGS = ("zca", "spectral-block")
"""The input whitenings SGD runs on (``"spectral-block"`` only for CD models)."""


def model_spec(dataset: str, model: str):
    """Widths and block size of a model on a data set.

    Parameters
    ----------
    dataset : {"digits", "mnist1d"}
    model : {"dense", "cd4", "cd8"}

    Returns
    -------
    widths : tuple of int
        The paper's widths, with 40 inputs on MNIST-1D.
    block_size : int or None
    """
    check_choice(dataset, "dataset", DATASETS)
    check_choice(model, "model", MODELS)
    widths, block_size = PAPER_MODELS[model]
    if dataset == "mnist1d":
        widths = (40,) + tuple(widths[1:])
    return tuple(widths), block_size


def make_model(dataset: str, model: str, seed: int):
    """The model of :func:`model_spec`, seeded, with 10 classes.

    Parameters
    ----------
    dataset, model : str; seed : int

    Returns
    -------
    :class:`~cdnotes.mlp.MLP`
    """
    widths, block_size = model_spec(dataset, model)
    return make_mlp(widths, block_size, n_classes=10, seed=seed)
