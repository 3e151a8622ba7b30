"""The experiments of chapters 1-4, each checked against a direct computation of one case."""
import itertools

import numpy as np
import pytest

import cdnotes
from cdnotes import conditioning as cn
from cdnotes import hessian as hs
from cdnotes.experiments.dft_checks import dft_diagonalisation_checks, set_distance
from cdnotes.experiments.gradient_checks import gradient_check_cases
from cdnotes.experiments.init_scale import activation_scale
from cdnotes.experiments.records import columns
from cdnotes.experiments.theorem1 import (Theorem1Case, frequency_basis, spectrum_timings,
                                          summarize_kappa_cases, theorem1_kappa_cases,
                                          uncorrelated_block_inputs)
from cdnotes.experiments.theorem2 import (FiniteSampleCase, finite_sample_cases,
                                          fit_kappa_exponents, population_cases)
from cdnotes.whitening import make_whitener
from conftest import reference_block_circulant


# ---------------------------------------------------------------- chapter 1

def test_set_distance_is_the_best_matching():
    a = np.array([1.0, 2.0, 3.0 + 1j])
    assert set_distance(a, a[::-1] + 1e-3) == pytest.approx(1e-3)
    brute = min(max(abs(x - y) for x, y in zip(a, p)) for p in itertools.permutations(a + [0.1, 0, 0]))
    assert set_distance(a, a + [0.1, 0, 0]) == pytest.approx(brute)
    with pytest.raises(ValueError, match="equal size"):
        set_distance(a, a[:2])


def test_dft_checks_match_a_direct_computation():
    checks = dft_diagonalisation_checks([3, 5], n_draws=4, seed=7)
    assert [c.block_size for c in checks] == [3, 5] and all(c.n_draws == 4 for c in checks)
    rng = np.random.default_rng(7)                   # the documented order of the draws
    for check in checks:
        B = check.block_size
        k = np.arange(B)
        F = np.fft.fft(np.eye(B)) / np.sqrt(B)
        assert np.allclose(F, np.exp(-2j * np.pi * np.outer(k, k) / B) / np.sqrt(B))
        off = err = 0.0
        for _ in range(4):
            c = rng.standard_normal(B)
            C = np.array([[c[(r - s) % B] for s in range(B)] for r in range(B)])
            D = F @ C @ F.conj().T
            lam = np.fft.fft(c)
            ev = np.linalg.eigvals(C)                # matched to lam by trying every pairing
            best = min(max(abs(x - y) for x, y in zip(ev, p)) for p in itertools.permutations(lam))
            off = max(off, np.abs(D - np.diag(np.diag(D))).max() / np.abs(lam).max())
            err = max(err, best / np.abs(lam).max())
        assert check.max_offdiagonal == pytest.approx(off, rel=1e-12, abs=1e-300)
        assert check.max_eigenvalue_error == pytest.approx(err, rel=1e-12, abs=1e-300)
        assert check.max_error < 1e-13


def test_dft_checks_are_seeded_and_validated():
    a = dft_diagonalisation_checks([4, 6], n_draws=3, seed=1)
    assert a == dft_diagonalisation_checks([4, 6], n_draws=3, seed=1)
    assert a != dft_diagonalisation_checks([4, 6], n_draws=3, seed=2)
    with pytest.raises(ValueError, match="each size"):
        dft_diagonalisation_checks([0, 4])
    with pytest.raises(TypeError, match="n_draws"):
        dft_diagonalisation_checks([4], n_draws=2.0)


# ---------------------------------------------------------------- chapter 2

def probe_loss_errors(case):
    """The case's three errors, recomputed by hand on the materialised matrix."""
    X = np.random.default_rng(case.input_seed).standard_normal((case.n_samples, case.n_in))
    layer = cdnotes.CDLinear(case.n_in, case.n_out, case.block_size, seed=case.layer_seed)
    C, b = layer.C.copy(), layer.b.copy()
    R = np.random.default_rng(case.probe_seed).standard_normal((case.n_samples, case.n_out))

    def loss(C, b, X):
        return np.sum(R * (X @ reference_block_circulant(C).T + b))

    def central(f, x, eps=1e-6):
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            up, down = x.copy(), x.copy()
            up[i] += eps
            down[i] -= eps
            g[i] = (f(up) - f(down)) / (2 * eps)
        return g

    W = reference_block_circulant(C)
    exact = {"C": np.array([[[sum((R.T @ X)[i * case.block_size + k,
                                              j * case.block_size + (k - m) % case.block_size]
                                  for k in range(case.block_size))
                              for m in range(case.block_size)]
                             for j in range(C.shape[1])] for i in range(C.shape[0])]),
             "b": R.sum(axis=0), "X": R @ W}
    numeric = {"C": central(lambda v: loss(v, b, X), C), "b": central(lambda v: loss(C, v, X), b),
               "X": central(lambda v: loss(C, b, v), X)}
    return exact, numeric


