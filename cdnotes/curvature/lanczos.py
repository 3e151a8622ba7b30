"""Spectra from matrix-vector products: Lanczos and stochastic Lanczos quadrature.

For a symmetric ``P × P`` matrix ``H`` known only through ``matvec(v) = H v`` (for a
network, ``CurvatureProducts(model, X, y).matvec()``):

* :func:`lanczos` — ``n_steps`` Lanczos steps with full reorthogonalisation; the Ritz
  values (eigenvalues of the tridiagonal matrix) interlace the spectrum and the extreme
  ones converge first to ``λ_max`` and ``λ_min``;
* :func:`spectral_density` — stochastic Lanczos quadrature (SLQ; Ghorbani, Krishnan &
  Xiao 2019, as in PyHessian): for each of ``n_vectors`` Rademacher probes ``v``
  (normalised), the Ritz values are quadrature nodes and the squared first components of
  the tridiagonal matrix's eigenvectors their weights: ``Σ_i w_i f(θ_i) ≈ vᵀ f(H) v``, whose
  mean over probes estimates ``(1/P) tr f(H) = ∫ f dμ`` for the spectral measure ``μ``.
  Nodes and weights are concatenated over probes, the weights divided by ``n_vectors``
  (they sum to 1);
* :func:`smooth_density` — that discrete measure convolved with a Gaussian on a grid, for
  plots.

Host NumPy, float64 (complex128 Lanczos vectors for a complex Hermitian ``H``), seeded
(``numpy.random.default_rng(seed)``).
"""
from __future__ import annotations

import numpy as np
import scipy.linalg

from ..backend import to_numpy
from ..validation import check_host_vector, check_int, check_real, check_seed

__all__ = ["lanczos", "spectral_density", "smooth_density"]


def _check_matvec(matvec):
    if not callable(matvec):
        raise TypeError(f"matvec must be a function v (P,) -> H v (P,); got "
                        f"{type(matvec).__name__}")
    return matvec


