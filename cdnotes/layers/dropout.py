"""Shannon dropout (paper Eq. 7): inverted dropout at the CD noise rate ``α_CD = 0.0118``.

In training mode each entry is zeroed with probability ``rate`` and the
survivors are scaled by ``1 / (1 - rate)``, so ``E[output] = input``; in
evaluation mode the layer is the identity. The rate 0.0118 is the paper's
prescribed default; nothing about it is specific to this implementation, which
accepts any rate in ``[0, 1)``.
"""
from __future__ import annotations

import array_api_compat
import numpy as np

from ..backend import device_of, namespace_of
from .base import Layer
from ..validation import check_array, check_float_array, check_real, check_seed

__all__ = ["ALPHA_CD", "ShannonDropout"]

ALPHA_CD = 0.0118
"""The Shannon noise rate of the CD papers, used as the default dropout rate."""


class ShannonDropout(Layer):
    """Inverted dropout; shape-preserving.

    Parameters
    ----------
    rate : float in ``[0, 1)``
        Probability of zeroing an entry during training (default ``ALPHA_CD``).
    seed : int or None
        Seeds the mask generator: the same seed gives the same masks.

    Linear in its input (``piecewise_linear``): in evaluation mode — where
    :mod:`cdnotes.curvature` takes every Hessian — its Jacobian is the identity.
    """

    piecewise_linear = True

    def __init__(self, rate: float = ALPHA_CD, *, seed=None):
        super().__init__()
        self.rate = check_real(rate, "dropout rate", low=0.0, high=1.0, high_open=True)
        self.seed = check_seed(seed)
        self._rng = np.random.default_rng(seed)
        self._device_rng = None

    def _uniform(self, xp, like):
        """Uniform [0, 1) draws shaped like ``like``, generated on ``like``'s device."""
        if array_api_compat.is_cupy_array(like):
            import cupy
            if self._device_rng is None:
                self._device_rng = cupy.random.default_rng(self._rng.integers(2**63))
            return self._device_rng.random(like.shape, dtype=like.dtype)
        u = self._rng.random(tuple(like.shape))
        return xp.asarray(u, dtype=like.dtype, device=device_of(like))

    def forward(self, X):
        """``X`` (any shape, non-empty) -> ``X`` with dropped entries (training) or ``X`` (eval)."""
        check_array(X, "X")
        xp = namespace_of(X)
        check_float_array(xp, X, "X")
        if X.ndim == 0 or X.size == 0:
            raise ValueError(f"X must be a non-empty array; got shape {tuple(X.shape)}")
        return self.forward_2d(xp, X)

    def forward_2d(self, xp, X):
        """Unchecked kernel (any shape). The mask drawn here is the one :meth:`backward` uses."""
        if not self.training or self.rate == 0.0:
            self._cache = (None, tuple(X.shape))    # identity: backward passes dY through
            return X
        scale = xp.where(self._uniform(xp, X) >= self.rate,
                         xp.asarray(1.0 / (1.0 - self.rate), dtype=X.dtype, device=device_of(X)),
                         xp.zeros_like(X))
        self._cache = (scale, tuple(X.shape))
        return X * scale

    def backward(self, dY):
        """``∂L/∂Y`` -> ``∂L/∂X`` with the mask of the last forward pass (whatever the mode now)."""
        _, shape = self._cached()
        check_array(dY, "dY")
        xp = namespace_of(dY)
        if tuple(dY.shape) != shape:
            raise ValueError(f"dY must have the shape of the last forward input {shape}; "
                             f"got {tuple(dY.shape)}")
        check_float_array(xp, dY, "dY")
        return self.backward_2d(xp, dY)

    def backward_2d(self, xp, dY):
        scale, _ = self._cached()
        return dY if scale is None else dY * scale

    def jvp_3d(self, xp, X2, T3):
        """Jacobian times tangents ``T3`` ``(m, N, n)`` in evaluation mode: ``T3`` itself.

        Raises ``RuntimeError`` in training mode with ``rate > 0`` (the mask is random:
        curvature is taken in evaluation mode).
        """
        if self.training and self.rate > 0:
            raise RuntimeError("ShannonDropout.jvp_3d/vjp_3d need evaluation mode (model.eval(); "
                               "the cdnotes.curvature functions switch to it themselves)")
        return T3

    def vjp_3d(self, xp, X2, U3):
        """Transposed Jacobian times ``U3`` in evaluation mode: ``U3`` (see :meth:`jvp_3d`)."""
        return self.jvp_3d(xp, X2, U3)

    def __repr__(self):
        return f"ShannonDropout(rate={self.rate})"
