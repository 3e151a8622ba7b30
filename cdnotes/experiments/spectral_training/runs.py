"""One run of the spectral-training experiment, and the sweep jobs built from them.

:func:`run_one` trains one model; :func:`run_configuration` every regime and seed of one
configuration (with the weight distances, which compare runs of the same seed and of
consecutive seeds); :func:`cd_link_run` one model of the CD link; :func:`init_probe` and
:func:`compact_run` the probes. :func:`run_job` and :func:`run_probe_job` are the
``run_job`` of the ``spectral`` and ``spectral-probes`` sweeps
(:class:`cdnotes.engine.Sweep`): ``(job, settings) -> record``, each job carrying its seeds,
run with one BLAS thread so that a record is the same in whatever process it runs.
"""
from __future__ import annotations

import math
import time

import numpy as np

from ...data import load_dataset
from ...spectral import retract
from ...train import TrainConfig, accuracy, train
from ...validation import check_choice
from .. import child_seeds
from .analysis import weight_distances
from .config import ACTIVATIONS, INIT_MODELS, REGIMES, SweepConfig
from .models import build_model, cd_models, is_linear

__all__ = ["run_one", "run_configuration", "cd_link_run", "init_probe", "compact_run",
           "run_job", "run_probe_job", "TRAINING_FIELDS"]

TRAINING_FIELDS = ("epochs", "batch_size", "lr_linear", "lr_nonlinear", "n3", "split_seed",
                   "curvature_samples")
"""The :class:`SweepConfig` fields a single run reads (the rest choose which runs)."""

_DATA: dict = {}


def _data(name: str, split_seed: int):
    """The data set, loaded once per process."""
    key = (name, split_seed)
    if key not in _DATA:
        _DATA[key] = load_dataset(name, split_seed)
    return _DATA[key]


def _config(settings: dict) -> SweepConfig:
    return SweepConfig(**{k: settings[k] for k in TRAINING_FIELDS if k in settings})


def run_one(data, dataset: str, architecture: str, hidden, activations, regime: str,
            bias: bool, seed: int, config: SweepConfig, input_eigenvalues: str = "fixed",
            lam_in_start: str = "drawn"):
    """Train one model; its record and, for linear models, the retracted weights.

    Parameters
    ----------
    data : tuple ``(X_train, X_test, y_train, y_test)``
    dataset, architecture : str
    hidden : tuple of int; activations : list
    regime : one of :data:`REGIMES`; bias : bool; seed : int
    config : :class:`SweepConfig`
    input_eigenvalues : {"fixed", "trained"}
    lam_in_start : {"drawn", "one"}
        Trained input eigenvalues start ``U[−0.01, 0.01]`` (``"drawn"``, as every trained
        eigenvalue) or at 1 (``"one"``: the fixed variant's start); recorded if ``"one"``.

    Returns
    -------
    record : dict
        Configuration (with ``input_eigenvalues``), ``n_trained``, ``test_accuracy`` and
        ``train_accuracy`` (%), ``retracted_accuracy``, ``retraction_logit_error`` (max abs
        difference of the logits), ``train_loss``, ``seconds``.
    weights : numpy array ``(10, n)`` or None
        The retracted linear model's weight matrix.
    """
    X_train, X_test, y_train, y_test = data
    model_seed, batch_seed = child_seeds(seed, 2)
    model = build_model(regime, X_train.shape[1], hidden, activations, bias=bias,
                        seed=model_seed, input_eigenvalues=input_eigenvalues)
    check_choice(lam_in_start, "lam_in_start", ("drawn", "one"))
    if lam_in_start == "one":
        for layer in model.linear_layers:
            if "lam_in" in getattr(layer, "params", {}):
                layer.lam_in = np.ones(layer.n_in)
    linear = is_linear(activations)
    lr = config.lr_linear if linear else config.lr_nonlinear
    tc = TrainConfig(epochs=config.epochs, lr=lr, batch_size=config.batch_size,
                     optimizer="adamax")
    start = time.perf_counter()
    history = train(model, X_train, y_train, config=tc, seed=batch_seed)
    seconds = time.perf_counter() - start
    acc = accuracy(model, X_test, y_test)
    retraction = retract(model)
    logits = model.forward(X_test)
    error = float(np.abs(retraction.model.forward(X_test) - logits).max())
    record = {"dataset": dataset, "architecture": architecture, "hidden": list(hidden),
              "activations": list(activations), "regime": regime, "bias": bool(bias),
              "seed": int(seed), "input_eigenvalues": input_eigenvalues,
              "n_trained": int(model.n_params), "test_accuracy": 100 * acc,
              "train_accuracy": 100 * accuracy(model, X_train, y_train),
              "retracted_accuracy": 100 * accuracy(retraction.model, X_test, y_test),
              "retraction_logit_error": error,
              "retraction_logit_scale": float(np.abs(logits).max()),
              "merged": [list(run) for run in retraction.merged],
              "train_loss": float(history.train_loss[-1]), "seconds": seconds}
    if lam_in_start == "one":
        record["lam_in_start"] = "one"
    weights = np.asarray(retraction.model.linear_layers[0].W) if linear else None
    return record, weights


