"""Forward-mode tangents ``jvp(dX, dparams)`` of the sequence layers (issue 19, the first
piece of the R-operator through them): against central differences of ``forward``, linear
in the tangent, one parameter at a time, the CD convolution against its dense twin,
array_api_strict, float32, and the errors; and ``rop_backward(dY, dX, dparams, ddY)``, the
R-operator of ``backward``, against central differences of ``backward``."""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from cdnotes.backend import namespace_of
from cdnotes.layers import CDConv1D, Conv1D, FeedForward, LayerNorm, MultiHeadAttention
from conftest import asarray, host

EPS = 1e-6              # central-difference step (float64)
TOLERANCE = 1e-7        # on max |jvp − difference| / max |difference|
KINDS = ["conv", "cdconv", "layernorm", "attention", "feedforward"]


def _layer(kind, draw):
    """A small seeded layer of ``kind`` and its input, sizes drawn by ``draw``."""
    seed = draw(st.integers(0, 2**20))
    rng = np.random.default_rng(seed)
    N = draw(st.integers(1, 3))
    if kind in ("conv", "cdconv"):
        B = draw(st.integers(1, 3)) if kind == "cdconv" else 1
        c_in, c_out = B * draw(st.integers(1, 3)), B * draw(st.integers(1, 3))
        L, kernel = draw(st.integers(1, 6)), draw(st.integers(1, 3))
        padding, stride = draw(st.integers(0, 2)), draw(st.integers(1, 3))
        assume(kernel <= L + 2 * padding)
        extra = {"block_size": B} if kind == "cdconv" else {}
        cls = CDConv1D if kind == "cdconv" else Conv1D
        layer = cls(L, c_in, c_out, kernel, stride=stride, padding=padding, seed=seed, **extra)
        X = rng.standard_normal((N, L, c_in))
    elif kind == "layernorm":
        d = draw(st.integers(1, 6))
        layer = LayerNorm(d, seed=seed)
        X = rng.standard_normal((N, draw(st.integers(1, 3)), d))
    elif kind == "attention":
        n_heads, head_dim = draw(st.integers(1, 3)), draw(st.integers(1, 4))
        structure = draw(st.sampled_from(["dense", "cd"]))
        B = draw(st.sampled_from([b for b in range(1, head_dim + 1) if head_dim % b == 0]))
        layer = MultiHeadAttention(n_heads * head_dim, n_heads, structure=structure,
                                   block_size=B if structure == "cd" else None,
                                   causal=draw(st.booleans()), seed=seed)
        X = rng.standard_normal((N, draw(st.integers(1, 4)), n_heads * head_dim))
    else:
        structure = draw(st.sampled_from(["dense", "cd"]))
        B = draw(st.integers(1, 2)) if structure == "cd" else None
        d, hidden = (B or 1) * draw(st.integers(1, 3)), (B or 1) * draw(st.integers(1, 4))
        layer = FeedForward(d, hidden, structure=structure, block_size=B, seed=seed)
        X = rng.standard_normal((N, draw(st.integers(1, 3)), d))
    for key in layer.params:                 # non-zero biases and LayerNorm shift/scale
        layer.params[key] = layer.params[key] + 0.5 * rng.standard_normal(
            layer.params[key].shape)
    return layer, X, rng


@st.composite
def cases(draw, kinds=tuple(KINDS)):
    return _layer(draw(st.sampled_from(kinds)), draw)


def _relu_signs(layer):
    relu = getattr(layer, "relu", None)
    return None if relu is None else relu._cache.copy()


def _difference(layer, X, dX, dparams):
    """Central difference of ``forward`` along ``(dX, dparams)`` (``None``/missing: zero);
    examples whose ReLU pattern changes inside the step are skipped. Restores the layer."""
    theta = {k: np.array(p) for k, p in layer.params.items()}
    outputs, signs = [], []
    for eps in (EPS, -EPS):
        for key, v in dparams.items():
            layer.params[key] = theta[key] + eps * v
        outputs.append(layer.forward(X if dX is None else X + eps * dX))
        signs.append(_relu_signs(layer))
    for key, p in theta.items():
        layer.params[key] = p
    layer.forward(X)
    assume(signs[0] is None or np.array_equal(signs[0], signs[1]))     # no kink crossed
    return (outputs[0] - outputs[1]) / (2 * EPS)


