"""Spectral-domain training (Giambagli, Buffoni et al.) on digits and MNIST-1D.

The paper's four regimes — ``constrained`` (a dense network training only a seeded random
subset of its weights, as many as the spectral model trains eigenvalues; the others frozen
at their initial values), ``eigenvalues`` (Λ only), ``unconstrained`` (every weight) and
``eigenvalues+eigenvectors`` (Λ and Φ) — for its architectures:

``perceptron``   ``n → 10`` (Λ: ``lam_in`` and ``lam_out`` trained, ``n + 10`` eigenvalues)
``wide``         ``n → N₂ → 10``, one telescopic linear layer (Λ: ``N₂ + 10``, ``lam_in`` = 1)
``deep``         ``n → N₂ → N₃ → 10``, two telescopic layers
``nonlinear``    ``n → N₂ (linear) → N₃ ReLU → 10``; the linear layer is retracted after training

The paper fixes the input-node eigenvalues of every layer of a multi-layer model at 1 (its
counts: ``N₂ + N₃`` trained eigenvalues for the wide model). :data:`INPUT_VARIANTS` runs that
(``"fixed"``, the default) or trains every layer's input-node eigenvalues too (``"trained"``:
``Σ_k (N_k + N_{k+1})`` eigenvalues, see :func:`eigenvalue_count`); the perceptron trains
them in both (the paper's ``N₁ + N₂``). Every record carries ``"input_eigenvalues"``.

with and without a bias, under the paper's settings (AdaMax, lr 0.03 linear / 0.01
non-linear, 20 epochs, batch 300). Every linear model is retracted (:func:`cdnotes.spectral.retract`)
and evaluated again: the accuracy must not change. The retracted weights of the linear
models are compared with those of the unconstrained model of the same architecture and
seed by the Wasserstein-1 distance (raw, and after dividing each by its standard deviation).

:func:`run_cd_link` puts the two "train in a spectral basis" ideas side by side at matched
trained-parameter counts: a CDLinear perceptron (Fourier basis, block size ``B``, 16
outputs of which 10 are logits, as the paper's CD models), a spectral ``n → N₂ → 10``
model training only eigenvalues (and the output bias; ``N₂`` chosen so the counts agree),
the constrained
dense perceptron with as many trained parameters, and the dense perceptron (all
parameters); for each, the Gauss-Newton matrix with respect to its own trained
parameters at the trained point (:func:`cdnotes.curvature.network_hessian`) and its
condition number on its range (:func:`cdnotes.conditioning.condition_number`).

:func:`run_spectral_training` runs both and returns a JSON-ready dict; the CLI is
``python -m cdnotes spectral`` (:func:`add_parser`).
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np

from ..layers import CDLinear, Dense, MaskedDense, ReLU
from ..mlp import MLP
from ..spectral import retract, spectral_mlp
from ..train import TrainConfig, accuracy, train
from ..validation import check_choice, check_int
from ._seeding import child_seeds

__all__ = ["REGIMES", "ARCHITECTURES", "DATASETS", "INPUT_VARIANTS", "PAPER_TABLE1",
           "PAPER_PERCEPTRON", "SweepConfig", "load_dataset", "build_model",
           "eigenvalue_count", "constrained_counts", "run_one",
           "run_table", "weight_distances", "run_cd_link", "run_spectral_training",
           "table1_rows", "regime_curves", "paired_comparison", "distance_summary",
           "cd_link_summary", "best_set", "ProbeConfig", "init_probe", "run_probes",
           "convex_optimum", "cd_models", "add_parser", "add_probe_parser"]

REGIMES = ("constrained", "eigenvalues", "unconstrained", "eigenvalues+eigenvectors")
"""The paper's four training regimes, in the order of its Table 1."""

ARCHITECTURES = ("perceptron", "wide", "deep", "nonlinear")
"""The paper's architectures (see the module docstring)."""

DATASETS = ("digits", "mnist1d")

INPUT_VARIANTS = ("fixed", "trained")
"""Input-node eigenvalues of the multi-layer spectral models: fixed at 1 (the paper) or trained."""

PAPER_TABLE1 = {
    "constrained": {"wide": 87.8, "deep": 90.8, "nonlinear": 88.9},
    "eigenvalues": {"wide": 90.9, "deep": 91.5, "nonlinear": 93.5},
    "unconstrained": {"wide": 91.0, "deep": 91.2, "nonlinear": 96.4},
    "eigenvalues+eigenvectors": {"wide": 92.2, "deep": 91.8, "nonlinear": 97.3},
}
"""The paper's Table 1 (MNIST, best mean test accuracy in % over the widths explored)."""

PAPER_PERCEPTRON = {"constrained": (79.0, 3.0), "eigenvalues": (82.0, 2.0),
                    "unconstrained": (92.7, 0.1), "eigenvalues+eigenvectors": (92.5, 0.2)}
"""The paper's linear perceptron on MNIST (mean ± sd over 5 runs, %)."""


