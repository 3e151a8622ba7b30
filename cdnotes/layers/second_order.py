"""The backward half of Pearlmutter's R-operator for the sequence layers
(:class:`~cdnotes.layers.LayerNorm`, :class:`~cdnotes.layers.MultiHeadAttention`, the
bilinear :class:`~cdnotes.layers.Conv1D` and :class:`~cdnotes.layers.CDConv1D`, and the
piecewise-linear :class:`~cdnotes.layers.FeedForward`).

A layer's ``backward`` maps the output gradient ``dY`` to ``(∂L/∂X, grads)`` at the point
``(X, θ)`` of its last ``forward``. Its R-operator is the directional derivative

    ``R{backward} = d/dt backward(dY + t ddY) at (X + t dX, θ + t dθ)|₀``,

the second-order terms (through ``X`` and ``θ``, ``dY`` fixed) plus ``backward``'s linear
dependence on ``dY`` (``ddY``). In a network, ``ddY = R{dY}`` comes from the layer above and
``dX`` from the forward tangents (:mod:`cdnotes.layers.tangents`): stacking them gives
Hessian-vector products.
"""
from __future__ import annotations

import copy
import math

from ..validation import check_array, check_float_array, check_same_dtype
from .tangents import check_tangents, sub_tangents

__all__ = ["attention_rop_backward_2d", "checked_rop_backward", "conv_rop_backward_2d",
           "feedforward_rop_backward_2d", "layernorm_rop_backward_2d", "linear_rop_backward"]


def checked_rop_backward(layer, dY, dX, dparams, ddY, kernel):
    """Check ``dY``, ``ddY`` (the last forward output's shape) and the tangents (as
    :func:`~cdnotes.layers.tangents.checked_jvp`), then run ``kernel``.

    Parameters
    ----------
    layer : a layer after its public ``forward`` (which kept ``_out_shape``)
    dY : array of the last forward output's shape
    dX, dparams : the input and parameter tangents (None: zero)
    ddY : array of the last forward output's shape, or None (zero)
    kernel : callable ``(layer, xp, X, dY, dX, dparams, ddY) -> (RdX, Rgrads)``

    Returns
    -------
    (array of the input's shape, dict ``{key of params: array}``)

    Raises
    ------
    RuntimeError, TypeError, ValueError
        As :func:`~cdnotes.layers.tangents.checked_jvp`; ``dY`` missing or ``dY``/``ddY`` of
        another shape than the last forward output (the message gives it), dtype or
        namespace.
    """
    xp, X, dX, dparams = check_tangents(layer, dX, dparams, "rop_backward")
    reference = next(iter(layer.params.values()), X)
    shape = layer._out_shape
    for name, value in (("dY", dY), ("ddY", ddY)):
        if value is None and name == "ddY":
            continue
        check_array(value, name)
        if tuple(value.shape) != shape:
            raise ValueError(f"{name} must have the shape of the last forward output {shape}; "
                             f"got {tuple(value.shape)}")
        check_float_array(xp, value, name)
        check_same_dtype(**{name: value, "parameters": reference})
    return kernel(layer, xp, X, dY, dX, dparams, ddY)


