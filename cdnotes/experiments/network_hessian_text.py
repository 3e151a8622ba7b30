"""Reading the ``network-hessian`` results: the chapter's sentences, chosen by computation.

* :func:`settings_sentence` — what a set of paired comparisons says, one clause per word;
* :func:`probe_words` / :func:`probes_sentence` — how many SLQ probes the runs needed.
"""
from __future__ import annotations

import math

import numpy as np

from .network_hessian_verdicts import VERDICTS

__all__ = ["settings_sentence", "probe_words", "probes_sentence"]


_SETTING_WORDS = {"lower": "lower on whitened digits (interval below 1)",
                  "higher": "higher on whitened digits (interval above 1)",
                  "unresolved": "unresolved (interval contains 1)",
                  "at the ceiling": "no verdict (a run at the ceiling)",
                  None: "no verdict (fewer than two common seeds)"}


def settings_sentence(verdicts: dict, words: dict | None = None) -> str:
    """What a set of paired comparisons says, one clause per verdict word.

    Parameters
    ----------
    verdicts : dict
        Setting label (``"dense init"``) -> a :data:`VERDICTS` word or None, in order.
    words : dict, optional
        Verdict word -> its clause; default: a whitened / raw ratio's.

    Returns
    -------
    str
        Clauses joined by ``"; "``, in the order ``lower, higher, unresolved, at the
        ceiling, None``; a clause that holds every setting says so (``"in all six
        settings"``) instead of listing them. No capital, no full stop.

    >>> settings_sentence({"dense init": "at the ceiling", "CD-B4 init": "at the ceiling"})
    'no verdict (a run at the ceiling) in both settings'
    >>> settings_sentence({"a": "lower", "b": "unresolved", "c": "at the ceiling"})
    ... # doctest: +ELLIPSIS
    'lower on whitened digits (interval below 1) for a; ...; no verdict (a run at the ceiling)...'
    """
    from .report import number_word
    words = _SETTING_WORDS if words is None else words
    n = len(verdicts)
    parts = []
    for word in (*VERDICTS, None):
        labels = [k for k, v in verdicts.items() if v == word]
        if not labels:
            continue
        if len(labels) == n:
            where = "in both settings" if n == 2 else f"in all {number_word(n)} settings"
        else:
            where = "for " + (labels[0] if len(labels) == 1 else
                              f"{', '.join(labels[:-1])} and {labels[-1]}")
        parts.append(f"{words[word]} {where}")
    return "; ".join(parts)


def probe_words(n) -> str:
    """``"one probe"``, ``"four probes"``, ``"1.5 probes"`` (a median between two counts).

    Parameters
    ----------
    n : int, float or inf (``inf``: more than were tried)

    Returns
    -------
    str
    """
    from .report import number_word
    if math.isinf(n):
        return "more probes than were tried"
    if float(n).is_integer():
        k = int(n)
        return f"{number_word(k)} probe{'' if k == 1 else 's'}"
    return f"{n:g} probes"


def probes_sentence(need, tried) -> str:
    """How many SLQ probes the runs needed (:func:`probes_needed` of each run).

    Parameters
    ----------
    need : list of int or None (None: more than the largest count tried)
    tried : list of int, the probe counts tried

    Returns
    -------
    str
        ``"the median run needed one probe, and none more than four"``; no full stop.

    >>> probes_sentence([1, 1, 4, 2], [1, 2, 4, 8])
    'the median run needed 1.5 probes, and none more than four'
    >>> probes_sentence([1, None, 1], [1, 2, 4, 8])
    'the median run needed one probe, and some needed more than the eight tried'
    """
    from .report import number_word
    counts = [math.inf if p is None else p for p in need]
    median = float(np.median(counts))
    first = ("the median run needed more than the " f"{number_word(max(tried))} tried"
             if math.isinf(median) else f"the median run needed {probe_words(median)}")
    if any(p is None for p in need):
        return f"{first}, and some needed more than the {number_word(max(tried))} tried"
    return f"{first}, and none more than {number_word(max(counts))}"
