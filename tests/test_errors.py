"""Bad input gets a clear error at the public boundary, naming the problem and the allowed values."""
import numpy as np
import pytest

import cdnotes
from conftest import asarray


def test_block_size_must_divide_widths_and_lists_the_ones_that_do():
    with pytest.raises(ValueError) as err:
        cdnotes.CDLinear(64, 12, 8)
    msg = str(err.value)
    assert "block_size=8 does not divide n_out=12" in msg
    assert "1, 2, 4" in msg and "n_in=64" in msg
    with pytest.raises(ValueError, match="does not divide n_in=10 and n_out=15"):
        cdnotes.CDLinear(10, 15, 4)


@pytest.mark.parametrize("args,exc", [((0, 8, 1), ValueError), ((8, -4, 2), ValueError),
                                      ((8, 8, 0), ValueError), ((8.0, 8, 2), TypeError),
                                      ((8, 8, True), TypeError), (("8", 8, 2), TypeError)])
def test_sizes_must_be_positive_integers(args, exc):
    with pytest.raises(exc, match="positive integer"):
        cdnotes.CDLinear(*args)


def test_numpy_integer_sizes_are_fine():
    assert cdnotes.CDLinear(np.int64(8), np.int32(4), np.int64(2)).n_params == 8 * 4 // 2 + 4


@pytest.fixture
def layer():
    return cdnotes.CDLinear(12, 8, 4, seed=0)


def test_wrong_input_width(layer, xp):
    with pytest.raises(ValueError, match=r"last dimension 10 but the layer expects n_in=12"):
        layer.to(xp).forward(asarray(xp, np.zeros((3, 10))))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input(layer, xp, bad):
    X = np.zeros((3, 12))
    X[1, 5] = bad
    with pytest.raises(ValueError, match="non-finite"):
        layer.to(xp).forward(asarray(xp, X))
    with pytest.raises(ValueError, match="non-finite"):
        cdnotes.bc_matmul(asarray(xp, np.ones((2, 3, 4))), asarray(xp, X))


def test_non_finite_parameters(layer):
    layer.params["C"][0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="parameter C contains non-finite values"):
        layer.forward(np.zeros((2, 12)))


def test_non_finite_gradient(layer):
    layer.forward(np.zeros((2, 12)))
    with pytest.raises(ValueError, match="dY contains non-finite"):
        layer.backward(np.full((2, 8), np.nan))


def test_finite_checks_can_be_switched_off(layer):
    from cdnotes.validation import finite_checks
    X = np.full((2, 12), np.nan)
    with finite_checks(False):
        assert np.isnan(layer.forward(X)).all()
    with pytest.raises(ValueError):
        layer.forward(X)


def test_empty_batch(layer, xp):
    with pytest.raises(ValueError, match="empty batch"):
        layer.to(xp).forward(asarray(xp, np.zeros((0, 12))))
    with pytest.raises(ValueError, match="empty batch"):
        cdnotes.bc_matmul(np.ones((2, 3, 4)), np.zeros((4, 0, 12)))


def test_single_sample_needs_batch_dimension(layer):
    with pytest.raises(ValueError, match=r"batch dimension.*x\[None, :\]"):
        layer.forward(np.zeros(12))


@pytest.mark.parametrize("dtype,kind", [(np.int64, "integer"), (np.complex128, "complex"), (bool, "non-float")])
def test_non_float_inputs(layer, dtype, kind):
    with pytest.raises(TypeError, match=f"real floating array.*got {kind}"):
        layer.forward(np.zeros((2, 12), dtype=dtype))
    with pytest.raises(TypeError, match="real floating"):
        cdnotes.bc_matmul(np.ones((2, 3, 4)), np.zeros((2, 12), dtype=dtype))
    with pytest.raises(TypeError, match="real floating"):
        cdnotes.block_circulant(np.ones((2, 3, 4), dtype=dtype))


def test_integer_strict_input(layer):
    import array_api_strict as xps
    with pytest.raises(TypeError, match="integer"):
        layer.to("array_api_strict").forward(xps.zeros((2, 12), dtype=xps.int64))


