"""The residual wrapper of a pre-LN Transformer block, ``Residual``: ``Y = X + f(X)`` for a
chain ``f`` of named sequence layers (``LayerNorm`` then attention, or then feed-forward)."""
from __future__ import annotations

from ..layers.base import Layer
from ..layers.composite import Composite
from ..layers.tangents import sub_tangents
from ..validation import check_int

__all__ = ["Residual"]


class Residual(Composite):
    """``Y = X + f(X)``, ``f`` the named layers applied in order: ``(N, L, width)`` ->
    ``(N, L, width)``.

    Backward: ``dX = dY + f'(dY)``, the layers' own backward passes in reverse order (each
    fills its ``grads``).

    Parameters
    ----------
    width : int >= 1
        The last axis of ``X`` (``d_model``); ``f`` must keep it.
    layers : dict ``{name: layer}``
        cdnotes layers with ``forward_2d``/``backward_2d`` on ``(N, L, width)`` arrays, in the
        order they apply (e.g. ``{"norm": LayerNorm(d), "attention": MultiHeadAttention(d,
        h)}``); names must not contain a dot.

    Attributes
    ----------
    sublayers : dict — ``layers``
    params : keys ``"<name>.<key>"`` (``"attention.q.W"``, ``"norm.gamma"``), assignable
    n_params : the sum of the layers' ``n_params``
    """

    def __init__(self, width, layers):
        super().__init__()
        self.width = check_int(width, "width", minimum=1)
        if not isinstance(layers, dict) or not layers:
            raise TypeError(f"layers must be a non-empty dict {{name: layer}}; "
                            f"got {type(layers).__name__}")
        for name, layer in layers.items():
            if not isinstance(name, str) or not name or "." in name:
                raise ValueError(f"layer names must be non-empty strings without a dot; "
                                 f"got {name!r}")
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{name!r}] must be a cdnotes layer; "
                                f"got {type(layer).__name__}")
        self.sublayers = dict(layers)

    def forward(self, X):
        """Checked forward pass.

        Parameters
        ----------
        X : real floating array ``(N, L, width)``, ``N, L >= 1``, finite, the parameters'
            dtype

        Returns
        -------
        array ``(N, L, width)``
        """
        return self._checked_forward(X, self.width, "width")

    def backward(self, dY):
        """Checked backward pass; fills ``grads`` (every layer's).

        Parameters
        ----------
        dY : real floating array ``(N, L, width)`` of the last forward output's shape

        Returns
        -------
        ``∂L/∂X`` ``(N, L, width)``
        """
        return self._checked_backward(dY)

    def forward_2d(self, xp, X):
        """Unchecked: ``(N, L, width)`` -> ``(N, L, width)``; caches every layer's input."""
        H, inputs = X, []
        for layer in self.sublayers.values():
            inputs.append(H)
            H = layer.forward_2d(xp, H)
        self._cache = tuple(inputs)
        return X + H

    def backward_2d(self, xp, dY):
        """Unchecked: ``(N, L, width)`` -> ``(N, L, width)``; fills ``grads``."""
        self._cached()
        dH = dY
        for layer in reversed(list(self.sublayers.values())):
            dH = layer.backward_2d(xp, dH)
        return dY + dH

    def _tangents_in(self, xp, dX, dparams) -> list:
        """The tangent entering each layer (None: zero) and the last one's output tangent."""
        inputs, T, out = self._cached(), dX, []
        for (name, layer), X in zip(self.sublayers.items(), inputs):
            out.append(T)
            sub = sub_tangents(dparams, name)
            T = None if T is None and not sub else layer.jvp_2d(xp, X, T, sub)
        return out + [T]

    def jvp_2d(self, xp, X, dX, dparams):
        """Unchecked tangent ``dX + f'(dX, dθ)`` ``(N, L, width)``: the layers' ``jvp_2d``
        in order, at their cached inputs."""
        T = self._tangents_in(xp, dX, dparams)[-1]
        if T is None:
            return xp.zeros_like(X) if dX is None else dX
        return T if dX is None else dX + T

    def rop_backward_2d(self, xp, X, dY, dX, dparams, ddY):
        """Unchecked :meth:`rop_backward`: the output gradient of each layer (the primal
        backward, the layers' ``grads`` restored after), then their ``rop_backward_2d`` from
        the last down."""
        inputs, tangents = self._cached(), self._tangents_in(xp, dX, dparams)
        layers = list(self.sublayers.items())
        grads_out, g = [None] * len(layers), dY
        for i in range(len(layers) - 1, -1, -1):
            layer = layers[i][1]
            grads_out[i], saved = g, layer.grads
            g = layer.backward_2d(xp, g)
            layer.grads = saved
        R, Rgrads = ddY, {}
        for i in range(len(layers) - 1, -1, -1):
            name, layer = layers[i]
            R, sub = layer.rop_backward_2d(xp, inputs[i], grads_out[i], tangents[i],
                                           sub_tangents(dparams, name), R)
            Rgrads.update({f"{name}.{k}": v for k, v in sub.items()})
        RdX = R if ddY is None else ddY + R
        return RdX, {key: Rgrads[key] for key in self.params}

    def __repr__(self):
        inner = " -> ".join(map(repr, self.sublayers.values()))
        return f"Residual(x + f(x), f: {inner})"
