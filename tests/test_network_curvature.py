"""The whole network's curvature (issue 9): flat parameters, exact Hessian- and Gauss-Newton-
vector products, the dense Hessian, Lanczos / SLQ, spectrum measures, null directions.

Conventions checked here: the loss is the *mean* over the batch (``1/N``), squared error is
``½ mean_n ‖z_n − onehot(y_n)‖²`` — so the network Hessian of one CDLinear layer is
``cdlinear_hessian(X) / N`` (that function is for ``½ Σ_n``). float64, fixed seeds, a few
hundred digits rows.
"""
import numpy as np
import pytest
import scipy.fft

from cdnotes import CDLinear, Dense, Linear, ReLU
from cdnotes import curvature
from cdnotes.backend import to_numpy
from cdnotes.curvature import (CurvatureProducts, eigenvalues_symmetric, flat_params,
                               gauss_newton_vector_product, hessian_vector_product, lanczos,
                               loss_and_gradient, network_hessian, null_directions,
                               set_flat_params, smooth_density, spectral_density,
                               spectrum_measures)
from cdnotes.curvature.eigensolver import DRIVERS, two_stage_available
from cdnotes.data import digits_split
from cdnotes.hessian import cdlinear_hessian
from cdnotes.mlp import MLP, make_mlp, paper_model
from cdnotes.structured import FourierMixing, Kronecker, LowRank, Monarch, SparseFixed, Toeplitz
from cdnotes.train.losses import LOSS_HESSIAN_KERNELS, LOSS_KERNELS
from conftest import asarray, host
from _fd import central_difference, check_hvp_by_central_differences
from _fd import relative as _relative

MODELS = ["dense", "cd4", "cd8"]
LOSSES = ["cross_entropy", "squared_error"]


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """Every test here on one BLAS thread: on the shared 2-core machine two threads made
    this module several times slower (see cdnotes.curvature.products.blas_limit)."""
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def digits():
    X, _, y, _ = digits_split(0)
    return X[:300], y[:300]


def _trained_ish(name, seed):
    """A paper model with non-zero biases (as after training), so every term is exercised."""
    model = paper_model(name, seed=seed)
    theta = flat_params(model)
    set_flat_params(model, theta + 0.05 * np.random.default_rng(seed).standard_normal(theta.shape))
    return model


# ----------------------------------------------------------------------------
# Flat parameters.
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", MODELS)
def test_flat_params_order_and_round_trip(name, rng):
    model = paper_model(name, seed=1)
    theta = flat_params(model)
    assert theta.shape == (model.n_params,)
    pieces = [p.ravel() for layer in model.linear_layers for p in layer.params.values()]
    np.testing.assert_array_equal(theta, np.concatenate(pieces))
    last = model.linear_layers[-1]
    np.testing.assert_array_equal(theta[-last.n_out:], last.b)              # the bias last
    new = rng.standard_normal(theta.shape)
    set_flat_params(model, new)
    np.testing.assert_array_equal(flat_params(model), new)
    new[0] = 123.0                                                           # a copy was stored
    assert flat_params(model)[0] != 123.0
    slices = curvature.param_slices(model)
    assert slices[0][2] == 0 and slices[-1][3] == model.n_params


def test_set_flat_params_checks_its_argument():
    model = paper_model("cd8")
    P = model.n_params
    with pytest.raises(ValueError, match=f"shape \\({P},\\)"):
        set_flat_params(model, np.zeros(P + 1))
    with pytest.raises(TypeError, match="real floating"):
        set_flat_params(model, np.zeros(P, dtype=np.int64))
    with pytest.raises(ValueError, match="non-finite"):
        set_flat_params(model, np.full(P, np.nan))
    with pytest.raises(TypeError, match="must be an array"):
        set_flat_params(model, [0.0] * P)
    with pytest.raises(TypeError, match="MLP"):
        flat_params(Dense(4, 2))


