"""Helpers for the book's notebooks that also work outside the book (Colab, plain Jupyter)."""
from __future__ import annotations

__all__ = ["glue", "glue_markdown", "markdown_table", "table_cell"]


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


def glue_markdown(name: str, text: str, display: bool = False):
    """Store a sentence (Markdown, math allowed) for the page text: ``{glue:md}`name:myst```.

    Refer to it with the ``:myst`` format (``{glue:md}`name:myst```): myst-nb parses a plain
    ``{glue:md}`name``` as CommonMark, which leaves ``$H$`` literal.
    Use this, not :func:`glue`, for glued *sentences*: the page renders them as Markdown, so
    ``$H$`` becomes math and the sentence wraps at the column like any other text
    (``{glue:text}`` shows ``$H$`` literally, and glued text is kept on one line). Outside
    a book build (Colab) it prints ``name = text``.

    Parameters
    ----------
    name : str
        The key the page text refers to.
    text : str
        Markdown; inline math between ``$…$``.
    display : bool, default False
        Also show the sentence in the cell's output.

    Returns
    -------
    None
    """
    if not isinstance(text, str):
        raise TypeError(f"glue_markdown({name!r}, ...) takes a str, got {type(text).__name__}")
    from IPython.display import Markdown
    try:
        from myst_nb import glue as _glue
    except ImportError:
        print(f"{name} = {text}")
        return
    _glue(name, Markdown(text), display=display)


def table_cell(v, floatfmt: str = ".3g") -> str:
    """One Markdown table cell: numbers formatted, ``|`` escaped, nothing raw.

    Parameters
    ----------
    v : object
        A number (``floatfmt`` for non-integers), a string, or anything with a meaningful
        ``str()``.
    floatfmt : str, default ".3g"

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For a NaN or infinite number, ``None``, or a container (dict, list, tuple, set,
        array): a table cell says what it means ("none in grid", "∞: blank pixels"), so pass
        the words as a string.
    """
    import numbers

    if v is None or isinstance(v, (dict, list, tuple, set, frozenset)) or (
            hasattr(v, "ndim") and getattr(v, "ndim", 0) > 0):
        raise ValueError(f"table cell {v!r}: a table shows words or numbers, not a "
                         f"{type(v).__name__}; pass what the cell means as a string")
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, numbers.Number) and not isinstance(v, numbers.Integral):
        x = complex(v)
        if x.imag != 0 or x.real != x.real or abs(x.real) == float("inf"):
            raise ValueError(f"table cell {v!r} is not a finite real number; say what the cell "
                             "means as a string (e.g. 'none in grid', 'diverged', '∞: blank pixels')")
        return format(float(x.real), floatfmt)
    if isinstance(v, numbers.Integral):
        return str(int(v))
    text = str(v)
    if text.strip() in {"nan", "NaN", "NAN", "inf", "Inf", "-inf", "+inf", "None"}:   # reprs
        raise ValueError(f"table cell {text!r}: say what the cell means in words")
    return text.replace("\n", " ").replace("|", "\\|")


def markdown_table(header, rows, floatfmt: str = ".3g"):
    """A Markdown table (as an ``IPython.display.Markdown``) from a header and rows.

    Parameters
    ----------
    header : sequence
        Column titles (strings; ``|`` in a title is escaped).
    rows : iterable of sequences
        One per row, as long as ``header``; each cell goes through :func:`table_cell`
        (a non-integer number formatted with ``floatfmt``, ``|`` escaped, and a NaN, inf,
        ``None`` or container refused).
    floatfmt : str, default ".3g"

    Returns
    -------
    IPython.display.Markdown

    Raises
    ------
    ValueError
        A row whose length differs from the header's, or a cell :func:`table_cell` refuses
        (the message names the row and column).
    """
    from IPython.display import Markdown

    header = [str(h) for h in header]
    lines = ["| " + " | ".join(h.replace("|", "\\|") for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    for r, row in enumerate(rows):
        row = list(row)
        if len(row) != len(header):
            raise ValueError(f"row {r} has {len(row)} cells, the header {len(header)}: {row}")
        cells = []
        for c, v in enumerate(row):
            try:
                cells.append(table_cell(v, floatfmt))
            except ValueError as err:
                raise ValueError(f"row {r} ({row[0]!s}), column {header[c]!r}: {err}") from None
        lines.append("| " + " | ".join(cells) + " |")
    return Markdown("\n".join(lines))
