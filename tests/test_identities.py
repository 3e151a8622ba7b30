"""Parseval (Σ_k η_k = B) and Eq. 8 against the explicit inverse Fisher (chapter 6)."""
import numpy as np
import pytest

from cdnotes.experiments.identities import (eq8_cases, eq8_trace, eta_sums, fisher_trace,
                                            fisher_trace_dense, parseval_check)


@pytest.mark.parametrize("shape", [(1, 1, 4), (3, 1, 4), (1, 3, 8), (3, 3, 4), (2, 5, 2),
                                   (4, 2, 1)])
@pytest.mark.parametrize("eps", [1e-4, 1e-2, 1.0])
def test_fisher_trace_is_the_trace_of_the_explicit_inverse(shape, eps):
    C = np.random.default_rng(sum(shape)).standard_normal(shape)
    assert fisher_trace(C, eps) == pytest.approx(fisher_trace_dense(C, eps), rel=1e-9)
    assert fisher_trace(C, eps, sigma2=2.5) == pytest.approx(
        fisher_trace_dense(C, eps, sigma2=2.5), rel=1e-9)


def test_eq8_equals_the_explicit_trace_for_one_block_only():
    rng = np.random.default_rng(1)
    for B in (1, 4, 8):
        C = rng.standard_normal((1, 1, B))
        assert eq8_trace(C, 1e-3) == pytest.approx(fisher_trace_dense(C, 1e-3), rel=1e-9)
    # more than one block on either side: the explicit matrix disagrees with Eq. 8
    for shape in [(2, 1, 4), (1, 2, 4), (3, 3, 4)]:
        C = rng.standard_normal(shape)
        assert abs(eq8_trace(C, 1e-3) / fisher_trace_dense(C, 1e-3) - 1) > 0.05


def test_eq8_is_the_exact_trace_with_every_block_its_own_channel():
    C = np.random.default_rng(2).standard_normal((3, 2, 4))
    separate = sum(fisher_trace_dense(C[i:i + 1, j:j + 1], 0.1)
                   for i in range(3) for j in range(2))
    assert eq8_trace(C, 0.1) == pytest.approx(separate, rel=1e-9)


def test_eq8_cases_records_both_traces():
    C = np.random.default_rng(3).standard_normal((2, 2, 4))
    (case,) = eq8_cases([("x", C)], [0.5])
    assert (case.n_out_blocks, case.n_in_blocks, case.block_size) == (2, 2, 4)
    assert case.ratio == pytest.approx(eq8_trace(C, 0.5) / fisher_trace_dense(C, 0.5))


def test_eta_sums_follow_parseval_under_each_normalisation():
    X = np.random.default_rng(4).standard_normal((5, 12))
    sq = np.sum(X.reshape(5, 3, 4) ** 2, axis=-1)
    assert np.allclose(eta_sums(X, 4), 4 * sq)
    assert np.allclose(eta_sums(X, 4, norm="ortho"), sq)
    assert np.allclose(eta_sums(X, 4, norm="forward"), sq / 4)
    # slow twin: the DFT as a sum
    k = np.arange(4)
    F = np.exp(-2j * np.pi * np.outer(k, k) / 4)
    assert np.allclose(eta_sums(X, 4).ravel(),
                       np.sum(np.abs(X.reshape(-1, 4) @ F.T) ** 2, axis=1))
    with pytest.raises(ValueError, match="norm"):
        eta_sums(X, 4, norm="unitary")


def test_parseval_check_counts_zero_blocks_and_the_norm_range():
    X = np.zeros((2, 8))
    X[0, :4] = [1, 0, 0, 0]
    X[1, 4:] = [2, 0, 0, 0]
    p = parseval_check(X, 4)
    assert (p.n_blocks, p.n_zero_blocks) == (2, 2)
    assert (p.ratio_min, p.ratio_max) == (1.0, 4.0)
    assert p.max_parseval_error < 1e-15 and p.normalised_max_error < 1e-12
