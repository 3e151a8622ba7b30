"""Chapter 7's figures: speed-up against block size, measured and from the flop model.

Each function draws one figure and returns it (the notebook shows it).
"""
from __future__ import annotations

import numpy as np

from ..plotting import color, series_colors
from .performance import flop_ratio

__all__ = ["WIDTH_COLOR", "block_axis", "ratio_axis", "plot_speedups", "plot_flop_model"]

# one colour per width in every figure of the chapter, CPU and GPU
WIDTH_COLOR = series_colors([256, 512, 1024, 2048, 4096, 8192])


def block_axis(ax, blocks):
    """Log-2 x axis labelled at the block sizes only.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    blocks : list of int

    Returns
    -------
    None
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(FixedLocator(blocks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())


def ratio_axis(ax):
    """Log y axis labelled at 1-2-5 values inside the data range.

    Parameters
    ----------
    ax : matplotlib.axes.Axes

    Returns
    -------
    None
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    ticks = [m * 10.0 ** e for e in range(-2, 3) for m in (1, 2, 5)
             if lo <= m * 10.0 ** e <= hi]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_locator(NullLocator())


def plot_speedups(rows, widths, blocks, ylabel, title=None, legend_loc="best"):
    """Dense time over FFT-path time against block size, one line per width.

    Parameters
    ----------
    rows : list of dict
        Speed-sweep rows (``width``, ``block_size``, ``fft_speedup``).
    widths, blocks : lists of int
    ylabel : str
    title : str, optional
    legend_loc : str, default "best"

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for n in widths:
        r = [x for x in rows if x["width"] == n]
        ax.plot([x["block_size"] for x in r], [x["fft_speedup"] for x in r], "o-",
                color=WIDTH_COLOR[n], label=f"width {n}")
    ax.axhline(1, color=color("reference"), lw=0.8)
    ratio_axis(ax); block_axis(ax, blocks)
    ax.set_xlabel("block size B"); ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.legend(loc=legend_loc); fig.tight_layout()
    return fig


def plot_flop_model(rows, widths, blocks):
    """Measured speed-ups (points) against the flop model's (lines), one colour per width.

    Parameters
    ----------
    rows : list of dict
        speed-sweep rows
    widths, blocks : lists of int

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for n in widths:
        shade = WIDTH_COLOR[n]
        r = [x for x in rows if x["width"] == n]
        B = np.array([x["block_size"] for x in r])
        ax.plot(B, [x["fft_speedup"] for x in r], "o", color=shade, label=f"width {n}")
        ax.plot(B, [flop_ratio(n, b) for b in B], "-", color=shade, lw=1)
    ax.axhline(1, color=color("reference"), lw=0.8)
    ratio_axis(ax); block_axis(ax, blocks)
    ax.set_xlabel("block size B"); ax.set_ylabel("dense / FFT path")
    ax.set_title("points: measured; lines: flop model")
    ax.legend(ncol=2); fig.tight_layout()
    return fig
