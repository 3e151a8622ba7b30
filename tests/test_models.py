"""cdnotes.models: the CNN and Transformer classifiers, dense and CD (issue 19, "Layers")."""
from __future__ import annotations

import numpy as np
import pytest

import cdnotes.shfin.models as shfin_models
from cdnotes.backend import namespace_of
from cdnotes.layers import CDConv1D, Conv1D, Dense, FeedForward, MultiHeadAttention, ReLU
from cdnotes.models import (Classifier, Residual, cnn_classifier, shfin_classifier,
                            transformer_classifier)
from cdnotes.train import TrainConfig, train
from cdnotes.train.losses import LOSS_KERNELS
from _fd import relative

TINY = {
    "cnn dense": lambda **kw: cnn_classifier(12, 4, 3, kernel=3, **kw),
    "cnn cd": lambda **kw: cnn_classifier(12, 4, 3, kernel=3, structure="cd", block_size=2,
                                          **kw),
    "transformer dense": lambda **kw: transformer_classifier(6, 8, 2, 2, n_classes=3,
                                                             ffn_hidden=12, **kw),
    "transformer cd": lambda **kw: transformer_classifier(6, 8, 2, 2, n_classes=3, ffn_hidden=12,
                                                          structure="cd", block_size=2,
                                                          causal=True, **kw),
}


def _loss(model, X, y):
    xp = namespace_of(X)
    loss, dlogits = LOSS_KERNELS["cross_entropy"](xp, model.forward_2d(xp, X), y)
    return float(loss), dlogits


def _relus(layer):
    """Every ReLU inside ``layer`` (through composites' sub-layers)."""
    if isinstance(layer, ReLU):
        return [layer]
    inner = list(getattr(layer, "sublayers", {}).values()) + [getattr(layer, "relu", None)]
    return [r for sub in inner if sub is not None for r in _relus(sub)]


def _relu_signs(model):
    return [r._cache.copy() for layer in model.layers for r in _relus(layer)]


# -- the dense CNN is shfin's --------------------------------------------------------------
@pytest.mark.parametrize("kw", [{}, {"seq_len": 20, "channels": 6, "n_conv": 2, "kernel": 3,
                                     "seed": 7}])
def test_the_dense_cnn_is_shfins_bit_for_bit(kw):
    old, new = shfin_models.cnn_classifier(**kw), cnn_classifier(**kw, structure="dense")
    assert [type(a) for a in old.layers] == [type(b) for b in new.layers]
    for a, b in zip(old.layers, new.layers):
        assert list(a.params) == list(b.params)
        for key in a.params:
            np.testing.assert_array_equal(a.params[key], b.params[key])
    X = np.random.default_rng(0).standard_normal((5, old.n_in))
    np.testing.assert_array_equal(old.forward(X), new.forward(X))
    assert old.n_params == new.n_params


def test_shfin_classifier_is_the_same_object():
    assert shfin_classifier is shfin_models.shfin_classifier


def test_the_cd_cnn_makes_every_channel_to_channel_convolution_cd():
    model = cnn_classifier(40, 8, 10, n_conv=3, structure="cd", block_size=4, seed=0)
    convs = [layer for layer in model.layers if isinstance(layer, (Conv1D, CDConv1D))]
    assert [type(c) for c in convs] == [Conv1D, CDConv1D, CDConv1D]
    assert convs[0].c_in == 1 and all(c.block_size == 4 for c in convs[1:])
    assert type(model.layers[-1]) is Dense


# -- gradients ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(TINY))
def test_model_gradients_match_central_differences(name):
    model = TINY[name](seed=3)
    rng = np.random.default_rng(11)
    X, y = rng.standard_normal((5, model.n_in)), rng.integers(0, 3, 5)
    for layer in model.linear_layers:     # zero biases put ReLU inputs exactly on the kink
        for key in list(layer.params):
            theta = layer.params[key]
            layer.params[key] = theta + 0.05 * rng.standard_normal(theta.shape)
    xp = namespace_of(X)
    _, dlogits = _loss(model, X, y)
    model.backward_2d(xp, dlogits)
    eps, analytic, numeric = 1e-6, [], []
    for layer in model.linear_layers:
        grads = {k: np.array(v) for k, v in layer.grads.items()}
        assert set(grads) == set(layer.params)
        for key, g in grads.items():
            theta = np.array(layer.params[key])
            for flat in rng.choice(theta.size, size=min(3, theta.size), replace=False):
                index = np.unravel_index(flat, theta.shape)
                values = []
                for sign in (+1, -1):
                    moved = theta.copy()
                    moved[index] += sign * eps
                    layer.params[key] = moved
                    values.append((_loss(model, X, y)[0], _relu_signs(model)))
                layer.params[key] = theta
                assert all(np.array_equal(a, b) for a, b in zip(values[0][1], values[1][1]))
                numeric.append((values[0][0] - values[1][0]) / (2 * eps))
                analytic.append(g[index])
    assert len(analytic) > 20
    assert relative(analytic, numeric) < 1e-7


