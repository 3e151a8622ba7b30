"""Does conditioning matter for training? Learning-rate sweeps, sharpness, K-FAC, whitening.

The experiment of issue 12 (chapter "Does conditioning matter for training?"):

* :func:`run_training` — one seeded run (data set, model, optimizer, rate, whitening) as a
  :class:`TrainingRun`: per-epoch training loss, test accuracy and seconds, and whether it
  diverged; optionally the Gauss-Newton ``λ_max`` after every epoch (a sharpness curve);
* :func:`gauss_newton_lambda_max` — ``λ_max`` of the Gauss-Newton matrix by Lanczos;
* :func:`run_conditioning_training` — the whole grid (what ``python -m cdnotes lr-sweep``
  writes): rate sweeps for SGD+momentum and Adam, K-FAC (:class:`cdnotes.train.kfac.KFAC`),
  SGD on whitened inputs, ``λ_max`` at initialisation, sharpness curves;
* summaries: :func:`rate_table` (per rate: accuracy, steps to the loss threshold, stability),
  :func:`largest_stable_rate`, :func:`best_rate`, :func:`verdict_rows`, :func:`mean_curve`;
* comparisons over seeds: :func:`cell_values` (one cell's per-seed values) and
  :func:`cell_difference` (the Welch interval of the difference of two cells' means).

Models: on digits the paper's three (:func:`cdnotes.mlp.paper_model`: dense 64-64-64-10,
CD-B4 64-64-64-12, CD-B8 64-64-64-16, logits sliced to 10); on MNIST-1D (40 inputs) the
same shape family with 40 inputs: 40-64-64-10 dense, 40-64-64-12 with ``B = 4`` and
40-64-64-16 with ``B = 8`` (``B`` divides 40 and every width).

A rate is *stable* for a (data set, model, optimizer) when every seed's training loss stays
finite and its last epoch's mean mini-batch loss ends below ``log(10)`` (chance level for
10 classes); *steps to threshold* counts the mini-batch steps up to the end of the first
epoch whose mean mini-batch loss is at most the data set's threshold (:data:`THRESHOLDS`).
"""
from __future__ import annotations

import math
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np

from ..benchmarking import blas_threads
from ..data import digits_split, load_mnist1d
from ..mlp import PAPER_MODELS, make_mlp
from ..stats import mean_ci, welch_difference_ci
from ..train import TrainConfig, train
from ..train.kfac import KFAC
from ..validation import check_choice, check_int, check_real
from ..whitening import make_whitener

__all__ = ["DATASETS", "MODELS", "THRESHOLDS", "SGD_RATES", "ADAM_RATES", "KFAC_RATES",
           "WHITENED_RATES", "STALL_EPOCHS",
           "KFAC_OPTIONS", "TrainingRun", "model_spec", "load_dataset", "make_model",
           "gauss_newton_lambda_max", "run_training", "run_conditioning_training",
           "rate_table", "largest_stable_rate", "best_rate", "verdict_rows", "mean_curve",
           "runs_from_json", "RateRow", "cell_values", "cell_difference", "spread_text",
           "protocol_text"]

DATASETS = ("digits", "mnist1d")
MODELS = ("dense", "cd4", "cd8")
THRESHOLDS = {"digits": 0.1, "mnist1d": 1.3}
"""Training-loss thresholds (mean mini-batch cross-entropy of an epoch), set from a one-seed
pilot so that most (model, optimizer) cells reach them within the epoch budget."""
SGD_RATES = tuple(float(f"{v:.3g}") for v in 10 ** np.linspace(-2.5, 0, 6))
ADAM_RATES = tuple(float(f"{v:.3g}") for v in 10 ** np.linspace(-3.5, -1, 6))
KFAC_RATES = (0.001, 0.003, 0.01, 0.03)
WHITENED_RATES = tuple(float(f"{v:.3g}") for v in 10 ** np.linspace(-2, 0, 5))
STALL_EPOCHS = 3
"""A run whose epoch loss is still at or above chance (``log 10``) after this many epochs is
stopped there (it counts as unstable: it ends above chance)."""
KFAC_OPTIONS = {"damping": 1e-2, "update_every": 10, "decay": 0.95, "stats_batch": 256,
                "kl_clip": 1e-3, "momentum": 0.9}
