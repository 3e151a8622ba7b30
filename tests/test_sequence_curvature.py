"""Exact Hessian- and Gauss-Newton-vector products of the sequence classifiers (issue 19,
"Curvature of these networks"): the layers that chain them (Residual, ReLU, Dense,
PositionEmbedding, MeanPool, Flatten, AddChannel) get ``jvp``/``rop_backward``, and
:class:`~cdnotes.curvature.CurvatureProducts` takes the CNN and Transformer classifiers
(dense and CD): ``H v`` against central differences of the gradient, ``G v`` against
``Jᵀ S J v`` from finite-difference Jacobians, symmetry, ``G ⪰ 0``, the full Hessian."""
import numpy as np
import pytest

from cdnotes.curvature import (CurvatureProducts, flat_params, gauss_newton_vector_product,
                               hessian_vector_product, lanczos, loss_and_gradient,
                               network_hessian, set_flat_params)
from cdnotes.layers import Dense, FeedForward, LayerNorm, MultiHeadAttention, ReLU, softmax
from cdnotes.models import Residual, cnn_classifier, shfin_classifier, transformer_classifier
from cdnotes.shfin.models import AddChannel, Flatten, MeanPool, PositionEmbedding

STEP = 1e-6             # central-difference step on θ (float64): the error falls as h² down to
                        # 1e-6 (transformers: 2e-5 at 1e-4, 2e-7 at 1e-5, 2e-9 at 1e-6)
TOLERANCE = 1e-6        # on max |H v − difference| / max |difference|

MODELS = {
    "cnn dense": lambda seed: cnn_classifier(8, 4, 3, kernel=3, n_conv=2, seed=seed),
    "cnn cd": lambda seed: cnn_classifier(8, 4, 3, kernel=3, n_conv=2, structure="cd",
                                          block_size=2, seed=seed),
    "transformer dense": lambda seed: transformer_classifier(6, 4, 2, 1, n_classes=3,
                                                             ffn_hidden=6, seed=seed),
    "transformer cd": lambda seed: transformer_classifier(6, 4, 2, 1, n_classes=3, ffn_hidden=6,
                                                          structure="cd", block_size=2,
                                                          causal=True, seed=seed),
}
SMALL = {   # for the finite-difference Jacobians of the logits
    "cnn dense": lambda seed: cnn_classifier(6, 2, 3, kernel=3, n_conv=2, seed=seed),
    "cnn cd": lambda seed: cnn_classifier(6, 2, 3, kernel=3, n_conv=2, structure="cd",
                                          block_size=2, seed=seed),
    "transformer dense": lambda seed: transformer_classifier(4, 4, 2, 1, n_classes=3,
                                                             ffn_hidden=4, seed=seed),
    "transformer cd": lambda seed: transformer_classifier(4, 4, 2, 1, n_classes=3, ffn_hidden=4,
                                                          structure="cd", block_size=2,
                                                          seed=seed),
}


def _relus(layer):
    if isinstance(layer, ReLU):
        return [layer]
    inner = list(getattr(layer, "sublayers", {}).values()) + [getattr(layer, "relu", None)]
    return [r for sub in inner if sub is not None for r in _relus(sub)]


def _signs(model, X):
    """The ReLU patterns of ``model`` on ``X``."""
    model.forward(X)
    return [r._cache.copy() for layer in model.layers for r in _relus(layer)]


def _setup(build, seed=3, n=5):
    """A model with parameters moved off zero (zero biases put ReLU inputs on the kink),
    a batch and labels, all seeded."""
    model = build(seed)
    rng = np.random.default_rng(seed + 100)
    theta = flat_params(model)
    set_flat_params(model, theta + 0.1 * rng.standard_normal(theta.shape))
    X, y = rng.standard_normal((n, model.n_in)), rng.integers(0, model.n_classes, n)
    return model, X, y, rng


