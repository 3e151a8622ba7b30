"""One training run of the conditioning experiment (:func:`run_training`, a
:class:`TrainingRun`), the Gauss-Newton ``λ_max`` (:func:`gauss_newton_lambda_max`), and
:func:`run_job`, the ``run_job`` of the ``lr-sweep`` sweep (:class:`cdnotes.engine.Sweep`)."""
from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np

from ...benchmarking import blas_threads
from ...data import load_dataset
from ...train import TrainConfig, train
from ...train.kfac import KFAC
from ...validation import check_choice, check_int, check_real
from ...whitening import make_whitener
from .config import (BATCH_SIZE, CHANCE_LOSS, KFAC_OPTIONS, MOMENTUM, SHARPNESS_SAMPLES,
                     STALL_EPOCHS, make_model, model_spec)

__all__ = ["gauss_newton_lambda_max", "TrainingRun", "run_training", "run_job"]


def gauss_newton_lambda_max(model, X, y, *, n_steps: int = 20, seed: int = 0) -> float:
    """Largest eigenvalue of the Gauss-Newton matrix of the mean cross-entropy on ``(X, y)``.

    Lanczos (:func:`cdnotes.curvature.lanczos`) with exact Gauss-Newton-vector products.

    Parameters
    ----------
    model : MLP; X : ``(N, n_in)``; y : ``(N,)``
    n_steps : int
        Lanczos steps (the top Ritz value converges first).
    seed : int

    Returns
    -------
    float
    """
    from ...curvature import CurvatureProducts, lanczos

    products = CurvatureProducts(model, X, y)
    return float(lanczos(products.matvec("gauss_newton"), model.n_params, n_steps=n_steps,
                         seed=seed)[-1])


@dataclass
class TrainingRun:
    """One training run.

    Attributes
    ----------
    dataset, model, optimizer, whitening : str
        ``optimizer`` in {"sgd", "adam", "kfac"}; ``whitening`` a
        :data:`cdnotes.whitening.WHITENING_NAMES` name.
    lr : float; seed : int
    steps_per_epoch : int
    train_loss : list of float
        Mean mini-batch loss of each completed epoch.
    test_accuracy : list of float
    epoch_seconds : list of float
        Wall time of each epoch's updates (the optimizer's own work included).
    diverged : bool
        The loss became NaN or infinite (the epochs after it are missing).
    sharpness : list of float
        Gauss-Newton ``λ_max`` before training and after every epoch (empty unless tracked).
    """

    dataset: str
    model: str
    optimizer: str
    whitening: str
    lr: float
    seed: int
    steps_per_epoch: int
    train_loss: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)
    epoch_seconds: list = field(default_factory=list)
    diverged: bool = False
    sharpness: list = field(default_factory=list)

    @property
    def final_loss(self) -> float:
        """The last epoch's training loss (``inf`` if diverged)."""
        return math.inf if self.diverged or not self.train_loss else self.train_loss[-1]

    @property
    def final_accuracy(self) -> float:
        """Test accuracy after the last epoch (0.1, chance, if diverged)."""
        return 0.1 if self.diverged or not self.test_accuracy else self.test_accuracy[-1]

    @property
    def stable(self) -> bool:
        """Finite throughout and ending below chance-level loss."""
        return not self.diverged and self.final_loss < CHANCE_LOSS

    def epochs_to(self, threshold: float) -> float:
        """Epochs until the epoch loss is at most ``threshold`` (``inf`` if never)."""
        for epoch, loss in enumerate(self.train_loss, start=1):
            if loss <= threshold:
                return float(epoch)
        return math.inf

    def steps_to(self, threshold: float) -> float:
        """Mini-batch steps until the end of the first epoch with loss <= ``threshold``."""
        return self.epochs_to(threshold) * self.steps_per_epoch

    def seconds_to(self, threshold: float) -> float:
        """Training seconds until then (``inf`` if never)."""
        epochs = self.epochs_to(threshold)
        return math.inf if math.isinf(epochs) else float(sum(self.epoch_seconds[:int(epochs)]))


def _whiten(whitening, block_size, X_train, X_test):
    """Fit a whitener on the training inputs; apply it to both sets."""
    whitener = make_whitener(whitening, block_size or 1)
    if whitener is None:
        return X_train, X_test
    whitener.fit(X_train)
    return whitener.transform(X_train), whitener.transform(X_test)


