"""The one registry of linear layers, cdnotes.layers.LAYERS: closed-form counts, seeded
builds, clear refusals; make_mlp and match_budget read it."""
from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdnotes.layers import LAYERS, Linear, MaskedDense
from cdnotes.mlp import make_mlp
from cdnotes.structured import STRUCTURES, SparseFixed, match_budget
from cdnotes.validation import divisors

WIDTH = st.integers(1, 24)


@st.composite
def _square(draw):
    n = draw(WIDTH)
    return n, n


def _shape(draw, square=False):
    return draw(_square()) if square else (draw(WIDTH), draw(WIDTH))


def _cd(draw):
    B = draw(st.integers(1, 6))
    n_in, n_out = B * draw(st.integers(1, 5)), B * draw(st.integers(1, 5))
    return n_in, n_out, {"block_size": B, "method": draw(st.sampled_from(["auto", "fft",
                                                                          "dense"]))}


def _masked(draw):
    n_in, n_out = _shape(draw)
    return n_in, n_out, {"n_trained": draw(st.integers(1, n_in * n_out)),
                         "bias": draw(st.booleans()),
                         "frozen": draw(st.sampled_from(["zero", "init"]))}


def _spectral(draw):
    n_in, n_out = _shape(draw)
    train = draw(st.sampled_from([("eigenvalues",), ("eigenvectors",),
                                  ("eigenvalues", "eigenvectors")]))
    return n_in, n_out, {"train": train, "bias": draw(st.booleans()),
                         "input_eigenvalues": draw(st.sampled_from(["trainable", "fixed"])),
                         "transfer": draw(st.sampled_from(["inverse", "compact"]))}


def _low_rank(draw):
    n_in, n_out = _shape(draw)
    return n_in, n_out, {"rank": draw(st.integers(1, min(n_in, n_out)))}


def _kronecker(draw):
    n_in, n_out = _shape(draw)
    return n_in, n_out, {"outer_shape": (draw(st.sampled_from(divisors(n_out))),
                                         draw(st.sampled_from(divisors(n_in))))}


def _monarch(draw):
    n, _ = _shape(draw, square=True)
    return n, n, {"n_blocks": draw(st.sampled_from(divisors(n)))}


def _acdc(draw):
    n, _ = _shape(draw, square=True)
    return n, n, {"depth": draw(st.integers(1, 4)),
                  **draw(st.sampled_from([{}, {"noise": 0.0}, {"noise": 0.3}]))}


def _sparse(draw):
    n_in, n_out = _shape(draw)
    return n_in, n_out, {"density": draw(st.floats(0.001, 1.0)),
                         "method": draw(st.sampled_from(["dense", "sparse"]))}


