"""One seeded training run of an SHFIN-experiment model (:func:`run_variant`) and
:func:`run_job`, the ``run_job`` of the ``shfin`` sweep (:class:`cdnotes.engine.Sweep`)."""
from __future__ import annotations

import time

from ...data import load_dataset
from ...train import TrainConfig, train
from .config import make_variant

__all__ = ["run_variant", "run_job"]


def run_variant(name, seed, data, *, config: TrainConfig) -> dict:
    """Train variant ``name`` with ``seed`` on MNIST-1D; a JSON-ready record.

    Parameters
    ----------
    name : str
        A key of :data:`VARIANTS`.
    seed : int
        Initial weights, mask noise and batch order.
    data : tuple
        ``(X_train, X_test, y_train, y_test)`` of :func:`cdnotes.data.load_mnist1d`.
    config : TrainConfig

    Returns
    -------
    dict
        ``variant``, ``seed``, ``n_params``, ``test_accuracy`` (per epoch), ``final_accuracy``,
        ``train_loss`` (per epoch), ``seconds``, and for SHFIN with learned masks
        ``retained`` (per block, per level, the kept frequency bins) and ``patch_sizes``.
    """
    X_train, X_test, y_train, y_test = data
    model = make_variant(name, seed)
    start = time.perf_counter()
    history = train(model, X_train, y_train, X_test, y_test, config=config, seed=seed)
    record = {"variant": name, "seed": int(seed), "n_params": int(model.n_params),
              "test_accuracy": [float(a) for a in history.test_accuracy],
              "final_accuracy": float(history.test_accuracy[-1]),
              "train_loss": [float(v) for v in history.train_loss],
              "seconds": time.perf_counter() - start}
    blocks = [layer for layer in model.layers if hasattr(layer, "retained_frequencies")]
    if blocks and blocks[0].mask == "learned":
        record["patch_sizes"] = list(blocks[0].patch_sizes)
        record["retained"] = [[r.tolist() for r in b.retained_frequencies()] for b in blocks]
    return record


_DATA: dict = {}


def run_job(job: dict, settings: dict) -> dict:
    """One job of the ``shfin`` sweep: :func:`run_variant`, with one BLAS thread.

    Parameters
    ----------
    job : dict ``{"variant", "seed"}``
    settings : dict ``{"train": {"epochs", "lr", "optimizer", "batch_size"}, …}``

    Returns
    -------
    dict, the run's record
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        if "mnist1d" not in _DATA:
            _DATA["mnist1d"] = load_dataset("mnist1d")
        return run_variant(job["variant"], job["seed"], _DATA["mnist1d"],
                           config=TrainConfig(**settings["train"]))