def layernorm_rop_backward_2d(layer, xp, X, dY, dX, dparams, ddY):
    """Unchecked R-operator of :meth:`LayerNorm.backward <cdnotes.layers.LayerNorm.backward>`.

    With ``G = dY ⊙ gamma``, ``m = mean(G ⊙ X̂)`` and ``P = G − mean(G) − X̂ m``, backward is
    ``∂L/∂X = s P``, ``dgamma = Σ dY ⊙ X̂``, ``dbeta = Σ dY``. Its tangent uses ``R{X̂} =
    s (c − X̂ mean(X̂ ⊙ c))``, ``R{s} = −s² mean(X̂ ⊙ c)`` (``c = dX − mean(dX)``) and
    ``R{G} = ddY ⊙ gamma + dY ⊙ dgamma``:
    ``R{∂L/∂X} = R{s} P + s (R{G} − mean(R{G}) − R{X̂} m − X̂ R{m})``,
    ``R{m} = mean(R{G} ⊙ X̂ + G ⊙ R{X̂})``, ``R{dgamma} = Σ ddY ⊙ X̂ + dY ⊙ R{X̂}``,
    ``R{dbeta} = Σ ddY``.

    Parameters
    ----------
    layer : LayerNorm; xp : namespace
    X, dY : arrays ``(..., d)``; dX, ddY : arrays ``(..., d)`` or None
    dparams : dict (``"gamma"``, ``"beta"``; missing: zero)

    Returns
    -------
    (array ``(..., d)``, dict ``{"gamma": (d,), "beta": (d,)}``)
    """
    Xn, s = layer._cached()
    gamma = layer.params["gamma"]
    zero = xp.zeros_like(Xn)
    dX, ddY = (zero if a is None else a for a in (dX, ddY))
    c = dX - xp.mean(dX, axis=-1, keepdims=True)
    mc = xp.mean(Xn * c, axis=-1, keepdims=True)
    RXn, Rs = s * (c - Xn * mc), -(s * s) * mc
    G = dY * gamma
    RG = ddY * gamma + (dY * dparams["gamma"] if "gamma" in dparams else zero)
    m = xp.mean(G * Xn, axis=-1, keepdims=True)
    Rm = xp.mean(RG * Xn + G * RXn, axis=-1, keepdims=True)
    P = G - xp.mean(G, axis=-1, keepdims=True) - Xn * m
    RdX = Rs * P + s * (RG - xp.mean(RG, axis=-1, keepdims=True) - RXn * m - Xn * Rm)
    flat = (-1, layer.d)
    Rgamma = xp.sum(xp.reshape(ddY * Xn + dY * RXn, flat), axis=0)
    return RdX, {"gamma": Rgamma, "beta": xp.sum(xp.reshape(ddY, flat), axis=0)}


def linear_rop_backward(xp, layer, X2, RX2, dZ, RdZ, v: dict):
    """Unchecked R-operator of a linear layer's backward (``Z = X W(θ)ᵀ + b``) at the output
    gradient ``dZ``, through its curvature hooks (its cache untouched).

    ``R{∂L/∂X} = R{dZ} W + dZ DW[v]``; ``R{∂L/∂θ} = J_Wᵀ(Σ R{dZ}ᵀ X + dZᵀ R{X})`` plus the
    layer's own second-order term where ``W`` is nonlinear in ``θ``; ``R{∂L/∂b} = Σ R{dZ}``.

    Parameters
    ----------
    xp : namespace; layer : :class:`~cdnotes.layers.Linear`
    X2 : array ``(M, n_in)``; RX2 : array ``(M, n_in)`` or None, its tangent
    dZ, RdZ : arrays ``(M, n_out)``, the output gradient and its tangent
    v : dict ``{name: array of that parameter's shape}`` (missing: zero)

    Returns
    -------
    (array ``(M, n_in)``, dict ``{name: array}`` over ``layer.params``)
    """
    hooks = layer.curvature()
    weights = layer.weight_params()
    point = {name: p[None, ...] for name, p in weights.items()}
    RdX = hooks.apply_transpose_3d(xp, RdZ[None, ...])[0, ...]
    grads = hooks.weight_grads_at_3d(xp, X2[None, ...], RdZ[None, ...], point)
    if RX2 is not None:
        extra = hooks.weight_grads_at_3d(xp, RX2[None, ...], dZ[None, ...], point)
        grads = {name: g + extra[name] for name, g in grads.items()}
    if any(name in v for name in weights):
        direction = {name: (v[name] if name in v else xp.zeros_like(p))[None, ...]
                     for name, p in weights.items()}
        RdX = RdX + hooks.tangent_apply_transpose_3d(xp, dZ[None, ...], point,
                                                     direction)[0, ...]
        extra = hooks.weight_second_order_3d(xp, X2[None, ...], dZ[None, ...], point, direction)
        if extra is not None:
            grads = {name: g + extra[name] for name, g in grads.items()}
    grads = {name: g[0, ...] for name, g in grads.items()}
    if layer.has_bias:
        grads["b"] = xp.sum(RdZ, axis=0)
    return RdX, grads


