"""The FFT path's small-grid kernel (``Ko·Ki <= 4``: broadcast products in the transforms'
own layout) against the slow, obvious twin, the materialised ``to_dense()`` matrix; and the
worker count of the inverse transform."""
from __future__ import annotations

import array_api_strict
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import array_api_compat.numpy as xnp
from cdnotes import CDLinear
from cdnotes.operators import bcmatmul
from cdnotes.operators import fft as fft_module
from cdnotes.operators.bcmatmul import SMALL_GRID, SmallGridSpectralPlan, SpectralPlan, prepare


def _dense_twin(C, X, dY):
    layer = CDLinear.from_coefficients(C, method="dense")
    W = np.asarray(layer.to_dense())
    dC = (layer.weight_jacobian().T @ (dY.T @ X).ravel()).reshape(C.shape)
    return X @ W.T, dC, dY @ W


def _rel(a, b):
    return np.linalg.norm(np.asarray(a) - b) / np.linalg.norm(b)


@settings(max_examples=40, deadline=None)
@given(Ko=st.integers(1, 5), Ki=st.integers(1, 5), B=st.integers(1, 17), N=st.integers(1, 6),
       seed=st.integers(0, 2**31 - 1))
def test_fft_path_uses_the_small_grid_kernel_exactly_below_the_cut(Ko, Ki, B, N, seed):
    rng = np.random.default_rng(seed)
    C, X = rng.standard_normal((Ko, Ki, B)), rng.standard_normal((N, Ki * B))
    dY = rng.standard_normal((N, Ko * B))
    plan = prepare(xnp, C, X, "fft")
    assert isinstance(plan, SmallGridSpectralPlan) == (Ko * Ki <= SMALL_GRID)
    Y, dC_ref, dX_ref = _dense_twin(C, X, dY)
    dC, dX = plan.vjp(xnp, dY)
    assert _rel(plan.forward(xnp), Y) < 1e-13
    assert _rel(dC, dC_ref) < 1e-13
    assert _rel(dX, dX_ref) < 1e-13


@pytest.mark.parametrize("Ko, Ki, B", [(1, 1, 8), (2, 2, 16), (1, 4, 6), (4, 1, 5), (2, 1, 9)])
def test_small_grid_agrees_with_the_general_kernel_numpy_and_strict(Ko, Ki, B):
    rng = np.random.default_rng(10 * Ko + Ki + 100 * B)
    C, X = rng.standard_normal((Ko, Ki, B)), rng.standard_normal((7, Ki * B))
    dY = rng.standard_normal((7, Ko * B))
    general = SpectralPlan(xnp, C, X)
    Y_ref, (dC_ref, dX_ref) = general.forward(xnp), general.vjp(xnp, dY)
    xs = array_api_strict
    for xp, arrays in ((xnp, (C, X, dY)), (xs, tuple(xs.asarray(a) for a in (C, X, dY)))):
        plan = SmallGridSpectralPlan(xp, arrays[0], arrays[1])
        dC, dX = plan.vjp(xp, arrays[2])
        assert _rel(plan.forward(xp), Y_ref) < 1e-14
        assert _rel(dC, dC_ref) < 1e-14 and _rel(dX, dX_ref) < 1e-14
    assert plan.method == "fft" and plan.block_size == B


def test_small_grid_layer_float32_and_kfac_input():
    rng = np.random.default_rng(3)
    layer = CDLinear(64, 64, 32, seed=1, dtype="float32", method="fft")       # Ko·Ki = 4
    X = rng.standard_normal((5, 64)).astype(np.float32)
    Y = layer.forward_2d(xnp, X)
    W = np.asarray(layer.to_dense(), dtype=np.float64)
    ref = X.astype(np.float64) @ W.T + np.asarray(layer.b, dtype=np.float64)
    assert Y.dtype == np.float32 and _rel(Y, ref) < 1e-6
    assert isinstance(layer._cached(), SmallGridSpectralPlan)
    Xf = layer.curvature().kfac_input()                                     # (F, N, Ki)
    np.testing.assert_allclose(Xf, bcmatmul.block_spectrum(xnp, X, 32))


def test_inverse_transform_workers_count_its_real_output(monkeypatch):
    import scipy.fft
    seen = []
    real_irfft = scipy.fft.irfft
    monkeypatch.setattr(scipy.fft, "irfft",
                        lambda x, n=None, axis=-1, workers=None: seen.append(workers)
                        or real_irfft(x, n=n, axis=axis))
    big = np.zeros((256, 2, 257), np.complex64)       # 131,584 in, 262,144 real samples out
    small = np.zeros((256, 1, 257), np.complex64)     # 131,072 real samples out
    with fft_module.fft_workers(2):
        fft_module.fft_of(xnp).irfft(big, n=512, axis=-1)
        fft_module.fft_of(xnp).irfft(small, n=512, axis=-1)
        fft_module.fft_of(xnp).irfft(np.zeros((2, 257, 512), np.complex64), axis=1)
    assert seen == [2, 1, 2]


def test_an_fft_layer_loads_its_fft_backend_when_built(monkeypatch):
    from cdnotes.layers import cdlinear
    loaded = []
    monkeypatch.setattr(cdlinear, "load_fft", loaded.append)
    CDLinear(64, 64, 32, method="dense")
    CDLinear(64, 64, 8, method="rdft")
    assert loaded == []
    CDLinear(64, 64, 32, method="fft")
    assert len(loaded) == 1 and loaded[0].__name__.endswith("numpy")
    fft_module.load_fft(array_api_strict)             # other namespaces: nothing to load
