"""Explicit loss Hessians of one linear layer, for checking (paper Theorem 1, SPEC §3).

Loss ``L = ½ Σ_n ‖y_n − t_n‖²`` with ``y_n = W x_n + b``. The model is linear in the
weights, so the Hessian with respect to them is exactly ``JᵀJ`` (``J`` the Jacobian of
all outputs with respect to the weights) and depends on neither the weights nor the
targets — only on the inputs ``X`` of shape ``(N, n_in)``.

* :func:`cdlinear_jacobian`, :func:`cdlinear_hessian` — CDLinear (``W = block_circulant(C)``,
  parameters ordered as ``C.ravel()``, i.e. ``(i, j, m)``, ``P = n_in·n_out/B``);
* :func:`dense_hessian` — a dense layer (parameters ``W.ravel()``, ``P = n_in·n_out``).

These materialise ``(P, P)`` matrices: the slow, obvious reference that the closed forms
of :mod:`cdnotes.layer_hessian.eigenvalues` are tested against.
"""
from __future__ import annotations

from ..backend import device_of
from ..operators.circulant import circulant_index
from .inputs import check_layer_inputs as _check

__all__ = ["cdlinear_jacobian", "cdlinear_hessian", "dense_hessian"]


def _block_jacobian(xp, X, B):
    """Jacobian of one output block w.r.t. its own coefficients: ``(N·B, Ki·B)``.

    ``G[(n, k), (j, m)] = ∂y_i[k] / ∂C[i, j, m] = X[n, j·B + (k − m) mod B]`` — the
    same for every output block ``i``.
    """
    N, n_in = X.shape
    Ki = n_in // B
    idx = xp.reshape(circulant_index(xp, B, device_of(X)), (B * B,))         # (k, m) -> (k-m)%B
    G = xp.reshape(xp.take(xp.reshape(X, (N, Ki, B)), idx, axis=2), (N, Ki, B, B))  # n, j, k, m
    return xp.reshape(xp.permute_dims(G, (0, 2, 1, 3)), (N * B, Ki * B))


def cdlinear_jacobian(X, n_out, block_size):
    """Jacobian of all outputs with respect to ``C``, materialised.

    Parameters
    ----------
    X : array ``(N, n_in)``
    n_out, block_size : int

    Returns
    -------
    J : array ``(N·n_out, P)``, ``P = n_in·n_out/B``
        Rows ordered ``(n, i, k)`` (sample, then output index ``i·B + k``), columns
        ``C.ravel()``. Memory ``N·n_out·P`` floats: for small problems (checking).
    """
    xp, n_in, n_out, B = _check(X, n_out, block_size)
    Ko, Ki, N = n_out // B, n_in // B, X.shape[0]
    G = xp.reshape(_block_jacobian(xp, X, B), (N, 1, B, 1, Ki * B))
    eye = xp.reshape(xp.eye(Ko, dtype=X.dtype, device=device_of(X)), (1, Ko, 1, Ko, 1))
    return xp.reshape(G * eye, (N * n_out, Ko * Ki * B))


def cdlinear_hessian(X, n_out, block_size):
    """Explicit Hessian ``JᵀJ`` of ``½ Σ‖y − t‖²`` with respect to ``C`` (bias excluded).

    Built from the Jacobian: row block ``i`` of ``J`` (the outputs ``y_i``) is
    non-zero only in the columns of ``C[i]``, where it equals the block Jacobian
    ``G`` (``(N·B, Ki·B)``), so ``JᵀJ`` is assembled from the exact products
    ``GᵀG`` without multiplying the structural zeros. (The tests compare it with the
    fully dense ``cdlinear_jacobian(X)ᵀ @ cdlinear_jacobian(X)`` and with finite
    differences of the layer's gradient.)

    Parameters
    ----------
    X : array ``(N, n_in)``, real floating, finite, any backend
    n_out : int
    block_size : int
        ``B``, dividing ``n_in`` and ``n_out``.

    Returns
    -------
    H : array ``(P, P)``, ``P = n_in·n_out/B``, parameters ordered as ``C.ravel()``.
    """
    xp, n_in, n_out, B = _check(X, n_out, block_size)
    Ko, P_in = n_out // B, n_in
    G = _block_jacobian(xp, X, B)
    H_in = xp.matmul(xp.matrix_transpose(G), G)                                  # (Ki·B, Ki·B)
    eye = xp.reshape(xp.eye(Ko, dtype=X.dtype, device=device_of(X)), (Ko, 1, Ko, 1))
    return xp.reshape(eye * xp.reshape(H_in, (1, P_in, 1, P_in)), (Ko * P_in, Ko * P_in))


def dense_hessian(X, n_out):
    """Explicit Hessian of ``½ Σ‖y − t‖²`` for a dense layer, parameters ``W.ravel()``.

    Row ``o`` of ``W`` feeds only output ``o``, whose Jacobian is ``X``: so
    ``H = I_{n_out} ⊗ XᵀX``.

    Parameters
    ----------
    X : array ``(N, n_in)``; n_out : int

    Returns
    -------
    H : array ``(n_out·n_in, n_out·n_in)``
    """
    xp, n_in, n_out, _ = _check(X, n_out, 1)
    H_in = xp.matmul(xp.matrix_transpose(X), X)
    eye = xp.reshape(xp.eye(n_out, dtype=X.dtype, device=device_of(X)), (n_out, 1, n_out, 1))
    return xp.reshape(eye * xp.reshape(H_in, (1, n_in, 1, n_in)), (n_out * n_in, n_out * n_in))
