"""Chapter 4's figures: population κ per whitening, and κ − 1 of finite samples.

Each function draws one figure and returns it.
"""
from __future__ import annotations

import numpy as np

from ..conditioning import marchenko_pastur_kappa
from ..plotting import MAX_FIGURE_WIDTH_IN, color, series_colors

__all__ = ["plot_population", "plot_finite_samples", "plot_scaling"]


def plot_population(table, names, whitenings):
    """κ (non-zero part) of CDLinear B = 8 and dense per whitening, one panel per input law.

    ``table``: ``{(inputs, whitening): PopulationCase}``.
    """
    import matplotlib.pyplot as plt

    # two panels stacked: side by side they would have to be shrunk to fit the page
    fig, axes = plt.subplots(2, 1, figsize=(MAX_FIGURE_WIDTH_IN, 7.6), sharex=True)
    x = np.arange(len(whitenings))
    for ax, name in zip(axes, names):
        ax.bar(x - 0.2, [table[name, w].cd.kappa_nonzero for w in whitenings], 0.4,
               color=color("cd8"), label="CDLinear, B = 8")
        ax.bar(x + 0.2, [table[name, w].dense.kappa_nonzero for w in whitenings], 0.4,
               color=color("dense"), label="dense")
        ax.set_yscale("log"); ax.axhline(1, color=color("reference"), lw=0.8)
        ax.set_title(f"population, {name}")
        ax.set_ylabel("κ (non-zero part)")
    axes[1].set_xticks(x, whitenings, rotation=30, ha="right")
    axes[0].legend(); fig.tight_layout()
    return fig


def plot_finite_samples(records, Ns):
    """Measured κ − 1 (points) against Marchenko–Pastur (lines): n_in = 64 by B; B = 8 by n_in.

    ``records``: ``{(n_in, B): [FiniteSampleCase, ...]}`` over the sample sizes ``Ns``.
    """
    import matplotlib.pyplot as plt

    configs = list(records)
    colors = series_colors(configs)   # one colour per (n_in, B)
    # two panels stacked: side by side they would have to be shrunk to fit the page
    fig, axes = plt.subplots(2, 1, figsize=(MAX_FIGURE_WIDTH_IN, 8.4), sharex=True)
    panels = [[c for c in configs if c[0] == 64], [c for c in configs if c[1] == 8]]
    dense = [c for c in records[64, 8] if c.n_samples > c.n_in]    # MP finite for N > n_in
    for ax, subset in zip(axes, panels):
        for n_in, B_c in subset:
            col = colors[n_in, B_c]
            ax.loglog(Ns, [c.mean_cd - 1 for c in records[n_in, B_c]], "o", color=col, ms=4,
                      label=f"CD $n_{{in}}$={n_in}, B={B_c}")
            ax.loglog(Ns, marchenko_pastur_kappa(n_in / B_c / Ns) - 1, "-", color=col, lw=1)
        ax.loglog([c.n_samples for c in dense], [c.mean_dense - 1 for c in dense], "s",
                  color=color("dense"), ms=4, label="dense $n_{in}$=64")
        ax.loglog([c.n_samples for c in dense], [c.marchenko_pastur_dense - 1 for c in dense],
                  "-", color=color("dense"), lw=1)
        ax.set_ylabel("κ − 1")
        ax.legend(loc="upper right")
    axes[1].set_xlabel("samples N")
    axes[0].set_title("$n_{in}$ = 64, varying B  (points: measured; lines: Marchenko–Pastur)")
    axes[1].set_title("B = 8, varying $n_{in}$")
    fig.tight_layout()
    return fig


def plot_scaling(records, Ns):
    """CD κ − 1 against K_i / N (with Marchenko–Pastur) and against B / N (the paper's)."""
    import matplotlib.pyplot as plt

    colors = series_colors(list(records))
    # two panels stacked: side by side they would have to be shrunk to fit the page
    fig, axes = plt.subplots(2, 1, figsize=(MAX_FIGURE_WIDTH_IN, 8.4), sharey=True)
    for (n_in, B_c), rec in records.items():
        style_kw = dict(marker="o" if n_in // B_c > 1 else "x", ms=5, ls="none",
                        color=colors[n_in, B_c], label=f"$n_{{in}}$={n_in}, B={B_c}")
        kappa = np.array([c.mean_cd for c in rec])
        axes[0].loglog((n_in // B_c) / Ns, kappa - 1, **style_kw)
        axes[1].loglog(B_c / Ns, kappa - 1, **style_kw)
    gamma = np.logspace(-4, -0.5, 100)
    axes[0].loglog(gamma, marchenko_pastur_kappa(gamma) - 1, color=color("reference"), lw=1,
                   label="Marchenko–Pastur")
    axes[0].set_xlabel("$K_i / N = n_{in} / (B N)$")
    axes[1].set_xlabel("$B / N$ (the paper's variable)")
    for ax in axes:
        ax.set_ylabel("κ − 1 (CDLinear, white inputs)")
    axes[0].legend(loc="upper left", ncol=2); fig.tight_layout()
    return fig
