"""The paper's data: scikit-learn's 8×8 digits (shipped with scikit-learn, no download)."""
from __future__ import annotations

import numpy as np

__all__ = ["load_digits", "digits_split"]


def load_digits():
    """All 1797 digits: ``X`` ``(1797, 64)`` float64 pixels divided by 16 (so in [0, 1]), ``y`` ``(1797,)``."""
    from sklearn.datasets import load_digits as _load

    data = _load()
    return data.data.astype(np.float64) / 16.0, data.target.astype(np.int64)


def digits_split(seed: int = 0, test_size: int = 360):
    """Stratified split as in the paper: 1437 training and 360 test digits.

    Returns ``X_train, X_test, y_train, y_test``; ``seed`` fixes the split.
    """
    from sklearn.model_selection import train_test_split

    X, y = load_digits()
    return train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
