"""Theorem 2 helpers and the explorer."""
import numpy as np
import pytest

from cdnotes import conditioning as cn
from cdnotes.stats import fit_power_law
from cdnotes.whitening import make_whitener
from cdnotes import hessian as hs


def test_ar1_covariance():
    cov = cn.ar1_covariance(5, 0.5, scales=np.arange(1, 6))
    assert np.allclose(cov, cov.T) and np.isclose(cov[0, 2], 0.25 * 1 * 3)
    with pytest.raises(ValueError, match="rho"):
        cn.ar1_covariance(5, 1.0)


def test_unknown_whitening():
    with pytest.raises(ValueError, match="whitening must be one of"):
        make_whitener("batchnorm", 4)


def explicit_kappas(X, n_out, B):
    """κ of the explicit CDLinear and dense Hessians of ½Σ‖y − t‖² on the rows of X (eigvalsh)."""
    cd = np.linalg.eigvalsh(hs.cdlinear_hessian(X, n_out, B))
    dense = np.linalg.eigvalsh(hs.dense_hessian(X, n_out))
    return cd, dense


def test_population_conditioning_without_whitening_is_the_covariance_spectrum():
    cov = cn.ar1_covariance(16, 0.7)
    k = cn.population_conditioning(cov, "none", 16, 4)
    lam = np.linalg.eigvalsh(cov)
    assert np.isclose(k["dense"].kappa, lam.max() / lam.min())
    # The Hessian depends on X only through XᵀX: rows R with RᵀR = cov give the population
    # Hessian itself, assembled explicitly.
    cd, dense = explicit_kappas(np.linalg.cholesky(cov).T, 16, 4)
    assert np.isclose(k["cd"].kappa, cd.max() / cd.min(), rtol=1e-9)
    assert np.isclose(k["dense"].kappa, dense.max() / dense.min(), rtol=1e-9)
    assert not np.isclose(k["cd"].kappa, k["dense"].kappa, rtol=1e-3)    # the two differ


@pytest.mark.parametrize("whitening", ["standardize", "spectral", "spectral-block", "zca"])
def test_population_conditioning_matches_explicit_population_hessians(whitening):
    cov = cn.ar1_covariance(16, 0.8, scales=np.linspace(1, 2, 16))
    k = cn.population_conditioning(cov, whitening, 8, 4)
    A = make_whitener(whitening, 4).fit_covariance(cov).matrix_             # x ↦ A x
    cd, dense = explicit_kappas(np.linalg.cholesky(cov).T @ A.T, 8, 4)      # (RAᵀ)ᵀ(RAᵀ) = AΣAᵀ
    assert np.isclose(k["cd"].kappa, cd.max() / cd.min(), rtol=1e-8)
    assert np.isclose(k["dense"].kappa, dense.max() / dense.min(), rtol=1e-8)


@pytest.mark.parametrize("whitening", ["none", "spectral"])
def test_sample_conditioning_matches_direct_computation(whitening):
    cov = cn.ar1_covariance(12, 0.5)
    out = cn.sample_conditioning(cov, whitening, 8, 4, 50, seed=3, return_spectra=True)
    X = cn.draw_samples(cov, 50, seed=3)                                    # the same samples
    if whitening != "none":
        X = X @ make_whitener(whitening, 4).fit_covariance(cov).matrix_.T
    cd, dense = explicit_kappas(X, 8, 4)
    assert out["cd_spectrum"].shape == cd.shape == (12 * 8 // 4,)
    assert out["dense_spectrum"].shape == dense.shape == (96,)
    assert np.allclose(out["cd_spectrum"], cd, rtol=0, atol=1e-10 * cd.max())
    assert np.allclose(out["dense_spectrum"], dense, rtol=0, atol=1e-10 * dense.max())
    assert np.isclose(out["cd"].kappa, cd.max() / cd.min(), rtol=1e-8)
    assert np.isclose(out["dense"].kappa, dense.max() / dense.min(), rtol=1e-8)
    again = cn.sample_conditioning(cov, whitening, 8, 4, 50, seed=3)
    assert again["cd"].kappa == out["cd"].kappa                      # seeded
    other = cn.sample_conditioning(cov, whitening, 8, 4, 50, seed=4)
    assert other["cd"].kappa != out["cd"].kappa
    with pytest.raises(ValueError, match="fit_on"):
        cn.sample_conditioning(cov, whitening, 8, 4, 50, seed=3, fit_on="test")


def test_whitening_fitted_on_the_sample_gives_kappa_one():
    out = cn.sample_conditioning(cn.ar1_covariance(16, 0.8), "zca", 16, 4, 100, seed=0, fit_on="sample")
    assert np.isclose(out["cd"].kappa, 1.0) and np.isclose(out["dense"].kappa, 1.0)


def test_marchenko_pastur_predicts_large_sample_kappa():
    """White inputs, N >> Ki: measured κ within 10% of the Marchenko–Pastur edge ratio."""
    n_in, B, N = 64, 8, 8000
    measured = np.mean([cn.sample_conditioning(np.eye(n_in), "none", n_in, B, N, s)["cd"].kappa
                        for s in range(3)])
    predicted = cn.marchenko_pastur_kappa(n_in / B / N)
    assert abs((measured - 1) / (predicted - 1) - 1) < 0.1
    assert cn.marchenko_pastur_kappa(1.0) == np.inf and cn.marchenko_pastur_kappa(0.0) == 1.0


def test_fit_power_law_recovers_parameters():
    x = np.array([1.0, 2, 4, 8, 16])
    a, b = fit_power_law(x, 3.0 * x ** -0.5)
    assert np.isclose(a, 3.0) and np.isclose(b, -0.5)
    with pytest.raises(ValueError):
        fit_power_law([1.0], [2.0])


def test_explorer_state_and_drawing():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from cdnotes.explorer import draw_state, explorer_state

    s = explorer_state(8, "zca", 4096, 0.8)
    assert s["cd"].shape == s["theorem1"].shape == (32 * 32 // 8,)
    assert s["kappa_cd"].kappa < s["kappa_dense"].kappa < 2
    fig, ax = plt.subplots()
    draw_state(ax, s)
    assert "B = 8" in ax.get_title() and len(ax.get_lines()) == 3
    plt.close(fig)


def test_live_explorer_updates():
    pytest.importorskip("ipywidgets")
    import matplotlib
    matplotlib.use("Agg")
    from cdnotes.explorer import hessian_explorer

    box = hessian_explorer()
    controls = [w for row in box.children[:2] for w in row.children]
    assert box.current_state["block_size"] == 8 and box.current_state["whitening"] == "spectral"
    controls[0].value = 4                                   # B
    controls[1].value = "zca"                               # whitening
    controls[2].value = 8192                                # N
    state = box.current_state
    assert (state["block_size"], state["whitening"], state["n_samples"]) == (4, "zca", 8192)
    assert state["kappa_cd"].kappa < 1.5


def test_draw_samples_has_the_requested_covariance():
    cov = cn.ar1_covariance(6, 0.7, scales=np.linspace(1, 2, 6))
    X = cn.draw_samples(cov, 200_000, seed=0)
    assert X.shape == (200_000, 6)
    assert np.abs(np.cov(X, rowvar=False) - cov).max() < 0.03
    assert np.array_equal(X[:5], cn.draw_samples(cov, 200_000, seed=0)[:5])
    singular = np.ones((3, 3))                               # rank one: still works
    Y = cn.draw_samples(singular, 10, seed=1)
    assert np.allclose(Y - Y[:, :1], 0)