def _relative_error(analytic, numeric):
    scale = np.abs(numeric).max()
    assume(scale > 1e-3)                     # a derivative of (nearly) zero says nothing
    return np.abs(analytic - numeric).max() / scale


def _tangents(layer, rng):
    return {k: rng.standard_normal(p.shape) for k, p in layer.params.items()}


@settings(max_examples=80, deadline=None)
@given(case=cases())
def test_jvp_matches_central_differences_of_forward(case):
    layer, X, rng = case
    layer.forward(X)
    dX, dparams = rng.standard_normal(X.shape), _tangents(layer, rng)
    J = layer.jvp(dX, dparams)
    assert J.shape == layer.forward(X).shape and J.dtype == X.dtype
    assert _relative_error(J, _difference(layer, X, dX, dparams)) < TOLERANCE


@settings(max_examples=40, deadline=None)
@given(case=cases(), data=st.data())
def test_jvp_along_one_parameter_array_only(case, data):
    layer, X, rng = case
    key = data.draw(st.sampled_from(sorted(layer.params)))
    layer.forward(X)
    dparams = {key: rng.standard_normal(layer.params[key].shape)}
    J = layer.jvp(dparams=dparams)
    assert _relative_error(J, _difference(layer, X, None, dparams)) < TOLERANCE
    full = {k: (dparams[k] if k == key else np.zeros(p.shape))
            for k, p in layer.params.items()}
    np.testing.assert_allclose(layer.jvp(np.zeros(X.shape), full), J, rtol=0, atol=1e-13)


@settings(max_examples=40, deadline=None)
@given(case=cases(), a=st.floats(-3, 3), b=st.floats(-3, 3))
def test_jvp_is_linear_in_the_tangent(case, a, b):
    layer, X, rng = case
    layer.forward(X)
    (u, pu), (v, pv) = [(rng.standard_normal(X.shape), _tangents(layer, rng)) for _ in "uv"]
    mixed = layer.jvp(a * u + b * v, {k: a * pu[k] + b * pv[k] for k in pu})
    expected = a * layer.jvp(u, pu) + b * layer.jvp(v, pv)
    scale = max(np.abs(expected).max(), 1.0)
    assert np.abs(mixed - expected).max() <= 1e-12 * scale


@pytest.mark.parametrize("kind", KINDS)
def test_no_tangent_gives_zero(kind):
    layer, (X, _, _), _ = _fixed(kind)
    Y = layer.forward(X)
    J = layer.jvp()
    assert J.shape == Y.shape and J.dtype == Y.dtype and not np.any(J)


@settings(max_examples=40, deadline=None)
@given(B=st.integers(1, 3), Ki=st.integers(1, 3), Ko=st.integers(1, 3), L=st.integers(2, 6),
       kernel=st.integers(1, 2), stride=st.integers(1, 2), padding=st.integers(0, 1),
       seed=st.integers(0, 2**20))
def test_cd_conv_jvp_equals_the_dense_conv_of_its_projected_tangent(B, Ki, Ko, L, kernel, stride,
                                                                    padding, seed):
    rng = np.random.default_rng(seed)
    cd = CDConv1D(L, Ki * B, Ko * B, kernel, block_size=B, stride=stride, padding=padding,
                  seed=seed)
    cd.params["b"] = rng.standard_normal(Ko * B)
    dense = Conv1D(L, Ki * B, Ko * B, kernel, stride=stride, padding=padding)
    dense.params["W"], dense.params["b"] = cd.to_dense(), np.array(cd.params["b"])
    X, dX = rng.standard_normal((2, 2, L, Ki * B))
    dparams = _tangents(cd, rng)
    tangent = CDConv1D(L, Ki * B, Ko * B, kernel, block_size=B, stride=stride, padding=padding)
    tangent.params["C"] = dparams["C"]                # to_dense is linear in C: the projection
    np.testing.assert_allclose(cd.forward(X), dense.forward(X), rtol=0, atol=1e-12)
    np.testing.assert_allclose(cd.jvp(dX, dparams),
                               dense.jvp(dX, {"W": tangent.to_dense(), "b": dparams["b"]}),
                               rtol=0, atol=1e-12)