def run_configuration(data, variant: str, dataset: str, architecture: str, hidden, bias: bool,
                      seeds, config: SweepConfig, keep_weights: bool = False) -> dict:
    """Every regime and seed of one configuration, with the weight distances.

    Parameters
    ----------
    data : tuple ``(X_train, X_test, y_train, y_test)``
    variant : {"fixed", "trained"}; dataset, architecture : str
    hidden : sequence of int; bias : bool
    seeds : sequence of int
        One run per regime and seed; the seed floor pairs consecutive seeds of this list.
    config : :class:`SweepConfig`
    keep_weights : bool, default False
        Also return every linear run's retracted weights (``None`` for non-linear ones).

    Returns
    -------
    dict
        ``runs`` (:func:`run_one` records, regime-major, with ``w1``, ``w1_standardized``,
        ``weight_std`` for linear models), ``seed_floor`` (:func:`weight_distances`),
        ``perceptron_weights`` (the first seed's retracted perceptron weights per regime)
        and, with ``keep_weights``, ``weights``.
    """
    activations = ACTIVATIONS[architecture]
    records, weights = [], []
    for regime in REGIMES:
        for seed in seeds:
            record, W = run_one(data, dataset, architecture, tuple(hidden), activations, regime,
                                bias, seed, config, input_eigenvalues=variant)
            records.append(record)
            weights.append(W)
    floor = weight_distances(records, weights)
    kept = [{"input_eigenvalues": r["input_eigenvalues"], "dataset": r["dataset"],
             "bias": r["bias"], "regime": r["regime"], "weights": W.ravel().tolist()}
            for r, W in zip(records, weights)
            if r["architecture"] == "perceptron" and r["seed"] == seeds[0]]
    out = {"runs": records, "seed_floor": floor, "perceptron_weights": kept}
    if keep_weights:
        out["weights"] = [None if W is None else W.tolist() for W in weights]
    return out


def cd_link_run(data, variant: str, dataset: str, B: int, seed: int, name: str,
                config: SweepConfig):
    """One model of the CD link: train, Gauss-Newton eigenvalues, conditioning.

    Parameters
    ----------
    data : tuple ``(X_train, X_test, y_train, y_test)``
    variant : {"fixed", "trained"}; dataset : str
    B : int, the block size; seed : int
    name : {"cdlinear", "spectral", "constrained", "dense"}
    config : :class:`SweepConfig`

    Returns
    -------
    record : dict
    eigenvalues : numpy array ``(P,)``, sorted, of the Gauss-Newton matrix
    """
    from ...conditioning import condition_number
    from ...curvature import eigenvalues_symmetric, network_hessian

    X_train, X_test, y_train, y_test = data
    Xc, yc = X_train[:config.curvature_samples], y_train[:config.curvature_samples]
    model_seed, batch_seed = child_seeds(seed + 1_000_003, 2)
    model = cd_models(X_train.shape[1], B, model_seed, variant)[name]
    tc = TrainConfig(epochs=config.epochs, lr=config.lr_linear,
                     batch_size=config.batch_size, optimizer="adamax")
    train(model, X_train, y_train, config=tc, seed=batch_seed)
    G = network_hessian(model, Xc, yc, kind="gauss_newton")
    ev = np.sort(eigenvalues_symmetric(G))
    c = condition_number(np.clip(ev, 0, None))
    top = float(ev.max())
    kappas = {}
    for cut in (1e-6, 1e-10):
        kept = ev[ev > cut * top]
        kappas[f"{cut:g}"] = top / float(kept.min())
    record = {"dataset": dataset, "block_size": None if name == "dense" else int(B),
              "seed": int(seed), "model": name, "input_eigenvalues": variant,
              "n_trained": int(model.n_params),
              "test_accuracy": 100 * accuracy(model, X_test, y_test),
              "train_accuracy": 100 * accuracy(model, X_train, y_train),
              "kappa_range": c.kappa_nonzero, "n_zero": c.n_zero, "rank": c.n - c.n_zero,
              "lambda_max": c.lambda_max, "kappa_cutoff": kappas}
    return record, ev


