"""Central finite differences: the slow, obvious reference for every backward pass.

``gradcheck(layer, X)`` compares a layer's analytic gradients (from
``backward``) with central differences of the scalar probe loss

    L = Σ R ⊙ layer.forward(X),     R ~ N(0, 1) fixed by ``seed``,

whose gradient with respect to the output is exactly ``R``. Every entry of every
parameter and of ``X`` is perturbed (or a random subset of ``max_entries``).
Errors are norm-wise relative errors ``‖g_analytic − g_numeric‖ / max(‖g_analytic‖, ‖g_numeric‖)``.

For a layer that is linear in the perturbed quantity (``CDLinear`` in ``C``
and ``X``) central differences are exact up to rounding, so in float64 the
error is a few ``1e-10`` at ``eps = 1e-6``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .backend import device_of, namespace_of, to_numpy
from .validation import check_array, check_input, check_int, check_real, check_seed

__all__ = ["GradcheckResult", "gradcheck", "numerical_gradient", "relative_error"]


def relative_error(a, b) -> float:
    """``‖a − b‖ / max(‖a‖, ‖b‖)`` (0 when both are zero); host arrays of equal shape, finite.

    Parameters
    ----------
    a, b : array-like of equal shape, finite
        Compared in float64; norms are Frobenius norms of the flattened arrays.

    Returns
    -------
    float
        In ``[0, 2]``.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape (no broadcasting); got {a.shape} "
                         f"and {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("a and b must be finite (a NaN would make the error NaN, which passes "
                         "no check and fails none)")
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def numerical_gradient(f, x: np.ndarray, *, eps: float = 1e-6, indices=None) -> np.ndarray:
    """Central-difference gradient of a scalar function of a float64 host array.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    x : numpy.ndarray, any shape, float64
        Point of evaluation; left unchanged.
    eps : float
        Step.
    indices : iterable of flat indices, optional
        Entries to differentiate (others are returned as NaN). Default: all.

    Returns
    -------
    numpy.ndarray, shape of ``x``
        ``(f(x + eps·e_k) − f(x − eps·e_k)) / (2 eps)``.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable f(x) -> float; got {type(f).__name__}")
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    x = np.array(x, dtype=np.float64)
    flat = x.reshape(-1)
    grad = np.full(flat.shape, np.nan)
    if indices is not None:
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu" or indices.ndim != 1:
            raise TypeError(f"indices must be a 1-d sequence of integer flat indices; got "
                            f"dtype {indices.dtype}, shape {indices.shape}")
        if indices.size and (indices.min() < 0 or indices.max() >= flat.size):
            raise ValueError(f"indices must be in [0, {flat.size}) (x has {flat.size} entries); "
                             f"got values in [{indices.min()}, {indices.max()}]")
    for k in (range(flat.size) if indices is None else indices):
        orig = flat[k]
        flat[k] = orig + eps
        up = f(x)
        flat[k] = orig - eps
        down = f(x)
        flat[k] = orig
        grad[k] = (up - down) / (2 * eps)
    return grad.reshape(x.shape)


@dataclass
class GradcheckResult:
    """Relative errors per checked quantity (parameter names, and ``"X"``).

    Attributes
    ----------
    errors : dict
        ``{name: relative error}`` (:func:`relative_error`) of each parameter and of ``"X"``.
    entries : dict
        ``{name: number of entries checked}``.
    max_error : float
        The largest of ``errors`` (property).
    """

    errors: dict = field(default_factory=dict)
    entries: dict = field(default_factory=dict)

    @property
    def max_error(self) -> float:
        return max(self.errors.values())

    def passed(self, tol: float = 1e-7) -> bool:
        return self.max_error < tol

    def __repr__(self):
        parts = ", ".join(f"{k}: {v:.2e} ({self.entries[k]} entries)" for k, v in self.errors.items())
        return f"GradcheckResult({parts})"


def gradcheck(layer, X, *, seed: int = 0, eps: float = 1e-6, max_entries: int | None = None):
    """Check ``layer.backward`` against central finite differences.

    Parameters
    ----------
    layer : a cdnotes layer (``forward``, ``backward``, ``params``, ``grads``), float64
        Must be deterministic: a layer whose two forward passes on ``X`` differ (dropout
        in training mode) is refused; call ``.eval()`` on it first.
    X : array, shape ``(..., n_in)``, float64, any supported backend.
    seed : int >= 0
        Seeds the probe ``R`` and the choice of entries.
    eps : float > 0
        Finite-difference step.
    max_entries : int >= 1, optional
        Check at most this many randomly chosen entries per quantity.

    Returns
    -------
    GradcheckResult

    Raises
    ------
    TypeError
        ``X`` or the layer's parameters are not float64 (finite differences in float32
        carry errors near 1e-2 that look like a wrong gradient): move the layer with
        ``layer.to(dtype="float64")``; or ``layer`` is not a layer.
    ValueError
        A bad ``eps``/``max_entries``/``seed``, or a layer that is not deterministic.
    """
    if not all(hasattr(layer, attr) for attr in ("forward", "backward", "params", "grads")):
        raise TypeError(f"layer must be a cdnotes layer (forward, backward, params, grads); got "
                        f"{type(layer).__name__}")
    check_array(X, "X")
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    if max_entries is not None:
        max_entries = check_int(max_entries, "max_entries", minimum=1)
    check_seed(seed)
    xp = namespace_of(X)
    if X.dtype != xp.float64:
        raise TypeError(f"gradcheck needs float64 inputs; X is {X.dtype} (finite differences in "
                        "float32 are too coarse to check anything). Cast X to float64 and move "
                        'the layer with layer.to(dtype="float64")')
    low = [name for name, p in layer.params.items() if p.dtype != xp.float64]
    if low:
        raise TypeError(f"gradcheck needs a float64 layer; parameter(s) {', '.join(low)} are "
                        f"{layer.params[low[0]].dtype} (finite differences in float32 report "
                        'errors near 1e-2 for a correct gradient). Move the layer with '
                        'layer.to(dtype="float64") first')
    if getattr(layer, "n_in", None) is not None:
        check_input(xp, X, layer.n_in)
    rng = np.random.default_rng(seed)
    Y = layer.forward(X)
    if not bool(xp.all(layer.forward(X) == Y)):
        raise ValueError(f"layer {layer!r} is not deterministic: two forward passes on X differ "
                         "(dropout in training mode?). Call layer.eval() before gradcheck")
    R = xp.asarray(rng.standard_normal(tuple(Y.shape)), dtype=xp.float64, device=device_of(Y))
    dX = layer.backward(R)
    analytic = {name: to_numpy(g) for name, g in layer.grads.items()}
    analytic["X"] = to_numpy(dX)

    originals = dict(layer.params)
    result = GradcheckResult()
    try:
        for name in list(analytic):
            current = to_numpy(X if name == "X" else originals[name])
            like = X if name == "X" else originals[name]

            def loss(value, name=name, like=like):
                v = xp.asarray(value, dtype=like.dtype, device=device_of(like))
                if name == "X":
                    return float(xp.sum(R * layer.forward(v)))
                layer.params[name] = v
                return float(xp.sum(R * layer.forward(X)))

            n = current.size
            idx = None if max_entries is None or n <= max_entries else \
                rng.choice(n, size=max_entries, replace=False)
            numeric = numerical_gradient(loss, current, eps=eps, indices=idx)
            layer.params.update(originals)
            a = analytic[name].reshape(-1)
            m = numeric.reshape(-1)
            keep = slice(None) if idx is None else idx
            result.errors[name] = relative_error(a[keep], m[keep])
            result.entries[name] = n if idx is None else len(idx)
    finally:
        layer.params.update(originals)
        layer.forward(X)
    return result
