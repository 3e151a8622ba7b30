"""Chapter 10's figures (CD among structured matrices), drawn from the committed grid.

:func:`pareto` draws accuracy (mean and 95 % interval per model) against any x per data set;
:func:`expressivity_figure` the hidden layers' matrices; :func:`speed_figure` the speed-ups
over dense against the width. Each returns the figure (and what the chapter needs from it).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from ..experiments.structured import KAPPA_CUTOFF, MNIST1D_BASELINES
from ..plotting import color
from .structured import DATASETS

__all__ = ["markers", "shade", "pareto", "kappa_band", "expressivity_figure", "speed_figure"]

_PALETTE_NAME = {"cdlinear": "cd", "sparse_fixed": "sparse", "spectral_linear": "spectral"}


def markers(structures) -> dict:
    """One marker per structure, in the grid's order.

    Parameters
    ----------
    structures : list of str

    Returns
    -------
    dict
    """
    return dict(zip(structures, "osD^v<>ph*"))


def shade(model: str, structure: str) -> str:
    """The palette's colour: CD by its block size (as everywhere), else the structure.

    Parameters
    ----------
    model, structure : str

    Returns
    -------
    str
    """
    return color({"cd B4": "cd4", "cd B8": "cd8"}.get(model, structure))


def pareto(rows, structures, x_of, xlabel: str, logx: bool = True):
    """Accuracy (mean, 95 % CI) against any x, per data set.

    Hollow markers for unmatched models, a cross where runs diverged, MNIST-1D's baselines
    dashed.

    Parameters
    ----------
    rows : list of dict
        :func:`~cdnotes.experiments.structured.summarize_structured`'s.
    structures : list of str
    x_of : callable
        ``row -> x`` (``None``: the row is left out).
    xlabel : str
    logx : bool, default True

    Returns
    -------
    fig, axes
    """
    mark = markers(structures)
    fig, axes = plt.subplots(1, 2, figsize=(7.1, 3.6))
    for ax, (key, title) in zip(axes, DATASETS.items()):
        for row in (r for r in rows if r["dataset"] == key and r["accuracy"] is not None):
            if x_of(row) is None:
                continue
            a = row["accuracy"]
            matched = all(row["matched"].values())
            s, c = row["structure"], shade(row["model"], row["structure"])
            ax.errorbar(x_of(row), 100 * a.mean,
                        yerr=[[100 * (a.mean - a.low)], [100 * (a.high - a.mean)]],
                        fmt=mark[s], color=c, capsize=2, ms=6, mfc=c if matched else "none",
                        zorder=3 if s in ("dense", "cd") else 2)   # the paper's on top
            if row["n_diverged"]:                      # a cross: some runs diverged
                ax.plot(x_of(row), 100 * a.mean, "x", color=color("reference"), ms=9,
                        mew=1.2)
        if key == "mnist1d":
            for label, acc in MNIST1D_BASELINES.items():      # labelled outside the panel
                ax.axhline(100 * acc, color=color("muted"), ls="--", lw=0.8)
                ax.text(1.02, 100 * acc, label.replace(" ", "\n"), fontsize=8,
                        color=color("muted"), va="center", ha="left",
                        transform=ax.get_yaxis_transform(), clip_on=False)
        if logx:
            ax.set_xscale("log")
        ax.set_title(title); ax.set_xlabel(xlabel)
    axes[0].set_ylabel("test accuracy (%)")
    shown = [(m, "cd") if s == "cd" else (s, s) for s in structures
             for m in (("cd B4", "cd B8") if s == "cd" else (s,))]
    handles = [plt.Line2D([], [], marker=mark[s], color=shade(m, s), ls="",
                          label=m.replace("_", "-")) for m, s in shown]
    if any(r["n_diverged"] for r in rows):
        handles.append(plt.Line2D([], [], marker="x", color=color("reference"), ls="",
                                  label="runs diverged"))
    ncol = -(-len(handles) // 2) if len(handles) > 5 else len(handles)
    fig.legend(handles=handles, loc="lower center", ncol=ncol, frameon=False,
               bbox_to_anchor=(0.5, 0.0), handletextpad=0.2, columnspacing=1.0)
    fig.tight_layout(rect=(0, 0.09 if len(handles) <= 5 else 0.15, 1, 1))
    return fig, axes


def kappa_band(axes, ceiling: float, label_y=(0.5, 0.8)):
    """Shade κ from ``ceiling`` to ``1/KAPPA_CUTOFF`` on each panel, labelled "ceiling".

    Parameters
    ----------
    axes : sequence of Axes
    ceiling : float
    label_y : tuple of float, default (0.5, 0.8)
        The label's height per panel (where no marker or baseline line crosses the band).

    Returns
    -------
    None
    """
    for ax, y in zip(axes, label_y):
        ax.axvspan(ceiling, 1 / KAPPA_CUTOFF, color=color("guide"), alpha=0.6, lw=0, zorder=0)
        ax.text(np.sqrt(ceiling / KAPPA_CUTOFF), y, "ceiling", rotation=90, fontsize=9,
                transform=ax.get_xaxis_transform(), color=color("muted"), ha="center",
                va="center")


def expressivity_figure(pictured, seed: int, ncols: int = 5):
    """Each model's second linear layer at its initial weights (``to_dense()``).

    Colours clipped at the 99th percentile of |W|.

    Parameters
    ----------
    pictured : list of ModelSpec
    seed : int
    ncols : int, default 5

    Returns
    -------
    fig
    ranks : dict ``{structure: int}``
    """
    nrows = -(-len(pictured) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.1, 1.75 * nrows + 0.2))
    ranks = {}
    for ax, spec in zip(axes.ravel(), pictured):
        layer = spec.build(seed).linear_layers[1]
        W = np.asarray(layer.to_dense())
        ranks[spec.structure] = int(np.linalg.matrix_rank(W))
        vmax = np.quantile(np.abs(W), 0.99)     # products of factors have heavy tails
        ax.imshow(W, cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
        for edge in ax.spines.values():
            edge.set_visible(True)
        ax.set_title(f"{spec.structure.replace('_', '-')}\n{layer.n_params} p., rank "
                     f"{ranks[spec.structure]}", fontsize=9)
        ax.set_xticks([]); ax.set_yticks([])
    for ax in axes.ravel()[len(pictured):]:
        ax.axis("off")
    fig.tight_layout()
    return fig, ranks


def speed_figure(speed: dict):
    """Dense time over layer time against the width, one line per layer (log-log).

    Parameters
    ----------
    speed : dict
        The committed speed file.

    Returns
    -------
    fig
    """
    widths, labels = speed["config"]["widths"], speed["parameters"]
    fig, ax = plt.subplots(figsize=(6.4, 3.9))
    for key, c in speed["crossings"].items():
        ax.plot(c["widths"], c["speedups"], "o-", ms=4,
                color=color(_PALETTE_NAME.get(key, key)), label=labels[key])
    ax.axhline(1, color=color("reference"), lw=0.8)
    ax.axhline(2, color=color("reference"), lw=0.6, ls="--")
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(FixedLocator(widths))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    ticks = [m * 10.0 ** e for e in range(-1, 3) for m in (1, 2, 5)]
    ax.yaxis.set_major_locator(FixedLocator([t for t in ticks if lo <= t <= hi]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("width n (batch 256, float32)")
    ax.set_ylabel("dense time / layer time")
    ax.legend(fontsize=8, ncol=2, loc="upper left", frameon=False)
    fig.tight_layout()
    return fig