def _gradient_difference(model, X, y, v, step=STEP):
    """Central difference of the gradient along ``v``, and whether no ReLU changed sign."""
    theta = flat_params(model)
    out, signs = [], []
    for sign in (1, -1):
        set_flat_params(model, theta + sign * step * v)
        out.append(loss_and_gradient(model, X, y)[1])
        signs.append(_signs(model, X))
    set_flat_params(model, theta)
    same = all(np.array_equal(a, b) and np.array_equal(a, c)
               for a, b, c in zip(signs[0], signs[1], _signs(model, X)))
    return (out[0] - out[1]) / (2 * step), same


def _relative(analytic, numeric):
    return np.abs(analytic - numeric).max() / np.abs(numeric).max()


# -- the network products --------------------------------------------------------------------
@pytest.mark.parametrize("name", list(MODELS))
def test_hessian_vector_product_matches_central_differences_of_the_gradient(name):
    model, X, y, rng = _setup(MODELS[name])
    products = CurvatureProducts(model, X, y)
    for _ in range(3):
        v = rng.standard_normal(model.n_params)
        numeric, same = _gradient_difference(model, X, y, v)
        assert same                              # no kink crossed inside the step
        assert _relative(products.product(v), numeric) < TOLERANCE
    np.testing.assert_array_equal(products.gradient, loss_and_gradient(model, X, y)[1])


@pytest.mark.parametrize("name", list(MODELS))
def test_the_functions_dispatch_on_the_model_and_batch_the_columns(name):
    model, X, y, rng = _setup(MODELS[name])
    V = rng.standard_normal((model.n_params, 3))
    products = CurvatureProducts(model, X, y)
    HV, GV = hessian_vector_product(model, X, y, V), gauss_newton_vector_product(model, X, y, V)
    assert HV.shape == GV.shape == V.shape
    for j in range(3):
        np.testing.assert_allclose(HV[:, j], products.hessian_product(V[:, j]), rtol=0,
                                   atol=1e-14 * np.abs(HV).max())
        np.testing.assert_allclose(GV[:, j], products.gauss_newton_product(V[:, j]), rtol=0,
                                   atol=1e-14 * np.abs(GV).max())


def _logit_jacobians(model, X, step=STEP):
    """``J`` ``(N, K, P)``: central differences of the logits in every parameter."""
    theta = flat_params(model)
    columns = []
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = step
        set_flat_params(model, theta + e)
        up = model.forward(X)
        set_flat_params(model, theta - e)
        columns.append((up - model.forward(X)) / (2 * step))
    set_flat_params(model, theta)
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("name", list(SMALL))
def test_gauss_newton_product_is_jt_s_j_from_finite_difference_jacobians(name):
    model, X, y, rng = _setup(SMALL[name], n=4)
    signs = _signs(model, X)
    J = _logit_jacobians(model, X)
    assert all(np.array_equal(a, b) for a, b in zip(signs, _signs(model, X)))
    p = softmax(model.forward(X), axis=1)
    S = (np.einsum("nk,kl->nkl", p, np.eye(p.shape[1])) - np.einsum("nk,nl->nkl", p, p))
    G = np.einsum("nkp,nkl,nlq->pq", J, S, J) / X.shape[0]
    products = CurvatureProducts(model, X, y)
    for _ in range(3):
        v = rng.standard_normal(model.n_params)
        assert _relative(products.gauss_newton_product(v), G @ v) < TOLERANCE


@pytest.mark.parametrize("name", list(MODELS))
def test_products_are_symmetric_and_gauss_newton_is_positive_semi_definite(name):
    model, X, y, rng = _setup(MODELS[name])
    products = CurvatureProducts(model, X, y)
    u, v = rng.standard_normal((2, model.n_params))
    for kind in ("hessian", "gauss_newton"):
        a, b = u @ products.product(v, kind), v @ products.product(u, kind)
        assert abs(a - b) <= 1e-12 * max(abs(a), abs(b))
    for _ in range(5):
        v = rng.standard_normal(model.n_params)
        assert v @ products.gauss_newton_product(v) >= 0.0


