"""Chapters 3 and 4's report functions: on small real computations and on constructed cases
where each sentence's verdict flips, against numbers computed directly."""
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from cdnotes import hessian as hs
from cdnotes.conditioning import WHITENING_NAMES, ar1_covariance, draw_samples
from cdnotes.data import load_digits
from cdnotes.experiments.theorem1 import summarize_kappa_cases, theorem1_kappa_cases
from cdnotes.experiments.theorem2 import population_cases
from cdnotes.report import theorems, theorems_plots
from cdnotes.stats import Estimate, mean_ci, paired_difference_ci, rank_sum_test


def test_structure_table_reads_the_structure_check():
    X = draw_samples(ar1_covariance(12, 0.6), 50, 1)
    s = hs.hessian_structure(hs.cdlinear_hessian(X, 8, 4), 8, 12, 4)
    sec = theorems.structure_table(s)
    assert sec.values["ch3_cross_in"] == s.max_cross_input_norm
    assert sec.rows[3][1] == f"largest such block {s.max_cross_input_norm:.3f}"
    assert [r[2] for r in sec.rows][-1] == "**fails**"


def _case(ki, rho, ratio):
    return SimpleNamespace(n_in_blocks=ki, rho=rho, ratio=ratio)


def _summary(low, high):
    return SimpleNamespace(low_rho=0.3, high_rho=0.8, median_low_rho=low, median_high_rho=high,
                           n_multi_block=20, single_block_max_deviation=0.0, ratio_median=0.5,
                           ratio_min=0.1, ratio_max=1.0)


def test_kappa_cases_verdict_each_way():
    low = [_case(2, 0.1, 0.9 + 0.001 * i) for i in range(10)]
    high = [_case(2, 0.9, 0.2 + 0.001 * i) for i in range(10)]
    text = theorems.kappa_cases(low + high, _summary(0.9, 0.2)).values["ch3_rho_verdict"]
    p = rank_sum_test(np.array([c.ratio for c in high]), np.array([c.ratio for c in low]))
    assert text == f"lowest when inputs are correlated (Mann–Whitney test, p = {p:.2g})"
    flipped = [_case(2, 0.1, c.ratio) for c in high] + [_case(2, 0.9, c.ratio) for c in low]
    text = theorems.kappa_cases(flipped, _summary(0.2, 0.9)).values["ch3_rho_verdict"]
    assert text.startswith("highest when inputs are correlated")
    mixed = [_case(2, 0.1 if i % 2 else 0.9, 0.5 + 0.01 * i) for i in range(20)]
    text = theorems.kappa_cases(mixed, _summary(0.6, 0.6)).values["ch3_rho_verdict"]
    assert text.startswith("with no significant difference")


def test_kappa_cases_on_real_cases():
    cases = theorem1_kappa_cases(40, block_sizes=(2, 8), in_blocks=(1, 4), out_blocks=(1, 2),
                                 n_samples=(10, 100), rho=(0.0, 0.95), seed=4)
    s = summarize_kappa_cases(cases, low_rho=0.3, high_rho=0.8)
    v = theorems.kappa_cases(cases, s).values
    assert v["ch3_ratio_max"] == s.ratio_max == max(c.ratio for c in cases if c.n_in_blocks > 1)
    assert v["ch3_cases_multi"] == sum(c.n_in_blocks > 1 for c in cases)


def _timings(p_explicit, p_closed):
    P = np.array([128, 288, 512, 1152, 2048])
    return [SimpleNamespace(n_params=int(q), seconds_explicit=1e-9 * q ** p_explicit,
                            seconds_closed=1e-6 * q ** p_closed, speedup=10.0 * i,
                            max_relative_error=1e-15 * i) for i, q in enumerate(P, 1)]


@pytest.mark.parametrize("pe, pc, words", [(2.5, 0.9, "both below"), (3.2, 0.9, "not both below"),
                                           (2.5, 1.1, "not both below")])
