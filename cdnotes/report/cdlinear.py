"""Chapter 2 (the CDLinear layer): the parameter table, the gradient-check figure and the
initialisation section's words, table and figure.

The functions return a :class:`cdnotes.report.glued.Section` (or a figure).
"""
from __future__ import annotations

import numpy as np

from ..experiments import PAPER_TABLE1
from ..experiments.report import count_words
from ..mlp import PAPER_MODELS, paper_model
from ..plotting import MAX_FIGURE_WIDTH_IN, color, series_colors
from ..stats import mean_ci, variance_ratio_ci, welch_difference_ci
from .glued import Section, Sentence

__all__ = ["model_label", "parameter_table", "PATHS", "plot_gradcheck", "init_scale",
           "plot_init_scale"]

PATHS = {"fft": "FFT", "dense": "materialised"}     # method= → the name the text uses


def model_label(name) -> str:
    """``"Dense MLP (64→64→64→10)"`` or ``"CD-MLP B=4 (…)"`` for a paper model's name.

    Parameters
    ----------
    name : str
        a key of ``cdnotes.mlp.PAPER_MODELS``

    Returns
    -------
    str
    """
    widths, B = PAPER_MODELS[name]
    kind = "Dense MLP" if B is None else f"CD-MLP B={B}"
    return f"{kind} ({'→'.join(map(str, widths))})"


def parameter_table(seed) -> Section:
    """Parameters per layer and in total of the paper's three models, beside Table 1's.

    ``data["counts"]`` and ``data["paper"]`` map each model's label to its count (ours and
    the paper's).

    Parameters
    ----------
    seed : int
        the models' initialisation seed (counts do not depend on it)

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    models = {model_label(name): paper_model(name, seed=seed).linear_layers
              for name in PAPER_MODELS}
    paper = {model_label(name): PAPER_TABLE1[name]["n_params"] for name in PAPER_MODELS}
    counts = {name: sum(layer.n_params for layer in layers) for name, layers in models.items()}
    dense_count, b4_count, b8_count = counts.values()
    values = {"ch2_params_dense": dense_count, "ch2_params_b4": b4_count,
              "ch2_params_b8": b8_count, "ch2_ratio_b4": dense_count / b4_count,
              "ch2_ratio_b8": dense_count / b8_count}
    rows = [[name, " + ".join(str(layer.n_params) for layer in layers), counts[name],
             paper[name]] for name, layers in models.items()]
    return Section(values, ["model", "n_params per layer", "total (ours)", "paper"], rows,
                   data={"counts": counts, "paper": paper})


def plot_gradcheck(cases, tolerance=1e-7):
    """Relative errors of ∂L/∂C, ∂L/∂b, ∂L/∂X per layer shape and path, with the tolerance.

    Parameters
    ----------
    cases : list of GradientCheckCase
        :func:`~cdnotes.experiments.gradient_checks.gradient_check_cases`
    tolerance : float, default 1e-7
        the test suite's tolerance, drawn dashed

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    fig, ax = plt.subplots(figsize=(MAX_FIGURE_WIDTH_IN, 4.4))
    shapes = list(dict.fromkeys(case.shape for case in cases))
    grad_colors = series_colors("CbX")   # one colour per gradient: ∂L/∂C, ∂L/∂b, ∂L/∂X
    for name in "CbX":
        for method, offset, marker in [("fft", -0.15, "o"), ("dense", 0.15, "D")]:
            picked = [case for case in cases if case.method == method]
            ax.scatter([shapes.index(case.shape) + offset for case in picked],
                       [getattr(case, f"error_{name}") for case in picked],
                       color=grad_colors[name], marker=marker, s=28, alpha=0.85)
    ax.set_yscale("log")
    ax.axhline(tolerance, color=color("reference"), ls="--")
    ax.set_xticks(range(len(shapes)), shapes, rotation=30, ha="right")
    ax.set_xlabel("layer shape $(n_{in}, n_{out}, B)$")
    ax.set_ylabel("relative error")
    handles = [Line2D([], [], color=grad_colors[name], marker="s", ls="none",
                      label=f"∂L/∂{name}") for name in "CbX"]
    handles += [Line2D([], [], color=color("muted"), marker=m, ls="none",
                       label=f"{PATHS[method]} path")
                for m, method in [("o", "fft"), ("D", "dense")]]
    handles += [Line2D([], [], color=color("reference"), ls="--",
                       label="test tolerance $10^{-7}$")]
    # The key goes above the axes, where it cannot cover a point.
    ax.legend(handles=handles, ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.02))
    fig.suptitle("analytic gradients vs central finite differences")
    fig.tight_layout()
    return fig


