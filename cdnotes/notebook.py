"""Helpers for the book's notebooks that also work outside the book (Colab, plain Jupyter)."""
from __future__ import annotations

__all__ = ["glue", "markdown_table"]


def glue(name: str, value, display: bool = False):
    """Store ``value`` for the page text (``{glue:text}`name``` in the book).

    Inside a Jupyter Book build this is ``myst_nb.glue``; elsewhere (Colab) it
    prints ``name = value`` so the reader still sees every number the text quotes.

    Parameters
    ----------
    name : str
        The key the page text refers to.
    value : object
        Anything ``myst_nb.glue`` accepts; a 0-d NumPy scalar or array is stored as a Python
        number (so ``{glue:text}`` format specs apply).
    display : bool, default False
        Also show the value in the cell's output.

    Returns
    -------
    None
    """
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        value = value.item()   # np.float64(0.5) -> 0.5, so "{glue:text}`x:.2f`" can format it
    try:
        from myst_nb import glue as _glue
    except ImportError:
        print(f"{name} = {value}")
        return
    _glue(name, value, display=display)


def markdown_table(header, rows, floatfmt: str = ".3g"):
    """A Markdown table (as an ``IPython.display.Markdown``) from a header and rows.

    Parameters
    ----------
    header : sequence
        Column titles (``str()`` of each).
    rows : iterable of sequences
        One per row, as long as ``header``; a ``float`` cell is formatted with
        ``floatfmt``, any other with ``str()``.
    floatfmt : str, default ".3g"

    Returns
    -------
    IPython.display.Markdown
    """
    from IPython.display import Markdown

    def cell(v):
        return format(v, floatfmt) if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(map(str, header)) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return Markdown("\n".join(lines))
