"""The ``shfin`` runs as jobs (:func:`shfin_sweep`), the cost sweep that follows them
(:func:`run_cost`), and :func:`run_shfin_experiment`, which runs both and returns the
committed file's layout."""
from __future__ import annotations

from ...engine import Sweep
from ...shfin.cost import time_forward
from ...train import TrainConfig
from ...validation import check_choice, check_int
from ..sweeps import run_local
from .config import ABLATIONS, COST_SETTINGS, MAIN_VARIANTS, SHFIN_BASE, VARIANTS
from .config import check_cost_lengths
from .document import shfin_results
from .runs import run_job

__all__ = ["shfin_sweep", "run_cost", "run_shfin_experiment"]

DEFAULT_CONFIG = TrainConfig(epochs=10, lr=3e-3, optimizer="adam", batch_size=64)
DEFAULT_LENGTHS = (64, 128, 256, 512, 1024, 2048, 4096, 8192)


def shfin_sweep(variants, seeds, config: TrainConfig = DEFAULT_CONFIG) -> Sweep:
    """The ``shfin`` :class:`~cdnotes.engine.Sweep`: one job per (variant, seed).

    Parameters
    ----------
    variants : iterable of str, keys of :data:`VARIANTS`
    seeds : iterable of int, at least two
    config : TrainConfig (its epochs, lr, optimizer and batch size are the settings)

    Returns
    -------
    cdnotes.engine.Sweep
    """
    variants = [check_choice(v, "variant", VARIANTS) for v in variants]
    seeds = [check_int(s, "each seed", minimum=0) for s in seeds]
    if len(seeds) < 2:
        raise ValueError(f"seeds needs at least two seeds for an interval; got {seeds}")
    settings = {"train": {"epochs": config.epochs, "lr": config.lr,
                          "optimizer": config.optimizer, "batch_size": config.batch_size},
                "shfin_base": {k: list(v) if isinstance(v, tuple) else v
                               for k, v in SHFIN_BASE.items()}}
    return Sweep("shfin", settings, [{"variant": v, "seed": s} for v in variants for s in seeds],
                 run_job)


def run_cost(lengths, repeats: int = 3, progress=None) -> dict:
    """The forward-time sweep of an SHFIN block against dense self-attention, in this
    process (timings: run it alone).

    Parameters
    ----------
    lengths : iterable of int, multiples of 16 that fit in memory (:func:`check_cost_lengths`)
    repeats : int >= 1, best-of repeats per timing
    progress : callable or None, ``progress(L)`` after each length

    Returns
    -------
    dict ``{"cost": rows of time_forward, "cost_config": {"lengths", "repeats", …}}``
    """
    lengths = check_cost_lengths(lengths)
    repeats = check_int(repeats, "cost_repeats", minimum=1)
    rows = time_forward(lengths, repeats=repeats, progress=progress)
    return {"cost": rows, "cost_config": {"lengths": lengths, "repeats": repeats,
                                          **COST_SETTINGS}}


def run_shfin_experiment(variants=MAIN_VARIANTS + ABLATIONS[1:], seeds=(0, 1, 2, 3, 4), *,
                         config=DEFAULT_CONFIG, lengths=DEFAULT_LENGTHS, cost_repeats=3,
                         jobs=1, progress=False) -> dict:
    """Every (variant, seed) on MNIST-1D, then the forward-time sweep over lengths.

    Parameters
    ----------
    variants : iterable of str
        Keys of :data:`VARIANTS`.
    seeds : iterable of int
        At least two.
    config : TrainConfig
    lengths : iterable of int
        Multiples of 16 for the cost sweep (empty: no sweep), each fitting in memory.
    cost_repeats : int >= 1
    jobs : int >= 1
        Local processes of :mod:`cdnotes.engine` for the training runs (each run is seeded,
        so the records do not depend on it); the cost sweep runs afterwards, alone.
    progress : bool

    Returns
    -------
    dict
        ``config`` (training settings, variants with descriptions, seeds, ``SHFIN_BASE``),
        ``records`` (one per run), ``cost`` (one row per length), ``paper_baselines``, and
        the run's provenance (:func:`shfin_results`).
    """
    lengths = check_cost_lengths(lengths)                 # before any training
    sweep = shfin_sweep(variants, seeds, config)
    doc = run_local(sweep, n_jobs=jobs, progress=progress)
    doc.update(run_cost(lengths, cost_repeats))
    return shfin_results(doc)
