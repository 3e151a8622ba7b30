"""Does CD's advantage grow with depth? The paper's models at 1–4 hidden layers (chapter 5).

The paper (§VII, "Benchmark scope"): "the conditioning advantage may be even more pronounced on
deeper networks where Hessian condition compounds across layers". Here the paper's MLPs keep
width 64 and their output padding and get 1, 2, 3 or 4 hidden layers; each (model, depth,
seed) is trained with the digits protocol and records its accuracy and conditioning.

* :func:`depth_model` — the paper's dense / CD-B4 / CD-B8 MLP at a given number of hidden layers.
* :func:`run_depth` / :func:`run_depth_grid` — one run / every (model, depth, seed): JSON dicts.
* :func:`depth_gaps`, :func:`gap_growth`, :data:`METRICS` — reading the runs
  (:mod:`~cdnotes.experiments.depth_analysis`, re-exported here).
* :func:`depth_settings`, :func:`depth_jobs`, :func:`depth_job` — the runs as a sweep of
  :mod:`cdnotes.engine` (``python -m cdnotes depth``, about five minutes on 2 cores);
  :func:`load_depth_results` reads a results file of either layout.
"""
from __future__ import annotations

import time
from dataclasses import asdict
from functools import lru_cache

import numpy as np

from ..curvature import last_layer_spectrum, paper_kappa_readings
from ..curvature.products import blas_limit
from ..data import digits_split
from ..mlp import PAPER_MODELS, make_mlp
from ..train import TrainConfig, train
from ..validation import check_choice, check_int
from .depth_analysis import METRICS, depth_gaps, gap_growth

__all__ = ["DEPTHS", "METRICS", "depth_model", "run_depth", "run_depth_grid", "depth_gaps",
           "gap_growth", "RESULTS_NAME", "depth_settings", "depth_jobs", "depth_job",
           "load_depth_results"]

RESULTS_NAME = "depth_digits"
"""The committed results file in :mod:`cdnotes.measurements`."""
DEPTHS = (1, 2, 3, 4)
"""Hidden layers tried (the paper's models have two)."""

def depth_model(name: str, depth: int, *, seed: int = 0):
    """The paper's model ``name`` with ``depth`` hidden layers of width 64.

    Parameters
    ----------
    name : {"dense", "cd4", "cd8"}
    depth : int >= 1
        Hidden layers (the paper's models: 2).
    seed : int

    Returns
    -------
    MLP with ``n_classes = 10`` (CD outputs padded as in :data:`cdnotes.mlp.PAPER_MODELS`)
    """
    check_choice(name, "model", PAPER_MODELS)
    depth = check_int(depth, "depth", minimum=1)
    widths, block_size = PAPER_MODELS[name]
    hidden = widths[1]
    return make_mlp((widths[0], *([hidden] * depth), widths[-1]), block_size, n_classes=10,
                    seed=seed)


def run_depth(name: str, depth: int, seed: int, *, split_seed: int = 0,
              config: TrainConfig = TrainConfig(), data=None) -> dict:
    """Train :func:`depth_model` with the digits protocol; one JSON-ready record.

    Parameters
    ----------
    name : {"dense", "cd4", "cd8"}
    depth : int >= 1
    seed : int
        Initial weights and batch order.
    split_seed : int
    config : TrainConfig
    data : optional ``digits_split(split_seed)``, to avoid reloading it

    Returns
    -------
    dict
        ``model``, ``depth``, ``seed``, ``split_seed``, ``n_params``, ``accuracy`` (final,
        %), ``train_loss`` (per epoch), the paper's κ readings (``kappa_weights``,
        ``kappa_theorem1``), ``kappa_hessian`` (last layer, non-zero part), ``seconds``.
    """
    X_train, X_test, y_train, y_test = digits_split(split_seed) if data is None else data
    model = depth_model(name, depth, seed=seed)
    start = time.perf_counter()
    history = train(model, X_train, y_train, X_test, y_test, config=config, seed=seed)
    seconds = time.perf_counter() - start
    readings = paper_kappa_readings(model, X_train)
    _, hessian = last_layer_spectrum(model, X_train)
    return {"model": name, "depth": int(depth), "seed": int(seed), "split_seed": int(split_seed),
            "n_params": int(model.n_params),
            "accuracy": 100.0 * float(history.final_test_accuracy),
            "test_accuracy": [float(a) for a in history.test_accuracy],
            "train_loss": [float(v) for v in history.train_loss],
            "kappa_weights": float(readings["weights_sv"]),
            "kappa_theorem1": float(readings["theorem1_inputs"]),
            "kappa_hessian": float(hessian.kappa_nonzero), "seconds": seconds}


