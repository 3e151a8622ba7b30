"""Analyses of trained spectral-training models: Wasserstein-1 distances of retracted
weights (:func:`weight_distances`), the convex optimum of a perceptron's loss
(:func:`convex_optimum`) and the set of models tied with the best (:func:`best_set`)."""
from __future__ import annotations

import numpy as np

__all__ = ["weight_distances", "convex_optimum", "best_set"]


def _w1(a, b):
    from scipy.stats import wasserstein_distance

    return float(wasserstein_distance(np.ravel(a), np.ravel(b)))


def weight_distances(records, weights):
    """Wasserstein-1 distances of each linear model's retracted weights to the unconstrained ones.

    For each record of a linear model, the distance between the distribution of its
    retracted weights and that of the unconstrained model of the same dataset,
    architecture, widths, bias and seed — raw (``w1``) and after dividing each set by
    its standard deviation (``w1_standardized``: the shape of the distribution alone);
    and, as the scale of seed-to-seed variation, the distance between unconstrained
    models of consecutive seeds. Updates the records in place.

    Parameters
    ----------
    records : list of dict; weights : list of arrays or None (parallel)

    Returns
    -------
    list of dict
        One per (dataset, architecture, widths, bias, consecutive seed pair):
        ``unconstrained_w1`` between two unconstrained models.
    """
    def key(r):
        return (r.get("input_eigenvalues", "fixed"), r["dataset"], r["architecture"],
                tuple(r["hidden"]), r["bias"])

    reference = {}
    for r, W in zip(records, weights):
        if W is not None and r["regime"] == "unconstrained":
            reference[key(r) + (r["seed"],)] = W
    for r, W in zip(records, weights):
        ref = reference.get(key(r) + (r["seed"],))
        if W is None or ref is None:
            continue
        r["w1"] = _w1(W, ref)
        r["w1_standardized"] = _w1(W / W.std(), ref / ref.std())
        r["weight_std"] = float(W.std())
    floor = []
    groups = {}
    for k, W in reference.items():
        groups.setdefault(k[:-1], []).append((k[-1], W))
    for k, items in groups.items():
        items.sort(key=lambda t: t[0])
        for (s1, A), (s2, B) in zip(items[:-1], items[1:]):
            floor.append({"input_eigenvalues": k[0], "dataset": k[1], "architecture": k[2],
                          "hidden": list(k[3]), "bias": k[4], "seeds": [s1, s2],
                          "unconstrained_w1": _w1(A, B),
                          "unconstrained_w1_standardized": _w1(A / A.std(), B / B.std())})
    return floor


def convex_optimum(model, X, y, *, tol: float = 1e-7, max_iter: int = 2000):
    """Minimise the mean cross-entropy of a model whose logits are affine in its parameters.

    For such a model (CDLinear, a dense or a constrained perceptron) the loss is convex: the
    result is the global minimum over the model class, the best any learning rate or number
    of epochs could reach on the training loss. The logits are written once as
    ``c + A θ`` (``c`` the logits at ``θ = 0``, column ``j`` of ``A`` from ``θ = e_j``;
    ``ValueError`` if the model's logits at its current ``θ`` are not ``c + A θ``), then
    L-BFGS minimises the multinomial log-loss in NumPy. The model is left at the optimum.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
    X, y : training data
    tol : float
        Gradient tolerance (``gtol``) of ``scipy.optimize.minimize``.
    max_iter : int

    Returns
    -------
    dict
        ``loss`` (the minimum), ``gradient_norm`` (max abs entry of the model's own
        gradient there, :func:`cdnotes.curvature.loss_and_gradient`), ``iterations``,
        ``converged``.
    """
    from scipy.optimize import minimize
    from scipy.special import logsumexp

    from ...curvature import flat_params, loss_and_gradient, set_flat_params

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    theta0 = np.asarray(flat_params(model), dtype=np.float64)
    P = theta0.size
    if len(model.layers) != 1:
        raise ValueError("convex_optimum takes a model of one linear layer (a perceptron)")
    layer, K = model.layers[0], model.n_classes

    def weights(theta):
        set_flat_params(model, theta)
        W = np.asarray(layer.to_dense(), dtype=np.float64)[:K]
        b = (np.asarray(layer.params["b"], dtype=np.float64)[:K] if "b" in layer.params
             else np.zeros(K))
        return W, b

    W0, b0 = weights(np.zeros(P))
    dW, db = np.empty((P, K, X.shape[1])), np.empty((P, K))
    for j in range(P):
        e = np.zeros(P)
        e[j] = 1.0
        W, b = weights(e)
        dW[j], db[j] = W - W0, b - b0
    c = X @ W0.T + b0                                         # (N, K) at θ = 0
    A = (np.einsum("nd,pkd->nkp", X, dW) + db.T[None]).reshape(-1, P)      # (N·K, P)
    set_flat_params(model, theta0)
    direct = np.asarray(model.forward(X), dtype=np.float64)
    if not np.allclose(c.ravel() + A @ theta0, direct.ravel(), rtol=1e-9,
                       atol=1e-9 * max(1.0, float(np.abs(direct).max()))):
        raise ValueError("the model's logits are not affine in its parameters")
    N, K = c.shape
    rows = np.arange(N)

    def fun(theta):
        Z = (c.ravel() + A @ theta).reshape(N, K)
        lse = logsumexp(Z, axis=1)
        loss = float(np.mean(lse - Z[rows, y]))
        G = np.exp(Z - lse[:, None])
        G[rows, y] -= 1.0
        return loss, A.T @ (G.ravel() / N)

    result = minimize(fun, theta0, jac=True, method="L-BFGS-B",
                      options={"gtol": tol, "ftol": 1e-15, "maxiter": max_iter,
                               "maxcor": 30})
    set_flat_params(model, result.x)
    _, grad = loss_and_gradient(model, X, y)
    return {"loss": float(result.fun), "gradient_norm": float(np.abs(np.asarray(grad)).max()),
            "iterations": int(result.nit), "converged": bool(result.success)}


def best_set(groups, level: float = 0.95):
    """The names whose accuracy is not significantly below the highest mean's (Welch, ties).

    Parameters
    ----------
    groups : dict ``{name: sequence of per-seed values}`` (at least two values each)
    level : float

    Returns
    -------
    list of str
        The name with the highest mean first, then every name whose Welch interval of
        ``top − it`` contains 0 (a tie), in the order of ``groups``.
    """
    from ...stats import welch_difference_ci

    if not groups:
        raise ValueError("groups must name at least one model")
    top = max(groups, key=lambda k: float(np.mean(groups[k])))
    out = [top]
    for name, values in groups.items():
        if name != top and welch_difference_ci(groups[top], values, level).low <= 0:
            out.append(name)
    return out