@dataclass(frozen=True)
class SweepConfig:
    """What :func:`run_spectral_training` runs (defaults: the committed sweep).

    Attributes
    ----------
    datasets : tuple of {"digits", "mnist1d"}
    seeds : tuple of int
        One training run per seed and configuration (model initialisation, batch order and
        the constrained subset derive from it).
    epochs, batch_size : int; lr_linear, lr_nonlinear : float
        The paper's settings (AdaMax).
    wide : tuple of int
        ``N₂`` of the wide linear models.
    deep : tuple of (int, int)
        ``(N₂, N₃)`` of the deep linear models.
    nonlinear : tuple of int
        ``N₂`` of the non-linear models; ``n3`` their ReLU layer's width.
    biases : tuple of bool
    input_eigenvalues : tuple of {"fixed", "trained"}
        The variants run (:data:`INPUT_VARIANTS`).
    architectures : tuple of str
        The architectures run (:data:`ARCHITECTURES`).
    cd_block_sizes : tuple of int
        Block sizes of the CDLinear perceptrons of :func:`run_cd_link`.
    curvature_samples : int
        Training samples the Gauss-Newton matrices are computed on.
    split_seed : int
        The digits split.
    """

    datasets: tuple = DATASETS
    seeds: tuple = (0, 1, 2, 3, 4)
    epochs: int = 20
    batch_size: int = 300
    lr_linear: float = 0.03
    lr_nonlinear: float = 0.01
    wide: tuple = (10, 30, 100, 300)
    deep: tuple = ((30, 10), (100, 30))
    nonlinear: tuple = (30, 100)
    n3: int = 120
    biases: tuple = (False, True)
    input_eigenvalues: tuple = ("fixed",)
    architectures: tuple = ARCHITECTURES
    cd_block_sizes: tuple = (4, 8)
    curvature_samples: int = 1000
    split_seed: int = 0

    def __post_init__(self):
        for d in self.datasets:
            check_choice(d, "dataset", DATASETS)
        if not self.input_eigenvalues or not self.architectures:
            raise ValueError("input_eigenvalues and architectures must name at least one value")
        for v in self.input_eigenvalues:
            check_choice(v, "input_eigenvalues", INPUT_VARIANTS)
        for a in self.architectures:
            check_choice(a, "architecture", ARCHITECTURES)
        if not self.seeds:
            raise ValueError("seeds must name at least one seed")
        for s in self.seeds:
            check_int(s, "each seed", minimum=0)
        check_int(self.epochs, "epochs", minimum=1)
        check_int(self.batch_size, "batch_size", minimum=1)
        for w in list(self.wide) + list(self.nonlinear) + [self.n3] + [
                v for pair in self.deep for v in pair]:
            check_int(w, "each width", minimum=1)
        for B in self.cd_block_sizes:
            check_int(B, "each block size", minimum=1)
        check_int(self.curvature_samples, "curvature_samples", minimum=1)

    def configurations(self):
        """``[(architecture, hidden widths, activations)]`` of the sweep, in order.

        Returns
        -------
        list of tuples
        """
        out = [("perceptron", (), [])]
        out += [("wide", (w,), [None]) for w in self.wide]
        out += [("deep", tuple(pair), [None, None]) for pair in self.deep]
        out += [("nonlinear", (w, self.n3), [None, "relu"]) for w in self.nonlinear]
        return [c for c in out if c[0] in self.architectures]


def load_dataset(name: str, split_seed: int = 0):
    """``(X_train, X_test, y_train, y_test)`` of digits (64 inputs, 1437/360) or MNIST-1D (40, 4000/1000).

    Parameters
    ----------
    name : {"digits", "mnist1d"}
    split_seed : int
        The digits split (:func:`cdnotes.data.digits_split`).

    Returns
    -------
    tuple of four numpy arrays
    """
    from ..data import digits_split, load_mnist1d

    check_choice(name, "dataset", DATASETS)
    return digits_split(split_seed) if name == "digits" else load_mnist1d()


def constrained_counts(total: int, shapes) -> list:
    """Split ``total`` trained weights over layers of ``shapes`` ``[(n_out, n_in)]``.

    Proportionally to each layer's number of weights, at least one per layer, at most all
    of them; the counts add up to ``total`` clipped to ``[len(shapes), Σ sizes]``.

    Parameters
    ----------
    total : int >= len(shapes)
    shapes : sequence of (n_out, n_in)

    Returns
    -------
    list of int
    """
    sizes = np.array([a * b for a, b in shapes], dtype=np.int64)
    goal = min(max(int(total), len(sizes)), int(sizes.sum()))
    target = goal * sizes / sizes.sum()
    counts = np.minimum(np.maximum(1, np.floor(target).astype(np.int64)), sizes)
    while counts.sum() > goal:                 # the floor of 1 overshot: take from the largest
        i = int(np.argmax(np.where(counts > 1, counts - target, -np.inf)))
        counts[i] -= 1
    while counts.sum() < goal:                 # hand out the rest where most is missing
        i = int(np.argmax(np.where(counts < sizes, target - counts, -np.inf)))
        counts[i] += 1
    return [int(c) for c in counts]


def eigenvalue_count(widths, input_eigenvalues: str = "fixed") -> int:
    """Trained eigenvalues of the Λ-only model of ``widths`` ``(n_in, *hidden, n_classes)``.

    The perceptron trains its ``n_in + n_classes`` eigenvalues in both variants; a model
    with hidden layers trains each layer's output-node eigenvalues (``Σ widths[1:]``,
    ``"fixed"``) and, ``"trained"``, each layer's input-node eigenvalues too
    (``+ Σ widths[:-1]``: a hidden node has one eigenvalue in the layer it ends and one in
    the layer it starts, as each layer's operator ``A_k`` has its own ``Λ_k``).

    Parameters
    ----------
    widths : sequence of int
    input_eigenvalues : {"fixed", "trained"}

    Returns
    -------
    int
    """
    check_choice(input_eigenvalues, "input_eigenvalues", INPUT_VARIANTS)
    widths = list(widths)
    if len(widths) == 2 or input_eigenvalues == "trained":
        return sum(widths[:-1]) + sum(widths[1:])
    return sum(widths[1:])


def build_model(regime: str, n_in: int, hidden, activations, *, bias: bool, seed: int,
                n_classes: int = 10, input_eigenvalues: str = "fixed",
                transfer: str = "inverse") -> MLP:
    """The model of one regime for ``n_in → hidden… → n_classes``.

    Parameters
    ----------
    regime : one of :data:`REGIMES`
    n_in : int
    hidden : tuple of int
        Hidden widths.
    activations : list of {"relu", None}
        One per hidden layer.
    bias : bool
    seed : int
    n_classes : int, default 10
    input_eigenvalues : {"fixed", "trained"}, default "fixed"
        The spectral models' input-node eigenvalues (the perceptron's are trained in both);
        the constrained model trains as many weights as the Λ-only model eigenvalues
        (:func:`eigenvalue_count`). The unconstrained model does not depend on it.
    transfer : {"inverse", "compact"}, default "inverse"
        The spectral layers' form (:data:`cdnotes.spectral.TRANSFERS`).

    Returns
    -------
    :class:`~cdnotes.mlp.MLP`
    """
    check_choice(regime, "regime", REGIMES)
    check_choice(input_eigenvalues, "input_eigenvalues", INPUT_VARIANTS)
    widths = (n_in, *hidden, n_classes)
    perceptron = not hidden
    if regime in ("eigenvalues", "eigenvalues+eigenvectors"):
        train_groups = ("eigenvalues",) if regime == "eigenvalues" else (
            "eigenvalues", "eigenvectors")
        trainable = perceptron or input_eigenvalues == "trained"
        return spectral_mlp(widths, activations=activations, train=train_groups,
                            input_eigenvalues="trainable" if trainable else "fixed",
                            bias=bias, seed=seed, transfer=transfer)
    seeds = np.random.SeedSequence(seed).spawn(len(widths))
    shapes = list(zip(widths[1:], widths[:-1]))
    if regime == "constrained":
        counts = constrained_counts(eigenvalue_count(widths, input_eigenvalues), shapes)
    layers = []
    for k, (n_out, n_prev) in enumerate(shapes):
        layer_seed = int(seeds[k].generate_state(1)[0])
        if regime == "unconstrained" and bias:
            layer = Dense(n_prev, n_out, seed=layer_seed)
        elif regime == "unconstrained":
            layer = MaskedDense(n_prev, n_out, n_prev * n_out, seed=layer_seed)
        else:
            layer = MaskedDense(n_prev, n_out, counts[k], bias=bias, frozen="init",
                                seed=layer_seed)
        layers.append(layer)
        if k < len(activations) and activations[k] == "relu":
            layers.append(ReLU())
    return MLP(layers)


