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