@pytest.mark.parametrize("shape", [(4,), (2, 4), (1, 2, 3, 4)])
def test_coefficients_of_wrong_rank(shape):
    with pytest.raises(ValueError, match=r"C must have shape \(Ko, Ki, B\)"):
        cdnotes.block_circulant(np.ones(shape))
    with pytest.raises(ValueError, match=r"C must have shape \(Ko, Ki, B\)"):
        cdnotes.bc_matmul(np.ones(shape), np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"C must have shape \(Ko, Ki, B\)"):
        cdnotes.CDLinear.from_coefficients(np.ones(shape))


def test_circulant_needs_a_vector():
    with pytest.raises(ValueError, match=r"1-d array of shape \(B,\)"):
        cdnotes.circulant(np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"1-d array"):
        cdnotes.circulant(np.ones(0))


def test_vjp_batch_mismatch():
    with pytest.raises(ValueError, match="dY batch shape"):
        cdnotes.bc_matmul_vjp(np.ones((2, 3, 4)), np.ones((5, 12)), np.ones((4, 8)))


def test_backward_before_forward(layer):
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((2, 8)))
    with pytest.raises(RuntimeError, match="before forward"):
        cdnotes.ReLU().backward(np.zeros((2, 8)))


def test_backward_shape_mismatch(layer):
    layer.forward(np.zeros((3, 12)))
    with pytest.raises(ValueError, match=r"dY must have the shape of the last forward output \(3, 8\)"):
        layer.backward(np.zeros((3, 7)))


def test_mixed_backends_are_named(layer):
    import array_api_strict as xps
    with pytest.raises(TypeError, match="one array library"):
        layer.forward(xps.zeros((2, 12), dtype=xps.float64))


@pytest.mark.parametrize("kwargs,match", [({"method": "loop"}, "method must be one of"),
                                          ({"dtype": "float16"}, "dtype must be"),
                                          ({"init": "xavier"}, "init must be one of"),
                                          ({"init": -1.0}, "non-negative|>= 0")])
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        cdnotes.CDLinear(8, 8, 2, **kwargs)


def test_gradcheck_needs_float64():
    with pytest.raises(TypeError, match="float64"):
        cdnotes.gradcheck(cdnotes.CDLinear(8, 8, 2, dtype="float32"), np.zeros((2, 8), np.float32))


# ----------------------------------------------------------------------------
# Issue 8 §3: parameters, dtypes, dropout, moments, curvature modes (restructure, now tested).
# ----------------------------------------------------------------------------
import json  # noqa: E402
import os  # noqa: E402

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cdnotes import conditioning as cn  # noqa: E402
from cdnotes import hessian as hs  # noqa: E402
from cdnotes import whitening as wh  # noqa: E402


def test_check_params_names_a_replaced_array_and_its_expected_shape():
    layer = cdnotes.CDLinear(32, 64, 4, seed=0)
    layer.params["C"] = np.zeros((16, 8, 8))
    with pytest.raises(ValueError, match=r"parameter C must have shape \(16, 8, 4\); got \(16, 8, 8\)"):
        layer.forward(np.zeros((2, 32)))
    layer = cdnotes.CDLinear(32, 64, 4, seed=0)
    layer.params["b"] = np.zeros(1)
    with pytest.raises(ValueError, match=r"parameter b must have shape \(64,\); got \(1,\)"):
        layer.forward(np.zeros((2, 32)))
    dense = cdnotes.Dense(4, 3, seed=0)
    del dense.params["b"]
    with pytest.raises(ValueError, match="must hold exactly W, b"):
        dense.forward(np.zeros((2, 4)))


def test_from_coefficients_copies_its_input(rng):
    C, b = rng.standard_normal((2, 3, 4)), rng.standard_normal(8)
    layer = cdnotes.CDLinear.from_coefficients(C, b)
    W = layer.to_dense().copy()
    C[...] = 0.0
    b[...] = 0.0
    np.testing.assert_array_equal(layer.to_dense(), W)
    assert not np.any(layer.b == 0.0)