def test_spectrum_cost_fits_the_exponents(pe, pc, words):
    sec = theorems.spectrum_cost(_timings(pe, pc))
    v = sec.values
    assert np.isclose(v["ch3_p_explicit"], pe) and np.isclose(v["ch3_p_closed"], pc)
    assert v["ch3_p_vs_counts"] == words
    assert (v["ch3_P_min"], v["ch3_P_max"], v["ch3_Ki_max"]) == (128, 2048, 16)
    assert v["ch3_speedup"] == 50.0 and v["ch3_bench_err"] == 1e-15 * 5


def test_signed_and_interval():
    assert theorems.signed(-0.5) == "−0.50" and theorems.signed(1.234, ".1f") == "1.2"
    e = Estimate(mean=0.0, std=1.0, n=5, low=-0.25, high=0.75, level=0.95)
    assert theorems.interval(e) == "[−0.25,\u00a00.75]"


def test_population_table_on_the_digits():
    X, _ = load_digits()
    pops = {"AR(1), ρ = 0.8": ar1_covariance(64, 0.8),
            "digits": np.cov(X, rowvar=False, bias=True)}
    cases = population_cases(pops, n_out=64, block_size=8, whitenings=WHITENING_NAMES)
    sec = theorems.population_table(cases, X)
    blank = int(np.sum(X.std(axis=0) == 0))
    assert sec.values["ch4_blank"] == blank and sec.values["ch4_rank"] == 64 - blank
    raw = [c for c in cases if (c.inputs, c.whitening) == ("digits", "none")][0]
    assert sec.values["ch4_digits_dense_zero"] == raw.dense.n_zero
    assert sec.values["ch4_ar_spectral_block_cd"] == [
        c for c in cases if (c.inputs, c.whitening) == ("AR(1), ρ = 0.8", "spectral-block")][
        0].cd.kappa_nonzero
    zero_rows = [r for r in sec.rows if "zero)" in r[3]]
    assert all(r[0] == "digits" for r in zero_rows) and zero_rows
    assert sec.rows[0][1] == "no whitening"


def _fsc(n_in, B, N, kappa_cd, kappa_dense=None):
    kappa_dense = kappa_cd if kappa_dense is None else kappa_dense
    return SimpleNamespace(n_in=n_in, block_size=B, n_samples=N, n_in_blocks=n_in // B,
                           kappa_cd=tuple(kappa_cd), kappa_dense=tuple(kappa_dense),
                           mean_cd=float(np.mean(kappa_cd)), mean_dense=float(np.mean(kappa_dense)),
                           marchenko_pastur_cd=1.1, marchenko_pastur_dense=1.5)


@pytest.mark.parametrize("k1, words", [((1.01, 1.02, 1.03), "smaller than"),
                                       ((1.5, 1.6, 1.7), "larger than"),
                                       ((1.0, 1.2, 1.4), "not significantly different from")])
def test_exponent_table_ki1_verdict_each_way(k1, words):
    k8 = (1.19, 1.2, 1.21)
    records = {(64, 64): [_fsc(64, 64, 1024, k1), _fsc(64, 64, 128, (1.3, 1.3, 1.3))],
               (64, 8): [_fsc(64, 8, 1024, k8)]}
    sweep = records[64, 64] + records[64, 8]           # K_i = 8 at N = 1024: K_i/N = 1/128
    ci = Estimate(mean=0.4, std=0.1, n=5, low=0.3, high=0.6, level=0.95)
    fit = SimpleNamespace(measured=(0.45, -0.5, -0.4), marchenko_pastur=(0.5, -0.55, -0.2),
                          intervals=(ci, ci, ci))
    sec = theorems.exponent_table(fit, records, sweep, 5)
    v = sec.values
    assert v["ch4_ki1_verdict"] == words
    assert v["ch4_mp_inside"] == "one" and v["ch4_fit_q"] == "−0.50"
    assert (v["ch4_ki1_pairs"], v["ch4_ki1_above"]) == (1, 1)      # 1.3 at 1/128 vs 1.2
    assert v["ch4_ki1_equal"] == "it is not smaller"
    assert sec.header[2] == "95% CI (t, 5 per-seed fits)" and sec.rows[1][5] == "+0.5"


