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
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict

import numpy as np

from ..backend import import_namespace, to_numpy
from ..conditioning import condition_number
from ..curvature import (eigenvalues_symmetric, loss_and_gradient, network_hessian,
                         null_directions, paper_kappa_readings, smooth_density,
                         spectral_density, spectrum_measures)
from ..curvature.products import blas_limit
from ..curvature.spectrum_measures import DEFAULT_CUTOFFS, DEFAULT_PERCENTILES
from ..data import digits_split
from ..mlp import PAPER_MODELS, paper_model
from ..train import TrainConfig, accuracy, train
from ..validation import check_bool, check_choice, check_int
from ..whitening import WHITENING_NAMES, make_whitener

__all__ = ["STATES", "INPUTS", "DEFAULT_WHITENING", "BACKENDS", "LOG10_EDGES", "QUANTILES",
           "SLQ_PROBES", "SLQ_STEPS", "SIGNIFICANT_DIGITS", "CUTOFFS", "PERCENTILES",
           "job_key", "digits_inputs", "log_histogram", "spectrum_summary", "slq_comparison",
           "network_hessian_record", "settings", "finite_difference_check",
           "near_null_directions"]

STATES = ("init", "trained")
INPUTS = ("raw", "whitened")
DEFAULT_WHITENING = "spectral-block"
"""At the model's block size (``B = 1`` for dense, where it equals ZCA whitening)."""
BACKENDS = ("numpy", "cupy", "array_api_strict")
LOG10_EDGES = tuple(np.round(np.linspace(-20.0, 5.0, 101), 10).tolist())
"""Bin edges of the ``log10|λ|`` histograms: −20 … 5 in steps of a quarter decade."""
QUANTILES = (0.0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0)
"""Quantiles of the signed eigenvalues kept in every summary."""
SLQ_PROBES = (1, 2, 4, 8, 16)
SLQ_STEPS = 80
CUTOFFS = DEFAULT_CUTOFFS
PERCENTILES = DEFAULT_PERCENTILES
_GRID = 256
SIGNIFICANT_DIGITS = 7
"""Every float of a record is rounded to this many significant digits (a compact file)."""


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


def log_histogram(eigenvalues, edges=LOG10_EDGES) -> dict:
    """Counts of ``log10|λ|`` on a fixed grid, positive and negative eigenvalues apart.

    Parameters
    ----------
    eigenvalues : array-like ``(n,)``, real
    edges : increasing sequence of floats, the bin edges of ``log10|λ|``

    Returns
    -------
    dict with ``positive``, ``negative`` (lists of ``len(edges) − 1`` ints), ``zero``
    (exact zeros), ``below`` and ``above`` (``[positive, negative]`` counts outside the grid).
    """
    ev = np.asarray(eigenvalues, dtype=np.float64).ravel()
    edges = np.asarray(edges, dtype=np.float64)
    out = {"zero": int(np.sum(ev == 0)), "below": [], "above": []}
    for sign, part in (("positive", ev[ev > 0]), ("negative", -ev[ev < 0])):
        logs = np.log10(part)
        out[sign] = np.histogram(logs, bins=edges)[0].astype(int).tolist()
        out["below"].append(int(np.sum(logs < edges[0])))
        out["above"].append(int(np.sum(logs > edges[-1])))
    return out


def _structural_kappa(ev, n_null):
    """``max|λ|`` over the smallest ``|λ|`` once the ``n_null`` smallest are removed."""
    mag = np.sort(np.abs(ev))
    kept = mag[n_null:]
    return math.inf if kept.size == 0 or kept[0] == 0 else float(mag[-1] / kept[0])