# ----------------------------------------------------------------------------
# Gradient and products against finite differences (all three paper models).
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("loss", LOSSES)
def test_gradient_matches_central_differences_of_the_loss(name, loss, digits):
    X, y = digits
    model = _trained_ish(name, 2)
    theta, rng = flat_params(model), np.random.default_rng(3)
    value, grad = loss_and_gradient(model, X, y, loss)
    assert grad.shape == theta.shape and np.isfinite(value)
    for _ in range(3):
        v = rng.standard_normal(theta.shape)
        fd = central_difference(model, X, y, v, loss=loss, step=1e-6, of="loss")
        assert abs(fd - grad @ v) <= 1e-6 * abs(grad @ v)


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("loss", LOSSES)
def test_hessian_vector_product_matches_central_differences_of_the_gradient(name, loss, digits):
    X, y = digits
    model = _trained_ish(name, 4)
    theta, rng = flat_params(model), np.random.default_rng(5)
    V = rng.standard_normal((theta.size, 3))
    HV = hessian_vector_product(model, X, y, V, loss=loss)
    check_hvp_by_central_differences(model, X, y, V, HV, loss=loss, step=1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_a_batch_of_directions_equals_single_products(name, digits):
    X, y = digits
    model = _trained_ish(name, 6)
    ops = CurvatureProducts(model, X, y)
    V = np.random.default_rng(7).standard_normal((model.n_params, 5))
    for kind in ("hessian", "gauss_newton"):
        batch = ops.product(V, kind)
        single = np.stack([ops.product(V[:, k], kind) for k in range(5)], axis=1)
        assert _relative(batch, single) < 1e-12
    np.testing.assert_array_equal(hessian_vector_product(model, X, y, V), ops.hessian_product(V))
    np.testing.assert_array_equal(gauss_newton_vector_product(model, X, y, V),
                                  ops.gauss_newton_product(V))


def test_the_products_are_a_snapshot_of_the_model(digits):
    X, y = digits
    model = _trained_ish("cd8", 8)
    ops = CurvatureProducts(model, X, y)
    v = np.random.default_rng(9).standard_normal(model.n_params)
    before = ops.hessian_product(v)
    set_flat_params(model, flat_params(model) * 2.0)
    np.testing.assert_array_equal(ops.hessian_product(v), before)
    assert _relative(hessian_vector_product(model, X, y, v), before) > 1e-3


@pytest.mark.parametrize("loss", LOSSES)
def test_loss_hessian_kernels_match_finite_differences(loss, rng):
    import array_api_compat.numpy as xp
    z, y = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    T = rng.standard_normal((2, 6, 4))
    eps = 1e-6
    for k in range(2):
        up = LOSS_KERNELS[loss](xp, z + eps * T[k], y)[1]
        down = LOSS_KERNELS[loss](xp, z - eps * T[k], y)[1]
        assert _relative(LOSS_HESSIAN_KERNELS[loss](xp, z, T)[k], (up - down) / (2 * eps)) < 1e-8


def test_padded_logits_are_zero(rng):
    import array_api_compat.numpy as xp
    model = paper_model("cd4")
    padded = model.pad_logits(xp, rng.standard_normal((3, 5, 10)))
    assert padded.shape == (3, 5, 12) and not padded[..., 10:].any()


# ----------------------------------------------------------------------------
# The dense matrix.
# ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cd8_hessian(digits):
    X, y = digits[0][:200], digits[1][:200]
    model = _trained_ish("cd8", 10)
    return model, X, y, network_hessian(model, X, y)


def test_network_hessian_is_symmetric_and_agrees_with_products(cd8_hessian):
    model, X, y, H = cd8_hessian
    raw = network_hessian(model, X, y, symmetrize=False, block_columns=100)
    assert np.abs(raw - raw.T).max() <= 1e-12 * np.abs(raw).max()          # before symmetrising
    assert np.array_equal(H, H.T)
    assert _relative(H, raw) < 1e-12
    V = np.random.default_rng(11).standard_normal((model.n_params, 4))
    assert _relative(H @ V, hessian_vector_product(model, X, y, V)) < 1e-10


def test_block_width_does_not_change_the_matrix(cd8_hessian):
    model, X, y, H = cd8_hessian
    assert _relative(network_hessian(model, X, y, block_columns=7), H) < 1e-12


def test_gauss_newton_matrix_is_psd_and_agrees_with_products(cd8_hessian):
    model, X, y, _ = cd8_hessian
    G = network_hessian(model, X, y, kind="gauss_newton")
    ev = eigenvalues_symmetric(G)
    assert ev[0] >= -1e-10 * ev[-1]
    V = np.random.default_rng(12).standard_normal((model.n_params, 3))
    assert _relative(G @ V, gauss_newton_vector_product(model, X, y, V)) < 1e-10


def test_one_cdlinear_layer_with_squared_error_is_theorem_1s_hessian(rng):
    """Mean loss: the C block of the network Hessian is cdlinear_hessian(X) / N."""
    X, y = rng.standard_normal((50, 16)), rng.integers(0, 8, 50)
    layer = CDLinear(16, 8, 4, seed=0)
    H = network_hessian(MLP([layer]), X, y, loss="squared_error")
    P_C = layer.params["C"].size
    assert _relative(H[:P_C, :P_C] * X.shape[0], cdlinear_hessian(X, 8, 4)) < 1e-12


@pytest.mark.parametrize("name", ["dense", "cd4"])
def test_last_layer_block_is_last_layer_hessian(name, digits):
    X, y = digits[0][:100], digits[1][:100]
    model = _trained_ish(name, 13)
    P_L = model.linear_layers[-1].n_params
    E = np.eye(model.n_params)[:, -P_L:]
    block = hessian_vector_product(model, X, y, E)[-P_L:]
    assert _relative(block, curvature.last_layer_hessian(model, X)) < 1e-12


# ----------------------------------------------------------------------------
# Lanczos and stochastic Lanczos quadrature.
# ----------------------------------------------------------------------------

def test_lanczos_extremes_after_120_steps_on_cd8(cd8_hessian):
    model, X, y, H = cd8_hessian
    assert model.n_params == 1296
    exact = eigenvalues_symmetric(H)
    ritz = lanczos(CurvatureProducts(model, X, y).matvec(), model.n_params, n_steps=120, seed=0)
    assert ritz.shape == (120,)
    scale = np.abs(exact).max()
    assert abs(ritz[-1] - exact[-1]) <= 1e-6 * scale
    assert abs(ritz[0] - exact[0]) <= 1e-6 * scale


def test_slq_nodes_lie_in_the_spectrum_and_weights_sum_to_one(cd8_hessian):
    model, X, y, H = cd8_hessian
    exact = eigenvalues_symmetric(H)
    nodes, weights = spectral_density(lambda v: H @ v, H.shape[0], n_vectors=3, n_steps=40, seed=1)
    assert nodes.shape == weights.shape == (120,)
    slack = 1e-10 * np.abs(exact).max()
    assert exact[0] - slack <= nodes.min() and nodes.max() <= exact[-1] + slack
    assert np.all(weights >= 0) and abs(weights.sum() - 1) < 1e-12
    again = spectral_density(lambda v: H @ v, H.shape[0], n_vectors=3, n_steps=40, seed=1)
    np.testing.assert_array_equal(again[0], nodes)                        # seeded


def test_slq_moments_of_a_diagonal_matrix_are_exact():
    """Rademacher probes have v_i² = 1/P, so vᵀ D^k v is the k-th moment exactly."""
    lam = np.random.default_rng(14).standard_normal(300)
    nodes, weights = spectral_density(lambda v: lam * v, 300, n_vectors=4, n_steps=10, seed=0)
    for k in (1, 2, 3, 4):
        assert abs(weights @ nodes ** k - np.mean(lam ** k)) <= 1e-10 * np.mean(np.abs(lam) ** k)


def test_slq_moments_of_a_known_rotated_spectrum_within_a_few_percent():
    """H = S C diag(λ) Cᵀ S (C the orthonormal DCT, S random signs): moments within 5%."""
    rng = np.random.default_rng(15)
    P = 20000
    lam = np.concatenate([-rng.uniform(0, 1, 2000), rng.exponential(1.0, P - 2000)])
    signs = rng.choice([-1.0, 1.0], P)

    def matvec(v):
        return signs * scipy.fft.idct(lam * scipy.fft.dct(signs * v, norm="ortho"), norm="ortho")

    nodes, weights = spectral_density(matvec, P, n_vectors=20, n_steps=20, seed=2)
    assert lam.min() - 1e-9 <= nodes.min() and nodes.max() <= lam.max() + 1e-9
    for k in (1, 2, 3):
        assert abs(weights @ nodes ** k / np.mean(lam ** k) - 1) < 0.05


def test_smooth_density_integrates_to_the_weights():
    grid = np.linspace(-10, 10, 4001)
    density = smooth_density([-1.0, 2.0], [0.25, 0.75], grid, 0.3)
    assert abs(density.sum() * (grid[1] - grid[0]) - 1.0) < 1e-9
    assert abs(grid[np.argmax(density)] - 2.0) < 1e-2
    with pytest.raises(ValueError, match="same length"):
        smooth_density([1.0, 2.0], [1.0], grid, 0.1)
    with pytest.raises(ValueError, match="sigma"):
        smooth_density([1.0], [1.0], grid, 0.0)


# ----------------------------------------------------------------------------
# Spectrum measures.
# ----------------------------------------------------------------------------

def test_spectrum_measures_on_a_spectrum_worked_by_hand():
    ev = np.array([-1.0, 0.0, 1e-13, 1e-6, 1e-3, 0.5, 2.0, 10.0])
    m = spectrum_measures(ev, cutoffs=(1e-2, 1e-5, 1e-12), percentiles=(50,))
    total = 1 + 1e-13 + 1e-6 + 1e-3 + 0.5 + 2 + 10
    assert (m.n, m.lambda_max, m.lambda_min, m.abs_max, m.n_negative) == (8, 10.0, -1.0, 10.0, 1)
    assert m.negative_mass == pytest.approx(1 / total, rel=1e-12)
    assert m.kappa == {1e-2: 10 / 0.5, 1e-5: 10 / 1e-3, 1e-12: 10 / 1e-6}
    assert m.n_below == {1e-2: 4, 1e-5: 3, 1e-12: 2}
    # sorted |λ|: 0, 1e-13, 1e-6, 1e-3, 0.5, 1, 2, 10 — the median is (1e-3 + 0.5) / 2
    assert m.percentile_ratio[50] == pytest.approx(10 / ((1e-3 + 0.5) / 2), rel=1e-12)
    assert m.effective_rank_trace == pytest.approx(total / 10, rel=1e-12)
    assert m.top10_share == pytest.approx(1.0) and m.top1pct_share == pytest.approx(10 / total)


def test_effective_ranks_of_a_flat_spectrum_count_it():
    m = spectrum_measures(np.full(37, 2.5))
    assert m.effective_rank_entropy == pytest.approx(37) and m.effective_rank_trace == pytest.approx(37)
    assert all(k == 1.0 for k in m.kappa.values()) and m.negative_mass == 0.0
    with pytest.raises(ValueError, match="zero"):
        spectrum_measures(np.zeros(3))
    with pytest.raises(ValueError, match="percentiles"):
        spectrum_measures([1.0], percentiles=(120,))


# ----------------------------------------------------------------------------
# Null directions by cause against the exact spectrum.
# ----------------------------------------------------------------------------

def _zeros(ev, tol=1e-10):
    return int(np.sum(np.abs(ev) <= tol * np.abs(ev).max()))


def _small_model(block_size, second_bias=None):
    """64 -> 8 -> 8 -> 12 (10 classes kept) with unit 1 of the first layer killed."""
    model = make_mlp((64, 8, 8, 12), block_size, n_classes=10, seed=3)
    b = np.array(model.linear_layers[0].b)
    b[1] = -50.0
    model.linear_layers[0].b = b
    if second_bias is not None:
        model.linear_layers[1].b = np.full(8, second_bias)
    return model


@pytest.mark.parametrize("block_size", [None, 4])
@pytest.mark.parametrize("loss", LOSSES)
def test_null_directions_count_the_hessians_zero_eigenvalues(block_size, loss, digits):
    X, y = digits
    model = _small_model(block_size)
    found = null_directions(model, X, loss)
    H = network_hessian(model, X, y, loss=loss)
    G = network_hessian(model, X, y, kind="gauss_newton", loss=loss)
    assert found.dead_units[0] >= 1
    assert found.hessian == sum(found.by_cause[c] for c in curvature.null_space.HESSIAN_CAUSES)
    assert found.gauss_newton == sum(found.by_cause.values())
    assert found.hessian == _zeros(eigenvalues_symmetric(H)) > 0
    # the named causes of G's null space are a lower bound (cross-layer combinations
    # through units active on few samples can add more)
    assert found.hessian < found.gauss_newton <= _zeros(eigenvalues_symmetric(G))


@pytest.mark.parametrize("block_size", [None, 4])
def test_null_directions_by_cause_on_a_model_worked_by_hand(block_size, digits):
    """Every second-layer unit is active on every sample (bias 10), so the last layer reads
    no dead input and each cause has a closed form."""
    X, _ = digits
    found = null_directions(_small_model(block_size, second_bias=10.0), X)
    dead, zero = found.dead_units[0], ~X.any(axis=0)
    assert found.dead_units[1] == 0 and dead >= 1
    if block_size is None:
        # a dead unit: its row of [W1, b1] (65) and its column of W2 (8); zero pixels: their
        # columns of W1 in the live rows; rows 10, 11 of [W3, b3]; shift: one per column
        # of [W3, b3]
        expected = {"dead_units": dead * (65 + 8), "zero_inputs": (8 - dead) * int(zero.sum()),
                    "unused_logits": 2 * 9, "softmax_shift": 9}
    else:
        # C[i, j, :] fills every row of block i and every column of block j: free only
        # when a whole block is; a dead unit frees its own bias; unused logits: their two
        # biases; shift: Ki + 1 = 3
        blocks = int(zero.reshape(16, 4).all(axis=1).sum())
        assert dead < 4
        expected = {"dead_units": dead, "zero_inputs": blocks * 2 * 4, "unused_logits": 2,
                    "softmax_shift": 3}
    assert {k: found.by_cause[k] for k in expected} == expected


# ----------------------------------------------------------------------------
# Other layers and backends.
# ----------------------------------------------------------------------------

class _FallbackDense(Dense):
    """A Dense layer whose curvature object is the generic (looping) one."""
    curvature_class = Linear.curvature_class


class _FallbackCD(CDLinear):
    curvature_class = Linear.curvature_class


@pytest.mark.parametrize("method", ["dense", "fft"])
def test_generic_kernels_and_both_cd_paths_agree(method, rng):
    X, y = rng.standard_normal((30, 8)), rng.integers(0, 3, 30)
    built = []
    for dense_cls, cd_cls in [(Dense, CDLinear), (_FallbackDense, _FallbackCD)]:
        layers = [dense_cls(8, 8, seed=1), ReLU(), cd_cls(8, 4, 2, seed=2, method=method)]
        built.append(MLP(layers, n_classes=3))
    V = rng.standard_normal((built[0].n_params, 4))
    for kind in ("hessian", "gauss_newton"):
        a = CurvatureProducts(built[0], X, y).product(V, kind)
        b = CurvatureProducts(built[1], X, y).product(V, kind)
        assert _relative(a, b) < 1e-12


def test_dropout_models_are_taken_in_evaluation_mode_and_the_mode_is_restored(digits):
    X, y = digits
    plain, dropped = paper_model("cd8", seed=3), paper_model("cd8", seed=3, dropout=0.3).train()
    V = np.random.default_rng(16).standard_normal((plain.n_params, 2))
    np.testing.assert_array_equal(hessian_vector_product(dropped, X, y, V),
                                  hessian_vector_product(plain, X, y, V))
    assert all(layer.training for layer in dropped.layers)
    assert loss_and_gradient(dropped, X, y)[0] == loss_and_gradient(plain, X, y)[0]


def test_products_on_every_backend(xp, rng):
    X, y = rng.random((20, 8)), rng.integers(0, 3, 20)
    model = make_mlp((8, 8, 4), 2, n_classes=3, seed=0)
    V = rng.standard_normal((model.n_params, 2))
    reference = [hessian_vector_product(model, X, y, V),
                 gauss_newton_vector_product(model, X, y, V), loss_and_gradient(model, X, y)[1]]
    nulls = null_directions(model, X)
    for layer in model.linear_layers:
        layer.to(xp)
    Xb, yb, Vb = asarray(xp, X), xp.asarray(y), asarray(xp, V)
    got = [hessian_vector_product(model, Xb, yb, Vb), gauss_newton_vector_product(model, Xb, yb, Vb),
           loss_and_gradient(model, Xb, yb)[1]]
    for a, b in zip(got, reference):
        assert _relative(host(a), b) < 1e-12
    assert _relative(network_hessian(model, Xb, yb) @ V, reference[0]) < 1e-10
    assert null_directions(model, Xb) == nulls
    matvec = CurvatureProducts(model, Xb, yb).matvec()
    assert _relative(matvec(V[:, 0]), reference[0][:, 0]) < 1e-12


class _Square:
    """A parameter-free layer that is not piecewise linear (the R-operator must refuse it)."""
    from cdnotes.layers.base import Layer as _Base


class _SquareLayer(_Square._Base):
    def forward_2d(self, xp, X):
        self._cache = X
        return X * X

    def backward_2d(self, xp, dY):
        return 2 * self._cache * dY


# ----------------------------------------------------------------------------
# Bad input.
# ----------------------------------------------------------------------------

def test_bad_input_gets_a_clear_error(digits):
    X, y = digits
    model = paper_model("cd8")
    P = model.n_params
    with pytest.raises(ValueError, match=f"V must have shape \\({P},\\)"):
        hessian_vector_product(model, X, y, np.zeros(P - 1))
    with pytest.raises(ValueError, match="V must have shape"):
        hessian_vector_product(model, X, y, np.zeros((P, 0)))
    with pytest.raises(TypeError, match="V is float32"):
        hessian_vector_product(model, X, y, np.zeros(P, np.float32))
    with pytest.raises(ValueError, match="kind must be one of"):
        network_hessian(model, X, y, kind="fisher")
    with pytest.raises(ValueError, match="kind must be one of"):
        CurvatureProducts(model, X, y).product(np.zeros(P), "fisher")
    with pytest.raises(ValueError, match="loss must be one of"):
        loss_and_gradient(model, X, y, loss="hinge")
    with pytest.raises(ValueError, match="labels must be in \\[0, 9\\]"):
        hessian_vector_product(model, X, np.full(X.shape[0], 10), np.zeros(P))
    with pytest.raises(ValueError, match="one label per sample"):
        loss_and_gradient(model, X, y[:-1])
    with pytest.raises(TypeError, match="MLP"):
        network_hessian(Dense(64, 10), X, y)
    with pytest.raises(NotImplementedError, match="piecewise linear"):
        hessian_vector_product(MLP([Dense(64, 8), _SquareLayer(), Dense(8, 10)]), X, y,
                               np.zeros(64 * 8 + 8 + 8 * 10 + 10))


def test_a_model_too_large_for_a_dense_matrix_is_refused_with_the_way_out(digits):
    X, y = digits
    model = paper_model("cd4")
    P = model.n_params
    with pytest.raises(ValueError, match=f"P = {P}.*{8 * P * P} bytes.*max_params.*lanczos"):
        network_hessian(model, X, y, max_params=1000)
    with pytest.raises(ValueError, match="max_params"):
        network_hessian(model, X, y, max_params=0)


def test_lanczos_checks_its_arguments():
    with pytest.raises(ValueError, match="n_steps"):
        lanczos(lambda v: v, 5, n_steps=0)
    with pytest.raises(TypeError, match="matvec"):
        lanczos(None, 5, n_steps=2)
    with pytest.raises(ValueError, match="shape \\(5,\\)"):
        spectral_density(lambda v: v[:4], 5, n_vectors=1, n_steps=2)
    with pytest.raises(ValueError, match="NaN"):
        lanczos(lambda v: v * np.nan, 5, n_steps=2)
    # an invariant Krylov space stops early: the identity has one Ritz value
    np.testing.assert_allclose(lanczos(lambda v: 3.0 * v, 5, n_steps=4), [3.0])


@pytest.mark.parametrize("driver", DRIVERS)
def test_every_eigensolver_driver_agrees(driver, rng):
    if driver == "2stage" and not two_stage_available():
        pytest.skip("LAPACKE dsyevd_2stage not found in this NumPy/SciPy's OpenBLAS")
    A = rng.standard_normal((120, 120))
    H = A + A.T
    assert _relative(eigenvalues_symmetric(H, driver=driver), np.linalg.eigvalsh(H)) < 1e-12
    assert _relative(eigenvalues_symmetric(H.copy(), driver=driver, overwrite=True, check=False),
                     np.linalg.eigvalsh(H)) < 1e-12


def test_eigensolver_checks_its_argument(rng):
    with pytest.raises(ValueError, match="symmetric"):
        eigenvalues_symmetric(rng.standard_normal((4, 4)))
    with pytest.raises(ValueError, match="driver must be one of"):
        eigenvalues_symmetric(np.eye(3), driver="magic")


# ----------------------------------------------------------------------------
# The protocol's batched kernels against the materialised weight matrices.
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda: Dense(8, 4, seed=0), lambda: _FallbackDense(8, 4, seed=0),
                                  lambda: CDLinear(8, 4, 2, seed=0, method="dense"),
                                  lambda: CDLinear(8, 4, 2, seed=0, method="fft"),
                                  lambda: _FallbackCD(8, 4, 2, seed=0),
                                  lambda: Toeplitz(8, 4, seed=0),
                                  lambda: SparseFixed(8, 4, 0.4, seed=0),
                                  lambda: SparseFixed(8, 4, 0.4, seed=0, method="sparse"),
                                  lambda: FourierMixing(8, 3, seed=0)],
                         ids=["Dense", "Dense fallback", "CD dense", "CD fft", "CD fallback",
                              "Toeplitz", "SparseFixed", "SparseFixed sparse", "FourierMixing"])
