"""The ``lr-sweep`` grid as jobs (:func:`lr_sweep`) and :func:`run_conditioning_training`,
which runs them on :mod:`cdnotes.engine` and returns the committed file's layout."""
from __future__ import annotations

from ...engine import Sweep
from ..sweeps import run_local
from .config import (ADAM_RATES, BATCH_SIZE, DATASETS, EPOCHS, KFAC_OPTIONS, KFAC_RATES,
                     MODELS, MOMENTUM, SGD_RATES, SHARPNESS_RATES, SHARPNESS_SAMPLES,
                     STALL_EPOCHS, THRESHOLDS, WHITENED_RATES, WHITENINGS, model_spec)
from .document import conditioning_results
from .runs import run_job

__all__ = ["lr_sweep", "run_conditioning_training"]


def lr_sweep(*, datasets=DATASETS, models=MODELS, seeds=(0, 1, 2, 3, 4), epochs=None,
             sgd_rates=SGD_RATES, adam_rates=ADAM_RATES, kfac_rates=KFAC_RATES,
             whitened_rates=WHITENED_RATES, whitenings=WHITENINGS,
             sharpness_rates=SHARPNESS_RATES, sharpness_seeds=(0,), lanczos_steps=20,
             threads=1) -> Sweep:
    """The ``lr-sweep`` :class:`~cdnotes.engine.Sweep` (parameters: see
    :func:`run_conditioning_training`).

    Its jobs: ``λ_max`` at initialisation per (data set, model, seed), then per (data set,
    model, seed) the SGD, Adam and K-FAC rates, SGD on each whitening's inputs, and per
    sharpness seed the tracked SGD runs; one training run each.

    Parameters
    ----------
    datasets, models, seeds, epochs, sgd_rates, adam_rates, kfac_rates, whitened_rates,
    whitenings, sharpness_rates, sharpness_seeds, lanczos_steps, threads
        As for :func:`run_conditioning_training`.

    Returns
    -------
    cdnotes.engine.Sweep
    """
    epochs = {**EPOCHS, **(epochs or {})}
    jobs = [{"kind": "lambda_max_init", "dataset": d, "model": m, "seed": s}
            for d in datasets for m in models for s in seeds]

    def runs(d, m, optimizer, rates, seed, whitening="none", track=False):
        return [{"kind": "run", "dataset": d, "model": m, "optimizer": optimizer, "lr": lr,
                 "seed": seed, "whitening": whitening, "track_sharpness": track}
                for lr in rates]

    for d in datasets:
        for m in models:
            for s in seeds:
                jobs += runs(d, m, "sgd", sgd_rates, s) + runs(d, m, "adam", adam_rates, s)
                jobs += runs(d, m, "kfac", kfac_rates, s)
                for w in whitenings:
                    if w == "spectral-block" and model_spec(d, m)[1] is None:
                        continue
                    jobs += runs(d, m, "sgd", whitened_rates, s, w)
            for s in sharpness_seeds:
                jobs += runs(d, m, "sgd", sharpness_rates, s, track=True)
    settings = {"epochs": epochs, "sgd_rates": list(sgd_rates), "adam_rates": list(adam_rates),
                "kfac_rates": list(kfac_rates), "kfac_options": KFAC_OPTIONS,
                "whitened_rates": list(whitened_rates), "stall_epochs": STALL_EPOCHS,
                "whitenings": list(whitenings), "sharpness_rates": list(sharpness_rates),
                "lanczos_steps": lanczos_steps, "sharpness_samples": SHARPNESS_SAMPLES,
                "momentum": MOMENTUM, "batch_size": BATCH_SIZE, "thresholds": THRESHOLDS,
                "threads": threads}
    return Sweep("lr-sweep", settings, jobs, run_job)


def run_conditioning_training(*, datasets=DATASETS, models=MODELS, seeds=(0, 1, 2, 3, 4),
                              epochs=None, sgd_rates=SGD_RATES, adam_rates=ADAM_RATES,
                              kfac_rates=KFAC_RATES, whitened_rates=WHITENED_RATES,
                              whitenings=WHITENINGS, sharpness_rates=SHARPNESS_RATES,
                              sharpness_seeds=(0,), lanczos_steps=20, threads=1,
                              progress=None, workers=1) -> dict:
    """The whole experiment: sweeps, K-FAC, whitening, ``λ_max`` at init, sharpness curves.

    Parameters
    ----------
    datasets, models : sequences of names
    seeds : sequence of int
        Seeds of every (data set, model, optimizer, rate) cell.
    epochs : dict ``{dataset: int}``, optional
        Default ``{"digits": 15, "mnist1d": 12}``.
    sgd_rates, adam_rates, kfac_rates : sequences of float
        Log grids (SGD: :data:`SGD_RATES`, Adam: :data:`ADAM_RATES`, K-FAC: :data:`KFAC_RATES`).
    whitened_rates : sequence of float
        SGD rates on whitened inputs (:data:`WHITENED_RATES`).
    whitenings : sequence of str
        Input whitenings for SGD (``"spectral-block"`` only for CD models).
    sharpness_rates, sharpness_seeds : sequences
        SGD runs whose Gauss-Newton ``λ_max`` is tracked every epoch.
    lanczos_steps : int
    threads : int or None
        BLAS threads per job (1: the timings are not disturbed by thread contention).
    progress : bool or None
        A progress bar over jobs (None: only on a terminal).
    workers : int >= 1, default 1
        Local processes of :mod:`cdnotes.engine` (the runs do not depend on it; their
        timings do).

    Returns
    -------
    dict with ``config``, ``runs`` (``asdict`` of every :class:`TrainingRun`),
    ``lambda_max_init`` (rows ``{dataset, model, seed, lambda_max}``), ``wall_seconds`` and
    the run's provenance (:func:`conditioning_results`).
    """
    sweep = lr_sweep(datasets=datasets, models=models, seeds=seeds, epochs=epochs,
                     sgd_rates=sgd_rates, adam_rates=adam_rates, kfac_rates=kfac_rates,
                     whitened_rates=whitened_rates, whitenings=whitenings,
                     sharpness_rates=sharpness_rates, sharpness_seeds=sharpness_seeds,
                     lanczos_steps=lanczos_steps, threads=threads)
    return conditioning_results(run_local(sweep, n_jobs=workers, progress=progress))