# -- training ---------------------------------------------------------------------------------
def _mnist1d_like(n, seq_len, n_classes, seed):
    """Class templates (a bump at a class-dependent place, a class-dependent frequency),
    randomly shifted and scaled, plus noise: ``(n, seq_len)`` float64 and labels."""
    rng = np.random.default_rng(seed)
    t = np.arange(seq_len)
    y = rng.integers(0, n_classes, n)
    shift = rng.integers(-2, 3, n)
    centre = (y + 1) * seq_len / (n_classes + 1) + shift
    X = (np.exp(-0.5 * ((t[None] - centre[:, None]) / 2.0) ** 2)
         + 0.5 * np.sin(2 * np.pi * (y[:, None] + 1) * t[None] / seq_len))
    X = X * rng.uniform(0.8, 1.2, (n, 1)) + 0.1 * rng.standard_normal((n, seq_len))
    return X, y


@pytest.mark.parametrize("name", list(TINY))
def test_a_few_training_steps_lower_the_loss(name):
    model = TINY[name](seed=0)
    X, y = _mnist1d_like(48, model.n_in, 3, seed=1)
    before = _loss(model, X, y)[0]
    history = train(model, X, y, config=TrainConfig(epochs=4, batch_size=16, lr=0.01,
                                                    optimizer="adam"), seed=0)
    assert history.train_loss[-1] < history.train_loss[0]
    assert _loss(model, X, y)[0] < before
    assert model.predict(X).shape == (48,)


# -- parameter counts -------------------------------------------------------------------------
@pytest.mark.parametrize("C, B, n_conv, kernel", [(24, 2, 3, 5), (24, 4, 3, 5), (32, 8, 3, 5),
                                                  (8, 4, 2, 3), (6, 3, 4, 7)])