def test_batched_kernels_match_the_weight_matrices(make, rng):
    """apply_3d / apply_transpose_3d / weight_grads_3d, with both axes broadcast, against
    W(weights) built by a copy of the layer and the weight Jacobian (the slow, obvious way)."""
    import array_api_compat.numpy as xp
    layer = make()
    m, N = 3, 5
    names = [n for n in layer.params if n != "b"]
    weights = {n: rng.standard_normal((m,) + layer.params[n].shape) for n in names}

    def W(k):                                  # the weight matrix of weight set k
        theta = np.concatenate([weights[n][k].ravel() for n in names])
        return (layer.weight_jacobian() @ theta).reshape(layer.n_out, layer.n_in)

    X3, dY3 = rng.standard_normal((m, N, layer.n_in)), rng.standard_normal((m, N, layer.n_out))
    for Xb, wb in [(X3, weights), (X3[:1], weights), (X3, None)]:
        got = layer.apply_3d(xp, Xb, wb)
        for k in range(m):
            Wk = W(k) if wb is not None else host(layer.to_dense())
            np.testing.assert_allclose(got[k], Xb[min(k, Xb.shape[0] - 1)] @ Wk.T, atol=1e-12)
        got = layer.apply_transpose_3d(xp, dY3 if wb is not None else dY3, wb)
        for k in range(m):
            Wk = W(k) if wb is not None else host(layer.to_dense())
            np.testing.assert_allclose(got[k], dY3[k] @ Wk, atol=1e-12)
    for Xb in (X3, X3[:1]):
        grads = layer.weight_grads_3d(xp, Xb, dY3)
        for k in range(m):
            G = dY3[k].T @ Xb[min(k, Xb.shape[0] - 1)]                       # ∂/∂W
            theta_grad = layer.weight_jacobian().T @ G.ravel()
            np.testing.assert_allclose(np.concatenate([grads[n][k].ravel() for n in names]),
                                       theta_grad, atol=1e-12)


