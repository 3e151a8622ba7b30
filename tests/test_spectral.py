"""Spectral-domain layers (issue 10): the operator identities, the hand-written gradients,
the curvature tools on models whose weights are bilinear in their parameters, retraction,
and the constrained direct-space baseline. float64, seeded."""
import numpy as np
import pytest

from cdnotes.backend import to_numpy
from cdnotes.curvature import CurvatureProducts, flat_params, network_hessian, set_flat_params
from cdnotes.gradcheck import gradcheck
from cdnotes.layers import Dense, MaskedDense, ReLU, ShannonDropout
from cdnotes.mlp import MLP
from cdnotes.spectral_domain import SpectralLinear, check_train_groups, retract, spectral_mlp
from cdnotes.train import TrainConfig, accuracy, train
from _fd import check_hvp_by_central_differences
from conftest import asarray, host

BOTH = ("eigenvalues", "eigenvectors")
OPTIONS = [dict(), dict(input_eigenvalues="fixed"), dict(train=BOTH),
           dict(train=BOTH, input_eigenvalues="fixed"), dict(train="eigenvectors"),
           dict(bias=True), dict(train=BOTH, bias=True),
           dict(transfer="compact"), dict(input_eigenvalues="fixed", transfer="compact"),
           dict(train=BOTH, transfer="compact"),
           dict(train=BOTH, input_eigenvalues="fixed", transfer="compact")]
IDS = ["L", "L-fixed", "LP", "LP-fixed", "P", "L-bias", "LP-bias", "L-compact",
       "L-fixed-compact", "LP-compact", "LP-fixed-compact"]


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.mark.parametrize("n_in,n_out", [(1, 1), (3, 5), (7, 2)])
def test_two_minus_phi_is_the_inverse_and_A_is_phi_lambda_phi_inverse(n_in, n_out):
    layer = SpectralLinear(n_in, n_out, train=BOTH, seed=n_in + 10 * n_out)
    Phi = layer.eigenbasis()
    I = np.eye(n_in + n_out)
    np.testing.assert_allclose(2 * I - Phi, np.linalg.inv(Phi), atol=1e-14)
    np.testing.assert_allclose(Phi @ (2 * I - Phi), I, atol=1e-14)
    A = layer.operator()
    Lam = np.diag(layer.eigenvalues())
    np.testing.assert_allclose(A, Phi @ Lam @ np.linalg.inv(Phi), atol=1e-14)
    np.testing.assert_allclose(A @ Phi, Phi @ Lam, atol=1e-14)             # eigenpairs
    np.testing.assert_allclose(A[n_in:, :n_in], layer.to_dense(), atol=1e-16)
    np.testing.assert_allclose(A[:n_in, n_in:], 0, atol=0)
    np.testing.assert_allclose(np.diag(A), layer.eigenvalues(), atol=1e-16)


@pytest.mark.parametrize("n_in,n_out", [(1, 1), (3, 5), (7, 2)])
def test_the_compact_form_two_plus_phi_inverse_phi(n_in, n_out):
    # A = Φ Λ (2I + Φ)⁻¹ Φ by explicit products against the closed forms of the docstring
    layer = SpectralLinear(n_in, n_out, train=BOTH, transfer="compact", seed=n_in + n_out)
    rng = np.random.default_rng(n_in)
    layer.lam_in, layer.lam_out = rng.standard_normal(n_in), rng.standard_normal(n_out)
    Phi, lam = layer.eigenbasis(), layer.eigenvalues()
    I = np.eye(n_in + n_out)
    A = Phi @ np.diag(lam) @ np.linalg.solve(2 * I + Phi, Phi)
    np.testing.assert_allclose(layer.operator(), A, atol=1e-14)
    np.testing.assert_allclose(np.linalg.inv(2 * I + Phi),
                               (I - (Phi - I) / 3) / 3, atol=1e-14)
    phi = layer.phi
    W = phi * (layer.lam_in[None, :] / 3 + 2 * layer.lam_out[:, None] / 9)
    np.testing.assert_allclose(A[n_in:, :n_in], W, atol=1e-14)
    np.testing.assert_allclose(layer.to_dense(), W, atol=1e-15)
    np.testing.assert_allclose(np.diag(A), lam / 3, atol=1e-15)          # eigenvalues Λ/3
    np.testing.assert_allclose(np.sort(np.linalg.eigvals(A).real), np.sort(lam / 3),
                               atol=1e-10)
    # the "inverse" form of the same arrays differs (a test that can fail)
    other = SpectralLinear(n_in, n_out, train=BOTH, seed=n_in + n_out)
    other.lam_in, other.lam_out = layer.lam_in, layer.lam_out
    assert not np.allclose(other.to_dense(), layer.to_dense())