"""K-FAC's settings (fixed damping; with KL clipping the step is ``min(η, sqrt(κ/(D·g)))·D``,
so above some rate the clip, not ``η``, sets it)."""
MOMENTUM = 0.9
BATCH_SIZE = 64
CHANCE_LOSS = math.log(10)


def model_spec(dataset: str, model: str):
    """Widths and block size of a model on a data set.

    Parameters
    ----------
    dataset : {"digits", "mnist1d"}
    model : {"dense", "cd4", "cd8"}

    Returns
    -------
    widths : tuple of int
        The paper's widths, with 40 inputs on MNIST-1D.
    block_size : int or None
    """
    check_choice(dataset, "dataset", DATASETS)
    check_choice(model, "model", MODELS)
    widths, block_size = PAPER_MODELS[model]
    if dataset == "mnist1d":
        widths = (40,) + tuple(widths[1:])
    return tuple(widths), block_size


def load_dataset(dataset: str, split_seed: int = 0):
    """``X_train, X_test, y_train, y_test`` of a data set (float64, labels 0-9).

    Parameters
    ----------
    dataset : {"digits", "mnist1d"}
    split_seed : int
        The digits split (MNIST-1D has a fixed split).

    Returns
    -------
    tuple of four NumPy arrays
    """
    check_choice(dataset, "dataset", DATASETS)
    if dataset == "digits":
        return tuple(digits_split(split_seed))
    return tuple(load_mnist1d())


def make_model(dataset: str, model: str, seed: int):
    """The model of :func:`model_spec`, seeded, with 10 classes.

    Parameters
    ----------
    dataset, model : str; seed : int

    Returns
    -------
    :class:`~cdnotes.mlp.MLP`
    """
    widths, block_size = model_spec(dataset, model)
    return make_mlp(widths, block_size, n_classes=10, seed=seed)


def gauss_newton_lambda_max(model, X, y, *, n_steps: int = 20, seed: int = 0) -> float:
    """Largest eigenvalue of the Gauss-Newton matrix of the mean cross-entropy on ``(X, y)``.

    Lanczos (:func:`cdnotes.curvature.lanczos`) with exact Gauss-Newton-vector products.

    Parameters
    ----------
    model : MLP; X : ``(N, n_in)``; y : ``(N,)``
    n_steps : int
        Lanczos steps (the top Ritz value converges first).
    seed : int

    Returns
    -------
    float
    """
    from ..curvature import CurvatureProducts, lanczos

    products = CurvatureProducts(model, X, y)
    return float(lanczos(products.matvec("gauss_newton"), model.n_params, n_steps=n_steps,
                         seed=seed)[-1])