@pytest.mark.parametrize("dtype,exc", [("float16", ValueError), (np.float16, TypeError),
                                       (np.dtype("float16"), TypeError), (np.int32, TypeError),
                                       (np.complex128, TypeError), (None, TypeError)])
def test_float16_and_other_dtypes_are_refused(dtype, exc):
    with pytest.raises(exc, match="dtype must be"):
        cdnotes.CDLinear(8, 8, 2, dtype=dtype)
    if dtype is not None:                                  # to(dtype=None): keep the dtype
        with pytest.raises(exc, match="dtype must be"):
            cdnotes.Dense(8, 8).to(dtype=dtype)


@pytest.mark.parametrize("make", [lambda a: a.astype(np.float16), lambda a: a.astype(np.int64)])
def test_float16_and_integer_arrays_are_refused_everywhere(make, rng):
    X, C = rng.standard_normal((3, 8)), rng.standard_normal((2, 2, 4))
    for call in (lambda: cdnotes.CDLinear(8, 8, 4).forward(make(X)),
                 lambda: cdnotes.bc_matmul(make(C), make(X)),
                 lambda: cdnotes.block_circulant(make(C)),
                 lambda: cdnotes.ReLU().forward(make(X)),
                 lambda: cdnotes.ShannonDropout(0.1).forward(make(X)),
                 lambda: hs.cdlinear_spectrum(make(X), 8, 4)):
        with pytest.raises(TypeError, match="float32 or float64"):
            call()


@pytest.mark.parametrize("method", ["fft", "dense"])
def test_bc_matmul_keeps_the_dtype_and_refuses_mixed_dtypes(xp, method, rng):
    C, X, dY = rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 12)), rng.standard_normal((5, 8))
    for dtype in ("float32", "float64"):
        Cd, Xd, dYd = asarray(xp, C, dtype), asarray(xp, X, dtype), asarray(xp, dY, dtype)
        assert cdnotes.bc_matmul(Cd, Xd, method=method).dtype == getattr(xp, dtype)
        dC, dX = cdnotes.bc_matmul_vjp(Cd, Xd, dYd, method=method)
        assert dC.dtype == dX.dtype == getattr(xp, dtype)
    with pytest.raises(TypeError, match=r"C is \S*float32, X is \S*float64"):
        cdnotes.bc_matmul(asarray(xp, C, "float32"), asarray(xp, X), method=method)
    with pytest.raises(TypeError, match="share one dtype"):
        cdnotes.bc_matmul_vjp(asarray(xp, C), asarray(xp, X), asarray(xp, dY, "float32"),
                              method=method)


def test_dropout_backward_after_eval_uses_the_forward_mask(rng):
    drop = cdnotes.ShannonDropout(0.5, seed=1)
    X = rng.standard_normal((6, 10))
    Y = drop.forward(X)
    mask = Y / X
    drop.eval()
    dX = drop.backward(np.ones_like(X))
    np.testing.assert_allclose(dX, mask)
    assert np.any(dX == 0) and np.any(dX == 2.0)
    with pytest.raises(ValueError, match="dY contains non-finite"):
        drop.backward(np.full_like(X, np.nan))


COV = cn.ar1_covariance(8, 0.5)


