"""One job of ``sequence-curvature`` (:func:`run_job`): a model at init or after a short Adam
training, the exact Hessian and Gauss-Newton spectra of its loss on a fixed evaluation batch,
and their cutoff-robust measures."""
from __future__ import annotations

import time

import numpy as np

from ...curvature import (CurvatureProducts, eigenvalues_symmetric, lanczos, network_hessian,
                          spectral_density)
from ...data import load_dataset
from ...train import TrainConfig, accuracy, train
from ..network_hessian_spectra import spectrum_summary
from .models import build_model, model_structure

__all__ = ["STATES", "MATRICES", "evaluation_batch", "slq_estimates", "spectra",
           "run_sequence_curvature", "run_job"]

STATES = ("init", "trained")
"""At initialisation, or after ``epochs`` epochs of Adam on the 4000 training sequences."""

MATRICES = ("hessian", "gauss_newton")
"""The two curvature matrices of each job."""

_DATA: dict = {}


def evaluation_batch(n_eval, split_seed=0):
    """MNIST-1D's training set and its first ``n_eval`` sequences, the fixed evaluation batch.

    Parameters
    ----------
    n_eval : int in [1, 4000]
    split_seed : int >= 0, passed to :func:`cdnotes.data.load_dataset`

    Returns
    -------
    X_train ``(4000, 40)``, y_train ``(4000,)``, X_eval ``(n_eval, 40)`` float64,
    y_eval ``(n_eval,)`` int
    """
    key = (n_eval, split_seed)
    if key not in _DATA:
        X, _, y, _ = load_dataset("mnist1d", split_seed)
        if not 1 <= n_eval <= len(y):
            raise ValueError(f"n_eval must be in [1, {len(y)}]; got {n_eval}")
        X = np.asarray(X, dtype=np.float64)
        _DATA[key] = (X, y, X[:n_eval], y[:n_eval])
    return _DATA[key]


def slq_estimates(matvec, P, *, n_vectors, n_steps, seed=0) -> dict:
    """Stochastic Lanczos quadrature estimates of a spectrum's trace and negative mass.

    Parameters
    ----------
    matvec : callable ``(P,) -> (P,)``; P : int
    n_vectors, n_steps : int >= 1, probes and Lanczos steps per probe
        (:func:`~cdnotes.curvature.spectral_density`)
    seed : int, seeds the Rademacher probes

    Returns
    -------
    dict
        ``slq_trace``: ``P Σ w θ`` (Hutchinson's estimate of ``Σ λ``: the quadrature is
        exact for degree 1), ``slq_abs_trace``: ``P Σ w |θ|`` (of ``Σ |λ|``),
        ``slq_negative_mass``: ``Σ_{θ<0} w |θ| / Σ w |θ|`` (of the share of ``Σ |λ|`` on
        negative eigenvalues), ``slq_probes``, ``slq_steps``.
    """
    nodes, weights = spectral_density(matvec, P, n_vectors=n_vectors, n_steps=n_steps,
                                      seed=seed)
    mass = weights * np.abs(nodes)
    total = float(mass.sum())
    return {"slq_trace": float(P * np.sum(weights * nodes)), "slq_abs_trace": P * total,
            "slq_negative_mass": float(mass[nodes < 0].sum() / total) if total else 0.0,
            "slq_probes": int(n_vectors), "slq_steps": int(n_steps)}


def spectra(net, X, y, *, full_max, lanczos_steps, seed=0):
    """The Hessian's and Gauss-Newton's spectra of the mean cross-entropy of ``net`` on
    ``(X, y)``.

    Parameters
    ----------
    net : a sequence classifier; X : ``(N, 40)`` float64; y : ``(N,)`` int
    full_max : int, the largest ``P`` whose full matrices are formed
        (:func:`~cdnotes.curvature.network_hessian`) and diagonalised; above it, Lanczos
    lanczos_steps : int >= 1, steps of :func:`~cdnotes.curvature.lanczos` (``P > full_max``)
    seed : int, the Lanczos start vector's seed

    Returns
    -------
    method : ``"full"`` or ``"lanczos"``
    eigenvalues : dict ``{matrix: array}``, ascending: all ``P`` eigenvalues (full) or the
        Ritz values (Lanczos; only their extremes estimate the spectrum's)
    loss : float, the mean loss
    """
    P = net.n_params
    if P <= full_max:
        ev = {kind: eigenvalues_symmetric(network_hessian(net, X, y, kind, max_params=full_max))
              for kind in MATRICES}
        loss = CurvatureProducts(net, X, y).loss
        return "full", ev, float(loss)
    ops = CurvatureProducts(net, X, y)
    ev = {kind: lanczos(ops.matvec(kind), P, n_steps=lanczos_steps, seed=seed)
          for kind in MATRICES}
    return "lanczos", ev, float(ops.loss)


