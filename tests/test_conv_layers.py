"""The 1-D convolution layers of issue 19: Conv1D (moved to cdnotes.layers) and CDConv1D.

Every check against a slow, obvious reference: explicit loops for the convolution,
``scipy.linalg.circulant`` for each block of each tap, central differences for every gradient
entry, and the CD paper's "CDLinear is a 1×1 depthwise circular convolution" by computation.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings, strategies as st

from cdnotes.layers import CDConv1D, CDLinear, Conv1D, cdlinear_as_conv
from conftest import host

TOL_FD = 1e-7


def _rel(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


@st.composite
def conv_shapes(draw):
    """(seq_len, c_in, c_out, kernel, B, stride, padding, N) of a small valid convolution."""
    B = draw(st.integers(1, 4))
    c_in, c_out = B * draw(st.integers(1, 3)), B * draw(st.integers(1, 3))
    kernel, padding = draw(st.integers(1, 4)), draw(st.integers(0, 2))
    seq_len = draw(st.integers(max(1, kernel - 2 * padding), 8))
    return seq_len, c_in, c_out, kernel, B, draw(st.integers(1, 3)), padding, \
        draw(st.integers(1, 3))


def reference_conv(W, b, X, stride, padding):
    """``Y[n, t, o] = b[o] + Σ_{j, i} W[o, j, i] X_pad[n, t·stride + j, i]`` by loops."""
    N, L, _ = X.shape
    c_out, kernel, c_in = W.shape
    Xp = np.zeros((N, L + 2 * padding, c_in))
    Xp[:, padding:padding + L] = X
    out_len = (L + 2 * padding - kernel) // stride + 1
    Y = np.zeros((N, out_len, c_out))
    for n in range(N):
        for t in range(out_len):
            for o in range(c_out):
                Y[n, t, o] = b[o] + sum(W[o, j, i] * Xp[n, t * stride + j, i]
                                        for j in range(kernel) for i in range(c_in))
    return Y


def reference_cd_weight(C):
    """``(C_out, kernel, C_in)`` with tap ``j``'s block ``(p, q)`` = circulant(C[p, q, j])."""
    Ko, Ki, kernel, B = C.shape
    W = np.zeros((Ko * B, kernel, Ki * B))
    for j in range(kernel):
        for p in range(Ko):
            for q in range(Ki):
                W[p * B:(p + 1) * B, j, q * B:(q + 1) * B] = scipy.linalg.circulant(C[p, q, j])
    return W


def _cd(shape, seed=0, **kw):
    L, ci, co, k, B, s, p, _ = shape
    return CDConv1D(L, ci, co, k, block_size=B, stride=s, padding=p, seed=seed, **kw)


def _dense(shape, seed=0, **kw):
    L, ci, co, k, _, s, p, _ = shape
    return Conv1D(L, ci, co, k, stride=s, padding=p, seed=seed, **kw)


def _with_bias(layer, rng):
    layer.params["b"] = rng.standard_normal(layer.c_out)
    return layer


# -- the forward pass against the definitions ---------------------------------------------
@settings(max_examples=12)
@given(shape=conv_shapes(), seed=st.integers(0, 1000))
def test_cd_to_dense_is_a_circulant_block_per_block_and_tap(shape, seed):
    layer = _cd(shape, seed)
    W = np.asarray(layer.to_dense())
    assert W.shape == (layer.c_out, layer.kernel, layer.c_in)
    assert np.array_equal(W, reference_cd_weight(np.asarray(layer.params["C"])))