def run_depth_grid(models=tuple(PAPER_MODELS), depths=DEPTHS, seeds=range(10), *,
                   split_seed: int = 0, config: TrainConfig = TrainConfig(),
                   progress: bool = False) -> list:
    """:func:`run_depth` for every (model, depth, seed) on one split.

    Parameters
    ----------
    models, depths, seeds : iterables
    split_seed : int
    config : TrainConfig
    progress : bool
        Show a progress bar.

    Returns
    -------
    list of dict
    """
    data = digits_split(check_int(split_seed, "split_seed", minimum=0))
    jobs = [(m, d, s) for m in models for d in depths for s in seeds]
    if progress:
        from tqdm.auto import tqdm
        jobs = tqdm(jobs, desc="depth")
    return [run_depth(m, d, s, split_seed=split_seed, config=config, data=data)
            for m, d, s in jobs]


def depth_settings(*, split_seed: int = 0, config: TrainConfig = TrainConfig()) -> dict:
    """The settings every job of a ``depth`` sweep shares.

    Parameters
    ----------
    split_seed : int >= 0
    config : TrainConfig

    Returns
    -------
    dict ``{"split_seed", "config"}`` (the TrainConfig's fields), JSON-ready
    """
    return {"split_seed": check_int(split_seed, "split_seed", minimum=0),
            "config": asdict(config)}


def depth_jobs(models=tuple(PAPER_MODELS), depths=DEPTHS, seeds=range(10)) -> list:
    """One job per (model, depth, seed), in :func:`run_depth_grid`'s order.

    Parameters
    ----------
    models : iterable of {"dense", "cd4", "cd8"}
    depths : iterable of int >= 1
    seeds : iterable of int >= 0

    Returns
    -------
    list of dict ``{"model", "depth", "seed"}``
    """
    return [{"model": m, "depth": int(d), "seed": int(s)}
            for m in models for d in depths for s in seeds]


@lru_cache(maxsize=2)
def _split(split_seed: int):
    return digits_split(split_seed)


def depth_job(job: dict, settings: dict) -> dict:
    """Run one job of :func:`depth_jobs` (the engine's ``run_job``): :func:`run_depth`'s
    record.

    Parameters
    ----------
    job : dict ``{"model", "depth", "seed"}``
    settings : dict from :func:`depth_settings`

    Returns
    -------
    dict, run on one BLAS thread (the same record however the jobs are spread)
    """
    with blas_limit(np, 1):           # one BLAS thread: the same record however spread
        return run_depth(job["model"], job["depth"], job["seed"],
                         split_seed=settings["split_seed"],
                         config=TrainConfig(**settings["config"]),
                         data=_split(settings["split_seed"]))


def load_depth_results(source=RESULTS_NAME) -> dict:
    """A ``depth`` results file in the committed layout, whichever layout it has.

    Parameters
    ----------
    source : measurement name, path or dict, default the committed :data:`RESULTS_NAME`

    Returns
    -------
    dict with ``command`` (the command line), ``config`` (``epochs``, ``lr``, ``momentum``,
    ``batch_size``, ``split_seed``, ``depths``, ``models``, ``seeds``), ``records``,
    ``environment``, ``seconds``
    """
    from .result_files import committed_view, is_sweep_document, job_values, read_results

    doc = read_results(source)
    if not is_sweep_document(doc):
        return doc
    s, records = doc["settings"], doc["records"]
    config = {key: s["config"][key] for key in ("epochs", "lr", "momentum", "batch_size")}
    config.update(split_seed=s["split_seed"], depths=job_values(records, "depth"),
                  models=job_values(records, "model"), seeds=job_values(records, "seed"))
    return committed_view(doc, config)