@pytest.mark.parametrize("call,match", [
    (lambda: hs.dense_spectrum_from_moment(COV + np.triu(np.ones((8, 8)), 1), 4), "S must be symmetric"),
    (lambda: hs.frequency_moments(COV - 2 * np.eye(8), 4), "S must be positive semi-definite"),
    (lambda: hs.cdlinear_spectrum_from_moment(COV - 2 * np.eye(8), 8, 4), "positive semi-definite"),
    (lambda: hs.dense_spectrum_from_moment(np.full((8, 8), np.nan), 4), "S contains non-finite"),
    (lambda: hs.dense_spectrum_from_moment(COV, 2.5), "n_out must be a positive integer"),
    (lambda: hs.frequency_moments(COV, 3), "block_size=3 does not divide n_in=8"),
    (lambda: hs.block_circulance(np.eye(8), 0), "block_size must be a positive integer"),
    (lambda: hs.block_circulance(np.eye(8), 3), "H's size 8 is not a multiple of block_size=3"),
    (lambda: hs.block_circulance(np.eye(8) + 1j, 2), "H must be a real square matrix"),
    (lambda: hs.hessian_structure(np.eye(8), 4, 8, 2), r"H has size 8 but .* P = n_in·n_out/B = 16"),
    (lambda: hs.hessian_structure(np.eye(16), 4, 8, 3), "block_size=3 does not divide"),
    (lambda: cn.condition_number(np.array([1.0, 2.0]) + 1j), "eigenvalues are complex"),
    (lambda: cn.condition_number(np.eye(3)), "eigenvalues must be a 1-d array"),
    (lambda: cn.condition_number(np.ones(3), rtol=0.0), r"rtol must be in \(0, 1\)"),
    (lambda: cn.condition_number(np.ones(3), rtol=1.0), r"rtol must be in \(0, 1\)"),
    (lambda: cn.condition_number(np.ones(3), rtol=float("nan")), "rtol must be a finite number"),
    (lambda: cn.ar1_covariance(0, 0.5), "n must be a positive integer"),
    (lambda: cn.ar1_covariance(3, 0.5, [1.0, np.nan, 1.0]), "scales contains NaN"),
    (lambda: cn.ar1_covariance(3, 1.0), r"rho must be in \(-1, 1\)"),
    (lambda: cn.marchenko_pastur_kappa(-0.1), "aspect .* must be finite and >= 0"),
    (lambda: cn.marchenko_pastur_kappa(float("nan")), "aspect .* must be finite and >= 0"),
    (lambda: cn.draw_samples(COV, 10, -1), "seed must be None or a non-negative integer"),
    (lambda: cn.population_conditioning(COV - 2 * np.eye(8), "zca", 8, 4), "cov must be positive"),
    (lambda: cdnotes.stats.fit_power_law([2.0, 2.0, 2.0], [1.0, 2.0, 3.0]), "two distinct x values"),
    (lambda: cdnotes.stats.fit_power_law([1.0, 2.0, 3.0], [1.0, np.inf, 3.0]), "y contains NaN or inf"),
    (lambda: cdnotes.stats.mean_ci([1.0, 2.0, 3.0], level=1.5), r"level must be in \(0, 1\)"),
    (lambda: wh.ZCAWhitener().fit_covariance(COV, mean=np.full(8, np.nan)), "mean contains NaN"),
    (lambda: wh.PCAWhitener().fit_covariance(COV - 2 * np.eye(8)), "cov must be positive semi-definite"),
    (lambda: wh.PCAWhitener(rtol=float("nan")).fit_covariance(COV), "rtol must be a finite number"),
    (lambda: wh.SpectralWhitener(0).fit_covariance(COV), "block_size must be a positive integer"),
    (lambda: wh.make_whitener("spectral", 2.5), "block_size must be a positive integer"),
])
def test_moments_sizes_and_tolerances_are_checked(call, match):
    import cdnotes.stats  # noqa: F401
    with pytest.raises((ValueError, TypeError), match=match):
        call()


@given(B=st.integers(1, 40), n=st.integers(1, 40))
def test_any_block_size_that_does_not_divide_is_refused_with_the_ones_that_do(B, n):
    if n % B == 0:
        assert cdnotes.CDLinear(n, n, B).block_size == B
        return
    with pytest.raises(ValueError, match=f"block_size={B} does not divide") as err:
        cdnotes.CDLinear(n, n, B)
    listed = [int(d) for d in str(err.value).rsplit(":", 1)[1].split(",")]
    assert listed == [d for d in range(1, n + 1) if n % d == 0]


@given(seed=st.one_of(st.integers(max_value=-1), st.floats(allow_nan=True), st.text(max_size=3),
                      st.booleans()))
def test_bad_seeds_are_named(seed):
    for make in (lambda: cdnotes.CDLinear(8, 8, 2, seed=seed), lambda: cdnotes.Dense(4, 4, seed=seed),
                 lambda: cdnotes.ShannonDropout(0.1, seed=seed)):
        with pytest.raises((TypeError, ValueError), match="seed must be None or a non-negative integer"):
            make()