def init_probe(data, dataset: str, hidden, model: str, seed: int, config: SweepConfig):
    """One run of the initialisation probe on the non-linear architecture ``hidden``.

    ``"unconstrained"`` and ``"eigenvalues+eigenvectors"`` are the sweep's models (same
    seeds, so the same numbers); ``"unconstrained, spectral init"`` starts every weight
    matrix at the Λ-and-Φ model's initial ``W = φ ⊙ (λ_in − λ_out)`` (``φ ~ U[−0.5, 0.5]``:
    standard deviation ``1/√12 ≈ 0.29`` in every layer); ``"eigenvalues+eigenvectors,
    He-scaled φ"`` multiplies the initial ``φ`` of every layer by ``√(2/n_in)·√12``, so its
    initial weights have the unconstrained model's (He) standard deviation ``√(2/n_in)``.
    Everything else (seeds, batches, AdaMax at the non-linear rate) as in the sweep.

    Parameters
    ----------
    data : tuple ``(X_train, X_test, y_train, y_test)``
    dataset : str; hidden : tuple (N₂, N₃); model : one of :data:`INIT_MODELS`
    seed : int; config : :class:`SweepConfig`

    Returns
    -------
    dict
        ``dataset``, ``hidden``, ``model``, ``seed``, ``test_accuracy``, ``train_accuracy``
        (%), ``initial_weight_std`` (per linear layer).
    """
    check_choice(model, "model", INIT_MODELS)
    X_train, X_test, y_train, y_test = data
    model_seed, batch_seed = child_seeds(seed, 2)
    activations = [None, "relu"]
    n_in = X_train.shape[1]
    regime = "unconstrained" if model.startswith("unconstrained") else "eigenvalues+eigenvectors"
    net = build_model(regime, n_in, hidden, activations, bias=False, seed=model_seed)
    if model == "unconstrained, spectral init":
        spectral = build_model("eigenvalues+eigenvectors", n_in, hidden, activations,
                               bias=False, seed=model_seed)
        for layer, source in zip(net.linear_layers, spectral.linear_layers):
            layer.w = np.asarray(source.to_dense()).ravel()      # every weight trained
    elif model == "eigenvalues+eigenvectors, He-scaled φ":
        for layer in net.linear_layers:
            layer.phi = np.asarray(layer.phi) * math.sqrt(2.0 / layer.n_in) * math.sqrt(12.0)
    std0 = [float(np.std(np.asarray(layer.to_dense()))) for layer in net.linear_layers]
    tc = TrainConfig(epochs=config.epochs, lr=config.lr_nonlinear,
                     batch_size=config.batch_size, optimizer="adamax")
    train(net, X_train, y_train, config=tc, seed=batch_seed)
    return {"dataset": dataset, "hidden": list(hidden), "model": model, "seed": int(seed),
            "test_accuracy": 100 * accuracy(net, X_test, y_test),
            "train_accuracy": 100 * accuracy(net, X_train, y_train),
            "initial_weight_std": std0}


