"""scikit-learn classifiers on the digits split of the paper's experiment (chapter 5).

The paper: digits "saturates near 98 % for almost any reasonable classifier". The claim is
checked with five standard classifiers, default settings except where noted, on the same
stratified 1,437/360 split (``cdnotes.data.digits_split``) as the book's networks; the
stochastic ones are run once per seed.

* :data:`BASELINES` — name -> (what it is, whether it takes a seed).
* :func:`make_baseline` — one unfitted estimator.
* :func:`run_baselines` — every (classifier, seed): JSON-ready dicts with the test accuracy.
* :func:`baseline_accuracies` — classifier -> the accuracies of its runs (%).
* :func:`baseline_settings`, :func:`baseline_jobs`, :func:`baseline_job` — the fits as a
  sweep of :mod:`cdnotes.engine` (``python -m cdnotes baselines``);
  :func:`load_baseline_results` reads a results file of either layout.
"""
from __future__ import annotations

import time
from functools import lru_cache

import numpy as np

from ..curvature.products import blas_limit
from ..data import digits_split
from ..validation import check_choice, check_int

__all__ = ["BASELINES", "RESULTS_NAME", "make_baseline", "fit_baseline", "run_baselines",
           "baseline_accuracies", "baseline_settings", "baseline_jobs", "baseline_job",
           "load_baseline_results"]

RESULTS_NAME = "digits_baselines"
"""The committed results file in :mod:`cdnotes.measurements`."""

BASELINES = {
    "logistic": ("logistic regression (L2, C = 1)", False),
    "svc": ("support-vector machine (RBF kernel, C = 1)", False),
    "knn": ("k-nearest neighbours (k = 5)", False),
    "forest": ("random forest (100 trees)", True),
    "mlp": ("scikit-learn MLPClassifier (64-64, Adam, early stop off)", True),
}
"""The classifiers: name -> (description, seeded)."""


def make_baseline(name: str, seed: int = 0):
    """An unfitted scikit-learn estimator for ``name``.

    Parameters
    ----------
    name : a key of :data:`BASELINES`
    seed : int >= 0
        ``random_state`` of the stochastic classifiers (ignored by the others).

    Returns
    -------
    a scikit-learn classifier
    """
    check_choice(name, "name", BASELINES)
    seed = check_int(seed, "seed", minimum=0)
    if name == "logistic":
        from sklearn.linear_model import LogisticRegression
        return LogisticRegression(max_iter=5000)
    if name == "svc":
        from sklearn.svm import SVC
        return SVC()
    if name == "knn":
        from sklearn.neighbors import KNeighborsClassifier
        return KNeighborsClassifier()
    if name == "forest":
        from sklearn.ensemble import RandomForestClassifier
        return RandomForestClassifier(random_state=seed, n_jobs=1)
    from sklearn.neural_network import MLPClassifier
    return MLPClassifier(hidden_layer_sizes=(64, 64), max_iter=500, random_state=seed)


def run_baselines(seeds, *, split_seed: int = 0, names=tuple(BASELINES)) -> list:
    """Fit every classifier on the training digits and score it on the test digits.

    Parameters
    ----------
    seeds : iterable of int
        Seeds of the stochastic classifiers; the deterministic ones run once.
    split_seed : int
        The split (:func:`cdnotes.data.digits_split`).
    names : iterable of keys of :data:`BASELINES`

    Returns
    -------
    list of dict
        ``name``, ``seed`` (``None`` for a deterministic classifier), ``accuracy`` (%),
        ``seconds``.
    """
    seeds = [check_int(s, "seed", minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("run_baselines needs at least one seed")
    data = tuple(np.asarray(a) for a in digits_split(split_seed))
    return [fit_baseline(job["name"], job["seed"], data)
            for job in baseline_jobs(names, seeds)]


def fit_baseline(name: str, seed, data) -> dict:
    """Fit one classifier on the training digits and score it on the test digits.

    Parameters
    ----------
    name : a key of :data:`BASELINES`
    seed : int >= 0, or None for a deterministic classifier
    data : ``(X_train, X_test, y_train, y_test)`` NumPy arrays

    Returns
    -------
    dict ``name``, ``seed``, ``accuracy`` (%), ``seconds``
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X_train, X_test, y_train, y_test = data
    model = make_baseline(name, 0 if seed is None else seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    acc = 100.0 * float(np.mean(model.predict(X_test) == y_test))
    return {"name": name, "seed": seed, "accuracy": acc, "seconds": time.perf_counter() - start}


def baseline_accuracies(records) -> dict:
    """Classifier name -> array of its runs' accuracies (%), in the order of the records.

    Parameters
    ----------
    records : list of :func:`run_baselines` dicts

    Returns
    -------
    dict of str -> numpy array
    """
    out = {}
    for r in records:
        out.setdefault(r["name"], []).append(r["accuracy"])
    return {k: np.array(v) for k, v in out.items()}


def baseline_settings(*, split_seed: int = 0) -> dict:
    """The settings every job of a ``baselines`` sweep shares.

    Parameters
    ----------
    split_seed : int >= 0

    Returns
    -------
    dict ``{"split_seed"}``
    """
    return {"split_seed": check_int(split_seed, "split_seed", minimum=0)}


def baseline_jobs(names=tuple(BASELINES), seeds=range(10)) -> list:
    """One job per (classifier, seed); a deterministic classifier once, with seed ``None``.

    Parameters
    ----------
    names : iterable of keys of :data:`BASELINES`
    seeds : iterable of int >= 0

    Returns
    -------
    list of dict ``{"name", "seed"}``
    """
    jobs = []
    for name in names:
        seeded = BASELINES[check_choice(name, "name", BASELINES)][1]
        jobs += [{"name": name, "seed": s} for s in (list(seeds) if seeded else [None])]
    return jobs


@lru_cache(maxsize=2)
def _split(split_seed: int):
    return tuple(np.asarray(a) for a in digits_split(split_seed))


def baseline_job(job: dict, settings: dict) -> dict:
    """Run one job of :func:`baseline_jobs` (the engine's ``run_job``).

    Parameters
    ----------
    job : dict ``{"name", "seed"}``
    settings : dict from :func:`baseline_settings`

    Returns
    -------
    dict, :func:`fit_baseline`'s record (on one BLAS thread)
    """
    with blas_limit(np, 1):           # one BLAS thread: the same record however spread
        return fit_baseline(job["name"], job["seed"], _split(settings["split_seed"]))


def load_baseline_results(source=RESULTS_NAME) -> dict:
    """A ``baselines`` results file in the committed layout, whichever layout it has.

    Parameters
    ----------
    source : measurement name, path or dict, default the committed :data:`RESULTS_NAME`

    Returns
    -------
    dict with ``command`` (the command line), ``config`` (``split_seed``, ``seeds``,
    ``classifiers``: name -> description), ``records``, ``environment``, ``seconds``
    """
    from .result_files import committed_view, is_sweep_document, job_values, read_results

    doc = read_results(source)
    if not is_sweep_document(doc):
        return doc
    records = doc["records"]
    config = {"split_seed": doc["settings"]["split_seed"], "seeds": job_values(records, "seed"),
              "classifiers": {n: BASELINES[n][0] for n in job_values(records, "name")}}
    return committed_view(doc, config)
