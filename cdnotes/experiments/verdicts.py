"""Sentences of chapters 5 and 6 chosen by the measurement: each verdict is as strong as its test.

Every function takes measured values (estimates with intervals, counts, p-values) and returns the
words a chapter glues (``glue_markdown``); none is ever asserted true in a chapter, so a sentence
stays right on every seed set.

>>> from cdnotes.stats import Estimate
>>> below = Estimate(1.2, 0.5, 20, 0.8, 1.6, 0.95)
>>> unclear = Estimate(0.2, 0.5, 20, -0.1, 0.5, 0.95)
>>> gap_verdict("The B = 8 model", {"B = 4": below, "dense": below})
'The B = 8 model is significantly less accurate than both others'
>>> gap_verdict("The B = 8 model", {"B = 4": unclear, "dense": below})
'The B = 8 model is significantly less accurate than dense, not significantly different from B = 4'
>>> significance_word(0.01), significance_word(0.2)
('significant', 'not significant')
"""
from __future__ import annotations

from .report import count_words, listed, range_text, sig_text

__all__ = ["ALPHA", "significance_word", "gap_verdict", "spread_verdict", "count_verdict",
           "growth_verdict", "saturation_verdict", "epochs_verdict", "ratio_interval_text",
           "like_for_like_text"]

ALPHA = 0.05
"""Level of every test whose sentence these functions choose."""


def significance_word(p: float, alpha: float = ALPHA) -> str:
    """``"significant"`` when ``p < alpha``, else ``"not significant"``.

    Parameters
    ----------
    p : float
        A p-value.
    alpha : float, default :data:`ALPHA`

    Returns
    -------
    str
    """
    return "significant" if p < alpha else "not significant"


def _direction(e) -> str:
    """``"less"`` if a (reference − subject) interval lies above zero, ``"more"`` below, else ``""``."""
    return "less" if e.low > 0 else "more" if e.high < 0 else ""


def gap_verdict(subject: str, gaps: dict, what: str = "accurate") -> str:
    """How ``subject`` compares with each other model, from intervals of (other − subject).

    Parameters
    ----------
    subject : str
        Sentence subject, e.g. ``"The B = 8 model"``.
    gaps : dict
        Other model's label -> estimate of (other − subject), paired by seed (an object with
        ``low`` and ``high``).
    what : str, default "accurate"

    Returns
    -------
    str
        No final full stop.
    """
    groups = {"less": [], "more": [], "": []}
    for label, e in gaps.items():
        groups[_direction(e)].append(label)
    n = len(gaps)
    parts = []
    for word in ("less", "more"):
        if groups[word]:
            who = ("both others" if n == 2 else f"all {n} others") \
                if len(groups[word]) == n and n > 1 else " and ".join(groups[word])
            parts.append(f"significantly {word} {what} than {who}")
    if groups[""]:
        who = " and ".join(groups[""])
        if not parts:
            who = "either other" if n == 2 else who
        parts.append(f"not significantly different from {who}")
    return f"{subject} is " + ", ".join(parts)


def spread_verdict(subject: str, stds: dict, rival: str, p: float, unit: str = "points") -> str:
    """Whether ``subject`` has the largest seed-to-seed standard deviation, with its test.

    Parameters
    ----------
    subject : str
        Label of the model in ``stds`` (e.g. ``"B = 8"``).
    stds : dict
        Label -> standard deviation over seeds.
    rival : str
        Label (in ``stds``) of the model compared with ``subject`` in the test.
    p : float
        Two-sided p-value of a paired test of equal variances, ``subject`` against ``rival``.
    unit : str, default "points"

    Returns
    -------
    str
        One sentence with its full stop.
    """
    rival_std = stds[rival]
    largest = max(stds, key=stds.get)
    own = stds[subject]
    where = "the largest of the three" if largest == subject else f"not the largest ({largest})"
    return (f"Its seed-to-seed standard deviation, {own:.2f} {unit}, is {where}; against "
            f"{rival} ({rival_std:.2f} {unit}) the Pitman–Morgan test for paired variances "
            f"gives p = {p:.2g}, {significance_word(p)} at the 5 % level.")


def count_verdict(counts: dict, n: int, subject: str, rival: str, p: float, event: str) -> str:
    """A per-seed count stated as such, with Fisher's exact test of ``subject`` against ``rival``.

    Parameters
    ----------
    counts : dict
        Label -> runs (of ``n``) in which ``event`` happened.
    n : int
        Runs per model.
    subject, rival : str
        Labels of ``counts``.
    p : float
        Two-sided p-value of the test.
    event : str
        What was counted, e.g. ``"the loss more than doubled from one epoch to the next"``.

    Returns
    -------
    str
        One sentence with its full stop.
    """
    rest = [f"{counts[k]} ({k})" for k in counts if k != subject]
    verdict = ("more often, a significant difference" if p < ALPHA and counts[subject] > counts[rival]
               else "less often, a significant difference" if p < ALPHA
               else "a difference that is not significant")
    return (f"Counted per run: {event} at least once in "
            f"{count_words(counts[subject], n, f'{subject} runs')}, against "
            f"{' and '.join(rest)}; Fisher's exact test against {rival} gives p = {p:.2g}, "
            f"{verdict} at the 5 % level.")


def growth_verdict(e, what: str) -> str:
    """``"grows"``, ``"shrinks"`` or ``"does not change significantly"`` with depth.

    Parameters
    ----------
    e : estimate of (deepest gap − shallowest gap), with ``low`` and ``high``
    what : str
        The sentence's subject.

    Returns
    -------
    str
        No final full stop.
    """
    word = ("grows" if e.low > 0 else "shrinks" if e.high < 0
            else "does not change significantly")
    return f"{what} {word} with depth"


