"""Issue 19's attention-side layers: LayerNorm, FeedForward, MultiHeadAttention — gradients
against central differences, the forward against slow references, the causal mask, float32,
array_api_strict, bad inputs, parameter counts and the optimizers reaching sub-layers."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from cdnotes.backend import namespace_of
from cdnotes.layers import LAYERS, FeedForward, LayerNorm, MultiHeadAttention
from conftest import asarray, host

EPS = 1e-6              # central-difference step (float64)
TOLERANCE = 1e-7        # on max |analytic − difference| / max |difference|


def _loss(layer, X, R):
    """``Σ R ⊙ layer(X)``: its gradient with respect to the output is ``R``."""
    return float(np.sum(R * layer.forward(X)))


def _relu_signs(layer):
    """The ReLU pattern of a FeedForward's last forward (``None`` for other layers)."""
    relu = getattr(layer, "relu", None)
    return None if relu is None else relu._cache.copy()


def _check_gradients(layer, X, rng, directions=2):
    """Directional derivatives of ``Σ R ⊙ layer(X)`` along random directions of the input
    and of every parameter: the backward pass's against central differences."""
    R = rng.standard_normal(layer.forward(X).shape)
    dX = layer.backward(R)
    grads = {k: np.array(v) for k, v in layer.grads.items()}
    assert set(grads) == set(layer.params)
    analytic, numeric = [], []

    def difference(move):
        move(+EPS)
        up, signs_up = _loss(layer, X_now[0], R), _relu_signs(layer)
        move(-EPS)
        down, signs_down = _loss(layer, X_now[0], R), _relu_signs(layer)
        move(0.0)
        assume(signs_up is None or np.array_equal(signs_up, signs_down))   # no kink crossed
        return (up - down) / (2 * EPS)

    X_now = [X]
    for _ in range(directions):
        V = rng.standard_normal(X.shape)

        def move_x(eps, V=V):
            X_now[0] = X + eps * V
        analytic.append(float(np.sum(dX * V)))
        numeric.append(difference(move_x))
        for key, g in grads.items():
            theta = np.array(layer.params[key])
            V = rng.standard_normal(theta.shape)

            def move_p(eps, key=key, theta=theta, V=V):
                layer.params[key] = theta + eps * V
            analytic.append(float(np.sum(g * V)))
            numeric.append(difference(move_p))
    analytic, numeric = np.array(analytic), np.array(numeric)
    assert np.abs(analytic - numeric).max() <= TOLERANCE * np.abs(numeric).max()


@st.composite
def attention_cases(draw):
    """(N, L, n_heads, head_dim, structure, block_size, causal, seed); ``structure`` is
    ``"dense"`` or ``"cd"`` (its "auto" path) or ``("cd", method)``, a path named."""
    n_heads, head_dim = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    structure = draw(st.sampled_from(["dense", "cd", ("cd", "fft"), ("cd", "rdft")]))
    B = draw(st.sampled_from([b for b in range(1, head_dim + 1) if head_dim % b == 0]))
    return (draw(st.integers(1, 3)), draw(st.integers(1, 4)), n_heads, head_dim, structure,
            B if structure != "dense" else None, draw(st.booleans()), draw(st.integers(0, 2**20)))


def _attention(case, **kw):
    N, L, n_heads, head_dim, structure, B, causal, seed = case
    if isinstance(structure, tuple):
        structure, kw["method"] = structure
    layer = MultiHeadAttention(n_heads * head_dim, n_heads, structure=structure, block_size=B,
                               causal=causal, seed=seed, **kw)
    rng = np.random.default_rng(seed)
    for key in layer.params:                     # non-zero biases, so their paths are tested
        if key.endswith(".b"):
            layer.params[key] = 0.5 * rng.standard_normal(layer.params[key].shape)
    return layer, rng.standard_normal((N, L, n_heads * head_dim)), rng


@settings(max_examples=60)
@given(case=attention_cases())
def test_attention_gradients_match_central_differences(case):
    layer, X, rng = _attention(case)
    _check_gradients(layer, X, rng)


@settings(max_examples=30)
@given(N=st.integers(1, 3), L=st.integers(1, 4), d=st.integers(1, 4), hidden=st.integers(1, 4),
       structure=st.sampled_from(["dense", "cd"]), seed=st.integers(0, 2**20))