def compact_run(data, dataset: str, architecture: str, hidden, regime: str, seed: int,
                config: SweepConfig) -> dict:
    """One model in the compact form ``A = Φ Λ (2I + Φ)⁻¹ Φ`` (no bias, input eigenvalues
    fixed), trained as the sweep's.

    Parameters
    ----------
    data : tuple ``(X_train, X_test, y_train, y_test)``
    dataset, architecture : str; hidden : list of int; regime : str; seed : int
    config : :class:`SweepConfig`

    Returns
    -------
    dict, the run's record (``transfer: "compact"``)
    """
    X_train, X_test, y_train, y_test = data
    activations = {"perceptron": [], "wide": [None], "deep": [None, None],
                   "nonlinear": [None, "relu"]}[architecture]
    model_seed, batch_seed = child_seeds(seed, 2)
    model = build_model(regime, X_train.shape[1], hidden, activations, bias=False,
                        seed=model_seed, transfer="compact")
    lr = config.lr_linear if is_linear(activations) else config.lr_nonlinear
    tc = TrainConfig(epochs=config.epochs, lr=lr, batch_size=config.batch_size,
                     optimizer="adamax")
    train(model, X_train, y_train, config=tc, seed=batch_seed)
    return {"dataset": dataset, "architecture": architecture, "hidden": list(hidden),
            "regime": regime, "bias": False, "seed": int(seed), "input_eigenvalues": "fixed",
            "transfer": "compact", "n_trained": int(model.n_params),
            "test_accuracy": 100 * accuracy(model, X_test, y_test),
            "train_accuracy": 100 * accuracy(model, X_train, y_train)}


def run_job(job: dict, settings: dict) -> dict:
    """One job of the ``spectral`` sweep, with one BLAS thread.

    Parameters
    ----------
    job : dict
        ``{"kind": "regimes", "input_eigenvalues", "dataset", "architecture", "hidden",
        "bias", "seeds"}`` (:func:`run_configuration`) or ``{"kind": "cd_link",
        "input_eigenvalues", "dataset", "block_size", "seed", "model", "spectrum"}``
        (:func:`cd_link_run`; ``spectrum``: keep the Gauss-Newton eigenvalues).
    settings : dict
        The :data:`TRAINING_FIELDS` of :class:`SweepConfig` (and ``keep_weights``).

    Returns
    -------
    dict: :func:`run_configuration`'s, or :func:`cd_link_run`'s record (with
    ``eigenvalues`` if ``spectrum``)
    """
    from threadpoolctl import threadpool_limits

    config = _config(settings)
    kind = check_choice(job.get("kind"), "job kind", ("regimes", "cd_link"))
    with threadpool_limits(limits=1, user_api="blas"):
        data = _data(job["dataset"], config.split_seed)
        if kind == "regimes":
            return run_configuration(data, job["input_eigenvalues"], job["dataset"],
                                     job["architecture"], job["hidden"], job["bias"],
                                     job["seeds"], config,
                                     keep_weights=settings.get("keep_weights", False))
        record, ev = cd_link_run(data, job["input_eigenvalues"], job["dataset"],
                                 job["block_size"], job["seed"], job["model"], config)
    if job.get("spectrum"):
        record["eigenvalues"] = ev.tolist()
    return record


def run_probe_job(job: dict, settings: dict) -> dict:
    """One job of the ``spectral-probes`` sweep, with one BLAS thread.

    Parameters
    ----------
    job : dict
        ``kind`` in ``{"init", "compact", "overfit", "from_one"}``, ``dataset``, ``seed``,
        ``hidden``, and ``model`` (init), ``architecture`` and ``regime`` (compact,
        from_one) or ``regime`` (overfit: the non-linear model, input eigenvalues fixed).
    settings : dict, the :data:`TRAINING_FIELDS`

    Returns
    -------
    dict, the run's record
    """
    from threadpoolctl import threadpool_limits

    config = _config(settings)
    kind = check_choice(job.get("kind"), "probe kind", ("init", "compact", "overfit",
                                                        "from_one"))
    dataset, hidden, seed = job["dataset"], tuple(job["hidden"]), job["seed"]
    with threadpool_limits(limits=1, user_api="blas"):
        data = _data(dataset, config.split_seed)
        if kind == "init":
            return init_probe(data, dataset, hidden, job["model"], seed, config)
        if kind == "compact":
            return compact_run(data, dataset, job["architecture"], hidden, job["regime"],
                               seed, config)
        architecture = "nonlinear" if kind == "overfit" else job["architecture"]
        record, _ = run_one(data, dataset, architecture, hidden, ACTIVATIONS[architecture],
                            job["regime"], False, seed, config,
                            input_eigenvalues="fixed" if kind == "overfit" else "trained",
                            lam_in_start="one" if kind == "from_one" else "drawn")
    return record
