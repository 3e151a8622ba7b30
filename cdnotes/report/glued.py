"""A chapter section's glued values and table, as one object the notebook shows.

A report function returns a :class:`Section`: the values the page text quotes (numbers, words,
and sentences marked :class:`Sentence`), the table the cell displays, and any objects a later
cell needs. :func:`show` glues every value (a :class:`Sentence` through
:func:`cdnotes.notebook.glue_markdown`, anything else through :func:`cdnotes.notebook.glue`)
and returns the table.

>>> s = Section({"x": 1.5, "words": Sentence("$H$ is")}, ["a", "b"], [[1, 2.0]])
>>> sorted(s.values), isinstance(s.values["words"], Sentence)
(['words', 'x'], True)
>>> s.table().data.splitlines()[-1]
'| 1 | 2 |'
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..notebook import glue, glue_markdown, markdown_table

__all__ = ["Sentence", "Section", "show"]


class Sentence(str):
    """A glued value that is Markdown (a sentence, possibly with ``$…$`` math).

    Parameters
    ----------
    text : str
        The Markdown.
    """

    def __new__(cls, text: str = ""):
        if not isinstance(text, str):
            raise TypeError(f"Sentence takes a str, got {type(text).__name__}")
        return super().__new__(cls, text)


@dataclass
class Section:
    """What one cell of a chapter glues and shows.

    Attributes
    ----------
    values : dict
        Glue name -> value; a :class:`Sentence` is glued as Markdown.
    header : list of str or None
        The table's column titles; ``None``: the section has no table.
    rows : list of lists
        The table's rows (cells as :func:`cdnotes.notebook.markdown_table` takes them).
    data : dict
        Objects a later cell or report function needs (estimates, verdicts); not glued.
    floatfmt : str
        Format of non-integer cells.
    """
    values: dict
    header: list | None = None
    rows: list = field(default_factory=list)
    data: dict = field(default_factory=dict)
    floatfmt: str = ".3g"

    def table(self):
        """The table as ``IPython.display.Markdown``, or ``None`` without a header."""
        if self.header is None:
            return None
        return markdown_table(self.header, self.rows, self.floatfmt)


def show(section: Section):
    """Glue every value of ``section`` and return its table (for a cell's last line).

    Parameters
    ----------
    section : Section

    Returns
    -------
    IPython.display.Markdown or None
    """
    if not isinstance(section, Section):
        raise TypeError(f"show() takes a report Section, got {type(section).__name__}")
    for name, value in section.values.items():
        if isinstance(value, Sentence):
            glue_markdown(name, str(value))
        else:
            glue(name, value)
    return section.table()
