"""Chapter 12's figures (SHFIN), drawn from the committed runs and timings.

Each function draws one figure and returns it (with what the chapter reads off it).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..experiments.shfin import ABLATIONS, MAIN_VARIANTS, energy_ranks, kept_energy_test
from ..plotting import MAX_FIGURE_WIDTH_IN, color
from ..shfin import kernels as K
from .shfin import ABL_NAMES, NAMES

__all__ = ["mean_curves", "accuracy_figure", "ablation_figure", "mask_figure",
           "longer_figure", "cost_figure"]


def mean_curves(result: dict, variants) -> dict:
    """Test accuracy per epoch, %, mean over seeds.

    Parameters
    ----------
    result : dict
    variants : iterable of str

    Returns
    -------
    dict ``{variant: ndarray of shape (epochs,)}``
    """
    return {v: 100 * np.mean([r["test_accuracy"] for r in result["records"]
                              if r["variant"] == v], axis=0) for v in variants}


def accuracy_figure(result: dict, paper: dict):
    """Test accuracy per epoch of the four models, the paper's baselines dashed.

    Parameters
    ----------
    result : dict
    paper : dict ``{name: accuracy}``

    Returns
    -------
    fig
    """
    curves = mean_curves(result, MAIN_VARIANTS)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    epochs = np.arange(1, result["config"]["train"]["epochs"] + 1)
    for v in MAIN_VARIANTS:
        ax.plot(epochs, curves[v], "o-", ms=3, color=color(v), label=NAMES[v])
    for name, a in paper.items():
        ax.axhline(100 * a, color=color("guide"), lw=0.8, ls="--")
        ax.text(epochs[-1] + 0.2, 100 * a, f"paper {name}", va="center", fontsize=9,
                color=color("muted"))
    ax.set_xlim(0.5, epochs[-1] + 3.5)
    ax.set_xlabel("epoch"); ax.set_ylabel("test accuracy, % (mean over seeds)")
    ax.set_xticks(epochs[1::2])
    ax.legend(loc="upper left", fontsize=9); fig.tight_layout()
    return fig


def ablation_figure(rows: dict, paper: dict):
    """Every variant's accuracy (mean, 95 % interval, seeds as ticks) in one column.

    Parameters
    ----------
    rows : dict
        ``summarise(...)["rows"]``.
    paper : dict ``{name: accuracy}``

    Returns
    -------
    fig
    """
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    order = list(ABLATIONS) + [v for v in MAIN_VARIANTS if v != "shfin"]
    labels = {**ABL_NAMES, **{v: NAMES[v] for v in MAIN_VARIANTS if v != "shfin"}}
    for i, v in enumerate(order):
        e = rows[v]["estimate"]
        xerr = [[100 * (e.mean - e.low)], [100 * (e.high - e.mean)]]
        ax.errorbar(100 * e.mean, i, xerr=xerr, fmt="o", color=color(v), capsize=3)
        ax.plot(100 * np.array(rows[v]["accuracies"]), [i] * len(rows[v]["accuracies"]), "|",
                color=color(v), alpha=0.5)
    for a in paper.values():
        ax.axvline(100 * a, color=color("guide"), lw=0.8, ls="--")
    ax.set_yticks(range(len(order)), [labels[v] for v in order], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("test accuracy, % (mean, 95% CI, seeds as ticks; dashed: MNIST-1D paper)")
    fig.tight_layout()
    return fig


def mask_figure(result: dict, hist, X_train):
    """Runs keeping each frequency bin per level, the data's mean power per bin on a twin axis.

    Parameters
    ----------
    result : dict
    hist : list of dict
        :func:`~cdnotes.experiments.shfin.mask_histogram`'s.
    X_train : ndarray, shape (n, L)
        The training sequences.

    Returns
    -------
    fig
    energy : dict
        ``energy[s]`` = (kept_energy_test by power, by frequency, counts, energy_ranks).
    """
    fig, axes = plt.subplots(1, 2, figsize=(7.2, 3.2), gridspec_kw={"width_ratios": [1, 3]})
    energy = {}
    for level, (ax, h) in enumerate(zip(axes, hist)):
        s = h["patch_size"]
        counts = np.array(h["counts"])
        power = np.mean(np.abs(K.patch_rfft(np, X_train[:, :, None], s)) ** 2,
                        axis=(0, 1, 3))
        bins = np.arange(len(counts))
        ax.bar(bins, counts, color=color("shfin"), label="runs keeping the bin")
        twin = ax.twinx()
        twin.plot(bins, power, "o-", color=color("muted"), ms=3)
        twin.set_yscale("log")
        twin.tick_params(axis="y", labelsize=9, colors=color("muted"))
        if level == len(hist) - 1:
            twin.set_ylabel("mean power in the bin (grey line)", color=color("muted"))
        ax.set_xlabel(f"frequency bin f (f/{s} cycles per position)")
        ax.set_title(f"patches of {s}", fontsize=10)
        ax.set_ylim(0, h["runs"] + 0.5)
        ax.set_xticks(bins[::1 if s <= 8 else 4])
        kept = [r["retained"][0][level] for r in result["records"] if r["variant"] == "shfin"]
        # against random masks: by energy, and (ranking by frequency) the low-pass bins
        energy[s] = (kept_energy_test(kept, power), kept_energy_test(kept, -bins), counts,
                     energy_ranks(power))
    axes[0].set_ylabel("runs (of the seeds)")
    fig.tight_layout()
    return fig, energy


def longer_figure(longer: dict, variants, first_epochs: int):
    """Test accuracy per epoch of the 30-epoch runs; a line where the short runs stopped.

    Parameters
    ----------
    longer : dict
    variants : list of str
    first_epochs : int

    Returns
    -------
    fig
    """
    names = {**ABL_NAMES, **NAMES, "shfin": "SHFIN"}
    line = {"shfin": "-", "shfin_all": "--", "shfin_lowpass": ":"}
    curves = mean_curves(longer, variants)
    epochs = longer["config"]["train"]["epochs"]
    fig, ax = plt.subplots(figsize=(7.6, 3.6))
    for v in variants:
        ax.plot(np.arange(1, epochs + 1), curves[v], color=color(v), ls=line.get(v, "-"),
                label=names[v])
    ax.axvline(first_epochs, color=color("guide"), lw=0.8)
    ax.set_xlabel("epoch"); ax.set_ylabel("test accuracy, % (mean over seeds)")
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    fig.tight_layout()
    return fig


def cost_figure(cpu_rows, gpu_rows, device: str, cpu_fit, gpu_fit, cpu_from, gpu_from):
    """FLOPs, CPU time and GPU time of SHFIN and attention against L (log-log), slopes in legends.

    Parameters
    ----------
    cpu_rows, gpu_rows : list of dict
    device : str
    cpu_fit, gpu_fit : dict
    cpu_from, gpu_from : int

    Returns
    -------
    fig
    """
    fig, axes = plt.subplots(2, 2, figsize=(MAX_FIGURE_WIDTH_IN, 6.4))
    axes = axes.ravel()
    panels = [("FLOPs (analytic)", cpu_rows, "flops", cpu_fit, cpu_from),
              ("CPU time, s", cpu_rows, "seconds", cpu_fit, cpu_from),
              (f"GPU time, s ({device})", gpu_rows, "seconds", gpu_fit, gpu_from)]
    for ax, (title, data, what, fit, start) in zip(axes, panels):
        L = [r["seq_len"] for r in data]
        # attention is what the claim is measured against: the reference colour
        for name, shade in (("shfin", color("shfin")), ("attention", color("reference"))):
            label = (f"{'SHFIN' if name == 'shfin' else 'attention'}: slope "
                     f"{fit[f'{name}_{what}']:.2f}")
            ax.loglog(L, [r[f"{name}_{what}"] for r in data], "o-", ms=3, color=shade,
                      label=label)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("sequence length L")
        points = sum(r["seq_len"] >= start for r in data)
        ax.set_title(f"{title}\nslopes fitted over L ≥ {start} ({points} points)",
                     fontsize=10)
        ax.legend(fontsize=9, loc="upper left")
    axes[-1].set_axis_off()
    fig.tight_layout()
    return fig