def _linear(activations) -> bool:
    return all(a is None for a in activations)


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
    linear = _linear(activations)
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


def _tasks(config: SweepConfig):
    for variant in config.input_eigenvalues:
        for dataset in config.datasets:
            for architecture, hidden, activations in config.configurations():
                for bias in config.biases:
                    for regime in REGIMES:
                        for seed in config.seeds:
                            yield (variant, dataset, architecture, hidden, activations, regime,
                                   bias, seed)


def _progress(total, progress, desc):
    if progress is False:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, leave=False, disable=progress is None)


def _worker(args):
    from threadpoolctl import threadpool_limits

    (variant, *task), config = args
    dataset = task[0]
    with threadpool_limits(limits=1, user_api="blas"):
        data = _DATA.get(dataset)
        if data is None:
            data = _DATA[dataset] = load_dataset(dataset, config.split_seed)
        return run_one(data, *task, config, input_eigenvalues=variant)


_DATA: dict = {}


def _map(fn, items, workers, bar):
    """``[fn(item)]`` in order; ``workers > 1``: a process pool."""
    if workers <= 1:
        out = []
        for item in items:
            out.append(fn(item))
            if bar is not None:
                bar.update()
        return out
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        out = []
        for result in pool.map(fn, items, chunksize=1):
            out.append(result)
            if bar is not None:
                bar.update()
        return out


def run_table(config: SweepConfig = SweepConfig(), *, workers: int = 1, progress=None):
    """Every (dataset, configuration, bias, regime, seed) of ``config``: records and weights.

    Parameters
    ----------
    config : :class:`SweepConfig`
    workers : int >= 1
        Processes (one BLAS thread each).
    progress : None, True or False
        A ``tqdm`` bar (``None``: created but hidden; ``False``: none).

    Returns
    -------
    records : list of dict (see :func:`run_one`)
    weights : list of numpy arrays or None, parallel to ``records``
    """
    check_int(workers, "workers", minimum=1)
    tasks = list(_tasks(config))
    bar = _progress(len(tasks), progress, "spectral sweep")
    results = _map(_worker, [(task, config) for task in tasks], workers, bar)
    if bar is not None:
        bar.close()
    return [r for r, _ in results], [w for _, w in results]


def _w1(a, b):
    from scipy.stats import wasserstein_distance

    return float(wasserstein_distance(np.ravel(a), np.ravel(b)))


def weight_distances(records, weights):
    """Wasserstein-1 distances of each linear model's retracted weights to the unconstrained ones.

    For each record of a linear model, the distance between the distribution of its
    retracted weights and that of the unconstrained model of the same dataset,
    architecture, widths, bias and seed — raw (``w1``) and after dividing each set by
    its standard deviation (``w1_standardized``: the shape of the distribution alone);
    and, as the scale of seed-to-seed variation, the distance between unconstrained
    models of consecutive seeds. Updates the records in place.

    Parameters
    ----------
    records : list of dict; weights : list of arrays or None (parallel)

    Returns
    -------
    list of dict
        One per (dataset, architecture, widths, bias, consecutive seed pair):
        ``unconstrained_w1`` between two unconstrained models.
    """
    def key(r):
        return (r.get("input_eigenvalues", "fixed"), r["dataset"], r["architecture"],
                tuple(r["hidden"]), r["bias"])

    reference = {}
    for r, W in zip(records, weights):
        if W is not None and r["regime"] == "unconstrained":
            reference[key(r) + (r["seed"],)] = W
    for r, W in zip(records, weights):
        ref = reference.get(key(r) + (r["seed"],))
        if W is None or ref is None:
            continue
        r["w1"] = _w1(W, ref)
        r["w1_standardized"] = _w1(W / W.std(), ref / ref.std())
        r["weight_std"] = float(W.std())
    floor = []
    groups = {}
    for k, W in reference.items():
        groups.setdefault(k[:-1], []).append((k[-1], W))
    for k, items in groups.items():
        items.sort(key=lambda t: t[0])
        for (s1, A), (s2, B) in zip(items[:-1], items[1:]):
            floor.append({"input_eigenvalues": k[0], "dataset": k[1], "architecture": k[2],
                          "hidden": list(k[3]), "bias": k[4], "seeds": [s1, s2],
                          "unconstrained_w1": _w1(A, B),
                          "unconstrained_w1_standardized": _w1(A / A.std(), B / B.std())})
    return floor