def test_whitening_data_of_any_magnitude(rng):
    X = rng.standard_normal((50, 8)) @ np.linalg.cholesky(COV).T
    for make in (wh.Standardizer, wh.PCAWhitener, wh.ZCAWhitener, lambda: wh.SpectralWhitener(4)):
        reference = make().fit(X).transform(X)
        for factor in (1e300, 1e-300, 2.0 ** 600):
            Z = make().fit(X * factor).transform(X * factor)
            np.testing.assert_allclose(Z, reference, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("reading", ["last_layer_hessian", "last_layer_spectrum", "dead_units",
                                     "paper_kappa_readings", "logit_hessian_spectrum", "predict"])
def test_curvature_restores_the_train_or_eval_mode(reading, rng):
    from cdnotes import curvature
    from cdnotes.mlp import paper_model
    X = rng.random((20, 64))
    for mode in ("train", "eval"):
        model = getattr(paper_model("cd4", seed=0, dropout=0.1), mode)()
        (model.predict if reading == "predict" else lambda X: getattr(curvature, reading)(model, X))(X)
        assert all(layer.training == (mode == "train") for layer in model.layers), reading


def test_curvature_needs_a_model_and_matching_inputs():
    from cdnotes import curvature
    from cdnotes.mlp import paper_model
    with pytest.raises(TypeError, match="model must be a cdnotes.mlp.MLP"):
        curvature.last_layer_hessian(cdnotes.Dense(64, 10), np.zeros((2, 64)))
    with pytest.raises(TypeError, match="X is float32, parameters is float64"):
        curvature.dead_units(paper_model("cd4"), np.zeros((2, 64), np.float32))


# ----------------------------------------------------------------------------
# gradcheck.
# ----------------------------------------------------------------------------

def test_gradcheck_refuses_a_float32_layer_and_says_how_to_fix_it(rng):
    layer = cdnotes.CDLinear(8, 8, 2, dtype="float32", seed=0)
    with pytest.raises(TypeError, match=r'layer.to\(dtype="float64"\)'):
        cdnotes.gradcheck(layer, rng.standard_normal((3, 8)))
    assert cdnotes.gradcheck(layer.to(dtype="float64"), rng.standard_normal((3, 8))).passed()


def test_gradcheck_refuses_a_random_layer_in_training_mode(rng):
    X = rng.standard_normal((4, 6))
    with pytest.raises(ValueError, match=r"not deterministic.*layer.eval\(\)"):
        cdnotes.gradcheck(cdnotes.ShannonDropout(0.5, seed=0), X)
    assert cdnotes.gradcheck(cdnotes.ShannonDropout(0.5, seed=0).eval(), X).passed()
    assert cdnotes.gradcheck(cdnotes.ShannonDropout(0.0, seed=0), X).passed()   # rate 0: identity


@pytest.mark.parametrize("kwargs,match", [({"eps": 0.0}, r"eps must be in \(0, inf\]"),
                                          ({"eps": float("nan")}, "eps must be a finite"),
                                          ({"max_entries": 0}, "max_entries must be a positive"),
                                          ({"seed": -1}, "seed must be None or a non-negative")])
def test_gradcheck_options(kwargs, match, rng):
    with pytest.raises(ValueError, match=match):
        cdnotes.gradcheck(cdnotes.CDLinear(8, 8, 2), rng.standard_normal((3, 8)), **kwargs)


def test_relative_error_refuses_broadcasting_and_nan():
    from cdnotes.gradcheck import relative_error
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.ones(3), np.ones((3, 1)))
    with pytest.raises(ValueError, match="finite"):
        relative_error(np.ones(3), np.array([1.0, np.nan, 1.0]))