@pytest.mark.parametrize("options", OPTIONS, ids=IDS)
def test_params_hold_exactly_the_trained_arrays(options):
    layer = SpectralLinear(6, 4, seed=3, **options)
    groups = check_train_groups(options.get("train", ("eigenvalues",)))
    expected = []
    if "eigenvalues" in groups and options.get("input_eigenvalues", "trainable") == "trainable":
        expected.append("lam_in")
    if "eigenvalues" in groups:
        expected.append("lam_out")
    if "eigenvectors" in groups:
        expected.append("phi")
    if options.get("bias"):
        expected.append("b")
    assert list(layer.params) == expected
    sizes = {"lam_in": 6, "lam_out": 4, "phi": 24, "b": 4}
    assert layer.n_params == sum(sizes[n] for n in expected)
    for name in ("lam_in", "lam_out", "phi"):
        if name not in layer.params:
            with pytest.raises(AttributeError, match=f"{name} is frozen"):
                setattr(layer, name, np.zeros_like(getattr(layer, name)))
    if not options.get("bias"):
        assert not layer.has_bias and not hasattr(layer, "b")
    if options.get("input_eigenvalues") == "fixed":
        np.testing.assert_array_equal(layer.lam_in, np.ones(6))


def test_initialisation_is_the_papers_and_shared_across_train_groups():
    a = SpectralLinear(50, 40, seed=7)
    b = SpectralLinear(50, 40, train=BOTH, seed=7)
    np.testing.assert_array_equal(a.operator(), b.operator())
    assert np.abs(a.phi).max() <= 0.5 and np.abs(a.phi).max() > 0.45
    lam = np.concatenate([a.lam_in, a.lam_out])
    assert np.abs(lam).max() <= 0.01 and np.abs(lam).max() > 0.009
    assert not np.array_equal(a.phi, SpectralLinear(50, 40, seed=8).phi)


@pytest.mark.parametrize("options", OPTIONS, ids=IDS)
def test_gradients_against_central_differences(options, rng):
    layer = SpectralLinear(5, 3, seed=11, **options)
    for name in layer.params:                 # move off the tiny initial eigenvalues
        setattr(layer, name, rng.standard_normal(layer.param_shapes()[name]))
    result = gradcheck(layer, rng.standard_normal((4, 2, 5)), eps=1e-3)
    assert set(result.errors) == set(layer.params) | {"X"}
    assert result.max_error < 1e-8, result


