"""Chapters 3 and 4's figures: the explicit Hessian, three spectra, Theorem 1's κ over many
layers and the cost of the spectrum (chapter 3); population κ per whitening, and κ − 1 of
finite samples (chapter 4).

Each function draws one figure and returns it.
"""
from __future__ import annotations

import numpy as np

from ..conditioning import marchenko_pastur_kappa
from ..experiments.records import columns
from ..hessian import block_circulance
from ..plotting import MAX_FIGURE_WIDTH_IN, color, series_colors, show_matrix


def plot_hessian_blocks(H, n_in, n_out, B):
    """The explicit Hessian in B×B blocks (output blocks framed) and each block's share of ‖H‖_F.

    Parameters
    ----------
    H : ndarray (P, P)
    n_in, n_out, B : int
        the layer's shape

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    Ki, Ko = n_in // B, n_out // B
    fig, axes = plt.subplots(1, 2, figsize=(MAX_FIGURE_WIDTH_IN, 3.9))
    show_matrix(axes[0], H, block_size=B, title="$H$ in $B\\times B$ blocks, order $(i, j, m)$")
    for pos in np.arange(Ki * B, H.shape[0], Ki * B) - 0.5:        # output-block boundaries
        axes[0].axhline(pos, color=color("reference"), lw=2.5)
        axes[0].axvline(pos, color=color("reference"), lw=2.5)
    _, norm = block_circulance(H, B)
    im = axes[1].imshow(norm, cmap="viridis")
    pairs = [f"({i}, {j})" for i in range(Ko) for j in range(Ki)]
    axes[1].set_xticks(range(len(pairs)), pairs, rotation=45, ha="right")
    axes[1].set_yticks(range(len(pairs)), pairs)
    axes[1].set_title("$\\|$block$\\|_F / \\|H\\|_F$")
    axes[1].set_xlabel("block $(i', j')$"); axes[1].set_ylabel("block $(i, j)$")
    fig.colorbar(im, ax=axes[1], fraction=0.046, pad=0.04)
    fig.tight_layout()
    return fig


def plot_three_spectra(explicit, closed, stated):
    """The explicit Hessian's eigenvalues, the closed form and Theorem 1 as stated (ascending).

    Parameters
    ----------
    explicit, closed, stated : ndarray (P,)
        ascending eigenvalues

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.semilogy(explicit, "o", ms=9, fillstyle="none", color=color("reference"),
                label="eigvalsh of explicit $H$")
    ax.semilogy(closed, "x", color=color("cd"), label="closed form (union of spec $M_k$)")
    ax.semilogy(stated, "s", ms=4, color=color("highlight"), label="Theorem 1 as stated")
    ax.set_xlabel("index (ascending)"); ax.set_ylabel("eigenvalue")
    ax.legend(); fig.tight_layout()
    return fig


def plot_kappa_cases(cases):
    """Theorem 1's κ against the true one, and their ratio by K_i (ρ as colour and offset).

    Parameters
    ----------
    cases : list
        :func:`~cdnotes.experiments.theorem1.theorem1_kappa_cases`

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    Ki_c, rho_c, true_k, stated_k, ratio = columns(cases, "n_in_blocks", "rho", "kappa_true",
                                                   "kappa_theorem1", "ratio")
    # two panels stacked: side by side they would have to be shrunk to fit the page
    fig, axes = plt.subplots(2, 1, figsize=(MAX_FIGURE_WIDTH_IN, 8.6), layout="constrained")
    sc = axes[0].scatter(true_k, stated_k, c=rho_c, s=10, cmap="viridis", vmin=0, vmax=0.95)
    lim = [min(true_k.min(), stated_k.min()) * 0.8, max(true_k.max(), stated_k.max()) * 1.2]
    axes[0].plot(lim, lim, color=color("reference"), lw=0.8, label="equal")
    axes[0].set_xscale("log"); axes[0].set_yscale("log")
    axes[0].set_xlabel("true κ"); axes[0].set_ylabel("κ from Theorem 1")
    axes[0].legend(loc="upper left")
    # Within each K_i column, the horizontal position is ρ (left: 0, right: 0.95).
    axes[1].scatter(Ki_c + 0.6 * (rho_c / 0.95 - 0.5), ratio, c=rho_c, s=8, cmap="viridis",
                    vmin=0, vmax=0.95)
    axes[1].set_yscale("log"); axes[1].axhline(1, color=color("reference"), lw=0.8)
    axes[1].set_xticks(range(1, 9))
    axes[1].set_xlabel("$K_i$ (input blocks); within a column, ρ grows to the right")
    axes[0].set_title(f"each of the {len(cases)} layers")
    axes[1].set_title("the ratio, by number of input blocks")
    axes[1].set_ylabel("κ(Theorem 1) / κ(true)")
    fig.colorbar(sc, ax=axes, label="input correlation ρ", shrink=0.6, pad=0.02)
    return fig


def plot_cost(cost, repeats):
    """Time of the explicit and the closed-form spectrum against P, with their power-law fits.

    ``cost``: :func:`cdnotes.report.theorems.spectrum_cost`'s section (its ``data``).

    Parameters
    ----------
    cost : Section
        :func:`cdnotes.report.theorems.spectrum_cost`
    repeats : int
        best of how many runs (the label)

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    d = cost.data
    P, (a_e, p_e), (a_c, p_c) = d["P"], d["fit_explicit"], d["fit_closed"]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.loglog(P, 1e3 * d["explicit"], "o", color=color("muted"), label="explicit $H$ + eigvalsh")
    ax.loglog(P, 1e3 * a_e * P ** p_e, "-", color=color("muted"), lw=1,
              label=f"fit $\\propto P^{{{p_e:.2f}}}$")
    ax.loglog(P, 1e3 * d["closed"], "s", color=color("cd"), label="closed form")
    ax.loglog(P, 1e3 * a_c * P ** p_c, "-", color=color("cd"), lw=1,
              label=f"fit $\\propto P^{{{p_c:.2f}}}$")
    ax.set_xticks(P, [str(p) for p in P]); ax.minorticks_off()
    ax.set_xlabel("parameters $P$ (width$^2$ / B, B = 8)")
    ax.set_ylabel(f"time (ms), best of {repeats}")
    ax.legend(ncol=2, loc="upper left"); fig.tight_layout()
    return fig

__all__ = ["plot_hessian_blocks", "plot_three_spectra", "plot_kappa_cases", "plot_cost",
           "plot_population", "plot_finite_samples", "plot_scaling"]


def plot_population(table, names, whitenings):
    """κ (non-zero part) of CDLinear B = 8 and dense per whitening, one panel per input law.

    ``table``: ``{(inputs, whitening): PopulationCase}``.

    Parameters
    ----------
    table : dict
        ``{(inputs, whitening): PopulationCase}``
    names : iterable of str
        the input laws
    whitenings : list of str

    Returns
    -------
    matplotlib.figure.Figure
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

    Parameters
    ----------
    records : dict
        ``{(n_in, B): [FiniteSampleCase, ...]}``
    Ns : ndarray
        the sample sizes

    Returns
    -------
    matplotlib.figure.Figure
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
    """CD κ − 1 against K_i / N (with Marchenko–Pastur) and against B / N (the paper's).

    Parameters
    ----------
    records : dict
        as for :func:`plot_finite_samples`
    Ns : ndarray
        the sample sizes

    Returns
    -------
    matplotlib.figure.Figure
    """
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
