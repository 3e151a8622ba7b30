"""The whole network's Hessian of a digits model, measured exactly: one JSON-ready record per job.

A *job* is one (model, seed, state, inputs): a paper model (:data:`cdnotes.mlp.PAPER_MODELS`)
with seed ``seed``, at initialisation (``"init"``) or after the paper's 25-epoch training
(``"trained"``, :class:`cdnotes.train.TrainConfig` defaults, on the host), on the raw training
digits (``"raw"``) or on the training digits whitened (``"whitened"``: by default
``spectral-block`` at the model's block size — the whitening under which chapter 4 found the
CD layer's population κ equal to 1; for the dense model, ``B = 1``, it is full ZCA
whitening). The whitening is fitted on the 1,437 training digits; a trained model was
trained on the same whitened inputs. :func:`network_hessian_record` computes, on all
training digits:

* the full Hessian and Gauss-Newton spectra (:func:`~cdnotes.curvature.network_hessian` +
  eigenvalues), summarised by :func:`spectrum_summary`: λ_max, λ_min, negative mass,
  κ(cutoff) for cutoffs 1e-2 … 1e-12, percentile ratios, effective ranks, trace shares,
  ``kappa_structural`` (``max|λ|`` over the smallest ``|λ|`` left after removing as many
  eigenvalues as there are exact null directions), and ``log10|λ|`` histograms on the fixed
  grid :data:`LOG10_EDGES` (positive and negative eigenvalues apart) with quantiles;
* κ of the Gauss-Newton matrix on its range (:func:`~cdnotes.conditioning.condition_number`'s
  ``kappa_nonzero``, and on the complement of the exact null directions);
* the exact null directions by cause (:func:`~cdnotes.curvature.null_directions`);
* every linear layer's diagonal block of both matrices, with the same measures;
* the paper's κ readings (:func:`~cdnotes.curvature.paper_kappa_readings`);
* stochastic Lanczos quadrature (:func:`~cdnotes.curvature.spectral_density`) with
  1, 2, 4, 8, 16 probes against the exact spectrum: Wasserstein-1 distance (relative to
  the spectrum's width) and the L1 distance of the two densities smoothed alike.

Compact by design (a results file of 120 jobs stays near 1 MB): full eigenvalue lists only
with ``keep_spectrum=True``, the smoothed SLQ/exact densities only with ``curves=True``.

``backend="cupy"`` (or ``"array_api_strict"``) computes the Hessian and Gauss-Newton
products, the eigenvalues and the SLQ matrix-vector products on that backend; training,
whitening, null directions and readings stay on the host (NumPy), so a trained model is
the same on every backend.

The spectrum summaries are in :mod:`~cdnotes.experiments.network_hessian_spectra`, the
finite-difference and near-null checks in :mod:`~cdnotes.experiments.network_hessian_checks`
(both re-exported here); :func:`network_hessian_jobs`, :func:`sweep_settings` and
:func:`network_hessian_job` make the runs a sweep of :mod:`cdnotes.engine` (``python -m
cdnotes network-hessian``).
"""
from __future__ import annotations

import copy
import time
from dataclasses import asdict

import numpy as np

from ..backend import import_namespace, to_numpy
from ..conditioning import condition_number
from ..curvature import (eigenvalues_symmetric, loss_and_gradient, network_hessian,
                         null_directions, paper_kappa_readings)
from ..curvature.products import blas_limit
from ..data import digits_split
from ..mlp import PAPER_MODELS, paper_model
from ..train import TrainConfig, accuracy, train
from ..validation import check_bool, check_choice, check_int
from ..whitening import WHITENING_NAMES, make_whitener
from .network_hessian_checks import finite_difference_check, near_null_directions
from .network_hessian_spectra import (CUTOFFS, LOG10_EDGES, PERCENTILES, QUANTILES,
                                      SIGNIFICANT_DIGITS, SLQ_PROBES, SLQ_STEPS,
                                      _brief, _gauss_newton_range, _rounded,
                                      log_histogram, slq_comparison, spectrum_summary)

__all__ = ["STATES", "INPUTS", "DEFAULT_WHITENING", "BACKENDS", "LOG10_EDGES", "QUANTILES",
           "SLQ_PROBES", "SLQ_STEPS", "SIGNIFICANT_DIGITS", "CUTOFFS", "PERCENTILES",
           "job_key", "digits_inputs", "log_histogram", "spectrum_summary", "slq_comparison",
           "network_hessian_record", "settings", "finite_difference_check",
           "near_null_directions", "sweep_settings", "network_hessian_jobs",
           "network_hessian_job"]