def test_gradient_check_cases_match_a_direct_computation():
    cases = gradient_check_cases([(6, 4, 2), (5, 10, 5)], seed=3, n_samples=3)
    assert [(c.shape, c.method) for c in cases] == [("(6, 4, 2)", "fft"), ("(6, 4, 2)", "dense"),
                                                    ("(5, 10, 5)", "fft"), ("(5, 10, 5)", "dense")]
    for case in cases:
        exact, numeric = probe_loss_errors(case)
        for name in "CbX":
            # The exact gradient is the analytic one up to rounding: the recorded error and the
            # hand-made finite differences' error are both rounding-sized.
            hand = np.linalg.norm(exact[name] - numeric[name]) / np.linalg.norm(exact[name])
            assert hand < 1e-7 and getattr(case, f"error_{name}") < 1e-7
        assert case.max_error > 0                     # finite differences are never exact
        X = np.random.default_rng(case.input_seed).standard_normal((case.n_samples, case.n_in))
        layer = cdnotes.CDLinear(case.n_in, case.n_out, case.block_size, seed=case.layer_seed,
                                 method=case.method)
        again = cdnotes.gradcheck(layer, X, seed=case.probe_seed).errors   # reproducible
        assert (again["C"], again["b"], again["X"]) == (case.error_C, case.error_b, case.error_X)


def test_gradient_check_cases_see_a_wrong_gradient(monkeypatch):
    original = cdnotes.CDLinear.backward

    def wrong(self, dY):
        dX = original(self, dY)
        self.grads["C"] = self.grads["C"] * 1.01
        return dX

    monkeypatch.setattr(cdnotes.CDLinear, "backward", wrong)
    case = gradient_check_cases([(6, 4, 2)], methods=("fft",), seed=0)[0]
    assert case.error_C == pytest.approx(0.01, rel=0.05) and case.error_X < 1e-7


def test_gradient_check_cases_are_seeded_and_validated():
    a = gradient_check_cases([(4, 4, 2)], methods=("fft",), seed=1)
    assert a == gradient_check_cases([(4, 4, 2)], methods=("fft",), seed=1)
    assert a[0].layer_seed != gradient_check_cases([(4, 4, 2)], methods=("fft",), seed=2)[0].layer_seed
    with pytest.raises(ValueError, match="block_size=3 does not divide"):
        gradient_check_cases([(4, 4, 3)])
    with pytest.raises(ValueError, match="method must be one of"):
        gradient_check_cases([(4, 4, 2)], methods=("fast",))


def test_activation_scale_matches_a_direct_computation():
    curves = activation_scale((1, 4), width=8, depth=3, n_networks=2, n_inputs=10, seed=5)
    assert [c.label for c in curves] == ["Dense", "CDLinear B=4"]
    X = None
    for curve in curves:
        assert curve.mean_square.shape == (2, 3)
        X = np.random.default_rng(curve.input_seed).standard_normal((10, 8))
        for k, seeds in enumerate(curve.layer_seeds):
            H = X
            for l, s in enumerate(seeds):
                if curve.block_size == 1:
                    W = np.random.default_rng(s).standard_normal((8, 8)) * np.sqrt(2 / 8)
                else:
                    C = np.random.default_rng(s).standard_normal((2, 2, 4)) * np.sqrt(2 / 8)
                    W = reference_block_circulant(C)
                H = np.maximum(H @ W.T, 0.0)                     # biases start at zero
                assert curve.mean_square[k, l] == pytest.approx(np.mean(H ** 2), rel=1e-12)
    assert curves[0].layer_seeds == curves[1].layer_seeds       # common random numbers
    q25, q50, q75 = curves[1].quartiles()
    assert np.all(q25 <= q50) and np.all(q50 <= q75) and q50.shape == (3,)
    gains = curves[1].gains()
    assert gains.shape == (2, 2)
    np.testing.assert_allclose(gains[:, 1], curves[1].mean_square[:, 2]
                               / curves[1].mean_square[:, 1], rtol=1e-14)
    np.testing.assert_allclose(np.prod(gains, axis=1) * curves[1].mean_square[:, 0],
                               curves[1].mean_square[:, -1], rtol=1e-12)


