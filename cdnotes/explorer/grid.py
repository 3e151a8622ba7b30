"""The precomputed explorer's numbers: every combination of ``B`` × whitening × ``N`` (× ``ρ``)
computed and encoded compactly (:func:`explorer_grid_data`)."""
from __future__ import annotations

import itertools

import numpy as np

from ..validation import check_block_size
from ..whitening import WHITENING_NAMES
from .state import N_CHOICES, _CURVES, _block_sizes, explorer_state, kappa_text

__all__ = ["explorer_grid_data"]


#: Grid axes: (key in the page and in the URL hash, keyword of explorer_state, control label).
_AXES = (("B", "block_size", "block size B"), ("whitening", "whitening", "whitening"),
         ("N", "n_samples", "samples N"), ("rho", "rho", "input correlation ρ"))
_COLORS = {"dense": "#737373", "cd": "#1f77b4", "theorem1": "#d62728"}   # matplotlib 0.45, C0, C3
#: SVG strokes of the curves: width and dash pattern (the dense curve: round dots, on top).
_STROKES = {"cd": (2, ""), "theorem1": (1.8, "8 5"), "dense": (3, "0.1 6")}


def _as_list(values, name: str) -> list:
    """``values`` as a non-empty list without repeats (a scalar becomes a one-element list)."""
    values = [values] if np.ndim(values) == 0 else list(values)
    if not values:
        raise ValueError(f"{name} must not be empty")
    if len(set(values)) != len(values):
        raise ValueError(f"{name} has repeated values: {values}")
    return values


def _grid_values(block_sizes, whitenings, n_samples, rho, n_in: int, n_out: int) -> list[list]:
    """Validated values of each grid axis, in the order of ``_AXES``.

    Raises
    ------
    ValueError
        For a block size that does not divide ``n_in`` and ``n_out``, an unknown
        whitening, a non-positive ``N``, a ``ρ`` outside ``(−1, 1)``, or an empty axis.
    """
    sizes = _as_list(_block_sizes(n_in, n_out) if block_sizes is None else block_sizes,
                     "block_sizes")
    sizes = [check_block_size(n_in, n_out, b)[2] for b in sizes]
    whitenings = _as_list(whitenings, "whitenings")
    unknown = [w for w in whitenings if w not in WHITENING_NAMES]
    if unknown:
        raise ValueError(f"unknown whitening {unknown[0]!r}; "
                         f"choose from {', '.join(WHITENING_NAMES)}")
    ns = _as_list(n_samples, "n_samples")
    if any(isinstance(n, bool) or int(n) != n or n < 1 for n in ns):
        raise ValueError(f"n_samples must be positive integers; got {ns}")
    rhos = [float(r) for r in _as_list(rho, "rho")]
    if any(not -1 < r < 1 for r in rhos):
        raise ValueError(f"rho must be in (-1, 1); got {rhos}")
    return [sizes, [str(w) for w in whitenings], [int(n) for n in ns], rhos]


def _thin(values: np.ndarray, max_points: int) -> np.ndarray:
    """``min(P, max_points)`` of the ``P`` sorted values, at ranks
    ``round(linspace(0, P − 1, m))``."""
    m = min(values.size, max_points)
    return values[np.round(np.linspace(0, values.size - 1, m)).astype(int)]


def _encode_curve(values: np.ndarray, conditioning, max_points: int, decimals: int) -> list:
    """Thinned ``log10`` eigenvalues, rounded; ``None`` where the eigenvalue counts as zero."""
    v = _thin(np.asarray(values, dtype=np.float64), max_points)
    zero = v <= conditioning.zero_threshold
    logs = np.round(np.log10(np.where(zero, 1.0, v)), decimals)
    return [None if z else float(x) for z, x in zip(zero, logs)]


