"""The paper's data: scikit-learn's 8×8 digits (shipped with scikit-learn, no download)."""
from __future__ import annotations

import numpy as np

__all__ = ["load_digits", "digits_split"]


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