STATES = ("init", "trained")
INPUTS = ("raw", "whitened")
DEFAULT_WHITENING = "spectral-block"
"""At the model's block size (``B = 1`` for dense, where it equals ZCA whitening)."""
BACKENDS = ("numpy", "cupy", "array_api_strict")


def settings(*, split_seed=0, whitening=DEFAULT_WHITENING, config=TrainConfig(),
             slq_probes=SLQ_PROBES, slq_steps=SLQ_STEPS) -> dict:
    """The settings every record of one results file shares (what a merge checks).

    Parameters
    ----------
    split_seed, whitening, config, slq_probes, slq_steps
        As for :func:`network_hessian_record`.

    Returns
    -------
    dict, JSON-ready: those settings with the fixed grids (cutoffs, percentiles,
    ``log10|λ|`` bin edges, quantiles) and the rounding.
    """
    return {"split_seed": int(split_seed), "whitening": whitening, "train": asdict(config),
            "slq_probes": [int(p) for p in slq_probes], "slq_steps": int(slq_steps),
            "cutoffs": list(CUTOFFS), "percentiles": list(PERCENTILES),
            "log10_edges": list(LOG10_EDGES), "quantiles": list(QUANTILES),
            "significant_digits": SIGNIFICANT_DIGITS}


def job_key(record) -> tuple:
    """``(model, seed, state, inputs)`` of a record (a dict as written by this module).

    Parameters
    ----------
    record : dict

    Returns
    -------
    tuple ``(str, int, str, str)``
    """
    return record["model"], int(record["seed"]), record["state"], record["inputs"]


def sweep_settings(*, split_seed=0, whitening=DEFAULT_WHITENING, config=TrainConfig(),
                   slq_probes=SLQ_PROBES, slq_steps=SLQ_STEPS, backend="numpy",
                   blas_threads=1, curve_seeds=(0,), keep_spectra=False) -> dict:
    """The settings of a ``network-hessian`` sweep: :func:`settings` and how the jobs run.

    Parameters
    ----------
    split_seed, whitening, config, slq_probes, slq_steps, backend, blas_threads
        As for :func:`network_hessian_record`.
    curve_seeds : iterable of int, the seeds whose records keep the densities (``curves``)
    keep_spectra : bool, every record keeps its eigenvalues (``keep_spectrum``)

    Returns
    -------
    dict, JSON-ready: :func:`settings` plus ``backend``, ``blas_threads``, ``curve_seeds``,
    ``keep_spectra``
    """
    return {**settings(split_seed=split_seed, whitening=whitening, config=config,
                       slq_probes=slq_probes, slq_steps=slq_steps),
            "backend": check_choice(backend, "backend", BACKENDS),
            "blas_threads": None if blas_threads is None else int(blas_threads),
            "curve_seeds": [int(s) for s in curve_seeds],
            "keep_spectra": check_bool(keep_spectra, "keep_spectra")}


def network_hessian_jobs(models=tuple(PAPER_MODELS), seeds=range(10), states=STATES,
                         inputs=INPUTS) -> list:
    """One job per (model, seed, state, inputs), seed-major (a run cut short keeps whole
    seeds).

    Parameters
    ----------
    models : iterable of {"dense", "cd4", "cd8"}
    seeds : iterable of int >= 0
    states : iterable of :data:`STATES`
    inputs : iterable of :data:`INPUTS`

    Returns
    -------
    list of dict ``{"model", "seed", "state", "inputs"}``
    """
    return [{"model": m, "seed": int(s), "state": st, "inputs": i}
            for s in seeds for m in models for st in states for i in inputs]


def network_hessian_job(job: dict, settings: dict) -> dict:
    """Run one job of :func:`network_hessian_jobs` (the engine's ``run_job``).

    Parameters
    ----------
    job : dict ``{"model", "seed", "state", "inputs"}``
    settings : dict from :func:`sweep_settings`

    Returns
    -------
    dict, :func:`network_hessian_record`'s record
    """
    return network_hessian_record(
        job["model"], job["seed"], job["state"], job["inputs"],
        split_seed=settings["split_seed"], whitening=settings["whitening"],
        config=TrainConfig(**settings["train"]), backend=settings["backend"],
        blas_threads=settings["blas_threads"], slq_probes=settings["slq_probes"],
        slq_steps=settings["slq_steps"], curves=job["seed"] in settings["curve_seeds"],
        keep_spectrum=settings["keep_spectra"])


