"""Numbers in words, for sentences built at any layer of the library (no dependencies).

>>> listed([0.1, 0.2, 0.5], "rate", "rates", "no rate"), number_word(6), number_word(21)
('rates 0.1, 0.2 and 0.5', 'six', '21')

:mod:`cdnotes.experiments.report` re-exports both (they live this low so that
:func:`cdnotes.benchmarking.goal_text` can use them).
"""
from __future__ import annotations

__all__ = ["listed", "number_word"]

_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                 "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
                 "sixteen", "seventeen", "eighteen", "nineteen", "twenty")


def listed(values, one: str = "", many: str = "", none: str = "none", fmt: str = "g") -> str:
    """``none``, ``"<one> a"``, ``"<many> a and b"`` or ``"<many> a, b and c"`` (no prefix if
    empty).

    Parameters
    ----------
    values : iterable of numbers
        Listed in the order given.
    one : str, default ""
        Prefix for a single value (e.g. ``"rate"``).
    many : str, default ""
        Prefix for two or more (e.g. ``"rates"``).
    none : str, default "none"
        The whole text when ``values`` is empty.
    fmt : str, default "g"
        Format spec of each value.

    Returns
    -------
    str
    """
    items = [format(v, fmt) for v in values]
    if not items:
        return none
    prefix = one if len(items) == 1 else many
    text = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
    return f"{prefix} {text}" if prefix else text



def number_word(n: int) -> str:
    """``n`` spelled out for 0–20 (``"six"``), else its digits.

    Parameters
    ----------
    n : int >= 0

    Returns
    -------
    str
    """
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)
