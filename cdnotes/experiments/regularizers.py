"""The paper's two regularizers (§IV) measured on the digits: sweeps over one setting, paired by seed.

* :func:`run_dropout_sweep` — Shannon dropout at each rate, same seeds for every rate;
* :func:`run_fisher_sweep` — the Fisher penalty (Eq. 8) at ``λ_F`` for each ``ε``, paired
  with unpenalised runs of the same seeds;
* :func:`sweep_table` — one :class:`SweepRow` per setting: accuracy with its confidence
  interval, and the paired changes against the unregularised runs;
* :func:`fisher_penalty_cost` — what the penalty adds to a training epoch, timed in the
  training loop itself.

A seed gives the same initial weights and batch order in every setting (dropout masks
come from the seed too), so each setting is compared with the baseline seed by seed.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..data import digits_split
from ..mlp import paper_model
from ..stats import Estimate, geometric_mean, mean_ci, paired_difference_ci
from ..train import TrainConfig, train
from ..train.regularizers import LAMBDA_FISHER
from ..validation import check_int, check_real
from .digits import _paired, _progress, run_digits

__all__ = ["Sweep", "SweepRow", "run_dropout_sweep", "run_fisher_sweep", "sweep_table",
           "PenaltyCost", "fisher_penalty_cost"]


@dataclass(frozen=True)
class Sweep:
    """Runs of one model over the values of one setting, every value with the same seeds.

    ``runs[value]`` holds one :class:`~cdnotes.experiments.digits.DigitsRecord` per seed, in
    the order of ``seeds``; ``baseline`` the unregularised runs of the same seeds (no
    dropout, no penalty), against which :func:`sweep_table` pairs every value.

    Attributes
    ----------
    parameter : str
        ``"dropout"`` (values are rates) or ``"fisher_eps"`` (values are ``ε``).
    values : tuple of float
        The settings, distinct, in the order given.
    seeds : tuple of int
        At least two, distinct.
    runs : dict
        ``{value: tuple of DigitsRecord}``, one per seed in the order of ``seeds``.
    baseline : tuple of DigitsRecord
        The unregularised runs, one per seed in the order of ``seeds``.
    """

    parameter: str                 # "dropout" or "fisher_eps"
    values: tuple
    seeds: tuple
    runs: dict
    baseline: tuple

    def accuracy(self, value) -> np.ndarray:
        """Final test accuracies (%) at ``value``, one per seed."""
        return np.array([r.accuracy_percent for r in self.runs[value]])

    def hessian_kappa(self, value) -> np.ndarray:
        """κ of the last-layer Hessian (non-zero part) at ``value``, one per seed."""
        return np.array([r.hessian_kappa for r in self.runs[value]])

    def circulant_kappa(self, value) -> np.ndarray:
        """κ of the circulant blocks (max/min of ``|FFT(c)|²``, mean over layers), one per seed."""
        return np.array([r.circulant_kappa for r in self.runs[value]])


def _values(values, name, **bounds) -> tuple:
    out = tuple(check_real(v, f"each {name}", **bounds) for v in values)
    if not out or len(set(out)) != len(out):
        raise ValueError(f"{name} must be a non-empty sequence of distinct numbers; got {values!r}")
    return out


def _seeds(seeds) -> tuple:
    out = tuple(check_int(s, "each seed", minimum=0) for s in seeds)
    if len(out) < 2 or len(set(out)) != len(out):
        raise ValueError(f"a sweep needs at least two distinct seeds (for confidence intervals); "
                         f"got {list(seeds)}")
    return out


def run_dropout_sweep(rates, seeds, *, model: str = "cd4", split_seed: int = 0,
                      config: TrainConfig = TrainConfig(), curvature="full",
                      progress=False) -> Sweep:
    """Train ``model`` with Shannon dropout at every rate, for every seed.

    The baseline is the rate-0 runs (trained as well if 0 is not among ``rates``).
    ``curvature`` as in :func:`~cdnotes.experiments.digits.run_digits` (``"full"`` for the
    last-layer Hessian's κ). The test accuracy is evaluated once, after training.

    Parameters
    ----------
    rates : sequence of float in [0, 1)
        Distinct dropout rates, at least one.
    seeds : sequence of int >= 0
        At least two, distinct.
    model : {"dense", "cd4", "cd8"}, default "cd4"
    split_seed : int >= 0, default 0
    config : TrainConfig, default TrainConfig()
    curvature : {"none", "readings", "full"} or bool, default "full"
    progress : bool or None, default False
        As for :func:`~cdnotes.experiments.digits.run_digits_grid`.

    Returns
    -------
    Sweep
        ``parameter="dropout"``, ``values=rates``.
    """
    rates = _values(rates, "rate", low=0.0, high=1.0, high_open=True)
    seeds = _seeds(seeds)
    data = digits_split(check_int(split_seed, "split_seed", minimum=0))
    todo = [(rate, s) for rate in (rates if 0.0 in rates else (0.0, *rates)) for s in seeds]
    done = {}
    for rate, s in _progress(todo, progress, "dropout"):
        done[rate, s] = run_digits(model, s, config=config, dropout=rate, split_seed=split_seed,
                                   curvature=curvature, per_epoch=False, data=data)
    runs = {rate: tuple(done[rate, s] for s in seeds) for rate in rates}
    return Sweep("dropout", rates, seeds, runs, tuple(done[0.0, s] for s in seeds))


def run_fisher_sweep(eps_values, seeds, *, lambda_f: float = LAMBDA_FISHER, model: str = "cd4",
                     split_seed: int = 0, config: TrainConfig = TrainConfig(), baseline=None,
                     curvature="readings", progress=False) -> Sweep:
    """Train ``model`` with the Fisher penalty ``λ_F Σ 1/(|FFT(c)|² + ε)`` for every ``ε`` and seed.

    ``baseline``: unpenalised runs of the same model, seeds, split and configuration (for
    example ``dropout_sweep.baseline``), reused instead of training them again.
    ``curvature`` defaults to ``"readings"``: the circulant blocks' κ, without the Hessian.

    Parameters
    ----------
    eps_values : sequence of float > 0
        Distinct values of ``ε``, at least one.
    seeds : sequence of int >= 0
        At least two, distinct.
    lambda_f : float > 0, default :data:`~cdnotes.train.regularizers.LAMBDA_FISHER` (1e-4)
        ``λ_F``.
    model : {"dense", "cd4", "cd8"}, default "cd4"
    split_seed : int >= 0, default 0
    config : TrainConfig, default TrainConfig()
        Its ``fisher`` and ``fisher_eps`` are replaced (``fisher=0`` for the baseline).
    baseline : sequence of DigitsRecord or None, default None
        One run per seed, in the order of ``seeds``; ``None`` trains them.
    curvature : {"none", "readings", "full"} or bool, default "readings"
    progress : bool or None, default False

    Returns
    -------
    Sweep
        ``parameter="fisher_eps"``, ``values=eps_values``.

    Raises
    ------
    ValueError
        If ``baseline`` does not match: other seeds, split, model, or a configuration that
        differs in more than the penalty, or runs with dropout or a penalty.
    """
    eps_values = _values(eps_values, "eps", low=0.0, low_open=True)
    lambda_f = check_real(lambda_f, "lambda_f", low=0.0, low_open=True)
    seeds = _seeds(seeds)
    data = digits_split(check_int(split_seed, "split_seed", minimum=0))
    plain = replace(config, fisher=0.0)
    if baseline is None:
        baseline = tuple(run_digits(model, s, config=plain, split_seed=split_seed,
                                    curvature=curvature, per_epoch=False, data=data) for s in seeds)
    else:
        baseline = tuple(baseline)
        if tuple(r.seed for r in baseline) != seeds:
            raise ValueError(f"baseline seeds {[r.seed for r in baseline]} differ from {list(seeds)}")
        for r in baseline:
            if (r.model, r.split_seed, r.dropout, r.config) != (model, split_seed, 0.0, plain):
                raise ValueError(f"baseline run {r.model}/seed {r.seed} (split {r.split_seed}, dropout "
                                 f"{r.dropout}, {r.config}) is not an unregularised {model} run on "
                                 f"split {split_seed} with {plain}")
    todo = [(eps, s) for eps in eps_values for s in seeds]
    done = {}
    for eps, s in _progress(todo, progress, "Fisher penalty"):
        done[eps, s] = run_digits(model, s, config=replace(config, fisher=lambda_f, fisher_eps=eps),
                                  split_seed=split_seed, curvature=curvature, per_epoch=False,
                                  data=data)
    runs = {eps: tuple(done[eps, s] for s in seeds) for eps in eps_values}
    return Sweep("fisher_eps", eps_values, seeds, runs, baseline)


@dataclass(frozen=True)
class SweepRow:
    """One setting of a sweep against the unregularised runs of the same seeds.

    Accuracies in percent, changes in points; κ changes in decades (``log10``), all paired
    by seed with Student-t intervals. A change is ``None`` where the setting is the
    baseline itself (dropout rate 0) or the runs did not measure that κ.

    Attributes
    ----------
    value : float
        The setting (dropout rate or ``ε``).
    accuracy : Estimate
        Final test accuracy (%) at ``value``.
    accuracy_change : Estimate or None
        Minus the baseline's, paired by seed (points).
    hessian_kappa_geomean : float or None
        Geometric mean over seeds of the last-layer Hessian's κ (non-zero part).
    log10_hessian_kappa_change : Estimate or None
        Paired change of its ``log10`` (decades).
    circulant_kappa_geomean : float or None
        Geometric mean over seeds of the circulant blocks' κ.
    log10_circulant_kappa_change : Estimate or None
        Paired change of its ``log10`` (decades).
    """

    value: float
    accuracy: Estimate
    accuracy_change: Estimate | None
    hessian_kappa_geomean: float | None
    log10_hessian_kappa_change: Estimate | None
    circulant_kappa_geomean: float | None
    log10_circulant_kappa_change: Estimate | None

    @property
    def significantly_lower(self) -> bool:
        """The accuracy change's confidence interval lies entirely below zero."""
        return self.accuracy_change is not None and self.accuracy_change.high < 0

    @property
    def significantly_higher(self) -> bool:
        """The accuracy change's confidence interval lies entirely above zero."""
        return self.accuracy_change is not None and self.accuracy_change.low > 0


def _kappa(runs, attribute, name):
    if any(getattr(r, name) is None for r in runs):
        return None
    return np.array([getattr(r, attribute) for r in runs])


def sweep_table(sweep: Sweep, level: float = 0.95) -> list:
    """One :class:`SweepRow` per value of ``sweep``, in order.

    Parameters
    ----------
    sweep : Sweep
    level : float in (0, 1), default 0.95
        Confidence level of every interval.

    Returns
    -------
    list of SweepRow
    """
    rows = []
    for value in sweep.values:
        pairs = _paired(sweep.runs[value], sweep.baseline, f"the runs at {value:g} and the baseline")
        runs = [a for a, _ in pairs]
        base = [b for _, b in pairs]
        is_baseline = all(a is b for a, b in pairs)
        acc, acc0 = [r.accuracy_percent for r in runs], [r.accuracy_percent for r in base]
        row = {"value": value, "accuracy": mean_ci(acc, level),
               "accuracy_change": None if is_baseline else paired_difference_ci(acc, acc0, level)}
        for key, attribute, name in (("hessian", "hessian_kappa", "hessian"),
                                     ("circulant", "circulant_kappa", "kappa")):
            k, k0 = _kappa(runs, attribute, name), _kappa(base, attribute, name)
            row[f"{key}_kappa_geomean"] = None if k is None else geometric_mean(k)
            row[f"log10_{key}_kappa_change"] = (
                None if k is None or k0 is None or is_baseline
                else paired_difference_ci(np.log10(k), np.log10(k0), level))
        rows.append(SweepRow(**row))
    return rows


@dataclass(frozen=True)
class PenaltyCost:
    """Median seconds per training epoch without and with the Fisher penalty, same model and seed.

    A paired measurement: its result is the ratio of the two settings timed side by side
    (``ratios``, one per repeat), not either epoch time, which depends on the machine's
    load at that moment.

    Attributes
    ----------
    plain_epoch_seconds : float
        Median seconds of an unpenalised epoch's updates.
    penalised_epoch_seconds : float
        The same with the penalty.
    steps_per_epoch : int
        Mini-batch updates per epoch.
    n_epochs : int
        Epochs timed per setting, over all repeats (the first of each run dropped).
    ratios : tuple of float
        Per repeat, the median penalised epoch over the median plain epoch of that repeat.
    """

    plain_epoch_seconds: float
    penalised_epoch_seconds: float
    steps_per_epoch: int
    n_epochs: int              # epochs timed per setting (the first of each run dropped)
    ratios: tuple = ()

    @property
    def ratio(self) -> float:
        """Median over repeats of :attr:`ratios`."""
        return float(np.median(self.ratios))

    @property
    def overhead(self) -> float:
        """The penalty's share of an unpenalised epoch: ``penalised / plain − 1``."""
        return self.penalised_epoch_seconds / self.plain_epoch_seconds - 1.0

    @property
    def penalty_seconds_per_step(self) -> float:
        return (self.penalised_epoch_seconds - self.plain_epoch_seconds) / self.steps_per_epoch


def fisher_penalty_cost(model: str = "cd4", *, eps: float = 1e-2, lambda_f: float = LAMBDA_FISHER,
                        epochs: int = 6, repeats: int = 3, seed: int = 0, split_seed: int = 0,
                        config: TrainConfig = TrainConfig()) -> PenaltyCost:
    """Time training epochs of ``model`` with and without the penalty, interleaved.

    Each repeat trains the same model and seed for ``epochs`` epochs without and then with
    the penalty (:func:`cdnotes.train.train`, whose ``epoch_seconds`` cover the mini-batch
    updates only); the first epoch of every run is dropped and the medians compared.
    Interleaving makes slow drifts of a shared machine's load hit both settings alike.

    Parameters
    ----------
    model : {"dense", "cd4", "cd8"}, default "cd4"
    eps : float, default 1e-2
        ``ε`` of the penalty.
    lambda_f : float, default :data:`~cdnotes.train.regularizers.LAMBDA_FISHER` (1e-4)
        ``λ_F``.
    epochs : int >= 2, default 6
        Epochs per run (the first is not timed).
    repeats : int >= 1, default 3
    seed : int, default 0
        Initial weights and batch order of every run.
    split_seed : int >= 0, default 0
    config : TrainConfig, default TrainConfig()
        Its ``epochs``, ``fisher`` and ``fisher_eps`` are replaced.

    Returns
    -------
    PenaltyCost
    """
    epochs = check_int(epochs, "epochs", minimum=2)
    repeats = check_int(repeats, "repeats", minimum=1)
    X_train, _, y_train, _ = digits_split(check_int(split_seed, "split_seed", minimum=0))
    times = {False: [], True: []}
    ratios = []
    for _ in range(repeats):
        repeat = {}
        for penalised in (False, True):
            cfg = replace(config, epochs=epochs, fisher=lambda_f if penalised else 0.0,
                          fisher_eps=eps)
            net = paper_model(model, seed=seed)
            repeat[penalised] = train(net, X_train, y_train, config=cfg, seed=seed).epoch_seconds[1:]
            times[penalised] += repeat[penalised]
        ratios.append(float(np.median(repeat[True]) / np.median(repeat[False])))
    steps = -(-X_train.shape[0] // config.batch_size)
    return PenaltyCost(float(np.median(times[False])), float(np.median(times[True])), steps,
                       len(times[False]), tuple(ratios))

