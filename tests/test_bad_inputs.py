"""Issue 18 §3: bad inputs that were silently wrong or cryptic, each refused clearly or
computed right (checked against a slow, obvious twin)."""
from __future__ import annotations

import re
import warnings
from fractions import Fraction

import array_api_strict as xs
import numpy as np
import pytest

from cdnotes import data
from cdnotes.cache import CacheWarning
from cdnotes.curvature.eigensolver import DRIVERS, eigenvalues_symmetric, two_stage_available
from cdnotes.curvature.lanczos import lanczos, spectral_density
from cdnotes.curvature.products import hessian_vector_product
from cdnotes.curvature.spectrum_measures import spectrum_measures
from cdnotes.layers import Dense
from cdnotes.mlp import make_mlp
from cdnotes.train import Adam, TrainConfig, accuracy, train
from cdnotes.whitening import PCAWhitener, SpectralWhitener, Standardizer, ZCAWhitener

FAST = TrainConfig(epochs=2, batch_size=8)


@pytest.fixture
def data_8():
    rng = np.random.default_rng(18)
    return rng.standard_normal((24, 8)), rng.integers(0, 4, 24)


def _hermitian(n, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    return A + A.conj().T, A


# ---------------------------------------------------------------------------- train

def test_train_keeps_the_models_dtype_and_refuses_other_data(data_8):
    X, y = data_8
    model = make_mlp((8, 6, 4), dtype="float32", seed=1)
    with pytest.raises(TypeError, match=r"X_train is float64, the model is float32.*"
                                        r"\(float32 or float64\)"):
        train(model, X, y, config=FAST)
    assert all(p.dtype == np.float32 for layer in model.linear_layers
               for p in layer.params.values())
    with pytest.raises(TypeError, match="X_test is float64, the model is float32"):
        train(model, X.astype(np.float32), y, X, y, config=FAST)
    train(model, X.astype(np.float32), y, config=FAST)
    assert all(p.dtype == np.float32 for layer in model.linear_layers
               for p in layer.params.values())


def test_train_refuses_inputs_of_three_dimensions(data_8):
    X, y = data_8
    model = make_mlp((8, 6, 4), seed=1)
    for bad in (np.stack([X, X], axis=1), X.reshape(24, 2, 4)):
        with pytest.raises(ValueError, match=r"X_train must have shape \(N, n_in\) = \(N, 8\).*"
                                             r"got 3 dimension\(s\).*reshape"):
            train(model, bad, y, config=FAST)
    with pytest.raises(ValueError, match=r"X_test must have shape \(N, n_in\)"):
        train(model, X, y, np.stack([X, X], axis=1), y, config=FAST)


def test_train_refuses_a_bare_layer_or_a_model_class(data_8):
    X, y = data_8
    with pytest.raises(TypeError, match=r"model must be a cdnotes model.*got Dense.*"
                                        r"MLP\(\[layer\]\)"):
        train(Dense(8, 4, seed=0), X, y, config=FAST)
    with pytest.raises(TypeError, match="model must be a cdnotes model.*got the class Dense"):
        train(Dense, X, y, config=FAST)
    with pytest.raises(TypeError, match="model must be a cdnotes model.*got str"):
        accuracy("mlp", X, y)


def test_train_refuses_an_optimizer_class_or_name(data_8):
    X, y = data_8
    model = make_mlp((8, 6, 4), seed=1)
    with pytest.raises(TypeError, match=r"got the class Adam.*optimizer=Adam\(lr=1e-3\).*"
                                        r"TrainConfig\(optimizer=...\) \('sgd', 'adam', 'adamax'\)"):
        train(model, X, y, config=FAST, optimizer=Adam)
    with pytest.raises(TypeError, match=r"step\(layers\) method.*got str. To choose by name use "
                                        r"TrainConfig\(optimizer='adam'\) \('sgd', 'adam', 'adamax'\)"):
        train(model, X, y, config=FAST, optimizer="adam")
    with pytest.raises(TypeError, match=r"step\(layers\) method.*got int$"):
        train(model, X, y, config=FAST, optimizer=3)


@pytest.mark.parametrize("case", ["numpy data, strict model", "strict data, numpy model",
                                  "numpy labels", "numpy test data"])
def test_train_refuses_arrays_of_two_libraries(data_8, case):
    X, y = data_8
    model = make_mlp((8, 6, 4), seed=1, xp=None if case == "strict data, numpy model" else xs)
    Xs, ys = xs.asarray(X), xs.asarray(y)
    args, culprit = {
        "numpy data, strict model": ((X, y), "X_train is numpy"),
        "strict data, numpy model": ((Xs, ys), "the model is numpy"),
        "numpy labels": ((Xs, y), "y_train is numpy"),
        "numpy test data": ((Xs, ys, X, y), "X_test is numpy"),
    }[case]
    with pytest.raises(TypeError, match=f"one array library \\(NumPy, CuPy or array_api_strict\\)"
                                        f".*{culprit}"):
        train(model, *args, config=FAST)


def test_labels_of_another_library_in_hessian_vector_product(data_8):
    X, y = data_8
    model = make_mlp((8, 6, 4), seed=1)
    with pytest.raises(TypeError, match=r"y comes from array_api_strict but the data \(and model\) "
                                        r"from numpy.*\(NumPy, CuPy or array_api_strict\)"):
        hessian_vector_product(model, X, xs.asarray(y), np.ones(model.n_params))


# ---------------------------------------------------------------------------- spectra

@pytest.mark.parametrize("driver", [d for d in DRIVERS if d != "2stage"])
def test_eigenvalues_of_a_complex_hermitian_matrix(driver):
    H, _ = _hermitian(7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # no ComplexWarning
        got = eigenvalues_symmetric(H, driver=driver)
        unchecked = eigenvalues_symmetric(H, driver=driver, check=False)
    want = np.linalg.eigvalsh(H)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(unchecked, want, rtol=1e-12, atol=1e-12)


def test_eigenvalues_refuse_a_non_hermitian_or_a_real_only_driver():
    H, A = _hermitian(5)
    with pytest.raises(ValueError, match="H must be Hermitian"):
        eigenvalues_symmetric(A)
    if two_stage_available():
        with pytest.raises(ValueError, match="real matrices only.*'auto', 'evd', 'evr', 'ev' or "
                                             "'numpy'"):
            eigenvalues_symmetric(H, driver="2stage")
    # Where only real symmetric matrices make sense, a complex one is refused by name.
    with pytest.raises(TypeError, match=r"cov must be a real matrix \(float32 or float64\); got a "
                                        "complex one"):
        ZCAWhitener().fit_covariance(H @ H.conj().T)
    from cdnotes.conditioning import draw_samples, population_conditioning
    for call in (lambda: draw_samples(H @ H.conj().T, 10, 0),
                 lambda: population_conditioning(H @ H.conj().T, "zca", 5, 5)):
        with pytest.raises(TypeError, match="cov must be a real matrix"):
            call()


def test_lanczos_of_a_complex_hermitian_matvec():
    n = 12
    H, A = _hermitian(n, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ritz = lanczos(lambda v: H @ v, n, n_steps=n, seed=2)
    np.testing.assert_allclose(ritz, np.linalg.eigvalsh(H), rtol=1e-10, atol=1e-10)
    # One probe, a full Krylov space: Σ w θ = vᴴ H v exactly for the probe v.
    nodes, weights = spectral_density(lambda v: H @ v, n, n_vectors=1, n_steps=n, seed=4)
    v = np.random.default_rng(4).choice(np.array([-1.0, 1.0]), size=n) / np.sqrt(n)
    assert weights.sum() == pytest.approx(1.0, rel=1e-12)
    assert float(weights @ nodes) == pytest.approx(float(np.vdot(v, H @ v).real), rel=1e-10)
    with pytest.raises(ValueError, match="matvec is not Hermitian.*real symmetric or complex "
                                         "Hermitian H"):
        lanczos(lambda v: A @ v, n, n_steps=4)


def _slow_measures(ev):
    """negative_mass, effective_rank_trace, top10_share with exact rational sums."""
    mag = [Fraction(abs(x)) for x in ev]
    total = sum(mag)
    negative = sum(m for m, x in zip(mag, ev) if x < 0)
    top10 = sum(sorted(mag, reverse=True)[:10])
    return float(negative / total), float(total / max(mag)), float(top10 / total)


@pytest.mark.parametrize("ev", [[1e308, -1e308, 1e308, 1.0], [1.7e308, -1.7e308, -3.0, 2.0],
                                [1e300] * 3 + [-1e300] * 2, [3.0, -1.0, 0.5, -0.25]])
def test_spectrum_measures_of_huge_eigenvalues(ev):
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # no overflow warning
        m = spectrum_measures(np.array(ev))
    negative_mass, rank_trace, top10 = _slow_measures(ev)
    assert m.negative_mass == pytest.approx(negative_mass, rel=1e-14)
    assert m.effective_rank_trace == pytest.approx(rank_trace, rel=1e-14)
    assert m.top10_share == pytest.approx(top10, rel=1e-14)
    assert m.abs_max == max(abs(x) for x in ev) and m.lambda_min == min(ev)
    assert np.isfinite(m.effective_rank_entropy)


def test_spectrum_measures_take_one_cutoff_and_name_bad_ones():
    ev = np.array([3.0, -2.0, 1.0, 1e-3])
    assert spectrum_measures(ev, cutoffs=0.5).kappa == spectrum_measures(ev, cutoffs=(0.5,)).kappa
    assert spectrum_measures(ev, cutoffs=0.5).kappa == {0.5: 1.5}
    for bad in ("0.5", None, True):
        with pytest.raises(TypeError, match=r"cutoffs must be a float in \(0, 1\) or a sequence"):
            spectrum_measures(ev, cutoffs=bad)
    with pytest.raises(ValueError, match=r"each cutoff must be in \(0, 1\); got 2"):
        spectrum_measures(ev, cutoffs=2.0)


# ---------------------------------------------------------------------------- whitening

@pytest.mark.parametrize("make", [Standardizer, PCAWhitener, ZCAWhitener,
                                  lambda: SpectralWhitener(4), lambda: SpectralWhitener(4, "block")])
def test_whiteners_keep_float32(make):
    X = np.random.default_rng(5).standard_normal((50, 8)) * np.arange(1, 9)
    X32 = X.astype(np.float32)
    out = make().fit_transform(X32)
    assert out.dtype == np.float32
    # computed in float64 from the float32 values, rounded once
    want = make().fit(X32.astype(np.float64)).transform(X32.astype(np.float64))
    np.testing.assert_array_equal(out, want.astype(np.float32))
    assert make().fit(X32).transform(X).dtype == np.float64
    assert make().fit_transform(np.round(X).astype(np.int64)).dtype == np.float64


# ---------------------------------------------------------------------------- the MNIST-1D cache

@pytest.fixture
def fake_mnist1d(monkeypatch, tmp_path):
    """A fast stand-in for the generator; counts its calls."""
    monkeypatch.setenv("CDNOTES_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(1)
    arrays = (rng.standard_normal((4000, 40)), rng.standard_normal((1000, 40)),
              rng.integers(0, 10, 4000), rng.integers(0, 10, 1000))
    calls = []

    def generate(overrides=None):
        calls.append(1)
        return tuple(a.copy() for a in arrays)

    monkeypatch.setattr(data, "_generate_mnist1d", generate)
    return arrays, calls


def _flip_middle_byte(raw):
    raw = bytearray(raw)
    raw[len(raw) // 2] ^= 0xFF
    return bytes(raw)


def _rewrite(**changes):
    def damage(raw, arrays):
        path = data._mnist1d_cache_file()
        names = dict(zip(("X_train", "X_test", "y_train", "y_test"), arrays))
        with open(path, "wb") as f:
            np.savez(f, **{**names, **changes})
        return path.read_bytes()
    return damage


DAMAGES = {
    "one flipped byte": (lambda raw, arrays: _flip_middle_byte(raw), "Bad CRC-32"),
    "truncated": (lambda raw, arrays: raw[:len(raw) // 2], "cannot be read"),
    "empty": (lambda raw, arrays: b"", "cannot be read"),
    "NaN data": (_rewrite(X_test=np.full((1000, 40), np.nan)), "X_test holds NaN or inf"),
    "float labels": (_rewrite(y_train=np.zeros(4000)), "y_train has dtype float64, not int64"),
    "labels out of range": (_rewrite(y_test=np.full(1000, 10)), "y_test holds labels outside"),
    "wrong shape": (_rewrite(X_train=np.zeros((4000, 41))), r"X_train has shape \(4000, 41\)"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_mnist1d_cache_is_named_and_regenerated(fake_mnist1d, damage):
    arrays, calls = fake_mnist1d
    data.load_mnist1d()
    path = data._mnist1d_cache_file()
    good = path.read_bytes()
    make, reason = DAMAGES[damage]
    path.write_bytes(make(good, arrays))
    with pytest.warns(CacheWarning, match=re.escape(str(path)) + r" is damaged \(.*" + reason):
        repaired = data.load_mnist1d()
    assert len(calls) == 2
    for a, b in zip(arrays, repaired):
        np.testing.assert_array_equal(a, b)
    assert path.read_bytes() == good                        # the file was rewritten
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = data.load_mnist1d()
    assert len(calls) == 2
    for a, b in zip(arrays, again):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------- validation, seeds

OLD_PUBLIC = ["CHECK_FINITE", "finite_checks", "divisors", "common_divisors",
              "check_positive_int", "check_int", "check_real", "check_choice", "check_rtol",
              "check_block_size", "check_dtype", "check_float_array", "check_same_dtype",
              "check_input", "check_coefficients", "check_shape", "check_square_symmetric",
              "check_labels", "check_array", "check_seed", "check_namespace",
              "check_host_vector", "check_bool", "sklearn_data"]


def test_validation_package_keeps_every_public_name():
    import cdnotes.validation as validation

    for name in OLD_PUBLIC:
        assert name in validation.__all__ and hasattr(validation, name), name
        if callable(getattr(validation, name)):
            assert getattr(validation, name).__module__ == "cdnotes.validation"
    xp = __import__("array_api_compat").array_namespace(np.ones(1))
    with pytest.raises(ValueError, match="non-finite"):
        validation.check_float_array(xp, np.array([np.nan]), "x")
    with validation.finite_checks(False):
        assert validation.CHECK_FINITE is False
        validation.check_float_array(xp, np.array([np.nan]), "x")
    assert validation.CHECK_FINITE is True


def test_one_seed_rule():
    from cdnotes.experiments import _seeding
    from cdnotes.validation import check_seed

    assert _seeding.check_seed is check_seed
    assert _seeding.child_seeds(np.int64(3), 4) == _seeding.child_seeds(3, 4)
    for bad, error in ((-1, ValueError), (1.5, TypeError), (True, TypeError)):
        with pytest.raises(error, match="seed must be None or a non-negative integer"):
            _seeding.child_seeds(bad, 2)
    with pytest.raises(TypeError, match="seed must be a non-negative integer here.*got NoneType"):
        _seeding.child_seeds(None, 2)
