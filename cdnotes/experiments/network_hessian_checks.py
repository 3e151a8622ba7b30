"""Checks of the whole network's Hessian (chapter 8): exact products against finite
differences, and the near-null directions explained.

* :func:`finite_difference_check` — exact Hessian-vector products against central
  differences of the gradient, with a step that crosses no ReLU kink;
* :func:`near_null_directions` — eigenvalues below a cutoff beyond the exact null
  directions, each traced to the parameter carrying its eigenvector.
"""
from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..curvature import loss_and_gradient, network_hessian, null_directions
from ..curvature.products import blas_limit
from ..validation import check_int

__all__ = ["finite_difference_check", "near_null_directions"]


def _relu_pattern(model, X):
    """Signs of every ReLU's input, one boolean array per ReLU (host)."""
    from ..curvature import layer_inputs
    from ..layers.activations import ReLU

    return [np.asarray(to_numpy(H)) > 0 for layer, H in layer_inputs(model, X)
            if isinstance(layer, ReLU)]


def finite_difference_check(model, X, y, *, n_directions=3, eps=1e-6, seed=0) -> dict:
    """Exact Hessian-vector products against central differences of the gradient.

    For random unit directions ``v``: ``(∇L(θ + εv) − ∇L(θ − εv)) / 2ε`` against
    :func:`~cdnotes.curvature.hessian_vector_product`. A ReLU network's gradient jumps where
    a unit changes sign, so ``ε`` is halved (at most 30 times) until no ReLU input on ``X``
    changes sign between ``θ − εv`` and ``θ + εv``. The model's parameters are restored.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP` (NumPy, float64)
    X : array ``(N, n_in)``; y : integer array ``(N,)``
    n_directions : int >= 1
    eps : float > 0, the first step tried
    seed : int >= 0, seeds the directions

    Returns
    -------
    dict: ``relative_error`` (per direction, ``‖HVP − FD‖ / ‖HVP‖``), ``eps`` (the step used
    per direction)
    """
    from ..curvature import flat_params, hessian_vector_product, set_flat_params
    from ..validation import check_real

    n_directions = check_int(n_directions, "n_directions", minimum=1)
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    theta = flat_params(model)
    base = _relu_pattern(model, X)
    out = {"relative_error": [], "eps": []}
    try:
        for _ in range(n_directions):
            v = rng.standard_normal(theta.shape)
            v /= np.linalg.norm(v)
            step = eps
            for _ in range(30):
                same = True
                for sign in (1.0, -1.0):
                    set_flat_params(model, theta + sign * step * v)
                    same &= all(np.array_equal(a, b) for a, b in zip(_relu_pattern(model, X), base))
                if same:
                    break
                step /= 2
            set_flat_params(model, theta + step * v)
            g_plus = loss_and_gradient(model, X, y)[1]
            set_flat_params(model, theta - step * v)
            g_minus = loss_and_gradient(model, X, y)[1]
            set_flat_params(model, theta)
            hv = np.asarray(to_numpy(hessian_vector_product(model, X, y, v)))
            fd = (g_plus - g_minus) / (2 * step)
            out["relative_error"].append(float(np.linalg.norm(hv - fd) / np.linalg.norm(hv)))
            out["eps"].append(float(step))
    finally:
        set_flat_params(model, theta)
    return out


def near_null_directions(model, X, y, *, cutoff=1e-12, blas_threads=1) -> dict:
    """Eigenvalues of ``H`` below ``cutoff·max|λ|`` beyond the exact null directions, explained.

    The exact null directions (:func:`~cdnotes.curvature.null_directions`) account for some
    of the smallest eigenvalues; any others at or below the cutoff are *near*-null. For each,
    the parameter carrying most of its eigenvector, and how often what that parameter touches
    is active on ``X``: for a bias, its unit (samples where the unit's ReLU output is
    non-zero; all samples for the output layer); for a weight, the least active of the
    inputs it reads; with the smallest top softmax probability over those samples (how
    confidently they are classified: the loss's curvature there is about ``p(1 − p)``).

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP` (NumPy, float64)
    X : array ``(N, n_in)``; y : integer array ``(N,)``
    cutoff : float in (0, 1)
    blas_threads : int >= 1 or None

    Returns
    -------
    dict: ``n_exact`` (exact null directions of ``H``), ``n_near``, ``cutoff``,
    ``directions`` (one dict per near-null eigenvalue, smallest first: ``relative_eigenvalue``
    (``|λ| / max|λ|``), ``layer`` (index in ``model.linear_layers``), ``param`` (its name),
    ``index`` (in ``θ``), ``share`` (that parameter's share of the unit eigenvector),
    ``active`` (samples), ``confidence`` (``None`` when ``active`` is 0))
    """
    from ..curvature import layer_inputs, param_slices, softmax_outputs
    from ..validation import check_rtol

    cutoff = check_rtol(cutoff, "cutoff")
    with blas_limit(np, blas_threads):
        H = network_hessian(model, X, y, blas_threads=blas_threads)
        w, V = np.linalg.eigh(H)
        nulls = null_directions(model, X)
        _, p = softmax_outputs(model, X)
    confidence = p.max(axis=1)
    mag = np.abs(w)
    order = np.argsort(mag, kind="stable")
    near = [int(k) for k in order[nulls.hessian:] if mag[k] <= cutoff * mag.max()]
    linear = model.linear_layers
    ids = [id(layer) for layer in linear]
    inputs = {id(layer): np.asarray(to_numpy(H_in)) != 0 for layer, H_in in layer_inputs(model, X)
              if id(layer) in ids}
    slices = param_slices(model)
    out = []
    for k in near:
        v = V[:, k]
        j = int(np.argmax(v * v))
        l, name, start, _, _ = next(s for s in slices if s[2] <= j < s[3])
        layer = linear[l]
        if name == "b":
            unit = j - start
            on = (inputs[ids[l + 1]][:, unit] if l + 1 < len(linear)
                  else np.ones(X.shape[0], bool))
        else:
            J = np.asarray(to_numpy(layer.weight_jacobian()))
            reads = np.unique(np.flatnonzero(J[:, j - start]) % layer.n_in)
            counts = inputs[id(layer)][:, reads].sum(axis=0)
            on = inputs[id(layer)][:, reads[int(np.argmin(counts))]]
        out.append({"relative_eigenvalue": float(mag[k] / mag.max()), "layer": l, "param": name,
                    "index": j, "share": float(v[j] ** 2), "active": int(on.sum()),
                    "confidence": float(confidence[on].min()) if on.any() else None})
    return {"n_exact": nulls.hessian, "n_near": len(near), "cutoff": cutoff, "directions": out}