def _encode_frame(state: dict, max_points: int, decimals: int) -> dict:
    """One :func:`explorer_state` as JSON-ready numbers: curves, κ (``None`` for ∞) and κ text."""
    frame = {"setting": {key: state[kw] for key, kw, _ in _AXES}, "curves": {}, "kappa": {},
             "n_zero": {}, "kappa_text": {}}
    for key, _, _ in _CURVES:
        c = state["kappa_" + key]
        frame["curves"][key] = _encode_curve(state[key], c, max_points, decimals)
        frame["kappa"][key] = float(c.kappa) if np.isfinite(c.kappa) else None
        frame["n_zero"][key] = int(c.n_zero)
        frame["kappa_text"][key] = kappa_text(c)
    return frame


def _decade_limits(frames) -> list[int]:
    """``[lo, hi]``: the decades (``log10``) that enclose every non-zero value of every frame."""
    logs = [x for f in frames for curve in f["curves"].values() for x in curve if x is not None]
    lo, hi = int(np.floor(min(logs))), int(np.ceil(max(logs)))
    return [lo, max(hi, lo + 1)]                     # at least one decade, even for a flat spectrum


def explorer_grid_data(block_sizes=None, whitenings=WHITENING_NAMES, n_samples=N_CHOICES,
                       rho=0.8, *, n_in: int = 32, n_out: int = 32, seed: int = 0,
                       max_points: int = 128, decimals: int = 3, ylim=None) -> dict:
    """Every combination of the explorer's settings, as numbers (what :func:`explorer_grid` embeds).

    Parameters
    ----------
    block_sizes : sequence of int, optional
        Block sizes ``B``; each must divide ``n_in`` and ``n_out``. Default: all that do.
    whitenings : sequence of str
        Names from :data:`cdnotes.conditioning.WHITENING_NAMES`.
    n_samples : sequence of int
        Sample sizes ``N``.
    rho : float or sequence of float
        Input correlation(s) ``ρ`` in ``(−1, 1)``; default 0.8, as the live explorer.
    n_in, n_out, seed : int
        Layer shape and sampling seed, passed to :func:`explorer_state`.
    max_points : int
        Eigenvalues kept per curve: ``m = min(P, max_points)`` of the ``P`` sorted ones, at
        ranks ``round(linspace(0, P − 1, m))`` (the smallest and largest always kept).
    decimals : int
        Decimals of the stored ``log10`` eigenvalues (3 decimals: 0.2 % relative error).
    ylim : (float, float), optional
        Fixed y-range (eigenvalue / N) of every frame. Default: the decades enclosing every
        non-zero eigenvalue of the grid.

    Returns
    -------
    dict
        ``axes``: list of ``{"key", "label", "values"}`` (keys ``B``, ``whitening``, ``N``,
        ``rho``); ``frames``: one dict per combination, in C order over ``axes`` (the last
        axis varies fastest), with ``setting`` (key → value), ``curves`` (``dense``, ``cd``,
        ``theorem1`` → list of rounded ``log10(eigenvalue / N)``, ``None`` for an eigenvalue
        that counts as zero), ``kappa`` (float, ``None`` for ∞), ``n_zero`` and
        ``kappa_text``; ``ylim_log10``: ``[lo, hi]``; and ``n_in``, ``n_out``, ``seed``.

    Raises
    ------
    ValueError
        For a block size that does not divide ``n_in`` and ``n_out`` or an unknown whitening
        (and for empty or repeated values, ``N < 1``, ``ρ`` outside ``(−1, 1)``).
    """
    values = _grid_values(block_sizes, whitenings, n_samples, rho, n_in, n_out)
    if int(max_points) < 2:
        raise ValueError(f"max_points must be at least 2; got {max_points}")
    frames = []
    for combo in itertools.product(*values):
        state = explorer_state(**{kw: v for (_, kw, _), v in zip(_AXES, combo)},
                               n_in=n_in, n_out=n_out, seed=seed)
        frames.append(_encode_frame(state, int(max_points), int(decimals)))
    lim = _decade_limits(frames) if ylim is None else [float(np.log10(y)) for y in ylim]
    if not lim[0] < lim[1]:
        raise ValueError(f"ylim must be increasing; got {ylim}")
    return {"axes": [{"key": key, "label": label, "values": v}
                     for (key, _, label), v in zip(_AXES, values)],
            "frames": frames, "ylim_log10": lim, "n_in": n_in, "n_out": n_out, "seed": seed}