def _fixed(kind, dtype="float64", xp=None):
    """A fixed layer of ``kind`` (float64 values cast) and its input, with tangents."""
    rng = np.random.default_rng(7)
    layer = {"conv": lambda: Conv1D(5, 4, 6, 3, stride=2, padding=1, seed=1),
             "cdconv": lambda: CDConv1D(5, 4, 6, 3, block_size=2, stride=2, padding=1, seed=1),
             "layernorm": lambda: LayerNorm(6),
             "attention": lambda: MultiHeadAttention(6, 2, structure="cd", block_size=3,
                                                     causal=True, seed=1),
             "feedforward": lambda: FeedForward(4, 8, seed=1)}[kind]()
    width = {"conv": 4, "cdconv": 4, "layernorm": 6, "attention": 6, "feedforward": 4}[kind]
    X = rng.standard_normal((2, 5, width))
    for key in layer.params:
        layer.params[key] = layer.params[key] + 0.5 * rng.standard_normal(
            layer.params[key].shape)
    dX, dparams = rng.standard_normal(X.shape), _tangents(layer, rng)
    reference = layer.forward(X), layer.jvp(dX, dparams)
    layer.to(xp, dtype=dtype)
    space = namespace_of(next(iter(layer.params.values())))
    moved = (asarray(space, X, dtype), asarray(space, dX, dtype),
             {k: asarray(space, v, dtype) for k, v in dparams.items()})
    return layer, moved, reference