@pytest.mark.parametrize("options", OPTIONS, ids=IDS)
def test_every_backend_gives_the_numpy_numbers(options, xp, rng):
    layer = SpectralLinear(6, 4, seed=2, **options)
    X, dY = rng.standard_normal((5, 6)), rng.standard_normal((5, 4))
    Y, dX = layer.forward(X), layer.backward(dY)
    grads = {k: host(v) for k, v in layer.grads.items()}
    layer.to(xp)
    np.testing.assert_allclose(host(layer.forward(asarray(xp, X))), Y, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(host(layer.backward(asarray(xp, dY))), dX, rtol=1e-13, atol=1e-15)
    for name, g in grads.items():
        np.testing.assert_allclose(host(layer.grads[name]), g, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(host(layer.operator())[6:, :6], host(layer.to_dense()), atol=1e-16)


# ----------------------------------------------------------------------------
# Curvature tools: exact products against central differences of the gradient.
# ----------------------------------------------------------------------------

def _models():
    rng = np.random.default_rng(0)
    out = {
        "perceptron-L": spectral_mlp((8, 4), activations=[], input_eigenvalues="trainable", seed=1),
        "perceptron-LP": spectral_mlp((8, 4), activations=[], train=BOTH, seed=2),
        "wide-L-fixed": spectral_mlp((8, 6, 4), activations=[None], seed=3),
        "deep-LP-bias": spectral_mlp((8, 6, 5, 4), activations=[None, None], train=BOTH,
                                     bias=True, seed=4),
        "relu-LP": spectral_mlp((8, 7, 6, 4), activations=[None, "relu"], train=BOTH, seed=5),
        "relu-LP-trained-in": spectral_mlp((8, 7, 6, 4), activations=[None, "relu"],
                                           train=BOTH, input_eigenvalues="trainable", seed=8),
        "wide-L-compact": spectral_mlp((8, 6, 4), activations=[None], transfer="compact",
                                       seed=9),
        "relu-LP-compact": spectral_mlp((8, 7, 6, 4), activations=[None, "relu"], train=BOTH,
                                        transfer="compact", seed=10),
        "masked": MLP([MaskedDense(8, 6, 20, seed=6), ReLU(), MaskedDense(6, 4, 9, bias=True,
                                                                          frozen="init", seed=7)]),
    }
    for model in out.values():               # away from the tiny initial eigenvalues
        theta = flat_params(model)
        set_flat_params(model, theta + 0.5 * rng.standard_normal(theta.shape))
    return out


MODELS = _models()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    return rng.standard_normal((40, 8)), rng.integers(0, 4, 40)


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("loss", ["cross_entropy", "squared_error"])
def test_hessian_vector_product_matches_central_differences(name, loss, data):
    X, y = data
    model = MODELS[name]
    theta = flat_params(model)
    V = np.random.default_rng(2).standard_normal((theta.size, 3))
    HV = CurvatureProducts(model, X, y, loss).hessian_product(V)
    check_hvp_by_central_differences(model, X, y, V, HV, loss=loss, step=1e-5, off_kinks=False)


@pytest.mark.parametrize("name", ["perceptron-LP", "deep-LP-bias", "relu-LP"])
def test_the_bilinear_term_matters_and_the_dense_hessian_is_symmetric(name, data):
    X, y = data
    model = MODELS[name]
    H = network_hessian(model, X, y)
    np.testing.assert_allclose(H, H.T, atol=1e-12 * np.abs(H).max())
    G = network_hessian(model, X, y, kind="gauss_newton")
    assert np.linalg.eigvalsh(G).min() > -1e-10 * np.abs(G).max()
    # the layer's own curvature (W bilinear in θ) is in H, not in G: they differ
    assert np.abs(H - G).max() > 1e-3 * np.abs(H).max()


def test_gauss_newton_is_jt_s_j_by_finite_differences_of_the_logits(data):
    X, y = data
    model = MODELS["deep-LP-bias"]
    theta, eps = flat_params(model), 1e-6
    P = theta.size
    J = np.empty((X.shape[0], 4, P))
    for k in range(P):
        e = np.zeros(P)
        e[k] = eps
        set_flat_params(model, theta + e)
        up = model.forward(X)
        set_flat_params(model, theta - e)
        J[:, :, k] = (up - model.forward(X)) / (2 * eps)
    set_flat_params(model, theta)
    z = model.forward(X)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    S = np.stack([np.diag(q) - np.outer(q, q) for q in p])
    G = np.einsum("nap,nab,nbq->pq", J, S, J) / X.shape[0]
    Gx = network_hessian(model, X, y, kind="gauss_newton")
    assert np.abs(G - Gx).max() < 1e-6 * np.abs(Gx).max()


# ----------------------------------------------------------------------------
# Training, retraction, the baseline.
# ----------------------------------------------------------------------------

def test_training_reduces_the_loss_and_touches_only_trained_arrays():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 10))
    y = (X[:, :3].argmax(axis=1)).astype(np.int64)
    model = spectral_mlp((10, 8, 3), activations=[None], seed=0)
    frozen = [host(layer.phi).copy() for layer in model.linear_layers]
    config = TrainConfig(epochs=8, lr=0.03, batch_size=50, optimizer="adamax")
    history = train(model, X, y, X, y, config=config, seed=0)
    assert history.train_loss[-1] < 0.9 * history.train_loss[0]     # 11 eigenvalues only
    for layer, phi in zip(model.linear_layers, frozen):
        np.testing.assert_array_equal(layer.phi, phi)
        np.testing.assert_array_equal(layer.lam_in, 1.0)
    full = spectral_mlp((10, 8, 3), activations=[None], train=BOTH, seed=0)
    history = train(full, X, y, X, y, config=config, seed=0)
    assert history.train_loss[-1] < 0.3 * history.train_loss[0]
    assert history.test_accuracy[-1] > 0.9


@pytest.mark.parametrize("bias", [False, True])
def test_retract_merges_runs_of_linear_layers_and_keeps_the_logits(bias, xp):
    rng = np.random.default_rng(3)
    model = spectral_mlp((9, 8, 7, 6, 5, 4), activations=[None, "relu", None, None],
                         train=BOTH, bias=bias, seed=3)
    for layer in model.linear_layers:
        for name in layer.params:
            setattr(layer, name, rng.standard_normal(layer.param_shapes()[name]))
    X = rng.standard_normal((50, 9))
    logits = model.forward(X)
    y = np.argmax(logits + 0.3 * rng.standard_normal(logits.shape), axis=1)
    result = retract(model)
    assert result.merged == [(0, 1), (3, 4, 5)]
    assert "SpectralLinear#1 · SpectralLinear#0" in result.description
    kinds = [type(layer).__name__ for layer in result.model.layers]
    assert kinds == ["Dense", "ReLU", "Dense"]
    assert result.model.layers[1] is model.layers[2]
    np.testing.assert_allclose(result.model.forward(X), logits, rtol=0,
                               atol=1e-10 * np.abs(logits).max())
    assert accuracy(result.model, X, y) == accuracy(model, X, y)
    for layer in model.linear_layers:
        layer.to(xp)
    strict = retract(model).model
    np.testing.assert_allclose(host(strict.forward(asarray(xp, X))), logits, rtol=0,
                               atol=1e-10 * np.abs(logits).max())


