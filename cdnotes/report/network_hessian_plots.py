"""Chapter 8's figures, drawn from the committed records of ``network-hessian``.

Each function draws one figure and returns it (the notebook shows it).
"""
from __future__ import annotations

import numpy as np

from ..experiments import network_hessian_summary as nhs
from ..experiments.network_hessian import CUTOFFS, INPUTS, STATES
from ..plotting import color, series_colors
from .network_hessian import MODELS, NAME

__all__ = ["density_panel", "plot_densities", "plot_cutoff_curves", "plot_slq"]


def density_panel(ax, records, model, state, inputs, matrix="hessian"):
    """Density of log10|λ| (positive and negative apart), mean over seeds, rounding band grey.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    records : list of dict
        the committed ``network-hessian`` records
    model, state, inputs : str
        the setting
    matrix : str, default "hessian"
        or ``"gauss_newton"``

    Returns
    -------
    None
    """
    rows = nhs.select(records, model, state, inputs)
    if not rows:
        ax.text(0.5, 0.5, "no seeds in the file", ha="center", transform=ax.transAxes)
        return
    for sign, style_ in (("positive", "-"), ("negative", "--")):
        x, d, _ = nhs.mean_log_density(records, model, state, inputs, matrix, sign)
        label = "λ > 0" if sign == "positive" else "λ < 0"
        ax.plot(x, d, style_, color=color(model), label=label)
    top = np.mean([r[matrix]["abs_max"] for r in rows])
    floor = np.log10(rows[0]["n_params"] * np.finfo(float).eps * top)
    ax.axvspan(-20, floor, color=color("guide"), alpha=0.4, zorder=0)
    ax.set_xlim(-20, 2); ax.set_yscale("log"); ax.set_ylim(1e-4, 0.5)


def plot_densities(records):
    """Spectral densities of every model, at initialisation and trained (raw inputs).

    Parameters
    ----------
    records : list of dict
        the committed ``network-hessian`` records

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(7.1, 4.6), sharex=True, sharey=True)
    for row, state in enumerate(STATES):
        for col, m in enumerate(MODELS):
            ax = axes[row, col]
            density_panel(ax, records, m, state, "raw")
            ax.set_title(f"{NAME[m]}, {state}")
            if row == 1:
                ax.set_xlabel("log10 |λ|")
        axes[row, 0].set_ylabel("eigenvalues\nper decade (share)")
    axes[0, -1].legend(loc="upper left")
    fig.tight_layout()
    return fig


def plot_cutoff_curves(records):
    """κ(c) of H against the cutoff c with its ceiling 1/c (geometric means over seeds).

    Parameters
    ----------
    records : list of dict
        the committed ``network-hessian`` records

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(7.1, 5.6), sharex=True, sharey=True)
    cut = np.array(CUTOFFS)
    for row, i in enumerate(INPUTS):
        for ax, s in zip(axes[row], STATES):
            for m in MODELS:
                rows = nhs.select(records, m, s, i)
                if not rows:
                    continue
                k = 10 ** np.mean([np.log10(r["hessian"]["kappa"]) for r in rows], axis=0)
                ax.loglog(cut, k, "o-", color=color(m), ms=3, label=NAME[m])
            ax.loglog(cut, 1 / cut, ":", color=color("reference"), lw=1, label="1/c")
            ax.set_title(f"{s}, {i}")
        axes[row, 0].set_ylabel("κ(c) of H")
    for ax in axes[1]:
        ax.set_xlabel("cutoff c")
    axes[0, 0].invert_xaxis(); axes[0, 0].legend(fontsize=9)
    fig.tight_layout()
    return fig


def plot_slq(records):
    """One seed's exact smoothed density against SLQ with the fewest and most probes.

    Parameters
    ----------
    records : list of dict
        the committed ``network-hessian`` records

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(7.1, 2.9))
    legend_ax = None
    for ax, m in zip(axes, MODELS):
        with_curves = [r for r in nhs.select(records, m, "trained", "raw") if "grid" in r["slq"]]
        if not with_curves:
            ax.text(0.5, 0.5, "no curves in the file", ha="center", transform=ax.transAxes)
            continue
        r = with_curves[0]["slq"]
        ax.semilogy(r["grid"], np.maximum(r["exact"], 1e-6), color=color("reference"),
                    lw=1.5, label="exact")
        shades = series_colors(r["probes"])
        for p in (r["probes"][0], r["probes"][-1]):
            curve = np.maximum(r["slq"][r["probes"].index(p)], 1e-6)
            ax.semilogy(r["grid"], curve, color=shades[p],
                        lw=1, label=f"SLQ, {p} probe{'s' if p > 1 else ''}")
        ax.set_ylim(1e-4, None); ax.set_title(f"{NAME[m]}, seed {with_curves[0]['seed']}")
        ax.set_xlabel("λ")
        legend_ax = ax
    axes[0].set_ylabel("smoothed density")
    if legend_ax is not None:
        legend_ax.legend(fontsize=9)
    fig.tight_layout()
    return fig