def attention_rop_backward_2d(layer, xp, X, dY, dX, dparams, ddY):
    """Unchecked R-operator of :meth:`MultiHeadAttention.backward
    <cdnotes.layers.MultiHeadAttention.backward>`.

    With the forward tangents ``Q̇, K̇, V̇, Ȧ, Ȯ`` (:meth:`tangent_pass_2d`) and the backward's
    ``gO`` (from ``o``), ``gA = gO Vᵀ``, ``gS = s A ⊙ (gA − r)``, ``r = rowsum(gA ⊙ A)``:
    ``R{gA} = R{gO} Vᵀ + gO V̇ᵀ``;
    ``R{gS} = s (Ȧ ⊙ (gA − r) + A ⊙ (R{gA} − R{r}))``, ``R{r} = rowsum(R{gA} ⊙ A + gA ⊙ Ȧ)``;
    ``R{gQ} = R{gS} K + gS K̇``, ``R{gK} = R{gS}ᵀ Q + gSᵀ Q̇``, ``R{gV} = Ȧᵀ gO + Aᵀ R{gO}``;
    each projection's part by :func:`linear_rop_backward`.

    Parameters
    ----------
    layer : MultiHeadAttention; xp : namespace
    X, dY : arrays ``(N, L, d_model)``; dX, ddY : arrays ``(N, L, d_model)`` or None
    dparams : dict with the layer's ``params`` keys (missing: zero)

    Returns
    -------
    (array ``(N, L, d_model)``, dict ``{key of params: array}``)
    """
    Q, K, V, A, N, L = layer._cached()
    t = layer.tangent_pass_2d(xp, X, dX, dparams)
    d, T = layer.d_model, xp.matrix_transpose
    dY2 = xp.reshape(dY, (N * L, d))
    ddY2 = xp.zeros_like(dY2) if ddY is None else xp.reshape(ddY, (N * L, d))
    gO2 = layer.o.curvature().apply_transpose_3d(xp, dY2[None, ...])[0, ...]
    RgO2, grads_o = linear_rop_backward(xp, layer.o, t["O2"], t["dO2"], dY2, ddY2,
                                        sub_tangents(dparams, "o"))
    gO, RgO = layer._heads(xp, gO2, N, L), layer._heads(xp, RgO2, N, L)
    gA = xp.matmul(gO, T(V))
    RgA = xp.matmul(RgO, T(V)) + xp.matmul(gO, T(t["dV"]))
    r = xp.sum(gA * A, axis=-1, keepdims=True)
    Rr = xp.sum(RgA * A + gA * t["dA"], axis=-1, keepdims=True)
    scale = 1.0 / math.sqrt(layer.head_dim)
    gS = A * (gA - r) * scale
    RgS = (t["dA"] * (gA - r) + A * (RgA - Rr)) * scale
    pairs = {"q": (xp.matmul(gS, K), xp.matmul(RgS, K) + xp.matmul(gS, t["dK"])),
             "k": (xp.matmul(T(gS), Q), xp.matmul(T(RgS), Q) + xp.matmul(T(gS), t["dQ"])),
             "v": (xp.matmul(T(A), gO), xp.matmul(T(t["dA"]), gO) + xp.matmul(T(A), RgO))}
    RdX2, grads = None, {f"o.{k}": g for k, g in grads_o.items()}
    for name, (g, Rg) in pairs.items():
        part, sub = linear_rop_backward(xp, getattr(layer, name), t["X2"], t["dX2"],
                                        layer._merge(xp, g, N, L), layer._merge(xp, Rg, N, L),
                                        sub_tangents(dparams, name))
        RdX2 = part if RdX2 is None else RdX2 + part
        grads.update({f"{name}.{k}": v for k, v in sub.items()})
    return xp.reshape(RdX2, (N, L, d)), {key: grads[key] for key in layer.params}


def _pass_at(layer, xp, params: dict, X, dY):
    """``backward_2d(dY)`` after ``forward_2d(X)`` on a copy of ``layer`` holding ``params``
    (the layer's own cache untouched): ``(∂L/∂X, grads)``."""
    twin = copy.copy(layer)
    twin.params, twin.grads, twin._cache = dict(params), {}, None
    twin.forward_2d(xp, X)
    return twin.backward_2d(xp, dY), twin.grads


