"""Chapter 9's figures (training in the spectral domain), drawn from the committed runs.

Each function draws one two-panel figure (digits, MNIST-1D) and returns ``(fig, axes)``;
the chapter shows it.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..experiments.spectral_training import ARCHITECTURES, REGIMES, regime_curves
from ..plotting import color
from ..stats import mean_ci
from .spectral_training import DATA_NAMES, NAMES

__all__ = ["MARK", "regime_figure", "overfit_figure", "weights_figure"]

MARK = {"perceptron": "o", "wide": "s", "deep": "^", "nonlinear": "D"}
"""The marker of each architecture."""


def _legend(fig, axes, ylabel):
    axes[0].set_ylabel(ylabel)
    fig.legend(loc="lower center", ncol=4, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))


def regime_figure(records):
    """Test accuracy against trained parameters per regime (mean ± sd over seeds, no bias).

    Thin lines join one architecture's widths; markers as :data:`MARK`.

    Parameters
    ----------
    records : list of dict
        The fixed variant's runs.

    Returns
    -------
    fig, axes
    """
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.9))
    for ax, ds in zip(axes, ("digits", "mnist1d")):
        curves = regime_curves(records, ds)
        for regime in REGIMES:
            pts = curves[regime]
            for arch in ARCHITECTURES:
                line = [p for p in pts if p["architecture"] == arch]
                ax.plot([p["n_trained"] for p in line], [p["mean"] for p in line],
                        color=color(regime), lw=0.8, alpha=0.5)
            ax.plot([], [], color=color(regime), lw=2,
                    label=NAMES[regime] if ds == "digits" else None)
            for p in pts:
                ax.errorbar(p["n_trained"], p["mean"], yerr=p["std"], color=color(regime),
                            marker=MARK[p["architecture"]], ms=5, fillstyle="none", mew=0.9,
                            lw=0.6, alpha=0.8, capsize=0)   # hollow: overlaps stay visible
        ax.set_xscale("log")
        ax.set_xlabel("trained parameters")
        ax.set_title(DATA_NAMES[ds])
    _legend(fig, axes, "test accuracy (%)")
    return fig, axes


def overfit_figure(gapd: dict):
    """Train − test accuracy against N₂ per regime (mean and 95 % interval over the seeds).

    Parameters
    ----------
    gapd : dict
        :func:`~cdnotes.experiments.spectral_analysis.overfit_runs`'s.

    Returns
    -------
    fig, axes
    """
    widths = sorted({k[2] for k in gapd})
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.6), sharey=True)
    for ax, ds in zip(axes, ("digits", "mnist1d")):
        for regime in REGIMES:
            est = [mean_ci([r["train_accuracy"] - r["test_accuracy"]
                            for r in gapd[ds, regime, w].values()]) for w in widths]
            ax.errorbar(widths, [e.mean for e in est],
                        yerr=[[e.mean - e.low for e in est], [e.high - e.mean for e in est]],
                        color=color(regime), marker="o", ms=4, lw=1.2, capsize=2,
                        label=NAMES[regime] if ds == "digits" else None)
        ax.axhline(0, color=color("guide"), lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("$N_2$")
        ax.set_title(DATA_NAMES[ds])
    _legend(fig, axes, "train − test accuracy (points)")
    return fig, axes


def weights_figure(perceptron_weights):
    """Histograms of the retracted perceptron's weights per regime.

    First seed, no bias, fixed input eigenvalues.

    Parameters
    ----------
    perceptron_weights : list of dict
        ``data["perceptron_weights"]``.

    Returns
    -------
    fig, axes
    """
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.6))
    for ax, ds in zip(axes, ("digits", "mnist1d")):
        kept = [p for p in perceptron_weights if p["dataset"] == ds and not p["bias"]
                and p["input_eigenvalues"] == "fixed"]
        sets = {regime: next(np.array(p["weights"]) for p in kept if p["regime"] == regime)
                for regime in REGIMES}
        edge = max(np.abs(w).max() for w in sets.values())
        for regime, w in sets.items():
            ax.hist(w, bins=50, range=(-edge, edge), density=True, histtype="step",
                    color=color(regime), lw=1.2,
                    label=NAMES[regime] if ds == "digits" else None)
        ax.set_xlabel("retracted perceptron weight")
        ax.set_title(DATA_NAMES[ds])
        ax.set_yscale("log")
    _legend(fig, axes, "density")
    return fig, axes