def test_layer_inputs_is_the_forward_pass_layer_by_layer():
    import cdnotes.curvature as curv
    from cdnotes.mlp import make_mlp
    model = make_mlp([8, 8, 8, 4], 4, seed=3, dropout=0.3).train()
    X = np.random.default_rng(4).standard_normal((6, 8))
    trace = curv.layer_inputs(model, X)
    assert [layer for layer, _ in trace] == [*model.layers, None]
    H = X
    for layer, h in trace[:-1]:                    # the slow twin: one layer after the other
        np.testing.assert_array_equal(h, H)
        layer.eval()
        H = layer.forward(H)
        layer.train()
    np.testing.assert_allclose(trace[-1][1], H, rtol=0, atol=1e-14)
    assert all(layer.training for layer in model.layers)             # mode restored
    with pytest.raises(TypeError, match="model"):
        curv.layer_inputs(model.layers[0], X)


# ----------------------------------------------------------------------------
# Structured layers: Toeplitz is linear in t (every tool applies); the products of factors
# (low-rank, Kronecker, Monarch) are refused by name, never answered wrongly.
# ----------------------------------------------------------------------------

def test_toeplitz_network_products_match_central_differences(rng):
    X, y = rng.standard_normal((25, 8)), rng.integers(0, 3, 25)
    model = MLP([Toeplitz(8, 6, seed=1), ReLU(), Toeplitz(6, 3, seed=2)], n_classes=3)
    H = network_hessian(model, X, y)
    theta = flat_params(model)
    v = rng.standard_normal(theta.shape)
    check_hvp_by_central_differences(model, X, y, v[:, None], H @ v[:, None],
                                     loss="cross_entropy", step=1e-4)
    np.testing.assert_allclose(H, H.T, atol=1e-12)


