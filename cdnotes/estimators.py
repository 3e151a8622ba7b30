"""A scikit-learn classifier around the CD-MLP: use it in pipelines, cross_val_score, GridSearchCV."""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .layers import LAYERS
from .layers.activations import softmax
from .mlp import PAPER_HIDDEN, make_mlp
from .structured import mlp_widths
from .train import TrainConfig, train
from .validation import (check_bool, check_choice, check_positive_int, check_real, check_seed,
                         sklearn_data)

__all__ = ["CDMLPClassifier"]


def _round_up(n: int, B: int) -> int:
    return -(-n // B) * B


class CDMLPClassifier(ClassifierMixin, BaseEstimator):
    """MLP of CDLinear layers (ReLU between them) trained by SGD with momentum.

    The input is zero-padded to a multiple of ``block_size`` and the output layer is
    widened to a multiple of ``block_size`` with the extra logits sliced away, exactly
    as the paper's digits models do (64 -> 64 -> 64 -> 12, 10 logits kept, for B = 4).

    With ``structure`` set, every linear layer is of that kind instead (a key of
    :data:`cdnotes.layers.LAYERS`: ``"dense"``, ``"cd"``, ``"low_rank"``, ``"toeplitz"``,
    ``"kronecker"``, ``"monarch"``, ``"acdc"``, ``"sparse"``, ``"fourier_mixing"``,
    ``"masked"``, ``"spectral"``), sized by ``structure_option`` (the entry's
    ``size_option``: ``rank``, ``n_blocks``, ...). ``block_size`` is used only by
    ``structure=None`` and by ``"cd"`` without ``structure_option`` (``"cd"`` with
    ``structure_option=B`` uses ``B``). ``"spectral"`` layers get a bias, fixed input
    eigenvalues (as :func:`cdnotes.spectral.spectral_mlp`) and ``train`` groups from
    ``structure_option`` (default ``("eigenvalues", "eigenvectors")``). Square structures
    (Monarch, ACDC, Fourier mixing) get the input zero-padded to the hidden width and keep
    ``n_classes`` of the last layer's outputs (so the hidden width must be at least the
    number of classes).

    Parameters
    ----------
    block_size : int >= 1, default 4
        ``B``; ``1`` gives an ordinary dense MLP.
    hidden : tuple of int, default :data:`cdnotes.mlp.PAPER_HIDDEN` ``(64, 64)``
        Hidden widths (a tuple even for one layer: ``(64,)``); each must be a multiple
        of ``block_size``.
    epochs : int >= 1, default 25
    learning_rate : float > 0, default 0.1
    momentum : float in [0, 1), default 0.9
    batch_size : int >= 1, default 64
    dropout : float in [0, 1), default 0.0
        Shannon dropout after each hidden ReLU (the paper's rate is 0.0118).
    seed : int >= 0, default 0
        Initial weights, dropout masks and batch order.
    structure : str or None, default None
        ``None``: CDLinear layers of ``block_size`` (the paper's model).
    structure_option : optional
        The structure's size option, one value for every layer or a ``list`` of one per layer
        (``None`` for structures without one, e.g. ``"toeplitz"``; for ``"cd"`` one block
        size, or ``None`` for ``block_size``).
    standardize : bool, default True
        Scale each feature to zero mean and unit variance (fitted on the training data)
        before the network. Plain SGD at ``learning_rate=0.1`` diverges on features of
        large magnitude; set ``False`` to reproduce the paper (digits pixels / 16). Data of
        any magnitude the floats hold (``X * 1e300``) is standardised exactly
        (:class:`cdnotes.whitening.Standardizer` rescales by a power of two first); with
        ``False``, ``max |X| >= 1e150`` is refused (its squares overflow).

    Every hyper-parameter is checked at :meth:`fit` (the scikit-learn convention), with
    a ``TypeError``/``ValueError`` that names it and the allowed values.

    Attributes
    ----------
    classes_ : array of class labels; model_ : :class:`cdnotes.mlp.MLP`;
    history_ : :class:`cdnotes.train.History`; n_features_in_ : int
    """

    def __init__(self, block_size=4, hidden=PAPER_HIDDEN, epochs=25, learning_rate=0.1, momentum=0.9,
                 batch_size=64, dropout=0.0, seed=0, standardize=True, structure=None,
                 structure_option=None):
        self.block_size = block_size
        self.structure = structure
        self.structure_option = structure_option
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
        width = self.input_width_
        return X if width == X.shape[1] else np.pad(X, ((0, 0), (0, width - X.shape[1])))

    def _checked_params(self) -> dict:
        """Every hyper-parameter, validated: a message names the bad one and what it may be."""
        structure = self.structure
        if structure is not None:
            check_choice(structure, "structure", list(LAYERS))
        B = 1
        if structure == "cd" and self.structure_option is not None:
            if isinstance(self.structure_option, list):
                raise ValueError("structure='cd' takes one block size as structure_option (an "
                                 "integer, or None to use block_size); got "
                                 f"{self.structure_option!r}")
            B = check_positive_int(self.structure_option, "structure_option (the block size)")
        elif structure in (None, "cd"):
            B = check_positive_int(self.block_size, "block_size")
        hidden = self.hidden
        if isinstance(hidden, np.ndarray) and hidden.ndim == 1:
            hidden = hidden.tolist()
        if not isinstance(hidden, (tuple, list)):
            raise TypeError(f"hidden must be a tuple of hidden-layer widths, e.g. (64, 64), or "
                            f"(64,) for one hidden layer; got {hidden!r} ({type(hidden).__name__})")
        hidden = tuple(check_positive_int(h, f"hidden[{i}]") for i, h in enumerate(hidden))
        bad = [h for h in hidden if h % B]
        if bad:
            what = "structure_option" if structure == "cd" and self.structure_option else \
                "block_size"
            raise ValueError(f"hidden widths {bad} are not multiples of {what}={B}; "
                             f"use multiples of {B}")
        check_seed(self.seed, "seed")
        return {
            "block_size": B, "hidden": hidden, "structure": structure,
            "epochs": check_positive_int(self.epochs, "epochs"),
            "lr": check_real(self.learning_rate, "learning_rate", low=0.0, low_open=True),
            "momentum": check_real(self.momentum, "momentum", low=0.0, high=1.0, high_open=True),
            "batch_size": check_positive_int(self.batch_size, "batch_size"),
            "dropout": check_real(self.dropout, "dropout", low=0.0, high=1.0, high_open=True),
            "standardize": check_bool(self.standardize, "standardize"),
        }

    def fit(self, X, y):
        """Train on ``X`` ``(n_samples, n_features)`` and labels ``y``; returns ``self``.

        Raises
        ------
        TypeError, ValueError
            A bad hyper-parameter (named), or bad data (scikit-learn's checks).
        FloatingPointError
            Training diverged (with ``standardize=False`` on features of large magnitude,
            or too large a ``learning_rate``); the message says which.
        """
        p = self._checked_params()
        X, y = sklearn_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        top = float(np.max(np.abs(X)))
        if not p["standardize"] and top >= 1e150:
            raise ValueError(f"X reaches |x| = {top:.3g}: with standardize=False the network sees "
                             "these values, whose squares (in every gradient) overflow float64; "
                             "use standardize=True or rescale X")
        B = self.block_size_ = p["block_size"]
        n_classes = len(self.classes_)
        self.scaler_ = None
        if p["standardize"]:
            from .whitening import Standardizer
            self.scaler_ = Standardizer().fit(X)
        if p["structure"] in (None, "cd"):
            widths = [_round_up(X.shape[1], B), *p["hidden"], _round_up(max(n_classes, 1), B)]
            self.model_ = make_mlp(widths, B, n_classes=n_classes, seed=self.seed,
                                   dropout=p["dropout"])
        else:
            self.model_ = self._structured_model(p, X.shape[1], n_classes)
        self.input_width_ = self.model_.n_in
        config = TrainConfig(epochs=p["epochs"], lr=p["lr"], momentum=p["momentum"],
                             batch_size=p["batch_size"])
        try:
            self.history_ = train(self.model_, self._pad(X), encoded.astype(np.int64),
                                  config=config, seed=self.seed)
        except FloatingPointError as exc:
            hint = (f"the features reach |x| = {top:.3g}: use standardize=True"
                    if not p["standardize"] and top > 1e3 else
                    f"try a smaller learning_rate (now {p['lr']:g})")
            raise FloatingPointError(f"{exc}; {hint}") from exc
        return self

    def _structured_model(self, p, n_features, n_classes):
        """The MLP of ``p["structure"]`` layers (square structures: input padded to the hidden width)."""
        name, hidden = p["structure"], p["hidden"]
        entry = LAYERS[name]
        n_layers = len(hidden) + 1
        if entry.square and len(set(hidden)) > 1:
            raise ValueError(f"structure={name!r} has square layers: every hidden width "
                             f"must be the same; got hidden={hidden}")
        width = hidden[0] if hidden else n_features
        if entry.square and n_features > width:
            raise ValueError(f"structure={name!r} has square layers: the input "
                             f"({n_features} features) is padded to the hidden width, which must "
                             f"be >= {n_features}; got hidden={hidden}")
        if entry.square and n_classes > width:
            raise ValueError(f"structure={name!r} has square layers: the last one keeps "
                             f"{n_classes} logits (one per class) of its {width} outputs, so the "
                             f"hidden width must be >= {n_classes}; got hidden={hidden}")
        n_in = width if entry.square else n_features
        option, extra = self.structure_option, {}
        if name == "spectral":
            extra = {"input_eigenvalues": "fixed", "bias": True}
            option = ("eigenvalues", "eigenvectors") if option is None else option
        if entry.size_option is None:
            if option is not None:
                raise ValueError(f"structure={name!r} has no size option; "
                                 f"structure_option must be None, got {option!r}")
            values = None
        elif option is None:
            doc = next(o.doc for o in entry.options if o.name == entry.size_option)
            raise ValueError(f"structure={name!r} needs structure_option: its "
                             f"{entry.size_option} ({doc}), one value or a list of one per "
                             f"linear layer ({n_layers})")
        else:
            values = list(option) if isinstance(option, list) else [option] * n_layers
            if len(values) != n_layers:
                raise ValueError(f"structure_option lists one value per linear layer ({n_layers}); "
                                 f"got {len(values)}: {option!r}")
        widths = mlp_widths(name, n_in, hidden, n_classes, values)
        options = {} if values is None else {entry.size_option: values}
        return make_mlp(widths, structure=name, n_classes=n_classes, seed=self.seed,
                        dropout=p["dropout"], **options, **extra)

    def _logits(self, X):
        check_is_fitted(self, "model_")
        X = sklearn_data(self, X, dtype=np.float64, reset=False)
        self.model_.eval()
        return self.model_.forward(self._pad(X))

    def decision_function(self, X):
        """Logits ``(n_samples, n_classes)``; for two classes the margin ``z₁ − z₀`` ``(n_samples,)``."""
        z = self._logits(X)
        return z[:, 1] - z[:, 0] if z.shape[1] == 2 else z

    def predict_proba(self, X):
        """Softmax of the logits, ``(n_samples, n_classes)``."""
        return softmax(self._logits(X), axis=1)

    def predict(self, X):
        scores = self._logits(X)                    # checks fitted before touching classes_
        return self.classes_[np.argmax(scores, axis=1)]