# ----------------------------------------------------------------------------
# The scikit-learn estimator.
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("params,exc,match", [
    ({"block_size": 0}, ValueError, "block_size must be a positive integer"),
    ({"block_size": 2.5}, TypeError, "block_size must be a positive integer"),
    ({"block_size": "4"}, TypeError, "block_size must be a positive integer"),
    ({"block_size": None}, TypeError, "block_size must be a positive integer"),
    ({"hidden": 64}, TypeError, r"hidden must be a tuple of hidden-layer widths.*\(64,\)"),
    ({"hidden": "64"}, TypeError, "hidden must be a tuple"),
    ({"hidden": (64, 0)}, ValueError, r"hidden\[1\] must be a positive integer"),
    ({"hidden": (64, 30)}, ValueError, "multiples of block_size=4"),
    ({"epochs": 2.5}, TypeError, "epochs must be a positive integer"),
    ({"epochs": 0}, ValueError, "epochs must be a positive integer"),
    ({"dropout": -0.1}, ValueError, r"dropout must be in \[0, 1\)"),
    ({"dropout": float("nan")}, ValueError, "dropout must be a finite number"),
    ({"learning_rate": float("inf")}, ValueError, "learning_rate must be a finite number"),
    ({"learning_rate": float("nan")}, ValueError, "learning_rate must be a finite number"),
    ({"learning_rate": 0.0}, ValueError, r"learning_rate must be in \(0, inf\]"),
    ({"momentum": 1.0}, ValueError, r"momentum must be in \[0, 1\)"),
    ({"momentum": -0.5}, ValueError, r"momentum must be in \[0, 1\)"),
    ({"batch_size": 0}, ValueError, "batch_size must be a positive integer"),
    ({"seed": -1}, ValueError, "seed must be None or a non-negative integer"),
    ({"standardize": "yes"}, TypeError, "standardize must be True or False"),
])
def test_estimator_hyper_parameters_are_checked_at_fit(params, exc, match):
    from cdnotes.estimators import CDMLPClassifier
    clf = CDMLPClassifier(**params)                        # scikit-learn: no checks in __init__
    with pytest.raises(exc, match=match):
        clf.fit(np.random.default_rng(0).standard_normal((20, 8)), np.arange(20) % 2)


def test_estimator_default_hidden_widths_are_the_papers():
    from cdnotes.estimators import CDMLPClassifier
    from cdnotes.mlp import PAPER_HIDDEN
    assert CDMLPClassifier().hidden == PAPER_HIDDEN


def test_estimator_handles_features_of_huge_magnitude(rng):
    from cdnotes.estimators import CDMLPClassifier
    X, y = rng.standard_normal((60, 8)), np.arange(60) % 3
    reference = CDMLPClassifier(epochs=5, hidden=(16,)).fit(X, y).predict_proba(X)
    for factor in (1e300, 1e-300):
        p = CDMLPClassifier(epochs=5, hidden=(16,)).fit(X * factor, y).predict_proba(X * factor)
        np.testing.assert_allclose(p, reference, atol=1e-8)
    with pytest.raises(ValueError, match=r"X reaches \|x\| = .*use standardize=True"):
        CDMLPClassifier(epochs=2, standardize=False).fit(X * 1e300, y)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError,
                                                  match="diverged.*use standardize=True"):
        CDMLPClassifier(epochs=2, standardize=False).fit(X * 1e100, y)


# ----------------------------------------------------------------------------
# Command line: usage errors before any training.
# ----------------------------------------------------------------------------

@pytest.fixture
def no_training(monkeypatch):
    import cdnotes.engine

    def refuse(*args, **kwargs):
        raise AssertionError("training started although an option was invalid")

    monkeypatch.setattr(cdnotes.engine, "run_sweep", refuse)


@pytest.mark.parametrize("argv", [["--epochs", "0"], ["--epochs", "2.5"], ["--lr", "-0.1"],
                                  ["--lr", "nan"], ["--lr", "inf"], ["--momentum", "1.5"],
                                  ["--momentum", "1"], ["--dropout", "-0.5"], ["--dropout", "nan"],
                                  ["--fisher", "-1"], ["--fisher", "nan"], ["--batch-size", "0"],
                                  ["--seeds", "-1"], ["--seeds", "0", "0"], ["--split-seed", "-1"],
                                  ["--models", "cd16"], ["--models", "cd4", "cd4"]])