def run_training(dataset, model, optimizer, lr, seed, *, epochs, whitening="none", data=None,
                 track_sharpness=False, sharpness_samples=SHARPNESS_SAMPLES,
                 kfac_options=None) -> TrainingRun:
    """Train one model; record losses, accuracies, seconds (and sharpness) per epoch.

    Parameters
    ----------
    dataset : {"digits", "mnist1d"}
    model : {"dense", "cd4", "cd8"}
    optimizer : {"sgd", "adam", "kfac"}
        SGD with momentum 0.9, Adam (Kingma & Ba defaults), or
        :class:`~cdnotes.train.kfac.KFAC` with :data:`KFAC_OPTIONS`.
    lr : float > 0
    seed : int
        Initial weights, batch order, K-FAC's statistics.
    epochs : int >= 1
    whitening : str
        A :func:`cdnotes.whitening.make_whitener` name, fitted on the training inputs
        (spectral whiteners use the model's block size).
    data : tuple, optional
        ``(X_train, X_test, y_train, y_test)``; default :func:`load_dataset`.
    track_sharpness : bool
        Record the Gauss-Newton ``λ_max`` on the first ``sharpness_samples`` training inputs
        before training and after every epoch.
    sharpness_samples : int
    kfac_options : dict, optional
        Overrides of :data:`KFAC_OPTIONS`.

    Returns
    -------
    TrainingRun
    """
    check_choice(optimizer, "optimizer", ("sgd", "adam", "kfac"))
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    epochs = check_int(epochs, "epochs", minimum=1)
    X_train, X_test, y_train, y_test = load_dataset(dataset) if data is None else data
    net = make_model(dataset, model, seed)
    _, block_size = model_spec(dataset, model)
    X_train, X_test = _whiten(whitening, block_size, X_train, X_test)
    steps = -(-X_train.shape[0] // BATCH_SIZE)
    record = TrainingRun(dataset, model, optimizer, whitening, lr, seed, steps)
    config = TrainConfig(epochs=1, lr=lr, momentum=MOMENTUM, batch_size=BATCH_SIZE,
                         optimizer="adam" if optimizer == "adam" else "sgd")
    if optimizer == "kfac":
        opt = KFAC(net, X_train, lr=lr, seed=seed, **{**KFAC_OPTIONS, **(kfac_options or {})})
    else:
        opt = config.make_optimizer()
    probe = (X_train[:sharpness_samples], y_train[:sharpness_samples])
    if track_sharpness:
        record.sharpness.append(gauss_newton_lambda_max(net, *probe, seed=seed))
    for epoch in range(epochs):
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                h = train(net, X_train, y_train, X_test, y_test, config=config,
                          seed=1000 * seed + epoch, optimizer=opt)
        except (FloatingPointError, np.linalg.LinAlgError):
            record.diverged = True
            break
        if not all(np.isfinite(p).all() for layer in net.linear_layers
                   for p in layer.params.values()):
            record.diverged = True
            break
        record.train_loss.append(h.train_loss[0])
        record.test_accuracy.append(h.test_accuracy[0])
        record.epoch_seconds.append(h.epoch_seconds[0])
        if track_sharpness:
            record.sharpness.append(gauss_newton_lambda_max(net, *probe, seed=seed))
        if epoch + 1 >= STALL_EPOCHS and h.train_loss[0] >= CHANCE_LOSS:
            break                                   # stalled at chance: stop (unstable)
    return record


_DATA: dict = {}


def run_job(job: dict, settings: dict) -> dict:
    """One job of the ``lr-sweep`` sweep, with ``settings["threads"]`` BLAS threads.

    Parameters
    ----------
    job : dict
        ``{"kind": "lambda_max_init", "dataset", "model", "seed"}`` (the Gauss-Newton
        ``λ_max`` of the initial model on the first ``sharpness_samples`` training inputs)
        or ``{"kind": "run", "dataset", "model", "optimizer", "lr", "seed", "whitening",
        "track_sharpness"}`` (:func:`run_training`).
    settings : dict
        ``epochs`` (per data set), ``lanczos_steps``, ``sharpness_samples``,
        ``kfac_options``, ``threads``.

    Returns
    -------
    dict: ``{"dataset", "model", "seed", "lambda_max"}``, or the run's
    :class:`TrainingRun` as a dict
    """
    kind = check_choice(job.get("kind"), "job kind", ("lambda_max_init", "run"))
    dataset, model, seed = job["dataset"], job["model"], job["seed"]
    with blas_threads(settings["threads"]):
        if dataset not in _DATA:
            _DATA[dataset] = load_dataset(dataset)
        data = _DATA[dataset]
        samples = settings["sharpness_samples"]
        if kind == "lambda_max_init":
            lam = gauss_newton_lambda_max(make_model(dataset, model, seed), data[0][:samples],
                                          data[2][:samples], n_steps=settings["lanczos_steps"],
                                          seed=seed)
            return {"dataset": dataset, "model": model, "seed": seed, "lambda_max": lam}
        run = run_training(dataset, model, job["optimizer"], job["lr"], seed,
                           epochs=settings["epochs"][dataset], whitening=job["whitening"],
                           data=data, track_sharpness=job["track_sharpness"],
                           sharpness_samples=samples, kfac_options=settings["kfac_options"])
    return asdict(run)