def _cd_models(n_in: int, B: int, seed: int, input_eigenvalues: str = "fixed"):
    """The four matched models of :func:`run_cd_link` for block size ``B``."""
    n_out = 16 if 16 % B == 0 and n_in % B == 0 else None
    if n_out is None:
        raise ValueError(f"block size {B} must divide 16 and the input width {n_in}")
    check_choice(input_eigenvalues, "input_eigenvalues", INPUT_VARIANTS)
    cd = MLP([CDLinear(n_in, n_out, B, seed=seed, method="dense")], n_classes=10)
    P = cd.n_params
    if input_eigenvalues == "fixed":
        n2 = P - 20                 # N₂ + 10 eigenvalues + 10 output biases = P
    else:                           # n + N₂ + N₂ + 10 eigenvalues + 10 output biases = P
        n2, odd = divmod(P - 20 - n_in, 2)
        if odd or n2 < 1:
            raise ValueError(f"no N₂ matches P = {P} with trained input eigenvalues "
                             f"(n_in = {n_in})")
    # no bias in the telescopic layer: in a linear stack it adds nothing the output bias
    # cannot (N₂ parameters, at most 10 independent directions)
    spectral = spectral_mlp((n_in, n2, 10), activations=[None], bias=[False, True], seed=seed,
                            input_eigenvalues="fixed" if input_eigenvalues == "fixed"
                            else "trainable")
    constrained = MLP([MaskedDense(n_in, 10, P - 10, bias=True, frozen="init", seed=seed)])
    dense = MLP([Dense(n_in, 10, seed=seed)])
    return {"cdlinear": cd, "spectral": spectral, "constrained": constrained, "dense": dense}


def cd_models(n_in: int, B: int, seed: int, input_eigenvalues: str = "fixed") -> dict:
    """The matched models of :func:`run_cd_link`, untrained: ``{name: MLP}``.

    Parameters
    ----------
    n_in : int; B : int (divides 16 and ``n_in``); seed : int
    input_eigenvalues : {"fixed", "trained"}
        The spectral model's variant (its ``N₂`` keeps the count equal to CDLinear's).

    Returns
    -------
    dict ``{"cdlinear", "spectral", "constrained", "dense": MLP}``
    """
    return _cd_models(n_in, B, seed, input_eigenvalues)


def _cd_one(args):
    """One model of :func:`run_cd_link`: train, Gauss-Newton eigenvalues, conditioning."""
    from threadpoolctl import threadpool_limits

    from ..conditioning import condition_number
    from ..curvature import eigenvalues_symmetric, network_hessian

    (variant, dataset, B, seed, name), config = args
    with threadpool_limits(limits=1, user_api="blas"):
        data = _DATA.get(dataset)
        if data is None:
            data = _DATA[dataset] = load_dataset(dataset, config.split_seed)
        X_train, X_test, y_train, y_test = data
        Xc, yc = X_train[:config.curvature_samples], y_train[:config.curvature_samples]
        model_seed, batch_seed = child_seeds(seed + 1_000_003, 2)
        model = _cd_models(X_train.shape[1], B, model_seed, variant)[name]
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


def run_cd_link(config: SweepConfig = SweepConfig(), *, workers: int = 1, progress=None):
    """Spectral vs CDLinear vs constrained vs dense at matched trained-parameter counts.

    For each dataset, block size ``B`` and seed: the CDLinear, spectral and constrained
    models of the module docstring, and once per seed the dense perceptron (it does not
    depend on ``B``; its ``block_size`` is ``None``), trained with the linear settings;
    test accuracy; the Gauss-Newton matrix (cross-entropy) with respect to the model's own
    trained parameters on the first ``curvature_samples`` training samples; its eigenvalues
    and condition number on the range (:func:`cdnotes.conditioning.condition_number`,
    default cutoff ``P·eps·λ_max``) and ``κ`` at the relative cutoffs 1e-6 and 1e-10.

    Parameters
    ----------
    config : :class:`SweepConfig`
    workers : int >= 1
    progress : None, True or False

    Returns
    -------
    records : list of dict
    spectra : list of dict
        For the first seed: the sorted Gauss-Newton eigenvalues of every model.
    """
    check_int(workers, "workers", minimum=1)
    tasks = []
    for variant in config.input_eigenvalues:
        for dataset in config.datasets:
            for seed in config.seeds:
                tasks.append((variant, dataset, config.cd_block_sizes[0], seed, "dense"))
                for B in config.cd_block_sizes:
                    for name in ("cdlinear", "spectral", "constrained"):
                        tasks.append((variant, dataset, B, seed, name))
    bar = _progress(len(tasks), progress, "CD link")
    results = _map(_cd_one, [(task, config) for task in tasks], workers, bar)
    if bar is not None:
        bar.close()
    records = [r for r, _ in results]
    spectra = [{"input_eigenvalues": r["input_eigenvalues"], "dataset": r["dataset"],
                "block_size": r["block_size"], "model": r["model"], "eigenvalues": ev.tolist()}
               for r, ev in results if r["seed"] == config.seeds[0]]
    return records, spectra


def table1_rows(records, dataset: str, *, bias: bool = False, input_eigenvalues=None):
    """The Table-1 layout: per regime, the best mean accuracy over the widths explored.

    Parameters
    ----------
    records : list of dict (:func:`run_one`)
    dataset : str; bias : bool
    input_eigenvalues : {"fixed", "trained"} or None
        Only the records of that variant (``None``: every record).

    Returns
    -------
    dict ``{regime: {architecture: {"mean", "std", "n", "hidden", "n_trained"}}}``
        For each architecture the widths whose mean test accuracy over seeds is highest.
    """
    out = {}
    for regime in REGIMES:
        out[regime] = {}
        for architecture in ARCHITECTURES:
            groups = {}
            for r in records:
                if (r["dataset"], r["regime"], r["architecture"], r["bias"]) == (
                        dataset, regime, architecture, bias) and input_eigenvalues in (
                        None, r.get("input_eigenvalues", "fixed")):
                    groups.setdefault(tuple(r["hidden"]), []).append(r)
            if not groups:
                continue
            best = max(groups, key=lambda h: np.mean([r["test_accuracy"] for r in groups[h]]))
            acc = [r["test_accuracy"] for r in groups[best]]
            out[regime][architecture] = {
                "mean": float(np.mean(acc)),
                "std": float(np.std(acc, ddof=1)) if len(acc) > 1 else float("nan"),
                "n": len(acc), "hidden": list(best), "n_trained": groups[best][0]["n_trained"]}
    return out