def _measures(method, ev):
    """A spectrum's summary: every measure when full, the extremes only from Lanczos."""
    if method == "full":
        return spectrum_summary(ev, histogram=False)
    return {"n_ritz": int(ev.size), "lambda_max": float(ev[-1]), "lambda_min": float(ev[0])}


def _slq(net, X, y, settings, seed):
    """SLQ estimates of both matrices (:func:`slq_estimates`), for the Lanczos records."""
    ops = CurvatureProducts(net, X, y)
    return {kind: slq_estimates(ops.matvec(kind), net.n_params, n_vectors=settings["slq_probes"],
                                n_steps=settings["lanczos_steps"], seed=seed)
            for kind in MATRICES}


def run_sequence_curvature(job, settings) -> dict:
    """One record: build, maybe train, and measure.

    Parameters
    ----------
    job : dict ``{"model", "block_size", "layernorm", "seed", "state"}``
    settings : dict with ``n_eval``, ``split_seed``, ``epochs``, ``lr``, ``batch_size``,
        ``n_train`` (the first ``n_train`` training sequences are trained on; None: all),
        ``full_max``, ``lanczos_steps``, ``slq_probes`` (SLQ probes of the Lanczos records;
        0 or absent: none), ``channels``, ``d_model``, ``n_heads``,
        ``ffn_hidden``

    Returns
    -------
    dict
        ``model``, ``structure``, ``block_size``, ``layernorm``, ``seed``, ``state``,
        ``n_params``, ``architecture``, ``method`` (``"full"``/``"lanczos"``), ``loss`` and
        ``accuracy`` on the evaluation batch, ``hessian`` and ``gauss_newton`` (summaries of
        :func:`~cdnotes.experiments.network_hessian_spectra.spectrum_summary` without
        histogram when full: ``kappa`` over its ``CUTOFFS``, ...; when Lanczos the extremes
        and :func:`slq_estimates`), ``train_loss`` (per epoch, trained only),
        ``train_seconds``, ``seconds``.
    """
    start = time.perf_counter()
    X, y, X_eval, y_eval = evaluation_batch(settings["n_eval"], settings["split_seed"])
    net = build_model(job["model"], block_size=job["block_size"], layernorm=job["layernorm"],
                      seed=job["seed"], channels=settings["channels"],
                      d_model=settings["d_model"], n_heads=settings["n_heads"],
                      ffn_hidden=settings["ffn_hidden"])
    train_loss, train_seconds = None, 0.0
    if job["state"] == "trained":
        config = TrainConfig(epochs=settings["epochs"], lr=settings["lr"], optimizer="adam",
                             batch_size=settings["batch_size"])
        t0 = time.perf_counter()
        n = settings["n_train"] or len(y)
        train_loss = [float(v) for v in train(net, X[:n], y[:n], config=config,
                                              seed=job["seed"]).train_loss]
        train_seconds = time.perf_counter() - t0
    elif job["state"] != "init":
        raise ValueError(f"state must be one of {', '.join(STATES)}; got {job['state']!r}")
    method, ev, loss = spectra(net, X_eval, y_eval, full_max=settings["full_max"],
                               lanczos_steps=settings["lanczos_steps"], seed=job["seed"])
    measures = {kind: _measures(method, ev[kind]) for kind in MATRICES}
    if method == "lanczos" and settings.get("slq_probes"):
        for kind, extra in _slq(net, X_eval, y_eval, settings, job["seed"]).items():
            measures[kind].update(extra)
    return {"model": job["model"], "structure": model_structure(job["model"]),
            "block_size": job["block_size"], "layernorm": job["layernorm"],
            "seed": int(job["seed"]), "state": job["state"], "n_params": int(net.n_params),
            "architecture": net.name, "method": method, "loss": loss,
            "accuracy": float(accuracy(net, X_eval, y_eval)),
            **measures,
            "train_loss": train_loss, "train_seconds": train_seconds,
            "seconds": time.perf_counter() - start}


def run_job(job: dict, settings: dict) -> dict:
    """The ``run_job`` of the ``sequence-curvature`` sweep: :func:`run_sequence_curvature`
    with one BLAS thread (the engine's workers get their share of threads).

    Parameters
    ----------
    job, settings : dict, as for :func:`run_sequence_curvature`

    Returns
    -------
    dict, the record
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return run_sequence_curvature(job, settings)