@pytest.mark.parametrize("name", ["cnn dense", "transformer cd"])
def test_the_full_hessian_is_symmetric_and_lanczos_finds_its_extremes(name):
    model, X, y, _ = _setup(MODELS[name])
    P = model.n_params
    assert 70 <= P <= 300
    products = CurvatureProducts(model, X, y)
    H = products.hessian_product(np.eye(P))
    G = products.gauss_newton_product(np.eye(P))
    assert np.abs(H - H.T).max() <= 1e-12 * np.abs(H).max()
    assert np.abs(G - G.T).max() <= 1e-12 * np.abs(G).max()
    h, g = np.linalg.eigvalsh(0.5 * (H + H.T)), np.linalg.eigvalsh(0.5 * (G + G.T))
    assert h[0] < 0 < h[-1]                      # indefinite: the network's Hessian
    assert g[0] >= -1e-12 * g[-1]                # G ⪰ 0
    ritz = lanczos(products.matvec(), P, n_steps=P, seed=0)
    assert abs(ritz[-1] - h[-1]) <= 1e-9 * h[-1] and abs(ritz[0] - h[0]) <= 1e-9 * h[-1]
    np.testing.assert_array_equal(network_hessian(model, X, y, symmetrize=False,
                                                  block_columns=50), H)
    np.testing.assert_array_equal(network_hessian(model, X, y, "gauss_newton"), 0.5 * (G + G.T))


def test_products_stay_at_the_point_and_leave_the_model_as_found():
    model, X, y, rng = _setup(MODELS["transformer cd"])
    products = CurvatureProducts(model, X, y)
    v = rng.standard_normal(model.n_params)
    before = products.product(v)
    theta = flat_params(model)
    set_flat_params(model, theta + 0.3)
    moved = flat_params(model)
    np.testing.assert_array_equal(products.product(v), before)
    np.testing.assert_array_equal(flat_params(model), moved)
    assert not np.allclose(hessian_vector_product(model, X, y, v), before)


def test_flat_params_round_trip_on_a_sequence_model():
    model = MODELS["transformer dense"](0)
    theta = flat_params(model)
    assert theta.shape == (model.n_params,)
    set_flat_params(model, 2.0 * theta)
    np.testing.assert_array_equal(flat_params(model), 2.0 * theta)


def test_a_model_without_the_kernels_is_refused_by_name():
    model = shfin_classifier(8, 4, 3, patch_sizes=(4, 8), k=2, rank=2, seed=0)
    X, y = np.zeros((2, 8)), np.zeros(2, dtype=int)
    for call in (lambda: CurvatureProducts(model, X, y), lambda: flat_params(model)):
        with pytest.raises(TypeError, match="SHFINBlock without them"):
            call()
    with pytest.raises(ValueError, match=r"X must have shape \(N, seq_len\)"):
        CurvatureProducts(MODELS["cnn dense"](0), np.zeros((2, 7)), y)


# -- the layers that chain the models ------------------------------------------------------
def _layers(rng):
    """``(layer, input)`` for each chaining layer, parameters moved off their initial values."""
    d = 4
    cases = {
        "residual attention": (Residual(d, {"norm": LayerNorm(d), "attention":
                                             MultiHeadAttention(d, 2, seed=1)}), (2, 3, d)),
        "residual ffn": (Residual(d, {"norm": LayerNorm(d), "ffn": FeedForward(d, 6, seed=2)}),
                         (2, 3, d)),
        "position embedding": (PositionEmbedding(5, 3, seed=3), (2, 5)),
        "mean pool": (MeanPool(), (2, 5, 3)),
        "flatten": (Flatten(), (2, 5, 3)),
        "add channel": (AddChannel(), (2, 5)),
        "relu": (ReLU(), (2, 5, 3)),
        "dense": (Dense(3, 4, seed=4), (2, 5, 3)),
    }
    out = {}
    for name, (layer, shape) in cases.items():
        for key in layer.params:
            layer.params[key] = layer.params[key] + 0.3 * rng.standard_normal(
                layer.params[key].shape)
        out[name] = (layer, rng.standard_normal(shape))
    return out