def _fourier(draw):
    n, _ = _shape(draw, square=True)
    return n, n, {"modes": draw(st.integers(1, n // 2 + 1))}


CASES = {
    "dense": lambda draw: (*_shape(draw), {}),
    "cd": _cd,
    "masked": _masked,
    "spectral": _spectral,
    "low_rank": _low_rank,
    "toeplitz": lambda draw: (*_shape(draw), {}),
    "kronecker": _kronecker,
    "monarch": _monarch,
    "acdc": _acdc,
    "sparse": _sparse,
    "fourier_mixing": _fourier,
}


def test_every_registered_layer_has_a_case_here():
    assert set(CASES) == set(LAYERS)
    assert set(STRUCTURES) <= set(LAYERS)


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_closed_form_count_equals_the_built_layer_and_build_is_seeded(name, data):
    n_in, n_out, options = CASES[name](data.draw)
    entry = LAYERS[name]
    seed = data.draw(st.integers(0, 2**32 - 1))
    layer = entry.build(n_in, n_out, seed=seed, **options)
    assert isinstance(layer, Linear) and (layer.n_in, layer.n_out) == (n_in, n_out)
    counted = sum(int(np.asarray(p).size) for p in layer.params.values())
    assert entry.n_params(n_in, n_out, **options) == layer.n_params == counted
    twin = entry.build(n_in, n_out, seed=seed, **options)
    assert list(twin.params) == list(layer.params)
    for key in layer.params:
        np.testing.assert_array_equal(twin.params[key], layer.params[key])


def test_unknown_names_and_options_are_refused_with_the_allowed_ones():
    with pytest.raises(KeyError, match="unknown layer 'butterfly'; registered: dense, cd"):
        LAYERS["butterfly"]
    with pytest.raises(ValueError, match="structure must be one of 'dense', 'cd'"):
        LAYERS.check("butterfly")
    with pytest.raises(TypeError, match=r"layer 'low_rank' takes option\(s\) rank .*got unknown "
                                        r"n_blocks"):
        LAYERS["low_rank"].build(8, 8, n_blocks=2)
    with pytest.raises(TypeError, match=r"takes option\(s\) none; got unknown rank"):
        LAYERS["dense"].n_params(8, 8, rank=2)
    with pytest.raises(ValueError, match=r"layer 'cd' needs block_size=\.\.\. \(circulant"):
        LAYERS["cd"].n_params(8, 8)
    with pytest.raises(TypeError, match="takes build keyword.*dtype, xp, device; got init"):
        LAYERS["spectral"].build(4, 4, init="he")
    with pytest.raises(ValueError, match="monarch layers are square"):
        LAYERS["monarch"].n_params(8, 4, n_blocks=2)


@pytest.mark.parametrize("value, error, words", [
    ((0, 2), ValueError, ["positive integers", "o1 in [1, 2, 4, 8]", "i1 in [1, 2, 4, 8]"]),
    (4, TypeError, ["pair (o1, i1)", "o1 in [1, 2, 4, 8]", "got 4"]),
    ([2, 2], TypeError, ["tuple (o1, i1)", "got the list [2, 2]", "write (2, 2)"]),
    ((3, 2), ValueError, ["must divide", "o1 in [1, 2, 4, 8]"]),
])
def test_kronecker_outer_shape_errors_name_the_allowed_values(value, error, words):
    for call in (lambda: LAYERS["kronecker"].n_params(8, 8, outer_shape=value),
                 lambda: LAYERS["kronecker"].build(8, 8, outer_shape=value)):
        with pytest.raises(error) as info:
            call()
        assert all(w in str(info.value) for w in words), str(info.value)
    with pytest.raises((TypeError, ValueError)) as info:          # through make_mlp too
        make_mlp([8, 8, 8], structure="kronecker", outer_shape=value)
    assert "outer_shape" in str(info.value) and "ZeroDivision" not in str(info.value)


def test_make_mlp_builds_masked_and_spectral_models_from_the_registry():
    model = make_mlp([6, 5, 4], structure="masked", n_trained=[10, 7], bias=True, seed=3)
    assert [type(layer) for layer in model.linear_layers] == [MaskedDense, MaskedDense]
    assert model.n_params == (10 + 5) + (7 + 4)
    spectral = make_mlp([6, 5, 4], structure="spectral", train=("eigenvalues",), seed=3)
    from cdnotes.spectral import spectral_mlp
    reference = spectral_mlp([6, 5, 4], activations=["relu"], train=("eigenvalues",),
                             input_eigenvalues="trainable", seed=3)
    X = np.random.default_rng(0).standard_normal((3, 6))
    np.testing.assert_array_equal(spectral.forward(X), reference.forward(X))


# -- MaskedDense and SparseFixed: one implementation ---------------------------------
def test_masked_dense_and_sparse_fixed_share_one_implementation():
    from cdnotes.layers.pattern import FixedPattern
    assert issubclass(MaskedDense, FixedPattern) and issubclass(SparseFixed, FixedPattern)
    for method in ("forward_2d", "backward_2d", "to_dense", "weight_jacobian", "to"):
        assert getattr(MaskedDense, method) is getattr(FixedPattern, method)
    assert MaskedDense.curvature_class is SparseFixed.curvature_class \
        is FixedPattern.curvature_class
    assert SparseFixed.to_dense is FixedPattern.to_dense


# -- match_budget: closed-form counts ------------------------------------------------
# Reference answers of the version that built every candidate (commit 30f9b96).
OLD_ANSWERS = {
    ("low_rank", 2380): ({"rank": [7, 7, 7]}, 2448),
    ("kronecker", 1296): ({"outer_shape": [(1, 8), (1, 8), (1, 8)]}, 1266),
    ("sparse", 8970): ({"density": [1.0, 1.0, 1.0]}, 8970),
    ("monarch", 2380): ({"n_blocks": [8, 8, 8]}, 3264),
}


@pytest.mark.parametrize("key", sorted(OLD_ANSWERS))
def test_match_budget_gives_the_answers_of_the_building_version(key):
    structure, budget = key
    match = match_budget(structure, budget)
    assert (match.options, match.n_params) == OLD_ANSWERS[key]


def test_match_budget_answers_at_width_2048_within_seconds():
    start = time.perf_counter()
    match = match_budget("low_rank", 2_000_000, n_in=2048, hidden=(2048, 2048))
    assert time.perf_counter() - start < 10
    assert match.matched
    assert match.n_params == make_mlp(match.widths, structure="low_rank", n_classes=10,
                                      **match.options).n_params


def test_match_budget_with_no_hidden_layer_is_one_layer():
    match = match_budget("low_rank", 600, n_in=64, hidden=())
    assert match.widths == [64, 10] and match.matched
    with pytest.raises(TypeError, match="hidden must be a sequence"):
        match_budget("low_rank", 600, hidden=64)
    with pytest.raises(ValueError, match="cannot search 'masked'.*structures it can: dense"):
        match_budget("masked", 600)


# -- the curvature object ----------------------------------------------------------
SMALL = {"dense": (4, 3, {}), "cd": (4, 6, {"block_size": 2}), "masked": (4, 3, {"n_trained": 5}),
         "spectral": (4, 3, {"train": ("eigenvalues", "eigenvectors")}),
         "low_rank": (4, 3, {"rank": 2}), "toeplitz": (4, 3, {}),
         "kronecker": (4, 6, {"outer_shape": (2, 2)}), "monarch": (4, 4, {"n_blocks": 2}),
         "acdc": (4, 4, {"depth": 2}), "sparse": (4, 3, {"density": 0.5}),
         "fourier_mixing": (4, 4, {"modes": 2})}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_every_layer_answers_the_curvature_protocol(name):
    from cdnotes.layers import ReLU
    from cdnotes.layers.hooks import HOOK_NAMES, LinearCurvature
    n_in, n_out, options = SMALL[name]
    layer = LAYERS[name].build(n_in, n_out, seed=0, **options)
    hooks = layer.curvature()
    assert isinstance(hooks, LinearCurvature) and hooks.layer is layer
    assert all(hasattr(hooks, h) for h in HOOK_NAMES)
    assert layer.weights_linear == hooks.weights_linear            # the old name answers
    kfac = {"dense": ("dense", "W"), "cd": ("circulant", "C")}.get(name)
    assert hooks.kfac_factor == kfac
    assert ReLU().curvature() is None


def test_linear_protocol_is_small():
    from cdnotes.layers import Linear
    hooks = {"apply_3d", "apply_transpose_3d", "weight_grads_3d", "tangent_apply_3d",
             "tangent_apply_transpose_3d", "weight_grads_at_3d", "weight_second_order_3d",
             "weights_linear"}
    assert not hooks & set(vars(Linear))
    assert set(SMALL) == set(LAYERS)
    for name, (n_in, n_out, options) in SMALL.items():
        cls = type(LAYERS[name].build(n_in, n_out, seed=0, **options))
        assert not hooks & {a for klass in cls.__mro__ for a in vars(klass)}, cls


# -- bad inputs (issue 18 §3) ------------------------------------------------------
def _data(n_classes=3, n=60, d=10):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, d)), np.arange(n) % n_classes


def test_cd_estimator_uses_its_structure_option():
    from cdnotes.estimators import CDMLPClassifier
    X, y = _data()
    blocks = {B: CDMLPClassifier(structure="cd", structure_option=B, hidden=(16, 16), epochs=1)
              .fit(X, y).model_.linear_layers[0].block_size for B in (2, 4, 8)}
    assert blocks == {2: 2, 4: 4, 8: 8}
    default = CDMLPClassifier(structure="cd", block_size=8, hidden=(16, 16), epochs=1).fit(X, y)
    assert default.model_.linear_layers[0].block_size == 8
    with pytest.raises(ValueError, match=r"multiples of structure_option=8"):
        CDMLPClassifier(structure="cd", structure_option=8, hidden=(12,), epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="one block size as structure_option"):
        CDMLPClassifier(structure="cd", structure_option=[4, 4], epochs=1).fit(X, y)


@pytest.mark.parametrize("structure, option", [("monarch", 4), ("acdc", 2),
                                               ("fourier_mixing", 3)])
def test_square_estimator_names_hidden_when_classes_outnumber_it(structure, option):
    from cdnotes.estimators import CDMLPClassifier
    X, y = _data(n_classes=20, n=200)
    with pytest.raises(ValueError) as info:
        CDMLPClassifier(structure=structure, structure_option=option, hidden=(16, 16),
                        epochs=1).fit(X, y)
    words = ["hidden width must be >= 20", "hidden=(16, 16)", "20 logits"]
    assert all(w in str(info.value) for w in words), str(info.value)


def test_shfin_models_are_refused_by_the_curvature_tools_and_kfac():
    from cdnotes.curvature import flat_params, hessian_vector_product
    from cdnotes.shfin.models import shfin_classifier
    from cdnotes.train.kfac import KFAC
    model = shfin_classifier(seq_len=8, channels=4, n_classes=3, patch_sizes=(4, 8), k=2)
    X, y = _data(n=5, d=8)
    calls = [lambda: flat_params(model), lambda: KFAC(model, X, y),
             lambda: hessian_vector_product(model, X, y, np.ones(model.n_params))]
    for call in calls:
        with pytest.raises(TypeError) as info:
            call()
        message = str(info.value)
        assert "cdnotes.mlp.MLP of linear layers" in message and "SequenceModel" in message
        assert "SHFIN sequence models are not supported" in message
    with pytest.raises(TypeError, match="Wrap a single layer"):
        flat_params(LAYERS["dense"].build(3, 2, seed=0))


def test_forward_then_forward_2d_then_backward_is_refused_clearly():
    layer = LAYERS["dense"].build(4, 3, seed=0)
    X = np.ones((5, 4))
    layer.forward(X)
    layer.forward_2d(np, np.ones((2, 4)))
    with pytest.raises(RuntimeError, match="forward_2d ran since.*call forward\\(X\\) again"):
        layer.backward(np.ones((5, 3)))
    layer.forward(X)                                             # paired again: works
    assert layer.backward(np.ones((5, 3))).shape == (5, 4)


@pytest.mark.parametrize("name,options,match", [
    ("cd", {"block_size": 4, "method": "bogus"}, "method must be one of"),
    ("masked", {"n_trained": 4, "frozen": "bogus"}, "frozen must be one of")])
def test_a_closed_form_count_refuses_what_build_refuses(name, options, match):
    from cdnotes.layers import LAYERS

    with pytest.raises(ValueError, match=match):
        LAYERS[name].n_params(8, 8, **options)
    with pytest.raises(ValueError, match=match):
        LAYERS[name].build(8, 8, seed=0, **options)