def spectrum_summary(eigenvalues, *, n_null=None, histogram=True) -> dict:
    """Everything the chapter reads from one spectrum, JSON-ready (lists in fixed orders).

    Parameters
    ----------
    eigenvalues : array-like ``(n,)``, real, not all zero
    n_null : int, optional
        Exact null directions: adds ``kappa_structural`` (``max|λ|`` over the smallest
        ``|λ|`` left after removing the ``n_null`` smallest).
    histogram : bool
        Add the ``log10|λ|`` histogram and the quantiles.

    Returns
    -------
    dict: ``n``, ``lambda_max``, ``lambda_min``, ``abs_max``, ``negative_mass``,
    ``n_negative``, ``trace``, ``kappa`` and ``n_below`` (lists over :data:`CUTOFFS`),
    ``percentile_ratio`` (list over :data:`PERCENTILES`), ``effective_rank_entropy``,
    ``effective_rank_trace``, ``top10_share``, ``top1pct_share``; optionally
    ``kappa_structural``, ``log_histogram`` and ``quantiles`` (over :data:`QUANTILES`).
    """
    ev = np.asarray(eigenvalues, dtype=np.float64).ravel()
    m = spectrum_measures(ev, cutoffs=CUTOFFS, percentiles=PERCENTILES)
    out = {"n": m.n, "lambda_max": m.lambda_max, "lambda_min": m.lambda_min,
           "abs_max": m.abs_max, "negative_mass": m.negative_mass, "n_negative": m.n_negative,
           "trace": float(ev.sum()),
           "kappa": [m.kappa[c] for c in CUTOFFS], "n_below": [m.n_below[c] for c in CUTOFFS],
           "percentile_ratio": [m.percentile_ratio[q] for q in PERCENTILES],
           "effective_rank_entropy": m.effective_rank_entropy,
           "effective_rank_trace": m.effective_rank_trace,
           "top10_share": m.top10_share, "top1pct_share": m.top1pct_share}
    if n_null is not None:
        out["kappa_structural"] = _structural_kappa(ev, check_int(n_null, "n_null", minimum=0))
    if histogram:
        out["log_histogram"] = log_histogram(ev)
        out["quantiles"] = np.quantile(ev, QUANTILES).tolist()
    return out


def _gauss_newton_range(ev, n_null) -> dict:
    """κ of a PSD spectrum on its range: numerical (``condition_number``) and structural."""
    c = condition_number(ev)
    return {"kappa_nonzero": c.kappa_nonzero, "n_zero": c.n_zero,
            "zero_threshold": c.zero_threshold, "kappa_structural": _structural_kappa(ev, n_null),
            "n_structural": int(n_null)}


def slq_comparison(matvec, eigenvalues, *, probes=SLQ_PROBES, n_steps=SLQ_STEPS, seed=0,
                   curves=False) -> dict:
    """Stochastic Lanczos quadrature with a growing number of probes against the exact spectrum.

    Probe ``k`` is :func:`~cdnotes.curvature.spectral_density` with one probe and seed
    ``seed + k``; the estimate with ``p`` probes averages the first ``p`` (so the estimates
    are nested, as a reader adding probes would see them).

    Parameters
    ----------
    matvec : callable ``(P,) -> (P,)``, ``v ↦ H v``
    eigenvalues : array-like ``(P,)``, the exact spectrum of ``H``
    probes : increasing sequence of int >= 1
    n_steps : int >= 1, Lanczos steps per probe
    seed : int >= 0
    curves : bool
        Also return the smoothed densities on a grid (for figures).

    Returns
    -------
    dict: ``probes``, ``n_steps``, ``seed``, ``sigma`` (the smoothing width: 1/200 of the
    spectrum's width), ``wasserstein`` (W1 distance of the SLQ measure to the exact one,
    divided by ``λ_max − λ_min``, per probe count), ``lambda_max_error`` and
    ``lambda_min_error`` (how far the extreme nodes fall inside the spectrum, relative to
    its width, per probe count), ``l1_smoothed`` (``∫|ρ_SLQ − ρ|`` of the
    two measures smoothed alike, in [0, 2], per probe count); with ``curves``: ``grid``,
    ``exact`` and ``slq`` (one density per probe count), on every other grid point, 4
    significant digits, values below ``1e-6`` of the exact density's peak as 0.
    """
    from scipy.stats import wasserstein_distance

    ev = np.asarray(eigenvalues, dtype=np.float64).ravel()
    probes = [check_int(p, "each probe count", minimum=1) for p in probes]
    if probes != sorted(set(probes)):
        raise ValueError(f"probes must be increasing and distinct; got {probes}")
    curves = check_bool(curves, "curves")
    runs = [spectral_density(matvec, ev.size, n_vectors=1, n_steps=n_steps, seed=seed + k)
            for k in range(probes[-1])]
    width = float(ev.max() - ev.min())
    sigma = width / 200.0
    grid = np.linspace(ev.min() - 5 * sigma, ev.max() + 5 * sigma, 2 * _GRID)
    exact = smooth_density(ev, np.full(ev.size, 1.0 / ev.size), grid, sigma)
    out = {"probes": probes, "n_steps": int(n_steps), "seed": int(seed), "sigma": sigma,
           "wasserstein": [], "l1_smoothed": [], "lambda_max_error": [],
           "lambda_min_error": []}
    densities = []
    for p in probes:
        nodes = np.concatenate([r[0] for r in runs[:p]])
        weights = np.concatenate([r[1] for r in runs[:p]]) / p
        out["wasserstein"].append(float(wasserstein_distance(ev, nodes, None, weights) / width))
        out["lambda_max_error"].append(float((ev.max() - nodes.max()) / width))
        out["lambda_min_error"].append(float((nodes.min() - ev.min()) / width))
        density = smooth_density(nodes, weights, grid, sigma)
        out["l1_smoothed"].append(float(np.trapezoid(np.abs(density - exact), grid)))
        densities.append(density)
    if curves:
        floor = 1e-6 * float(exact.max())

        def short(a):                     # every other grid point; 4 digits; tails as 0
            return [float(f"{x:.4g}") if x > floor else 0.0 for x in a[::2]]
        out["grid"], out["exact"] = short(grid), short(exact)
        out["slq"] = [short(d) for d in densities]
    return out


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


