"""ACDC, SparseFixed and FourierMixing (issue 11): each against its definition built the slow,
obvious way, its backward pass against central differences, its initial scale against the
dense layer's, its errors, and the curvature tools on models made of it.

The generic Linear-protocol checks (forward on every backend, setters, float32, ...) run on
these layers in tests/test_protocol.py; bad input in tests/test_adversarial.py.
"""
import numpy as np
import pytest
import scipy.fft
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st

from cdnotes import ReLU
from cdnotes.curvature import (flat_params, gauss_newton_vector_product, hessian_vector_product,
                               last_layer_hessian, loss_and_gradient, network_hessian,
                               set_flat_params)
from cdnotes.gradcheck import gradcheck
from cdnotes.mlp import MLP
from cdnotes.structured import ACDC, FourierMixing, SparseFixed
from cdnotes.structured.dct import dct, dct_matrix, idct
from _fd import check_hvp_by_central_differences
from _fd import relative as _relative
from conftest import asarray, host

# ----------------------------------------------------------------------------
# The slow, obvious references.
# ----------------------------------------------------------------------------


def acdc_reference(a, d):
    """``Π_{k=depth−1…0} diag(a_k) Cᵀ diag(d_k) C`` with ``C`` from ``scipy.fft.dct`` of I."""
    n = a.shape[1]
    C = scipy.fft.dct(np.eye(n), norm="ortho", axis=0)        # C @ x = dct(x)
    W = np.eye(n)
    for k in range(a.shape[0]):
        W = np.diag(a[k]) @ C.T @ np.diag(d[k]) @ C @ W
    return W


def acdc_by_definition(a, d, x):
    """The cascade on one row ``x``, factor by factor, with scipy's DCT and IDCT."""
    for k in range(a.shape[0]):
        x = a[k] * scipy.fft.idct(d[k] * scipy.fft.dct(x, norm="ortho"), norm="ortho")
    return x


def sparse_reference(layer):
    """``W`` with NumPy's boolean-mask assignment ``W[mask] = values``."""
    W = np.zeros((layer.n_out, layer.n_in))
    W[layer.mask] = host(layer.values)
    return W


