"""Chapter 5's figures: Figure 1 (loss and test error), the early epochs, Figure 2.

Each function draws one figure from the chapter's runs and returns it.
"""
from __future__ import annotations

import numpy as np

from ..plotting import color
from .digits import MODELS, SHORT, by_model

__all__ = ["plot_figure1", "plot_epoch_gaps", "plot_figure2"]


def plot_figure1(records, n_test):
    """Training loss and test error per epoch: the first seed as lines, mean ± sd of the log.

    A perfect epoch's error is drawn at half an image of the ``n_test`` test images.

    Parameters
    ----------
    records : list of DigitsRecord
        every seed, per-epoch values
    n_test : int
        the test images

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    by = by_model(records)
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.3))
    epochs = np.arange(1, len(by["dense"][0].train_loss) + 1)
    for m, label in MODELS.items():
        log_loss = np.log10([r.train_loss for r in by[m]])
        error = 100 - 100 * np.array([r.test_accuracy for r in by[m]])   # test error in %
        log_error = np.log10(np.maximum(error, 50 / n_test))
        for ax, curve in zip(axes, (log_loss, log_error)):
            mid, half = curve.mean(0), curve.std(0)
            ax.fill_between(epochs, 10 ** (mid - half), 10 ** (mid + half), color=color(m),
                            alpha=0.2, lw=0)
            ax.plot(epochs, 10 ** curve[0], color=color(m), label=label)
    for ax, label in zip(axes, ("training loss", "test error (%)")):
        ax.set_yscale("log")
        ax.set_ylabel(label)
        ax.set_xlabel("epoch")
    axes[1].set_yticks([1, 2, 5, 10, 20, 50], ["1", "2", "5", "10", "20", "50"])
    axes[1].minorticks_off()
    axes[0].legend(loc="lower left")
    fig.tight_layout()
    return fig


def plot_epoch_gaps(loss_gap, acc_gap):
    """Per epoch, paired by seed: loss ratio dense / CD and accuracy dense − CD, 95 % bands.

    Parameters
    ----------
    loss_gap : dict
        ``{"cd4": [...], "cd8": [...]}``, log10 loss ratio dense / CD per epoch
    acc_gap : dict
        the same for accuracy dense − CD (points)

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(loss_gap["cd4"]) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.0))
    for m in ("cd4", "cd8"):
        for ax, gaps_m, scale in ((axes[0], loss_gap[m], True), (axes[1], acc_gap[m], False)):
            mid = np.array([g.mean for g in gaps_m])
            low = np.array([g.low for g in gaps_m])
            high = np.array([g.high for g in gaps_m])
            if scale:
                mid, low, high = 10 ** mid, 10 ** low, 10 ** high
            ax.fill_between(epochs, low, high, color=color(m), alpha=0.25, lw=0)
            ax.plot(epochs, mid, color=color(m), label=f"dense vs {SHORT[m]}")
    axes[0].axhline(1, color=color("reference"), lw=0.8)
    axes[1].axhline(0, color=color("reference"), lw=0.8)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("training loss, dense / CD")
    axes[1].set_ylabel("test accuracy, dense − CD (points)")
    for ax in axes:
        ax.set_xlabel("epoch")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="upper center", ncol=2,
               frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return fig


def plot_figure2(records):
    """The first seed's last-layer Hessian spectra, relative to λ_max, with the zero threshold.

    Parameters
    ----------
    records : list of DigitsRecord
        the first seed of each model has the full Hessian

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    by = by_model(records)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for m, label in MODELS.items():
        ev = np.asarray(by[m][0].last_layer_eigenvalues)
        rel = np.clip(ev[::-1] / ev.max(), 1e-16, None)
        ax.semilogy(np.linspace(0, 1, ev.size), rel, color=color(m), lw=2,
                    label=f"{label} (P = {ev.size})")
    ax.axhline(1e-10, color=color("reference"), lw=0.6, ls=":")
    ax.set_xlabel("eigenvalue rank / P")
    ax.set_ylabel(r"eigenvalue / $\lambda_{\max}$")
    ax.legend(loc="lower left")
    fig.tight_layout()
    return fig
