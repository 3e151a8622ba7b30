"""The digits experiment of the paper (§VI): one function per unit of work, all seeded."""
from __future__ import annotations

from dataclasses import asdict

import numpy as np

from ..curvature import dead_units, last_layer_spectrum, paper_kappa_readings
from ..data import digits_split
from ..mlp import PAPER_MODELS, paper_model
from ..train import TrainConfig, train

__all__ = ["run_digits", "run_table1", "PAPER_TABLE1"]

PAPER_TABLE1 = {  # the paper's Table 1: test accuracy (%) mean ± std over seeds {0, 1, 2}, and κ
    "dense": {"n_params": 8970, "accuracy": 98.15, "accuracy_std": 0.47, "kappa": 5.9e6},
    "cd4": {"n_params": 2380, "accuracy": 97.50, "accuracy_std": 0.23, "kappa": 1.9e4},
    "cd8": {"n_params": 1296, "accuracy": 96.39, "accuracy_std": None, "kappa": 5.1e2},
}


def run_digits(model_name: str, seed: int, *, config: TrainConfig = TrainConfig(), dropout=0.0,
               split_seed: int = 0, curvature: bool = True, data=None) -> dict:
    """Train one paper model on the digits split and return one JSON-ready record.

    ``seed`` fixes the initial weights, the dropout masks and the batch order;
    ``split_seed`` fixes the 1437/360 split. Keys: model, seed, split_seed, n_params,
    test_accuracy (per epoch), final_test_accuracy, train_loss, epoch_seconds and,
    if ``curvature``, kappa (the paper's readings and the exact last-layer Hessian).
    """
    X_train, X_test, y_train, y_test = digits_split(split_seed) if data is None else data
    model = paper_model(model_name, seed=seed, dropout=dropout)
    history = train(model, X_train, y_train, X_test, y_test, config=config, seed=seed)
    record = {"model": model_name, "seed": seed, "split_seed": split_seed,
              "n_params": model.n_params, "dropout": dropout, "config": asdict(config),
              "test_accuracy": history.test_accuracy,
              "final_test_accuracy": history.final_test_accuracy,
              "train_loss": history.train_loss, "epoch_seconds": history.epoch_seconds}
    if curvature:
        ev, cond = last_layer_spectrum(model, X_train)
        record["kappa"] = {
            **paper_kappa_readings(model, X_train),
            "last_layer_hessian": {"kappa_nonzero": cond.kappa_nonzero, "n_zero": cond.n_zero,
                                   "n": cond.n, "lambda_max": cond.lambda_max,
                                   "lambda_min_nonzero": cond.lambda_min_nonzero,
                                   "zero_threshold": cond.zero_threshold},
            "dead_units": dead_units(model, X_train),
        }
        record["last_layer_eigenvalues"] = ev
    return record


def run_table1(models=tuple(PAPER_MODELS), seeds=(0, 1, 2), *, config: TrainConfig = TrainConfig(),
               dropout=0.0, split_seed: int = 0, curvature=True, progress=False) -> list:
    """:func:`run_digits` for every (model, seed).

    Parameters
    ----------
    models : iterable of names of :data:`cdnotes.mlp.PAPER_MODELS`
    seeds : iterable of int
    config, dropout, split_seed, curvature
        As for :func:`run_digits`.
    progress : bool or None
        ``True`` shows a progress bar.

    Returns
    -------
    list of dict (records of :func:`run_digits`)
    """
    data = digits_split(split_seed)
    runs = [(m, s) for m in models for s in seeds]
    if progress is not False:
        from tqdm.auto import tqdm
        runs = tqdm(runs, desc="training", disable=progress is None)
    return [run_digits(m, s, config=config, dropout=dropout, split_seed=split_seed,
                       curvature=curvature, data=data) for m, s in runs]


def summarize(records) -> dict:
    """Mean, std (ddof=1) and count of the final test accuracy (%) per model.

    Parameters
    ----------
    records : list of dict (from :func:`run_digits`)

    Returns
    -------
    dict ``{model: {"mean", "std", "n"}}``
    """
    out = {}
    for name in dict.fromkeys(r["model"] for r in records):
        acc = 100 * np.array([r["final_test_accuracy"] for r in records if r["model"] == name])
        out[name] = {"mean": float(acc.mean()), "std": float(acc.std(ddof=1)) if acc.size > 1 else 0.0,
                     "n": int(acc.size)}
    return out
