"""Data sets, all available offline.

* scikit-learn's 8×8 digits (the paper's data; shipped with scikit-learn);
* MNIST-1D (Greydanus 2020), generated locally by the ``mnist1d`` package — never downloaded —
  and cached as ``.npz`` under :func:`cdnotes.cache.cache_dir`.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import tempfile
import warnings

import numpy as np

from .cache import CacheWarning, cache_dir

__all__ = ["load_digits", "digits_split", "load_mnist1d", "load_dataset", "DATASETS",
           "MNIST1D_ARGS", "MNIST1D_SHIFTABLE", "SHIFTED_MNIST1D"]

DATASETS = ("digits", "mnist1d")
"""The data sets every experiment can train on."""

# mnist1d's ``get_dataset_args()`` defaults (version 0.0.2), which reproduce the published
# set. ``load_mnist1d`` checks that the installed package still has these values, so a change
# in the package cannot silently change the data.
MNIST1D_ARGS = {"num_samples": 5000, "train_split": 0.8, "template_len": 12, "padding": [36, 60],
                "scale_coeff": 0.4, "max_translation": 48, "corr_noise_scale": 0.25,
                "iid_noise_scale": 2e-2, "shear_scale": 0.75, "shuffle_seq": False,
                "final_seq_length": 40, "seed": 42}

MNIST1D_SHIFTABLE = ("scale_coeff", "max_translation", "corr_noise_scale", "iid_noise_scale",
                     "shear_scale", "shuffle_seq", "seed")
"""The generator settings :func:`load_mnist1d` lets ``overrides`` change (the others fix the
sizes: 4000/1000 sequences of length 40)."""

SHIFTED_MNIST1D = {"scale_coeff": 0.6, "corr_noise_scale": 0.4, "iid_noise_scale": 0.05,
                   "shear_scale": 1.0, "seed": 7}
"""A shifted MNIST-1D for fine-tuning (issue 20): the same ten templates, drawn with 1.5× the
scale range, 1.6× the correlated noise, 2.5× the i.i.d. noise, 1.33× the shear, and another
seed."""


def load_digits():
    """All 1797 scikit-learn digits (shipped with scikit-learn, no download).

    Returns
    -------
    X : numpy array ``(1797, 64)`` float64
        Pixels divided by 16, so in [0, 1].
    y : numpy array ``(1797,)`` int64
        Labels 0-9.
    """
    from sklearn.datasets import load_digits as _load

    data = _load()
    return data.data.astype(np.float64) / 16.0, data.target.astype(np.int64)


def digits_split(seed: int = 0, test_size: int = 360):
    """Stratified split as in the paper: 1437 training and 360 test digits.

    Parameters
    ----------
    seed : int, default 0
        Fixes the split (``random_state`` of scikit-learn's ``train_test_split``).
    test_size : int, default 360

    Returns
    -------
    X_train ``(1437, 64)``, X_test ``(360, 64)``, y_train ``(1437,)``, y_test ``(360,)``
    """
    from sklearn.model_selection import train_test_split

    from .validation import check_int

    seed = check_int(seed, "seed", minimum=0)
    test_size = check_int(test_size, "test_size", minimum=10)
    if test_size > 1797 - 10:
        raise ValueError(f"test_size must be in [10, 1787] (10 classes need a sample each on "
                         f"both sides of the 1797 digits); got {test_size}")

    X, y = load_digits()
    return train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)


def _mnist1d_overrides(overrides) -> dict:
    """``overrides`` checked against :data:`MNIST1D_SHIFTABLE`, as a plain dict."""
    if overrides is None:
        return {}
    if not isinstance(overrides, dict):
        raise TypeError(f"overrides must be a dict of generator settings; got "
                        f"{type(overrides).__name__}")
    bad = sorted(set(overrides) - set(MNIST1D_SHIFTABLE))
    if bad:
        raise ValueError(f"overrides may change only {', '.join(MNIST1D_SHIFTABLE)}; got "
                         f"{', '.join(map(repr, bad))}")
    out = {}
    for key, value in overrides.items():
        if key == "shuffle_seq":
            if not isinstance(value, bool):
                raise TypeError(f"overrides['shuffle_seq'] must be True or False; got {value!r}")
        elif key in ("seed", "max_translation"):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"overrides[{key!r}] must be an integer >= 0; got {value!r}")
            value = int(value)
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
                    or not np.isfinite(value) or value < 0:
                raise ValueError(f"overrides[{key!r}] must be a finite number >= 0; got "
                                 f"{value!r}")
            value = float(value)
        out[key] = value
    return out


def _generate_mnist1d(overrides=None):
    """MNIST-1D from the ``mnist1d`` package's generator (its published settings, changed by
    ``overrides``), restoring the global RNG states."""
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as exc:                      # pragma: no cover - a dependency
        raise ImportError("load_mnist1d needs the 'mnist1d' package (pip install mnist1d); "
                          "it generates the data locally") from exc
    args = get_dataset_args()
    found = {key: getattr(args, key) for key in MNIST1D_ARGS}
    if found != MNIST1D_ARGS:
        raise RuntimeError("the installed mnist1d package's default arguments differ from the "
                           f"published set's: {found} != {MNIST1D_ARGS}")
    for key, value in (overrides or {}).items():
        setattr(args, key, value)
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        data = make_dataset(args)        # calls the generator only: no get_dataset, no URL
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return (np.ascontiguousarray(data["x"], dtype=np.float64),
            np.ascontiguousarray(data["x_test"], dtype=np.float64),
            np.asarray(data["y"], dtype=np.int64), np.asarray(data["y_test"], dtype=np.int64))


def _mnist1d_cache_file(overrides=None):
    args = {**MNIST1D_ARGS, **(overrides or {})}
    key = hashlib.sha256(json.dumps(args, sort_keys=True).encode()).hexdigest()[:12]
    return cache_dir() / f"mnist1d-{key}.npz"


_MNIST1D_KEYS = ("X_train", "X_test", "y_train", "y_test")
_MNIST1D_SHAPES = ((4000, 40), (1000, 40), (4000,), (1000,))


def _read_mnist1d_cache(path):
    """``(arrays, None)`` from a sound cache file, or ``(None, what is wrong with it)``."""
    try:
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as f:
            arrays = tuple(np.asarray(f[key]) for key in _MNIST1D_KEYS)
    except Exception as exc:        # noqa: BLE001 - any damage: BadZipFile, EOFError, zlib...
        return None, f"it cannot be read: {type(exc).__name__}: {exc}"
    for key, a, shape in zip(_MNIST1D_KEYS, arrays, _MNIST1D_SHAPES):
        if a.shape != shape:
            return None, f"{key} has shape {a.shape}, not {shape}"
        wanted = np.float64 if key.startswith("X") else np.int64
        if a.dtype != wanted:
            return None, f"{key} has dtype {a.dtype}, not {np.dtype(wanted).name}"
        if key.startswith("X") and not np.all(np.isfinite(a)):
            return None, f"{key} holds NaN or inf"
        if key.startswith("y") and (a.min() < 0 or a.max() > 9):
            return None, f"{key} holds labels outside 0-9"
    return arrays, None


def load_mnist1d(cache: bool = True, overrides=None):
    """MNIST-1D (Greydanus 2020): 4000 training and 1000 test sequences of length 40.

    Generated locally by the ``mnist1d`` package's ``make_dataset(get_dataset_args())``
    (its defaults, which reproduce the published set; seed 42). Nothing is downloaded: the
    package's download URL is never used. Generation takes ~2 s; with ``cache=True`` the
    arrays are kept in ``cache_dir()/mnist1d-<hash>.npz`` (no pickle) and read from there
    next time. The global ``numpy.random`` and ``random`` states, which the generator
    reseeds, are restored afterwards.

    A cache file that cannot be read (truncated, empty, a damaged byte: the ``.npz`` members
    carry CRC-32 checksums) or whose contents are wrong (shapes, dtypes: float64 inputs and
    int64 labels, NaN/inf, labels outside 0-9) is never returned: a
    :class:`~cdnotes.cache.CacheWarning` names the file and what is wrong, and the data are
    regenerated and the file rewritten.

    Parameters
    ----------
    cache : bool, default True
        Read and write the cached arrays.
    overrides : dict or None
        Generator settings of :data:`MNIST1D_SHIFTABLE` to change (``None``: the published
        set), e.g. :data:`SHIFTED_MNIST1D`, the shifted task of the adapters chapter; each
        setting has its own cache file.

    Returns
    -------
    X_train : numpy array ``(4000, 40)`` float64
        Standardised by the generator (whole set: mean 0, standard deviation 1).
    X_test : numpy array ``(1000, 40)`` float64
    y_train : numpy array ``(4000,)`` int64
        Labels 0-9.
    y_test : numpy array ``(1000,)`` int64
    """
    if not isinstance(cache, bool):
        raise TypeError(f"cache must be True or False; got {cache!r}")
    overrides = _mnist1d_overrides(overrides)
    path = _mnist1d_cache_file(overrides)
    if cache and path.exists():
        arrays, problem = _read_mnist1d_cache(path)
        if problem is None:
            return arrays
        warnings.warn(f"the MNIST-1D cache file {path} is damaged ({problem}); regenerating it "
                      "locally with the mnist1d package and rewriting the file", CacheWarning,
                      stacklevel=2)
    arrays = _generate_mnist1d(overrides)
    if cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
        except OSError:                              # a read-only cache: use the arrays
            return arrays
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **dict(zip(_MNIST1D_KEYS, arrays)))
            os.replace(tmp, path)
        except OSError:
            pass
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    return arrays


def load_dataset(name: str, split_seed: int = 0):
    """``(X_train, X_test, y_train, y_test)`` of a data set, float64 inputs, labels 0-9.

    Parameters
    ----------
    name : {"digits", "mnist1d"}
        Digits: 64 inputs, the stratified 1437/360 split of :func:`digits_split`. MNIST-1D: 40
        inputs, its fixed 4000/1000 split (:func:`load_mnist1d`, generated locally).
    split_seed : int >= 0, default 0
        The digits split; MNIST-1D has one split and ignores it.

    Returns
    -------
    tuple of four NumPy arrays: X_train ``(N, d)``, X_test ``(M, d)``, y_train ``(N,)``,
    y_test ``(M,)``
    """
    from .validation import check_choice, check_int

    check_choice(name, "dataset", DATASETS)
    split_seed = check_int(split_seed, "split_seed", minimum=0)
    return tuple(digits_split(split_seed)) if name == "digits" else tuple(load_mnist1d())
