"""What every check shares: number formats for the evidence sentences and the seeded draws."""
from __future__ import annotations

import math

import numpy as np


SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def sci(x: float, digits: int = 2) -> str:
    """``x`` with ``digits`` significant digits, as ``1.9 × 10⁴`` when large or small."""
    if x == 0 or not math.isfinite(x):
        return "∞" if x == math.inf else ("0" if x == 0 else "not finite")
    e = int(math.floor(math.log10(abs(x))))
    if -2 <= e <= 3:
        return f"{x:.{max(digits - 1 - e, 0)}f}" if e < digits else f"{x:,.0f}"
    m = x / 10 ** e
    return f"{m:.{digits - 1}f} × 10{str(e).translate(SUP)}"


def pct(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f} %"


def ci_text(e, scale: float = 1.0, unit: str = " points", digits: int = 2) -> str:
    return (f"{scale * e.mean:+.{digits}f}{unit} (95 % CI {scale * e.low:+.{digits}f} to "
            f"{scale * e.high:+.{digits}f})")


def _rng(k: int = 0):
    """The generator of a live check's random draw ``k`` (moved by ``CDNOTES_SEED_OFFSET``, so
    the book's other seed sets test that no verdict hangs on one draw)."""
    from ...seeds import seed
    return np.random.default_rng(seed(k))