def _apply(matvec, v, P):
    """``matvec(v)`` as a host vector: float64, or complex128 when the product is complex."""
    w = matvec(v)
    w = np.asarray(to_numpy(w) if hasattr(w, "__array_namespace__") else w)
    if w.dtype.kind not in "biufc":
        raise TypeError(f"matvec must return numbers, an array of shape ({P},); got dtype "
                        f"{w.dtype}")
    w = w.astype(np.complex128 if w.dtype.kind == "c" else np.float64, copy=False)
    if w.shape != (P,):
        raise ValueError(f"matvec must return an array of shape ({P},); got {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("matvec returned NaN or inf")
    return w


def _tridiagonal(matvec, v, n_steps):
    """Lanczos with full reorthogonalisation from the unit vector ``v``.

    Returns ``alpha`` ``(k,)`` and ``beta`` ``(k−1,)`` of the ``k <= n_steps`` steps done:
    it stops early when the Krylov space is invariant (``β`` below ``1e-12·‖H‖`` est.).
    A complex product switches to complex Lanczos vectors (Hermitian ``H``: ``α = vᴴ H v``
    is real, the tridiagonal matrix real symmetric); an ``α`` with an imaginary part above
    ``1e-8·‖H‖`` (est.) means ``H`` is not Hermitian and is refused.
    """
    P = v.shape[0]
    Q = np.empty((min(n_steps, P), P))
    alpha, beta = [], []
    scale = 0.0
    for k in range(Q.shape[0]):
        Q[k] = v
        w = _apply(matvec, v, P)
        if w.dtype.kind == "c" and Q.dtype.kind != "c":
            Q = Q.astype(np.complex128)
        if Q.dtype.kind == "c":
            a_complex = np.vdot(v, w)
            b_est = float(np.linalg.norm(w))
            if abs(a_complex.imag) > 1e-8 * max(scale, abs(a_complex.real), b_est):
                raise ValueError(f"matvec is not Hermitian: vᴴ H v = {a_complex:.6g} has an "
                                 "imaginary part; lanczos needs a real symmetric or complex "
                                 "Hermitian H")
            a = float(a_complex.real)
        else:
            a = float(v @ w)
        alpha.append(a)
        # Full reorthogonalisation, twice ("twice is enough"): w ⟂ every earlier vector.
        for _ in range(2):
            if Q.dtype.kind == "c":
                w = w - Q[:k + 1].T @ (Q[:k + 1].conj() @ w)
            else:
                w -= Q[:k + 1].T @ (Q[:k + 1] @ w)
        b = float(np.linalg.norm(w))
        scale = max(scale, abs(a), b)
        if k + 1 == Q.shape[0] or b <= 1e-12 * scale:
            break
        beta.append(b)
        v = w / b
    return np.array(alpha), np.array(beta)


def _checked_steps(P, n_steps):
    P = check_int(P, "P", minimum=1)
    return P, check_int(n_steps, "n_steps", minimum=1)


def lanczos(matvec, P, *, n_steps, seed=0):
    """Ritz values of ``n_steps`` Lanczos steps with full reorthogonalisation.

    Parameters
    ----------
    matvec : callable ``(P,) -> (P,)``
        ``v ↦ H v`` for a real symmetric ``H`` (NumPy float64 in; any backend out), or a
        complex Hermitian ``H`` (complex128 in after the first product; the Ritz values are
        real). A complex product of a non-Hermitian ``H`` is refused (``ValueError``).
    P : int
        The dimension.
    n_steps : int >= 1
        Steps (at most ``P`` are done; fewer if the Krylov space becomes invariant).
    seed : int
        Seeds the start vector (standard normal, normalised).

    Returns
    -------
    numpy array ``(k,)``, ascending, ``k <= n_steps``: the Ritz values. The largest and
    smallest converge to ``λ_max`` and ``λ_min`` of ``H``.
    """
    P, n_steps = _checked_steps(P, n_steps)
    _check_matvec(matvec)
    check_seed(seed)
    v = np.random.default_rng(seed).standard_normal(P)
    alpha, beta = _tridiagonal(matvec, v / np.linalg.norm(v), n_steps)
    if beta.size == 0:
        return alpha
    return scipy.linalg.eigh_tridiagonal(alpha, beta, eigvals_only=True)


def spectral_density(matvec, P, *, n_vectors, n_steps, seed=0):
    """Stochastic Lanczos quadrature: nodes and weights of the spectral density.

    Parameters
    ----------
    matvec : callable ``(P,) -> (P,)``; P : int
    n_vectors : int >= 1
        Rademacher probe vectors (independent quadratures, averaged).
    n_steps : int >= 1
        Lanczos steps per probe (nodes per probe; fewer when the Krylov space of a probe
        is invariant — then the quadrature is exact for that probe).
    seed : int
        Seeds the probes.

    Returns
    -------
    nodes : numpy array ``(K,)``; weights : numpy array ``(K,)``, ``≥ 0``, summing to 1.
        ``Σ w_i f(nodes_i)`` estimates ``(1/P) Σ_j f(λ_j)``; ``K ≤ n_vectors·n_steps``.
    """
    P, n_steps = _checked_steps(P, n_steps)
    n_vectors = check_int(n_vectors, "n_vectors", minimum=1)
    _check_matvec(matvec)
    check_seed(seed)
    rng = np.random.default_rng(seed)
    nodes, weights = [], []
    for _ in range(n_vectors):
        v = rng.choice(np.array([-1.0, 1.0]), size=P) / np.sqrt(P)
        alpha, beta = _tridiagonal(matvec, v, n_steps)
        if beta.size == 0:
            theta, first = alpha, np.ones(1)
        else:
            theta, vectors = scipy.linalg.eigh_tridiagonal(alpha, beta)
            first = vectors[0]
        nodes.append(theta)
        weights.append(first ** 2 / n_vectors)
    return np.concatenate(nodes), np.concatenate(weights)


def smooth_density(nodes, weights, grid, sigma):
    """The discrete measure ``Σ w_i δ(x − nodes_i)`` smoothed by a Gaussian kernel.

    Parameters
    ----------
    nodes, weights : array-like ``(K,)`` (e.g. from :func:`spectral_density`)
    grid : array-like ``(G,)``, the points to evaluate at
    sigma : float > 0, the kernel's standard deviation

    Returns
    -------
    numpy array ``(G,)``: ``Σ_i w_i φ_σ(grid − nodes_i)`` with ``φ_σ`` the normal density
    (it integrates to ``Σ w_i`` over the real line).
    """
    nodes = check_host_vector(nodes, "nodes")
    weights = check_host_vector(weights, "weights")
    grid = check_host_vector(grid, "grid")
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    if nodes.shape != weights.shape:
        raise ValueError(f"nodes and weights must have the same length; got {nodes.size} and "
                         f"{weights.size}")
    z = (grid[:, None] - nodes[None, :]) / sigma
    return np.exp(-0.5 * z * z) @ weights / (sigma * np.sqrt(2.0 * np.pi))
