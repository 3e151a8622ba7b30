"""bc_matmul and its VJPs against the materialised matrix and central finite differences."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import cdnotes
from cdnotes.gradcheck import numerical_gradient, relative_error
from conftest import asarray, host, reference_block_circulant, reference_grad_C


@st.composite
def problems(draw, max_blocks=4, max_B=9):
    """(C, X, dY) host arrays: C (Ko, Ki, B), X (*batch, Ki*B), dY (*batch, Ko*B)."""
    Ko, Ki = draw(st.integers(1, max_blocks)), draw(st.integers(1, max_blocks))
    B = draw(st.integers(1, max_B))
    batch = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return (rng.standard_normal((Ko, Ki, B)), rng.standard_normal(batch + (Ki * B,)),
            rng.standard_normal(batch + (Ko * B,)))


methods = st.sampled_from(["fft", "dense", "auto"])


@given(problem=problems(), method=methods)
def test_forward_matches_materialised_matrix(xp, problem, method):
    C, X, _ = problem
    Y = cdnotes.bc_matmul(asarray(xp, C), asarray(xp, X), method=method)
    assert type(Y) is type(asarray(xp, C))
    expected = X @ reference_block_circulant(C).T
    assert Y.shape == expected.shape
    assert relative_error(host(Y), expected) < 1e-12


@given(problem=problems(), method=methods)
def test_vjps_match_materialised_gradients(xp, problem, method):
    C, X, dY = problem
    B = C.shape[2]
    dC, dX = cdnotes.bc_matmul_vjp(asarray(xp, C), asarray(xp, X), asarray(xp, dY), method=method)
    X2, dY2 = X.reshape(-1, X.shape[-1]), dY.reshape(-1, dY.shape[-1])
    W = reference_block_circulant(C)
    assert dC.shape == C.shape and dX.shape == X.shape
    assert relative_error(host(dC), reference_grad_C(dY2.T @ X2, B)) < 1e-12
    assert relative_error(host(dX), dY @ W) < 1e-12


@given(problem=problems(max_blocks=3, max_B=7), method=st.sampled_from(["fft", "dense"]))
def test_vjps_match_central_finite_differences(problem, method):
    C, X, R = problem          # probe loss L = Σ R ⊙ bc_matmul(C, X), so ∂L/∂Y = R

    def loss_C(c):
        return float(np.sum(R * cdnotes.bc_matmul(c, X, method=method)))

    def loss_X(x):
        return float(np.sum(R * cdnotes.bc_matmul(C, x, method=method)))

    dC, dX = cdnotes.bc_matmul_vjp(C, X, R, method=method)
    assert relative_error(dC, numerical_gradient(loss_C, C)) < 1e-7
    assert relative_error(dX, numerical_gradient(loss_X, X)) < 1e-7


@given(problem=problems())
def test_fft_and_dense_paths_agree(problem):
    C, X, dY = problem
    assert relative_error(cdnotes.bc_matmul(C, X, method="fft"),
                          cdnotes.bc_matmul(C, X, method="dense")) < 1e-12
    for a, b in zip(cdnotes.bc_matmul_vjp(C, X, dY, method="fft"),
                    cdnotes.bc_matmul_vjp(C, X, dY, method="dense")):
        assert relative_error(a, b) < 1e-12


@given(problem=problems(), method=methods)
def test_float32_stays_float32_and_is_accurate(xp, problem, method):
    C, X, dY = problem
    C32, X32, dY32 = (asarray(xp, a, "float32") for a in (C, X, dY))
    Y = cdnotes.bc_matmul(C32, X32, method=method)
    dC, dX = cdnotes.bc_matmul_vjp(C32, X32, dY32, method=method)
    assert Y.dtype == xp.float32 and dC.dtype == xp.float32 and dX.dtype == xp.float32
    # Compare with the float64 product of the same (rounded) float32 inputs. A float32 sum is
    # accurate to its unit roundoff against the size of its terms, not of its result (terms of
    # size 2 may cancel to 0.002), so the error is measured against the same products of the
    # absolute values: ‖got − exact‖ / ‖|A| |B|‖.
    C, X, dY = (host(a).astype(np.float64) for a in (C32, X32, dY32))
    W = reference_block_circulant(C)
    X2, dY2 = X.reshape(-1, X.shape[-1]), dY.reshape(-1, dY.shape[-1])

    def scaled_error(got, exact, scale):
        return np.linalg.norm(got - exact) / np.linalg.norm(scale)

    assert scaled_error(host(Y), X @ W.T, np.abs(X) @ np.abs(W).T) < 1e-5
    assert scaled_error(host(dX), dY @ W, np.abs(dY) @ np.abs(W)) < 1e-5
    assert scaled_error(host(dC), reference_grad_C(dY2.T @ X2, C.shape[2]),
                        reference_grad_C(np.abs(dY2).T @ np.abs(X2), C.shape[2])) < 1e-5


def test_paper_eq4_reversed_coefficients(rng):
    # Eq. 4 as the paper writes it: δX_j = Σ_i IFFT(FFT(c_ij^rev) ⊙ FFT(δy_i)), c^rev[m] = c[-m mod B].
    Ko, Ki, B = 3, 2, 5
    C, dY = rng.standard_normal((Ko, Ki, B)), rng.standard_normal((4, Ko * B))
    C_rev = C[:, :, (-np.arange(B)) % B]
    dYb = dY.reshape(4, Ko, B)
    expected = np.stack([sum(np.fft.ifft(np.fft.fft(C_rev[i, j]) * np.fft.fft(dYb[:, i], axis=-1)).real
                             for i in range(Ko)) for j in range(Ki)], axis=1).reshape(4, Ki * B)
    _, dX = cdnotes.bc_matmul_vjp(C, rng.standard_normal((4, Ki * B)), dY)
    assert relative_error(dX, expected) < 1e-12


def test_paper_eq3_cross_correlation(rng):
    # Eq. 3: ∂L/∂c_ij = IFFT(conj(FFT(X_j)) ⊙ FFT(δy_i)), summed over the batch.
    Ko, Ki, B, N = 2, 3, 4, 6
    C, X, dY = rng.standard_normal((Ko, Ki, B)), rng.standard_normal((N, Ki * B)), rng.standard_normal((N, Ko * B))
    Xb, dYb = X.reshape(N, Ki, B), dY.reshape(N, Ko, B)
    expected = np.array([[np.fft.ifft(np.conj(np.fft.fft(Xb[:, j], axis=-1)) * np.fft.fft(dYb[:, i], axis=-1)).real.sum(0)
                          for j in range(Ki)] for i in range(Ko)])
    dC, _ = cdnotes.bc_matmul_vjp(C, X, dY)
    assert relative_error(dC, expected) < 1e-12