_BRIEF = ("n", "lambda_max", "lambda_min", "negative_mass", "kappa", "percentile_ratio",
          "effective_rank_entropy")


def _brief(summary):
    return {key: summary[key] for key in _BRIEF}


def _rounded(obj, digits=SIGNIFICANT_DIGITS):
    """``obj`` with every float rounded to ``digits`` significant digits (compact JSON)."""
    if isinstance(obj, dict):
        return {k: _rounded(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_rounded(v, digits) for v in obj]
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if not math.isfinite(x) or x == 0 else float(f"{x:.{digits}g}")
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


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


def _relu_pattern(model, X):
    """Signs of every ReLU's input, one boolean array per ReLU (host)."""
    from ..curvature import layer_inputs
    from ..layers.activations import ReLU

    return [np.asarray(to_numpy(H)) > 0 for layer, H in layer_inputs(model, X)
            if isinstance(layer, ReLU)]


def finite_difference_check(model, X, y, *, n_directions=3, eps=1e-6, seed=0) -> dict:
    """Exact Hessian-vector products against central differences of the gradient.

    For random unit directions ``v``: ``(∇L(θ + εv) − ∇L(θ − εv)) / 2ε`` against
    :func:`~cdnotes.curvature.hessian_vector_product`. A ReLU network's gradient jumps where
    a unit changes sign, so ``ε`` is halved (at most 30 times) until no ReLU input on ``X``
    changes sign between ``θ − εv`` and ``θ + εv``. The model's parameters are restored.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP` (NumPy, float64)
    X : array ``(N, n_in)``; y : integer array ``(N,)``
    n_directions : int >= 1
    eps : float > 0, the first step tried
    seed : int >= 0, seeds the directions

    Returns
    -------
    dict: ``relative_error`` (per direction, ``‖HVP − FD‖ / ‖HVP‖``), ``eps`` (the step used
    per direction)
    """
    from ..curvature import flat_params, hessian_vector_product, set_flat_params
    from ..validation import check_real

    n_directions = check_int(n_directions, "n_directions", minimum=1)
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    theta = flat_params(model)
    base = _relu_pattern(model, X)
    out = {"relative_error": [], "eps": []}
    try:
        for _ in range(n_directions):
            v = rng.standard_normal(theta.shape)
            v /= np.linalg.norm(v)
            step = eps
            for _ in range(30):
                same = True
                for sign in (1.0, -1.0):
                    set_flat_params(model, theta + sign * step * v)
                    same &= all(np.array_equal(a, b) for a, b in zip(_relu_pattern(model, X), base))
                if same:
                    break
                step /= 2
            set_flat_params(model, theta + step * v)
            g_plus = loss_and_gradient(model, X, y)[1]
            set_flat_params(model, theta - step * v)
            g_minus = loss_and_gradient(model, X, y)[1]
            set_flat_params(model, theta)
            hv = np.asarray(to_numpy(hessian_vector_product(model, X, y, v)))
            fd = (g_plus - g_minus) / (2 * step)
            out["relative_error"].append(float(np.linalg.norm(hv - fd) / np.linalg.norm(hv)))
            out["eps"].append(float(step))
    finally:
        set_flat_params(model, theta)
    return out


def near_null_directions(model, X, y, *, cutoff=1e-12, blas_threads=1) -> dict:
    """Eigenvalues of ``H`` below ``cutoff·max|λ|`` beyond the exact null directions, explained.

    The exact null directions (:func:`~cdnotes.curvature.null_directions`) account for some
    of the smallest eigenvalues; any others at or below the cutoff are *near*-null. For each,
    the parameter carrying most of its eigenvector, and how often what that parameter touches
    is active on ``X``: for a bias, its unit (samples where the unit's ReLU output is
    non-zero; all samples for the output layer); for a weight, the least active of the
    inputs it reads; with the smallest top softmax probability over those samples (how
    confidently they are classified: the loss's curvature there is about ``p(1 − p)``).

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP` (NumPy, float64)
    X : array ``(N, n_in)``; y : integer array ``(N,)``
    cutoff : float in (0, 1)
    blas_threads : int >= 1 or None

    Returns
    -------
    dict: ``n_exact`` (exact null directions of ``H``), ``n_near``, ``cutoff``,
    ``directions`` (one dict per near-null eigenvalue, smallest first: ``relative_eigenvalue``
    (``|λ| / max|λ|``), ``layer`` (index in ``model.linear_layers``), ``param`` (its name),
    ``index`` (in ``θ``), ``share`` (that parameter's share of the unit eigenvector),
    ``active`` (samples), ``confidence`` (``None`` when ``active`` is 0))
    """
    from ..curvature import layer_inputs, param_slices, softmax_outputs
    from ..validation import check_rtol

    cutoff = check_rtol(cutoff, "cutoff")
    with blas_limit(np, blas_threads):
        H = network_hessian(model, X, y, blas_threads=blas_threads)
        w, V = np.linalg.eigh(H)
        nulls = null_directions(model, X)
        _, p = softmax_outputs(model, X)
    confidence = p.max(axis=1)
    mag = np.abs(w)
    order = np.argsort(mag, kind="stable")
    near = [int(k) for k in order[nulls.hessian:] if mag[k] <= cutoff * mag.max()]
    linear = model.linear_layers
    ids = [id(layer) for layer in linear]
    inputs = {id(layer): np.asarray(to_numpy(H_in)) != 0 for layer, H_in in layer_inputs(model, X)
              if id(layer) in ids}
    slices = param_slices(model)
    out = []
    for k in near:
        v = V[:, k]
        j = int(np.argmax(v * v))
        l, name, start, _, _ = next(s for s in slices if s[2] <= j < s[3])
        layer = linear[l]
        if name == "b":
            unit = j - start
            on = (inputs[ids[l + 1]][:, unit] if l + 1 < len(linear)
                  else np.ones(X.shape[0], bool))
        else:
            J = np.asarray(to_numpy(layer.weight_jacobian()))
            reads = np.unique(np.flatnonzero(J[:, j - start]) % layer.n_in)
            counts = inputs[id(layer)][:, reads].sum(axis=0)
            on = inputs[id(layer)][:, reads[int(np.argmin(counts))]]
        out.append({"relative_eigenvalue": float(mag[k] / mag.max()), "layer": l, "param": name,
                    "index": j, "share": float(v[j] ** 2), "active": int(on.sum()),
                    "confidence": float(confidence[on].min()) if on.any() else None})
    return {"n_exact": nulls.hessian, "n_near": len(near), "cutoff": cutoff, "directions": out}
