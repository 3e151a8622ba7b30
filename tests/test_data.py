"""Data sets: digits splits and MNIST-1D generated offline (the network is blocked here)."""
import random
import re
import socket

import numpy as np
import pytest

from cdnotes import data
from cdnotes.cache import CacheWarning


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("cdnotes.data tried to reach the network")

    try:
        import requests                  # imported before the patch (ssl subclasses socket)
        monkeypatch.setattr(requests, "get", refuse)
        monkeypatch.setattr(requests.Session, "request", refuse)
    except ImportError:                  # pragma: no cover
        pass
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_mnist1d_is_generated_offline_and_cached(no_network, monkeypatch, tmp_path):
    monkeypatch.setenv("CDNOTES_CACHE_DIR", str(tmp_path))
    np.random.seed(123)
    random.seed(5)
    before = (np.random.random(), random.random())
    np.random.seed(123)
    random.seed(5)
    X_train, X_test, y_train, y_test = data.load_mnist1d()
    assert (np.random.random(), random.random()) == before, "global RNG state not restored"
    assert X_train.shape == (4000, 40) and X_test.shape == (1000, 40)
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    assert np.all(np.isfinite(X_train)) and np.all(np.isfinite(X_test))
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    # The generator standardises the whole 5000-sequence set.
    X = np.concatenate([X_train, X_test])
    assert abs(X.mean()) < 1e-12 and abs(X.std() - 1.0) < 1e-12
    # 500 sequences per class in all (5000 = 10 × 500), shuffled before the split.
    np.testing.assert_array_equal(np.bincount(np.concatenate([y_train, y_test])), [500] * 10)
    cached = list(tmp_path.glob("mnist1d-*.npz"))
    assert len(cached) == 1

    # The second call reads the cache: the generator is not called again.
    monkeypatch.setattr(data, "_generate_mnist1d",
                        lambda overrides=None: pytest.fail("regenerated"))
    again = data.load_mnist1d()
    for a, b in zip((X_train, X_test, y_train, y_test), again):
        np.testing.assert_array_equal(a, b)


def test_mnist1d_without_cache_and_with_a_damaged_cache(no_network, monkeypatch, tmp_path):
    monkeypatch.setenv("CDNOTES_CACHE_DIR", str(tmp_path))
    fresh = data.load_mnist1d(cache=False)
    assert not list(tmp_path.glob("*.npz"))
    path = data._mnist1d_cache_file()
    path.write_bytes(b"not an npz file")
    with pytest.warns(CacheWarning, match=re.escape(str(path)) + " is damaged"):
        repaired = data.load_mnist1d()
    for a, b in zip(fresh, repaired):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="cache"):
        data.load_mnist1d(cache="yes")


def test_mnist1d_arguments_are_the_published_defaults():
    from mnist1d.data import get_dataset_args

    args = get_dataset_args(as_dict=True)
    assert {k: args[k] for k in data.MNIST1D_ARGS} == data.MNIST1D_ARGS


def test_digits_split_shapes():
    X_train, X_test, y_train, y_test = data.digits_split(0)
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert np.bincount(y_test).min() >= 35


def test_a_shifted_mnist1d_is_generated_locally_with_its_own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CDNOTES_CACHE_DIR", str(tmp_path))
    published = data.load_mnist1d()
    shifted = data.load_mnist1d(overrides=data.SHIFTED_MNIST1D)
    assert [a.shape for a in shifted] == [a.shape for a in published]
    assert not np.allclose(shifted[0], published[0])
    np.testing.assert_array_equal(np.bincount(np.concatenate(shifted[2:])), [500] * 10)
    assert len(list(tmp_path.glob("mnist1d-*.npz"))) == 2
    again = data.load_mnist1d(overrides=dict(data.SHIFTED_MNIST1D))
    np.testing.assert_array_equal(again[0], shifted[0])
    # only the seed changed: another draw of the same distribution
    other = data.load_mnist1d(overrides={"seed": 43}, cache=False)
    assert not np.allclose(other[0], published[0])


@pytest.mark.parametrize("overrides, error, message", [
    ({"num_samples": 10}, ValueError, "may change only"),
    ({"shear_scale": -1.0}, ValueError, "shear_scale"),
    ({"seed": 1.5}, ValueError, "seed"),
    ({"shuffle_seq": 1}, TypeError, "shuffle_seq"),
    ([("seed", 1)], TypeError, "overrides must be a dict"),
])
def test_bad_overrides_are_refused(overrides, error, message):
    with pytest.raises(error, match=message):
        data.load_mnist1d(overrides=overrides, cache=False)

