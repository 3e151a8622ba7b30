"""Mini-batch SGD with momentum, one seed for everything (paper §VI.1)."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .backend import device_of, namespace_of
from .layers import CDLinear
from .losses import LOSSES
from .regularizers import fisher_penalty_and_grad
from .validation import check_input

__all__ = ["SGD", "TrainConfig", "History", "train", "accuracy"]


class SGD:
    """SGD with (heavy-ball) momentum, PyTorch's convention: ``v ← μ v + g``, ``θ ← θ − η v``."""

    def __init__(self, lr: float = 0.1, momentum: float = 0.9):
        if lr <= 0 or not 0 <= momentum < 1:
            raise ValueError(f"need lr > 0 and 0 <= momentum < 1; got lr={lr}, momentum={momentum}")
        self.lr, self.momentum = lr, momentum
        self.velocity = {}

    def step(self, layers):
        for index, layer in enumerate(layers):
            for name, grad in layer.grads.items():
                v = self.velocity.get((index, name))
                v = grad if v is None else self.momentum * v + grad
                self.velocity[index, name] = v
                layer.params[name] = layer.params[name] - self.lr * v


@dataclass(frozen=True)
class TrainConfig:
    """Training hyper-parameters; defaults are the paper's (25 epochs, SGD 0.1/0.9, batch 64)."""

    epochs: int = 25
    lr: float = 0.1
    momentum: float = 0.9
    batch_size: int = 64
    loss: str = "cross_entropy"
    fisher: float = 0.0            # λ_F of Eq. 8 (the paper's value: 1e-4); 0 disables it
    fisher_eps: float = 1e-4

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {self.loss!r}")
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch_size must be >= 1")


@dataclass
class History:
    """Per-epoch records of one training run."""

    train_loss: list = field(default_factory=list)       # mean mini-batch loss (incl. penalty)
    test_accuracy: list = field(default_factory=list)    # fraction correct after the epoch
    epoch_seconds: list = field(default_factory=list)    # wall time of the epoch's updates

    @property
    def final_test_accuracy(self) -> float:
        return self.test_accuracy[-1]


def accuracy(model, X, y) -> float:
    """Fraction of ``X`` that ``model`` classifies as ``y``."""
    xp = namespace_of(X)
    return float(xp.mean(xp.astype(model.predict(X) == y, xp.float64)))


def train(model, X_train, y_train, X_test=None, y_test=None, *, config: TrainConfig = TrainConfig(),
          seed=0, progress=False) -> History:
    """Train ``model`` in place; returns its :class:`History`.

    Mini-batches are reshuffled every epoch by a generator seeded with ``seed``;
    with the model's own seed this fixes every number of the run.

    Nothing is read back from the device inside an epoch: the loss is summed on the
    device and read once per epoch (so on a GPU the step runs without synchronising).

    Raises
    ------
    FloatingPointError
        If the epoch's loss is NaN or infinite (with the epoch where it happened).
    """
    xp = namespace_of(X_train)
    check_input(xp, X_train, model.n_in, "X_train")
    if y_train.shape != (X_train.shape[0],):
        raise ValueError(f"y_train must have shape ({X_train.shape[0]},); got {tuple(y_train.shape)}")
    loss_fn = LOSSES[config.loss]
    optimizer = SGD(config.lr, config.momentum)
    rng = np.random.default_rng(seed)
    layers = model.linear_layers
    cd_layers = [layer for layer in layers if isinstance(layer, CDLinear)]
    N = X_train.shape[0]
    history = History()
    epochs = range(config.epochs)
    if progress:
        from tqdm.auto import tqdm
        epochs = tqdm(epochs, desc="epochs", leave=False)
    for epoch in epochs:
        model.train()
        order = xp.asarray(rng.permutation(N), device=device_of(X_train))
        total = xp.zeros((), dtype=X_train.dtype, device=device_of(X_train))
        start = time.perf_counter()
        for first in range(0, N, config.batch_size):
            idx = order[first:first + config.batch_size]
            Xb, yb = xp.take(X_train, idx, axis=0), xp.take(y_train, idx, axis=0)
            loss, dlogits = loss_fn(model.forward_2d(xp, Xb), yb)
            model.backward(dlogits)
            if config.fisher:
                for layer in cd_layers:
                    penalty, grad = fisher_penalty_and_grad(layer.C, config.fisher_eps)
                    loss += config.fisher * penalty
                    layer.grads["C"] = layer.grads["C"] + config.fisher * grad
            optimizer.step(layers)
            total = total + loss * Xb.shape[0]
        mean_loss = float(total) / N                      # the epoch's one read-back
        history.epoch_seconds.append(time.perf_counter() - start)
        if not math.isfinite(mean_loss):
            raise FloatingPointError(f"training diverged: mean loss {mean_loss} in epoch {epoch}")
        history.train_loss.append(mean_loss)
        if X_test is not None:
            history.test_accuracy.append(accuracy(model, X_test, y_test))
    model.eval()
    return history
