"""Matplotlib helpers shared by the book's chapters (imported lazily: matplotlib is optional)."""
from __future__ import annotations

import numpy as np

from .backend import to_numpy

__all__ = ["COLUMN_WIDTH_PX", "DPI", "MAX_FIGURE_WIDTH_IN", "MIN_FONT_PT", "show_matrix", "style"]

#: Widest the book's text column gets (CSS px; sphinx-book-theme 1.x, measured in Chromium).
#: An image up to this wide is shown 1:1; a wider one is shrunk to fit, its text with it.
COLUMN_WIDTH_PX = 790
#: Pixels per inch of the book's figures (``figure.dpi`` and ``savefig.dpi``).
DPI = 110
#: Widest figure shown at its real size: ``figsize[0]`` beyond this shrinks every font by
#: ``MAX_FIGURE_WIDTH_IN / figsize[0]`` (a 10.5 in figure shows 10 pt text at 6.8 pt).
MAX_FIGURE_WIDTH_IN = COLUMN_WIDTH_PX / DPI
#: Smallest font size (pt) in ``style()``; at 1:1 a point is DPI/96 CSS points (10.3 CSS pt for 9).
MIN_FONT_PT = 9


def style():
    """The book's plot defaults: readable sizes, no top/right spines.

    Every text size is an explicit number of points, none below :data:`MIN_FONT_PT` (tick labels
    and legends included), and the default figure is narrower than
    :data:`MAX_FIGURE_WIDTH_IN`, so it is shown at its real size. For figures of your own:
    keep ``figsize[0] <= MAX_FIGURE_WIDTH_IN`` (put three or more panels on two rows rather than
    squeezing them into one), pass no ``fontsize`` below ``MIN_FONT_PT``, and call
    ``fig.tight_layout()``. (Not ``figure.constrained_layout.use``: with it, every
    ``tight_layout()`` call warns on stderr, which fails the ``-W`` book build.)

    Returns
    -------
    None
        Updates ``matplotlib.rcParams`` in place.
    """
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.dpi": DPI, "savefig.dpi": DPI, "figure.figsize": (6.4, 3.6),
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": False,
        "font.size": 10,
        "axes.titlesize": 11, "axes.labelsize": 10, "figure.titlesize": 12,
        "xtick.labelsize": 10, "ytick.labelsize": 10,
        "legend.fontsize": 10, "legend.title_fontsize": 10,
    })


def show_matrix(ax, M, *, block_size=None, title=None, cmap="RdBu_r", symmetric=True,
                colorbar=True):
    """Heatmap of a real matrix ``M`` (any backend), with grid lines every ``block_size``.

    ``symmetric=True`` centres the colour map on zero. Returns the image.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    M : array ``(m, n)``, real
        Any backend; shown in float64.
    block_size : int, optional
        Draw a line between every ``block_size`` rows and columns (none for ``None`` or 1).
    title : str, optional
    cmap : str, default "RdBu_r"
    symmetric : bool, default True
        Colour range ``[−max|M|, max|M|]``; ``False``: matplotlib's default range.
    colorbar : bool, default True

    Returns
    -------
    matplotlib.image.AxesImage
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
