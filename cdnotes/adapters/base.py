"""What every adapter shares: the frozen base, ``delta()``, ``to_dense()``, ``merge()`` and the
checked passes (:class:`Adapter`)."""
from __future__ import annotations

import copy

from ..backend import device_of, namespace_of
from ..layers.dense import Dense
from ..layers.linear import Linear

__all__ = ["Adapter"]


class Adapter(Linear):
    """A trainable update ``ΔW`` on a frozen linear layer: ``Y = base(X) + X ΔWᵀ``.

    Subclasses implement :meth:`param_shapes`, :meth:`initial_params`, :meth:`delta`,
    :meth:`update_forward_2d` (``X ΔWᵀ`` and a cache) and :meth:`update_backward_2d`
    (``dY ΔW`` and the update's gradients).

    Parameters
    ----------
    base : :class:`~cdnotes.layers.linear.Linear`
        The layer to adapt, shape ``(n_in, n_out)``; kept as given (the adapter holds a
        reference and never changes it). Its dtype, backend and device are the adapter's.
    block_size : int >= 1, default 1
        The update's block size (``CDAdapter``'s ``B``; 1 for the others); must divide both
        widths.
    seed : int or None, the update's initial parameters

    Attributes
    ----------
    base : the frozen layer; params : the update's parameters only; n_params : their count
    """

    def __init__(self, base, block_size=1, *, seed=None):
        if not isinstance(base, Linear) or isinstance(base, Adapter):
            kind = type(base).__name__
            raise TypeError(f"base must be a linear layer of cdnotes (Dense, CDLinear, ... — "
                            f"anything built by cdnotes.layers.LAYERS), not an adapter; got "
                            f"{kind}")
        self.base = base
        ref = base.reference_param
        super().__init__(base.n_in, base.n_out, block_size, seed=seed, init=0.0, dtype=ref.dtype,
                         xp=namespace_of(ref), device=device_of(ref))

    # -- the update ----------------------------------------------------------------
    def delta(self):  # pragma: no cover - interface
        """``ΔW`` ``(n_out, n_in)``, materialised."""
        raise NotImplementedError

    def update_forward_2d(self, xp, X2):  # pragma: no cover - interface
        """``X2 ΔWᵀ`` ``(N, n_out)`` for ``X2`` ``(N, n_in)``, and what the backward needs."""
        raise NotImplementedError

    def update_backward_2d(self, xp, cache, dY2):  # pragma: no cover - interface
        """``(dY2 ΔW, {name: gradient})`` for ``dY2`` ``(N, n_out)``."""
        raise NotImplementedError

    # -- the layer ---------------------------------------------------------------------
    @property
    def has_bias(self) -> bool:
        """The adapter trains no bias (the base's is frozen, inside ``base``)."""
        return False

    def to_dense(self):
        """``W_base + ΔW`` ``(n_out, n_in)``: the adapted layer's weight."""
        return self.base.to_dense() + self.delta()

    def forward_2d(self, xp, X2):
        """Unchecked ``base(X2) + X2 ΔWᵀ`` ``(N, n_out)``."""
        Y_base = self.base.forward_2d(xp, X2)
        Y_update, cache = self.update_forward_2d(xp, X2)
        self._cache = (X2, cache)
        return Y_base + Y_update

    def backward_2d(self, xp, dY2):
        """Unchecked ``∂L/∂X`` ``(N, n_in)``; ``grads`` gets the update's gradients only (the
        base's weights are not differentiated)."""
        X2, cache = self._cached()
        dX_base = self.base.curvature().apply_transpose_3d(xp, dY2[None, ...])[0, ...]
        dX_update, grads = self.update_backward_2d(xp, cache, dY2)
        self.grads = grads
        return dX_base + dX_update

    def curvature(self):
        """The layer's curvature hooks: an :class:`~cdnotes.adapters.curvature.AdapterCurvature`
        (the frozen part through the base's hooks, the update's through this adapter's
        ``update_*_3d`` kernels), so the R-operator runs through adapted models."""
        from .curvature import AdapterCurvature
        return AdapterCurvature(self)

    # -- the update's batched kernels (a leading tangent axis m; see the hooks) -----------
    def update_apply_3d(self, xp, X3, weights):  # pragma: no cover - interface
        """``X3 @ ΔW(weights)ᵀ`` ``(m, N, n_out)``."""
        raise NotImplementedError

    def update_apply_transpose_3d(self, xp, dY3, weights):  # pragma: no cover - interface
        """``dY3 @ ΔW(weights)`` ``(m, N, n_in)``."""
        raise NotImplementedError

    def update_tangent_3d(self, xp, Z3, weights, tangents, *, transpose):  # pragma: no cover
        """``Z3 @ DΔW[v]ᵀ`` (or ``Z3 @ DΔW[v]`` with ``transpose``)."""
        raise NotImplementedError

    def update_grads_3d(self, xp, X3, dY3, weights):  # pragma: no cover - interface
        """``{name: (m, *shape)}``: ``J_ΔW(weights)ᵀ vec(Σ_n dY3ᵀ X3)``."""
        raise NotImplementedError

    def update_second_order_3d(self, xp, X3, dY3, weights, tangents):
        """The second-order term of a ``ΔW`` nonlinear in its parameters; ``None``: linear."""
        return None

    def merge(self) -> Dense:
        """The plain :class:`~cdnotes.layers.Dense` with ``W = W_base + ΔW`` and the base's
        bias (zeros if it has none): the same outputs, one matrix product, nothing to train
        apart."""
        ref = self.reference_param
        xp = namespace_of(ref)
        out = Dense(self.n_in, self.n_out, init=0.0, dtype=ref.dtype, xp=xp, device=device_of(ref))
        out.W = self.to_dense()
        if self.base.has_bias:
            out.b = self.base.params["b"]
        return out

    def __deepcopy__(self, memo):
        clone = copy.copy(self)
        memo[id(self)] = clone
        clone.base = copy.deepcopy(self.base, memo)
        clone.params = {k: copy.deepcopy(v, memo) for k, v in self.params.items()}
        clone.grads, clone._cache = {}, None
        return clone

    def _repr_extra(self) -> str:
        return f"base={type(self.base).__name__}"