def test_retract_leaves_dropout_in_place_and_converts_a_single_layer():
    layers = [SpectralLinear(4, 3, seed=0), ShannonDropout(0.2, seed=0), SpectralLinear(3, 2, seed=1)]
    result = retract(MLP(layers))
    assert [type(layer).__name__ for layer in result.model.layers] == ["Dense", "ShannonDropout",
                                                                       "Dense"]
    assert result.merged == [(0,), (2,)]
    np.testing.assert_array_equal(result.model.layers[0].W, layers[0].to_dense())
    np.testing.assert_array_equal(result.model.layers[0].b, 0.0)


def test_masked_dense_trains_only_its_subset():
    layer = MaskedDense(10, 6, 12, seed=5)
    assert layer.n_params == 12 and layer.positions.size == 12
    assert np.unique(layer.positions).size == 12
    W = layer.to_dense()
    mask = np.zeros(60, bool)
    mask[layer.positions] = True
    assert np.all(W.ravel()[~mask] == 0) and np.all(W.ravel()[mask] != 0)
    other = MaskedDense(10, 6, 12, seed=6)
    assert not np.array_equal(other.positions, layer.positions)
    X = np.random.default_rng(0).standard_normal((5, 10))
    layer.forward(X)
    layer.backward(np.ones((5, 6)))
    G = np.ones((5, 6)).T @ X
    np.testing.assert_array_equal(layer.grads["w"], G.ravel()[layer.positions])
    full = MaskedDense(10, 6, 60, seed=5, bias=True)
    dense = Dense(10, 6, seed=1)
    full.w = dense.W.ravel()
    full.b = np.arange(6.0)
    dense.b = np.arange(6.0)
    np.testing.assert_allclose(full.forward(X), dense.forward(X), rtol=1e-15)


def test_spectral_mlp_shapes_and_counts():
    model = spectral_mlp((64, 100, 30, 10), activations=[None, "relu"], seed=0)
    assert [type(layer).__name__ for layer in model.layers] == [
        "SpectralLinear", "SpectralLinear", "ReLU", "SpectralLinear"]
    assert model.n_params == 100 + 30 + 10                 # lam_out of every layer
    full = spectral_mlp((64, 100, 30, 10), activations=[None, "relu"], train=BOTH, seed=0)
    assert full.n_params == 140 + 64 * 100 + 100 * 30 + 30 * 10


@pytest.mark.parametrize("bad,match", [
    (dict(train=()), "at least one"), (dict(train=("eigenvalue",)), "among"),
    (dict(train=None), "train"), (dict(input_eigenvalues="one"), "input_eigenvalues"),
    (dict(bias="yes"), "bias"), (dict(transfer="2I+Phi"), "transfer")])
def test_bad_options_are_clear_errors(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        SpectralLinear(3, 2, **bad)


def test_spectral_mlp_bias_per_layer():
    model = spectral_mlp((6, 5, 4), activations=[None], bias=[False, True], seed=0)
    assert [layer.has_bias for layer in model.linear_layers] == [False, True]
    with pytest.raises(ValueError, match="one bool per layer"):
        spectral_mlp((6, 5, 4), activations=[None], bias=[True])


def test_spectral_mlp_bad_activations():
    with pytest.raises(ValueError, match="one entry per hidden layer"):
        spectral_mlp((4, 3, 2), activations=[])
    with pytest.raises(ValueError, match="'relu' or None"):
        spectral_mlp((4, 3, 2), activations=["tanh"])
    with pytest.raises(ValueError, match="activations"):
        spectral_mlp((4, 3, 2), activations="relu")
    with pytest.raises(TypeError, match="MLP"):
        retract(SpectralLinear(3, 2))
    with pytest.raises(ValueError, match="n_trained"):
        MaskedDense(3, 2, 7)
    with pytest.raises(ValueError, match="frozen"):
        MaskedDense(3, 2, 2, frozen="random")


@pytest.mark.parametrize("name", ["deep-LP-bias", "masked"])
def test_curvature_products_on_every_backend(name, xp, data):
    import copy
    X, y = data
    model = copy.deepcopy(MODELS[name])
    V = np.random.default_rng(8).standard_normal((model.n_params, 2))
    expected = {k: CurvatureProducts(model, X, y).product(V, k)
                for k in ("hessian", "gauss_newton")}
    for layer in model.linear_layers:
        layer.to(xp)
    ops = CurvatureProducts(model, asarray(xp, X), asarray(xp, y, dtype="int64"))
    for kind, HV in expected.items():
        got = host(ops.product(asarray(xp, V), kind))
        np.testing.assert_allclose(got, HV, rtol=1e-10, atol=1e-12 * np.abs(HV).max())
