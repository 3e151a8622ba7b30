"""Whitening transformers: scikit-learn compatibility and what each one whitens."""
import numpy as np
import pytest
from sklearn.utils.estimator_checks import check_estimator

from cdnotes import conditioning as cn
from cdnotes import hessian as hs
from cdnotes.whitening import PCAWhitener, SpectralWhitener, Standardizer, ZCAWhitener

ALL = [Standardizer(), PCAWhitener(), ZCAWhitener(), SpectralWhitener(),
       SpectralWhitener(block_size=1, mode="block")]


# The whiteners are NumPy-only by design, so sklearn skips (and warns about) its array-API check.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
@pytest.mark.parametrize("estimator", ALL, ids=repr)
def test_scikit_learn_estimator_checks(estimator):
    check_estimator(estimator)


def ar1(n, rho):
    i = np.arange(n)
    return rho ** np.abs(i[:, None] - i[None, :])


@pytest.fixture(scope="module")
def sample():
    rng = np.random.default_rng(0)
    cov = ar1(16, 0.8) * np.outer(np.linspace(0.5, 2, 16), np.linspace(0.5, 2, 16))
    return cov, rng.multivariate_normal(np.ones(16), cov, size=5000)


def test_transform_is_the_affine_map(sample):
    _, X = sample
    for w in [Standardizer(), PCAWhitener(), ZCAWhitener(), SpectralWhitener(4), SpectralWhitener(4, mode="block")]:
        w.fit(X)
        assert np.allclose(w.transform(X), (X - X.mean(0)) @ w.matrix_.T)
        assert np.allclose(w.fit_covariance(np.cov(X, rowvar=False, bias=True), X.mean(0)).transform(X),
                           w.fit(X).transform(X))


def test_full_whitening_gives_identity_covariance(sample):
    _, X = sample
    for w in (PCAWhitener(), ZCAWhitener()):
        Z = w.fit(X).transform(X)
        assert np.allclose(np.cov(Z, rowvar=False, bias=True), np.eye(16), atol=1e-10)


def test_zca_is_symmetric_and_pca_rotates(sample):
    _, X = sample
    assert np.allclose(ZCAWhitener().fit(X).matrix_, ZCAWhitener().fit(X).matrix_.T)
    assert not np.allclose(PCAWhitener().fit(X).matrix_, PCAWhitener().fit(X).matrix_.T)


def test_standardizer(sample):
    _, X = sample
    Z = Standardizer().fit(X).transform(X)
    assert np.allclose(Z.mean(0), 0, atol=1e-12) and np.allclose(Z.std(0), 1)


def test_spectral_whitener_gives_unit_variance_per_block_and_frequency(sample):
    _, X = sample
    for mode in ("diagonal", "block"):
        Z = SpectralWhitener(4, mode=mode).fit(X).transform(X)
        Zf = np.fft.fft(Z.reshape(-1, 4, 4), axis=-1)
        assert np.allclose(np.mean(np.abs(Zf) ** 2, axis=0), 1.0)
        assert np.isrealobj(Z)


def test_population_conditioning_under_each_whitening(sample):
    """Exact population κ: full whitening -> 1 for both layers; per-frequency -> not 1 for CD."""
    cov, _ = sample
    n, B = 16, 4

    def kappas(w):
        S = w.fit_covariance(cov).transformed_covariance(cov)
        return (cn.condition_number(hs.cdlinear_spectrum_from_moment(S, n, B)).kappa,
                cn.condition_number(hs.dense_spectrum_from_moment(S, n)).kappa)

    for w in (PCAWhitener(), ZCAWhitener()):
        assert np.allclose(kappas(w), 1.0)
    cd_block, dense_block = kappas(SpectralWhitener(B, mode="block"))
    assert np.isclose(cd_block, 1.0) and dense_block > 1.5
    cd_diag, _ = kappas(SpectralWhitener(B))
    assert cd_diag > 1.5                  # the paper's assumption does not make κ = 1 here


def test_zero_variance_features_stay_zero():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 8))
    X[:, 3] = 2.0                                             # a constant pixel
    for w in (Standardizer(), PCAWhitener(), ZCAWhitener(), SpectralWhitener(2), SpectralWhitener(2, mode="block")):
        Z = w.fit(X).transform(X)
        assert np.all(np.isfinite(Z)) and np.abs(Z).max() < 50


def test_spectral_whitener_errors():
    X = np.ones((10, 6)) + np.arange(60).reshape(10, 6) % 7
    with pytest.raises(ValueError, match="block_size=4 does not divide n_in=6"):
        SpectralWhitener(block_size=4).fit(X)
    with pytest.raises(ValueError, match="mode must be"):
        SpectralWhitener(block_size=2, mode="full").fit(X)
