"""Where the learned masks' kept frequency bins sit in the data's energy ranking, against
masks drawn at random: exact chance levels and tail probabilities."""
from __future__ import annotations

import math

import numpy as np

__all__ = ["energy_ranks", "kept_energy_test"]


def energy_ranks(power):
    """Each bin's place in the energy ranking: 0 for the most energetic, ``n − 1`` the least.

    Parameters
    ----------
    power : 1-D array of ``n`` mean powers (ties keep the bin order)

    Returns
    -------
    numpy.ndarray of int, one rank per bin
    """
    power = np.asarray(power, dtype=float)
    if power.ndim != 1 or power.size < 2 or not np.isfinite(power).all():
        raise ValueError(f"power must be a finite 1-D array of at least two bins; got shape "
                         f"{power.shape}")
    ranks = np.empty(power.size, dtype=int)
    ranks[np.argsort(-power, kind="stable")] = np.arange(power.size)
    return ranks


def _convolve_power(pmf, times):
    out = np.array([1.0])
    for _ in range(times):
        out = np.convolve(out, pmf)
    return out


def _rank_sum_pmf(n, k):
    # distribution of the sum of a uniformly drawn k-subset of {0, ..., n-1} (exact counts)
    counts = [[0] * (k * n + 1) for _ in range(k + 1)]
    counts[0][0] = 1
    for v in range(n):
        for j in range(min(k, v + 1), 0, -1):
            for t in range(k * n, v - 1, -1):
                counts[j][t] += counts[j - 1][t - v]
    total = math.comb(n, k)
    return np.array([c / total for c in counts[k]])


def kept_energy_test(kept, power) -> dict:
    """Where the kept frequency bins sit in the data's energy ranking, against chance.

    *Chance* is a mask that keeps ``k`` of the ``n`` bins uniformly at random, independently
    per run. Two statistics, each with its exact chance level and one-sided tail
    probabilities (hypergeometric and rank-sum distributions, convolved over the runs):

    * ``top_overlap`` — the mean fraction of kept bins among the ``k`` most energetic bins
      (``bottom_overlap``: among the ``k`` least energetic); chance ``k / n`` for both;
    * ``position`` — the mean energy rank of the kept bins scaled to [0, 1], 0 the most
      energetic bin and 1 the least; chance 0.5.

    Parameters
    ----------
    kept : list of sequences
        One per run: the ``k`` distinct bins (``0 … n − 1``) its mask keeps.
    power : 1-D array of ``n`` mean powers per bin

    Returns
    -------
    dict
        ``n``, ``k``, ``runs``; ``top_overlap``, ``bottom_overlap``, ``overlap_chance``;
        ``p_top_low`` / ``p_top_high`` (chance probability of a total top overlap at most /
        at least the one observed), ``p_bottom_high`` (at least the bottom overlap
        observed); ``position``, ``position_chance`` (0.5), ``p_least`` (chance probability
        of a position at least this far towards the least energetic) and ``p_most`` (at
        least this far towards the most energetic).
    """
    ranks = energy_ranks(power)
    n = ranks.size
    sets = [sorted(int(b) for b in x) for x in kept]
    if not sets:
        raise ValueError("kept needs at least one run")
    k = len(sets[0])
    for x in sets:
        if len(x) != k or len(set(x)) != k or not all(0 <= b < n for b in x):
            raise ValueError(f"every run must keep the same number of distinct bins in "
                             f"0…{n - 1}; got {x}")
    if not 0 < k < n:
        raise ValueError(f"kept bins per run must be between 1 and {n - 1}; got {k}")
    runs = len(sets)
    top = set(np.flatnonzero(ranks < k).tolist())
    bottom = set(np.flatnonzero(ranks >= n - k).tolist())
    top_total = sum(len(top & set(x)) for x in sets)
    bottom_total = sum(len(bottom & set(x)) for x in sets)
    rank_total = int(sum(ranks[x].sum() for x in sets))
    hyper = np.array([math.comb(k, j) * math.comb(n - k, k - j) / math.comb(n, k)
                      for j in range(k + 1)])
    overlap = _convolve_power(hyper, runs)
    rank_sum = _convolve_power(_rank_sum_pmf(n, k), runs)
    return {"n": n, "k": k, "runs": runs,
            "top_overlap": top_total / (k * runs), "bottom_overlap": bottom_total / (k * runs),
            "overlap_chance": k / n,
            "p_top_low": float(overlap[:top_total + 1].sum()),
            "p_top_high": float(overlap[top_total:].sum()),
            "p_bottom_high": float(overlap[bottom_total:].sum()),
            "position": rank_total / (k * runs * (n - 1)), "position_chance": 0.5,
            "p_least": float(rank_sum[rank_total:].sum()),
            "p_most": float(rank_sum[:rank_total + 1].sum())}
