"""Theorem 1, checked: explicit Hessians against finite differences, the closed form against eigvalsh."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import cdnotes
from cdnotes import conditioning as cn
from cdnotes import layer_hessian as hs
from cdnotes.gradcheck import numerical_gradient
from conftest import asarray, host


@st.composite
def hessian_problems(draw):
    """X (N, n_in) with odd/even B, B = 1, Ki = 1 (B = n_in), Ki != Ko."""
    B = draw(st.integers(1, 7))
    Ki, Ko = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    N = draw(st.integers(1, 12))
    X = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).standard_normal((N, Ki * B))
    return X, Ko * B, B


def gradient_of_C(X, T, C):
    """∂L/∂C of L = ½ Σ ‖y − t‖² through the layer's own backward pass."""
    layer = cdnotes.CDLinear.from_coefficients(C, method="fft")
    return layer, (lambda: (layer.backward(layer.forward(X) - T), layer.grads["C"])[1])


@given(problem=hessian_problems())
def test_explicit_hessian_is_jacobian_gram(problem):
    X, n_out, B = problem
    J = hs.cdlinear_jacobian(X, n_out, B)
    H, gram = hs.cdlinear_hessian(X, n_out, B), J.T @ J
    assert np.abs(H - gram).max() <= 1e-13 * np.abs(gram).max()


@given(problem=hessian_problems())
def test_jacobian_matches_finite_differences_of_the_forward_pass(problem):
    X, n_out, B = problem
    Ki, Ko = X.shape[1] // B, n_out // B
    C0 = np.zeros((Ko, Ki, B))
    J = hs.cdlinear_jacobian(X, n_out, B)
    for row in np.random.default_rng(0).choice(J.shape[0], size=min(5, J.shape[0]), replace=False):
        numeric = numerical_gradient(lambda c: cdnotes.bc_matmul(c, X).reshape(-1)[row], C0)
        assert np.allclose(J[row], numeric.ravel(), atol=1e-8)


