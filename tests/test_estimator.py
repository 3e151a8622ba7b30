"""CDMLPClassifier: a well-behaved scikit-learn classifier."""
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.utils.estimator_checks import check_estimator

from cdnotes.data import load_digits
from cdnotes.estimators import CDMLPClassifier


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
def test_check_estimator():
    check_estimator(CDMLPClassifier())


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return X[:600], y[:600]


# These check that the estimator *learns* inside scikit-learn's model selection — far above the
# 10 % chance level on 10 classes — not a target accuracy (short runs on 300-400 digits).
def test_cross_val_score(digits):
    scores = cross_val_score(CDMLPClassifier(epochs=10, standardize=False), *digits, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.5


def test_grid_search(digits):
    grid = GridSearchCV(CDMLPClassifier(epochs=5, standardize=False),
                        {"block_size": [4, 8], "learning_rate": [0.05, 0.1]}, cv=2)
    grid.fit(*digits)
    assert grid.best_params_["block_size"] in (4, 8) and grid.best_score_ > 0.5
    assert len(grid.cv_results_["mean_test_score"]) == 4


def test_string_labels_and_probabilities(digits):
    X, y = digits
    labels = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])[y]
    clf = CDMLPClassifier(epochs=5).fit(X, labels)
    p = clf.predict_proba(X[:5])
    assert p.shape == (5, 10) and np.allclose(p.sum(1), 1)
    assert set(clf.predict(X)) <= set(labels)


def test_hidden_widths_must_be_multiples():
    with pytest.raises(ValueError, match="multiples of block_size=4"):
        CDMLPClassifier(hidden=(64, 30)).fit(np.ones((10, 8)) * np.arange(10)[:, None], np.arange(10) % 2)


STRUCTURE_CASES = [("low_rank", 2), ("toeplitz", None), ("kronecker", (1, 2)), ("monarch", 4),
                   ("acdc", 2), ("sparse", 0.25), ("fourier_mixing", 8), ("dense", None),
                   ("cd", None), ("low_rank", [4, 4, 2])]


@pytest.mark.parametrize("structure, option", STRUCTURE_CASES)
def test_classifier_of_any_structure_is_the_registry_mlp(structure, option):
    """The estimator's model is make_mlp's of that structure; fit, predict and clone work."""
    from sklearn.base import clone

    from cdnotes.mlp import make_mlp
    from cdnotes.structured import STRUCTURES

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 10)), rng.integers(0, 3, 60)
    clf = CDMLPClassifier(structure=structure, structure_option=option, hidden=(16, 16),
                          epochs=2, block_size=4)
    clf.fit(X, y)
    spec = STRUCTURES[structure]
    n_in = 16 if spec.square else (12 if structure == "cd" else 10)
    assert clf.model_.n_in == n_in and clf.model_.n_classes == 3
    if structure not in ("cd", "dense"):
        kinds = {type(layer).__name__ for layer in clf.model_.linear_layers}
        values = option if isinstance(option, list) else [option] * 3
        reference = make_mlp([n_in, 16, 16, clf.model_.linear_layers[-1].n_out],
                             structure=structure, n_classes=3, seed=0,
                             **({} if spec.option is None else {spec.option: values}))
        assert kinds == {type(layer).__name__ for layer in reference.linear_layers}
        assert clf.model_.n_params == reference.n_params
    assert clf.predict(X).shape == (60,)
    assert np.allclose(clf.predict_proba(X).sum(axis=1), 1.0)
    assert clone(clf).get_params()["structure"] == structure


@pytest.mark.parametrize("kwargs, words", [
    (dict(structure="butterfly"), ("structure", "monarch")),
    (dict(structure="monarch", structure_option=4, hidden=(8, 8)), ("padded", "hidden")),
    (dict(structure="monarch", structure_option=4, hidden=(16, 32)), ("same",)),
    (dict(structure="toeplitz", structure_option=3), ("no size option",)),
    (dict(structure="low_rank", structure_option=[4, 4]), ("one value per linear layer",)),
    (dict(structure="low_rank", structure_option=None), ("rank",)),
])
def test_classifier_structure_errors_name_the_problem(kwargs, words):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 10)), rng.integers(0, 3, 30)
    with pytest.raises(ValueError) as info:
        CDMLPClassifier(epochs=1, **kwargs).fit(X, y)
    assert all(w in str(info.value) for w in words), str(info.value)


@pytest.mark.parametrize("option", [None, ("eigenvalues",)])
def test_classifier_of_spectral_layers(option):
    from cdnotes.spectral import SpectralLinear

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 10)), rng.integers(0, 3, 60)
    clf = CDMLPClassifier(structure="spectral", structure_option=option, hidden=(16,), epochs=2)
    clf.fit(X, y)
    layers = clf.model_.linear_layers
    assert all(isinstance(layer, SpectralLinear) for layer in layers)
    trains_phi = option is None
    assert all(("phi" in layer.params) == trains_phi for layer in layers)
    assert clf.predict_proba(X).shape == (60, 3)
    with pytest.raises(ValueError, match="train"):
        CDMLPClassifier(structure="spectral", structure_option=("weights",), epochs=1).fit(X, y)