def run_spectral_training(config: SweepConfig = SweepConfig(), *, workers: int = 1,
                          progress=None, cd_link: bool = True):
    """The whole experiment: the regime sweep, the weight distances, the CD link.

    Parameters
    ----------
    config : :class:`SweepConfig`
    workers : int >= 1
        Processes for the regime sweep.
    progress : None, True or False
    cd_link : bool
        Also run :func:`run_cd_link`.

    Returns
    -------
    dict
        ``config``, ``records``, ``seed_floor`` (unconstrained-to-unconstrained W1),
        ``perceptron_weights`` (the first seed's retracted perceptron weights per variant,
        dataset, bias and regime), ``cd_link``, ``cd_spectra``, ``table1`` (per variant,
        dataset and bias), ``paper``.
    """
    records, weights = run_table(config, workers=workers, progress=progress)
    floor = weight_distances(records, weights)
    kept = []
    for r, W in zip(records, weights):
        if r["architecture"] == "perceptron" and r["seed"] == config.seeds[0]:
            kept.append({"input_eigenvalues": r["input_eigenvalues"], "dataset": r["dataset"],
                         "bias": r["bias"], "regime": r["regime"],
                         "weights": W.ravel().tolist()})
    out = {"config": asdict(config), "records": records, "seed_floor": floor,
           "perceptron_weights": kept,
           "table1": {v: {d: {str(b): table1_rows(records, d, bias=b, input_eigenvalues=v)
                              for b in config.biases} for d in config.datasets}
                      for v in config.input_eigenvalues},
           "paper": {"table1_mnist": PAPER_TABLE1, "perceptron_mnist": PAPER_PERCEPTRON}}
    if cd_link:
        out["cd_link"], out["cd_spectra"] = run_cd_link(config, workers=workers,
                                                        progress=progress)
    return out


# ----------------------------------------------------------------------------
# Probes: what explains a gap, the paper's other form, overfitting against N₂.
# ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ProbeConfig:
    """What :func:`run_probes` runs (defaults: the committed probes).

    Attributes
    ----------
    datasets, seeds, epochs, batch_size, lr_linear, lr_nonlinear, n3, split_seed
        As in :class:`SweepConfig` (the paper's settings).
    init_widths : tuple of int
        ``N₂`` of the non-linear models of the initialisation probe (:func:`init_probe`).
    compact_configs : tuple of (architecture, hidden)
        The configurations trained with ``transfer="compact"`` (Λ only and Λ and Φ, no
        bias, input eigenvalues fixed): the sweep has the same ones with ``"inverse"``.
    overfit_widths : tuple of int
        ``N₂`` of the non-linear models added for the train–test gap against ``N₂`` (the
        four regimes, no bias, input eigenvalues fixed).
    from_one_configs : tuple of (architecture, hidden)
        Trained input eigenvalues started at 1 (the fixed variant's value) instead of
        ``U[−0.01, 0.01]``: Λ only and Λ and Φ, no bias.
    """

    datasets: tuple = DATASETS
    seeds: tuple = (0, 1, 2, 3, 4)
    epochs: int = 20
    batch_size: int = 300
    lr_linear: float = 0.03
    lr_nonlinear: float = 0.01
    n3: int = 120
    split_seed: int = 0
    init_widths: tuple = (30, 100)
    compact_configs: tuple = (("perceptron", ()), ("wide", (100,)), ("nonlinear", (100, 120)))
    overfit_widths: tuple = (10, 300)
    from_one_configs: tuple = (("wide", (100,)), ("deep", (100, 30)), ("nonlinear", (100, 120)))

    def __post_init__(self):
        SweepConfig(datasets=self.datasets, seeds=self.seeds, epochs=self.epochs,
                    batch_size=self.batch_size, n3=self.n3)            # validates those
        for w in list(self.init_widths) + list(self.overfit_widths):
            check_int(w, "each width", minimum=1)
        for arch, _ in tuple(self.compact_configs) + tuple(self.from_one_configs):
            check_choice(arch, "architecture", ARCHITECTURES)

    def sweep(self, **changes) -> SweepConfig:
        """The :class:`SweepConfig` with these settings (and ``changes``)."""
        fields = dict(datasets=self.datasets, seeds=self.seeds, epochs=self.epochs,
                      batch_size=self.batch_size, lr_linear=self.lr_linear,
                      lr_nonlinear=self.lr_nonlinear, n3=self.n3, split_seed=self.split_seed)
        fields.update(changes)
        return SweepConfig(**fields)


INIT_MODELS = ("unconstrained", "unconstrained, spectral init", "eigenvalues+eigenvectors",
               "eigenvalues+eigenvectors, He-scaled φ")
"""The four models of :func:`init_probe`."""


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


def _compact_one(data, dataset, architecture, hidden, regime, seed, config):
    X_train, X_test, y_train, y_test = data
    activations = {"perceptron": [], "wide": [None], "deep": [None, None],
                   "nonlinear": [None, "relu"]}[architecture]
    model_seed, batch_seed = child_seeds(seed, 2)
    model = build_model(regime, X_train.shape[1], hidden, activations, bias=False,
                        seed=model_seed, transfer="compact")
    lr = config.lr_linear if _linear(activations) else config.lr_nonlinear
    tc = TrainConfig(epochs=config.epochs, lr=lr, batch_size=config.batch_size,
                     optimizer="adamax")
    train(model, X_train, y_train, config=tc, seed=batch_seed)
    return {"dataset": dataset, "architecture": architecture, "hidden": list(hidden),
            "regime": regime, "bias": False, "seed": int(seed), "input_eigenvalues": "fixed",
            "transfer": "compact", "n_trained": int(model.n_params),
            "test_accuracy": 100 * accuracy(model, X_test, y_test),
            "train_accuracy": 100 * accuracy(model, X_train, y_train)}


def _probe_worker(args):
    from threadpoolctl import threadpool_limits

    kind, task, config = args
    dataset = task[0]
    with threadpool_limits(limits=1, user_api="blas"):
        data = _DATA.get(dataset)
        if data is None:
            data = _DATA[dataset] = load_dataset(dataset, config.split_seed)
        if kind == "init":
            return kind, init_probe(data, *task, config)
        if kind == "compact":
            return kind, _compact_one(data, *task, config)
        variant, *rest = task[1:]
        start = "one" if kind == "from_one" else "drawn"
        record, _ = run_one(data, dataset, *rest, config, input_eigenvalues=variant,
                            lam_in_start=start)
        return kind, record


