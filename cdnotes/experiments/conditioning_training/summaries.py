"""Summaries of the ``lr-sweep`` runs for chapter 11: per-rate cells (:class:`RateRow`,
:func:`rate_table`), stable and best rates, the verdict table's rows, per-seed cell values
and differences, and mean curves over seeds."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...stats import mean_ci, welch_difference_ci
from ...validation import check_choice
from .config import MODELS, THRESHOLDS

__all__ = ["RateRow", "rate_table", "largest_stable_rate", "best_rate", "verdict_rows",
           "CELL_QUANTITIES", "cell_values", "cell_difference", "mean_curve"]


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
