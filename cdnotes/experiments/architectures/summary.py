"""The fair comparison's table: per model, the learning rate chosen on validation and the
test accuracy at that rate (:func:`summarize`)."""
from __future__ import annotations

import numpy as np

from ...stats import mean_ci

__all__ = ["model_label", "summarize"]


def model_label(model, block_size) -> str:
    """``"cnn_cd_B4"`` for a CD model, the model's name otherwise.

    Parameters
    ----------
    model : str; block_size : int or None

    Returns
    -------
    str
    """
    return model if block_size is None else f"{model}_B{block_size}"


def _interval(values, level):
    if len(values) < 2:
        return float(np.mean(values)), None, None
    e = mean_ci(values, level)
    return e.mean, e.low, e.high


def summarize(records, level: float = 0.95) -> dict:
    """Per model: the rate with the best mean validation accuracy over seeds, and the test
    accuracy of every seed at that rate (never the rate with the best test accuracy).

    Parameters
    ----------
    records : list of dict
        Each with ``model``, ``block_size``, ``lr``, ``seed``, ``val_accuracy``,
        ``test_accuracy``, ``n_params``, ``train_seconds``, ``epochs_run``.
    level : float in (0, 1), default 0.95, the t-interval's level

    Returns
    -------
    dict ``{label: row}`` (label :func:`model_label`, in the records' order), each row with
    ``model``, ``block_size``, ``n_params``, ``lr`` (chosen), ``val_by_lr`` (``{lr: mean
    validation accuracy}``, keys as ``repr`` of the rate), ``val_accuracy`` (at the chosen
    rate, mean), ``test_mean``, ``test_low``, ``test_high`` (the Student-t interval over
    seeds, ``None`` with one seed), ``test_std``, ``n_seeds``, ``seeds``, ``train_seconds``
    and ``epochs_run`` (means over the seeds at the chosen rate); a tie in validation goes
    to the smaller rate.

    Raises
    ------
    ValueError
        No records, or a model whose rates were run with different seeds (an unequal grid
        would not be fair).
    """
    if not records:
        raise ValueError("no records to summarize")
    groups: dict = {}
    for r in records:
        groups.setdefault(model_label(r["model"], r["block_size"]), []).append(r)
    table = {}
    for label, runs in groups.items():
        by_lr: dict = {}
        for r in runs:
            by_lr.setdefault(float(r["lr"]), []).append(r)
        seeds = {lr: sorted(r["seed"] for r in rs) for lr, rs in by_lr.items()}
        if len({tuple(s) for s in seeds.values()}) > 1:
            raise ValueError(f"{label}: the rates were run with different seeds "
                             f"({', '.join(f'{lr:g}: {s}' for lr, s in seeds.items())}); the "
                             "protocol needs every seed at every rate")
        val = {lr: float(np.mean([r["val_accuracy"] for r in rs])) for lr, rs in by_lr.items()}
        lr = min(val, key=lambda x: (-val[x], x))
        chosen = by_lr[lr]
        test = [float(r["test_accuracy"]) for r in chosen]
        mean, low, high = _interval(test, level)
        table[label] = {
            "model": runs[0]["model"], "block_size": runs[0]["block_size"],
            "n_params": int(runs[0]["n_params"]), "lr": lr,
            "val_by_lr": {repr(k): v for k, v in sorted(val.items())},
            "val_accuracy": val[lr], "test_mean": mean, "test_low": low, "test_high": high,
            "test_std": float(np.std(test, ddof=1)) if len(test) > 1 else None,
            "n_seeds": len(test), "seeds": seeds[lr],
            "train_seconds": float(np.mean([r["train_seconds"] for r in chosen])),
            "epochs_run": float(np.mean([r["epochs_run"] for r in chosen]))}
    return table
