"""cdnotes.adapters: LoRA and the block-circulant adapter against their slow definitions
(``B @ A``, ``scipy.linalg.circulant`` blocks), central differences, the merged dense layer,
a frozen base, and refused bad input; on NumPy and array_api_strict."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdnotes.adapters import CDAdapter, LoRA
from cdnotes.gradcheck import gradcheck
from cdnotes.layers import LAYERS, CDLinear, Dense, ReLU
from conftest import asarray, host, reference_block_circulant


def _base(kind, n_in, n_out, xp=None, dtype="float64"):
    if kind == "dense":
        return Dense(n_in, n_out, seed=1, xp=xp, dtype=dtype)
    return CDLinear(n_in, n_out, 2, seed=1, xp=xp, dtype=dtype)


def _adapter(kind, base, size, seed=3):
    if kind == "lora":
        layer = LoRA(base, size, alpha=2.0 * size, seed=seed)
        rng = np.random.default_rng(seed)
        layer.B = asarray(_ns(base), rng.standard_normal((base.n_out, size)),
                          str(host(base.reference_param).dtype))
        return layer
    layer = CDAdapter(base, size, seed=seed)
    rng = np.random.default_rng(seed)
    layer.C = asarray(_ns(base), rng.standard_normal(layer.param_shapes()["C"]),
                      str(host(base.reference_param).dtype))
    return layer


def _ns(layer):
    from cdnotes.backend import namespace_of
    return namespace_of(layer.reference_param)


def _slow_delta(layer):
    if isinstance(layer, LoRA):
        return layer.scale * host(layer.B) @ host(layer.A)
    return reference_block_circulant(host(layer.C))


@pytest.mark.parametrize("kind, size", [("lora", 1), ("lora", 3), ("cd", 2), ("cd", 4)])
@pytest.mark.parametrize("base_kind", ["dense", "cd"])
def test_forward_merge_and_gradients_against_the_slow_definitions(xp, kind, size, base_kind, rng):
    base = _base(base_kind, 8, 12, xp)
    layer = _adapter(kind, base, size)
    X = asarray(xp, rng.standard_normal((2, 3, 8)))
    W = host(base.to_dense()) + _slow_delta(layer)
    expected = host(X) @ W.T + host(base.params["b"])
    assert np.allclose(host(layer.to_dense()), W, atol=1e-12)
    assert np.allclose(host(layer.forward(X)), expected, atol=1e-12)
    merged = layer.merge()
    assert type(merged) is Dense and merged.n_params == 8 * 12 + 12
    assert np.allclose(host(merged.forward(X)), expected, atol=1e-12)
    check = gradcheck(layer, X, seed=0)
    assert check.max_error < 1e-6, check.errors
    assert set(layer.grads) == set(layer.params) == ({"A", "B"} if kind == "lora" else {"C"})


@settings(max_examples=15, deadline=None)
@given(ki=st.integers(1, 4), ko=st.integers(1, 4), B=st.integers(1, 5), rank=st.integers(1, 6),
       seed=st.integers(0, 2**16))
def test_counts_and_gradients_at_random_shapes(ki, ko, B, rank, seed):
    n_in, n_out = ki * B, ko * B
    base = Dense(n_in, n_out, seed=seed)
    X = np.random.default_rng(seed).standard_normal((3, n_in))
    for layer in (_adapter("lora", base, rank, seed), _adapter("cd", base, B, seed)):
        assert gradcheck(layer, X, seed=seed).max_error < 1e-6
    assert LoRA(base, rank).n_params == rank * (n_in + n_out)
    assert CDAdapter(base, B).n_params == n_in * n_out // B


def test_the_adapted_layer_starts_as_the_base_and_lora_starts_with_a_zero_A_gradient(rng):
    base = Dense(6, 4, seed=0)
    X = rng.standard_normal((5, 6))
    dY = rng.standard_normal((5, 4))
    for layer in (LoRA(base, 2, seed=1), CDAdapter(base, 2)):
        assert np.array_equal(layer.forward(X), base.forward(X))
        layer.backward(dY)
        if isinstance(layer, LoRA):               # B = 0: dL/dA = 0, dL/dB = dYᵀ (X Aᵀ)
            assert np.all(layer.grads["A"] == 0) and np.any(layer.grads["B"] != 0)
        else:
            assert np.any(layer.grads["C"] != 0)


def test_the_base_is_frozen_through_backward_and_an_optimiser_step(rng):
    from cdnotes.train import Adam

    base = Dense(6, 4, seed=0)
    before = {k: v.copy() for k, v in base.params.items()}
    layer = LoRA(base, 2, seed=1)
    opt = Adam(lr=0.1)
    X = rng.standard_normal((5, 6))
    for _ in range(3):
        layer.forward(X)
        layer.backward(rng.standard_normal((5, 4)))
        opt.step([layer])
    assert all(np.array_equal(base.params[k], before[k]) for k in before)
    assert np.any(layer.params["B"] != 0)
    assert layer.n_params == 2 * (6 + 4)


def test_float32_stays_float32(rng):
    base = CDLinear(8, 8, 4, dtype="float32", seed=0)
    for layer in (LoRA(base, 2), CDAdapter(base, 2)):
        Y = layer.forward(rng.standard_normal((3, 8)).astype("float32"))
        assert Y.dtype == np.float32 and all(p.dtype == np.float32 for p in layer.params.values())
        assert layer.backward(np.ones((3, 8), "float32")).dtype == np.float32


@pytest.mark.parametrize("make, error, message", [
    (lambda b: LoRA(b, 0), ValueError, "rank"),
    (lambda b: LoRA(b, 2, alpha=-1.0), ValueError, "alpha"),
    (lambda b: CDAdapter(b, 5), ValueError, "block_size"),
    (lambda b: CDAdapter(b, 0), ValueError, "block_size"),
    (lambda b: LoRA(ReLU(), 2), TypeError, "base must be a linear layer"),
    (lambda b: CDAdapter(LoRA(b, 2), 2), TypeError, "not an adapter"),
])
def test_bad_input_is_refused_naming_the_argument(make, error, message):
    with pytest.raises(error, match=message):
        make(Dense(8, 12, seed=0))


def test_wrong_input_width_and_nan_are_refused():
    layer = CDAdapter(Dense(8, 12, seed=0), 4)
    with pytest.raises(ValueError, match="8"):
        layer.forward(np.ones((2, 7)))
    with pytest.raises(ValueError, match="NaN|finite"):
        layer.forward(np.full((2, 8), np.nan))


def test_the_curvature_hooks_are_affine_not_linear(rng):
    """apply_3d includes the frozen weight; the tangent hooks do not (W_base has no tangent)."""
    for layer in (_adapter("lora", Dense(6, 4, seed=0), 2), _adapter("cd", Dense(6, 4, seed=0), 2)):
        hooks = layer.curvature()
        assert hooks.weights_linear is False and hooks.kfac_factor is None
        X3 = rng.standard_normal((1, 5, 6))
        W = host(layer.to_dense())
        assert np.allclose(hooks.apply_3d(np, X3)[0], X3[0] @ W.T, atol=1e-12)
        zero = {k: np.zeros((1,) + v.shape) for k, v in layer.params.items()}
        point = {k: v[None] for k, v in layer.params.items()}
        assert np.all(hooks.tangent_apply_3d(np, X3, point, zero) == 0)


def test_every_registry_linear_layer_can_be_adapted(rng):
    X = rng.standard_normal((3, 8))
    for name in ("dense", "cd"):
        options = {"block_size": 2} if name == "cd" else {}
        base = LAYERS[name].build(8, 8, seed=0, **options)
        layer = _adapter("lora", base, 2)
        assert gradcheck(layer, X, seed=1).max_error < 1e-6


# -- apply_adapters ---------------------------------------------------------------------------
from cdnotes.adapters import Frozen, FrozenLinear, apply_adapters, freeze, layer_groups  # noqa: E402
from cdnotes.mlp import make_mlp  # noqa: E402
from cdnotes.models import cnn_classifier, transformer_classifier  # noqa: E402
from cdnotes.train import TrainConfig, train  # noqa: E402


def _transformer():
    return transformer_classifier(8, 8, 2, 1, n_classes=3, ffn_hidden=8, seed=0)


def _data(rng, n=24, L=8):
    return rng.standard_normal((n, L)), rng.integers(0, 3, n)


@pytest.mark.parametrize("kind, options, adapter_count", [
    ("lora", {"rank": 2}, 4 * 2 * (8 + 8)), ("cd", {"block_size": 4}, 4 * 8 * 8 // 4),
    ("none", {}, 0)])
def test_adapters_on_attention_train_only_themselves_and_the_head(kind, options, adapter_count,
                                                                   rng):
    model = _transformer()
    original = {k: v.copy() for layer in model.linear_layers for k, v in layer.params.items()}
    adapted = apply_adapters(model, kind, seed=1, **options)
    head = 8 * 3 + 3
    assert adapted.n_params == adapter_count + head
    X, y = _data(rng)
    assert np.allclose(adapted.forward(X), model.forward(X), atol=1e-12)   # ΔW starts at 0
    frozen_before = {path: {k: v.copy() for k, v in layer.params.items()}
                     for path, layer in _frozen_layers(adapted)}
    train(adapted, X, y, config=TrainConfig(epochs=2, lr=0.05, optimizer="adam", batch_size=8),
          seed=0)
    for path, layer in _frozen_layers(adapted):       # frozen weights did not move
        assert all(np.array_equal(layer.params[k], v) for k, v in frozen_before[path].items())
    after = {k: v for layer in model.linear_layers for k, v in layer.params.items()}
    assert all(np.array_equal(after[k], v) for k, v in original.items())   # model untouched
    moved = [p for layer in adapted.linear_layers for p in layer.params.values()]
    assert moved and sum(p.size for p in moved) == adapted.n_params


def _frozen_layers(model):
    from cdnotes.adapters.apply import _leaves
    out = []
    for path, _, _, layer, _ in _leaves(model.layers):
        inner = layer.layer if isinstance(layer, Frozen) else layer
        base = inner.base if isinstance(inner, (FrozenLinear, LoRA, CDAdapter)) else None
        if base is not None:
            out.append(("/".join(path) + "/base", base))
        elif isinstance(layer, Frozen):
            out.append(("/".join(path), inner))
    return out


def test_groups_of_each_model_and_freeze():
    assert set().union(*layer_groups(_transformer()).values()) == {
        "embedding", "layernorm", "attention", "feedforward", "linear", "head"}
    mlp = make_mlp((8, 6, 6, 3), None, n_classes=3, seed=0)
    assert list(layer_groups(mlp).values()) == [{"linear"}, {"linear"}, {"head"}]
    cnn = cnn_classifier(8, 4, 3, seed=0)
    assert set().union(*layer_groups(cnn).values()) == {"conv", "head"}
    lora_mlp = apply_adapters(mlp, "lora", targets="linear", rank=1)
    assert lora_mlp.n_params == (8 + 6) + (6 + 6) + 6 * 3 + 3
    from cdnotes.adapters import linear_layers_in
    att = linear_layers_in(_transformer(), "attention")
    assert len(att) == 4 and all(layer.n_in == layer.n_out == 8 for layer in att)
    assert len(linear_layers_in(mlp, ("linear", "head"))) == 3
    with pytest.raises(ValueError, match="groups must name"):
        linear_layers_in(mlp, "attn")
    assert freeze(ReLU()).params == {}
    assert isinstance(freeze(Dense(2, 2)), FrozenLinear) and freeze(Dense(2, 2)).n_params == 0


@pytest.mark.parametrize("call, message", [
    (lambda m: apply_adapters(m, "dora", rank=1), "kind must be one of"),
    (lambda m: apply_adapters(m, "lora", targets="attn", rank=1), "targets must name groups"),
    (lambda m: apply_adapters(m, "lora", targets="head", trainable="head", rank=1),
     "both a target and trainable"),
    (lambda m: apply_adapters(cnn_classifier(8, 4, 3, seed=0), "lora", rank=1),
     "its groups: conv, head"),
    (lambda m: apply_adapters(m, "cd", block_size=3), "block_size"),
    (lambda m: apply_adapters(m, "none", rank=2), "takes no adapter options"),
])
def test_bad_adapter_requests_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call(_transformer())


# -- curvature through adapters ----------------------------------------------------------------
from cdnotes.curvature import (CurvatureProducts, flat_params, loss_and_gradient,  # noqa: E402
                               network_hessian, set_flat_params)


def _moved(model, rng):
    """Parameters off zero (LoRA's B and CD's C start at zero; ReLU kinks at zero biases)."""
    theta = flat_params(model)
    set_flat_params(model, theta + 0.1 * rng.standard_normal(theta.shape))
    return model


ADAPTED = {
    "transformer+lora": lambda: apply_adapters(_transformer(), "lora", rank=2, seed=1),
    "transformer+cd": lambda: apply_adapters(_transformer(), "cd", block_size=4,
                                             targets=("attention", "feedforward"), seed=1),
    "transformer+lora, no head": lambda: apply_adapters(_transformer(), "lora", rank=1,
                                                        trainable=(), seed=1),
    "mlp+lora": lambda: apply_adapters(make_mlp((8, 6, 6, 3), None, n_classes=3, seed=0),
                                       "lora", targets="linear", rank=2, seed=1),
    "mlp+cd": lambda: apply_adapters(make_mlp((8, 6, 6, 3), None, n_classes=3, seed=0),
                                     "cd", targets="linear", block_size=2, seed=1),
}


@pytest.mark.parametrize("name", list(ADAPTED))
def test_hessian_products_in_the_adapters_parameters_match_central_differences(name):
    rng = np.random.default_rng(7)
    model = _moved(ADAPTED[name](), rng)
    X, y = rng.standard_normal((5, 8)), rng.integers(0, 3, 5)
    products = CurvatureProducts(model, X, y)
    theta = flat_params(model)
    assert theta.size == model.n_params                 # only what trains
    for _ in range(2):
        v = rng.standard_normal(theta.size)
        grads = []
        for sign in (1, -1):
            set_flat_params(model, theta + sign * 1e-6 * v)
            grads.append(loss_and_gradient(model, X, y)[1])
        set_flat_params(model, theta)
        numeric = (grads[0] - grads[1]) / 2e-6
        error = np.abs(products.product(v) - numeric).max() / np.abs(numeric).max()
        assert error < 1e-5, error


def test_lora_hessian_at_the_start_is_singular_in_A():
    """With B = 0 (LoRA's start) the loss does not depend on A to first order, and the
    A-A block of the Hessian is exactly zero."""
    model = make_mlp((8, 6, 3), None, n_classes=3, seed=0)
    adapted = apply_adapters(model, "lora", targets="linear", trainable=(), rank=2, seed=1)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 8)), rng.integers(0, 3, 6)
    H = network_hessian(adapted, X, y, "hessian")
    n_A = 2 * 8                                         # A (2, 8) first, then B (6, 2)
    assert np.all(H[:n_A, :n_A] == 0) and np.any(H[:n_A, n_A:] != 0)
    assert np.allclose(H, H.T, atol=1e-12)
