"""Matplotlib helpers shared by the book's chapters (imported lazily: matplotlib is optional)."""
from __future__ import annotations

import numpy as np

from .backend import to_numpy

__all__ = ["show_matrix", "style"]


def style():
    """The book's plot defaults (readable sizes, no top/right spines)."""
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 110, "figure.figsize": (6.4, 3.6),
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": False,
        "font.size": 10,
    })


def show_matrix(ax, M, *, block_size=None, title=None, cmap="RdBu_r", symmetric=True,
                colorbar=True):
    """Heatmap of a real matrix ``M`` (any backend), with grid lines every ``block_size``.

    ``symmetric=True`` centres the colour map on zero. Returns the image.
    """
    M = np.asarray(to_numpy(M), dtype=np.float64)
    vmax = np.abs(M).max() or 1.0
    kwargs = {"vmin": -vmax, "vmax": vmax} if symmetric else {}
    im = ax.imshow(M, cmap=cmap, interpolation="nearest", **kwargs)
    if block_size and block_size > 1:
        for pos in np.arange(block_size, M.shape[0], block_size) - 0.5:
            ax.axhline(pos, color="k", lw=0.8)
        for pos in np.arange(block_size, M.shape[1], block_size) - 0.5:
            ax.axvline(pos, color="k", lw=0.8)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return im
