"""Words and numbers for a chapter's text, chosen by the measurement (glued into the page).

>>> from cdnotes.stats import Estimate
>>> e = Estimate(mean=-1.2, std=0.8, n=10, low=-1.8, high=-0.6, level=0.95)
>>> ci_text(e), zero_word(e), position(0.0, e)
('-1.20 [-1.80, -0.60]', 'excludes', 'above')
>>> listed([0.1, 0.2, 0.5], "rate", "rates", "no rate"), range_text([19, 19]), range_text([4.99, 9.1], ".1f")
('rates 0.1, 0.2 and 0.5', '19', '5.0–9.1')
>>> count_words(6, 6), count_words(0, 3), count_words(4, 6), count_words(4, 6, "triples")
('all six', 'none of the three', '4 of the six', '4 of the six triples')
>>> sig_text(11569.0), sig_text(310.5), sig_text(5.594), sig_text(0.1534), sig_text(212.33)
('1.2 × 10⁴', '310', '5.6', '0.15', '210')
"""
from __future__ import annotations

import math

from ..words import listed, number_word

__all__ = ["ci_text", "zero_word", "position", "listed", "range_text", "number_word",
           "count_words", "sig_text", "ratio_ci_text"]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def ci_text(e, fmt: str = "+.2f") -> str:
    """``"mean [low, high]"`` of a :class:`cdnotes.stats.Estimate`; ``"—"`` for ``None``.

    Parameters
    ----------
    e : Estimate or None
    fmt : str, default "+.2f"
        Format spec of all three numbers.

    Returns
    -------
    str
    """
    return "—" if e is None else f"{e.mean:{fmt}} [{e.low:{fmt}}, {e.high:{fmt}}]"


def zero_word(e) -> str:
    """``"includes"`` or ``"excludes"``: whether the estimate's interval contains zero.

    Parameters
    ----------
    e : Estimate
        Anything with ``low`` and ``high``; the ends count as inside.

    Returns
    -------
    str
    """
    return "includes" if e.low <= 0 <= e.high else "excludes"


def position(value: float, e) -> str:
    """``"above"``, ``"inside"`` or ``"below"``: where ``value`` lies against the interval of ``e``.

    Parameters
    ----------
    value : float
    e : Estimate
        Anything with ``low`` and ``high``; the ends count as inside.

    Returns
    -------
    str
    """
    return "above" if value > e.high else "below" if value < e.low else "inside"


def range_text(values, fmt: str = ".0f") -> str:
    """``"low–high"`` of a few values as formatted, or one number when both ends agree.

    Parameters
    ----------
    values : non-empty iterable of numbers
    fmt : str, default ".0f"
        Format spec of both ends; they are compared after formatting.

    Returns
    -------
    str
        Joined by an en dash.
    """
    low, high = format(min(values), fmt), format(max(values), fmt)
    return low if low == high else f"{low}–{high}"


def count_words(k: int, n: int, noun: str = "") -> str:
    """How many of ``n`` things: ``"all six"``, ``"none of the six"`` or ``"4 of the six"``.

    Parameters
    ----------
    k : int
        How many, ``0 <= k <= n``.
    n : int >= 1
        Of how many.
    noun : str, default ""
        Appended (``"all six triples"``, ``"4 of the six triples"``).

    Returns
    -------
    str
    """
    if not 0 <= k <= n:
        raise ValueError(f"count_words needs 0 <= k <= n; got k={k}, n={n}")
    total = number_word(n)
    text = (f"all {total}" if k == n else f"none of the {total}" if k == 0
            else f"{k} of the {total}")
    return f"{text} {noun}" if noun else text


def sig_text(x: float, digits: int = 2, sci_from: float = 1e4) -> str:
    """``x`` rounded to ``digits`` significant figures, as a reader writes it.

    Plain decimals below ``sci_from`` in magnitude (``"310"``, ``"5.6"``, ``"0.15"``), and
    ``"a × 10ⁿ"`` from there on (``"1.2 × 10⁴"``) or below 10⁻³. No trailing ``".0"`` beyond
    the significant figures.

    Parameters
    ----------
    x : float
        Finite.
    digits : int >= 1, default 2
    sci_from : float, default 1e4

    Returns
    -------
    str
    """
    if not math.isfinite(x):
        raise ValueError(f"sig_text needs a finite number; got {x}")
    if x == 0:
        return "0"
    text = f"{x:.{digits - 1}e}"                              # rounded once
    exponent = int(text.split("e")[1])
    if abs(float(text)) >= sci_from or abs(float(text)) < 1e-3:
        mantissa = f"{x / 10 ** exponent:.{digits - 1}f}"
        return f"{mantissa} × 10{str(exponent).translate(_SUPERSCRIPT)}"
    decimals = max(digits - 1 - exponent, 0)
    rounded = round(x, digits - 1 - exponent)
    return f"{rounded:.{decimals}f}"


def ratio_ci_text(e, digits: int = 2) -> str:
    """``"m [low, high]"`` of an estimate of a log10 ratio, back on the ratio's scale.

    Parameters
    ----------
    e : Estimate of ``log10`` of a ratio (``mean``, ``low``, ``high``)
    digits : int, default 2
        Significant figures of each number (:func:`sig_text`).

    Returns
    -------
    str
    """
    return " ".join([sig_text(10 ** e.mean, digits),
                     f"[{sig_text(10 ** e.low, digits)}, {sig_text(10 ** e.high, digits)}]"])
