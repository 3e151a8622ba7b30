"""The "rdft" path (real DFT as a matmul) against the slow, obvious twin: the materialised
``to_dense()`` matrix, float64; and against the FFT path's float64 errors."""
from __future__ import annotations

import numpy as np
import pytest

from cdnotes import CDLinear, bc_matmul, bc_matmul_vjp
from cdnotes.operators.rdft import rdft_matrices

SHAPES = [(1, 1, 1), (3, 2, 1), (2, 3, 2), (2, 2, 3), (3, 2, 4), (2, 3, 5), (4, 4, 8),
          (3, 5, 7), (2, 2, 16), (2, 3, 64)]


def _dense_twin(C, X, dY):
    """``Y = X Wᵀ``, ``∂L/∂X = dY W``, ``∂L/∂C = Jᵀ vec(dYᵀ X)`` from ``to_dense()`` (float64)."""
    layer = CDLinear.from_coefficients(C, method="dense")
    W = np.asarray(layer.to_dense())
    dC = (layer.weight_jacobian().T @ (dY.T @ X).ravel()).reshape(C.shape)
    return X @ W.T, dC, dY @ W


def _rel(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


@pytest.mark.parametrize("Ko, Ki, B", SHAPES)
def test_rdft_matches_the_dense_twin(Ko, Ki, B):
    rng = np.random.default_rng(100 * Ko + 10 * Ki + B)
    C = rng.standard_normal((Ko, Ki, B))
    X, dY = rng.standard_normal((6, Ki * B)), rng.standard_normal((6, Ko * B))
    Y_ref, dC_ref, dX_ref = _dense_twin(C, X, dY)
    Y = bc_matmul(C, X, method="rdft")
    dC, dX = bc_matmul_vjp(C, X, dY, method="rdft")
    np.testing.assert_allclose(Y, Y_ref, rtol=1e-12, atol=1e-12 * np.abs(Y_ref).max())
    np.testing.assert_allclose(dC, dC_ref, rtol=1e-12, atol=1e-12 * np.abs(dC_ref).max())
    np.testing.assert_allclose(dX, dX_ref, rtol=1e-12, atol=1e-12 * np.abs(dX_ref).max())


@pytest.mark.parametrize("B, K", [(8, 8), (64, 2)])
def test_rdft_float64_errors_are_the_fft_paths(B, K):
    """Relative errors against the dense twin stay at the FFT path's size (within 4x)."""
    rng = np.random.default_rng(B)
    Ko, Ki, N = K, K, 32
    C = rng.standard_normal((Ko, Ki, B))
    X, dY = rng.standard_normal((N, Ki * B)), rng.standard_normal((N, Ko * B))
    ref = _dense_twin(C, X, dY)
    errors = {}
    for method in ("fft", "rdft"):
        Y = bc_matmul(C, X, method=method)
        dC, dX = bc_matmul_vjp(C, X, dY, method=method)
        errors[method] = [_rel(g, r) for g, r in zip((Y, dC, dX), ref)]
    for e_rdft, e_fft in zip(errors["rdft"], errors["fft"]):
        assert e_rdft < 1e-14
        assert e_rdft <= 4 * max(e_fft, np.finfo(float).eps)


def test_rdft_layer_matches_fft_layer_float32_and_batch_shape():
    rng = np.random.default_rng(0)
    fft = CDLinear(64, 32, 8, seed=1, dtype="float32", method="fft")
    rdft = CDLinear.from_coefficients(fft.C, fft.b, method="rdft")
    assert rdft.method == "rdft" and rdft.C.dtype == np.float32
    X = rng.standard_normal((2, 5, 64)).astype(np.float32)
    dY = rng.standard_normal((2, 5, 32)).astype(np.float32)
    Y1, Y2 = fft.forward(X), rdft.forward(X)
    assert Y2.dtype == np.float32 and Y2.shape == (2, 5, 32)
    np.testing.assert_allclose(Y2, Y1, rtol=1e-4, atol=1e-4 * np.abs(Y1).max())
    dX1, dX2 = fft.backward(dY), rdft.backward(dY)
    np.testing.assert_allclose(dX2, dX1, rtol=1e-4, atol=1e-4 * np.abs(dX1).max())
    for k in ("C", "b"):
        g1, g2 = fft.grads[k], rdft.grads[k]
        np.testing.assert_allclose(g2, g1, rtol=1e-4, atol=1e-4 * np.abs(g1).max())


@pytest.mark.parametrize("B", [1, 2, 5, 8, 9])
def test_rdft_matrices_invert_each_other(B):
    D, Dinv = rdft_matrices(np, B, np.float64)
    np.testing.assert_allclose(Dinv @ D, np.eye(B), atol=1e-13)


def test_auto_picks_each_path_where_the_default_model_prices_it_cheapest(monkeypatch):
    from cdnotes.operators import resolve_method
    monkeypatch.setenv("CDNOTES_PATH_COSTS", "default")
    expected = {(1024, 8): "rdft", (64, 4): "dense", (4096, 512): "fft"}
    for (n, B), path in expected.items():
        assert resolve_method("auto", B, n, n, batch=256) == path, (n, B)