def run_probes(config: ProbeConfig = ProbeConfig(), *, workers: int = 1, progress=None):
    """The initialisation probe, the compact form and the non-linear widths for overfitting.

    Parameters
    ----------
    config : :class:`ProbeConfig`
    workers : int >= 1
    progress : None, True or False

    Returns
    -------
    dict
        ``config``; ``init`` (:func:`init_probe` records); ``compact`` (records of the
        ``transfer="compact"`` models); ``overfit`` (:func:`run_one` records of the extra
        non-linear widths); ``from_one`` (trained input eigenvalues started at 1).
    """
    check_int(workers, "workers", minimum=1)
    sweep = config.sweep()
    tasks = []
    for dataset in config.datasets:
        for n2 in config.init_widths:
            for model in INIT_MODELS:
                for seed in config.seeds:
                    tasks.append(("init", (dataset, (n2, config.n3), model, seed), sweep))
        for architecture, hidden in config.compact_configs:
            hidden = tuple(config.n3 if (architecture == "nonlinear" and k == 1) else h
                           for k, h in enumerate(hidden))
            for regime in ("eigenvalues", "eigenvalues+eigenvectors"):
                for seed in config.seeds:
                    tasks.append(("compact", (dataset, architecture, hidden, regime, seed),
                                  sweep))
        for n2 in config.overfit_widths:
            for regime in REGIMES:
                for seed in config.seeds:
                    tasks.append(("overfit", (dataset, "fixed", "nonlinear", (n2, config.n3),
                                              [None, "relu"], regime, False, seed), sweep))
        for architecture, hidden in config.from_one_configs:
            activations = ([None, "relu"] if architecture == "nonlinear"
                           else [None] * len(hidden))
            for regime in ("eigenvalues", "eigenvalues+eigenvectors"):
                for seed in config.seeds:
                    tasks.append(("from_one", (dataset, "trained", architecture,
                                               tuple(hidden), activations, regime, False,
                                               seed), sweep))
    bar = _progress(len(tasks), progress, "spectral probes")
    results = _map(_probe_worker, tasks, workers, bar)
    if bar is not None:
        bar.close()
    out = {"config": asdict(config), "init": [], "compact": [], "overfit": [],
           "from_one": []}
    for kind, record in results:
        out[kind].append(record)
    return out


def convex_optimum(model, X, y, *, tol: float = 1e-7, max_iter: int = 2000):
    """Minimise the mean cross-entropy of a model whose logits are affine in its parameters.

    For such a model (CDLinear, a dense or a constrained perceptron) the loss is convex: the
    result is the global minimum over the model class, the best any learning rate or number
    of epochs could reach on the training loss. The logits are written once as
    ``c + A θ`` (``c`` the logits at ``θ = 0``, column ``j`` of ``A`` from ``θ = e_j``;
    ``ValueError`` if the model's logits at its current ``θ`` are not ``c + A θ``), then
    L-BFGS minimises the multinomial log-loss in NumPy. The model is left at the optimum.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
    X, y : training data
    tol : float
        Gradient tolerance (``gtol``) of ``scipy.optimize.minimize``.
    max_iter : int

    Returns
    -------
    dict
        ``loss`` (the minimum), ``gradient_norm`` (max abs entry of the model's own
        gradient there, :func:`cdnotes.curvature.loss_and_gradient`), ``iterations``,
        ``converged``.
    """
    from scipy.optimize import minimize
    from scipy.special import logsumexp

    from ..curvature import flat_params, loss_and_gradient, set_flat_params

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    theta0 = np.asarray(flat_params(model), dtype=np.float64)
    P = theta0.size
    if len(model.layers) != 1:
        raise ValueError("convex_optimum takes a model of one linear layer (a perceptron)")
    layer, K = model.layers[0], model.n_classes

    def weights(theta):
        set_flat_params(model, theta)
        W = np.asarray(layer.to_dense(), dtype=np.float64)[:K]
        b = (np.asarray(layer.params["b"], dtype=np.float64)[:K] if "b" in layer.params
             else np.zeros(K))
        return W, b

    W0, b0 = weights(np.zeros(P))
    dW, db = np.empty((P, K, X.shape[1])), np.empty((P, K))
    for j in range(P):
        e = np.zeros(P)
        e[j] = 1.0
        W, b = weights(e)
        dW[j], db[j] = W - W0, b - b0
    c = X @ W0.T + b0                                         # (N, K) at θ = 0
    A = (np.einsum("nd,pkd->nkp", X, dW) + db.T[None]).reshape(-1, P)      # (N·K, P)
    set_flat_params(model, theta0)
    direct = np.asarray(model.forward(X), dtype=np.float64)
    if not np.allclose(c.ravel() + A @ theta0, direct.ravel(), rtol=1e-9,
                       atol=1e-9 * max(1.0, float(np.abs(direct).max()))):
        raise ValueError("the model's logits are not affine in its parameters")
    N, K = c.shape
    rows = np.arange(N)

    def fun(theta):
        Z = (c.ravel() + A @ theta).reshape(N, K)
        lse = logsumexp(Z, axis=1)
        loss = float(np.mean(lse - Z[rows, y]))
        G = np.exp(Z - lse[:, None])
        G[rows, y] -= 1.0
        return loss, A.T @ (G.ravel() / N)

    result = minimize(fun, theta0, jac=True, method="L-BFGS-B",
                      options={"gtol": tol, "ftol": 1e-15, "maxiter": max_iter,
                               "maxcor": 30})
    set_flat_params(model, result.x)
    _, grad = loss_and_gradient(model, X, y)
    return {"loss": float(result.fun), "gradient_norm": float(np.abs(np.asarray(grad)).max()),
            "iterations": int(result.nit), "converged": bool(result.success)}


def best_set(groups, level: float = 0.95):
    """The names whose accuracy is not significantly below the highest mean's (Welch, ties).

    Parameters
    ----------
    groups : dict ``{name: sequence of per-seed values}`` (at least two values each)
    level : float

    Returns
    -------
    list of str
        The name with the highest mean first, then every name whose Welch interval of
        ``top − it`` contains 0 (a tie), in the order of ``groups``.
    """
    from ..stats import welch_difference_ci

    if not groups:
        raise ValueError("groups must name at least one model")
    top = max(groups, key=lambda k: float(np.mean(groups[k])))
    out = [top]
    for name, values in groups.items():
        if name != top and welch_difference_ci(groups[top], values, level).low <= 0:
            out.append(name)
    return out


