"""Chapter 6's figures: the dropout sweep and the Fisher-penalty sweep, seed by seed."""
from __future__ import annotations

import numpy as np

from ..plotting import color
from ..stats import geometric_mean

__all__ = ["plot_dropout", "plot_fisher"]


def plot_dropout(dropout, row):
    """Accuracy (with its interval) and κ (with its geometric mean) per rate, each seed a dot.

    ``row``: rate -> :class:`~cdnotes.experiments.regularizers.SweepRow`.

    Parameters
    ----------
    dropout : Sweep
        the dropout sweep
    row : dict
        rate -> SweepRow

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    rates = list(dropout.values)
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.3))
    for i, rate in enumerate(rates):
        acc, kappa = dropout.accuracy(rate), dropout.hessian_kappa(rate)
        jitter = i + np.linspace(-0.15, 0.15, len(acc))
        axes[0].scatter(jitter, acc, s=10, color=color("cd4"), alpha=0.6)
        e = row[rate].accuracy
        axes[0].errorbar(i, e.mean, yerr=[[e.mean - e.low], [e.high - e.mean]],
                         color=color("reference"), capsize=4, lw=1.5)
        axes[1].scatter(jitter, kappa, s=10, color=color("cd4"), alpha=0.6)
        axes[1].scatter(i, row[rate].hessian_kappa_geomean, color=color("reference"),
                        marker="_", s=300)
    for ax in axes:
        ax.set_xticks(range(len(rates)), [f"{r:g}" for r in rates])
        ax.set_xlabel("dropout rate")
    axes[0].set_ylabel("test accuracy (%)")
    axes[1].set_ylabel("κ, last-layer Hessian")
    axes[1].set_yscale("log")
    fig.tight_layout()
    return fig


def plot_fisher(fisher, dropout):
    """Accuracy and the circulant blocks' κ per ε, each seed a dot; dashed: no penalty.

    Parameters
    ----------
    fisher : Sweep
        the ε sweep
    dropout : Sweep
        its rate 0 is the reference

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.3))
    for eps in fisher.values:
        acc = fisher.accuracy(eps)
        spread = 10 ** np.linspace(-0.1, 0.1, len(acc))     # the seeds a little around ε
        axes[0].scatter(eps * spread, acc, color=color("cd4"), s=10, alpha=0.6)
        axes[1].scatter(eps * spread, fisher.circulant_kappa(eps), color=color("cd4"), s=10,
                        alpha=0.6)
    axes[0].axhline(np.mean(dropout.accuracy(0.0)), color=color("reference"), ls="--")
    axes[1].axhline(geometric_mean(dropout.circulant_kappa(0.0)), color=color("reference"),
                    ls="--")
    for ax, label in zip(axes, ["test accuracy (%)", "κ of the circulant blocks"]):
        ax.set_xscale("log")
        ax.set_xlabel("ε (λ_F = 1e-4)")
        ax.set_ylabel(label)
    axes[1].set_yscale("log")
    fig.tight_layout()
    return fig
