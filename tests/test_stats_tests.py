"""The two tests added to cdnotes.stats for per-seed comparisons (chapters 5 and 6)."""
import numpy as np
import pytest

from cdnotes.stats import count_difference_test, paired_variance_test


def test_paired_variance_test_detects_a_wider_spread():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(40), 3 * rng.standard_normal(40)
    ratio, p = paired_variance_test(b, a)
    assert ratio == pytest.approx(np.var(b, ddof=1) / np.var(a, ddof=1))
    assert ratio > 1 and p < 0.01


def test_paired_variance_test_is_uniform_under_the_null():
    rng = np.random.default_rng(1)
    p = [paired_variance_test(rng.standard_normal(10), rng.standard_normal(10))[1]
         for _ in range(2000)]
    assert 0.03 < np.mean(np.array(p) < 0.05) < 0.07


def test_paired_variance_test_matches_the_correlation_test():
    from scipy import stats
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(12), rng.standard_normal(12) * 1.5
    assert paired_variance_test(a, b)[1] == pytest.approx(stats.pearsonr(a + b, a - b)[1])


def test_paired_variance_test_rejects_unequal_shapes():
    with pytest.raises(ValueError, match="equal shapes"):
        paired_variance_test([1, 2, 3], [1, 2, 3, 4])


def test_count_difference_test():
    assert count_difference_test(10, 20, 10, 20) == pytest.approx(1.0)
    assert count_difference_test(15, 20, 2, 20) < 1e-3
    from scipy import stats
    assert count_difference_test(7, 20, 3, 20) == pytest.approx(
        stats.fisher_exact([[7, 13], [3, 17]])[1])
    with pytest.raises(ValueError, match="k_a"):
        count_difference_test(21, 20, 1, 20)


def test_variance_ratio_ci_covers_the_true_ratio_at_its_level():
    from cdnotes.stats import variance_ratio_ci
    rng = np.random.default_rng(3)
    hits = [(lambda e: e.low <= 4.0 <= e.high)(
        variance_ratio_ci(2 * rng.standard_normal(15), rng.standard_normal(12)))
        for _ in range(2000)]
    assert 0.93 < np.mean(hits) < 0.97
    e = variance_ratio_ci([1.0, 3.0, 5.0], [1.0, 2.0, 3.0])
    assert e.mean == pytest.approx(4.0) and e.low < 4.0 < e.high
    with pytest.raises(ValueError, match="non-zero variance"):
        variance_ratio_ci([1.0, 2.0], [1.0, 1.0])


def test_rank_sum_test():
    from scipy import stats
    from cdnotes.stats import rank_sum_test
    a, b = [1.0, 2.0, 3.0, 4.0], [10.0, 11.0, 12.0, 13.0]
    assert rank_sum_test(a, b) == pytest.approx(stats.mannwhitneyu(a, b).pvalue)
    assert rank_sum_test(a, b) < 0.05 and rank_sum_test(a, a) > 0.5
