"""One fine-tuning run (:func:`run_finetune`) and the sweep's ``run_job``."""
from __future__ import annotations

import time

from .protocol import build_regime, finetune_data, pretrained

__all__ = ["run_finetune", "run_job"]

ADAM_STATE = 3
"""Arrays per trainable parameter in Adam's state: the parameter, its two moments."""


def run_finetune(job: dict, settings: dict) -> dict:
    """Pretrain (cached) ``job["base"]``, prepare ``job["regime"]``, fine-tune by the protocol.

    Parameters
    ----------
    job : dict ``{"base", "regime", "size", "lr", "seed"}``
    settings : dict ``{"pretrain_lr", "pretrain_epochs", "pretrain_seed", "epochs",
        "patience", "batch_size", "n_train", "n_val", "data_seed"}``

    Returns
    -------
    dict
        ``base``, ``kind`` (the regime), ``size``, ``seed``, ``lr``, ``trainable_params``,
        ``state_bytes`` (float64 parameters and Adam's two moments), ``seconds_per_epoch``,
        ``pretrain`` (the pretraining record), ``zero_shot_accuracy`` (the pretrained model on
        the shifted test set), and :func:`~cdnotes.experiments.architectures.
        train_early_stopping`'s record (``val_accuracy``, ``test_accuracy``, ...).
    """
    from ...train import accuracy
    from ..architectures.protocol import train_early_stopping

    start = time.perf_counter()
    net, record = pretrained(job["base"], lr=settings["pretrain_lr"],
                             epochs=settings["pretrain_epochs"],
                             patience=settings["patience"], seed=settings["pretrain_seed"])
    data = finetune_data(settings["n_train"], settings["n_val"], settings["data_seed"])
    zero_shot = float(accuracy(net, data[4], data[5]))
    model = build_regime(net, job["base"], job["regime"], job["size"], seed=job["seed"])
    result = train_early_stopping(model, data, lr=job["lr"], epochs=settings["epochs"],
                                  patience=settings["patience"],
                                  batch_size=settings["batch_size"], seed=job["seed"])
    epochs = max(len(result["epoch_seconds"]), 1)
    return {"base": job["base"], "kind": job["regime"], "size": job["size"],
            "seed": int(job["seed"]), "lr": float(job["lr"]),
            "trainable_params": int(model.n_params),
            "state_bytes": int(ADAM_STATE * 8 * model.n_params),
            "seconds_per_epoch": result["train_seconds"] / epochs,
            "pretrain": record, "zero_shot_accuracy": zero_shot, **result,
            "seconds": time.perf_counter() - start}


def run_job(job: dict, settings: dict) -> dict:
    """The ``adapters`` sweep's ``run_job``: :func:`run_finetune` with one BLAS thread.

    Parameters
    ----------
    job, settings : dict, as for :func:`run_finetune`

    Returns
    -------
    dict, the record
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return run_finetune(job, settings)