def init_scale(scale, block_sizes) -> Section:
    """Mean square activations through deep stacks at He initialisation, by block size.

    Parameters
    ----------
    scale : list
        :func:`cdnotes.experiments.init_scale.activation_scale`'s curves, one per block size
        (``mean_square`` of shape (networks, layers), ``gains()``, ``label``), dense (B = 1)
        first, the largest B last.
    block_sizes : tuple of int
        Their block sizes, e.g. (1, 16, 64).

    ``data["first"]`` holds each B's mean square after one layer (mean over networks).

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    first = {c.block_size: c.mean_square[:, 0].mean() for c in scale}
    last = {c.block_size: np.median(c.mean_square[:, -1]) for c in scale}
    last_mean = {c.block_size: c.mean_square[:, -1].mean() for c in scale}
    gain = {c.block_size: mean_ci(c.gains()) for c in scale}          # layers 2–, all networks
    spread = {c.block_size: np.log(c.gains()).std() for c in scale}  # sd of log gain
    values = {}
    for key, B in zip(("dense", "b16", "b64"), block_sizes):
        values.update({f"ch2_m_{key}": last[B], f"ch2_mean_{key}": last_mean[B],
                       f"ch2_first_{key}": first[B], f"ch2_spread_{key}": spread[B]})
    values["ch2_max_b64"] = scale[-1].mean_square[:, -1].max()
    values["ch2_n_gains"] = scale[0].gains().size
    # the gain fluctuates more as B grows: variance ratios of the log gains (F intervals)
    steps = list(zip(block_sizes[1:], block_sizes[:-1]))
    vr = {(a, b): variance_ratio_ci(np.log(scale[block_sizes.index(a)].gains()),
                                    np.log(scale[block_sizes.index(b)].gains()))
          for a, b in steps}
    up = sum(e.low > 1 for e in vr.values())
    values["ch2_spread_test"] = Sentence(
        "The variance of the log gain, $B = 16$ over dense and "
        "$B = 64$ over $B = 16$, has the ratios " + " and ".join(
            f"{e.mean:.2f} (95 % CI {e.low:.2f} to {e.high:.2f})" for e in vr.values())
        + (": both intervals lie above 1." if up == 2 else
           f": {count_words(up, 2)} of the intervals lie above 1."))
    # large blocks shrink the median? last-layer mean squares per network, log scale
    g = welch_difference_ci(np.log10(scale[-1].mean_square[:, -1]),
                            np.log10(scale[0].mean_square[:, -1]))
    values.update({"ch2_m_ratio": last[block_sizes[-1]] / last[block_sizes[0]],
                   "ch2_gm_ratio": 10 ** g.mean, "ch2_gm_low": 10 ** g.low,
                   "ch2_gm_high": 10 ** g.high})
    values["ch2_shrink"] = Sentence("deep CD stacks with large blocks shrink it"
                                    if g.high < 0 else
                                    "deep CD stacks with large blocks need not shrink it")
    below = int(np.sum(scale[-1].mean_square[:, -1] < 1))
    values["ch2_below_one"] = count_words(below, scale[-1].mean_square.shape[0], "networks")
    n_layers = scale[0].mean_square.shape[1]
    header = ["layers", "mean gain (95% CI)", "sd of log gain", f"median, layer {n_layers}",
              f"mean, layer {n_layers}", f"largest, layer {n_layers}"]
    rows = [[c.label, f"{gain[B].mean:.2f} ({gain[B].low:.2f}–{gain[B].high:.2f})",
             f"{spread[B]:.2f}", f"{last[B]:.3g}", f"{last_mean[B]:.2f}",
             f"{c.mean_square[:, -1].max():.3g}"] for c, B in zip(scale, block_sizes)]
    return Section(values, header, rows, data={"first": first})


def plot_init_scale(scale, width):
    """Median (with quartile band) and mean of the mean square activation, layer by layer.

    Parameters
    ----------
    scale : list of InitScale
        as for :func:`init_scale`
    width : int
        the layers' width (the title)

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    n_nets, depth = scale[0].mean_square.shape
    layers = np.arange(1, depth + 1)
    fig, ax = plt.subplots(figsize=(MAX_FIGURE_WIDTH_IN, 5.0))
    # B = 1 is a dense layer: the book's dense colour; larger blocks in series order
    colors = [color("dense"), *series_colors([c.block_size for c in scale[1:]]).values()]
    for col, curve in zip(colors, scale):
        q25, q50, q75 = curve.quartiles()
        ax.fill_between(layers, q25, q75, color=col, alpha=0.2, lw=0)
        ax.plot(layers, q50, "o-", ms=3, color=col, label=f"{curve.label}, median")
        ax.plot(layers, curve.mean_square.mean(axis=0), "--", color=col, lw=1.2,
                label=f"{curve.label}, mean")
    ax.axhline(1.0, color=color("reference"), ls=":")
    ax.set_yscale("log"); ax.set_xlabel("layer"); ax.set_ylabel("mean square activation")
    ax.set_title(f"He initialisation, width {width}: {n_nets} networks of each kind\n"
                 "(band: quartiles)")
    # one column per kind, below the axes (inside, the key would cover the bands)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    fig.tight_layout()
    return fig