def test_activation_scale_gain_averages_one():
    """The expected per-layer gain is 1 for every B: many independent one-layer draws."""
    for curve in activation_scale((1, 8), width=16, depth=2, n_networks=4000, n_inputs=50,
                                  seed=11):
        g = curve.gains().ravel()
        half = 4 * g.std(ddof=1) / np.sqrt(g.size)                     # 4 standard errors
        assert abs(g.mean() - 1) < half, (curve.block_size, g.mean(), half)


def test_activation_scale_validates():
    with pytest.raises(ValueError, match="block_size=5 does not divide"):
        activation_scale((1, 5), width=8)
    with pytest.raises(ValueError, match="depth"):
        activation_scale((1,), width=8, depth=0)


# ---------------------------------------------------------------- chapter 3

def test_frequency_basis_is_block_diagonal_with_the_moment_matrices():
    X = cn.draw_samples(cn.ar1_covariance(12, 0.6), 30, seed=0)
    B, Ki = 4, 3
    H_in = hs.cdlinear_hessian(X, B, B)                       # Ko = 1: H = H_in
    H_hat, outside = frequency_basis(H_in, B)
    assert outside < 1e-13
    Xf = np.fft.fft(X.reshape(30, Ki, B), axis=-1)            # (n, j, k)
    for k in range(B):
        M_k = np.conj(Xf[:, :, k]).T @ Xf[:, :, k]
        assert np.allclose(H_hat[k * Ki:(k + 1) * Ki, k * Ki:(k + 1) * Ki], M_k, atol=1e-10)
    H_bad = H_in.copy()
    H_bad[0, 5] = H_bad[5, 0] = H_bad[0, 5] + 10.0           # breaks the circulant structure
    assert frequency_basis(H_bad, B)[1] > 1e-3


def test_uncorrelated_block_inputs_make_theorem1_exact():
    X = uncorrelated_block_inputs(12, 3, 5, seed=0)
    blocks = X.reshape(12, 3, 5)
    assert np.count_nonzero(np.abs(blocks).sum(axis=2), axis=1).tolist() == [1] * 12
    cross = np.einsum("nja,nkb->jkab", blocks, blocks)
    assert np.all(cross[0, 1] == 0) and np.all(cross[1, 2] == 0)
    explicit = np.linalg.eigvalsh(hs.cdlinear_hessian(X, 10, 5))
    assert np.allclose(hs.theorem1_eigenvalues(X, 10, 5), explicit, atol=1e-10 * explicit.max())


def test_theorem1_kappa_cases_match_explicit_hessians():
    cases = theorem1_kappa_cases(6, block_sizes=(2, 5), in_blocks=(1, 3), out_blocks=(1, 2),
                                 n_samples=(10, 40), seed=11)
    assert len(cases) == 6 and {c.n_in_blocks for c in cases} > {1}
    for c in cases:
        X = cn.draw_samples(cn.ar1_covariance(c.n_in, c.rho), c.n_samples, c.input_seed)
        ev = np.linalg.eigvalsh(hs.cdlinear_hessian(X, c.n_out, c.block_size))
        assert c.kappa_true == pytest.approx(ev.max() / ev.min(), rel=1e-8) and c.n_zero == 0
        power = np.sum(np.abs(np.fft.fft(X.reshape(c.n_samples, c.n_in_blocks, c.block_size),
                                         axis=-1)) ** 2, axis=0)            # Theorem 1, as stated
        assert c.kappa_theorem1 == pytest.approx(power.max() / power.min(), rel=1e-8)
        assert c.ratio <= 1 + 1e-12
    assert all(c.ratio == pytest.approx(1.0) for c in cases if c.n_in_blocks == 1)


