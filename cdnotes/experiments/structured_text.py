"""CD among structured matrices (chapter 10): the chapter's sentences and table cells,
chosen by computation.

* :func:`verdict_text` — :func:`~cdnotes.experiments.structured_analysis.compare_to_cd`'s
  verdicts in words; :func:`kappa_verdict` — a sign test over
  :func:`~cdnotes.experiments.structured_analysis.kappa_pairs`.
* :func:`failure_text`, :func:`ratio_sides_text`, :func:`p_text`, :func:`sci_text`.
"""
from __future__ import annotations

from ..validation import check_int, check_real
from .structured_runs import FAILURE_FLOOR

__all__ = ["verdict_text", "failure_text", "ratio_sides_text", "p_text", "sci_text",
           "kappa_verdict"]


def verdict_text(rows) -> str:
    """The verdicts of :func:`compare_to_cd` in words, models listed in the order given.

    Parameters
    ----------
    rows : list of :func:`compare_to_cd` dicts

    Returns
    -------
    str, e.g. ``"more accurate than low-rank B8 and toeplitz; indistinguishable from
    monarch; less accurate than none"`` (underscores of model names become hyphens), and
    ``"; no verdict against ..., which failed to train"`` for ``"failed"`` rows
    """
    from .report import listed

    by = {v: [r["model"].replace("_", "-") for r in rows if r["verdict"] == v]
          for v in ("wins", "ties", "loses", "failed")}
    text = (f"more accurate than {listed(by['wins'], fmt='s')}; indistinguishable from "
            f"{listed(by['ties'], fmt='s')}; less accurate than {listed(by['loses'], fmt='s')}")
    if by["failed"]:
        text += f"; no verdict against {listed(by['failed'], fmt='s')}, which failed to train"
    return text


def failure_text(model: str, n_runs: int, n_diverged: int, n_low: int,
                 floor: float = FAILURE_FLOOR) -> str:
    """How a model's runs failed, in words: ``"low-rank B8: 7 of 10 runs diverged, and the
    other 3 all ended below 20%"``.

    Parameters
    ----------
    model : str
        The model's name as shown.
    n_runs : int >= 1
    n_diverged : int
        Runs whose loss became NaN (no accuracy).
    n_low : int
        Of the others, runs that ended below ``floor``.
    floor : float

    Returns
    -------
    str
    """
    check_int(n_runs, "n_runs", minimum=1)
    if not (0 <= n_diverged <= n_runs and 0 <= n_low <= n_runs - n_diverged):
        raise ValueError(f"failure_text: {n_diverged} diverged and {n_low} low of {n_runs}")
    below = f"ended below {100 * floor:.0f}%"
    rest = n_runs - n_diverged
    if n_diverged == 0:
        return f"{model}: {n_low} of {n_runs} runs {below}"
    if n_diverged == n_runs:
        return f"{model}: all {n_runs} runs diverged"
    head = f"{model}: {n_diverged} of {n_runs} runs diverged"
    if n_low == 0:
        return head
    if n_low == rest:
        tail = (f"the other one {below}" if rest == 1 else
                f"the other {rest} all {below}")
    else:
        tail = f"{n_low} of the other {rest} {below}"
    return f"{head}, and {tail}"


def ratio_sides_text(sides, subject: str = "a CD epoch", reference: str = "a dense one") -> str:
    """What a set of ratio intervals says about one comparison, counted.

    Parameters
    ----------
    sides : sequence of ``"faster"``, ``"slower"`` or ``"unsettled"``
        One per interval: below 1, above 1, or containing 1.
    subject, reference : str

    Returns
    -------
    str, e.g. ``"None of the four intervals excludes 1, so this grid does not settle whether
    a CD epoch is slower or faster than a dense one"``
    """
    from .report import number_word

    sides = list(sides)
    if not sides or set(sides) - {"faster", "slower", "unsettled"}:
        raise ValueError(f"ratio_sides_text: sides must be faster/slower/unsettled, got {sides}")
    n = len(sides)
    n_slow, n_fast = sides.count("slower"), sides.count("faster")
    every = "both" if n == 2 else f"all {number_word(n)}"
    if n_slow == n:
        return f"{every.capitalize()} intervals lie above 1: {subject} was slower than {reference}"
    if n_fast == n:
        return f"{every.capitalize()} intervals lie below 1: {subject} was faster than {reference}"
    unsettled = (f"so this grid does not settle whether {subject} is slower or faster than "
                 f"{reference}")
    if n_slow + n_fast == 0:
        none = "Neither" if n == 2 else "None of the " + number_word(n)
        return f"{none} {'interval' if n == 2 else 'intervals'} excludes 1, {unsettled}"
    parts = [f"{k} above 1" for k in [n_slow] if k] + [f"{k} below 1" for k in [n_fast] if k]
    return (f"{number_word(n_slow + n_fast).capitalize()} of the {number_word(n)} intervals "
            f"exclude 1 ({' and '.join(parts)}), {unsettled}")


def p_text(p: float) -> str:
    """A p-value to two significant digits: ``"p = 0.052"``, or ``"p < 0.001"``.

    Parameters
    ----------
    p : float in [0, 1]

    Returns
    -------
    str
    """
    check_real(p, "p", low=0.0, high=1.0)
    return "p < 0.001" if p < 0.001 else f"p = {float(f'{p:.2g}'):g}"


def sci_text(x: float) -> str:
    """A positive number as ``"2.3 × 10⁸"`` (two significant digits; plain text).

    Parameters
    ----------
    x : float > 0

    Returns
    -------
    str
    """
    check_real(x, "x", low=0.0, low_open=True)
    mant, exp = f"{x:.1e}".split("e")
    sup = str(int(exp)).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))
    return f"10{sup}" if mant == "1.0" else f"{mant} × 10{sup}"


def kappa_verdict(pairs: dict, model_median, reference_median, *, level: float = 0.05,
                  reference: str = "dense") -> str:
    """The verdict on a per-seed κ comparison (:func:`kappa_pairs`), in words.

    No verdict while either median is at the ceiling (``None`` from :func:`kappa_summary`);
    otherwise a two-sided sign test over the seeds that decided (lower or higher; the
    undecided left out): the model's κ is ``"lower"`` or ``"higher"`` than the reference's
    only where that test gives p < ``level``.

    Parameters
    ----------
    pairs : dict from :func:`kappa_pairs`
    model_median, reference_median : float or None
    level : float, default 0.05
    reference : str

    Returns
    -------
    str, e.g. ``"no verdict (sign test, p = 1)"`` or ``"lower (sign test, p = 0.002)"``
    """
    from scipy.stats import binomtest

    for whose, median in (("its", model_median), (f"{reference}'s", reference_median)):
        if median is None:
            return f"no verdict: {whose} median is at the ceiling"
    k, m = pairs["lower"], pairs["lower"] + pairs["higher"]
    if m == 0:
        return "no verdict: no seed decided"
    p = binomtest(k, m, 0.5).pvalue
    word = ("lower" if k > m - k else "higher") if p < level else "no verdict"
    return f"{word} (sign test, {p_text(p)})"
