"""spectral_precondition against the explicit damped solve with cdlinear_hessian."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdnotes.hessian import cdlinear_hessian, cdlinear_spectrum
from cdnotes.preconditioning import frequency_grams, spectral_precondition

from conftest import asarray, host


def _explicit(X, G, damping):
    """The slow, obvious reference: form H = cdlinear_hessian / N and solve."""
    Ko, Ki, B = G.shape
    H = cdlinear_hessian(X, Ko * B, B) / X.shape[0]
    return np.linalg.solve(H + damping * np.eye(H.shape[0]), G.ravel()).reshape(G.shape)


def _relative(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


@pytest.mark.parametrize("n_in, n_out, B, N", [
    (12, 8, 4, 50),      # even B, Ki = 3
    (15, 10, 5, 7),      # odd B, few samples
    (6, 6, 6, 3),        # one block, N < B
    (8, 4, 1, 20),       # B = 1: a dense layer
    (16, 8, 2, 5),       # B = 2: only the DC and Nyquist bins
    (21, 14, 7, 30),     # odd B, Ki = 3
    (24, 48, 8, 4),      # N < Ki·B
])
@pytest.mark.parametrize("damping", [1e-3, 0.5])
def test_matches_the_explicit_damped_solve(xp, rng, n_in, n_out, B, N, damping):
    X = rng.standard_normal((N, n_in)) @ rng.standard_normal((n_in, n_in))    # correlated inputs
    G = rng.standard_normal((n_out // B, n_in // B, B))
    D = spectral_precondition(asarray(xp, X), asarray(xp, G), damping)
    assert D.shape == G.shape and D.dtype == xp.float64
    assert _relative(host(D), _explicit(X, G, damping)) < 1e-9


@given(Ki=st.integers(1, 4), Ko=st.integers(1, 3), B=st.integers(1, 9),
       N=st.integers(1, 40), damping=st.floats(1e-4, 10.0), seed=st.integers(0, 2**31))
def test_matches_the_explicit_damped_solve_any_shape(Ki, Ko, B, N, damping, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, Ki * B)) * rng.uniform(0.1, 3.0, Ki * B)
    G = rng.standard_normal((Ko, Ki, B))
    assert _relative(spectral_precondition(X, G, damping), _explicit(X, G, damping)) < 1e-9


def test_undamped_solve_inverts_the_hessian(rng):
    """With damping 0 and N >= Ki·B (non-singular H), H D = G exactly."""
    X, G = rng.standard_normal((40, 12)), rng.standard_normal((2, 3, 4))
    D = spectral_precondition(X, G, 0.0)
    H = cdlinear_hessian(X, 8, 4) / 40
    assert _relative((H @ D.ravel()).reshape(G.shape), G) < 1e-9


def test_float32(rng):
    X, G = rng.standard_normal((30, 12)), rng.standard_normal((2, 3, 4))
    D = spectral_precondition(X.astype(np.float32), G.astype(np.float32), 0.1)
    assert D.dtype == np.float32
    assert _relative(D, _explicit(X, G, 0.1)) < 1e-4


def test_grams_carry_the_hessian_spectrum(xp, rng):
    """The Gram matrices' eigenvalues, with their multiplicities, are H/N's (chapter 3)."""
    X = rng.standard_normal((25, 12))
    A = host(frequency_grams(asarray(xp, X), 4))                      # (3, 3, 3)
    assert A.shape == (3, 3, 3)
    assert np.abs(A - np.conj(np.transpose(A, (0, 2, 1)))).max() < 1e-12     # Hermitian
    ev = np.linalg.eigvalsh(A)
    ev = np.sort(np.concatenate([ev[0], ev[1], ev[1], ev[2]] * 2))   # bin 1 stands for k = 1, 3
    assert _relative(ev, cdlinear_spectrum(X, 8, 4) / 25) < 1e-12


def test_damping_shrinks_the_step_monotonically(rng):
    X, G = rng.standard_normal((30, 12)), rng.standard_normal((2, 3, 4))
    norms = [np.linalg.norm(spectral_precondition(X, G, lam)) for lam in (0.01, 0.1, 1.0, 10.0)]
    assert all(a > b for a, b in zip(norms, norms[1:]))
    assert _relative(spectral_precondition(X, G, 1e8) * 1e8, G) < 1e-6      # λ → ∞: G/λ


@pytest.mark.parametrize("kwargs, words", [
    ({"damping": -0.1}, "damping"),
    ({"damping": float("nan")}, "damping"),
    ({"G": np.zeros((2, 3, 5))}, "n_in"),
    ({"G": np.zeros((2, 12))}, "(Ko, Ki, B)"),
    ({"X": np.zeros((5, 12, 1))}, "(N, n_in)"),
    ({"G": np.zeros((2, 3, 4), dtype=np.float32)}, "dtype"),
])
def test_bad_input(kwargs, words, rng):
    args = {"X": rng.standard_normal((5, 12)), "G": rng.standard_normal((2, 3, 4)), "damping": 0.1}
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=None) as info:
        spectral_precondition(**args)
    assert words in str(info.value)