def test_theorem1_kappa_cases_are_seeded_and_validated():
    a = theorem1_kappa_cases(3, seed=1, block_sizes=(2, 4), n_samples=(10, 20))
    assert a == theorem1_kappa_cases(3, seed=1, block_sizes=(2, 4), n_samples=(10, 20))
    assert a != theorem1_kappa_cases(3, seed=2, block_sizes=(2, 4), n_samples=(10, 20))
    with pytest.raises(ValueError, match="low <= high"):
        theorem1_kappa_cases(3, block_sizes=(5, 2))
    with pytest.raises(ValueError, match="rho"):
        theorem1_kappa_cases(3, rho=(0.0, 1.0))


def test_summarize_kappa_cases_by_hand():
    def case(Ki, rho, ratio):
        return Theorem1Case(4, Ki, 1, 20, rho, 0, 10.0, 10.0 * ratio, 0)

    cases = [case(1, 0.5, 1.0 + 1e-15), case(2, 0.1, 0.9), case(3, 0.2, 0.7), case(2, 0.5, 0.6),
             case(4, 0.9, 0.3), case(2, 0.85, 0.2)]
    s = summarize_kappa_cases(cases, low_rho=0.3, high_rho=0.8)
    assert (s.n_single_block, s.n_multi_block) == (1, 5)
    assert s.single_block_max_deviation == pytest.approx(1e-15, rel=0.1)
    assert (s.ratio_min, s.ratio_median, s.ratio_max) == pytest.approx((0.2, 0.6, 0.9))
    assert (s.median_low_rho, s.median_high_rho) == pytest.approx((0.8, 0.25))
    assert np.isnan(summarize_kappa_cases(cases, high_rho=0.95).median_high_rho)
    with pytest.raises(ValueError, match="Ki > 1"):
        summarize_kappa_cases(cases[:1])


def test_columns_of_records():
    cases = theorem1_kappa_cases(3, block_sizes=(2, 3), n_samples=(10, 12), seed=0)
    Ki, ratio = columns(cases, "n_in_blocks", "ratio")
    assert Ki.tolist() == [c.n_in_blocks for c in cases] and ratio.shape == (3,)
    assert columns(cases, "rho").tolist() == [c.rho for c in cases]
    with pytest.raises(ValueError, match="no field"):
        columns(cases, "kappa")


def test_spectrum_timings_compare_both_routes():
    timings = spectrum_timings([8, 16], block_size=4, n_samples=20, repeats=1, seed=0)
    assert [t.n_params for t in timings] == [16, 64]
    for t in timings:
        X = np.random.default_rng(t.input_seed).standard_normal((20, t.n_in))
        ev = np.linalg.eigvalsh(hs.cdlinear_hessian(X, t.n_out, 4))
        closed = hs.cdlinear_spectrum(X, t.n_out, 4)
        assert t.max_relative_error == pytest.approx(np.abs(closed - ev).max() / ev.max(),
                                                     abs=1e-15)
        assert t.max_relative_error < 1e-12
        assert t.seconds_explicit > 0 and t.seconds_closed > 0
    with pytest.raises(ValueError, match="block_size=4 does not divide"):
        spectrum_timings([10], block_size=4)
    with pytest.raises(ValueError, match="threads"):
        spectrum_timings([8], block_size=4, threads=0)


# ---------------------------------------------------------------- chapter 4

def population_kappa_explicit(cov, whitening, n_out, B):
    """κ of the explicit population Hessians: X = R Aᵀ with RᵀR = cov, A the whitening."""
    R = np.linalg.cholesky(cov).T                            # RᵀR = cov
    w = make_whitener(whitening, B)
    if w is not None:
        R = R @ w.fit_covariance(cov).matrix_.T
    out = {}
    for name, H in (("cd", hs.cdlinear_hessian(R, n_out, B)), ("dense", hs.dense_hessian(R, n_out))):
        ev = np.linalg.eigvalsh(H)
        out[name] = cn.condition_number(ev)
    return out