def test_cli_invalid_values_are_usage_errors(argv, no_training, tmp_path, capsys):
    from cdnotes.cli import main
    with pytest.raises(SystemExit) as exit_:
        main(["table1", *argv, "--out", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err
    assert f"argument {argv[0]}" in err and "usage:" in err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("where", ["directory", "under-a-file", "unwritable"])
def test_cli_checks_out_before_training(where, no_training, tmp_path, capsys):
    from cdnotes.cli import main
    (tmp_path / "file").write_text("")
    if where == "unwritable":
        if not os.path.isdir("/proc/self"):
            pytest.skip("needs /proc")
        out = "/proc/cdnotes-results.json"        # writable for os.access, yet no file can be made
    else:
        out = str(tmp_path) if where == "directory" else str(tmp_path / "file" / "r.json")
    with pytest.raises(SystemExit) as exit_:
        main(["table1", "--out", out])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "argument --out" in err and "Traceback" not in err


# ----------------------------------------------------------------------------
# Results files.
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("text,match", [("", "is empty"), ("{not json", "not valid JSON"),
                                        ('{"a": [1, 2', "not valid JSON"), (b"\xff\xfe", "UTF-8")])
def test_read_json_names_the_file(text, match, tmp_path):
    from cdnotes.results import read_json
    path = tmp_path / "broken.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValueError, match=match) as err:
        read_json(path)
    assert str(path) in str(err.value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12)


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a):
        return np.isnan(b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


@given(value=json_values)
def test_json_round_trip_keeps_non_finite_floats_and_strings(value, tmp_path_factory):
    from cdnotes.results import read_json, write_json_atomic
    path = tmp_path_factory.mktemp("rt") / "x.json"
    write_json_atomic(path, {"v": value, "strings": ["nan", "inf", "-inf"]})
    back = read_json(path)
    assert _same(back, {"v": value, "strings": ["nan", "inf", "-inf"]})
    json.loads(path.read_text())                       # strict JSON: no NaN/Infinity literals


def test_json_non_finite_markers(tmp_path):
    from cdnotes.results import FLOAT_MARKER, read_json, write_json_atomic
    write_json_atomic(tmp_path / "x.json", {"a": np.array([np.inf, -np.inf, np.nan])})
    assert json.loads((tmp_path / "x.json").read_text()) == {
        "a": [{FLOAT_MARKER: "inf"}, {FLOAT_MARKER: "-inf"}, {FLOAT_MARKER: "nan"}]}
    a = read_json(tmp_path / "x.json")["a"]
    assert a[0] == np.inf and a[1] == -np.inf and np.isnan(a[2])


def test_jsonable_refuses_colliding_keys_and_unserialisable_objects(tmp_path):
    from cdnotes.results import jsonable, write_json_atomic
    with pytest.raises(ValueError, match=r"keys 1 and '1'.*JSON key '1'"):
        jsonable({1: "a", "1": "b"})
    with pytest.raises(ValueError, match=r"obj\['runs'\] has the keys"):
        jsonable({"runs": {2: 0, "2": 1}})
    with pytest.raises(TypeError, match=r"obj\['a'\]\[1\] is a set"):
        jsonable({"a": [1, {2}]})
    with pytest.raises(TypeError, match="set"):
        write_json_atomic(tmp_path / "sub" / "x.json", {"a": {1}})
    assert not (tmp_path / "sub").exists()             # refused before creating anything
    with pytest.raises(IsADirectoryError, match="is a directory"):
        write_json_atomic(tmp_path, {})


def test_estimator_predicts_with_the_block_size_it_was_fitted_with(rng):
    from cdnotes.estimators import CDMLPClassifier
    X, y = rng.standard_normal((30, 6)), np.arange(30) % 3
    clf = CDMLPClassifier(block_size=2, hidden=(8,), epochs=2).fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(block_size=4)                       # not refitted: the model keeps B = 2
    np.testing.assert_array_equal(clf.predict_proba(X), before)