def test_fair_table_shrinks_or_not():
    shrinking = [_fsc(64, 8, 128, (1.5, 1.6, 1.7), (3.0, 3.3, 3.5)),
                 _fsc(64, 8, 8192, (1.01, 1.02, 1.03), (1.05, 1.06, 1.08))]
    sec = theorems.fair_table(shrinking)
    log_fair = {c.n_samples: np.log10(c.kappa_dense) - np.log10(c.kappa_cd) for c in shrinking}
    shrink = paired_difference_ci(log_fair[128], log_fair[8192])
    assert shrink.low > 0 and sec.values["ch4_fair_shrinks"] == "the advantage shrinks with $N$"
    assert np.isclose(sec.values["ch4_fair_128_low"], 10 ** mean_ci(log_fair[128]).low)
    assert sec.values["ch4_fair_128"] == shrinking[0].mean_dense / shrinking[0].mean_cd
    assert sec.values["ch4_paper_gap"] == "≈310×"
    flat = [_fsc(64, 8, 128, (1.5, 1.6, 1.7), (3.0, 3.3, 3.5)),
            _fsc(64, 8, 8192, (1.5, 1.6, 1.7), (3.3, 3.0, 3.5))]
    assert theorems.fair_table(flat).values["ch4_fair_shrinks"].startswith(
        "the advantage does not shrink")
    assert [r[0] for r in sec.rows] == [128, 8192]


def _frame(cd, dense, n_zero=0):
    def cond(k, z=0):
        return SimpleNamespace(kappa=k, kappa_nonzero=k, n_zero=z)
    return {"kappa_cd": cond(cd), "kappa_dense": cond(dense, n_zero)}


def test_explorer_values_follow_the_draw():
    spectral = {64: _frame(3.0, 3.0), 8192: _frame(2.5, 2.5)}
    zca = {16: _frame(1.8, 0.0, 9), 8192: _frame(1.01, 1.02)}
    by_B = {B: _frame(2.0 / B, 2.0) for B in (1, 2, 4, 8, 16, 32)}
    v = theorems.explorer_values(2.4, spectral, zca, by_B).values
    assert v["ch4_exp_closer"] == "the CD layer closer"
    assert v["ch4_exp_falls"] == "falls with every step"
    assert v["ch4_exp_n16_zeros"] == 9 and v["ch4_exp_B32"] == "0.0625"
    zca[8192] = _frame(1.03, 1.02)
    by_B[8] = _frame(5.0, 2.0)
    v = theorems.explorer_values(2.4, spectral, zca, by_B).values
    assert v["ch4_exp_closer"] == "in this draw the dense layer closer"
    assert v["ch4_exp_falls"] == "falls in 4 of the 5 steps of this draw"


def test_the_figures_draw():
    import matplotlib.pyplot as plt
    X = draw_samples(ar1_covariance(12, 0.6), 50, 1)
    H = hs.cdlinear_hessian(X, 8, 4)
    ev = np.linalg.eigvalsh(H)
    cases = theorem1_kappa_cases(20, block_sizes=(2, 8), in_blocks=(1, 4), out_blocks=(1, 2),
                                 n_samples=(10, 100), rho=(0.0, 0.95), seed=4)
    figs = [theorems_plots.plot_hessian_blocks(H, 12, 8, 4),
            theorems_plots.plot_three_spectra(ev, ev, ev),
            theorems_plots.plot_kappa_cases(cases),
            theorems_plots.plot_cost(theorems.spectrum_cost(_timings(2.5, 0.9)), 3)]
    assert figs[2].axes[0].get_title() == "each of the 20 layers"
    assert len(figs[3].axes[0].lines) == 4
    for fig in figs:
        plt.close(fig)
