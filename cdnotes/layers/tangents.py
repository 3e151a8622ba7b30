"""Forward-mode tangents (Jacobian-vector products) of the sequence layers: the checked entry
shared by their ``jvp`` methods, and the tangent of a registry linear sub-layer.

After ``forward(X)`` a layer's ``jvp(dX, dparams)`` returns the exact directional derivative
of its output,

    ``dY = d/dt forward(X + t dX; θ + t dθ)|₀ = J_X dX + J_θ dθ``,

computed from the primal pass's cache by the layer's unchecked kernel
``jvp_2d(xp, X, dX, dparams)`` (``dX`` ``None`` and missing keys of ``dparams`` are zero and
their terms skipped). It is the forward half of Pearlmutter's R-operator for
:class:`~cdnotes.layers.Conv1D`, :class:`~cdnotes.layers.CDConv1D`,
:class:`~cdnotes.layers.LayerNorm`, :class:`~cdnotes.layers.MultiHeadAttention` and
:class:`~cdnotes.layers.FeedForward`.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..backend import device_of, namespace_of
from ..validation import check_array, check_float_array, check_same_dtype

__all__ = ["check_tangents", "checked_jvp", "linear_tangent", "sub_tangents"]


def checked_jvp(layer, dX=None, dparams=None):
    """Check the tangents against ``layer``'s last public ``forward(X)`` and run its
    ``jvp_2d``.

    Parameters
    ----------
    layer : a layer with ``jvp_2d(xp, X, dX, dparams)``, whose checked ``forward`` kept its
        input as ``_forward_input``
    dX : real floating array of the shape of the last forward input, or None (zero)
    dparams : mapping ``{key of layer.params: array of that parameter's shape}`` or None;
        missing keys are zero

    Returns
    -------
    array of the last forward output's shape, the parameters' dtype

    Raises
    ------
    RuntimeError
        No public ``forward(X)`` yet, or ``forward_2d`` (or ``to``) replaced its cache since.
    TypeError, ValueError
        ``dparams`` not a mapping; an unknown key (the message lists the keys); a tangent of
        the wrong shape (naming the key and the expected shape), dtype or namespace, or not
        finite.
    """
    xp, X, dX, dparams = check_tangents(layer, dX, dparams, "jvp")
    return layer.jvp_2d(xp, X, dX, dparams)


def check_tangents(layer, dX, dparams, what: str = "jvp"):
    """The checks of :func:`checked_jvp` (``what`` names the method in the messages).

    Parameters
    ----------
    layer, dX, dparams : as in :func:`checked_jvp`
    what : str

    Returns
    -------
    (xp, X, dX, dparams) : the namespace, the last forward input, ``dX`` (or None) and
        ``dparams`` as a new dict (``{}`` for None)
    """
    name = type(layer).__name__
    X = layer.__dict__.get("_forward_input")
    if layer._cache is None or X is None:
        raise RuntimeError(f"{name}.{what} called before forward; run forward(X) on the batch "
                           "first (the tangent is taken at that X)")
    if layer._cache is not layer.__dict__.get("_forward_cache"):
        raise RuntimeError(f"{name}.{what} pairs with the last forward(X), but forward_2d ran "
                           f"since and replaced its cache: call forward(X) again before {what}")
    params = dict(layer.params)
    reference = next(iter(params.values()), X)       # a layer without parameters: X's dtype
    xp = namespace_of(X, *params.values())
    if dX is not None:
        check_array(dX, "dX")
        xp = namespace_of(dX, X)
        if tuple(dX.shape) != tuple(X.shape):
            raise ValueError(f"dX must have the shape of the last forward input "
                             f"{tuple(X.shape)}; got {tuple(dX.shape)}")
        check_float_array(xp, dX, "dX")
        check_same_dtype(dX=dX, parameters=reference)
    if dparams is None:
        dparams = {}
    if not isinstance(dparams, Mapping):
        raise TypeError(f"dparams must be a dict {{parameter key: tangent}} or None; got "
                        f"{type(dparams).__name__}")
    for key, value in dparams.items():
        if key not in params:
            raise ValueError(f"dparams has no parameter {key!r} in {name}; the keys are "
                             f"{', '.join(map(repr, params)) or 'none (no parameters)'}")
        check_array(value, f"dparams[{key!r}]")
        xp = namespace_of(value, X)
        expected = tuple(params[key].shape)
        if tuple(value.shape) != expected:
            raise ValueError(f"dparams[{key!r}] must have the shape of parameter {key!r}, "
                             f"{expected}; got {tuple(value.shape)}")
        check_float_array(xp, value, f"dparams[{key!r}]")
        check_same_dtype(**{f"dparams[{key!r}]": value, "parameters": reference})
    return xp, X, dX, dict(dparams)


def sub_tangents(dparams: dict, prefix: str) -> dict:
    """The tangents of one sub-layer of a composite, its own keys: ``{"W": ...}`` from
    ``{"q.W": ...}`` for ``prefix="q"``.

    Parameters
    ----------
    dparams : dict ``{"<sub-layer>.<key>": array}``
    prefix : str

    Returns
    -------
    dict ``{key: array}``
    """
    start = prefix + "."
    return {k[len(start):]: v for k, v in dparams.items() if k.startswith(start)}


def linear_tangent(xp, layer, X2, dX2, v: dict):
    """Tangent of a linear layer's output ``Z = X W(θ)ᵀ + b`` (unchecked):
    ``dZ = dX W(θ)ᵀ + X DW_θ[v]ᵀ + v_b``, through the layer's curvature hooks (the layer's
    own cache is not touched).

    Parameters
    ----------
    xp : namespace
    layer : :class:`~cdnotes.layers.Linear`
    X2 : array ``(M, n_in)``, the primal input
    dX2 : array ``(M, n_in)`` or None (zero)
    v : dict ``{name: array of that parameter's shape}``; missing names are zero

    Returns
    -------
    array ``(M, n_out)``
    """
    hooks = layer.curvature()
    out = xp.zeros((X2.shape[0], layer.n_out), dtype=X2.dtype, device=device_of(X2))
    if dX2 is not None:
        out = out + hooks.apply_3d(xp, dX2[None, ...])[0, ...]
    weights = layer.weight_params()
    if any(name in v for name in weights):
        point = {name: p[None, ...] for name, p in weights.items()}
        direction = {name: (v[name] if name in v else xp.zeros_like(p))[None, ...]
                     for name, p in weights.items()}
        out = out + hooks.tangent_apply_3d(xp, X2[None, ...], point, direction)[0, ...]
    if "b" in v:
        out = out + v["b"]
    return out