def saturation_verdict(means: dict, target: float = 98.0, within: float = 1.0) -> str:
    """How many classifiers' mean accuracies (%) lie within ``within`` points of ``target``.

    Parameters
    ----------
    means : dict
        Classifier description -> mean test accuracy (%).
    target, within : float
        The claim's value and the tolerance that "near" is read as.

    Returns
    -------
    str
        One sentence with its full stop.

    >>> saturation_verdict({"a": 97.5, "b": 98.4, "c": 95.0})
    '2 of the three classifiers have a mean within 1 point of 98 % (97–99 %); the means range from 95.00 % (c) to 98.40 % (b).'
    """
    near = sum(abs(v - target) <= within for v in means.values())
    lo, hi = min(means, key=means.get), max(means, key=means.get)
    point = "point" if within == 1 else "points"
    return (f"{count_words(near, len(means), 'classifiers')[0].upper()}"
            f"{count_words(near, len(means), 'classifiers')[1:]} have a mean within "
            f"{within:g} {point} of {target:g} % ({target - within:g}–{target + within:g} %); "
            f"the means range from {means[lo]:.2f} % ({lo}) to {means[hi]:.2f} % ({hi}).")


def epochs_verdict(gaps, epochs, direction: str) -> tuple:
    """In how many of ``epochs`` (1-based) an interval lies wholly below or above zero.

    Parameters
    ----------
    gaps : list of estimates, one per epoch (epoch 1 first)
    epochs : iterable of int
    direction : {"below", "above"}

    Returns
    -------
    (k, n) : tuple of int

    >>> from cdnotes.stats import Estimate
    >>> g = [Estimate(-1, 1, 5, -2, -0.5, 0.95), Estimate(0, 1, 5, -1, 1, 0.95)]
    >>> epochs_verdict(g, [1, 2], "below")
    (1, 2)
    """
    if direction not in ("below", "above"):
        raise ValueError(f"direction must be 'below' or 'above'; got {direction!r}")
    epochs = list(epochs)
    hits = [gaps[e - 1].high < 0 if direction == "below" else gaps[e - 1].low > 0
            for e in epochs]
    return int(sum(hits)), len(epochs)


def _one_word(e) -> str:
    return "above 1" if e.low > 0 else "below 1" if e.high < 0 else "includes 1"


def ratio_interval_text(e) -> str:
    """``"4.2 (95 % CI 1.0 to 17: above 1)"``: a paired log10 ratio back on the ratio scale.

    Parameters
    ----------
    e : Estimate of ``log10`` of a ratio
        The word (above 1, below 1, includes 1) comes from the unrounded interval.

    Returns
    -------
    str

    >>> from cdnotes.stats import Estimate
    >>> ratio_interval_text(Estimate(0.62, 1.0, 20, 0.01, 1.24, 0.95))
    '4.2 (95 % CI 1.0 to 17: above 1)'
    """
    return (f"{sig_text(10 ** e.mean)} ({e.level:.0%} CI ".replace("%", " %")
            + f"{sig_text(10 ** e.low)} to {sig_text(10 ** e.high)}: {_one_word(e)})")


_OTHER_WORDS = {"lower": "find CD lower", "higher": "find CD higher",
                "unresolved": "leave it unresolved",
                "at the ceiling": "give no verdict (a run at the ceiling)",
                None: "give no verdict (fewer than two seeds)"}


def like_for_like_text(ratios: dict, other: dict, where: str) -> str:
    """The weights-reading comparison dense / CD, seed by seed, beside another measurement's.

    Parameters
    ----------
    ratios : dict
        Label (``"B = 4"``) -> Estimate of ``log10(κ dense / κ CD)`` paired by seed.
    other : dict
        Label -> ``(verdict, n_seeds)`` of CD against dense elsewhere (a
        :func:`cdnotes.experiments.network_hessian_summary.verdict` word: ``"lower"`` means
        CD's κ is lower, ``"unresolved"``, ``"higher"``, ``"at the ceiling"`` or None).
    where : str
        Names the other measurement (``"chapter 8's two-layer runs"``).

    Returns
    -------
    str
        No capital, no full stop.

    >>> from cdnotes.stats import Estimate
    >>> like_for_like_text({"B = 4": Estimate(0.62, 1.0, 20, 0.01, 1.24, 0.95),
    ...                     "B = 8": Estimate(1.35, 1.0, 20, 0.62, 2.07, 0.95)},
    ...                    {"B = 4": ("unresolved", 10), "B = 8": ("unresolved", 10)},
    ...                    "chapter 8's runs")
    "seed by seed, the geometric mean of the ratio dense / CD is 4.2 (95 % CI 1.0 to 17: above 1) at B = 4 and 22 (95 % CI 4.2 to 120: above 1) at B = 8; chapter 8's runs (10 seeds) leave it unresolved at B = 4 and B = 8"
    """
    parts = [f"{ratio_interval_text(e)} at {label}" for label, e in ratios.items()]
    text = ("seed by seed, the geometric mean of the ratio dense / CD is "
            + listed(parts, none="not measured", fmt=""))
    groups = {}
    for label, (word, _) in other.items():
        groups.setdefault(word, []).append(label)
    said = [f"{_OTHER_WORDS[word]} at {' and '.join(labels)}" if len(labels) < 3
            else f"{_OTHER_WORDS[word]} at {', '.join(labels[:-1])} and {labels[-1]}"
            for word, labels in groups.items()]
    if said:
        seeds = range_text([n for _, n in other.values()])
        text += f"; {where} ({seeds} seeds) " + "; they ".join(said)
    return text
