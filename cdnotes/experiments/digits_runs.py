"""The digits experiment of the paper (§VI): one seeded run per (model, seed).

* :func:`run_digits` — train one paper model on the digits split; a
  :class:`~cdnotes.experiments.digits_records.DigitsRecord`.
* :func:`run_digits_grid` — :func:`run_digits` for every (model, seed) on one split.
* :func:`run_table1` — the same as JSON-ready dicts; :func:`table1_job` — one of them as a
  job of ``python -m cdnotes table1`` (:mod:`cdnotes.engine`).
* :func:`zero_input_blocks` — the CD blocks whose inputs are all zero on the data.

Seeds are explicit arguments: chapters pass ``cdnotes.seeds.seeds(range(20))`` and
``cdnotes.seeds.seed(0)`` so that ``CDNOTES_SEED_OFFSET`` moves every one of them.
"""
from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..curvature import (dead_units, last_layer_spectrum, layer_inputs,
                         logit_hessian_spectrum, paper_kappa_readings, softmax_outputs)
from ..data import digits_split
from ..mlp import PAPER_MODELS, paper_model
from ..train import TrainConfig, accuracy, train
from ..validation import check_choice, check_int, check_real
from .digits_records import (CONFIDENT_PROBABILITY, CURVATURE_LEVELS, DigitsRecord,
                             KappaReadings, _floats)

__all__ = ["zero_input_blocks", "run_digits", "run_digits_grid", "run_table1", "table1_job"]


def zero_input_blocks(model, X) -> list:
    """Per linear layer, the blocks of ``B`` consecutive inputs that are zero for every row of
    ``X``.

    Such a block makes Theorem 1's values ``Σ_n |FFT(X_{n,j})(k)|²`` zero at every ``k``
    (and only such a block can, for inputs that are not cancelled exactly); for a dense
    layer (``B = 1``) it is a single input that is always zero.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
    X : array ``(N, n_in)``, real floating, finite

    Returns
    -------
    list of int, one per linear layer
    """
    trace = layer_inputs(model, X)                  # checks the model and X first
    linear = {id(layer) for layer in model.linear_layers}
    counts = []
    for layer, H in trace[:-1]:
        if id(layer) in linear:
            blocks = np.asarray(to_numpy(H)).reshape(H.shape[0], -1, layer.block_size)
            counts.append(int(np.sum(np.all(blocks == 0, axis=(0, 2)))))
    return counts


def _curvature_level(curvature) -> str:
    if curvature is True:
        return "full"
    if curvature is False:
        return "none"
    return check_choice(curvature, "curvature", CURVATURE_LEVELS)


def run_digits(model_name: str, seed: int, *, config: TrainConfig = TrainConfig(), dropout=0.0,
               split_seed: int = 0, curvature="full", per_epoch: bool = True,
               data=None) -> DigitsRecord:
    """Train one paper model on the digits split; one :class:`DigitsRecord`.

    Parameters
    ----------
    model_name : ``"dense"``, ``"cd4"`` or ``"cd8"`` (:data:`cdnotes.mlp.PAPER_MODELS`).
    seed : int
        Fixes the initial weights, the dropout masks and the batch order.
    config : :class:`~cdnotes.train.TrainConfig`
        Epochs, SGD settings, loss and the Fisher penalty (``fisher``, ``fisher_eps``).
    dropout : float
        Shannon dropout rate after each hidden ReLU (0 = none).
    split_seed : int
        Fixes the stratified 1437/360 split (ignored when ``data`` is given).
    curvature : ``"none"``, ``"readings"``, ``"full"`` (or ``False``/``True`` for none/full)
        What is measured on the training digits after training (:data:`CURVATURE_LEVELS`).
    per_epoch : bool
        Evaluate the test accuracy after every epoch (Figure 1); ``False`` evaluates it
        once at the end, which halves the cost of a run. The final accuracy is the same.
    data : optional ``(X_train, X_test, y_train, y_test)`` of ``digits_split(split_seed)``,
        to avoid reloading it for every run.

    Returns
    -------
    DigitsRecord
    """
    level = _curvature_level(curvature)
    seed = check_int(seed, "seed", minimum=0)
    split_seed = check_int(split_seed, "split_seed", minimum=0)
    dropout = check_real(dropout, "dropout", low=0.0, high=1.0, high_open=True)
    X_train, X_test, y_train, y_test = digits_split(split_seed) if data is None else data
    model = paper_model(model_name, seed=seed, dropout=dropout)
    if per_epoch:
        history = train(model, X_train, y_train, X_test, y_test, config=config, seed=seed)
        final = history.final_test_accuracy
    else:
        history = train(model, X_train, y_train, config=config, seed=seed)
        final = accuracy(model, X_test, y_test)
    extra = {}
    if level != "none":
        r = paper_kappa_readings(model, X_train)
        extra["kappa"] = KappaReadings(r["weights_sv"], r["theorem1_inputs"],
                                       r["circulant_spectrum"],
                                       tuple(dead_units(model, X_train)),
                                       tuple(zero_input_blocks(model, X_train)))
    if level == "full":
        ev, extra["hessian"] = last_layer_spectrum(model, X_train)
        extra["last_layer_eigenvalues"] = _floats(ev)
        extra["logit_eigenvalues"] = _floats(logit_hessian_spectrum(model, X_train))
        _, p = softmax_outputs(model, X_train)
        extra["confident_fraction"] = float(np.mean(p.max(axis=1) > CONFIDENT_PROBABILITY))
    return DigitsRecord(model=model_name, seed=seed, split_seed=split_seed, n_params=model.n_params,
                        dropout=dropout, config=config, final_test_accuracy=float(final),
                        test_accuracy=_floats(history.test_accuracy),
                        train_loss=_floats(history.train_loss),
                        epoch_seconds=_floats(history.epoch_seconds), curvature=level, **extra)