# ----------------------------------------------------------------------------
# Command line: python -m cdnotes spectral
# ----------------------------------------------------------------------------

def add_parser(subparsers):
    """Register ``spectral`` on an ``argparse`` subparsers object.

    Parameters
    ----------
    subparsers : the result of ``ArgumentParser.add_subparsers()``

    Returns
    -------
    argparse.ArgumentParser
    """
    from ..cli import _out_path, _positive_int, _seed

    p = subparsers.add_parser(
        "spectral", help="spectral-domain training: the four regimes on digits and MNIST-1D",
        description="Spectral-domain training (Giambagli, Buffoni et al.): constrained direct, "
                    "eigenvalues only, unconstrained direct and eigenvalues+eigenvectors, for "
                    "the perceptron, wide and deep linear and non-linear models, with and "
                    "without a bias; weight distances; the link to CDLinear with conditioning.")
    p.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    p.add_argument("--seeds", nargs="+", type=_seed, default=[0, 1, 2, 3, 4])
    p.add_argument("--epochs", type=_positive_int, default=20)
    p.add_argument("--wide", nargs="+", type=_positive_int, default=list(SweepConfig.wide),
                   help="N2 of the wide linear models")
    p.add_argument("--nonlinear", nargs="+", type=_positive_int,
                   default=list(SweepConfig.nonlinear), help="N2 of the non-linear models")
    p.add_argument("--input-eigenvalues", nargs="+", choices=INPUT_VARIANTS,
                   default=["fixed"], dest="input_eigenvalues",
                   help="input-node eigenvalues of the multi-layer spectral models: fixed at "
                        "1 (the paper, the default) and/or trained; one run each")
    p.add_argument("--architectures", nargs="+", choices=ARCHITECTURES,
                   default=list(ARCHITECTURES), help="the architectures run (default: all)")
    p.add_argument("--workers", type=_positive_int, default=1, help="processes")
    p.add_argument("--no-cd-link", action="store_true", help="skip the CDLinear comparison")
    p.add_argument("--out", type=_out_path, default="spectral_training.json")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--progress", action="store_true",
                   help="show the progress bars even when stderr is not a terminal (a log)")
    p.set_defaults(func=run_cli, spectral_parser=p)
    add_probe_parser(subparsers)
    return p


def add_probe_parser(subparsers):
    """Register ``spectral-probes`` on an ``argparse`` subparsers object.

    Parameters
    ----------
    subparsers : the result of ``ArgumentParser.add_subparsers()``

    Returns
    -------
    argparse.ArgumentParser
    """
    from ..cli import _out_path, _positive_int, _seed

    p = subparsers.add_parser(
        "spectral-probes", help="spectral-domain training: the initialisation probe, the "
                                "(2I + Φ)⁻¹ form, non-linear widths for overfitting",
        description="Small runs beside the spectral sweep, added under the key 'probes' to "
                    "an existing sweep file (--into): the initialisation probe of the "
                    "non-linear Λ-and-Φ gap, the compact form A = Φ Λ (2I + Φ)⁻¹ Φ and the "
                    "train-test gap of the non-linear models at more widths N2.")
    p.add_argument("--into", type=_out_path, required=True,
                   help="the JSON of `python -m cdnotes spectral`; the probes are added to it")
    p.add_argument("--seeds", nargs="+", type=_seed, default=[0, 1, 2, 3, 4])
    p.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    p.add_argument("--overfit-widths", nargs="+", type=_positive_int,
                   default=list(ProbeConfig.overfit_widths))
    p.add_argument("--workers", type=_positive_int, default=1, help="processes")
    p.add_argument("--progress", action="store_true")
    p.set_defaults(func=run_probe_cli)
    return p


def run_probe_cli(args) -> int:
    """Run ``spectral-probes``: add ``probes`` (with its provenance) to the ``--into`` file.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
        The exit status (0).
    """
    from ..results import environment_info, read_json, write_json_atomic

    data = read_json(args.into)
    config = ProbeConfig(datasets=tuple(args.datasets), seeds=tuple(args.seeds),
                         overfit_widths=tuple(args.overfit_widths))
    start = time.perf_counter()
    probes = run_probes(config, workers=args.workers, progress=True if args.progress else None)
    probes.update({"command": "spectral-probes", "argv": sys.argv[1:],
                   "environment": environment_info("numpy"),
                   "wall_seconds": time.perf_counter() - start})
    data["probes"] = probes
    write_json_atomic(args.into, data)
    kinds = ("init", "compact", "overfit", "from_one")
    print(f"added {sum(len(probes[k]) for k in kinds)} probe records "
          f"to {args.into} in {probes['wall_seconds']:.1f} s")
    return 0


def run_cli(args) -> int:
    """Run the ``spectral`` subcommand from parsed arguments; write the JSON.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
        The exit status (0).
    """
    from ..results import environment_info, write_json_atomic

    for option, values in (("--seeds", args.seeds), ("--datasets", args.datasets),
                           ("--wide", args.wide), ("--nonlinear", args.nonlinear),
                           ("--input-eigenvalues", args.input_eigenvalues),
                           ("--architectures", args.architectures)):
        if len(set(values)) != len(values):
            args.spectral_parser.error(f"argument {option}: values must be distinct; got "
                                       f"{' '.join(map(str, values))}")
    config = SweepConfig(datasets=tuple(args.datasets), seeds=tuple(args.seeds),
                         epochs=args.epochs, wide=tuple(args.wide),
                         nonlinear=tuple(args.nonlinear),
                         input_eigenvalues=tuple(args.input_eigenvalues),
                         architectures=tuple(args.architectures))
    show = (sys.stderr.isatty() or args.progress) and not args.quiet
    start = time.perf_counter()
    result = run_spectral_training(config, workers=args.workers,
                                   progress=True if show else None,
                                   cd_link=not args.no_cd_link)
    result.update({"command": "spectral", "argv": sys.argv[1:],
                   "environment": environment_info("numpy"),
                   "wall_seconds": time.perf_counter() - start})
    write_json_atomic(args.out, result)
    if not args.quiet:
        for variant in config.input_eigenvalues:
            for dataset in config.datasets:
                for regime, row in result["table1"][variant][dataset]["False"].items():
                    cells = ", ".join(f"{a} {v['mean']:.1f}±{v['std']:.1f}"
                                      for a, v in row.items() if not math.isnan(v["mean"]))
                    print(f"{variant:7s} {dataset:8s} {regime:25s} {cells}")
        print(f"wrote {len(result['records'])} records to {args.out} in "
              f"{time.perf_counter() - start:.1f} s")
    return 0




