"""One run of the fair comparison (:func:`run_architecture`) and :func:`run_job`, the
``run_job`` of the ``architectures`` sweep (:class:`cdnotes.engine.Sweep`)."""
from __future__ import annotations

import time

from ...data import load_dataset
from .protocol import (CD_MODELS, build_model, model_width, train_early_stopping,
                       validation_split)

__all__ = ["run_architecture", "run_job", "protocol_data"]

_DATA: dict = {}


def protocol_data(n_val, val_seed, n_train=None):
    """MNIST-1D split as the protocol trains on it.

    Parameters
    ----------
    n_val : int >= 1, validation samples carved (stratified) from the 4000 training ones
    val_seed : int >= 0, the carving's seed (the same split for every model and seed)
    n_train : int >= 1 or None
        Keep only the first ``n_train`` of the remaining training samples (a smoke run);
        ``None`` keeps all ``4000 - n_val``.

    Returns
    -------
    tuple ``(X_train, y_train, X_val, y_val, X_test, y_test)``: inputs ``(N, 40)`` float64,
    labels ``(N,)`` int64; the test set is MNIST-1D's 1000 test sequences
    """
    key = (n_val, val_seed, n_train)
    if key not in _DATA:
        X, X_test, y, y_test = load_dataset("mnist1d")
        train_idx, val_idx = validation_split(y, n_val, val_seed)
        if n_train is not None:
            if n_train > train_idx.size:
                raise ValueError(f"n_train must be at most {train_idx.size} (4000 - n_val); "
                                 f"got {n_train}")
            train_idx = train_idx[:n_train]
        _DATA[key] = (X[train_idx], y[train_idx], X[val_idx], y[val_idx], X_test, y_test)
    return _DATA[key]


def run_architecture(model, block_size, lr, seed, data, *, epochs, patience,
                     batch_size=64) -> dict:
    """Build ``model`` with ``seed`` and train it by the protocol; a JSON-ready record.

    Parameters
    ----------
    model : str, a name of :data:`~.protocol.MODELS`
    block_size : int or None, for the CD models
    lr : float > 0, Adam's rate
    seed : int >= 0, initial weights and batch order
    data : tuple of :func:`protocol_data`
    epochs, patience, batch_size : int >= 1

    Returns
    -------
    dict
        ``model``, ``structure`` ("dense" or "cd"), ``block_size``, ``seed``, ``lr``,
        ``n_params``, ``width`` (:func:`~.protocol.model_width`), ``architecture`` (the
        model's description), and
        :func:`~.protocol.train_early_stopping`'s record (``val_accuracy``,
        ``test_accuracy`` at the best-validation epoch, ``epochs_run``, ``train_seconds``,
        the per-epoch curves, ...), and ``seconds``, the job's wall time (building, training
        and the per-epoch evaluations).
    """
    start = time.perf_counter()
    net = build_model(model, block_size, seed)
    result = train_early_stopping(net, data, lr=lr, epochs=epochs, patience=patience,
                                  batch_size=batch_size, seed=seed)
    return {"model": model, "structure": "cd" if model in CD_MODELS else "dense",
            "block_size": block_size, "seed": int(seed), "lr": float(lr),
            "n_params": int(net.n_params), "width": model_width(model, block_size),
            "architecture": getattr(net, "name", model),
            **result, "seconds": time.perf_counter() - start}


def run_job(job: dict, settings: dict) -> dict:
    """One job of the ``architectures`` sweep: :func:`run_architecture`, with one BLAS
    thread (the engine's workers get their share of threads; this also holds for
    ``--jobs 1``, which runs the jobs in the calling process).

    Parameters
    ----------
    job : dict ``{"model", "block_size", "lr", "seed"}``
    settings : dict ``{"epochs", "patience", "batch_size", "n_val", "val_seed", "n_train"}``

    Returns
    -------
    dict, the run's record
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        data = protocol_data(settings["n_val"], settings["val_seed"], settings["n_train"])
        return run_architecture(job["model"], job["block_size"], job["lr"], job["seed"], data,
                                epochs=settings["epochs"], patience=settings["patience"],
                                batch_size=settings["batch_size"])