@settings(max_examples=12)
@given(shape=conv_shapes(), seed=st.integers(0, 1000))
def test_both_layers_match_the_convolution_by_loops(shape, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((shape[-1], shape[0], shape[1]))
    for layer in (_with_bias(_cd(shape, seed), rng), _with_bias(_dense(shape, seed), rng)):
        Y = layer.forward(X)
        assert Y.shape == (X.shape[0], layer.out_len, layer.c_out)
        ref = reference_conv(np.asarray(layer.to_dense()), layer.params["b"], X, layer.stride,
                             layer.padding)
        assert _rel(Y, ref) < 1e-12


@settings(max_examples=25)
@given(shape=conv_shapes(), seed=st.integers(0, 1000))
def test_cd_conv_equals_a_conv1d_holding_its_dense_weight(shape, seed):
    """Forward and backward (dX, db, and ∂W projected onto C) agree to 1e-12 in float64."""
    rng = np.random.default_rng(seed)
    cd = _with_bias(_cd(shape, seed), rng)
    dense = _dense(shape, seed + 1)
    dense.params["W"], dense.params["b"] = np.asarray(cd.to_dense()), cd.params["b"].copy()
    X = rng.standard_normal((shape[-1], shape[0], shape[1]))
    Y = cd.forward(X)
    assert _rel(Y, dense.forward(X)) < 1e-12
    dY = rng.standard_normal(Y.shape)
    assert _rel(cd.backward(dY), dense.backward(dY)) < 1e-12
    assert _rel(cd.grads["b"], dense.grads["b"]) < 1e-12
    Ko, Ki, kernel, B = cd.params["C"].shape
    G = dense.grads["W"]                            # ∂W, summed over the entries each C fills
    projected = np.zeros((Ko, Ki, kernel, B))
    for p, q, j, k, l in np.ndindex(Ko, Ki, kernel, B, B):
        projected[p, q, j, (k - l) % B] += G[p * B + k, j, q * B + l]
    assert _rel(cd.grads["C"], projected) < 1e-12


# -- gradients against central differences ------------------------------------------------
def _central_differences(layer, X, R, name, eps=1e-6):
    """∂/∂(name) of ``Σ R·Y + ½ Σ Y²`` by central differences, entry by entry."""
    def loss():
        Y = layer.forward_2d(np, X)
        return float(np.sum(R * Y) + 0.5 * np.sum(Y * Y))

    target = X if name == "X" else layer.params[name]
    out = np.zeros_like(target)
    for idx in np.ndindex(target.shape):
        keep = target[idx]
        target[idx] = keep + eps
        up = loss()
        target[idx] = keep - eps
        down = loss()
        target[idx] = keep
        out[idx] = (up - down) / (2 * eps)
    return out


@settings(max_examples=25)
@given(shape=conv_shapes(), seed=st.integers(0, 1000), cd=st.booleans())
def test_gradients_match_central_differences(shape, seed, cd):
    rng = np.random.default_rng(seed)
    layer = _with_bias(_cd(shape, seed) if cd else _dense(shape, seed), rng)
    X = rng.standard_normal((shape[-1], shape[0], shape[1]))
    Y = layer.forward(X)
    R = rng.standard_normal(Y.shape)
    dX = layer.backward(R + Y)                      # ∂(Σ R·Y + ½ Σ Y²)/∂Y
    grads = dict(layer.grads)
    assert set(grads) == set(layer.params)
    for name in [*layer.params, "X"]:
        analytic = dX if name == "X" else grads[name]
        assert _rel(analytic, _central_differences(layer, X, R, name)) < TOL_FD, name


# -- dtypes and backends -----------------------------------------------------------------
@pytest.mark.parametrize("make", [_cd, _dense], ids=["CDConv1D", "Conv1D"])
def test_float32_stays_float32(make, rng):
    shape = (9, 8, 4, 3, 4, 2, 1, 2)
    layer = make(shape, dtype="float32")
    X = rng.standard_normal((2, 9, 8)).astype(np.float32)
    Y = layer.forward(X)
    dX = layer.backward(np.ones(Y.shape, np.float32))
    assert Y.dtype == dX.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())
    reference = make(shape)                                           # same seed, float64
    assert _rel(Y, reference.forward(X.astype(np.float64))) < 1e-5


@pytest.mark.parametrize("make", [_cd, _dense], ids=["CDConv1D", "Conv1D"])
def test_every_backend_gives_numpys_numbers(make, xp, rng):
    shape = (10, 6, 9, 3, 3, 2, 2, 2)
    X = rng.standard_normal((2, 10, 6))
    dY = rng.standard_normal((2, make(shape).out_len, 9))
    ref = make(shape, seed=4)
    Y_ref, dX_ref = ref.forward(X), ref.backward(dY)
    layer = make(shape, seed=4, xp=xp)
    Y = layer.forward(xp.asarray(X))
    dX = layer.backward(xp.asarray(dY))
    assert _rel(host(Y), Y_ref) < 1e-12 and _rel(host(dX), dX_ref) < 1e-12
    for name, g in layer.grads.items():
        assert _rel(host(g), ref.grads[name]) < 1e-12, name


