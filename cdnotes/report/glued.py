"""What a report function hands a chapter to glue: ``{name: value}``, sentences marked.

A report function returns its glued values as one dict; a value of type :class:`Md` is a
sentence (Markdown, math allowed) that the chapter glues with ``glue_markdown``, every other
value goes to ``glue``. The chapter's loop::

    for name, value in values.items():
        (glue_markdown if isinstance(value, Md) else glue)(name, value)

>>> v = {"x": 1.5, "s": Md("a $\\\\kappa$ sentence")}
>>> [type(x).__name__ for x in v.values()], v["s"] == "a $\\\\kappa$ sentence"
(['float', 'Md'], True)
"""
from __future__ import annotations

__all__ = ["Md"]


class Md(str):
    """A glued sentence (Markdown): a ``str`` the chapter glues with ``glue_markdown``.

    Parameters
    ----------
    text : str
        The sentence.
    """

    __slots__ = ()

    def __new__(cls, text: str = ""):
        return super().__new__(cls, text)