def test_the_cd_cnn_parameter_count_is_the_closed_form(C, B, n_conv, kernel):
    seq_len, n_classes = 40, 10
    model = cnn_classifier(seq_len, C, n_classes, kernel=kernel, n_conv=n_conv, structure="cd",
                           block_size=B)
    length = seq_len
    for _ in range(n_conv):
        length = (length + 2 * (kernel // 2) - kernel) // 2 + 1
    closed = ((kernel + 1) * C + (n_conv - 1) * (kernel * C * C // B + C)
              + (length * C + 1) * n_classes)
    assert model.n_params == closed == sum(layer.n_params for layer in model.layers)
    dense = cnn_classifier(seq_len, C, n_classes, kernel=kernel, n_conv=n_conv)
    assert dense.n_params - model.n_params == (n_conv - 1) * kernel * C * C * (B - 1) // B


@pytest.mark.parametrize("B", [None, 2, 4])
def test_the_transformer_parameter_count_is_the_sum_and_the_closed_form(B):
    L, d, h, n_layers, n_classes = 10, 16, 2, 2, 10
    structure = "dense" if B is None else "cd"
    model = transformer_classifier(L, d, h, n_layers, n_classes=n_classes, ffn_hidden=24,
                                   structure=structure, block_size=B)
    b = B or 1
    per_block = 4 * (d * d // b + d) + (2 * d * 24 // b + 24 + d) + 4 * d
    closed = (L + 2) * d + n_layers * per_block + 2 * d + (d + 1) * n_classes
    assert model.n_params == closed == sum(layer.n_params for layer in model.layers)
    assert model.n_params == sum(int(np.size(p)) for layer in model.linear_layers
                                 for p in layer.params.values())


# -- arguments refused --------------------------------------------------------------------------
@pytest.mark.parametrize("build, error, words", [
    (lambda: cnn_classifier(structure="cd", block_size=5), ValueError,
     ["block_size=5 does not divide channels=24", "1, 2, 3, 4, 6, 8, 12, 24"]),
    (lambda: cnn_classifier(structure="cd"), ValueError, ["needs block_size"]),
    (lambda: cnn_classifier(block_size=4), ValueError, ["block_size is for structure='cd'"]),
    (lambda: cnn_classifier(structure="cd", block_size=4, n_conv=1), ValueError,
     ["n_conv >= 2"]),
    (lambda: cnn_classifier(structure="circulant", block_size=4), ValueError,
     ["structure must be one of 'dense', 'cd'"]),
    (lambda: cnn_classifier(structure="cd", block_size=0), ValueError, ["block_size"]),
    (lambda: transformer_classifier(8, 16, 4, 1, structure="cd", block_size=8), ValueError,
     ["block_size=8 does not divide d_model / n_heads=4", "1, 2, 4"]),
    (lambda: transformer_classifier(8, 16, 2, 1, structure="cd", block_size=8, ffn_hidden=20),
     ValueError, ["does not divide ffn_hidden=20"]),
    (lambda: transformer_classifier(8, 16, 3, 1), ValueError,
     ["n_heads must divide d_model=16", "1, 2, 4, 8, 16"]),
    (lambda: transformer_classifier(8, 16, 2, 0), ValueError, ["n_layers"]),
    (lambda: transformer_classifier(8, 16, 2, 1, block_size=2), ValueError,
     ["block_size is for structure='cd'"]),
])
def test_bad_arguments_are_refused_naming_them(build, error, words):
    with pytest.raises(error) as info:
        build()
    for w in words:
        assert w in str(info.value)


def test_the_residual_refuses_a_bad_layer_dict():
    with pytest.raises(TypeError, match="non-empty dict"):
        Residual(4, [])
    with pytest.raises(ValueError, match="without a dot"):
        Residual(4, {"a.b": ReLU()})
    with pytest.raises(ValueError, match="one note per layer"):
        Classifier([ReLU()], 4, 2, name="x", notes=[])


def test_the_residual_checks_its_passes():
    from cdnotes.layers import LayerNorm
    block = Residual(4, {"norm": LayerNorm(4), "relu": ReLU()})
    with pytest.raises(RuntimeError, match="before forward"):
        block.backward(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"\(N, L, width\) = \(N, L, 4\)"):
        block.forward(np.ones((2, 3, 5)))
    X = np.random.default_rng(0).standard_normal((2, 3, 4))
    Y = block.forward(X)
    with pytest.raises(ValueError, match="shape of the last forward output"):
        block.backward(np.ones((2, 3, 3)))
    np.testing.assert_array_equal(block.backward(np.ones_like(Y)),
                                  block.backward_2d(namespace_of(X), np.ones_like(Y)))


# -- repr, dtype, backends ------------------------------------------------------------------------
def test_the_repr_says_which_layers_are_cd_and_which_stay_dense():
    text = repr(cnn_classifier(structure="cd", block_size=4))
    lines = text.splitlines()
    assert "structure='cd', block_size=4" in lines[0]
    assert sum("cd (B=4)" in line and "CDConv1D" in line for line in lines) == 2
    assert any("dense: one input channel" in line and "Conv1D(1 -> 24" in line
               for line in lines)
    assert "dense: the head onto n_classes" in lines[-1] and "Dense" in lines[-1]
    text = repr(transformer_classifier(8, 16, 2, 2, structure="cd", block_size=4))
    lines = text.splitlines()
    assert sum("cd (B=4): q, k, v, o" in line for line in lines) == 2
    assert sum("cd (B=4): linear1, linear2" in line for line in lines) == 2
    assert "dense: the embedding" in lines[1] and "dense: the head" in lines[-1]
    assert "cd" not in repr(cnn_classifier()).replace("cnn_classifier", "").lower()


def test_the_transformer_blocks_are_pre_ln_residuals():
    model = transformer_classifier(6, 8, 2, 1, ffn_hidden=16, seed=0)
    attn, ffn = model.layers[1], model.layers[2]
    assert isinstance(attn, Residual) and isinstance(attn.sublayers["attention"],
                                                     MultiHeadAttention)
    assert isinstance(ffn.sublayers["ffn"], FeedForward)
    X = np.random.default_rng(0).standard_normal((2, 6, 8))
    inner = attn.sublayers["attention"].forward(attn.sublayers["norm"].forward(X))
    np.testing.assert_array_equal(attn.forward(X), X + inner)


@pytest.mark.parametrize("name", list(TINY))
def test_float32_stays_float32(name):
    model = TINY[name](seed=0, dtype="float32")
    X = np.random.default_rng(0).standard_normal((3, model.n_in)).astype(np.float32)
    assert model.forward(X).dtype == np.float32
    _, dlogits = _loss(model, X, np.array([0, 1, 2]))
    model.backward_2d(namespace_of(X), dlogits)
    assert all(g.dtype == np.float32 for layer in model.linear_layers
               for g in layer.grads.values())
    with pytest.raises(TypeError):
        model.forward(X.astype(np.float64))


@pytest.mark.parametrize("name", list(TINY))
def test_array_api_strict_forward_gives_numpys_numbers(name):
    xps = pytest.importorskip("array_api_strict")
    X = np.random.default_rng(4).standard_normal((3, TINY[name]().n_in))
    reference = TINY[name](seed=2).forward(X)
    model = TINY[name](seed=2, xp="array_api_strict")
    assert isinstance(model, Classifier)
    Y = model.forward(xps.asarray(X))
    assert type(Y).__module__.startswith("array_api_strict")
    np.testing.assert_allclose(np.asarray(Y), reference, rtol=1e-12, atol=1e-13)
