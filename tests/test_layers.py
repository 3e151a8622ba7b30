"""Layers: CDLinear, Dense, ReLU, ShannonDropout — interface, numerics, init, backends."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import cdnotes
from cdnotes.operators import project_block_circulant
from cdnotes.gradcheck import relative_error
from conftest import asarray, host, reference_block_circulant


@st.composite
def layer_shapes(draw):
    """(n_in, n_out, B, batch shape): odd and even B, B = 1, B = n_in, Ki != Ko."""
    B = draw(st.integers(1, 8))
    Ki, Ko = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    return Ki * B, Ko * B, B, batch


@given(shape=layer_shapes(), method=st.sampled_from(["auto", "fft", "dense"]), seed=st.integers(0, 1000))
def test_cdlinear_forward_backward_against_dense_matrix(xp, backend, shape, method, seed):
    n_in, n_out, B, batch = shape
    rng = np.random.default_rng(seed)
    layer = cdnotes.CDLinear(n_in, n_out, B, seed=seed, xp=backend, method=method)
    layer.params["b"] = asarray(xp, rng.standard_normal(n_out))
    X, dY = rng.standard_normal(batch + (n_in,)), rng.standard_normal(batch + (n_out,))
    Y = layer.forward(asarray(xp, X))
    dX = layer.backward(asarray(xp, dY))
    C, b = host(layer.C), host(layer.b)
    W = reference_block_circulant(C)
    assert np.array_equal(host(layer.to_dense()), W)
    assert Y.shape == batch + (n_out,) and dX.shape == X.shape
    assert relative_error(host(Y), X @ W.T + b) < 1e-12
    assert relative_error(host(dX), dY @ W) < 1e-12
    X2, dY2 = X.reshape(-1, n_in), dY.reshape(-1, n_out)
    assert relative_error(host(layer.grads["C"]), project_block_circulant(dY2.T @ X2, B)) < 1e-12
    assert np.allclose(host(layer.grads["b"]), dY2.sum(0), rtol=1e-12, atol=1e-12)
    assert set(layer.grads) == set(layer.params)


@given(shape=layer_shapes(), method=st.sampled_from(["fft", "dense"]))
def test_gradcheck_passes(xp, backend, shape, method):
    n_in, n_out, B, batch = shape
    layer = cdnotes.CDLinear(n_in, n_out, B, seed=1, xp=backend, method=method)
    layer.params["b"] = asarray(xp, np.linspace(-1, 1, n_out))
    X = asarray(xp, np.random.default_rng(2).standard_normal(batch + (n_in,)))
    result = cdnotes.gradcheck(layer, X, seed=3)
    assert set(result.errors) == {"C", "b", "X"}
    assert result.passed(1e-7), result


def test_gradcheck_can_fail():
    """A backward with a sign slip (Eq. 3 without the conjugate) must be caught."""
    class Broken(cdnotes.CDLinear):
        def backward(self, dY):
            dX = super().backward(dY)
            C = self.grads["C"]
            self.grads["C"] = C[:, :, (-np.arange(C.shape[2])) % C.shape[2]]   # correlation reversed
            return dX

    X = np.random.default_rng(0).standard_normal((4, 12))
    result = cdnotes.gradcheck(Broken(12, 8, 4, seed=0), X)
    assert result.errors["C"] > 0.1 and not result.passed()
    assert result.errors["X"] < 1e-7


def test_block_size_one_is_exactly_dense(backend, xp, rng):
    dense = cdnotes.Dense(16, 8, seed=3, xp=backend)
    dense.params["b"] = asarray(xp, rng.standard_normal(8))
    cd = cdnotes.CDLinear.from_coefficients(xp.reshape(dense.W, (8, 16, 1)), dense.b)
    X, dY = asarray(xp, rng.standard_normal((9, 16))), asarray(xp, rng.standard_normal((9, 8)))
    assert np.array_equal(host(cd.forward(X)), host(dense.forward(X)))
    assert np.array_equal(host(cd.backward(dY)), host(dense.backward(dY)))
    assert np.array_equal(host(cd.grads["C"])[:, :, 0], host(dense.grads["W"]))
    assert np.array_equal(host(cd.grads["b"]), host(dense.grads["b"]))
    assert np.array_equal(host(cd.to_dense()), host(dense.to_dense()))


def test_dense_layer_numerics(rng):
    layer = cdnotes.Dense(6, 4, seed=0)
    X = rng.standard_normal((5, 6))
    assert np.allclose(layer.forward(X), X @ layer.W.T + layer.b)
    assert cdnotes.gradcheck(layer, X).passed(1e-7)
    assert layer.n_params == 6 * 4 + 4


@given(Ki=st.integers(1, 8), Ko=st.integers(1, 8), B=st.integers(1, 8))
def test_n_params_formula(Ki, Ko, B):
    layer = cdnotes.CDLinear(Ki * B, Ko * B, B)
    assert layer.n_params == (Ki * B) * (Ko * B) // B + Ko * B
    assert layer.C.shape == (Ko, Ki, B) and layer.b.shape == (Ko * B,)


def test_paper_parameter_counts():
    def count(layers):
        return sum(layer.n_params for layer in layers)
    assert count([cdnotes.Dense(64, 64), cdnotes.Dense(64, 64), cdnotes.Dense(64, 10)]) == 8970
    assert count([cdnotes.CDLinear(64, 64, 4), cdnotes.CDLinear(64, 64, 4), cdnotes.CDLinear(64, 12, 4)]) == 2380
    assert count([cdnotes.CDLinear(64, 64, 8), cdnotes.CDLinear(64, 64, 8), cdnotes.CDLinear(64, 16, 8)]) == 1296


@pytest.mark.parametrize("init,variance", [("he", 2 / 512), ("lecun", 1 / 512), ("glorot", 2 / (512 + 256)),
                                           (0.05, 0.05 ** 2)])
def test_init_variance_matches_dense_scheme(init, variance):
    layer = cdnotes.CDLinear(512, 256, 8, seed=0, init=init)     # 16,384 independent draws
    W = layer.to_dense()
    n = layer.C.size
    # The sample variance of n normals has relative standard error sqrt(2/n) ~ 1.1%; allow 5 of them.
    assert abs(layer.C.var() / variance - 1) < 5 * np.sqrt(2 / n)
    assert np.isclose(W.var(), layer.C.var(), rtol=1e-12)          # every C entry appears B times in W
    assert abs(layer.C.mean()) < 5 * np.sqrt(variance / n)
    dense = cdnotes.Dense(512, 256, seed=0, init=init)
    assert abs(dense.W.var() / variance - 1) < 5 * np.sqrt(2 / dense.W.size)
    assert np.all(layer.b == 0) and np.all(dense.b == 0)


def test_seeds_reproduce_and_differ():
    a, b, c = (cdnotes.CDLinear(32, 16, 4, seed=s) for s in (7, 7, 8))
    assert np.array_equal(a.C, b.C) and not np.array_equal(a.C, c.C)


def test_float32_layer(rng):
    layer = cdnotes.CDLinear(16, 8, 4, seed=0, dtype="float32")
    X = rng.standard_normal((3, 16)).astype(np.float32)
    Y = layer.forward(X)
    dX = layer.backward(np.ones_like(Y))
    assert Y.dtype == np.float32 and dX.dtype == np.float32 and layer.grads["C"].dtype == np.float32


def test_move_between_backends(rng):
    layer = cdnotes.CDLinear(12, 8, 4, seed=0)
    X = rng.standard_normal((5, 12))
    Y = layer.forward(X)
    layer.to("array_api_strict")
    import array_api_strict as xps
    Ys = layer.forward(xps.asarray(X))
    assert type(Ys).__module__.startswith("array_api_strict")
    assert np.allclose(host(Ys), Y, rtol=1e-13, atol=1e-13)
    layer.to("numpy")
    assert isinstance(layer.forward(X), np.ndarray)


def test_relu(xp, rng):
    X = rng.standard_normal((4, 6))
    relu = cdnotes.ReLU()
    Y = relu.forward(asarray(xp, X))
    assert np.array_equal(host(Y), np.maximum(X, 0))
    dY = rng.standard_normal((4, 6))
    assert np.array_equal(host(relu.backward(asarray(xp, dY))), dY * (X > 0))
    assert cdnotes.gradcheck(relu, asarray(xp, X)).passed(1e-7)
    assert relu.n_params == 0


class TestShannonDropout:
    def test_default_rate_is_alpha_cd(self):
        assert cdnotes.ShannonDropout().rate == cdnotes.ALPHA_CD == 0.0118

    def test_eval_is_identity(self, xp, rng):
        X = asarray(xp, rng.standard_normal((10, 10)))
        drop = cdnotes.ShannonDropout(0.5, seed=0).eval()
        assert np.array_equal(host(drop.forward(X)), host(X))
        assert np.array_equal(host(drop.backward(X)), host(X))

    def test_drop_fraction_and_scaling(self, xp):
        rate, n = 0.2, 200_000
        drop = cdnotes.ShannonDropout(rate, seed=0)
        Y = host(drop.forward(asarray(xp, np.ones((n // 100, 100)))))
        dropped = np.mean(Y == 0)
        assert abs(dropped - rate) < 5 * np.sqrt(rate * (1 - rate) / n)      # binomial, 5 sigma
        assert np.allclose(Y[Y != 0], 1 / (1 - rate))                        # inverted scaling
        assert abs(Y.mean() - 1) < 5 * np.sqrt(rate / (1 - rate) / n)        # E[output] = input

    def test_backward_uses_the_forward_mask(self, rng):
        drop = cdnotes.ShannonDropout(0.3, seed=1)
        Y = drop.forward(rng.standard_normal((50, 20)))
        g = drop.backward(np.ones((50, 20)))
        assert np.array_equal(g == 0, Y == 0)

    def test_same_seed_same_masks(self):
        X = np.ones((30, 30))
        a, b = cdnotes.ShannonDropout(0.3, seed=5), cdnotes.ShannonDropout(0.3, seed=5)
        assert np.array_equal(a.forward(X), b.forward(X))
        assert not np.array_equal(a.forward(X), cdnotes.ShannonDropout(0.3, seed=6).forward(X))

    @pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, float("nan")])
    def test_invalid_rate(self, rate):
        with pytest.raises(ValueError, match=r"\[0, 1\)"):
            cdnotes.ShannonDropout(rate)


def test_available_backends_reports_numpy():
    report = cdnotes.available_backends()
    assert set(report) == {"numpy", "cupy", "array_api_strict"}
    assert report["numpy"]["usable"] and report["numpy"]["version"] == np.__version__
    assert report["array_api_strict"]["installed"]


# ``expected``: the path measured fastest here (float64, batch 64, one thread, 7 interleaved
# rounds; e.g. width 4096, B = 2: materialised 239 ms, FFT 588 ms, real DFT 130 ms)
@pytest.mark.parametrize("B,n,expected", [(1, 1024, "dense"), (2, 4096, "rdft"), (8, 64, "dense"),
                                          (64, 64, "dense"), (128, 128, "fft"), (8, 256, "rdft"),
                                          (16, 256, "rdft"), (4, 512, "rdft"), (8, 512, "rdft"),
                                          (4, 1024, "rdft")])
def test_auto_method_follows_the_documented_rule(B, n, expected, monkeypatch):
    # the cost model's default constants (tests/test_benchmarking.py checks the rule itself)
    monkeypatch.setenv("CDNOTES_PATH_COSTS", "default")
    assert cdnotes.CDLinear(n, n, B).method == expected
    assert cdnotes.CDLinear(n, n, B, method="fft").method == "fft"


def test_dropout_rate_zero_passes_gradients_through(rng):
    drop = cdnotes.ShannonDropout(0.0, seed=0)
    X, dY = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    assert np.array_equal(drop.forward(X), X) and np.array_equal(drop.backward(dY), dY)


def test_public_backward_needs_public_forward(rng):
    from cdnotes.backend import import_namespace
    layer = cdnotes.CDLinear(8, 8, 4, seed=0)
    layer.forward_2d(import_namespace("numpy"), rng.standard_normal((3, 8)))
    with pytest.raises(RuntimeError, match="needs a forward"):
        layer.backward(np.zeros((3, 8)))
