import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, strategies as st

import cdnotes
from cdnotes.operators import project_block_circulant
from conftest import asarray, host, reference_block_circulant

sizes = st.integers(1, 24)


@given(B=sizes, seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from(["float32", "float64"]))
def test_circulant_is_scipy_circulant(B, seed, dtype):
    c = np.random.default_rng(seed).standard_normal(B).astype(dtype)
    out = cdnotes.circulant(c)
    assert out.dtype == c.dtype
    assert np.array_equal(out, scipy.linalg.circulant(c))


def test_circulant_on_backend(xp, rng):
    c = rng.standard_normal(7)
    out = cdnotes.circulant(asarray(xp, c))
    assert type(out) is type(asarray(xp, c))
    assert np.array_equal(host(out), scipy.linalg.circulant(c))


@given(Ko=st.integers(1, 4), Ki=st.integers(1, 4), B=st.integers(1, 9), seed=st.integers(0, 2**32 - 1))
def test_block_circulant_blocks_are_scipy_circulants(Ko, Ki, B, seed):
    C = np.random.default_rng(seed).standard_normal((Ko, Ki, B))
    W = cdnotes.block_circulant(C)
    assert W.shape == (Ko * B, Ki * B)
    assert np.array_equal(W, reference_block_circulant(C))


def test_block_circulant_on_backend(xp, rng):
    C = rng.standard_normal((2, 3, 5))
    W = cdnotes.block_circulant(asarray(xp, C))
    assert np.array_equal(host(W), reference_block_circulant(C))


@given(Ko=st.integers(1, 4), Ki=st.integers(1, 4), B=st.integers(1, 9), seed=st.integers(0, 2**32 - 1))
def test_project_is_the_adjoint_of_block_circulant(Ko, Ki, B, seed):
    # <G, block_circulant(C)> == <project(G), C> for all G, C: project is the exact adjoint.
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((Ko, Ki, B))
    G = rng.standard_normal((Ko * B, Ki * B))
    lhs = np.sum(G * cdnotes.block_circulant(C))
    rhs = np.sum(project_block_circulant(G, B) * C)
    assert np.isclose(lhs, rhs, rtol=1e-12, atol=1e-12)
