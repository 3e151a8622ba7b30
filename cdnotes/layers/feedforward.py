"""The position-wise feed-forward block of a Transformer, ``FeedForward``, with registry
linear layers (dense, block-circulant, ...)."""
from __future__ import annotations

from ..validation import check_int
from .activations import ReLU
from .composite import Composite, child_seeds, linear_entry
from .second_order import feedforward_rop_backward_2d
from .tangents import linear_tangent, sub_tangents

__all__ = ["FeedForward"]


class FeedForward(Composite):
    """``Y = ReLU(X W₁ᵀ + b₁) W₂ᵀ + b₂`` at every position: ``(N, L, d_model)`` ->
    ``(N, L, d_model)`` (no residual: a Transformer block adds it).

    Both linear layers come from the layer registry,
    ``LAYERS[structure].build(n_in, n_out, seed=..., **options)``:
    ``linear1`` ``d_model -> hidden`` and ``linear2`` ``hidden -> d_model``.
    :class:`cdnotes.shfin.models.PositionwiseFFN` is the residual variant with dense layers
    (``X + FeedForward(X)`` with ``linear2``'s weights scaled by 0.1, for the same seed).

    Parameters
    ----------
    d_model, hidden : int >= 1
    structure : str, default "dense"
        A key of :data:`cdnotes.layers.LAYERS`; ``"cd"`` needs ``block_size``.
    block_size : int or None
        For ``structure="cd"``: must divide ``d_model`` and ``hidden``.
    seed : int or None
        ``linear1`` and ``linear2`` get two seeds spawned from it.
    dtype : {"float64", "float32"}
    xp : namespace or backend name, default NumPy
    **options
        The structure's other options (``method="fft"``, ``rank=4``, ...).

    Attributes
    ----------
    linear1, linear2 : :class:`~cdnotes.layers.Linear`
    params : keys ``"linear1.<name>"``, ``"linear2.<name>"`` (the layers' own names)
    n_params : ``linear1.n_params + linear2.n_params``
    """

    def __init__(self, d_model, hidden, *, structure="dense", block_size=None, seed=None,
                 dtype="float64", xp=None, **options):
        super().__init__()
        self.d_model = check_int(d_model, "d_model", minimum=1)
        self.hidden = check_int(hidden, "hidden", minimum=1)
        entry, options = linear_entry(structure, block_size, options,
                                      {"d_model": self.d_model, "hidden": self.hidden},
                                      [(self.d_model, self.hidden), (self.hidden, self.d_model)])
        self.structure = structure
        s1, s2 = child_seeds(seed, 2)
        self.linear1 = entry.build(self.d_model, self.hidden, seed=s1, dtype=dtype, xp=xp,
                                   **options)
        self.relu = ReLU()
        self.linear2 = entry.build(self.hidden, self.d_model, seed=s2, dtype=dtype, xp=xp,
                                   **options)
        self.sublayers = {"linear1": self.linear1, "linear2": self.linear2}

    def forward(self, X):
        """Checked forward pass.

        Parameters
        ----------
        X : real floating array ``(N, L, d_model)``, ``N, L >= 1``, finite

        Returns
        -------
        array ``(N, L, d_model)``
        """
        return self._checked_forward(X, self.d_model, "d_model")

    def backward(self, dY):
        """Checked backward pass; fills ``grads``.

        Parameters
        ----------
        dY : real floating array ``(N, L, d_model)`` of the last forward output's shape

        Returns
        -------
        ``∂L/∂X`` ``(N, L, d_model)``
        """
        return self._checked_backward(dY)

    def forward_2d(self, xp, X):
        """Unchecked: ``(N, L, d_model)`` -> ``(N, L, d_model)``."""
        N, L, d = X.shape
        H = self.relu.forward_2d(xp, self.linear1.forward_2d(xp, xp.reshape(X, (N * L, d))))
        self._cache = (N, L)
        return xp.reshape(self.linear2.forward_2d(xp, H), (N, L, d))

    def backward_2d(self, xp, dY):
        """Unchecked: ``(N, L, d_model)`` -> ``(N, L, d_model)``; fills ``grads``."""
        N, L = self._cached()
        dH = self.relu.backward_2d(xp, self.linear2.backward_2d(
            xp, xp.reshape(dY, (N * L, self.d_model))))
        return xp.reshape(self.linear1.backward_2d(xp, dH), (N, L, self.d_model))

    def jvp_2d(self, xp, X, dX, dparams):
        """Unchecked tangent (see :meth:`~cdnotes.layers.Composite.jvp`) ``(N, L, d_model)``:
        ``dZ₁`` from ``linear1``, ``dH = 1[Z₁ > 0] ⊙ dZ₁`` (the mask of the forward pass),
        then ``linear2``'s tangent at ``H = ReLU(Z₁)``.
        """
        return xp.reshape(self.tangent_pass_2d(xp, X, dX, dparams)["dY2"], X.shape)

    def tangent_pass_2d(self, xp, X, dX, dparams) -> dict:
        """The primal and tangent intermediates of :meth:`jvp_2d` (unchecked).

        Returns
        -------
        dict
            ``X2``, ``dX2`` (or None) ``(N·L, d_model)``; ``mask`` (the forward pass' ReLU
            pattern), ``H``, ``dH`` ``(N·L, hidden)``; ``dY2`` ``(N·L, d_model)``.
        """
        N, L = self._cached()
        mask = self.relu._cached()
        X2 = xp.reshape(X, (N * L, self.d_model))
        dX2 = None if dX is None else xp.reshape(dX, (N * L, self.d_model))
        Z1 = self.linear1.curvature().apply_3d(xp, X2[None, ...])[0, ...]
        if self.linear1.has_bias:
            Z1 = Z1 + self.linear1.params["b"]
        dZ1 = linear_tangent(xp, self.linear1, X2, dX2, sub_tangents(dparams, "linear1"))
        H, dH = Z1 * mask, dZ1 * mask
        dY2 = linear_tangent(xp, self.linear2, H, dH, sub_tangents(dparams, "linear2"))
        return {"X2": X2, "dX2": dX2, "mask": mask, "H": H, "dH": dH, "dY2": dY2}

    def rop_backward_2d(self, xp, X, dY, dX, dparams, ddY):
        """Unchecked :meth:`rop_backward` at the last ``forward_2d`` (for networks)."""
        return feedforward_rop_backward_2d(self, xp, X, dY, dX, dparams, ddY)

    def __repr__(self):
        extra = f", block_size={self.linear1.block_size}" if self.structure == "cd" else ""
        return (f"FeedForward(d_model={self.d_model}, hidden={self.hidden}, "
                f"structure={self.structure!r}{extra}, n_params={self.n_params})")
