"""Chapter 11's figures (does conditioning matter for training?), from the committed sweep.

Each function draws one figure from the runs / rate rows of
:mod:`cdnotes.experiments.conditioning_training` and returns it (with what the chapter reads
off it).
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np

from ..experiments import conditioning_training as ct
from ..plotting import MAX_FIGURE_WIDTH_IN, color, series_colors
from .conditioning import DATA, MODELS

__all__ = ["plain_log_y", "rate_figure", "sharpness_figure", "METHODS", "curves_figure"]


def plain_log_y(ax):
    """A log y axis labelled 1, 2, 5, 10, ... (no powers-of-ten notation).

    On an axis spanning less than a decade every minor tick is labelled, so that labels show.

    Parameters
    ----------
    ax : Axes

    Returns
    -------
    None
    """
    ax.set_yscale("log")

    def lead(v):
        return round(v / 10 ** math.floor(math.log10(v)), 1) if v > 0 else 0

    def minor(v, _):
        low, high = ax.get_ylim()
        short = math.log10(high / low) < 1
        return f"{v:g}" if short or lead(v) in (2, 5) else ""

    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(mticker.FuncFormatter(minor))


def _cell(rows, dataset, model, optimizer, whitening="none"):
    return sorted((r for r in rows if (r.dataset, r.model, r.optimizer, r.whitening)
                   == (dataset, model, optimizer, whitening)), key=lambda r: r.lr)


def rate_figure(rows, thresholds: dict):
    """Final test accuracy and steps to the threshold against the learning rate.

    SGD and Adam, per data set and model (mean over seeds, 95 % intervals).

    Parameters
    ----------
    rows : list of RateRow
    thresholds : dict ``{dataset: loss threshold}``

    Returns
    -------
    fig
    """
    fig, axes = plt.subplots(4, 2, figsize=(MAX_FIGURE_WIDTH_IN, 10.5), sharex="col")
    for j, (opt, label) in enumerate([("sgd", "SGD + momentum"), ("adam", "Adam")]):
        for i, d in enumerate(DATA):
            for k, (m, name) in enumerate(MODELS.items()):
                c = _cell(rows, d, m, opt)
                lr = np.array([r.lr for r in c]) * (1 + 0.04 * (k - 1))     # dodge
                acc = 100 * np.array([r.accuracy_mean for r in c])
                err = [acc - [100 * r.accuracy_low for r in c],
                       [100 * r.accuracy_high for r in c] - acc]
                axes[2 * i, j].errorbar(lr, acc, yerr=err, marker="o", ms=4, capsize=2,
                                        label=name, color=color(m))
                steps = np.array([r.steps_mean for r in c])
                axes[2 * i + 1, j].plot(lr, np.where(np.isfinite(steps), steps, np.nan),
                                        "o-", ms=4, color=color(m))
            axes[2 * i, j].set_ylabel(f"{DATA[d]}\ntest accuracy %")
            axes[2 * i + 1, j].set_ylabel(f"{DATA[d]}\nsteps to loss ≤ {thresholds[d]:g}")
            plain_log_y(axes[2 * i + 1, j])
        axes[0, j].set_title(label)
        axes[-1, j].set_xlabel("learning rate")
        axes[-1, j].set_xscale("log")
    axes[0, 0].legend(loc="lower left")
    fig.tight_layout()
    return fig


def sharpness_figure(tracked, mu: float):
    """λ_max after every epoch of the tracked SGD runs, each rate's edge 2(1+μ)/η dashed.

    Parameters
    ----------
    tracked : list of TrainingRun
    mu : float

    Returns
    -------
    fig
    ratio : dict
        ``ratio[d, m, lr]`` the largest λ_max after epoch 0 over the edge, stable runs.
    """
    rates = sorted({r.lr for r in tracked})
    rate_color = series_colors(rates)
    fig, axes = plt.subplots(3, 2, figsize=(MAX_FIGURE_WIDTH_IN, 8.4), sharex="col")
    ratio = {}
    for j, d in enumerate(DATA):
        for i, m in enumerate(MODELS):
            ax = axes[i, j]
            for lr in rates:
                r = next(r for r in tracked if (r.dataset, r.model, r.lr) == (d, m, lr))
                ax.plot(range(len(r.sharpness)), r.sharpness, "o-", ms=3,
                        color=rate_color[lr], label=f"η = {lr:g}")
                ax.axhline(2 * (1 + mu) / lr, color=rate_color[lr], ls="--", lw=1)
                if r.stable:
                    ratio[d, m, lr] = max(r.sharpness[1:]) * lr / (2 * (1 + mu))
            plain_log_y(ax)
            ax.set_title(f"{DATA[d]}, {MODELS[m]}")
            ax.set_ylabel("λ_max (GN)")
        axes[-1, j].set_xlabel("epoch")
        axes[-1, j].xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    handles.append(plt.Line2D([], [], color=color("muted"), ls="--", lw=1))
    labels.append("edge 2(1+μ)/η (in the rate's colour)")
    fig.legend(handles, labels, loc="lower center", ncol=len(labels))
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig, ratio


METHODS = {("sgd", "none"): ("SGD", "sgd", "-"), ("adam", "none"): ("Adam", "adam", "-"),
           ("kfac", "none"): ("K-FAC", "kfac", "-"),
           ("sgd", "zca"): ("SGD, ZCA inputs", "sgd", "--")}
"""(optimizer, whitening) -> (label, colour, line): ZCA inputs dashed in SGD's colour."""


def curves_figure(rows, runs, d: str, thresholds: dict):
    """Training loss of each method at its best rate, against steps and seconds.

    Geometric mean over seeds with 95 % bands, one row per model.

    Parameters
    ----------
    rows : list of RateRow
    runs : list of TrainingRun
    d : str
        The data set.
    thresholds : dict ``{dataset: loss threshold}``

    Returns
    -------
    fig
    """
    fig, axes = plt.subplots(3, 2, figsize=(MAX_FIGURE_WIDTH_IN, 8.4), sharey="row")
    for i, m in enumerate(MODELS):
        for key, (label, name, line) in METHODS.items():
            best = ct.best_rate(rows, d, m, *key)
            c = ct.mean_curve(runs, d, m, key[0], best.lr, key[1], log=True)
            for j, x in enumerate([c["steps"], c["seconds"]]):
                axes[i, j].plot(x, c["mean"], color=color(name), ls=line, label=label)
                axes[i, j].fill_between(x, c["low"], c["high"], color=color(name),
                                        alpha=0.15)
        for j in range(2):
            axes[i, j].axhline(thresholds[d], color=color("muted"), ls=":", lw=1)
            plain_log_y(axes[i, j])
        axes[i, 0].set_ylabel(f"{MODELS[m]}\ntraining loss")
    axes[-1, 0].set_xlabel("steps")
    axes[-1, 1].set_xlabel("training seconds")
    axes[0, 0].set_title(DATA[d])
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig
