"""Sentences of chapter 11 chosen by the ``lr-sweep`` measurements."""
from __future__ import annotations

__all__ = ["spread_text", "protocol_text"]


def spread_text(values, names):
    """How far the models' values lie apart within each data set, in words.

    Parameters
    ----------
    values : dict
        ``{(dataset, model): value > 0}`` (e.g. the mean λ_max at initialisation).
    names : dict
        ``{dataset: name on the page}``; the data sets in this order.

    Returns
    -------
    str
        ``"a factor of 1.42 on digits (6.4 to 9.1) and of 1.30 on MNIST-1D (…)"``: for each
        data set the largest over the smallest of its models' values, compared only within
        one data set.
    """
    parts = []
    for d, name in names.items():
        own = [v for (dd, _), v in values.items() if dd == d]
        if not own:
            raise ValueError(f"spread_text: no value for data set {d!r}")
        low, high = min(own), max(own)
        parts.append(f"{high / low:.2f} on {name} ({low:.1f} to {high:.1f})")
    return "a factor of " + " and of ".join(parts)


def protocol_text(n_runs, seeds, epochs, thresholds, names):
    """The sweep's size in one line: runs, seeds, and per data set epochs and threshold.

    Parameters
    ----------
    n_runs : int
    seeds : list of int
    epochs, thresholds : dict
        ``{dataset: value}``.
    names : dict
        ``{dataset: name on the page}``.

    Returns
    -------
    str
        ``"748 runs, seeds 0–4; digits: 15 epochs, loss threshold 0.1; MNIST-1D: …"``
        (seeds as a range when consecutive, else listed).
    """
    seeds = sorted(seeds)
    consecutive = seeds == list(range(seeds[0], seeds[-1] + 1))
    seed_text = (f"{seeds[0]}–{seeds[-1]}" if consecutive and len(seeds) > 1
                 else ", ".join(str(s) for s in seeds))
    per_set = "; ".join(f"{name}: {epochs[d]} epochs, loss threshold {thresholds[d]:g}"
                        for d, name in names.items())
    return f"{n_runs:,} runs, seeds {seed_text}; {per_set}"