def conv_rop_backward_2d(layer, xp, X, dY, dX, dparams, ddY):
    """Unchecked R-operator of a convolution's backward (:class:`~cdnotes.layers.Conv1D`,
    :class:`~cdnotes.layers.CDConv1D`): the convolution is bilinear in ``(X, W)`` and its
    weight linear in the parameters, so ``R{∂L/∂X} = convᵀ(ddY; W) + convᵀ(dY; dW)`` and
    ``R{∂L/∂θ} = corr(ddY, X) + corr(dY, dX)``, ``R{∂L/∂b} = Σ ddY`` — each a backward pass
    of a copy of the layer.

    Parameters
    ----------
    layer : Conv1D or CDConv1D; xp : namespace
    X, dY : arrays ``(N, seq_len, c_in)``, ``(N, out_len, c_out)``
    dX : array ``(N, seq_len, c_in)`` or None; ddY : array ``(N, out_len, c_out)`` or None
    dparams : dict (missing: zero)

    Returns
    -------
    (array ``(N, seq_len, c_in)``, dict ``{name: array}`` over ``layer.params``)
    """
    params = dict(layer.params)
    RdX = xp.zeros_like(X)
    Rgrads = {k: xp.zeros_like(p) for k, p in params.items()}
    if ddY is not None:
        RdX, Rgrads = _pass_at(layer, xp, params, X, ddY)
    if dX is not None:
        grads = _pass_at(layer, xp, params, dX, dY)[1]
        Rgrads = {k: g if k == "b" else g + grads[k] for k, g in Rgrads.items()}
    weights = {k: v for k, v in dparams.items() if k != "b"}
    if weights:
        tangent = {k: weights.get(k, xp.zeros_like(p)) for k, p in params.items()}
        RdX = RdX + _pass_at(layer, xp, tangent, X, dY)[0]
    return RdX, Rgrads


def feedforward_rop_backward_2d(layer, xp, X, dY, dX, dparams, ddY):
    """Unchecked R-operator of :meth:`FeedForward.backward
    <cdnotes.layers.FeedForward.backward>`: ``Z₁ = linear1(X)``, ``H = 1[Z₁ > 0] ⊙ Z₁``,
    ``Y = linear2(H)``; ReLU is piecewise linear, so (off its kinks) ``R{gZ₁} = 1[Z₁ > 0] ⊙
    R{gH}`` and the two linear layers' parts come from :func:`linear_rop_backward` with the
    forward tangents ``Ḣ``, ``Ẋ``.

    Parameters
    ----------
    layer : FeedForward; xp : namespace
    X, dY : arrays ``(N, L, d_model)``; dX, ddY : arrays ``(N, L, d_model)`` or None
    dparams : dict with the layer's ``params`` keys (missing: zero)

    Returns
    -------
    (array ``(N, L, d_model)``, dict ``{key of params: array}``)
    """
    t = layer.tangent_pass_2d(xp, X, dX, dparams)
    N, L, d = X.shape
    dY2 = xp.reshape(dY, (N * L, d))
    ddY2 = xp.zeros_like(dY2) if ddY is None else xp.reshape(ddY, (N * L, d))
    gH = layer.linear2.curvature().apply_transpose_3d(xp, dY2[None, ...])[0, ...]
    RgH, grads2 = linear_rop_backward(xp, layer.linear2, t["H"], t["dH"], dY2, ddY2,
                                      sub_tangents(dparams, "linear2"))
    RdX2, grads1 = linear_rop_backward(xp, layer.linear1, t["X2"], t["dX2"], gH * t["mask"],
                                       RgH * t["mask"], sub_tangents(dparams, "linear1"))
    grads = {f"linear1.{k}": g for k, g in grads1.items()}
    grads.update({f"linear2.{k}": g for k, g in grads2.items()})
    return xp.reshape(RdX2, (N, L, d)), {key: grads[key] for key in layer.params}