def test_population_cases_match_explicit_population_hessians():
    covs = {"ar": cn.ar1_covariance(16, 0.7), "scaled": cn.ar1_covariance(16, 0.3, np.linspace(1, 3, 16))}
    cases = population_cases(covs, n_out=8, block_size=4, whitenings=("none", "spectral", "zca"))
    assert [(c.inputs, c.whitening) for c in cases] == [(n, w) for n in covs
                                                        for w in ("none", "spectral", "zca")]
    for c in cases:
        direct = population_kappa_explicit(covs[c.inputs], c.whitening, 8, 4)
        assert c.cd.kappa_nonzero == pytest.approx(direct["cd"].kappa_nonzero, rel=1e-7)
        assert c.dense.kappa_nonzero == pytest.approx(direct["dense"].kappa_nonzero, rel=1e-7)
    with pytest.raises(ValueError, match="whitening must be one of"):
        population_cases(covs, n_out=8, block_size=4, whitenings=("white",))


def test_finite_sample_cases_match_explicit_hessians():
    cases = finite_sample_cases([(8, 2), (8, 8)], [20, 40], seeds=[3, 4])
    assert [(c.n_in, c.block_size, c.n_samples) for c in cases] == [
        (8, 2, 20), (8, 2, 40), (8, 8, 20), (8, 8, 40)]
    for c in cases:
        for s, k_cd, k_dense in zip(c.seeds, c.kappa_cd, c.kappa_dense):
            X = cn.draw_samples(np.eye(8), c.n_samples, s)
            for k, H in ((k_cd, hs.cdlinear_hessian(X, 8, c.block_size)), (k_dense, hs.dense_hessian(X, 8))):
                ev = np.linalg.eigvalsh(H)
                assert k == pytest.approx(ev.max() / ev.min(), rel=1e-8)
        assert c.mean_cd == pytest.approx(np.mean(c.kappa_cd))
        assert c.marchenko_pastur_cd == pytest.approx(
            ((1 + np.sqrt(c.n_in_blocks / c.n_samples)) / (1 - np.sqrt(c.n_in_blocks / c.n_samples))) ** 2)
    with pytest.raises(ValueError, match="at least one seed"):
        finite_sample_cases([(8, 2)], [20], seeds=[])


def test_fit_kappa_exponents_recovers_a_power_law():
    p, q, r = 0.7, -0.4, -0.55
    cases = [FiniteSampleCase(n, B, N, (0,), (1 + 2.0 * n ** p * B ** q * N ** r,), (np.nan,))
             for n, B, N in itertools.product([32, 64, 128], [4, 8], [1024, 4096])]
    fit = fit_kappa_exponents(cases)
    assert np.allclose(fit.measured, (p, q, r)) and fit.n_points == 12
    two_seeds = [FiniteSampleCase(c.n_in, c.block_size, c.n_samples, (0, 1),
                                  (c.kappa_cd[0], 1 + (c.kappa_cd[0] - 1) * c.n_samples ** 0.1),
                                  (np.nan, np.nan)) for c in cases]
    assert np.allclose(fit_kappa_exponents(two_seeds, seed_index=0).measured, (p, q, r))
    assert np.allclose(fit_kappa_exponents(two_seeds, seed_index=1).measured, (p, q, r + 0.1))
    with pytest.raises(ValueError, match="seed_index=2"):
        fit_kappa_exponents(two_seeds, seed_index=2)
    assert fit.intervals is None                              # one seed: no interval
    p_ci, q_ci, r_ci = fit_kappa_exponents(two_seeds).intervals   # from the per-seed fits
    assert (p_ci.mean, q_ci.mean, r_ci.mean) == pytest.approx((p, q, r + 0.05))
    assert r_ci.low < r < r + 0.1 < r_ci.high and r_ci.n == 2
    # Far from the edge (γ → 0) the Marchenko–Pastur exponents tend to ±1/2.
    far = [FiniteSampleCase(n, B, N, (0,), (2.0,), (np.nan,))
           for n, B, N in itertools.product([32, 64], [4, 8], [10**7, 10**8])]
    assert np.allclose(fit_kappa_exponents(far).marchenko_pastur, (0.5, -0.5, -0.5), atol=1e-3)
    with pytest.raises(ValueError, match="at least 4 cases"):
        fit_kappa_exponents(cases, min_samples=10**6)
    same_B = [c for c in cases if c.block_size == 4]
    with pytest.raises(ValueError, match="independently"):
        fit_kappa_exponents(same_B)
