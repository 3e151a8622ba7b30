"""scikit-learn classifiers on the digits split of the paper's experiment (chapter 5).

The paper: digits "saturates near 98 % for almost any reasonable classifier". The claim is
checked with five standard classifiers, default settings except where noted, on the same
stratified 1,437/360 split (``cdnotes.data.digits_split``) as the book's networks; the
stochastic ones are run once per seed.

* :data:`BASELINES` — name -> (what it is, whether it takes a seed).
* :func:`make_baseline` — one unfitted estimator.
* :func:`run_baselines` — every (classifier, seed): JSON-ready dicts with the test accuracy.
* :func:`baseline_accuracies` — classifier -> the accuracies of its runs (%).
"""
from __future__ import annotations

import time

import numpy as np

from ..data import digits_split
from ..validation import check_choice, check_int

__all__ = ["BASELINES", "make_baseline", "run_baselines", "baseline_accuracies"]

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
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    seeds = [check_int(s, "seed", minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("run_baselines needs at least one seed")
    X_train, X_test, y_train, y_test = (np.asarray(a) for a in digits_split(split_seed))
    out = []
    for name in names:
        seeded = BASELINES[check_choice(name, "name", BASELINES)][1]
        for s in (seeds if seeded else [None]):
            model = make_baseline(name, 0 if s is None else s)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X_train, y_train)
            acc = 100.0 * float(np.mean(model.predict(X_test) == y_test))
            out.append({"name": name, "seed": s, "accuracy": acc,
                        "seconds": time.perf_counter() - start})
    return out


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


def _run(args) -> int:
    from ..results import environment_info, write_json_atomic

    start = time.perf_counter()
    records = run_baselines(args.seeds, split_seed=args.split_seed, names=args.names)
    command = ("python -m cdnotes baselines --seeds " + " ".join(map(str, args.seeds))
               + f" --split-seed {args.split_seed}")
    write_json_atomic(args.out, {"command": command,
                                 "config": {"split_seed": args.split_seed,
                                            "seeds": list(args.seeds),
                                            "classifiers": {n: BASELINES[n][0]
                                                            for n in args.names}},
                                 "records": records, "environment": environment_info(),
                                 "seconds": time.perf_counter() - start})
    if not args.quiet:
        print(f"{len(records)} fits in {time.perf_counter() - start:.0f} s -> {args.out}")
    return 0


def add_parser(subparsers):
    """Register ``python -m cdnotes baselines`` on an ``argparse`` subparsers object."""
    from ..cli import _out_path, _seed

    p = subparsers.add_parser(
        "baselines", help="scikit-learn classifiers on the digits split (chapter 5)",
        description="Fit logistic regression, an RBF SVM, k-NN, a random forest and "
                    "scikit-learn's MLPClassifier on the stratified 1437/360 digits split; "
                    "the stochastic ones once per seed. Writes the test accuracies as JSON.")
    p.add_argument("--names", nargs="+", choices=list(BASELINES), default=list(BASELINES))
    p.add_argument("--seeds", type=_seed, nargs="+", default=list(range(10)),
                   help="seeds of the stochastic classifiers (default: 0-9)")
    p.add_argument("--split-seed", type=_seed, default=0, help="(default: 0)")
    p.add_argument("--out", type=_out_path, default="digits_baselines.json")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_run)
    return p