@dataclass
class TrainingRun:
    """One training run.

    Attributes
    ----------
    dataset, model, optimizer, whitening : str
        ``optimizer`` in {"sgd", "adam", "kfac"}; ``whitening`` a
        :data:`cdnotes.whitening.WHITENING_NAMES` name.
    lr : float; seed : int
    steps_per_epoch : int
    train_loss : list of float
        Mean mini-batch loss of each completed epoch.
    test_accuracy : list of float
    epoch_seconds : list of float
        Wall time of each epoch's updates (the optimizer's own work included).
    diverged : bool
        The loss became NaN or infinite (the epochs after it are missing).
    sharpness : list of float
        Gauss-Newton ``λ_max`` before training and after every epoch (empty unless tracked).
    """

    dataset: str
    model: str
    optimizer: str
    whitening: str
    lr: float
    seed: int
    steps_per_epoch: int
    train_loss: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)
    epoch_seconds: list = field(default_factory=list)
    diverged: bool = False
    sharpness: list = field(default_factory=list)

    @property
    def final_loss(self) -> float:
        """The last epoch's training loss (``inf`` if diverged)."""
        return math.inf if self.diverged or not self.train_loss else self.train_loss[-1]

    @property
    def final_accuracy(self) -> float:
        """Test accuracy after the last epoch (0.1, chance, if diverged)."""
        return 0.1 if self.diverged or not self.test_accuracy else self.test_accuracy[-1]

    @property
    def stable(self) -> bool:
        """Finite throughout and ending below chance-level loss."""
        return not self.diverged and self.final_loss < CHANCE_LOSS

    def epochs_to(self, threshold: float) -> float:
        """Epochs until the epoch loss is at most ``threshold`` (``inf`` if never)."""
        for epoch, loss in enumerate(self.train_loss, start=1):
            if loss <= threshold:
                return float(epoch)
        return math.inf

    def steps_to(self, threshold: float) -> float:
        """Mini-batch steps until the end of the first epoch with loss <= ``threshold``."""
        return self.epochs_to(threshold) * self.steps_per_epoch

    def seconds_to(self, threshold: float) -> float:
        """Training seconds until then (``inf`` if never)."""
        epochs = self.epochs_to(threshold)
        return math.inf if math.isinf(epochs) else float(sum(self.epoch_seconds[:int(epochs)]))


def _whiten(whitening, block_size, X_train, X_test):
    """Fit a whitener on the training inputs; apply it to both sets."""
    whitener = make_whitener(whitening, block_size or 1)
    if whitener is None:
        return X_train, X_test
    whitener.fit(X_train)
    return whitener.transform(X_train), whitener.transform(X_test)