# ----------------------------------------------------------------------------
# Summaries for the chapter.
# ----------------------------------------------------------------------------

def _groups(records, *fields):
    out = {}
    for r in records:
        out.setdefault(tuple(_hashable(r[f]) for f in fields), []).append(r)
    return out


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def regime_curves(records, dataset: str, *, bias: bool = False):
    """Accuracy against trained parameters: per regime, one point per configuration.

    Parameters
    ----------
    records : list of dict (:func:`run_one`)
    dataset : str; bias : bool

    Returns
    -------
    dict ``{regime: [{"architecture", "hidden", "n_trained", "mean", "std", "n"}]}``,
    each list sorted by ``n_trained``
    """
    out = {regime: [] for regime in REGIMES}
    chosen = [r for r in records if r["dataset"] == dataset and r["bias"] == bias]
    for (regime, architecture, hidden), runs in _groups(chosen, "regime", "architecture",
                                                        "hidden").items():
        acc = np.array([r["test_accuracy"] for r in runs])
        out[regime].append({"architecture": architecture, "hidden": list(hidden),
                            "n_trained": runs[0]["n_trained"], "mean": float(acc.mean()),
                            "std": float(acc.std(ddof=1)) if acc.size > 1 else float("nan"),
                            "n": int(acc.size)})
    for rows in out.values():
        rows.sort(key=lambda row: (row["n_trained"], row["architecture"]))
    return out


def paired_comparison(records, regime_a: str, regime_b: str, *, bias_a: bool = False,
                      bias_b: bool = False, level: float = 0.95):
    """``a − b`` test accuracy, paired by seed, for every (dataset, architecture, widths).

    Parameters
    ----------
    records : list of dict
    regime_a, regime_b : regimes of :data:`REGIMES`
    bias_a, bias_b : bool
    level : float, confidence level

    Returns
    -------
    list of dict ``{"dataset", "architecture", "hidden", "estimate"}``
        ``estimate`` a :class:`cdnotes.stats.Estimate` of the mean paired difference
        (percentage points); ``None`` with fewer than two seeds.
    """
    from ..stats import paired_difference_ci

    out = []
    runs = _groups(records, "dataset", "architecture", "hidden", "regime", "bias")
    configs = sorted({k[:3] for k in runs}, key=lambda k: (k[0], ARCHITECTURES.index(k[1]), k[2]))
    for dataset, architecture, hidden in configs:
        a = runs.get((dataset, architecture, hidden, regime_a, bias_a))
        b = runs.get((dataset, architecture, hidden, regime_b, bias_b))
        if not a or not b:
            continue
        a_by = {r["seed"]: r["test_accuracy"] for r in a}
        b_by = {r["seed"]: r["test_accuracy"] for r in b}
        seeds = sorted(set(a_by) & set(b_by))
        estimate = (paired_difference_ci([a_by[s] for s in seeds], [b_by[s] for s in seeds],
                                         level) if len(seeds) > 1 else None)
        out.append({"dataset": dataset, "architecture": architecture, "hidden": list(hidden),
                    "estimate": estimate})
    return out


def distance_summary(data, input_eigenvalues: str = "fixed"):
    """Mean Wasserstein-1 distances to the unconstrained weights, and the seed-to-seed floor.

    Parameters
    ----------
    data : dict from :func:`run_spectral_training`
    input_eigenvalues : {"fixed", "trained"}
        The variant summarised (records without the field count as ``"fixed"``).

    Returns
    -------
    dict ``{(dataset, architecture, hidden, bias): {"floor", "floor_standardized",
    regime: {"w1", "w1_standardized", "weight_std"}}}`` (means over seeds; hidden a tuple)
    """
    def chosen(rows):
        return [r for r in rows if r.get("input_eigenvalues", "fixed") == input_eigenvalues]

    out = {}
    for key, runs in _groups([r for r in chosen(data["records"]) if "w1" in r], "dataset",
                             "architecture", "hidden", "bias").items():
        entry = out.setdefault(key, {})
        for regime, group in _groups(runs, "regime").items():
            entry[regime[0]] = {f: float(np.mean([r[f] for r in group]))
                                for f in ("w1", "w1_standardized", "weight_std")}
    for key, rows in _groups(chosen(data["seed_floor"]), "dataset", "architecture", "hidden",
                             "bias").items():
        if key in out:
            out[key]["floor"] = float(np.mean([r["unconstrained_w1"] for r in rows]))
            out[key]["floor_standardized"] = float(np.mean(
                [r["unconstrained_w1_standardized"] for r in rows]))
    return out


def cd_link_summary(records):
    """Per (dataset, block size, model): mean accuracy, geometric-mean κ on the range, rank.

    Parameters
    ----------
    records : list of dict (:func:`run_cd_link`)

    Returns
    -------
    list of dict ``{"dataset", "block_size", "model", "n_trained", "accuracy"
    (:class:`~cdnotes.stats.Estimate`), "kappa_geomean", "kappa_min", "kappa_max",
    "rank_mean", "kappa_1e6_geomean"}``
    """
    from ..stats import geometric_mean, mean_ci

    out = []
    for (dataset, B, model), runs in _groups(records, "dataset", "block_size", "model").items():
        kappa = [r["kappa_range"] for r in runs]
        acc = [r["test_accuracy"] for r in runs]
        out.append({"dataset": dataset, "block_size": B, "model": model,
                    "n_trained": runs[0]["n_trained"],
                    "accuracy": mean_ci(acc) if len(acc) > 1 else None,
                    "kappa_geomean": geometric_mean(kappa), "kappa_min": min(kappa),
                    "kappa_max": max(kappa),
                    "rank_mean": float(np.mean([r["rank"] for r in runs])),
                    "kappa_1e6_geomean": geometric_mean([r["kappa_cutoff"]["1e-06"]
                                                         for r in runs])})
    return out