LAYER_NAMES = list(_layers(np.random.default_rng(0)))


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_layer_jvp_and_rop_backward_match_central_differences(name):
    rng = np.random.default_rng(7)
    layer, X = _layers(rng)[name]
    Y = layer.forward(X)
    dX, dY, ddY = (rng.standard_normal(s) for s in (X.shape, Y.shape, Y.shape))
    v = {k: rng.standard_normal(p.shape) for k, p in layer.params.items()}
    theta = {k: np.array(p) for k, p in layer.params.items()}
    eps, outs, backs = 1e-6, [], []
    for sign in (1, -1):
        for k in theta:
            layer.params[k] = theta[k] + sign * eps * v[k]
        outs.append(layer.forward(X + sign * eps * dX))
        g = layer.backward(dY + sign * eps * ddY)
        backs.append((g, {k: np.array(layer.grads[k]) for k in theta}))
    for k in theta:
        layer.params[k] = theta[k]
    layer.forward(X)
    assert _relative(layer.jvp(dX, v), (outs[0] - outs[1]) / (2 * eps)) < 1e-7
    RdX, Rgrads = layer.rop_backward(dY, dX, v, ddY)
    assert set(Rgrads) == set(theta)
    assert _relative(RdX, (backs[0][0] - backs[1][0]) / (2 * eps)) < 1e-7
    numeric = {k: (backs[0][1][k] - backs[1][1][k]) / (2 * eps) for k in theta}
    scale = max([np.abs(a).max() for a in numeric.values()], default=1.0)
    for k in theta:         # on the largest entry: R{∂L/∂k.b} of attention is zero (softmax)
        assert np.abs(Rgrads[k] - numeric[k]).max() < 1e-7 * scale
    np.testing.assert_array_equal(layer.rop_backward(dY, ddY=ddY)[0], layer.backward(ddY))


def test_layer_tangents_are_refused_before_forward_and_with_unknown_keys():
    with pytest.raises(RuntimeError, match="before forward"):
        MeanPool().jvp(np.zeros((1, 2, 3)))
    relu = ReLU()
    relu.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="none \\(no parameters\\)"):
        relu.jvp(np.ones((2, 3)), {"W": np.ones(3)})
    with pytest.raises(ValueError, match="seq_len=5"):
        PositionEmbedding(5, 3, seed=0).forward(np.zeros((2, 4)))


@pytest.mark.parametrize("name", ["cnn cd", "transformer cd"])
def test_products_on_array_api_strict_equal_numpy_and_float32_stays_float32(name):
    xs = pytest.importorskip("array_api_strict")
    model, X, y, rng = _setup(MODELS[name])
    theta = flat_params(model)
    twin = {"cnn cd": lambda: cnn_classifier(8, 4, 3, kernel=3, n_conv=2, structure="cd",
                                             block_size=2, seed=3, xp="array_api_strict"),
            "transformer cd": lambda: transformer_classifier(
                6, 4, 2, 1, n_classes=3, ffn_hidden=6, structure="cd", block_size=2,
                causal=True, seed=3, xp="array_api_strict")}[name]()
    set_flat_params(twin, xs.asarray(theta))
    v = rng.standard_normal(model.n_params)
    ours, theirs = CurvatureProducts(model, X, y), CurvatureProducts(twin, xs.asarray(X),
                                                                     xs.asarray(y))
    for kind in ("hessian", "gauss_newton"):
        np.testing.assert_array_equal(np.asarray(theirs.product(xs.asarray(v), kind)),
                                      ours.product(v, kind))
    single = MODELS[name](3)
    for layer in single.layers:
        layer.to(dtype="float32")
    set_flat_params(single, theta.astype(np.float32))
    out = CurvatureProducts(single, X.astype(np.float32), y).product(v.astype(np.float32))
    assert out.dtype == np.float32
    assert _relative(out, ours.product(v)) < 1e-4