def run_training(dataset, model, optimizer, lr, seed, *, epochs, whitening="none", data=None,
                 track_sharpness=False, sharpness_samples=512, kfac_options=None) -> TrainingRun:
    """Train one model; record losses, accuracies, seconds (and sharpness) per epoch.

    Parameters
    ----------
    dataset : {"digits", "mnist1d"}
    model : {"dense", "cd4", "cd8"}
    optimizer : {"sgd", "adam", "kfac"}
        SGD with momentum 0.9, Adam (Kingma & Ba defaults), or
        :class:`~cdnotes.train.kfac.KFAC` with :data:`KFAC_OPTIONS`.
    lr : float > 0
    seed : int
        Initial weights, batch order, K-FAC's statistics.
    epochs : int >= 1
    whitening : str
        A :func:`cdnotes.whitening.make_whitener` name, fitted on the training inputs
        (spectral whiteners use the model's block size).
    data : tuple, optional
        ``(X_train, X_test, y_train, y_test)``; default :func:`load_dataset`.
    track_sharpness : bool
        Record the Gauss-Newton ``λ_max`` on the first ``sharpness_samples`` training inputs
        before training and after every epoch.
    sharpness_samples : int
    kfac_options : dict, optional
        Overrides of :data:`KFAC_OPTIONS`.

    Returns
    -------
    TrainingRun
    """
    check_choice(optimizer, "optimizer", ("sgd", "adam", "kfac"))
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    epochs = check_int(epochs, "epochs", minimum=1)
    X_train, X_test, y_train, y_test = load_dataset(dataset) if data is None else data
    net = make_model(dataset, model, seed)
    _, block_size = model_spec(dataset, model)
    X_train, X_test = _whiten(whitening, block_size, X_train, X_test)
    steps = -(-X_train.shape[0] // BATCH_SIZE)
    record = TrainingRun(dataset, model, optimizer, whitening, lr, seed, steps)
    config = TrainConfig(epochs=1, lr=lr, momentum=MOMENTUM, batch_size=BATCH_SIZE,
                         optimizer="adam" if optimizer == "adam" else "sgd")
    if optimizer == "kfac":
        opt = KFAC(net, X_train, lr=lr, seed=seed, **{**KFAC_OPTIONS, **(kfac_options or {})})
    else:
        opt = config.make_optimizer()
    probe = (X_train[:sharpness_samples], y_train[:sharpness_samples])
    if track_sharpness:
        record.sharpness.append(gauss_newton_lambda_max(net, *probe, seed=seed))
    for epoch in range(epochs):
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                h = train(net, X_train, y_train, X_test, y_test, config=config,
                          seed=1000 * seed + epoch, optimizer=opt)
        except (FloatingPointError, np.linalg.LinAlgError):
            record.diverged = True
            break
        if not all(np.isfinite(p).all() for layer in net.linear_layers
                   for p in layer.params.values()):
            record.diverged = True
            break
        record.train_loss.append(h.train_loss[0])
        record.test_accuracy.append(h.test_accuracy[0])
        record.epoch_seconds.append(h.epoch_seconds[0])
        if track_sharpness:
            record.sharpness.append(gauss_newton_lambda_max(net, *probe, seed=seed))
        if epoch + 1 >= STALL_EPOCHS and h.train_loss[0] >= CHANCE_LOSS:
            break                                   # stalled at chance: stop (unstable)
    return record


def run_conditioning_training(*, datasets=DATASETS, models=MODELS, seeds=(0, 1, 2, 3, 4),
                              epochs=None, sgd_rates=SGD_RATES, adam_rates=ADAM_RATES,
                              kfac_rates=KFAC_RATES, whitened_rates=WHITENED_RATES,
                              whitenings=("zca", "spectral-block"),
                              sharpness_rates=(0.0316, 0.1, 0.316), sharpness_seeds=(0,),
                              lanczos_steps=20, threads=1, progress=None) -> dict:
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
        BLAS threads (1: the timings are not disturbed by thread contention).
    progress : bool or None
        A ``tqdm`` bar over runs (None: only on a terminal).

    Returns
    -------
    dict with ``config``, ``runs`` (``asdict`` of every :class:`TrainingRun`),
    ``lambda_max_init`` (rows ``{dataset, model, seed, lambda_max}``) and ``wall_seconds``.
    """
    epochs = {"digits": 15, "mnist1d": 12, **(epochs or {})}
    jobs = []
    for dataset in datasets:
        for model in models:
            for seed in seeds:
                jobs += [(dataset, model, "sgd", lr, seed, "none", False) for lr in sgd_rates]
                jobs += [(dataset, model, "adam", lr, seed, "none", False) for lr in adam_rates]
                jobs += [(dataset, model, "kfac", lr, seed, "none", False) for lr in kfac_rates]
                for w in whitenings:
                    if w == "spectral-block" and model_spec(dataset, model)[1] is None:
                        continue
                    jobs += [(dataset, model, "sgd", lr, seed, w, False) for lr in whitened_rates]
            for seed in sharpness_seeds:
                jobs += [(dataset, model, "sgd", lr, seed, "none", True) for lr in sharpness_rates]
    if progress is None:
        progress = sys.stderr.isatty()
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(jobs), desc="runs")
    start = time.perf_counter()
    data = {d: load_dataset(d) for d in datasets}
    runs, init = [], []
    with blas_threads(threads):
        for dataset in datasets:
            X, y = data[dataset][0][:512], data[dataset][2][:512]
            for model in models:
                for seed in seeds:
                    lam = gauss_newton_lambda_max(make_model(dataset, model, seed), X, y,
                                                  n_steps=lanczos_steps, seed=seed)
                    init.append({"dataset": dataset, "model": model, "seed": seed,
                                 "lambda_max": lam})
        for dataset, model, opt, lr, seed, w, track in jobs:
            run = run_training(dataset, model, opt, lr, seed, epochs=epochs[dataset],
                               whitening=w, data=data[dataset], track_sharpness=track)
            runs.append(asdict(run))
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.close()
    config = {"datasets": list(datasets), "models": list(models), "seeds": list(seeds),
              "epochs": epochs, "sgd_rates": list(sgd_rates), "adam_rates": list(adam_rates),
              "kfac_rates": list(kfac_rates), "kfac_options": KFAC_OPTIONS,
              "whitened_rates": list(whitened_rates), "stall_epochs": STALL_EPOCHS,
              "whitenings": list(whitenings), "sharpness_rates": list(sharpness_rates),
              "sharpness_seeds": list(sharpness_seeds), "lanczos_steps": lanczos_steps,
              "sharpness_samples": 512, "momentum": MOMENTUM, "batch_size": BATCH_SIZE,
              "thresholds": THRESHOLDS, "threads": threads,
              "model_widths": {d: {m: list(model_spec(d, m)[0]) for m in models}
                               for d in datasets}}
    return {"config": config, "runs": runs, "lambda_max_init": init,
            "wall_seconds": time.perf_counter() - start}


# -- summaries --------------------------------------------------------------------------
def runs_from_json(rows):
    """:class:`TrainingRun` objects from the ``runs`` of a results file.

    Parameters
    ----------
    rows : list of dict

    Returns
    -------
    list of TrainingRun
    """
    return [TrainingRun(**row) for row in rows]


def _select(runs, **where):
    return [r for r in runs if all(getattr(r, k) == v for k, v in where.items())]


@dataclass(frozen=True)
class RateRow:
    """One (data set, model, optimizer, whitening, rate) cell over its seeds.

    Attributes
    ----------
    dataset, model, optimizer, whitening : str; lr : float
    n : int — seeds.
    stable : bool — every seed stable (:attr:`TrainingRun.stable`).
    n_reached : int — seeds that reached the loss threshold.
    steps_mean, steps_low, steps_high : float
        Steps to the threshold, mean and 95% interval over seeds (``inf`` unless all reached).
    seconds_mean, seconds_low, seconds_high : float
        Training seconds to the threshold, mean and 95% interval (``inf`` unless all reached).
    accuracy_mean, accuracy_low, accuracy_high : float
        Final test accuracy (diverged runs count as chance, 0.1).
    final_loss_mean : float
    """

    dataset: str
    model: str
    optimizer: str
    whitening: str
    lr: float
    n: int
    stable: bool
    n_reached: int
    steps_mean: float
    steps_low: float
    steps_high: float
    seconds_mean: float
    seconds_low: float
    seconds_high: float
    accuracy_mean: float
    accuracy_low: float
    accuracy_high: float
    final_loss_mean: float


def _ci(values):
    values = np.asarray(values, dtype=float)
    if not np.isfinite(values).all():
        return math.inf, math.inf, math.inf
    if values.size < 2 or np.ptp(values) == 0:
        m = float(values.mean())
        return m, m, m
    e = mean_ci(values)
    return e.mean, e.low, e.high


def rate_table(runs, threshold=None):
    """One :class:`RateRow` per (data set, model, optimizer, whitening, rate), sorted.

    Parameters
    ----------
    runs : list of TrainingRun
        Sharpness-tracked runs are left out (they repeat a sweep cell).
    threshold : dict ``{dataset: float}``, optional
        Default :data:`THRESHOLDS`.

    Returns
    -------
    list of RateRow
    """
    threshold = {**THRESHOLDS, **(threshold or {})}
    cells = {}
    for r in runs:
        if r.sharpness:
            continue
        cells.setdefault((r.dataset, r.model, r.optimizer, r.whitening, r.lr), []).append(r)
    rows = []
    for key in sorted(cells):
        group = cells[key]
        t = threshold[key[0]]
        steps = [r.steps_to(t) for r in group]
        s_mean, s_low, s_high = _ci(steps)
        seconds = _ci([r.seconds_to(t) for r in group])
        a_mean, a_low, a_high = _ci([r.final_accuracy for r in group])
        rows.append(RateRow(*key, len(group), all(r.stable for r in group),
                            int(sum(math.isfinite(s) for s in steps)), s_mean, s_low, s_high,
                            *seconds, a_mean, a_low, a_high,
                            float(np.mean([r.final_loss for r in group]))))
    return rows


def largest_stable_rate(rows, dataset, model, optimizer, whitening="none"):
    """Largest stable rate of a cell's grid, and the next larger (unstable) grid rate.

    Parameters
    ----------
    rows : list of RateRow; dataset, model, optimizer, whitening : str

    Returns
    -------
    (float, float)
        ``(largest stable, smallest larger unstable)``; ``nan`` where there is none.
    """
    cell = sorted((r for r in rows if (r.dataset, r.model, r.optimizer, r.whitening)
                   == (dataset, model, optimizer, whitening)), key=lambda r: r.lr)
    stable = [r.lr for r in cell if r.stable]
    top = max(stable) if stable else math.nan
    above = [r.lr for r in cell if not r.stable and (not stable or r.lr > top)]
    return top, (min(above) if above else math.nan)


def best_rate(rows, dataset, model, optimizer, whitening="none"):
    """The rate that reaches the threshold in the fewest mean steps (all seeds reaching).

    Ties and cells where no rate has every seed reaching it fall back to the lowest mean
    final training loss.

    Parameters
    ----------
    rows : list of RateRow; dataset, model, optimizer, whitening : str

    Returns
    -------
    RateRow
    """
    cell = [r for r in rows if (r.dataset, r.model, r.optimizer, r.whitening)
            == (dataset, model, optimizer, whitening)]
    if not cell:
        raise ValueError(f"no runs for {dataset}, {model}, {optimizer}, {whitening}")
    return min(cell, key=lambda r: (r.steps_mean, r.final_loss_mean))


def verdict_rows(rows, dataset, models=MODELS,
                 methods=(("sgd", "none"), ("adam", "none"), ("kfac", "none"), ("sgd", "zca"),
                          ("sgd", "spectral-block"))):
    """The best rate of every (model, method) of a data set, for the verdict table.

    Parameters
    ----------
    rows : list of RateRow; dataset : str
    models : sequence of str
    methods : sequence of ``(optimizer, whitening)``

    Returns
    -------
    list of RateRow (cells without runs are skipped)
    """
    out = []
    for model in models:
        for optimizer, whitening in methods:
            try:
                out.append(best_rate(rows, dataset, model, optimizer, whitening))
            except ValueError:
                continue
    return out


CELL_QUANTITIES = ("final_accuracy", "steps", "seconds")


def cell_values(runs, row, what="final_accuracy", threshold=None):
    """Per-seed values of the sweep cell of ``row``, ordered by seed.

    Parameters
    ----------
    runs : list of TrainingRun
        Sharpness-tracked runs are left out, as in :func:`rate_table`.
    row : RateRow
        The cell: data set, model, optimizer, whitening and rate.
    what : {"final_accuracy", "steps", "seconds"}
        Final test accuracy (0.1 for a diverged run), or steps / training seconds to the
        loss threshold (``inf`` for a seed that never reached it).
    threshold : dict ``{dataset: float}``, optional
        Default :data:`THRESHOLDS`.

    Returns
    -------
    numpy.ndarray of float, one value per seed
    """
    check_choice(what, "what", CELL_QUANTITIES)
    t = {**THRESHOLDS, **(threshold or {})}[row.dataset]
    group = sorted((r for r in runs if not r.sharpness
                    and (r.dataset, r.model, r.optimizer, r.whitening, r.lr)
                    == (row.dataset, row.model, row.optimizer, row.whitening, row.lr)),
                   key=lambda r: r.seed)
    if not group:
        raise ValueError(f"no runs for the cell {row.dataset}, {row.model}, {row.optimizer}, "
                         f"{row.whitening}, lr {row.lr:g}")
    value = {"final_accuracy": lambda r: r.final_accuracy, "steps": lambda r: r.steps_to(t),
             "seconds": lambda r: r.seconds_to(t)}[what]
    return np.array([value(r) for r in group], dtype=float)


def cell_difference(runs, a, b, what="final_accuracy", threshold=None, level=0.95):
    """Mean of cell ``a`` minus mean of cell ``b`` over their seeds, with a Welch interval.

    Parameters
    ----------
    runs : list of TrainingRun
    a, b : RateRow
        The two cells (e.g. two methods' best rates for one model).
    what : {"final_accuracy", "steps", "seconds"}
        See :func:`cell_values`.
    threshold : dict, optional
    level : float, default 0.95

    Returns
    -------
    Estimate or None
        :func:`cdnotes.stats.welch_difference_ci` of the two cells' per-seed values;
        ``None`` when a seed of either cell never reached the threshold (no finite mean).
    """
    x, y = (cell_values(runs, r, what, threshold) for r in (a, b))
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return None
    return welch_difference_ci(x, y, level)


def mean_curve(runs, dataset, model, optimizer, lr, whitening="none", what="train_loss",
               log=False):
    """Mean and 95% interval over seeds of a per-epoch series, and cumulative seconds.

    Parameters
    ----------
    runs : list of TrainingRun
    dataset, model, optimizer : str; lr : float; whitening : str
    what : {"train_loss", "test_accuracy"}
    log : bool
        Average ``log10`` of the values (a geometric mean, with its interval): for losses
        spanning decades, whose arithmetic interval can reach below zero.

    Returns
    -------
    dict with ``steps`` ``(E,)``, ``seconds`` ``(E,)`` (mean cumulative training seconds),
    ``mean``, ``low``, ``high`` ``(E,)`` over the seeds that did not diverge (``E`` the
    shortest of their lengths).
    """
    check_choice(what, "what", ("train_loss", "test_accuracy"))
    group = [r for r in _select(runs, dataset=dataset, model=model, optimizer=optimizer,
                                whitening=whitening, lr=lr) if not r.sharpness and not r.diverged]
    if not group:
        raise ValueError(f"no finished runs for {dataset}, {model}, {optimizer}, lr={lr}")
    E = min(len(r.train_loss) for r in group)
    values = np.array([getattr(r, what)[:E] for r in group])
    if log:
        values = np.log10(values)
    seconds = np.cumsum(np.array([r.epoch_seconds[:E] for r in group]), axis=1).mean(axis=0)
    cis = [_ci(values[:, e]) for e in range(E)]
    mean, low, high = (np.array(c) for c in zip(*cis))
    if log:
        mean, low, high = 10 ** mean, 10 ** low, 10 ** high
    steps = np.arange(1, E + 1) * group[0].steps_per_epoch
    return {"steps": steps, "seconds": seconds, "mean": mean, "low": low, "high": high}


# -- command line ---------------------------------------------------------------------
def add_parser(subparsers):
    """Register ``python -m cdnotes lr-sweep`` on an ``argparse`` subparsers object.

    Parameters
    ----------
    subparsers : the object returned by ``ArgumentParser.add_subparsers``

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser (its ``func`` runs the experiment).
    """
    from ..cli import _out_path, _positive, _positive_int, _seed

    p = subparsers.add_parser(
        "lr-sweep", help="learning-rate sweeps, sharpness, K-FAC and whitening (issue 12)",
        description="Does conditioning matter for training? For each data set (digits, "
                    "MNIST-1D) and model (dense, CD-B4, CD-B8): SGD+momentum and Adam over log "
                    "grids of learning rates, K-FAC with the exact per-frequency input factor, "
                    "SGD on ZCA- and per-frequency-whitened inputs, every seed; the Gauss-Newton "
                    "λ_max at initialisation and tracked during a few SGD runs. Writes one JSON "
                    "file (per-epoch loss, accuracy, seconds of every run) with provenance.")
    p.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=list(DATASETS))
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    p.add_argument("--seeds", type=_seed, nargs="+", default=[0, 1, 2, 3, 4],
                   help="seeds (default: 0 1 2 3 4)")
    p.add_argument("--epochs-digits", type=_positive_int, default=15, help="(default: 15)")
    p.add_argument("--epochs-mnist1d", type=_positive_int, default=12, help="(default: 12)")
    p.add_argument("--sgd-rates", type=_positive, nargs="+", default=list(SGD_RATES))
    p.add_argument("--adam-rates", type=_positive, nargs="+", default=list(ADAM_RATES))
    p.add_argument("--kfac-rates", type=_positive, nargs="+", default=list(KFAC_RATES))
    p.add_argument("--whitened-rates", type=_positive, nargs="+", default=list(WHITENED_RATES),
                   help="SGD rates on whitened inputs")
    p.add_argument("--whitenings", nargs="*", choices=["zca", "spectral-block", "pca",
                                                       "standardize", "spectral"],
                   default=["zca", "spectral-block"], help="(default: zca spectral-block)")
    p.add_argument("--sharpness-rates", type=_positive, nargs="*", default=[0.0316, 0.1, 0.316],
                   help="SGD rates whose λ_max is tracked every epoch, seed --seeds[0]")
    p.add_argument("--out", type=_out_path, default="conditioning_training.json",
                   help="output JSON file (default: conditioning_training.json)")
    p.add_argument("--quiet", action="store_true", help="print nothing, show no progress bar")
    p.set_defaults(func=lambda args: _run_cli(args, p))
    return p


def _run_cli(args, parser) -> int:
    from ..results import environment_info, write_json_atomic

    if len(set(args.seeds)) != len(args.seeds):
        parser.error(f"argument --seeds: values must be distinct; got "
                     f"{' '.join(map(str, args.seeds))}")
    result = run_conditioning_training(
        datasets=args.datasets, models=args.models, seeds=args.seeds,
        epochs={"digits": args.epochs_digits, "mnist1d": args.epochs_mnist1d},
        sgd_rates=args.sgd_rates, adam_rates=args.adam_rates, kfac_rates=args.kfac_rates,
        whitened_rates=args.whitened_rates, whitenings=args.whitenings, sharpness_rates=args.sharpness_rates,
        sharpness_seeds=args.seeds[:1], progress=not args.quiet)
    result = {"command": "lr-sweep", "argv": sys.argv[1:], **result,
              "environment": environment_info("numpy")}
    write_json_atomic(args.out, result)
    if not args.quiet:
        print(f"wrote {len(result['runs'])} runs to {args.out} in "
              f"{result['wall_seconds']:.0f} s")
    return 0


def spread_text(values, names):
    """How far the models' values lie apart within each data set, in words.

    Parameters
    ----------
    values : dict
        ``{(dataset, model): value > 0}`` (e.g. the mean λ_max at initialisation).
    names : dict
        ``{dataset: name on the page}``; the data sets in this order.

    Returns
    -------
    str
        ``"a factor of 1.42 on digits (6.4 to 9.1) and of 1.30 on MNIST-1D (…)"``: for each
        data set the largest over the smallest of its models' values, compared only within
        one data set.
    """
    parts = []
    for d, name in names.items():
        own = [v for (dd, _), v in values.items() if dd == d]
        if not own:
            raise ValueError(f"spread_text: no value for data set {d!r}")
        low, high = min(own), max(own)
        parts.append(f"{high / low:.2f} on {name} ({low:.1f} to {high:.1f})")
    return "a factor of " + " and of ".join(parts)


def protocol_text(n_runs, seeds, epochs, thresholds, names):
    """The sweep's size in one line: runs, seeds, and per data set epochs and threshold.

    Parameters
    ----------
    n_runs : int
    seeds : list of int
    epochs, thresholds : dict
        ``{dataset: value}``.
    names : dict
        ``{dataset: name on the page}``.

    Returns
    -------
    str
        ``"748 runs, seeds 0–4; digits: 15 epochs, loss threshold 0.1; MNIST-1D: …"``
        (seeds as a range when consecutive, else listed).
    """
    seeds = sorted(seeds)
    consecutive = seeds == list(range(seeds[0], seeds[-1] + 1))
    seed_text = (f"{seeds[0]}–{seeds[-1]}" if consecutive and len(seeds) > 1
                 else ", ".join(str(s) for s in seeds))
    per_set = "; ".join(f"{name}: {epochs[d]} epochs, loss threshold {thresholds[d]:g}"
                        for d, name in names.items())
    return f"{n_runs:,} runs, seeds {seed_text}; {per_set}"