def digits_inputs(model_name, inputs, *, split_seed=0, whitening=DEFAULT_WHITENING):
    """The digits split as the job sees it: raw, or whitened (fitted on the training digits).

    Parameters
    ----------
    model_name : one of :data:`cdnotes.mlp.PAPER_MODELS` (sets the whitening's block size)
    inputs : {"raw", "whitened"}
    split_seed : int >= 0
    whitening : one of :data:`cdnotes.whitening.WHITENING_NAMES` except ``"none"``

    Returns
    -------
    X_train ``(1437, 64)``, X_test ``(360, 64)``, y_train ``(1437,)``, y_test ``(360,)``
        NumPy; float64 inputs and integer labels.
    """
    check_choice(model_name, "model", PAPER_MODELS)
    check_choice(inputs, "inputs", INPUTS)
    check_choice(whitening, "whitening", WHITENING_NAMES[1:])
    X_train, X_test, y_train, y_test = digits_split(check_int(split_seed, "split_seed", minimum=0))
    if inputs == "whitened":
        w = make_whitener(whitening, PAPER_MODELS[model_name][1] or 1).fit(X_train)
        X_train, X_test = w.transform(X_train), w.transform(X_test)
    return X_train, X_test, y_train, y_test


def _eigenvalues(H, xp, blas_threads):
    """Ascending eigenvalues of the host matrix ``H``: LAPACK on NumPy, else ``xp.linalg``."""
    if xp is None:
        return eigenvalues_symmetric(H, check=False, blas_threads=blas_threads), None
    H_dev = xp.asarray(H)
    return np.sort(np.asarray(to_numpy(xp.linalg.eigvalsh(H_dev)), dtype=np.float64)), H_dev


def _matvec(H, H_dev, xp):
    if H_dev is None:
        return lambda v: H @ v
    return lambda v: to_numpy(H_dev @ xp.asarray(v, dtype=H_dev.dtype))


def _on_backend(model, X, y, backend):
    """A copy of ``model`` and the data on ``backend`` (the host objects for NumPy)."""
    if backend == "numpy":
        return model, X, y, None
    xp = import_namespace(backend)
    device = copy.deepcopy(model)
    for layer in device.linear_layers:
        layer.to(backend)
    return device, xp.asarray(X), xp.asarray(y), xp


def _blocks(H, G, model, xp, blas_threads):
    """Every linear layer's diagonal blocks of ``H`` and ``G``, summarised."""
    out, start = [], 0
    for index, layer in enumerate(model.linear_layers):
        stop = start + layer.n_params
        ev_h, _ = _eigenvalues(np.array(H[start:stop, start:stop]), xp, blas_threads)
        ev_g, _ = _eigenvalues(np.array(G[start:stop, start:stop]), xp, blas_threads)
        out.append({"index": index, "n_params": layer.n_params,
                    "block_size": layer.block_size,
                    "hessian": _brief(spectrum_summary(ev_h, histogram=False)),
                    "gauss_newton": dict(_brief(spectrum_summary(ev_g, histogram=False)),
                                         kappa_nonzero=condition_number(ev_g).kappa_nonzero)})
        start = stop
    return out


def network_hessian_record(model_name, seed, state, inputs, *, split_seed=0,
                           whitening=DEFAULT_WHITENING, config=TrainConfig(), backend="numpy",
                           blas_threads=1, slq_probes=SLQ_PROBES, slq_steps=SLQ_STEPS,
                           curves=False, keep_spectrum=False, data=None) -> dict:
    """One job: the whole network's Hessian and Gauss-Newton matrix of one model, measured.

    Parameters
    ----------
    model_name : {"dense", "cd4", "cd8"}
    seed : int >= 0
        Initial weights and batch order.
    state : {"init", "trained"}
    inputs : {"raw", "whitened"}
    split_seed : int >= 0
        The stratified 1437/360 split.
    whitening : str, default :data:`DEFAULT_WHITENING`
        For ``inputs="whitened"`` (block size: the model's, 1 for dense).
    config : :class:`~cdnotes.train.TrainConfig`
        Training for ``state="trained"`` (default: the paper's).
    backend : {"numpy", "cupy", "array_api_strict"}
        Where the products, eigenvalues and SLQ run (see the module docstring).
    blas_threads : int >= 1 or None
        BLAS threads of all host NumPy work of the job (``None``: as is).
    slq_probes : increasing ints; slq_steps : int
        :func:`slq_comparison`'s settings.
    curves : bool
        Keep the smoothed SLQ and exact densities (figures).
    keep_spectrum : bool
        Keep the full eigenvalue lists (``eigenvalues``: ``hessian``, ``gauss_newton``).
    data : optional ``(X_train, X_test, y_train, y_test)`` of :func:`digits_inputs`
        (the same model, inputs, split and whitening), to avoid refitting.

    Returns
    -------
    dict (JSON-ready through :func:`cdnotes.results.jsonable`): ``model``, ``seed``,
    ``state``, ``inputs``, ``whitening``, ``split_seed``, ``n_params``, ``n_samples``,
    ``backend``, ``loss``, ``gradient_norm``, ``test_accuracy``, ``train_loss`` (trained
    only), ``hessian`` and ``gauss_newton`` (:func:`spectrum_summary`; the latter with
    ``range``), ``null_directions``, ``layers``, ``paper_kappa``, ``slq``, ``seconds``.
    Floats are rounded to :data:`SIGNIFICANT_DIGITS` significant digits (not the
    ``eigenvalues`` of ``keep_spectrum``).
    """
    check_choice(model_name, "model", PAPER_MODELS)
    seed = check_int(seed, "seed", minimum=0)
    check_choice(state, "state", STATES)
    check_choice(inputs, "inputs", INPUTS)
    check_choice(backend, "backend", BACKENDS)
    keep_spectrum = check_bool(keep_spectrum, "keep_spectrum")
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}")
    with blas_limit(np, blas_threads):
        return _record(model_name, seed, state, inputs, split_seed, whitening, config, backend,
                       blas_threads, slq_probes, slq_steps, curves, keep_spectrum, data)