@pytest.mark.parametrize("kind", KINDS)
def test_jvp_on_array_api_strict_matches_numpy(kind):
    pytest.importorskip("array_api_strict")
    layer, (X, dX, dparams), (_, expected) = _fixed(kind, xp="array_api_strict")
    layer.forward(X)
    J = layer.jvp(dX, dparams)
    assert type(J).__module__.startswith("array_api_strict")
    np.testing.assert_allclose(host(J), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_float32_stays_float32(kind):
    layer, (X, dX, dparams), (_, expected) = _fixed(kind, dtype="float32")
    layer.forward(X)
    J = layer.jvp(dX, dparams)
    assert J.dtype == np.float32
    assert np.abs(J - expected).max() <= 1e-4 * np.abs(expected).max()


@pytest.mark.parametrize("kind", KINDS)
def test_jvp_before_forward_or_after_forward_2d_is_refused(kind):
    layer, (X, dX, _), _ = _fixed(kind)
    layer.to(None)                                   # drops the cache
    with pytest.raises(RuntimeError, match="jvp called before forward"):
        layer.jvp(dX)
    layer.forward(X)
    layer.forward_2d(np, X)
    with pytest.raises(RuntimeError, match="forward_2d ran since"):
        layer.jvp(dX)


@pytest.mark.parametrize("kind", KINDS)
def test_bad_tangents_are_refused_naming_the_key_and_shape(kind):
    layer, (X, dX, dparams), _ = _fixed(kind)
    layer.forward(X)
    with pytest.raises(ValueError, match=r"dX must have the shape of the last forward input "
                                         + repr(tuple(X.shape)).replace("(", r"\(")
                                         .replace(")", r"\)")):
        layer.jvp(dX[:, :-1])
    key = next(iter(layer.params))
    shape = tuple(layer.params[key].shape)
    with pytest.raises(ValueError, match=rf"dparams\['{key}'\] must have the shape of "
                                         rf"parameter '{key}', \({shape[0]},"):
        layer.jvp(dparams={key: np.zeros(shape[:-1] + (shape[-1] + 1,))})
    with pytest.raises(ValueError, match="no parameter 'nope'.*the keys are"):
        layer.jvp(dparams={"nope": np.zeros(3)})
    with pytest.raises(TypeError, match="dparams must be a dict"):
        layer.jvp(dparams=[dparams[key]])
    with pytest.raises(TypeError):
        layer.jvp(np.asarray(dX, dtype=np.float32))
    with pytest.raises(ValueError):
        layer.jvp(dX * np.nan)


# -- the backward half of the R-operator: rop_backward ---------------------------------------

def _backward_at(layer, X, dY):
    """``(∂L/∂X, grads)`` of ``backward(dY)`` after ``forward(X)``, as host arrays."""
    layer.forward(X)
    dX = layer.backward(dY)
    return [np.array(dX)] + [np.array(layer.grads[k]) for k in layer.params]


def _rop_difference(layer, X, dY, dX, dparams, ddY):
    """Central difference of ``backward`` along ``(dX, dparams, ddY)`` (examples crossing a
    ReLU kink skipped); restores the layer."""
    theta = {k: np.array(p) for k, p in layer.params.items()}
    sides, signs = [], []
    for eps in (EPS, -EPS):
        for key, v in dparams.items():
            layer.params[key] = theta[key] + eps * v
        sides.append(_backward_at(layer, X + eps * dX, dY + eps * ddY))
        signs.append(_relu_signs(layer))
    for key, p in theta.items():
        layer.params[key] = p
    layer.forward(X)
    assume(signs[0] is None or np.array_equal(signs[0], signs[1]))     # no kink crossed
    return [(up - down) / (2 * EPS) for up, down in zip(*sides)]


@settings(max_examples=60, deadline=None)
@given(case=cases(), data=st.data())
def test_rop_backward_matches_central_differences_of_backward(case, data):
    layer, X, rng = case
    Y = layer.forward(X)
    dY, ddY, dX = (rng.standard_normal(a.shape) for a in (Y, Y, X))
    keys = data.draw(st.sets(st.sampled_from(sorted(layer.params))))   # some parameters moved
    dparams = {k: rng.standard_normal(layer.params[k].shape) for k in keys}
    RdX, Rgrads = layer.rop_backward(dY, dX, dparams, ddY)
    assert list(Rgrads) == list(layer.params)
    analytic = [RdX] + [Rgrads[k] for k in layer.params]
    numeric = _rop_difference(layer, X, dY, dX, dparams, ddY)
    scale = max(np.abs(n).max() for n in numeric)
    assume(scale > 1e-3)
    for a, n in zip(analytic, numeric):
        assert a.shape == n.shape
        assert np.abs(a - n).max() < TOLERANCE * scale


@pytest.mark.parametrize("kind", KINDS)
def test_rop_backward_along_ddY_alone_is_backward(kind):
    layer, (X, dX, _), _ = _fixed(kind)
    Y = layer.forward(X)
    rng = np.random.default_rng(3)
    dY, ddY = rng.standard_normal((2,) + Y.shape)
    RdX, Rgrads = layer.rop_backward(dY, ddY=ddY)
    expected = _backward_at(layer, X, ddY)
    for a, b in zip([RdX] + [Rgrads[k] for k in layer.params], expected):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12 * np.abs(expected[0]).max())
    RdX, Rgrads = layer.rop_backward(dY)
    assert not np.any(RdX) and not any(np.any(g) for g in Rgrads.values())


@pytest.mark.parametrize("kind", KINDS)
def test_rop_backward_on_array_api_strict_and_float32(kind):
    pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(5)
    results = []
    for xp, dtype in ((None, "float64"), ("array_api_strict", "float64"), (None, "float32")):
        layer, (X, dX, dparams), _ = _fixed(kind, dtype=dtype, xp=xp)
        Y = layer.forward(X)
        space = namespace_of(Y)
        dY = asarray(space, np.random.default_rng(5).standard_normal(Y.shape), dtype)
        RdX, Rgrads = layer.rop_backward(dY, dX, dparams, dY)
        assert RdX.dtype == X.dtype and all(g.dtype == X.dtype for g in Rgrads.values())
        results.append(np.concatenate([host(RdX).ravel()]
                                      + [host(Rgrads[k]).ravel() for k in layer.params]))
    assert rng is not None
    np.testing.assert_allclose(results[1], results[0], rtol=0, atol=1e-12)
    assert np.abs(results[2] - results[0]).max() <= 1e-4 * np.abs(results[0]).max()