def test_toeplitz_last_layer_hessian_is_the_network_hessians_last_block(rng):
    X, y = rng.standard_normal((25, 8)), rng.integers(0, 3, 25)
    model = MLP([Toeplitz(8, 6, seed=1), ReLU(), Toeplitz(6, 3, seed=2)], n_classes=3)
    H = network_hessian(model, X, y)
    P_last = model.linear_layers[-1].n_params
    assert _relative(curvature.last_layer_hessian(model, X), H[-P_last:, -P_last:]) < 1e-10


@pytest.mark.parametrize("make", [lambda: LowRank(6, 6, 2, seed=2),
                                  lambda: Kronecker((2, 3), (2, 3), seed=2),
                                  lambda: Monarch(6, 2, seed=2)],
                         ids=["LowRank", "Kronecker", "Monarch"])
def test_products_of_factors_exact_hessian_and_gauss_newton(make, rng):
    """W linear in each factor but not in θ (weights_linear = False): the R-operator's
    hooks give H v equal to central differences of the gradient (the layer's own
    curvature term included), and G v = Jᵀ S J v with J by central differences of the
    logits (exact: the logits are affine in each single parameter)."""
    X, y = rng.standard_normal((25, 8)), rng.integers(0, 3, 25)
    hidden = make()
    assert not hidden.weights_linear
    model = MLP([Dense(8, 6, seed=1), ReLU(), hidden, ReLU(), make()], n_classes=3)
    for layer in model.linear_layers:
        layer.b = 0.1 * rng.standard_normal(layer.n_out)
    theta = flat_params(model)
    V = rng.standard_normal((theta.size, 2))
    H = hessian_vector_product(model, X, y, V)
    check_hvp_by_central_differences(model, X, y, V, H, loss="cross_entropy", step=1e-4)
    J = np.empty((X.shape[0], 3, theta.size))
    for p in range(theta.size):
        e = np.zeros(theta.size)
        e[p] = 1e-6
        set_flat_params(model, theta + e)
        up = model.forward(X)
        set_flat_params(model, theta - e)
        down = model.forward(X)
        J[:, :, p] = (up - down) / (2 * e[p])
    set_flat_params(model, theta)
    p_soft = np.exp(model.forward(X) - model.forward(X).max(axis=1, keepdims=True))
    p_soft /= p_soft.sum(axis=1, keepdims=True)
    S = np.stack([np.diag(q) - np.outer(q, q) for q in p_soft])
    G = np.einsum("nkp,nkl,nlq->pq", J, S, J) / X.shape[0]
    assert _relative(gauss_newton_vector_product(model, X, y, V), G @ V) < 1e-6
    with pytest.raises(NotImplementedError, match=f"{type(hidden).__name__}.*weights_linear"):
        curvature.last_layer_hessian(model, X)