def fourier_reference(re, im, n):
    """Column ``j`` of ``W`` is the definition applied to ``e_j`` (numpy.fft, not scipy's)."""
    modes = re.size
    W = np.zeros((n, n))
    for j in range(n):
        spectrum = np.fft.rfft(np.eye(n)[j])[:modes] * (re + 1j * im)
        W[:, j] = np.fft.irfft(np.concatenate([spectrum, np.zeros(n // 2 + 1 - modes)]), n)
    return W


# ----------------------------------------------------------------------------
# The DCT.
# ----------------------------------------------------------------------------

@given(n=st.integers(1, 40), batch=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_dct_and_idct_match_scipy_on_every_backend(n, batch, seed):
    import array_api_strict as xps
    import array_api_compat.numpy as xnp
    X = np.random.default_rng(seed).standard_normal((batch, n))
    expected = scipy.fft.dct(X, type=2, norm="ortho", axis=-1)
    inverse = scipy.fft.idct(X, type=2, norm="ortho", axis=-1)
    for xp in (xnp, xps):
        np.testing.assert_allclose(host(dct(xp, asarray(xp, X))), expected, atol=1e-13)
        np.testing.assert_allclose(host(idct(xp, asarray(xp, X))), inverse, atol=1e-13)
        np.testing.assert_allclose(host(idct(xp, dct(xp, asarray(xp, X)))), X, atol=1e-13)


def test_dct_matrix_is_orthogonal_and_keeps_float32():
    import array_api_strict as xps
    C = dct_matrix(9)
    np.testing.assert_allclose(C @ C.T, np.eye(9), atol=1e-14)
    X = np.random.default_rng(0).standard_normal((2, 9)).astype(np.float32)
    assert dct(np, X).dtype == np.float32
    assert dct(xps, xps.asarray(X)).dtype == xps.float32
    assert idct(xps, xps.asarray(X)).dtype == xps.float32


# ----------------------------------------------------------------------------
# ACDC.
# ----------------------------------------------------------------------------

@given(n=st.integers(1, 12), depth=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_acdc_to_dense_and_forward_match_the_definition(n, depth, seed):
    rng = np.random.default_rng(seed)
    layer = ACDC(n, depth, seed=seed)
    layer.a, layer.d = rng.standard_normal((depth, n)), rng.standard_normal((depth, n))
    layer.b = rng.standard_normal(n)
    W = acdc_reference(host(layer.a), host(layer.d))
    np.testing.assert_allclose(host(layer.to_dense()), W, atol=1e-12 * max(1, np.abs(W).max()))
    X = rng.standard_normal((3, n))
    rows = np.stack([acdc_by_definition(host(layer.a), host(layer.d), x) for x in X]) + layer.b
    np.testing.assert_allclose(layer.forward(X), rows, atol=1e-12 * max(1, np.abs(rows).max()))


def test_acdc_on_array_api_strict_equals_numpy(xp, rng):
    layer = ACDC(10, 3, seed=4)
    X, dY = rng.standard_normal((5, 10)), rng.standard_normal((5, 10))
    Y, dX = layer.forward(X), layer.backward(dY)
    grads = {k: v.copy() for k, v in layer.grads.items()}
    layer.to(xp)
    np.testing.assert_allclose(host(layer.forward(asarray(xp, X))), Y, atol=1e-12)
    np.testing.assert_allclose(host(layer.backward(asarray(xp, dY))), dX, atol=1e-12)
    for name, g in grads.items():
        np.testing.assert_allclose(host(layer.grads[name]), g, atol=1e-12)
    np.testing.assert_allclose(host(layer.to_dense()), acdc_reference(host(layer.a), host(layer.d)),
                               atol=1e-12)


@given(n=st.integers(1, 9), depth=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_acdc_backward_against_finite_differences(n, depth, seed):
    rng = np.random.default_rng(seed)
    layer = ACDC(n, depth, seed=seed)
    layer.b = rng.standard_normal(n)
    # W is affine in each single entry of a and d (every entry appears once in the
    # product), so central differences are exact up to rounding at any step.
    result = gradcheck(layer, rng.standard_normal((4, n)), eps=1e-2)
    assert set(result.errors) == {"a", "d", "b", "X"}
    assert result.max_error < 1e-8, result


def test_acdc_without_noise_is_a_scaled_identity_with_the_dense_gain():
    """noise=0: a_k = c, d_k = 1, so W = c^depth I with c^depth = sqrt(n std²) (He: sqrt 2)."""
    for depth in (1, 2, 5):
        W = ACDC(16, depth, seed=0, noise=0.0).to_dense()
        np.testing.assert_allclose(W, np.sqrt(2.0) * np.eye(16), atol=1e-13)
        W = ACDC(16, depth, seed=0, noise=0.0, init=0.25).to_dense()
        np.testing.assert_allclose(W, np.sqrt(16 * 0.25**2) * np.eye(16), atol=1e-13)
    assert not np.any(ACDC(8, 2, init=0.0).to_dense())


def _mean_square_entry(make, n_seeds):
    values = np.array([np.mean(host(make(seed).to_dense()) ** 2) for seed in range(n_seeds)])
    return values.mean(), values.std(ddof=1) / np.sqrt(n_seeds)


@pytest.mark.parametrize("make, std2", [
    (lambda s: ACDC(16, 2, seed=s, noise=0.3), 2 / 16),
    (lambda s: ACDC(8, 3, seed=s, noise=0.5, init="lecun"), 1 / 8),
    (lambda s: SparseFixed(12, 6, 0.25, seed=s), 2 / 12),
    (lambda s: FourierMixing(12, 4, seed=s), 2 / 12),
    (lambda s: FourierMixing(8, 5, seed=s, init="glorot"), 2 / 16),
    (lambda s: FourierMixing(7, 4, seed=s), 2 / 7),
], ids=["ACDC", "ACDC-lecun", "SparseFixed", "FourierMixing", "FourierMixing-full-even",
        "FourierMixing-odd"])
def test_initial_mean_square_entry_is_the_dense_layers(make, std2):
    """E mean(W²) = std² (the dense scheme's): the mean over 400 seeds within 4 standard errors."""
    mean, se = _mean_square_entry(make, 400)
    assert abs(mean - std2) < 4 * se, (mean, std2, se)
    assert se < 0.1 * std2                                   # the check has teeth


@pytest.mark.parametrize("n, depth", [(5, 1), (6, 2), (4, 3)])
def test_acdc_weight_jacobian_against_central_differences(n, depth, rng):
    """The Jacobian at θ, column by column, against central differences of the slow W(θ)."""
    layer = ACDC(n, depth, seed=depth)
    a, d = host(layer.a), host(layer.d)
    J = layer.weight_jacobian()
    assert J.shape == (n * n, 2 * depth * n)
    theta = np.concatenate([a.ravel(), d.ravel()])

    def W(theta):
        return acdc_reference(theta[:depth * n].reshape(depth, n),
                              theta[depth * n:].reshape(depth, n)).ravel()

    eps = 1e-3              # W is affine in each single parameter: exact up to rounding
    numeric = np.stack([(W(theta + eps * e) - W(theta - eps * e)) / (2 * eps)
                        for e in np.eye(theta.size)], axis=1)
    np.testing.assert_allclose(J, numeric, atol=1e-10)
    np.testing.assert_allclose(J @ theta, 2 * depth * W(theta), atol=1e-12)      # Euler


def test_acdc_kernels_and_tangent_hooks_against_the_weight_jacobian(rng):
    """The batched kernels at m weight sets against W(θ_k) built the slow way; the tangent
    hooks against J_θ (itself checked by central differences above); the second-order term
    against central differences of the weight gradient along v (a polynomial in t: the error
    is O(eps²))."""
    import array_api_compat.numpy as xp
    n, depth, m, N = 6, 2, 3, 4
    layer = ACDC(n, depth, seed=0)
    assert layer.param_degree == 4 and ACDC(8, 3).param_degree == 6
    assert layer.weights_linear is False and layer.n_params == 2 * depth * n + n
    theta = {"a": 1 + 0.3 * rng.standard_normal((m, depth, n)),
             "d": 1 + 0.3 * rng.standard_normal((m, depth, n))}
    v = {"a": rng.standard_normal((m, depth, n)), "d": rng.standard_normal((m, depth, n))}
    X3, dY3 = rng.standard_normal((m, N, n)), rng.standard_normal((m, N, n))

    def at(k):
        twin = ACDC(n, depth, seed=0)
        twin.a, twin.d = theta["a"][k], theta["d"][k]
        return twin

    for k in range(m):
        W, J = acdc_reference(theta["a"][k], theta["d"][k]), at(k).weight_jacobian()
        DW = (J @ np.concatenate([v["a"][k].ravel(), v["d"][k].ravel()])).reshape(n, n)
        np.testing.assert_allclose(layer.apply_3d(xp, X3, theta)[k], X3[k] @ W.T, atol=1e-12)
        np.testing.assert_allclose(layer.apply_transpose_3d(xp, dY3, theta)[k], dY3[k] @ W,
                                   atol=1e-12)
        np.testing.assert_allclose(layer.tangent_apply_3d(xp, X3, theta, v)[k], X3[k] @ DW.T,
                                   atol=1e-12)
        np.testing.assert_allclose(layer.tangent_apply_transpose_3d(xp, dY3, theta, v)[k],
                                   dY3[k] @ DW, atol=1e-12)
        grads = layer.weight_grads_at_3d(xp, X3, dY3, theta)
        expected = J.T @ (dY3[k].T @ X3[k]).ravel()
        np.testing.assert_allclose(np.concatenate([grads["a"][k].ravel(), grads["d"][k].ravel()]),
                                   expected, atol=1e-12)
    eps = 1e-5
    second = layer.weight_second_order_3d(xp, X3[:1], dY3[:1], {k: t[:1] for k, t in theta.items()}, v)
    for k in range(m):
        up = layer.weight_grads_at_3d(xp, X3[:1], dY3[:1],
                                      {name: theta[name][:1] + eps * v[name][k:k + 1] for name in v})
        down = layer.weight_grads_at_3d(xp, X3[:1], dY3[:1],
                                        {name: theta[name][:1] - eps * v[name][k:k + 1] for name in v})
        for name in ("a", "d"):
            np.testing.assert_allclose(second[name][k], (up[name][0] - down[name][0]) / (2 * eps),
                                       rtol=1e-7, atol=1e-7 * np.abs(second[name][k]).max())
    own = layer.weight_grads_3d(xp, X3, dY3)                       # at the layer's parameters
    J = layer.weight_jacobian()
    np.testing.assert_allclose(np.concatenate([own["a"][1].ravel(), own["d"][1].ravel()]),
                               J.T @ (dY3[1].T @ X3[1]).ravel(), atol=1e-12)


@pytest.mark.parametrize("loss", ["cross_entropy", "squared_error"])
def test_hessian_vector_products_of_an_acdc_model_match_central_differences(loss):
    """ACDC's W is multilinear: the R-operator needs its own curvature term (the hooks)."""
    rng = np.random.default_rng(11)
    X, y = rng.standard_normal((30, 8)), rng.integers(0, 4, 30)
    model = MLP([ACDC(8, 2, seed=1), ReLU(), SparseFixed(8, 8, 0.5, seed=2), ReLU(),
                 ACDC(8, 2, seed=3)], n_classes=4)
    theta = flat_params(model)
    set_flat_params(model, theta + 0.05 * rng.standard_normal(theta.size))
    theta = flat_params(model)
    V = rng.standard_normal((theta.size, 3))
    HV = hessian_vector_product(model, X, y, V, loss=loss)
    check_hvp_by_central_differences(model, X, y, V, HV, loss=loss, step=1e-5)
    H = network_hessian(model, X, y, loss=loss)
    assert np.abs(H - H.T).max() <= 1e-10 * np.abs(H).max()
    assert _relative(H @ V, HV) < 1e-10
    G = network_hessian(model, X, y, loss=loss, kind="gauss_newton")
    assert _relative(G @ V, gauss_newton_vector_product(model, X, y, V, loss=loss)) < 1e-10
    assert np.linalg.eigvalsh(G)[0] >= -1e-10 * np.abs(G).max()            # G is PSD


def test_loss_and_gradient_of_an_acdc_model_against_central_differences(rng):
    model = MLP([ACDC(8, 2, seed=1), ReLU(), ACDC(8, 2, seed=2)], n_classes=3)
    X, y = rng.standard_normal((30, 8)), rng.integers(0, 3, 30)
    theta = flat_params(model)
    _, grad = loss_and_gradient(model, X, y)
    for k in range(3):
        v = np.random.default_rng(k).standard_normal(theta.size)
        eps = 1e-6
        set_flat_params(model, theta + eps * v)
        up = loss_and_gradient(model, X, y)[0]
        set_flat_params(model, theta - eps * v)
        down = loss_and_gradient(model, X, y)[0]
        assert abs((up - down) / (2 * eps) - grad @ v) <= 1e-6 * abs(grad @ v)
    set_flat_params(model, theta)


# ----------------------------------------------------------------------------
# SparseFixed.
# ----------------------------------------------------------------------------

@given(n_in=st.integers(1, 10), n_out=st.integers(1, 10), density=st.floats(0.01, 1.0),
       seed=st.integers(0, 2**32 - 1))
def test_sparse_mask_values_and_to_dense(n_in, n_out, density, seed):
    layer = SparseFixed(n_in, n_out, density, seed=seed)
    nnz = max(1, int(round(density * n_in * n_out)))
    assert layer.mask.shape == (n_out, n_in) and layer.mask.dtype == bool
    assert layer.nnz == nnz == int(layer.mask.sum()) == layer.values.shape[0]
    assert layer.n_params == nnz + n_out
    W = host(layer.to_dense())
    np.testing.assert_array_equal(W, sparse_reference(layer))
    assert not np.any(W[~layer.mask])
    twin = SparseFixed(n_in, n_out, density, seed=seed)
    np.testing.assert_array_equal(twin.mask, layer.mask)
    np.testing.assert_array_equal(twin.values, layer.values)


def test_sparse_masks_differ_between_seeds_and_cannot_be_written():
    masks = {SparseFixed(10, 10, 0.3, seed=s).mask.tobytes() for s in range(5)}
    assert len(masks) == 5
    layer = SparseFixed(10, 10, 0.3, seed=0)
    with pytest.raises(ValueError, match="read-only"):
        layer.mask[0, 0] = True


@pytest.mark.parametrize("method", ["dense", "sparse"])
@given(data=st.data())
def test_sparse_paths_forward_and_backward(method, data):
    n_in, n_out = data.draw(st.integers(1, 9)), data.draw(st.integers(1, 9))
    density = data.draw(st.floats(0.05, 1.0))
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    layer = SparseFixed(n_in, n_out, density, seed=seed, method=method)
    layer.b = rng.standard_normal(n_out)
    X = rng.standard_normal((4, n_in))
    expected = X @ sparse_reference(layer).T + host(layer.b)
    np.testing.assert_allclose(layer.forward(X), expected, atol=1e-12 * max(1, np.abs(expected).max()))
    result = gradcheck(layer, X, eps=1e-2)
    assert set(result.errors) == {"values", "b", "X"}
    assert result.max_error < 1e-8, result


def test_sparse_path_equals_dense_path_in_large_chunks_and_small(rng):
    from cdnotes.structured import sparse as module
    dense = SparseFixed(40, 30, 0.2, seed=3)
    fast = SparseFixed(40, 30, 0.2, seed=3, method="sparse")
    X, dY = rng.standard_normal((7, 40)), rng.standard_normal((7, 30))
    np.testing.assert_allclose(fast.forward(X), dense.forward(X), atol=1e-13)
    np.testing.assert_allclose(fast.backward(dY), dense.backward(dY), atol=1e-13)
    np.testing.assert_allclose(fast.grads["values"], dense.grads["values"], atol=1e-13)
    small = module._sampled_products(dY, X, fast.positions, 40, chunk_elements=10)
    np.testing.assert_allclose(small, dense.grads["values"], atol=1e-13)


def test_sparse_method_falls_back_to_the_dense_path_off_numpy(xp, rng):
    layer = SparseFixed(12, 5, 0.4, seed=1, method="sparse")
    X = rng.standard_normal((3, 12))
    Y = layer.forward(X)
    layer.to(xp)
    np.testing.assert_allclose(host(layer.forward(asarray(xp, X))), Y, atol=1e-13)
    np.testing.assert_array_equal(host(layer.to_dense()), sparse_reference(layer))


# ----------------------------------------------------------------------------
# FourierMixing.
# ----------------------------------------------------------------------------

@given(n=st.integers(1, 16), data=st.data())
def test_fourier_mixing_is_the_definition_and_a_circulant(n, data):
    modes = data.draw(st.integers(1, n // 2 + 1))
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    layer = FourierMixing(n, modes, seed=seed)
    layer.re, layer.im = rng.standard_normal(modes), rng.standard_normal(modes)   # inert im too
    W = host(layer.to_dense())
    reference = fourier_reference(host(layer.re), host(layer.im), n)
    np.testing.assert_allclose(W, reference, atol=1e-12 * max(1, np.abs(reference).max()))
    np.testing.assert_allclose(W, scipy.linalg.circulant(W[:, 0]), atol=1e-13)
    if 2 * modes - 1 < n:
        assert np.linalg.matrix_rank(W) <= 2 * modes - 1
    layer.b = rng.standard_normal(n)
    X = rng.standard_normal((3, n))
    expected = X @ reference.T + host(layer.b)
    np.testing.assert_allclose(layer.forward(X), expected, atol=1e-12 * max(1, np.abs(expected).max()))
    result = gradcheck(layer, X, eps=1e-2)
    assert result.max_error < 1e-8, result


@pytest.mark.parametrize("n, modes, inert", [(8, 5, (0, 4)), (8, 4, (0,)), (7, 4, (0,)),
                                             (2, 2, (0, 1)), (1, 1, (0,))])
def test_fourier_mixing_inert_imaginary_parts(n, modes, inert, rng):
    layer = FourierMixing(n, modes, seed=0)
    assert layer.inert_im == inert
    assert all(host(layer.im)[k] == 0 for k in inert)
    W = host(layer.to_dense())
    im = host(layer.im).copy()
    im[list(inert)] = rng.standard_normal(len(inert))
    layer.im = im
    np.testing.assert_array_equal(host(layer.to_dense()), W)
    X = rng.standard_normal((4, n))
    layer.forward(X)
    layer.backward(rng.standard_normal((4, n)))
    assert all(host(layer.grads["im"])[k] == 0 for k in inert)
    live = [k for k in range(modes) if k not in inert]
    if live:                                                   # and the others do matter
        im[live[0]] += 1.0
        layer.im = im
        assert not np.allclose(host(layer.to_dense()), W)


def test_fourier_mixing_on_array_api_strict_equals_numpy(xp, rng):
    layer = FourierMixing(12, 5, seed=2)
    X, dY = rng.standard_normal((4, 12)), rng.standard_normal((4, 12))
    Y, dX = layer.forward(X), layer.backward(dY)
    grads = {k: v.copy() for k, v in layer.grads.items()}
    layer.to(xp)
    np.testing.assert_allclose(host(layer.forward(asarray(xp, X))), Y, atol=1e-12)
    np.testing.assert_allclose(host(layer.backward(asarray(xp, dY))), dX, atol=1e-12)
    for name, g in grads.items():
        np.testing.assert_allclose(host(layer.grads[name]), g, atol=1e-12)


# ----------------------------------------------------------------------------
# Impossible shapes and bad options: ValueError naming the allowed values.
# ----------------------------------------------------------------------------

def test_impossible_shapes_name_the_allowed_values():
    for depth in (0, -1):
        with pytest.raises(ValueError, match="depth must be a positive integer"):
            ACDC(8, depth)
    with pytest.raises(TypeError, match="depth"):
        ACDC(8, 1.5)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        ACDC(0, 2)
    with pytest.raises(ValueError, match="noise must be in"):
        ACDC(8, 2, noise=-0.1)
    for density in (0.0, -0.5, 1.01, float("nan")):
        with pytest.raises(ValueError, match=r"density must be .*\(0, 1\]"):
            SparseFixed(8, 4, density)
    with pytest.raises(ValueError, match="method must be one of 'dense', 'sparse'"):
        SparseFixed(8, 4, 0.5, method="csr")
    with pytest.raises(ValueError, match="n_out must be a positive integer"):
        SparseFixed(8, 0, 0.5)
    with pytest.raises(ValueError, match=r"modes must be in \[1, n // 2 \+ 1\] = \[1, 5\] for n=8"):
        FourierMixing(8, 6)
    with pytest.raises(ValueError, match="modes must be a positive integer"):
        FourierMixing(8, 0)


def test_seeds_of_every_kind(rng):
    for seed in (np.random.default_rng(1), np.random.SeedSequence(2), np.int64(3), None):
        assert SparseFixed(6, 4, 0.5, seed=seed).nnz == 12
    with pytest.raises(ValueError, match="seed"):
        SparseFixed(6, 4, 0.5, seed=-1)


# ----------------------------------------------------------------------------
# The curvature tools on models of the layers linear in their weights.
# ----------------------------------------------------------------------------

def _model(seed):
    layers = [SparseFixed(8, 12, 0.5, seed=seed), ReLU(), FourierMixing(12, 4, seed=seed + 1),
              ReLU(), SparseFixed(12, 5, 0.6, seed=seed + 2, method="sparse")]
    model = MLP(layers, n_classes=4)
    theta = flat_params(model)
    set_flat_params(model, theta + 0.05 * np.random.default_rng(seed).standard_normal(theta.size))
    return model


@pytest.mark.parametrize("loss", ["cross_entropy", "squared_error"])
def test_hessian_vector_products_match_central_differences_of_the_gradient(loss):
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((40, 8)), rng.integers(0, 4, 40)
    model = _model(3)
    theta = flat_params(model)
    V = rng.standard_normal((theta.size, 3))
    HV = hessian_vector_product(model, X, y, V, loss=loss)
    check_hvp_by_central_differences(model, X, y, V, HV, loss=loss, step=1e-6)
    H = network_hessian(model, X, y, loss=loss)
    assert _relative(H @ V, HV) < 1e-10


@pytest.mark.parametrize("with_acdc", [False, True], ids=["sparse-fourier", "acdc"])
def test_curvature_products_on_every_backend(xp, with_acdc):
    rng = np.random.default_rng(8)
    X, y = rng.standard_normal((20, 8)), rng.integers(0, 4, 20)
    model = (MLP([ACDC(8, 2, seed=4), ReLU(), ACDC(8, 1, seed=5)], n_classes=4) if with_acdc
             else _model(6))
    V = rng.standard_normal((model.n_params, 3))
    reference = [hessian_vector_product(model, X, y, V), gauss_newton_vector_product(model, X, y, V)]
    for layer in model.linear_layers:
        layer.to(xp)
    Xb, yb, Vb = asarray(xp, X), xp.asarray(y), asarray(xp, V)
    got = [hessian_vector_product(model, Xb, yb, Vb), gauss_newton_vector_product(model, Xb, yb, Vb)]
    for a, b in zip(got, reference):
        assert _relative(host(a), b) < 1e-12


@pytest.mark.parametrize("make, why", [
    (lambda: SparseFixed(8, 4, 0.5, seed=0), "W gathers its parameters"),
    (lambda: FourierMixing(8, 3, seed=0), "W gathers its parameters"),
    (lambda: ACDC(8, 2, seed=0), "W gathers its parameters")], ids=["sparse", "fourier", "acdc"])
def test_null_directions_refuse_these_layers_clearly(make, why, rng):
    """null_directions counts parameters gathered into W one by one (Dense, CDLinear); a
    structured layer gets NotImplementedError naming the reason, never a wrong count."""
    from cdnotes.curvature import null_directions
    layer = make()
    with pytest.raises(NotImplementedError, match=why):
        null_directions(MLP([layer], n_classes=3), rng.standard_normal((10, layer.n_in)))


@pytest.mark.parametrize("last", [lambda: SparseFixed(12, 5, 0.5, seed=1),
                                  lambda: FourierMixing(12, 4, seed=2)], ids=["sparse", "fourier"])
def test_last_layer_hessian_is_the_network_hessians_last_block(last, rng):
    model = MLP([SparseFixed(8, 12, 0.7, seed=0), ReLU(), last()], n_classes=4)
    X, y = rng.standard_normal((30, 8)), rng.integers(0, 4, 30)
    P_L = model.linear_layers[-1].n_params
    block = network_hessian(model, X, y)[-P_L:, -P_L:]
    np.testing.assert_allclose(last_layer_hessian(model, X), block, atol=1e-12 * np.abs(block).max())


# ----------------------------------------------------------------------------
# The speed benchmark's script runs (a smoke run: no timing is asserted).
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_the_speed_benchmark_runs_and_writes_its_json(backend, tmp_path, capsys):
    import importlib.util
    from conftest import REPO_ROOT
    from cdnotes.results import read_json
    spec = importlib.util.spec_from_file_location(
        "structured_speed", f"{REPO_ROOT}/benchmarks/structured_speed.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "speed.json"
    script.main(["--widths", "16", "64", "--width", "64", "--repeats", "1", "--backend", backend,
                 "--only", "acdc", "fourier_mixing", "sparse_fixed", "cdlinear", "toeplitz",
                 "--json", str(out)])
    printed = capsys.readouterr().out
    result = read_json(out)
    measured = {(r["structure"], r["width"]) for r in result["rows"]}
    assert {("dense", 16), ("acdc", 16), ("fourier_mixing", 64), ("sparse_fixed", 64),
            ("cdlinear", 64)} <= measured
    assert ("cdlinear", 16) not in measured                 # B = 64 does not divide 16 ...
    assert "cdlinear" in result["skipped"] and "16" in result["skipped"]["cdlinear"]
    assert "skipped cdlinear at n = 16" in printed          # ... and the run says so
    assert result["environment"]["backend"] == backend and result["config"]["batch"] == 256
    for r in result["rows"]:
        assert r["seconds"] > 0 and r["n_params"] > 0 and len(r["speedup_by_sweep"]) == 2
        assert r["rounds"] >= 2 and r["seconds"] <= r["median_seconds"]
    verdicts = {v for c in result["crossings"].values() for v in c["verdicts"]}
    assert verdicts and verdicts <= {"faster", "slower", "unsettled"}
    assert set(result["crossings"]) >= {"acdc", "fourier_mixing"}
    assert result["goal"]["meets"]["acdc"] in (True, False)


# ----------------------------------------------------------------------------
# The peers benchmark's correctness check (torch, jax, peft are optional: never needed here).
# ----------------------------------------------------------------------------

def _peers_script():
    import importlib.util
    import os
    from conftest import REPO_ROOT
    before = dict(os.environ)
    spec = importlib.util.spec_from_file_location("peers", f"{REPO_ROOT}/benchmarks/peers.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for key in set(os.environ) - set(before):            # the script's thread settings
        del os.environ[key]
    return script


def test_the_peers_check_passes_a_right_layer_and_fails_a_wrong_one():
    script = _peers_script()

    def circulant_peer(flip):
        def f(C, b, X, dY):
            C = script._flip(C) if flip else C
            W = np.block([[scipy.linalg.circulant(c) for c in row] for row in C])
            B = C.shape[-1]
            G = (dY.T @ X).reshape(C.shape[0], B, C.shape[1], B)
            dC = np.stack([np.einsum("iajb->ij", G * (np.subtract.outer(np.arange(B), np.arange(B))
                                                     % B == m)[None, :, None, :])
                           for m in range(B)], axis=-1)
            return X @ W.T + b, (script._flip(dC) if flip else dC), dY @ W
        return f

    checks = script.check_peers({"right": circulant_peer(False), "correlation": circulant_peer(True)})
    assert max(checks["right"].values()) < 1e-13
    assert min(checks["correlation"].values()) > 0.1          # the check has teeth
    C = np.random.default_rng(0).standard_normal((2, 3, 5))
    np.testing.assert_array_equal(script._flip(script._flip(C)), C)
    np.testing.assert_array_equal(script._flip(C)[..., 1], C[..., 4])


def test_the_torch_peer_matches_to_dense():
    torch = pytest.importorskip("torch")
    script = _peers_script()
    checks = script.check_peers(script.torch_peers(torch, None))
    assert max(checks["torch rfft/einsum"].values()) < 1e-12
