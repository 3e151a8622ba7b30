"""The Linear protocol, checked generically for every linear layer class of cdnotes.

A new linear layer is one line in ``KINDS``: a factory, the slow obvious reference for its
weight matrix, and the unit its widths must be multiples of. Every test below then runs on
it (sizes drawn by hypothesis, float64, seeded).
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st

from cdnotes import CDLinear, Dense
from cdnotes.gradcheck import gradcheck
from cdnotes.layers import MaskedDense
from cdnotes.spectral import SpectralLinear
from cdnotes.structured import (ACDC, FourierMixing, Kronecker, LowRank, Monarch, SparseFixed,
                                Toeplitz)
from conftest import asarray, host, reference_block_circulant


@dataclass(frozen=True)
class Kind:
    name: str
    make: Callable        # make(n_in, n_out, *, seed, **kw) -> layer
    reference: Callable   # layer -> host (n_out, n_in) weight matrix, the slow obvious way
    unit: int             # n_in and n_out must be multiples of this
    exact: bool = True    # to_dense() equals the reference bit for bit (else to rounding)
    square: bool = False  # n_out = n_in

    def __repr__(self):
        return self.name


def _circulant_reference(layer):
    return reference_block_circulant(host(layer.params["C"]))


def _acdc_reference(layer):
    import scipy.fft
    C = scipy.fft.dct(np.eye(layer.n_in), norm="ortho", axis=0)       # C @ x = dct(x)
    W = np.eye(layer.n_in)
    for a, d in zip(host(layer.a), host(layer.d)):
        W = np.diag(a) @ C.T @ np.diag(d) @ C @ W
    return W


def _sparse_reference(layer):
    W = np.zeros((layer.n_out, layer.n_in))
    W[layer.mask] = host(layer.values)
    return W


def _fourier_reference(layer):
    n, w = layer.n_in, host(layer.re) + 1j * host(layer.im)
    spectra = np.fft.rfft(np.eye(n), axis=0)[:w.size] * w[:, None]        # column j: e_j
    return np.fft.irfft(spectra, n, axis=0)             # irfft zero-pads the missing bins


def _spectral_reference(layer):
    """``W[o, i] = φ[o, i] (λ_in[i] − λ_out[o])``, entry by entry."""
    phi, lam_in, lam_out = host(layer.phi), host(layer.lam_in), host(layer.lam_out)
    W = np.empty((layer.n_out, layer.n_in))
    for o in range(layer.n_out):
        for i in range(layer.n_in):
            W[o, i] = phi[o, i] * (lam_in[i] - lam_out[o])
    return W


def _masked_reference(layer):
    W = host(layer.frozen_weights).copy().ravel()
    for k, p in enumerate(layer.positions):
        W[p] = host(layer.w)[k]
    return W.reshape(layer.n_out, layer.n_in)


def _toeplitz_reference(layer):
    t = host(layer.t)
    return scipy.linalg.toeplitz(t[layer.n_in - 1:], t[layer.n_in - 1::-1])


def monarch_reference_multiply(x, R, L):
    """HazyResearch fly's blockdiag_butterfly_multiply_reference (version 2), as loops:
    x (n,) -> (n_blocks, m) rows, block k of R on row k; flatten, reshape (n_blocks, m),
    transpose; block l of L on row l; flatten as (s, l)."""
    k_blocks, m, _ = R.shape
    rows = x.reshape(k_blocks, m)
    out1 = np.array([[sum(R[k, q, p] * rows[k, p] for p in range(m)) for q in range(m)]
                     for k in range(k_blocks)])
    Z = out1.reshape(-1).reshape(k_blocks, m).T                     # (l, r)
    out2 = np.array([[sum(L[l, s, r] * Z[l, r] for r in range(k_blocks))
                      for s in range(k_blocks)] for l in range(m)])  # (l, s)
    return out2.T.reshape(-1)                                        # flattened as (s, l)


def _monarch_reference(layer):
    R, L = host(layer.R), host(layer.L)
    return np.stack([monarch_reference_multiply(e, R, L) for e in np.eye(layer.n_in)], axis=1)


def _kronecker(n_in, n_out, **kw):
    return Kronecker((2, n_out // 2), (2, n_in // 2), **kw)


def _spectral(**options):
    return lambda n_in, n_out, **kw: SpectralLinear(n_in, n_out, **options, **kw)


def _masked(fraction, **options):
    return lambda n_in, n_out, **kw: MaskedDense(n_in, n_out, max(1, int(fraction * n_in * n_out)),
                                                 **options, **kw)


KINDS = [
    Kind("Dense", lambda n_in, n_out, **kw: Dense(n_in, n_out, **kw), lambda l: host(l.params["W"]), 1),
    Kind("CDLinear(B=1)", lambda n_in, n_out, **kw: CDLinear(n_in, n_out, 1, **kw), _circulant_reference, 1),
    Kind("CDLinear(B=2)", lambda n_in, n_out, **kw: CDLinear(n_in, n_out, 2, **kw), _circulant_reference, 2),
    Kind("CDLinear(B=4)", lambda n_in, n_out, **kw: CDLinear(n_in, n_out, 4, **kw), _circulant_reference, 4),
    Kind("CDLinear(B=4, fft)", lambda n_in, n_out, **kw: CDLinear(n_in, n_out, 4, method="fft", **kw),
         _circulant_reference, 4),
    Kind("Spectral(Λ)", _spectral(bias=True), _spectral_reference, 1),
    Kind("Spectral(Λ, fixed λ_in)", _spectral(bias=True, input_eigenvalues="fixed"),
         _spectral_reference, 1),
    Kind("Spectral(Λ, Φ)", _spectral(bias=True, train=("eigenvalues", "eigenvectors")),
         _spectral_reference, 1),
    Kind("Spectral(Φ)", _spectral(bias=True, train="eigenvectors"), _spectral_reference, 1),
    Kind("Spectral(Λ, Φ, no bias)", _spectral(train=("eigenvalues", "eigenvectors")),
         _spectral_reference, 1),
    Kind("MaskedDense", _masked(0.5, bias=True), _masked_reference, 1),
    Kind("MaskedDense(frozen=init)", _masked(0.3, bias=True, frozen="init"), _masked_reference, 1),
    Kind("MaskedDense(all, no bias)", _masked(1.0), _masked_reference, 1),
    Kind("LowRank", lambda n_in, n_out, **kw: LowRank(n_in, n_out, min(2, n_in, n_out), **kw),
         lambda l: host(l.U) @ host(l.V), 1),
    Kind("Toeplitz", lambda n_in, n_out, **kw: Toeplitz(n_in, n_out, **kw), _toeplitz_reference, 1),
    Kind("Kronecker", _kronecker, lambda l: np.kron(host(l.outer), host(l.inner)), 2),
    Kind("Monarch", lambda n_in, n_out, **kw: Monarch(n_in, 2, **kw), _monarch_reference, 2,
         square=True),
    Kind("ACDC(depth=2)", lambda n_in, n_out, **kw: ACDC(n_in, 2, **kw), _acdc_reference, 1,
         exact=False, square=True),
    Kind("SparseFixed(0.4)", lambda n_in, n_out, **kw: SparseFixed(n_in, n_out, 0.4, **kw),
         _sparse_reference, 1),
    Kind("SparseFixed(0.4, sparse)", lambda n_in, n_out, **kw: SparseFixed(n_in, n_out, 0.4,
         method="sparse", **kw), _sparse_reference, 1),
    Kind("FourierMixing", lambda n_in, n_out, **kw: FourierMixing(n_in, n_in // 2 + 1, **kw),
         _fourier_reference, 1, exact=False, square=True),
]

kinds = pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])


@st.composite
def problems(draw, kind):
    """A layer of ``kind`` with random sizes, weights and bias, and an input batch."""
    n_in = kind.unit * draw(st.integers(1, 4))
    n_out = n_in if kind.square else kind.unit * draw(st.integers(1, 4))
    batch = draw(st.tuples(st.integers(1, 4)) | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    layer = kind.make(n_in, n_out, seed=seed)
    if layer.has_bias:
        # On the scale of the weights: a bias far larger than W·X only adds rounding to every
        # finite difference (trainable λ_in ≈ λ_out drew W ~ 1e-8 next to b ~ 1, and the exact
        # X-gradient then read as a 1.2e-7 relative error).
        scale = float(np.abs(kind.reference(layer)).max())
        layer.b = rng.standard_normal(layer.n_out) * min(1.0, scale)   # square kinds ignore n_out
    return layer, rng.standard_normal(batch + (n_in,))


def _assert_equal(kind, a, b):
    if kind.exact:
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-13 * max(1.0, np.abs(b).max()))


def _weight_params(layer):
    return [name for name in layer.params if name != "b"]


def _bias(layer):
    return host(layer.b) if layer.has_bias else np.zeros(layer.n_out)


@kinds
@given(data=st.data())
def test_to_dense_equals_the_slow_reference(kind, data):
    layer, _ = data.draw(problems(kind))
    W = host(layer.to_dense())
    assert W.shape == (layer.n_out, layer.n_in)
    _assert_equal(kind, W, kind.reference(layer))


@kinds
@given(data=st.data())
def test_forward_is_the_dense_product_plus_bias(kind, xp, data):
    layer, X = data.draw(problems(kind))
    expected = X @ kind.reference(layer).T + _bias(layer)
    Y = host(layer.to(xp).forward(asarray(xp, X)))
    assert Y.shape == X.shape[:-1] + (layer.n_out,)
    np.testing.assert_allclose(Y, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


@kinds
@given(data=st.data())
def test_backward_against_finite_differences(kind, data):
    layer, X = data.draw(problems(kind))
    # Every linear layer is linear in each parameter and in X, so central differences are
    # exact up to rounding, whose share of the estimate falls as 1/eps: a large step keeps the
    # check sharp when an input is tiny next to the bias (X ~ 2e-3, b ~ 1 gave 2e-7 at 1e-6).
    result = gradcheck(layer, X, max_entries=40, eps=1e-2)
    assert set(result.errors) == set(layer.params) | {"X"}
    assert result.max_error < 1e-7, result


@kinds
@given(data=st.data())
def test_parameter_count_and_weight_jacobian(kind, data):
    layer, _ = data.draw(problems(kind))
    assert layer.n_params == sum(int(np.prod(s)) for s in layer.param_shapes().values())
    assert layer.n_params == sum(p.size for p in layer.params.values())
    assert list(layer.param_shapes()) == list(layer.params)
    assert ("b" in layer.params) == layer.has_bias
    if layer.has_bias:
        assert list(layer.params)[-1] == "b"
    theta_w = np.concatenate([host(layer.params[n]).ravel() for n in _weight_params(layer)])
    J = layer.weight_jacobian()
    assert J.shape == (layer.n_out * layer.n_in, theta_w.size)
    if layer.weights_linear and np.all((J == 0) | (J == 1)):     # a selection: exact
        np.testing.assert_array_equal(J @ theta_w, host(layer.to_dense()).ravel())
    elif layer.weights_linear:      # J θ sums φλ_in − φλ_out: rounding of another order
        W = host(layer.to_dense()).ravel()
        np.testing.assert_allclose(J @ theta_w, W, rtol=1e-13, atol=1e-15 * np.abs(W).max())
    elif getattr(layer, "param_degree", 1) > 1:     # J at θ of a homogeneous W of degree d
        W = host(layer.to_dense()).ravel()           # (ACDC: 2·depth): J θ = d · vec W (Euler)
        np.testing.assert_allclose(J @ theta_w, layer.param_degree * W, rtol=1e-12,
                                   atol=1e-12 * np.abs(W).max())
    # J is the derivative of θ_W -> vec W at θ_W: central differences (W is at most
    # quadratic in θ_W, so they are exact up to rounding)
    names, eps = _weight_params(layer), 1e-3
    column = 0
    for name in names:
        base = host(layer.params[name]).copy()
        for k in range(base.size):
            step = np.zeros(base.size)
            step[k] = eps
            setattr(layer, name, (base.ravel() + step).reshape(base.shape))
            up = host(layer.to_dense()).ravel()
            setattr(layer, name, (base.ravel() - step).reshape(base.shape))
            down = host(layer.to_dense()).ravel()
            setattr(layer, name, base)
            np.testing.assert_allclose(J[:, column], (up - down) / (2 * eps), atol=1e-12)
            column += 1


@kinds
def test_protocol_attributes(kind):
    layer = kind.make(2 * kind.unit, (2 if kind.square else 3) * kind.unit, seed=0)
    assert layer.block_size >= 1 and layer.n_in % layer.block_size == 0
    assert layer.dtype == np.float64
    if layer.circulant_param is not None:
        B = layer.block_size
        assert layer.params[layer.circulant_param].shape == (3 * kind.unit // B, 2 * kind.unit // B, B)
    text = repr(layer)
    assert type(layer).__name__ in text and f"n_params={layer.n_params}" in text
    assert f"n_in={layer.n_in}" in text and f"n_out={layer.n_out}" in text


@kinds
@given(data=st.data())
def test_setters_validate_and_copy(kind, data):
    layer, X = data.draw(problems(kind))
    rng = np.random.default_rng(0)
    for name, shape in layer.param_shapes().items():
        value = rng.standard_normal(shape)
        setattr(layer, name, value)                       # the property: layer.C = ..., layer.b = ...
        assert np.array_equal(host(layer.params[name]), value)
        value[...] = 7.0                                  # the layer holds a copy
        assert not np.any(host(layer.params[name]) == 7.0)
        before = host(layer.params[name]).copy()
        bad_shape = shape[:-1] + (shape[-1] + 1,)
        with pytest.raises(ValueError, match=rf"parameter {name} must have shape {re_shape(shape)}"):
            setattr(layer, name, np.zeros(bad_shape))
        nan = np.zeros(shape)
        nan.reshape(-1)[0] = np.nan
        with pytest.raises(ValueError, match=f"parameter {name} contains non-finite"):
            setattr(layer, name, nan)
        for dtype in (np.int64, np.float16, np.complex128):
            with pytest.raises(TypeError, match=f"parameter {name}"):
                setattr(layer, name, np.zeros(shape, dtype=dtype))
        with pytest.raises(TypeError, match=f"parameter {name} must be an array"):
            setattr(layer, name, None)
        np.testing.assert_array_equal(host(layer.params[name]), before)   # refused: unchanged


def re_shape(shape):
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")


@kinds
def test_check_params_catches_a_parameter_replaced_with_a_wrong_shape(kind):
    n_out = (2 if kind.square else 4) * kind.unit
    for name, shape in kind.make(2 * kind.unit, n_out, seed=0).param_shapes().items():
        layer = kind.make(2 * kind.unit, n_out, seed=0)
        layer.params[name] = np.zeros(shape[:-1] + (2 * shape[-1],))
        with pytest.raises(ValueError, match=rf"parameter {name} must have shape {re_shape(shape)}"):
            layer.forward(np.ones((3, layer.n_in)))


@kinds
def test_to_float32_casts_every_parameter_and_back(kind, rng):
    layer = kind.make(2 * kind.unit, 2 * kind.unit, seed=0)
    X = rng.standard_normal((3, layer.n_in))
    Y64 = host(layer.forward(X))
    layer.to(dtype="float32")
    assert all(p.dtype == np.float32 for p in layer.params.values()) and layer.dtype == np.float32
    Y32 = layer.forward(X.astype(np.float32))
    assert Y32.dtype == np.float32
    np.testing.assert_allclose(Y32, Y64, rtol=1e-5, atol=1e-5 * np.abs(Y64).max())
    with pytest.raises(TypeError, match="share one dtype"):
        layer.forward(X)
    layer.to(dtype="float64")
    assert all(p.dtype == np.float64 for p in layer.params.values())


def test_cdlinear_W_is_read_only():
    layer = CDLinear(8, 8, 4, seed=0)
    with pytest.raises(AttributeError, match="W"):
        layer.W = np.zeros((8, 8))
    np.testing.assert_array_equal(layer.W, layer.to_dense())