@pytest.mark.parametrize("kind", KINDS)
def test_rop_backward_refuses_bad_arguments(kind):
    layer, (X, dX, _), _ = _fixed(kind)
    layer.to(None)
    with pytest.raises(RuntimeError, match="rop_backward called before forward"):
        layer.rop_backward(dX)
    Y = layer.forward(X)
    with pytest.raises(ValueError, match="dY must have the shape of the last forward output"):
        layer.rop_backward(Y[:, :-1])
    with pytest.raises(ValueError, match="ddY must have the shape of the last forward output"):
        layer.rop_backward(Y, ddY=Y[:1])
    with pytest.raises(TypeError, match="dY"):
        layer.rop_backward(None)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**20), cd=st.booleans())
def test_the_pieces_compose_into_a_hessian_vector_product(seed, cd):
    """``CDConv1D/Conv1D → LayerNorm → attention → FeedForward`` with ``L = ½‖Y‖²``: forward
    tangents up, ``ddY = Ẏ`` at the top, ``rop_backward`` down gives ``H v``, against central
    differences of the gradient (``backward`` through the stack)."""
    rng = np.random.default_rng(seed)
    conv = (CDConv1D(5, 4, 4, 3, block_size=2, padding=1, seed=seed) if cd
            else Conv1D(5, 4, 4, 3, padding=1, seed=seed))
    stack = [conv, LayerNorm(4), MultiHeadAttention(4, 2, causal=True, seed=seed),
             FeedForward(4, 6, seed=seed)]
    for layer in stack:
        for key in layer.params:
            layer.params[key] = layer.params[key] + 0.3 * rng.standard_normal(
                layer.params[key].shape)
    X = rng.standard_normal((2, 5, 4))
    v = [_tangents(layer, rng) for layer in stack]

    def gradient(t):
        theta = [{k: np.array(p) for k, p in layer.params.items()} for layer in stack]
        for layer, th, vl in zip(stack, theta, v):
            layer.params = {k: th[k] + t * vl[k] for k in th}
        H = X
        for layer in stack:
            H = layer.forward(H)
        signs, g = _relu_signs(stack[-1]), H
        grads = []
        for layer in reversed(stack):
            g = layer.backward(g)
            grads.insert(0, {k: np.array(layer.grads[k]) for k in layer.params})
        for layer, th in zip(stack, theta):
            layer.params = th
        return grads, signs

    (up, s_up), (down, s_down), (_, s0) = gradient(EPS), gradient(-EPS), gradient(0.0)
    assume(np.array_equal(s_up, s_down) and np.array_equal(s_up, s0))
    H, dH, inputs, tangents = X, None, [], []                # the forward pass at θ, kept
    for layer, vl in zip(stack, v):
        inputs.append(H)
        tangents.append(dH)
        out = layer.forward(H)
        dH = layer.jvp(dH, vl)
        H = out
    for layer, Z in zip(stack, inputs):                      # the caches of the pass at θ
        layer.forward(Z)
    g, Rg, Hv = H, dH, [None] * len(stack)                   # ∂L/∂Y = Y, R{∂L/∂Y} = Ẏ
    for pos in range(len(stack) - 1, -1, -1):
        layer = stack[pos]
        Rg_next, Hv[pos] = layer.rop_backward(g, tangents[pos], v[pos], Rg)
        g = layer.backward(g)
        Rg = Rg_next
    numeric = [{k: (u[k] - d[k]) / (2 * EPS) for k in u} for u, d in zip(up, down)]
    scale = max(np.abs(a).max() for n in numeric for a in n.values())
    for analytic, expected in zip(Hv, numeric):
        for key in expected:
            assert np.abs(analytic[key] - expected[key]).max() < TOLERANCE * scale
