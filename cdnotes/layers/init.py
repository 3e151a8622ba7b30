"""Weight initialisation, matched to dense layers through ``to_dense()``.

A ``CDLinear`` layer's materialised matrix ``W = block_circulant(C)`` contains
every entry of ``C`` exactly ``B`` times, so drawing ``C`` i.i.d. with variance
``σ²`` gives ``W`` entries of variance ``σ²``. Each output still sums ``n_in``
inputs, so the same fan-in rule as for a dense layer keeps the forward
variance: the default ``"he"`` draws ``C ~ N(0, 2 / n_in)``, and ``W``'s
entries then have exactly the variance of a He-initialised dense layer of
the same shape (though, unlike a dense layer's, they are not independent:
each value repeats ``B`` times along a wrapped diagonal).

This matches the *expected* gain ``E‖Wx‖² = 2‖x‖²`` of a dense layer, not its typical
value: with only ``n_in·n_out/B`` independent entries, one layer's gain fluctuates more
as ``B`` grows, and through many ReLU layers the typical signal drifts down (measured in
the book's CDLinear chapter on 20 seeded networks of 12 layers of width 256, with
:func:`cdnotes.experiments.init_scale.activation_scale`; the chapter quotes the numbers).
Pass ``init=`` a standard deviation to choose another scale.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["INIT_SCHEMES", "init_std", "normal_weights"]

INIT_SCHEMES = {
    "he": lambda n_in, n_out: math.sqrt(2.0 / n_in),        # ReLU networks (He et al. 2015)
    "lecun": lambda n_in, n_out: math.sqrt(1.0 / n_in),     # linear / tanh
    "glorot": lambda n_in, n_out: math.sqrt(2.0 / (n_in + n_out)),
}


def init_std(init, n_in: int, n_out: int) -> float:
    """Standard deviation of the weights for a scheme name or an explicit float.

    Parameters
    ----------
    init : {"he", "lecun", "glorot"} or float >= 0
    n_in, n_out : int
        The layer's widths (fan-in and fan-out).

    Returns
    -------
    float
    """
    if isinstance(init, str):
        if init not in INIT_SCHEMES:
            raise ValueError(f"init must be one of {', '.join(map(repr, INIT_SCHEMES))} or a "
                             f"non-negative float (the standard deviation); got {init!r}")
        return INIT_SCHEMES[init](n_in, n_out)
    if isinstance(init, bool) or not isinstance(init, numbers.Real):
        raise TypeError(f"init must be one of {', '.join(map(repr, INIT_SCHEMES))} or a "
                        f"non-negative float (the standard deviation); got {init!r}")
    std = float(init)
    if not math.isfinite(std) or std < 0:
        raise ValueError(f"init as a standard deviation must be finite and >= 0; got {init!r}")
    return std


def normal_weights(shape, std: float, seed) -> np.ndarray:
    """I.i.d. ``N(0, std²)`` draws from ``numpy.random.default_rng(seed)``.

    Parameters
    ----------
    shape : tuple of int
    std : float
    seed : int or None

    Returns
    -------
    numpy array of ``shape``, float64 (on the host; layers move it to their backend)
    """
    return np.random.default_rng(seed).standard_normal(shape) * std
