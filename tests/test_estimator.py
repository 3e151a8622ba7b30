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