# -- sizes, initialisation, paths --------------------------------------------------------
@settings(max_examples=20)
@given(shape=conv_shapes())
def test_n_params_closed_form(shape):
    L, ci, co, k, B, s, p, _ = shape
    assert _cd(shape).n_params == co * ci * k // B + co
    assert _dense(shape).n_params == co * ci * k + co
    assert _cd(shape).params["C"].shape == (co // B, ci // B, k, B)


def test_cd_init_has_the_dense_entry_variance():
    cd = CDConv1D(16, 64, 64, 5, block_size=8, seed=3)
    dense = Conv1D(16, 64, 64, 5, seed=3)
    expected = np.sqrt(2.0 / (5 * 64))
    assert abs(np.std(cd.to_dense()) / expected - 1) < 0.05
    assert abs(np.std(dense.to_dense()) / expected - 1) < 0.05
    assert np.array_equal(CDConv1D(16, 64, 64, 5, block_size=8, seed=3).params["C"],
                          cd.params["C"])


def test_conv1d_is_one_class_under_every_path():
    from cdnotes.shfin import models, sequence_layers
    assert Conv1D is sequence_layers.Conv1D is models.Conv1D
    assert Conv1D.__module__ == "cdnotes.layers.conv"


def test_the_checked_passes_equal_the_unchecked_ones(rng):
    for layer in (CDConv1D(7, 4, 6, 2, block_size=2, stride=2, seed=1),
                  Conv1D(7, 4, 6, 2, stride=2, seed=1)):
        X = rng.standard_normal((3, 7, 4))
        Y = layer.forward(X)
        dY = rng.standard_normal(Y.shape)
        dX = layer.backward(dY)
        assert np.array_equal(Y, layer.forward_2d(np, X))
        assert np.array_equal(dX, layer.backward_2d(np, dY))


# -- bad input refused, the argument named ------------------------------------------------
@pytest.mark.parametrize("kwargs, error, words", [
    ({"block_size": 3}, ValueError, r"block_size=3 does not divide c_in=8 and c_out=4.*1, 2, 4"),
    ({"block_size": 8}, ValueError, r"block_size=8 does not divide c_out=4.*1, 2, 4"),
    ({"block_size": 0}, ValueError, r"block_size"),
    ({"block_size": 2.0}, TypeError, r"block_size"),
    ({"kernel": 15}, ValueError, r"kernel must be in \[1, 14\]"),
    ({"kernel": 0}, ValueError, r"kernel"),
    ({"stride": 0}, ValueError, r"stride"),
    ({"stride": 1.5}, TypeError, r"stride"),
    ({"padding": -1}, ValueError, r"padding"),
    ({"seq_len": 0}, ValueError, r"seq_len"),
    ({"c_in": 0}, ValueError, r"c_in"),
    ({"seed": -1}, ValueError, r"seed"),
    ({"dtype": "float16"}, ValueError, r"dtype"),
    ({"init": "uniform"}, ValueError, r"init"),
])
def test_bad_construction_is_refused(kwargs, error, words):
    args = {"seq_len": 10, "c_in": 8, "c_out": 4, "kernel": 3, "block_size": 2, "padding": 2}
    args.update(kwargs)
    with pytest.raises(error, match=words):
        CDConv1D(args.pop("seq_len"), args.pop("c_in"), args.pop("c_out"), args.pop("kernel"),
                 **args)


def test_block_size_is_required():
    with pytest.raises(TypeError, match="block_size"):
        CDConv1D(10, 8, 4, 3)


X_GOOD = np.random.default_rng(5).standard_normal((2, 10, 4))


@pytest.mark.parametrize("make", [lambda: CDConv1D(10, 4, 6, 3, block_size=2, seed=0),
                                  lambda: Conv1D(10, 4, 6, 3, seed=0)], ids=["cd", "dense"])
@pytest.mark.parametrize("X, error, words", [
    (X_GOOD[0], ValueError, r"X must have shape \(N, 10, 4\).*2-d"),
    (X_GOOD[None], ValueError, r"X must have shape \(N, 10, 4\).*4-d"),
    (X_GOOD[:, :9], ValueError, r"X must have shape.*seq_len=10"),
    (X_GOOD[:, :, :3], ValueError, r"X must have shape.*c_in=4"),
    (X_GOOD[:0], ValueError, r"X is an empty batch"),
    (np.where(X_GOOD > 1, np.nan, X_GOOD), ValueError, r"X contains non-finite"),
    (X_GOOD.astype(int), TypeError, r"X must be a real floating"),
    (X_GOOD.astype(np.float32), TypeError, r"X is float32"),
    (X_GOOD.tolist(), TypeError, r"X must be an array"),
])
def test_bad_input_is_refused(make, X, error, words):
    with pytest.raises(error, match=words):
        make().forward(X)


@pytest.mark.parametrize("make", [lambda: CDConv1D(10, 4, 6, 3, block_size=2, seed=0),
                                  lambda: Conv1D(10, 4, 6, 3, seed=0)], ids=["cd", "dense"])
def test_bad_backward_is_refused(make):
    layer = make()
    with pytest.raises(RuntimeError, match="forward"):
        layer.backward(np.zeros((2, 8, 6)))
    layer.forward(X_GOOD)
    with pytest.raises(ValueError, match=r"dY must have the shape.*\(2, 8, 6\)"):
        layer.backward(np.zeros((2, 8, 5)))
    with pytest.raises(ValueError, match="dY contains non-finite"):
        layer.backward(np.full((2, 8, 6), np.inf))
    layer.forward_2d(np, X_GOOD)                    # replaces the cache forward() left
    with pytest.raises(RuntimeError, match="pairs with the last forward"):
        layer.backward(np.zeros((2, 8, 6)))


def test_a_parameter_replaced_with_a_wrong_shape_is_named():
    layer = CDConv1D(10, 4, 6, 3, block_size=2, seed=0)
    layer.params["C"] = np.zeros((3, 2, 3, 3))
    with pytest.raises(ValueError, match=r"parameter C must have shape \(3, 2, 3, 2\)"):
        layer.forward(X_GOOD)


# -- "CDLinear is a 1×1 depthwise circular convolution", by computation -----------------
def _circular_convolution(c, x):
    """``(c ⊛ x)[k] = Σ_l c[(k − l) mod B] x[l]`` by a loop."""
    B = len(c)
    return np.array([sum(c[(k - l) % B] * x[l] for l in range(B)) for k in range(B)])


@pytest.mark.parametrize("n_in, n_out, B", [(12, 8, 4), (6, 6, 3), (16, 32, 8)])
def test_cdlinear_is_a_kernel_1_cd_convolution_at_every_position(n_in, n_out, B, rng):
    layer = CDLinear(n_in, n_out, B, seed=2)
    layer.b = rng.standard_normal(n_out)
    X = rng.standard_normal((3, 5, n_in))
    conv = cdlinear_as_conv(layer, seq_len=5)
    assert (conv.kernel, conv.block_size, conv.n_params) == (1, B, layer.n_params)
    assert _rel(conv.forward(X), layer.forward(X)) < 1e-12
    one = cdlinear_as_conv(layer)                                     # seq_len 1: the layer
    assert _rel(one.forward(X[:, :1])[:, 0], layer.forward(X[:, 0])) < 1e-12


@pytest.mark.parametrize("n_in, n_out, B", [(12, 8, 4), (16, 16, 4)])
def test_cdlinear_is_a_full_not_depthwise_circular_convolution_over_the_block_index(
        n_in, n_out, B, rng):
    layer = CDLinear(n_in, n_out, B, seed=3)
    C = np.asarray(layer.C)
    Ko, Ki = n_out // B, n_in // B
    x = rng.standard_normal(n_in)
    y = layer.forward(x[None])[0].reshape(Ko, B)
    blocks = x.reshape(Ki, B)
    full = np.array([sum(_circular_convolution(C[p, q], blocks[q]) for q in range(Ki))
                     for p in range(Ko)])                    # kernel length B, all blocks
    assert _rel(y, full) < 1e-12
    # depthwise (block p from block p alone) is a different map: it misses half the signal
    depthwise = np.array([_circular_convolution(C[p, p], blocks[p])
                          for p in range(min(Ko, Ki))])
    assert _rel(depthwise, y[:len(depthwise)]) > 0.1
    # and output block 0 moves when input block Ki-1 alone moves
    moved = x.copy()
    moved[-B:] += 1.0
    assert np.abs(layer.forward(moved[None])[0, :B] - layer.forward(x[None])[0, :B]).max() > 1e-3


def test_cdlinear_is_depthwise_only_when_its_off_diagonal_blocks_vanish(rng):
    C = rng.standard_normal((4, 4, 4)) * np.eye(4)[:, :, None]
    layer = CDLinear.from_coefficients(C)
    x = rng.standard_normal(16)
    depthwise = np.concatenate([_circular_convolution(C[p, p], x[4 * p:4 * p + 4])
                                for p in range(4)])
    assert _rel(layer.forward(x[None])[0], depthwise) < 1e-12


def test_cdlinear_as_conv_refuses_another_layer():
    from cdnotes.layers import Dense
    with pytest.raises(TypeError, match="layer must be a CDLinear"):
        cdlinear_as_conv(Dense(4, 4, seed=0))
