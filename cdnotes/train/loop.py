"""The training loop: mini-batches, one seed for everything (paper §VI.1: SGD with momentum)."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..backend import device_of, namespace_of
from ..validation import (check_array, check_choice, check_input, check_int,
                          check_labels, check_real, check_same_dtype, check_same_library,
                          check_seed)
from .losses import LOSS_KERNELS, LOSSES
from .optimizers import OPTIMIZERS, make_optimizer
from .regularizers import fisher_penalty_and_grad

__all__ = ["TrainConfig", "History", "train", "accuracy"]


@dataclass(frozen=True)
class TrainConfig:
    """Training hyper-parameters; defaults are the paper's (25 epochs, SGD 0.1/0.9, batch 64).

    Every field is validated when the config is created (a ``TypeError``/``ValueError``
    naming the field).

    Attributes
    ----------
    epochs : int >= 1
    lr : float > 0
    momentum : float in [0, 1)
        SGD only.
    batch_size : int >= 1
    loss : {"cross_entropy", "squared_error"}
    fisher : float >= 0
        ``λ_F`` of Eq. 8 (the paper's value: 1e-4); 0 disables the penalty.
    fisher_eps : float > 0
        ``ε`` of the penalty (not given by the paper).
    optimizer : {"sgd", "adam", "adamax"}
        See :func:`~cdnotes.train.make_optimizer`.
    beta1, beta2 : float in [0, 1); eps : float > 0
        Adam and AdaMax only (Kingma & Ba's defaults).
    """

    epochs: int = 25
    lr: float = 0.1
    momentum: float = 0.9
    batch_size: int = 64
    loss: str = "cross_entropy"
    fisher: float = 0.0            # λ_F of Eq. 8 (the paper's value: 1e-4); 0 disables it
    fisher_eps: float = 1e-4
    optimizer: str = "sgd"
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def __post_init__(self):
        check_int(self.epochs, "epochs", minimum=1)
        check_int(self.batch_size, "batch_size", minimum=1)
        check_real(self.lr, "lr", low=0.0, low_open=True)
        check_real(self.momentum, "momentum", low=0.0, high=1.0, high_open=True)
        check_choice(self.loss, "loss", LOSSES)
        check_real(self.fisher, "fisher", low=0.0)
        check_real(self.fisher_eps, "fisher_eps", low=0.0, low_open=True)
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        check_real(self.beta1, "beta1", low=0.0, high=1.0, high_open=True)
        check_real(self.beta2, "beta2", low=0.0, high=1.0, high_open=True)
        check_real(self.eps, "eps", low=0.0, low_open=True)

    def make_optimizer(self):
        """A fresh optimizer with this configuration's settings.

        Returns
        -------
        SGD or Adam or AdaMax
        """
        return make_optimizer(self.optimizer, lr=self.lr, momentum=self.momentum,
                              beta1=self.beta1, beta2=self.beta2, eps=self.eps)


@dataclass
class History:
    """Per-epoch records of one training run.

    Attributes
    ----------
    train_loss : list of float
        Mean mini-batch loss of each epoch (including the penalty).
    test_accuracy : list of float
        Fraction correct after each epoch (empty without test data).
    epoch_seconds : list of float
        Wall time of each epoch's updates (forward, backward, step; no evaluation).
    """

    train_loss: list = field(default_factory=list)       # mean mini-batch loss (incl. penalty)
    test_accuracy: list = field(default_factory=list)    # fraction correct after the epoch
    epoch_seconds: list = field(default_factory=list)    # wall time of the epoch's updates

    @property
    def final_test_accuracy(self) -> float:
        return self.test_accuracy[-1]


def accuracy(model, X, y) -> float:
    """Fraction of ``X`` that ``model`` classifies as ``y``.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
    X : array ``(N, n_in)``; y : integer array ``(N,)``

    Returns
    -------
    float in [0, 1]
    """
    check_array(X, "X")
    check_array(y, "y")
    _check_model(model)
    check_same_library(X=X, y=y, **{"the model": _a_parameter(model)})
    predicted = model.predict(X)                   # checks X
    xp = namespace_of(X, y)
    check_labels(xp, y, X.shape[0], model.n_classes, "y")
    return float(xp.mean(xp.astype(predicted == y, xp.float64)))


_MODEL_PARTS = ("n_in", "n_classes", "linear_layers", "forward_2d", "backward_2d", "predict",
                "train", "eval")


def _check_model(model):
    """``model`` must be a cdnotes model (an MLP), not a bare layer, a class or anything else."""
    missing = [part for part in _MODEL_PARTS if not hasattr(model, part)]
    if isinstance(model, type) or missing:
        what = f"the class {model.__name__}" if isinstance(model, type) else type(model).__name__
        hint = (" Wrap a single layer in a model: MLP([layer]) (cdnotes.mlp.MLP), or build one "
                "with make_mlp(widths)" if hasattr(model, "params") and hasattr(model, "n_in")
                else "")
        raise TypeError(f"model must be a cdnotes model (cdnotes.mlp.MLP, e.g. from make_mlp) "
                        f"with {', '.join(_MODEL_PARTS)}; got {what}, which lacks "
                        f"{', '.join(missing) or 'an instance'}.{hint}")
    if not model.linear_layers:
        raise ValueError("model has no linear layer to train")
    return model


def _a_parameter(model):
    """One parameter array of ``model``: its array library and dtype (``None`` if none)."""
    return next((p for layer in model.linear_layers for p in layer.params.values()), None)


def _check_2d(X, model, name):
    if X.ndim != 2:
        raise ValueError(f"{name} must have shape (N, n_in) = (N, {model.n_in}), one row per "
                         f"sample; got {X.ndim} dimension(s), shape {tuple(X.shape)}. Flatten "
                         f"each sample first, e.g. {name}.reshape(N, -1)")


def _optimizer(optimizer, config):
    """The optimizer ``train`` steps: ``config``'s, or the given instance."""
    if optimizer is None:
        return config.make_optimizer()
    names = ", ".join(map(repr, OPTIMIZERS))
    if isinstance(optimizer, type):
        raise TypeError(f"optimizer must be an optimizer instance with a step(layers) method, "
                        f"or None; got the class {optimizer.__name__}: create one first, e.g. "
                        f"optimizer={optimizer.__name__}(lr=1e-3), or choose by name with "
                        f"TrainConfig(optimizer=...) ({names})")
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must be an optimizer instance with a step(layers) method "
                        f"(e.g. Adam(lr=1e-3)) or None; got {type(optimizer).__name__}"
                        + (f". To choose by name use TrainConfig(optimizer={optimizer!r}) "
                           f"({names})" if isinstance(optimizer, str) else ""))
    return optimizer


def train(model, X_train, y_train, X_test=None, y_test=None, *, config: TrainConfig = TrainConfig(),
          seed=0, progress=False, optimizer=None) -> History:
    """Train ``model`` in place.

    Mini-batches are reshuffled every epoch by a generator seeded with ``seed``;
    with the model's own seed this fixes every number of the run.

    Nothing is read back from the device inside an epoch: the loss is summed on the
    device and read once per epoch (so on a GPU the step runs without synchronising).

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
        Any model whose ``linear_layers`` implement :class:`cdnotes.layers.Linear` (a bare
        layer is refused: wrap it, ``MLP([layer])``).
    X_train : array ``(N, n_in)``; y_train : integer array ``(N,)`` in ``[0, n_classes)``
        The model's array library and dtype: the model keeps its dtype, so float64 data
        for a float32 model (or the reverse) is refused (``TypeError``), as in
        :meth:`~cdnotes.mlp.MLP.forward`; cast one of them first.
    X_test, y_test : optional, the same for the per-epoch test accuracy
    config : TrainConfig
    seed : int
        Batch order.
    progress : bool
        Show a ``tqdm`` progress bar over epochs.
    optimizer : object with ``step(layers)``, optional
        Replaces ``config.make_optimizer()`` (e.g. a preconditioned optimizer; a class or a
        name is refused: names go in ``TrainConfig(optimizer=...)``). It is called
        after each mini-batch's backward pass, when every layer's ``grads`` hold the batch's
        gradient and the layers still hold their cached inputs.

    Returns
    -------
    History

    Raises
    ------
    FloatingPointError
        If the epoch's loss is NaN or infinite (with the epoch where it happened).
    """
    check_array(X_train, "X_train")
    check_array(y_train, "y_train")
    check_seed(seed)
    _check_model(model)
    if (X_test is None) != (y_test is None):
        raise ValueError("give both X_test and y_test, or neither")
    if X_test is not None:
        check_array(X_test, "X_test")
        check_array(y_test, "y_test")
    like = _a_parameter(model)
    check_same_library(X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test,
                       **{"the model": like})
    xp = namespace_of(X_train)
    for X, y, part in ((X_train, y_train, "train"), (X_test, y_test, "test")):
        if X is None:
            continue
        _check_2d(X, model, f"X_{part}")
        check_input(xp, X, model.n_in, f"X_{part}")
        check_labels(xp, y, X.shape[0], model.n_classes, f"y_{part}")
    check_same_dtype(X_train=X_train, X_test=X_test, **{"the model": like})
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}")
    loss_fn = LOSS_KERNELS[config.loss]
    optimizer = _optimizer(optimizer, config)
    rng = np.random.default_rng(seed)
    layers = model.linear_layers
    circulant = [(layer, layer.circulant_param) for layer in layers
                 if layer.circulant_param is not None]
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
            idx = order[first:min(first + config.batch_size, N)]   # strict: no overrun
            Xb, yb = xp.take(X_train, idx, axis=0), xp.take(y_train, idx, axis=0)
            loss, dlogits = loss_fn(xp, model.forward_2d(xp, Xb), yb)
            model.backward_2d(xp, dlogits)
            if config.fisher:
                for layer, name in circulant:
                    penalty, grad = fisher_penalty_and_grad(layer.params[name], config.fisher_eps)
                    loss += config.fisher * penalty
                    layer.grads[name] = layer.grads[name] + config.fisher * grad
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
