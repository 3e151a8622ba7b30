"""A scikit-learn classifier around the CD-MLP: use it in pipelines, cross_val_score, GridSearchCV."""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .mlp import make_mlp
from .train import TrainConfig, train

__all__ = ["CDMLPClassifier"]


def _round_up(n: int, B: int) -> int:
    return -(-n // B) * B


class CDMLPClassifier(ClassifierMixin, BaseEstimator):
    """MLP of CDLinear layers (ReLU between them) trained by SGD with momentum.

    The input is zero-padded to a multiple of ``block_size`` and the output layer is
    widened to a multiple of ``block_size`` with the extra logits sliced away, exactly
    as the paper's digits models do (64 -> 64 -> 64 -> 12, 10 logits kept, for B = 4).

    Parameters
    ----------
    block_size : int, default 4
        ``B``; ``1`` gives an ordinary dense MLP.
    hidden : tuple of int, default (64, 64)
        Hidden widths; each must be a multiple of ``block_size``.
    epochs : int, default 25
    learning_rate : float, default 0.1
    momentum : float, default 0.9
    batch_size : int, default 64
    dropout : float, default 0.0
        Shannon dropout after each hidden ReLU (the paper's rate is 0.0118).
    seed : int, default 0
        Initial weights, dropout masks and batch order.
    standardize : bool, default True
        Scale each feature to zero mean and unit variance (fitted on the training data)
        before the network. Plain SGD at ``learning_rate=0.1`` diverges on features of
        large magnitude; set ``False`` to reproduce the paper (digits pixels / 16).

    Attributes
    ----------
    classes_ : array of class labels; model_ : :class:`cdnotes.mlp.MLP`;
    history_ : :class:`cdnotes.train.History`; n_features_in_ : int
    """

    def __init__(self, block_size=4, hidden=(64, 64), epochs=25, learning_rate=0.1, momentum=0.9,
                 batch_size=64, dropout=0.0, seed=0, standardize=True):
        self.block_size = block_size
        self.hidden = hidden
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.batch_size = batch_size
        self.dropout = dropout
        self.seed = seed
        self.standardize = standardize

    def _pad(self, X):
        if self.scaler_ is not None:
            X = self.scaler_.transform(X)
        width = _round_up(X.shape[1], self.block_size)
        return X if width == X.shape[1] else np.pad(X, ((0, 0), (0, width - X.shape[1])))

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        B = int(self.block_size)
        bad = [h for h in self.hidden if h % B]
        if bad:
            raise ValueError(f"hidden widths {bad} are not multiples of block_size={B}; "
                             f"use multiples of {B}")
        n_classes = len(self.classes_)
        self.scaler_ = None
        if self.standardize:
            from .whitening import Standardizer
            self.scaler_ = Standardizer().fit(X)
        widths = [_round_up(X.shape[1], B), *self.hidden, _round_up(max(n_classes, 1), B)]
        self.model_ = make_mlp(widths, B, n_classes=n_classes, seed=self.seed, dropout=self.dropout)
        config = TrainConfig(epochs=self.epochs, lr=self.learning_rate, momentum=self.momentum,
                             batch_size=self.batch_size)
        self.history_ = train(self.model_, self._pad(X), encoded.astype(np.int64), config=config,
                              seed=self.seed)
        return self

    def _logits(self, X):
        check_is_fitted(self, "model_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        self.model_.eval()
        return self.model_.forward(self._pad(X))

    def decision_function(self, X):
        """Logits ``(n_samples, n_classes)``; for two classes the margin ``z₁ − z₀`` ``(n_samples,)``."""
        z = self._logits(X)
        return z[:, 1] - z[:, 0] if z.shape[1] == 2 else z

    def predict_proba(self, X):
        """Softmax of the logits, ``(n_samples, n_classes)``."""
        z = self._logits(X)
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X):
        scores = self._logits(X)                    # checks fitted before touching classes_
        return self.classes_[np.argmax(scores, axis=1)]
