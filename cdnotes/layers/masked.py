"""A dense layer that trains only a fixed random subset of its weights (constrained direct space).

The baseline of spectral training (Giambagli, Buffoni et al.): as many trained weights
as a spectral model trains eigenvalues, chosen at random (seeded) among the
``n_out × n_in`` entries of ``W``; the others are frozen — at zero (a sparse layer, the
default) or at their initial values. ``params`` holds the ``n_trained`` trained
weights ``w`` (in row-major order of their positions) and, with ``bias=True``, ``b``.

The gather that forms ``W`` and the batched kernels are :class:`~cdnotes.layers.pattern.
FixedPattern`'s, shared with :class:`~cdnotes.structured.SparseFixed` (the same idea: a fixed
pattern of trained entries).
"""
from __future__ import annotations

import numpy as np

from ..backend import device_of, namespace_of
from ..validation import check_choice, check_int
from .init import normal_weights
from .pattern import FixedPattern

__all__ = ["MaskedDense", "FROZEN"]

FROZEN = ("zero", "init")
"""The untrained weights: zero (a sparse layer), or frozen at their random initial values."""


class MaskedDense(FixedPattern):
    """Dense layer ``Y = X Wᵀ (+ b)`` whose trained weights are a seeded random subset of ``W``.

    Parameters
    ----------
    n_in, n_out : int >= 1
    n_trained : int in [1, n_in·n_out]
        How many entries of ``W`` are trained.
    bias : bool, default False
    frozen : {"zero", "init"}
        The other entries: zero, or their initial values (frozen).
    seed : int or None
        Draws the positions and the initial weights (He-scaled normal, as
        :class:`~cdnotes.Dense`).
    init, dtype, xp, device
        As for :class:`~cdnotes.Dense`.

    Attributes
    ----------
    w : array ``(n_trained,)``; b : array ``(n_out,)`` if ``bias``
    positions : host int array ``(n_trained,)``, the trained entries of ``W.ravel()``
        (ascending)
    frozen_weights : array ``(n_out, n_in)``, zero at the trained positions
    """

    pattern_param = "w"

    def __init__(self, n_in, n_out, n_trained, *, bias=False, frozen="zero", seed=None,
                 init="he", dtype="float64", xp=None, device=None):
        n_in_ = check_int(n_in, "n_in", minimum=1)
        n_out_ = check_int(n_out, "n_out", minimum=1)
        self.n_trained = check_int(n_trained, "n_trained", minimum=1)
        if self.n_trained > n_in_ * n_out_:
            raise ValueError(f"n_trained must be in [1, n_in*n_out = {n_in_ * n_out_}]; "
                             f"got {n_trained}")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"bias must be True or False; got {bias!r}")
        self.bias = bool(bias)
        self.frozen = check_choice(frozen, "frozen", FROZEN)
        super().__init__(n_in, n_out, 1, seed=seed, init=init, dtype=dtype, xp=xp, device=device)
        ref = self.reference_param
        space, dev = namespace_of(ref), device_of(ref)
        frozen_host = np.zeros(self.n_in * self.n_out)
        if self.frozen == "init":
            frozen_host = self._initial_W.ravel().copy()
            frozen_host[self.positions] = 0.0
        del self._initial_W
        self.frozen_weights = space.asarray(frozen_host.reshape(self.n_out, self.n_in),
                                            dtype=ref.dtype, device=dev)

    def param_shapes(self):
        shapes = {"w": (self.n_trained,)}
        if self.bias:
            shapes["b"] = (self.n_out,)
        return shapes

    def initial_params(self, std, seed):
        rng = np.random.default_rng(seed)
        size = self.n_in * self.n_out
        self.positions = np.sort(rng.choice(size, self.n_trained, replace=False))
        W = normal_weights((self.n_out, self.n_in), std, rng.integers(2**63))
        self._initial_W = W
        return {"w": W.ravel()[self.positions], "b": np.zeros(self.n_out)}

    w = property(lambda self: self.params["w"], lambda self, v: self.set_param("w", v),
                 doc="The trained weights ``(n_trained,)``.")

    def _repr_extra(self):
        return f"n_trained={self.n_trained}, bias={self.bias}, frozen={self.frozen!r}"