def test_hessian_matches_finite_differences_of_the_backward_pass():
    """Column p of H = (∇L(C + ε e_p) − ∇L(C − ε e_p)) / 2ε, with ∇L from CDLinear.backward."""
    rng = np.random.default_rng(1)
    for n_in, n_out, B in [(12, 8, 4), (15, 10, 5), (6, 6, 6), (6, 4, 1), (9, 6, 3)]:
        X, T = rng.standard_normal((5, n_in)), rng.standard_normal((5, n_out))
        C = rng.standard_normal((n_out // B, n_in // B, B))
        H = hs.cdlinear_hessian(X, n_out, B)
        P, eps = C.size, 1e-5
        numeric = np.empty((P, P))
        for p in range(P):
            step = np.zeros(P)
            step[p] = eps
            _, grad_plus = gradient_of_C(X, T, C + step.reshape(C.shape))
            _, grad_minus = gradient_of_C(X, T, C - step.reshape(C.shape))
            numeric[:, p] = (grad_plus() - grad_minus()).ravel() / (2 * eps)
        assert np.abs(H - numeric).max() < 1e-7 * np.abs(H).max()


@given(problem=hessian_problems())
def test_closed_form_spectrum_equals_eigvalsh_of_explicit_hessian(problem):
    X, n_out, B = problem
    explicit = np.linalg.eigvalsh(hs.cdlinear_hessian(X, n_out, B))
    closed = hs.cdlinear_spectrum(X, n_out, B)
    assert closed.shape == explicit.shape == (X.shape[1] * n_out // B,)
    assert np.all(np.diff(closed) >= 0)
    assert np.abs(closed - explicit).max() <= 1e-9 * explicit.max()
    from_moment = hs.cdlinear_spectrum_from_moment(X.T @ X, n_out, B)
    assert np.abs(from_moment - explicit).max() <= 1e-9 * explicit.max()


def test_closed_form_on_backends(xp):
    X = np.random.default_rng(3).standard_normal((20, 15))
    out = hs.cdlinear_spectrum(asarray(xp, X), 10, 5)
    assert type(out) is type(asarray(xp, X))
    assert np.allclose(host(out), np.linalg.eigvalsh(hs.cdlinear_hessian(X, 10, 5)), rtol=0, atol=1e-10)
    H, H_ref = host(hs.cdlinear_hessian(asarray(xp, X), 10, 5)), hs.cdlinear_hessian(X, 10, 5)
    assert np.abs(H - H_ref).max() <= 1e-12 * np.abs(H_ref).max()      # GPU BLAS sums in its own order
    assert np.allclose(host(hs.theorem1_eigenvalues(asarray(xp, X), 10, 5)),
                       hs.theorem1_eigenvalues(X, 10, 5))


@given(problem=hessian_problems())
def test_structure_what_holds(problem):
    """Every B×B block circulant; blocks with i ≠ i' zero; all output blocks share one matrix."""
    X, n_out, B = problem
    s = hs.hessian_structure(hs.cdlinear_hessian(X, n_out, B), n_out, X.shape[1], B)
    assert s.max_circulant_deviation < 1e-13
    assert s.max_cross_output_norm == 0.0
    assert s.output_blocks_identical == 0.0


def test_cross_input_blocks_are_not_zero():
    """Against Theorem 1 as stated: blocks with j ≠ j' hold cross-correlations of X_j and X_j'."""
    X = np.random.default_rng(4).standard_normal((10, 12))
    s = hs.hessian_structure(hs.cdlinear_hessian(X, 8, 4), 8, 12, 4)
    assert s.max_cross_input_norm > 0.05


@given(problem=hessian_problems())
def test_theorem1_values_are_the_diagonal_of_the_dft_transformed_hessian(problem):
    X, n_out, B = problem
    Ki = X.shape[1] // B
    M = hs.frequency_moments(X.T @ X, B)                                   # (B, Ki, Ki)
    diagonal = np.real(np.einsum("kjj->jk", M)).ravel()
    expected = np.sort(np.tile(diagonal, n_out // B))
    assert np.allclose(hs.theorem1_eigenvalues(X, n_out, B), expected, rtol=1e-10, atol=1e-10)


@given(problem=hessian_problems())
def test_theorem1_is_exact_when_there_is_one_input_block(problem):
    X, _, B = problem
    X = X[:, :B]                                                           # Ki = 1
    exact = hs.cdlinear_spectrum(X, 2 * B, B)
    stated = hs.theorem1_eigenvalues(X, 2 * B, B)
    assert np.abs(stated - exact).max() <= 1e-10 * max(exact.max(), 1e-300)


def test_theorem1_is_exact_for_uncorrelated_input_blocks():
    # Each sample is non-zero in one block only: every cross-block moment vanishes exactly.
    rng = np.random.default_rng(5)
    Ki, B, N = 3, 5, 30
    X = rng.standard_normal((N, Ki, B)) * (np.arange(N)[:, None] % Ki == np.arange(Ki)[None, :])[:, :, None]
    X = X.reshape(N, Ki * B)
    assert np.allclose(hs.theorem1_eigenvalues(X, 10, B), hs.cdlinear_spectrum(X, 10, B),
                       rtol=1e-12, atol=1e-12)


def test_theorem1_misses_for_correlated_blocks():
    X = np.random.default_rng(6).standard_normal((40, 16))
    exact, stated = hs.cdlinear_spectrum(X, 16, 4), hs.theorem1_eigenvalues(X, 16, 4)
    assert np.abs(stated - exact).max() > 0.01 * exact.max()
    # both are the same trace (the stated values are the diagonal in the DFT basis)
    assert np.isclose(stated.sum(), exact.sum(), rtol=1e-12)
    # the stated spectrum is squeezed inside the true one (Schur-Horn / Cauchy interlacing)
    assert stated.max() <= exact.max() * (1 + 1e-12) and stated.min() >= exact.min() * (1 - 1e-12)


def test_dense_hessian_and_spectrum():
    rng = np.random.default_rng(7)
    X, T = rng.standard_normal((6, 5)), rng.standard_normal((6, 3))
    H = hs.dense_hessian(X, 3)
    dense = cdnotes.Dense(5, 3, seed=0)
    W0, eps = dense.W.copy(), 1e-5
    numeric = np.empty_like(H)
    for p in range(W0.size):
        grads = []
        for sign in (1, -1):
            W = W0.copy().ravel()
            W[p] += sign * eps
            dense.params["W"] = W.reshape(W0.shape)
            dense.backward(dense.forward(X) - T)
            grads.append(dense.grads["W"].ravel())
        numeric[:, p] = (grads[0] - grads[1]) / (2 * eps)
    assert np.abs(H - numeric).max() < 1e-7 * np.abs(H).max()
    assert np.allclose(hs.dense_spectrum(X, 3), np.linalg.eigvalsh(H), atol=1e-10)


def test_block_size_one_cd_hessian_is_the_dense_hessian():
    X = np.random.default_rng(8).standard_normal((7, 6))
    assert np.array_equal(hs.cdlinear_hessian(X, 4, 1), hs.dense_hessian(X, 4))
    assert np.allclose(hs.cdlinear_spectrum(X, 4, 1), hs.dense_spectrum(X, 4), atol=1e-10)


class TestConditionNumber:
    def test_plain(self):
        c = cn.condition_number(np.array([2.0, 1.0, 8.0]))
        assert c.kappa == 8.0 / 1.0 and c.n_zero == 0 and c.kappa_nonzero == c.kappa

    def test_exact_and_numerical_zeros_are_reported(self):
        c = cn.condition_number(np.array([0.0, -1e-18, 1e-17, 1.0, 4.0]))
        assert c.kappa == np.inf and c.n_zero == 3 and c.kappa_nonzero == 4.0
        assert "3 of 5 eigenvalues zero" in str(c)

    def test_rtol(self):
        c = cn.condition_number(np.array([1e-6, 1.0]), rtol=1e-3)
        assert c.n_zero == 1 and c.kappa == np.inf

    @pytest.mark.parametrize("bad,match", [(np.array([-1.0, 1.0]), "not positive semi-definite"),
                                           (np.zeros(3), "undefined"), (np.array([]), "non-empty"),
                                           (np.array([np.nan, 1.0]), "finite")])
    def test_errors(self, bad, match):
        with pytest.raises(ValueError, match=match):
            cn.condition_number(bad)

    def test_rank_deficient_inputs_give_zero_eigenvalues(self):
        # Each frequency's M_k is Ki x Ki from N samples: rank-deficient exactly when N < Ki.
        X = np.random.default_rng(9).standard_normal((2, 12))        # N = 2 < Ki = 3
        c = cn.condition_number(hs.cdlinear_spectrum(X, 8, 4))
        B, Ki, Ko, N = 4, 3, 2, 2
        assert c.n_zero == B * (Ki - N) * Ko and np.isfinite(c.kappa_nonzero)
        X3 = np.random.default_rng(9).standard_normal((3, 12))       # N = Ki = 3 < n_in: full rank
        assert cn.condition_number(hs.cdlinear_spectrum(X3, 8, 4)).n_zero == 0
        assert cn.condition_number(hs.dense_spectrum(X3, 8)).n_zero == 8 * (12 - 3)


def test_hessian_input_errors():
    with pytest.raises(ValueError, match="shape \\(N, n_in\\)"):
        hs.cdlinear_spectrum(np.ones((2, 3, 4)), 4, 2)
    with pytest.raises(ValueError, match="does not divide"):
        hs.cdlinear_spectrum(np.ones((2, 12)), 8, 5)
    with pytest.raises(ValueError, match="non-finite"):
        hs.cdlinear_hessian(np.full((2, 4), np.nan), 4, 2)
    with pytest.raises(ValueError, match="square"):
        hs.frequency_moments(np.ones((4, 3)), 2)
