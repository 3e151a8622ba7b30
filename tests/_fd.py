"""Finite-difference checks of gradients and Hessian-vector products, written once for every
test module (they were written three times before issue 18).

``central_difference`` is ``(f(θ + εv) − f(θ − εv)) / 2ε`` of the loss or of its gradient, after
checking that no ReLU changed its sign between the two points (a kink crossed would make the
difference meaningless); ``check_hvp_by_central_differences`` compares each column of ``H V``
with it.
"""
from __future__ import annotations

import numpy as np

from cdnotes import ReLU
from cdnotes.curvature import CurvatureProducts, flat_params, loss_and_gradient, set_flat_params


def relative(a, b) -> float:
    """``max |a − b| / max |b|``."""
    return float(np.abs(np.asarray(a) - np.asarray(b)).max() / np.abs(np.asarray(b)).max())


def relu_masks(model, X) -> list:
    """Signs of every ReLU's input (to check a finite difference crosses no kink)."""
    import array_api_compat.numpy as xp
    out, H = [], X
    for layer in model.layers:
        if isinstance(layer, ReLU):
            out.append(H > 0)
        H = layer.forward_2d(xp, H)
    return out


def kink_safe_step(model, X, y, v, largest) -> float:
    """A finite-difference step along ``v`` that stays a tenth of the way to the nearest ReLU
    kink (first order: pre-activation z over its directional derivative), at most ``largest``."""
    from cdnotes.curvature.params import unflatten
    import array_api_compat.numpy as xp
    ops = CurvatureProducts(model, X, y)
    inputs, _ = ops._pass.forward_tangents(unflatten(xp, model, v[:, None]))
    distance = np.inf
    for step, T in zip(ops._pass.steps, inputs):
        if isinstance(step.layer, ReLU) and T is not None:
            moving = T[0] != 0
            distance = min(distance, float(np.min(np.abs(step.X[moving] / T[0][moving]))))
    return min(largest, 0.1 * distance)


def central_difference(model, X, y, v, *, loss, step, off_kinks=True, of="gradient"):
    """``(f(θ + εv) − f(θ − εv)) / 2ε`` of the loss (``of="loss"``) or its gradient, at the
    model's parameters θ (restored after), asserting that no ReLU changed sign in between.

    Parameters
    ----------
    model : MLP, X : (N, n_in), y : (N,) labels
    v : (P,) direction
    loss : str
    step : float
        The step ε (with ``off_kinks``, the largest step: :func:`kink_safe_step`).
    off_kinks : bool, default True
        Shorten the step so it stays off every ReLU kink; ``False``: ``step`` as given.
    of : {"gradient", "loss"}
    """
    index = {"loss": 0, "gradient": 1}[of]
    theta = flat_params(model)
    eps = kink_safe_step(model, X, y, v, step) if off_kinks else step
    try:
        set_flat_params(model, theta + eps * v)
        up, masks_up = loss_and_gradient(model, X, y, loss)[index], relu_masks(model, X)
        set_flat_params(model, theta - eps * v)
        down, masks_down = loss_and_gradient(model, X, y, loss)[index], relu_masks(model, X)
    finally:
        set_flat_params(model, theta)
    assert all(np.array_equal(a, b) for a, b in zip(masks_up, masks_down)), "kink crossed"
    return (up - down) / (2 * eps)


def check_hvp_by_central_differences(model, X, y, V, HV, *, loss, step, off_kinks=True,
                                     tolerance=1e-6):
    """Assert that every column of ``HV`` (= H V at the model's parameters) matches the central
    difference of the gradient along that column of ``V`` (:func:`central_difference`).

    Parameters
    ----------
    model, X, y, loss, step, off_kinks
        As for :func:`central_difference`.
    V, HV : (P, k) directions and their Hessian-vector products
    tolerance : float
        On :func:`relative` of the product and the difference.
    """
    for k in range(V.shape[1]):
        fd = central_difference(model, X, y, V[:, k], loss=loss, step=step, off_kinks=off_kinks)
        assert relative(HV[:, k], fd) < tolerance