def test_feedforward_gradients_match_central_differences(N, L, d, hidden, structure, seed):
    B = math.gcd(d, hidden) if structure == "cd" else None
    layer = FeedForward(d * (B or 1), hidden * (B or 1), structure=structure, block_size=B,
                        seed=seed)
    rng = np.random.default_rng(seed)
    layer.params["linear1.b"] = 0.3 * rng.standard_normal(layer.linear1.n_out)
    _check_gradients(layer, rng.standard_normal((N, L, layer.d_model)), rng)


@settings(max_examples=30)
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3), d=st.integers(1, 6),
       seed=st.integers(0, 2**20))
def test_layernorm_gradients_match_central_differences_and_the_formula(shape, d, seed):
    rng = np.random.default_rng(seed)
    layer = LayerNorm(d, eps=1e-3)
    gamma, beta = rng.standard_normal(d), rng.standard_normal(d)
    layer.params = {"gamma": gamma, "beta": beta}
    X = rng.standard_normal(tuple(shape) + (d,))
    expected = (X - X.mean(-1, keepdims=True)) / np.sqrt(X.var(-1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(layer.forward(X), gamma * expected + beta, rtol=1e-12, atol=1e-12)
    _check_gradients(layer, X, rng)


def _reference_attention(layer, X):
    """Explicit loops over samples and heads with the projections' ``to_dense()``."""
    W = {n: np.asarray(getattr(layer, n).to_dense()) for n in "qkvo"}
    b = {n: np.asarray(getattr(layer, n).b) for n in "qkvo"}
    Q, K, V = (X @ W[n].T + b[n] for n in "qkv")
    N, L, d = X.shape
    dh = d // layer.n_heads
    out = np.zeros_like(X)
    for n in range(N):
        for h in range(layer.n_heads):
            cols = slice(h * dh, (h + 1) * dh)
            S = Q[n, :, cols] @ K[n, :, cols].T / np.sqrt(dh)
            if layer.causal:
                S[np.triu_indices(L, 1)] = -np.inf
            A = np.exp(S - S.max(axis=1, keepdims=True))
            out[n, :, cols] = (A / A.sum(axis=1, keepdims=True)) @ V[n, :, cols]
    return out @ W["o"].T + b["o"]


@settings(max_examples=40)
@given(case=attention_cases())
def test_attention_forward_matches_the_slow_reference(case):
    layer, X, _ = _attention(case)
    np.testing.assert_allclose(layer.forward(X), _reference_attention(layer, X),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("structure, B", [("dense", None), ("cd", 2)])
def test_the_causal_mask_hides_later_positions_and_without_it_they_count(structure, B):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 6, 8))
    for causal in (True, False):
        layer = MultiHeadAttention(8, 2, structure=structure, block_size=B, causal=causal, seed=1)
        Y = layer.forward(X)
        for t in range(5):
            moved = X.copy()
            moved[:, t + 1:] += rng.standard_normal(moved[:, t + 1:].shape)
            Y2 = layer.forward(moved)
            same = np.allclose(Y2[:, :t + 1], Y[:, :t + 1], rtol=0, atol=1e-14)
            assert same == causal, (causal, t)


def test_the_key_bias_gets_no_gradient():
    """Softmax is shift-invariant along the keys, so ``k.b`` moves no score: its gradient is
    zero (a sign that the scores' backward is wired to the right axis)."""
    layer, X, rng = _attention((2, 5, 2, 3, "dense", None, False, 3))
    layer.forward(X)
    layer.backward(rng.standard_normal(X.shape))
    assert np.abs(layer.grads["k.b"]).max() < 1e-12 < np.abs(layer.grads["q.b"]).max()


def test_n_params_is_the_sum_of_the_sub_layers_and_the_closed_form():
    mha = MultiHeadAttention(32, 4, structure="cd", block_size=4, seed=0)
    assert mha.n_params == sum(getattr(mha, n).n_params for n in "qkvo")
    assert mha.n_params == 4 * LAYERS["cd"].n_params(32, 32, block_size=4)
    assert mha.n_params == 4 * (32 * 32 // 4 + 32)
    assert list(mha.params) == [f"{n}.{p}" for n in "qkvo" for p in ("C", "b")]
    ff = FeedForward(32, 64, structure="cd", block_size=8, seed=0)
    assert ff.n_params == ff.linear1.n_params + ff.linear2.n_params == 2 * (32 * 64 // 8) + 64 + 32
    assert LayerNorm(32).n_params == 64
    assert MultiHeadAttention(32, 4, seed=0).n_params == 4 * (32 * 32 + 32)
    named = MultiHeadAttention(32, 4, structure="cd", block_size=4, method="fft", seed=0)
    assert {getattr(named, n).method for n in "qkvo"} == {"fft"}      # options reach every layer
    low = FeedForward(32, 16, structure="low_rank", rank=2, seed=0)
    assert low.n_params == LAYERS["low_rank"].n_params(32, 16, rank=2) + LAYERS[
        "low_rank"].n_params(16, 32, rank=2)


def test_seeded_and_each_projection_its_own_weights():
    a, b = MultiHeadAttention(8, 2, seed=5), MultiHeadAttention(8, 2, seed=5)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert not np.array_equal(a.q.W, a.k.W)
    assert not np.array_equal(a.q.W, MultiHeadAttention(8, 2, seed=6).q.W)


def test_the_optimizers_update_the_sub_layers_through_the_prefixed_keys():
    from cdnotes.train import Adam
    layer, X, rng = _attention((2, 3, 2, 2, "cd", 2, True, 7))
    before = np.array(layer.q.C)
    layer.forward(X)
    layer.backward(rng.standard_normal(X.shape))
    Adam(lr=0.1).step([layer])
    assert not np.allclose(layer.q.C, before)
    assert layer.params["q.C"] is layer.q.params["C"]
    saved = layer.grads                             # K-FAC saves and restores grads this way
    layer.grads = {}
    assert layer.grads == {} and layer.q.grads == {}
    layer.grads = saved
    assert layer.o.grads["b"] is saved["o.b"]
    with pytest.raises(TypeError, match="cannot be deleted"):
        del layer.params["q.C"]


def test_a_composite_moves_to_another_backend_with_its_sub_layers():
    import array_api_strict as xps
    layer, X, _ = _attention((2, 3, 2, 2, "cd", 2, False, 8))
    Y = layer.forward(X)
    layer.to("array_api_strict")
    assert all(type(p).__module__.startswith("array_api_strict") for p in layer.params.values())
    np.testing.assert_allclose(host(layer.forward(xps.asarray(X))), Y, rtol=1e-12, atol=1e-13)


def test_a_transformer_layer_stack_trains_with_the_library_loop():
    from cdnotes.layers import Dense
    from cdnotes.shfin.models import MeanPool, PositionEmbedding, SequenceModel
    from cdnotes.train import TrainConfig, train
    layers = [PositionEmbedding(6, 8, seed=0), MultiHeadAttention(8, 2, structure="cd",
                                                                   block_size=2, seed=1),
              LayerNorm(8), FeedForward(8, 16, structure="cd", block_size=4, seed=2), MeanPool(),
              Dense(8, 3, seed=3)]
    model = SequenceModel(layers, 6, 3)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((24, 6)), rng.integers(0, 3, 24)
    history = train(model, X, y, config=TrainConfig(epochs=3, batch_size=8, lr=0.01,
                                                    optimizer="adam"), seed=0)
    assert history.train_loss[-1] < history.train_loss[0]


def test_positionwise_ffn_is_the_residual_feedforward_with_a_scaled_second_layer():
    from cdnotes.shfin.models import PositionwiseFFN
    old = PositionwiseFFN(6, 10, seed=4)
    new = FeedForward(6, 10, seed=4)
    new.params["linear2.W"] = new.params["linear2.W"] * 0.1
    X = np.random.default_rng(1).standard_normal((2, 3, 6))
    np.testing.assert_array_equal(old.forward_2d(namespace_of(X), X), X + new.forward(X))


@pytest.mark.parametrize("make", [
    lambda xp: MultiHeadAttention(8, 2, structure="cd", block_size=2, causal=True, seed=0, xp=xp),
    lambda xp: FeedForward(8, 12, structure="cd", block_size=4, seed=0, xp=xp),
    lambda xp: LayerNorm(8, xp=xp)])
def test_every_backend_gives_numpys_numbers(make, xp, backend):
    rng = np.random.default_rng(2)
    X, R = rng.standard_normal((2, 4, 8)), rng.standard_normal((2, 4, 8))
    reference = make(None)
    Y, dX = reference.forward(X), reference.backward(R)
    layer = make(backend)
    np.testing.assert_allclose(host(layer.forward(asarray(xp, X))), Y, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(host(layer.backward(asarray(xp, R))), dX, rtol=1e-12, atol=1e-13)
    for key, g in reference.grads.items():
        np.testing.assert_allclose(host(layer.grads[key]), g, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("make", [
    lambda dtype: MultiHeadAttention(8, 2, structure="cd", block_size=4, causal=True, seed=0,
                                     dtype=dtype),
    lambda dtype: FeedForward(8, 16, structure="cd", block_size=8, seed=0, dtype=dtype),
    lambda dtype: LayerNorm(8, dtype=dtype)])
def test_float32_stays_float32_and_agrees_with_float64(make):
    rng = np.random.default_rng(3)
    X, R = rng.standard_normal((3, 5, 8)), rng.standard_normal((3, 5, 8))
    layer, wide = make("float32"), make("float64")
    Y, dX = layer.forward(X.astype(np.float32)), layer.backward(R.astype(np.float32))
    assert Y.dtype == dX.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())
    assert all(p.dtype == np.float32 for p in layer.params.values())
    np.testing.assert_allclose(Y, wide.forward(X), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dX, wide.backward(R), rtol=1e-4, atol=1e-5)
    with pytest.raises(TypeError, match="share one dtype"):
        layer.forward(X)
    wide.to(dtype="float32")
    assert wide.forward(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("build, error, words", [
    (lambda: MultiHeadAttention(12, 5), ValueError,
     "n_heads must divide d_model=12.*1, 2, 3, 4, 6, 12"),
    (lambda: MultiHeadAttention(12, 2, structure="cd", block_size=4), ValueError,
     r"block_size=4 does not divide d_model / n_heads=6.*1, 2, 3, 6"),
    (lambda: MultiHeadAttention(12, 2, structure="cd"), ValueError, "needs block_size"),
    (lambda: MultiHeadAttention(12, 2, block_size=2), ValueError, "block_size is for structure"),
    (lambda: MultiHeadAttention(12, 2, structure="cd", block_size=0), ValueError, "block_size=0"),
    (lambda: MultiHeadAttention(12, 2, structure="nope"), ValueError, "structure must be one of"),
    (lambda: MultiHeadAttention(12, 2, causal="yes"), TypeError, "causal must be True or False"),
    (lambda: MultiHeadAttention(0, 1), ValueError, "d_model"),
    (lambda: FeedForward(8, 12, structure="cd", block_size=8), ValueError,
     "block_size=8 does not divide hidden=12.*1, 2, 4"),
    (lambda: FeedForward(8, 12, structure="cd", block_size=2, rank=3), TypeError, "rank"),
    (lambda: LayerNorm(4, eps=0.0), ValueError, "eps"),
])
def test_bad_settings_are_refused_naming_the_argument(build, error, words):
    with pytest.raises(error, match=words):
        build()


@pytest.mark.parametrize("make", [lambda: MultiHeadAttention(8, 2, seed=0),
                                  lambda: FeedForward(8, 4, seed=0)])
def test_bad_inputs_are_refused_naming_the_argument(make):
    layer = make()
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((1, 1, 8)))
    for X, words in [(np.zeros((2, 3, 7)), r"X must have shape \(N, L, d_model\) = \(N, L, 8\)"),
                     (np.zeros((3, 8)), "X must have shape"),
                     (np.zeros((0, 3, 8)), "N, L >= 1"), (np.zeros((2, 0, 8)), "N, L >= 1"),
                     (np.full((1, 2, 8), np.nan), "X contains non-finite"),
                     (np.zeros((1, 2, 8), dtype=np.int64), "X must be a real floating")]:
        with pytest.raises((ValueError, TypeError), match=words):
            layer.forward(X)
    layer.forward(np.ones((2, 3, 8)))
    with pytest.raises(ValueError, match=r"dY must have the shape .*\(2, 3, 8\)"):
        layer.backward(np.ones((2, 4, 8)))
    with pytest.raises(ValueError, match="dY contains non-finite"):
        layer.backward(np.full((2, 3, 8), np.inf))
    layer.forward_2d(namespace_of(np.ones(1)), np.ones((1, 3, 8)))
    with pytest.raises(RuntimeError, match="forward_2d ran since"):
        layer.backward(np.ones((2, 3, 8)))
    with pytest.raises(KeyError, match="q.W|linear1.W"):
        layer.params["nope.W"] = np.zeros(3)


def test_layernorm_refuses_bad_inputs_naming_them():
    layer = LayerNorm(4)
    for X, words in [(np.zeros((2, 5)), "last dimension 5 but the layer expects n_in=4"),
                     (np.zeros(4), "batch dimension"), (np.zeros((0, 4)), "empty batch"),
                     (np.full((2, 4), np.nan), "X contains non-finite")]:
        with pytest.raises(ValueError, match=words):
            layer.forward(X)
    layer.forward(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="dY must have the shape"):
        layer.backward(np.ones((2, 4)))