def _record(model_name, seed, state, inputs, split_seed, whitening, config, backend,
            blas_threads, slq_probes, slq_steps, curves, keep_spectrum, data):
    clock = {}
    tick = time.perf_counter()
    X, X_test, y, y_test = (digits_inputs(model_name, inputs, split_seed=split_seed,
                                          whitening=whitening) if data is None else data)
    model = paper_model(model_name, seed=seed)
    record = {"model": model_name, "seed": seed, "state": state, "inputs": inputs,
              "whitening": whitening if inputs == "whitened" else None,
              "split_seed": int(split_seed), "n_params": model.n_params,
              "n_samples": int(X.shape[0]), "backend": backend}
    if state == "trained":
        history = train(model, X, y, config=config, seed=seed)
        record["train_loss"] = float(history.train_loss[-1])
        record["config"] = asdict(config)
    record["test_accuracy"] = accuracy(model, X_test, y_test)
    loss, grad = loss_and_gradient(model, X, y)
    record["loss"], record["gradient_norm"] = float(loss), float(np.linalg.norm(grad))
    clock["train"], tick = time.perf_counter() - tick, time.perf_counter()
    nulls = null_directions(model, X)
    record["null_directions"] = {"dead_units": list(nulls.dead_units), "by_cause": nulls.by_cause,
                                 "hessian": nulls.hessian, "gauss_newton": nulls.gauss_newton}
    record["paper_kappa"] = paper_kappa_readings(model, X)
    clock["null"], tick = time.perf_counter() - tick, time.perf_counter()
    dev_model, dev_X, dev_y, xp = _on_backend(model, X, y, backend)
    H = network_hessian(dev_model, dev_X, dev_y, blas_threads=blas_threads)
    G = network_hessian(dev_model, dev_X, dev_y, kind="gauss_newton", blas_threads=blas_threads)
    clock["matrices"], tick = time.perf_counter() - tick, time.perf_counter()
    ev_g, _ = _eigenvalues(G, xp, blas_threads)
    ev_h, H_dev = _eigenvalues(H, xp, blas_threads)
    clock["eigenvalues"], tick = time.perf_counter() - tick, time.perf_counter()
    record["hessian"] = spectrum_summary(ev_h, n_null=nulls.hessian)
    record["gauss_newton"] = dict(spectrum_summary(ev_g, n_null=nulls.gauss_newton),
                                  range=_gauss_newton_range(ev_g, nulls.gauss_newton))
    record["layers"] = _blocks(H, G, model, xp, blas_threads)
    clock["blocks"], tick = time.perf_counter() - tick, time.perf_counter()
    record["slq"] = slq_comparison(_matvec(H, H_dev, xp), ev_h, probes=slq_probes,
                                   n_steps=slq_steps, seed=seed, curves=curves)
    clock["slq"] = time.perf_counter() - tick
    clock["total"] = sum(clock.values())
    record["seconds"] = clock
    record = _rounded(record)
    if keep_spectrum:
        record["eigenvalues"] = {"hessian": ev_h.tolist(), "gauss_newton": ev_g.tolist()}
    return record
