"""Matplotlib helpers shared by the book's chapters (imported lazily: matplotlib is optional)."""
from __future__ import annotations

import numpy as np

from .backend import to_numpy

__all__ = ["COLUMN_WIDTH_PX", "DPI", "MAX_FIGURE_WIDTH_IN", "MIN_FONT_PT", "PALETTE", "color",
           "series_colors", "show_matrix", "style"]

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


#: One colour per model, structure, regime and role, for every chapter of the book: a reader who
#: learns "dense is blue" in chapter 5 can rely on it in chapter 12. Keys are the names the
#: library uses (``mlp.PAPER_MODELS``, ``structured.STRUCTURES``, the spectral regimes, the
#: SHFIN variants, the optimizers); ``color()`` also accepts a few aliases. Roles: ``reference``
#: (a line the data is compared with: y = x, a bound, the paper's value), ``guide`` (a light
#: grid or band), ``muted`` (context behind the data), ``highlight`` (one point singled out).
PALETTE = {
    # the paper's models and the CD structure
    "dense": "#1f77b4",            # blue
    "cd": "#ff7f0e",               # orange: CD at any block size, where only one is shown
    "cd2": "#fdae6b",              # light orange (chapter 13's B = 2)
    "cd4": "#ff7f0e",              # orange
    "cd8": "#d62728",              # red
    # the other structured layers (chapter 10)
    "low_rank": "#2ca02c",         # green
    "toeplitz": "#9467bd",         # purple
    "kronecker": "#8c564b",        # brown
    "monarch": "#e377c2",          # pink
    "acdc": "#bcbd22",             # olive
    "sparse": "#7f7f7f",           # grey
    "fourier_mixing": "#17becf",   # cyan
    # spectral-domain training (chapter 9): the paper's four regimes
    "constrained": "#6b6ecf",      # slate
    "eigenvalues": "#e7ba52",      # ochre
    "unconstrained": "#1f77b4",    # blue: an unconstrained layer is a dense layer
    "eigenvalues+eigenvectors": "#843c39",  # maroon
    "spectral": "#e7ba52",         # SpectralLinear (eigenvalues trained)
    "masked": "#6b6ecf",           # MaskedDense: the constrained baseline
    # SHFIN and its baselines (chapter 12)
    "shfin": "#393b79",            # navy
    "cnn": "#637939",              # dark olive
    "perceptron": "#ad494a",       # brick
    # chapter 13's transformer (dense; its CD twins take their block size's colour)
    "transformer": "#008c8c",      # teal
    # optimizers (chapter 11): colours no model uses (blue and orange mean dense and CD-B4)
    "sgd": "#252525",              # near-black
    "adam": "#bd9e39",             # mustard
    "kfac": "#7b4173",             # plum
    # roles
    "reference": "#000000",
    "guide": "#bfbfbf",
    "muted": "#7f7f7f",
    "highlight": "#d62728",
}

_ALIASES = {"mlp": "dense", "cd_mlp": "cd8", "cd-b4": "cd4", "cd-b8": "cd8", "lowrank": "low_rank",
            "fourier": "fourier_mixing", "sparsefixed": "sparse", "maskeddense": "masked",
            "lambda": "eigenvalues", "lambda+phi": "eigenvalues+eigenvectors"}


def color(name: str) -> str:
    """The book's colour for a model, structure, regime or role (see :data:`PALETTE`).

    Parameters
    ----------
    name : str
        A key of :data:`PALETTE` or an alias (case-insensitive); a SHFIN ablation
        ``"shfin_<variant>"`` takes SHFIN's colour.

    Returns
    -------
    str
        A hex colour, ``"#rrggbb"``.

    Raises
    ------
    KeyError
        For an unknown name; the message lists the known ones.
    """
    if not isinstance(name, str):
        raise TypeError(f"color() takes a name (str), got {type(name).__name__}")
    key = name.lower()
    key = _ALIASES.get(key, key)
    if key not in PALETTE and key.startswith("shfin_"):
        key = "shfin"
    if key not in PALETTE:
        raise KeyError(f"no book colour for {name!r}; known names: {', '.join(sorted(PALETTE))} "
                       f"(aliases: {', '.join(sorted(_ALIASES))})")
    return PALETTE[key]


def series_colors(values, cmap: str = "viridis") -> dict:
    """Colours for an ordered series that is not a model (widths, block sizes, seeds, rates).

    Parameters
    ----------
    values : sequence
        The series, in its order (hashable items, distinct).
    cmap : str, default "viridis"
        A sequential matplotlib colour map; the ends are trimmed so the last colour is
        not too pale to read on white.

    Returns
    -------
    dict
        ``value -> "#rrggbb"``, from dark to light in the order given.
    """
    import matplotlib as mpl
    from matplotlib.colors import to_hex

    values = list(values)
    if len(set(values)) != len(values):
        raise ValueError(f"series_colors needs distinct values, got {values}")
    cm = mpl.colormaps[cmap]
    n = len(values)
    pos = [0.0] if n == 1 else list(np.linspace(0.0, 0.85, n))
    return {v: to_hex(cm(p)) for v, p in zip(values, pos)}


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