def _progress(items, progress, desc):
    if progress is False:
        return items
    from tqdm.auto import tqdm
    return tqdm(items, desc=desc, disable=progress is None)


def run_digits_grid(models=tuple(PAPER_MODELS), seeds=(0, 1, 2), *,
                    config: TrainConfig = TrainConfig(), dropout=0.0, split_seed: int = 0,
                    curvature="full", per_epoch: bool = True, progress=False) -> list:
    """:func:`run_digits` for every (model, seed) on one split; a list of :class:`DigitsRecord`.

    ``progress``: ``False`` (nothing), ``True`` (a progress bar) or ``None`` (a disabled one).

    Parameters
    ----------
    models : iterable of str, default every model of :data:`cdnotes.mlp.PAPER_MODELS`
    seeds : iterable of int, default (0, 1, 2)
    config, dropout, split_seed, curvature, per_epoch
        As for :func:`run_digits` (the split is loaded once).
    progress : bool or None, default False

    Returns
    -------
    list of DigitsRecord
        Model-major: every seed of the first model, then of the next.
    """
    data = digits_split(check_int(split_seed, "split_seed", minimum=0))
    runs = [(m, s) for m in models for s in seeds]
    return [run_digits(m, s, config=config, dropout=dropout, split_seed=split_seed,
                       curvature=curvature, per_epoch=per_epoch, data=data)
            for m, s in _progress(runs, progress, "training")]


def run_table1(models=tuple(PAPER_MODELS), seeds=(0, 1, 2), *, config: TrainConfig = TrainConfig(),
               dropout=0.0, split_seed: int = 0, curvature=True, progress=False) -> list:
    """:func:`run_digits_grid` as JSON-ready dicts (:meth:`DigitsRecord.to_json`), for the CLI.

    Parameters
    ----------
    models, seeds, config, dropout, split_seed, curvature, progress
        As for :func:`run_digits_grid`.

    Returns
    -------
    list of dict
    """
    return [r.to_json() for r in run_digits_grid(models, seeds, config=config, dropout=dropout,
                                                 split_seed=split_seed, curvature=curvature,
                                                 progress=progress)]



def table1_job(job: dict, settings: dict) -> dict:
    """One (model, seed) of ``python -m cdnotes table1`` for the sweep runner.

    Parameters
    ----------
    job : dict ``{"model": str, "seed": int}``
    settings : dict ``{"config": TrainConfig fields, "dropout", "split_seed", "curvature"}``

    Returns
    -------
    dict, :meth:`DigitsRecord.to_json` of :func:`run_digits`
    """
    from ..curvature.products import blas_limit

    with blas_limit(np, 1):           # one BLAS thread: the same record however spread
        return run_digits(job["model"], job["seed"], config=TrainConfig(**settings["config"]),
                          dropout=settings["dropout"], split_seed=settings["split_seed"],
                          curvature=settings["curvature"]).to_json()
