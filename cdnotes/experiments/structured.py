"""CD among structured matrices (issue 11): every structure in the paper's MLP, at the
parameter budgets of the CD models, on digits and MNIST-1D.

* :func:`structured_models` — the models: dense, CD B=4 and B=8, and every other structure
  of :data:`cdnotes.structured.STRUCTURES` with its option chosen by
  :func:`cdnotes.structured.match_budget` for each CD budget (``matched`` says whether the
  count is within ±10%; a structure without a fitting option is kept at its closest count).
* :func:`load_dataset` — digits (64 pixels) or MNIST-1D (40 values zero-padded to 64), so
  every model is ``64 -> 64 -> 64 -> out`` (the paper's shape; square structures keep 10 of
  64 outputs, as the CD models keep 10 of 12 or 16).
* :func:`last_layer_gauss_newton` — the Gauss-Newton matrix of the mean cross-entropy in
  the last layer's parameters, ``Aᵀ H_W̃ A`` with ``A`` the Jacobian of ``[W, b]``; for a
  layer whose ``W`` is linear in its parameters it is the exact last-layer Hessian.
* :func:`run_structured` / :func:`run_structured_grid` — one seeded run per (dataset, model,
  seed): test accuracy, training seconds per epoch, the last-layer Gauss-Newton κ on its
  range; :func:`summarize_structured` and :func:`compare_to_cd` (paired by seed: where CD
  wins, ties or loses).
* :func:`run_failed` — a run that diverged or ended below :data:`FAILURE_FLOOR`: no
  classifier, so no win for anyone; :func:`kappa_summary` — κ over a model's trained runs
  with the ceiling of the cutoff :data:`KAPPA_CUTOFF` (:mod:`cdnotes.ceiling`);
  :func:`epoch_ratio_by_seed` — a model's epoch time over dense's, paired by seed
  (:func:`cdnotes.benchmarking.epoch_time_ratio`).
* :func:`failure_text`, :func:`ratio_sides_text`, :func:`kappa_verdict`, :func:`p_text`,
  :func:`sci_text` — the chapter's sentences and table cells, chosen by computation.
* :func:`add_parser` — ``python -m cdnotes structured``.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass

import numpy as np

from ..backend import to_numpy
from ..conditioning import condition_number
from ..mlp import make_mlp, paper_model
from ..stats import geometric_mean, mean_ci, paired_difference_ci
from ..structured import STRUCTURES, match_budget
from ..train import TrainConfig, accuracy, train
from ..validation import check_choice, check_int, check_real

__all__ = ["DATASETS", "INPUT_WIDTH", "HIDDEN", "CURVATURE_ROWS", "MNIST1D_BASELINES",
           "cd_budgets", "ModelSpec", "structured_models", "load_dataset",
           "last_layer_gauss_newton", "run_structured", "run_structured_grid",
           "summarize_structured", "compare_to_cd", "verdict_text", "add_parser",
           "FAILURE_FLOOR", "KAPPA_CUTOFF", "run_failed", "kappa_summary", "kappa_pairs",
           "epoch_ratio_by_seed", "failure_text", "ratio_sides_text", "kappa_verdict",
           "p_text", "sci_text"]

DATASETS = ("digits", "mnist1d")
INPUT_WIDTH = 64
"""Every model's input width: digits' 64 pixels; MNIST-1D's 40 values padded with zeros."""
HIDDEN = (64, 64)
"""The hidden widths of the paper's models (:data:`cdnotes.mlp.PAPER_HIDDEN`)."""
CURVATURE_ROWS = 1000
"""The last-layer Gauss-Newton matrix is evaluated on the first this-many training rows."""
MNIST1D_BASELINES = {"logistic regression": 0.32, "MLP": 0.68, "CNN": 0.94}
"""Test accuracies that the MNIST-1D paper (Greydanus 2020, Table 1) reports, for scale."""
FAILURE_FLOOR = 0.2
"""A run that ends below this test accuracy (chance is 0.1 on both data sets) failed to train."""
KAPPA_CUTOFF = 1e-10
"""κ is taken over eigenvalues above this fraction of the largest (its ceiling: 1e10)."""


def run_failed(record, floor: float = FAILURE_FLOOR) -> bool:
    """Whether a run failed to train: it diverged (no accuracy, or a NaN one) or ended below
    ``floor``.

    Parameters
    ----------
    record : dict with ``test_accuracy`` (fraction, ``None`` for a diverged run)
    floor : float in [0, 1], default :data:`FAILURE_FLOOR`

    Returns
    -------
    bool
    """
    floor = check_real(floor, "floor", low=0.0, high=1.0)
    a = record["test_accuracy"]
    return a is None or not math.isfinite(a) or a < floor


def cd_budgets() -> dict:
    """The budgets: the parameter counts of the paper's CD models.

    Returns
    -------
    dict ``{"B4": 2380, "B8": 1296}``
    """
    return {"B4": paper_model("cd4").n_params, "B8": paper_model("cd8").n_params}


@dataclass(frozen=True)
class ModelSpec:
    """One model of the comparison.

    Attributes
    ----------
    name : str, e.g. ``"low_rank B8"`` (``"dense"``, ``"cd B4"``; a structure whose options
        are the same for both budgets is named without a budget)
    structure : str, a key of :data:`~cdnotes.structured.STRUCTURES`
    options : dict ``{option: per-layer values}`` for :func:`~cdnotes.mlp.make_mlp`
    widths : list of int
    n_params : int
    budgets : dict ``{budget label: relative error of n_params}`` for the budgets it stands for
    matched : dict ``{budget label: bool}``, within ±10%
    """

    name: str
    structure: str
    options: dict
    widths: list
    n_params: int
    budgets: dict
    matched: dict

    def build(self, seed: int):
        """The model with initial weights from ``seed``.

        Parameters
        ----------
        seed : int >= 0

        Returns
        -------
        :class:`~cdnotes.mlp.MLP`
        """
        return make_mlp(self.widths, structure=self.structure, n_classes=10, seed=seed,
                        **self.options)


def structured_models(structures=None, *, tolerance: float = 0.1) -> list:
    """Dense, and every structure at each CD budget (:func:`cd_budgets`).

    Parameters
    ----------
    structures : iterable of str, optional
        Keys of :data:`~cdnotes.structured.STRUCTURES` (default: all registered; ``"dense"``
        and ``"cd"`` are always included).
    tolerance : float, default 0.1

    Returns
    -------
    list of :class:`ModelSpec`; one per distinct model (a structure whose closest options
    are the same for both budgets appears once, standing for both)
    """
    names = list(STRUCTURES) if structures is None else list(structures)
    for name in names:
        check_choice(name, "structure", STRUCTURES)
    names = ["dense", "cd"] + [n for n in names if n not in ("dense", "cd")]
    budgets = cd_budgets()
    specs = []
    for structure in names:
        if structure == "dense":
            model = paper_model("dense")
            specs.append(ModelSpec("dense", "dense", {}, [INPUT_WIDTH, *HIDDEN, 10],
                                   model.n_params, {}, {}))
            continue
        found = {}
        for label, budget in budgets.items():
            m = match_budget(structure, budget, n_in=INPUT_WIDTH, hidden=HIDDEN, n_classes=10,
                             tolerance=tolerance)
            key = repr(m.options)
            if key not in found:
                found[key] = (m, {}, {})
            found[key][1][label] = m.relative_error
            found[key][2][label] = m.matched
        for m, errors, matched in found.values():
            name = structure if len(found) == 1 else f"{structure} {next(iter(errors))}"
            specs.append(ModelSpec(name, structure, m.options, m.widths, m.n_params, errors,
                                   matched))
    return specs


def load_dataset(name: str, split_seed: int = 0):
    """A data set with ``INPUT_WIDTH`` features.

    Parameters
    ----------
    name : {"digits", "mnist1d"}
    split_seed : int
        The digits split (:func:`cdnotes.data.digits_split`); MNIST-1D has a fixed split.

    Returns
    -------
    X_train ``(N, 64)``, X_test ``(M, 64)``, y_train ``(N,)``, y_test ``(M,)``
    """
    from ..data import digits_split, load_mnist1d

    check_choice(name, "dataset", DATASETS)
    if name == "digits":
        return tuple(digits_split(check_int(split_seed, "split_seed", minimum=0)))
    X_train, X_test, y_train, y_test = load_mnist1d()

    def pad(X):
        return np.concatenate([X, np.zeros((X.shape[0], INPUT_WIDTH - X.shape[1]))], axis=1)

    return pad(X_train), pad(X_test), y_train, y_test


def last_layer_gauss_newton(model, X):
    """Gauss-Newton matrix of the mean cross-entropy in the last layer's parameters.

    ``G = Aᵀ H_W̃ A`` with ``H_W̃ = (1/N) Σ_n S_n ⊗ h̃_n h̃_nᵀ`` over the ``n_classes`` used
    logits (``S_n = diag(p_n) − p_n p_nᵀ``, ``h̃_n = [h_n, 1]``), and ``A`` the Jacobian
    from the layer's parameters to ``[W, b]`` (:meth:`~cdnotes.layers.Linear.weight_jacobian`
    at the current parameters; for a layer without one, each column by one step of 1 in one
    entry, exact when ``W`` is affine in each entry). For a layer linear in its parameters (dense, CD, Toeplitz)
    this is :func:`cdnotes.curvature.last_layer_hessian`; for products of factors it leaves
    out the term that the loss's gradient multiplies.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
    X : array ``(N, n_in)``

    Returns
    -------
    numpy array ``(P, P)``, ``P`` the last layer's parameter count, in ``params`` order
    """
    from ..curvature import softmax_outputs

    h, p = softmax_outputs(model, X)
    layer = model.linear_layers[-1]
    N, K = p.shape
    n_in = layer.n_in
    h1 = np.concatenate([h, np.ones((N, 1))], axis=1)
    Q = (p[:, :, None] * h1[:, None, :]).reshape(N, K * (n_in + 1))
    H_w = -(Q.T @ Q)
    for o in range(K):
        block = slice(o * (n_in + 1), (o + 1) * (n_in + 1))
        H_w[block, block] += (h1 * p[:, o:o + 1]).T @ h1
    H_w /= N
    try:
        J = np.asarray(layer.weight_jacobian(), dtype=np.float64)      # (n_out·n_in, P_W)
    except NotImplementedError:                  # a product of factors without one (ACDC)
        from ..structured._common import entrywise_weight_jacobian
        J = entrywise_weight_jacobian(layer)
    P_w = J.shape[1]
    A = np.zeros((K * (n_in + 1), P_w + layer.n_out))
    for o in range(K):
        A[o * (n_in + 1):o * (n_in + 1) + n_in, :P_w] = J[o * n_in:(o + 1) * n_in]
        A[o * (n_in + 1) + n_in, P_w + o] = 1.0
    return A.T @ H_w @ A


def run_structured(spec: ModelSpec, dataset: str, seed: int, *, config: TrainConfig = TrainConfig(),
                   data=None, curvature: bool = True) -> dict:
    """Train one model on one data set; a JSON-ready record.

    Parameters
    ----------
    spec : ModelSpec
    dataset : {"digits", "mnist1d"}
    seed : int >= 0
        Initial weights and batch order.
    config : TrainConfig
    data : optional :func:`load_dataset` output (avoids reloading)
    curvature : bool
        Measure the last-layer Gauss-Newton spectrum on the first :data:`CURVATURE_ROWS`
        training rows.

    Returns
    -------
    dict with ``dataset``, ``model``, ``structure``, ``options``, ``widths``, ``n_params``,
    ``budgets``, ``matched``, ``seed``, ``test_accuracy`` (fraction; ``None`` when the
    training diverged, and then ``diverged`` holds the message and nothing else is
    measured), ``epoch_seconds``
    (median over epochs of the update time), ``train_loss`` (last epoch) and, with
    ``curvature``, ``kappa_gn`` (κ on the range, ``rtol = 1e-10``) and ``gn_zero``
    (eigenvalues counted as zero) and ``gn_size``
    """
    check_choice(dataset, "dataset", DATASETS)
    seed = check_int(seed, "seed", minimum=0)
    X_train, X_test, y_train, y_test = load_dataset(dataset) if data is None else data
    model = spec.build(seed)
    base = {"dataset": dataset, "model": spec.name, "structure": spec.structure,
            "options": {k: [list(v) if isinstance(v, tuple) else v for v in vals]
                        for k, vals in spec.options.items()},
            "widths": list(spec.widths), "n_params": model.n_params, "budgets": spec.budgets,
            "matched": spec.matched, "seed": seed}
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            history = train(model, X_train, y_train, config=config, seed=seed)
    except FloatingPointError as exc:          # the loss became NaN or infinite: no classifier
        return {**base, "diverged": str(exc), "test_accuracy": None}
    record = {**base, "test_accuracy": accuracy(model, X_test, y_test),
              "epoch_seconds": float(np.median(history.epoch_seconds)),
              "train_loss": float(history.train_loss[-1])}
    if curvature:
        ev = np.linalg.eigvalsh(last_layer_gauss_newton(model, X_train[:CURVATURE_ROWS]))
        c = condition_number(ev, rtol=KAPPA_CUTOFF)
        record.update(kappa_gn=c.kappa_nonzero, gn_zero=c.n_zero, gn_size=c.n)
    return record


def run_structured_grid(datasets=DATASETS, structures=None, seeds=range(10), *,
                        config: TrainConfig = TrainConfig(), curvature: bool = True,
                        progress=False) -> list:
    """:func:`run_structured` for every (dataset, model, seed).

    Parameters
    ----------
    datasets : iterable of {"digits", "mnist1d"}
    structures : iterable of str, optional (see :func:`structured_models`)
    seeds : iterable of int >= 0
    config : TrainConfig; curvature : bool
    progress : bool or None
        ``True`` shows a tqdm bar, ``None`` a disabled one, ``False`` none.

    Returns
    -------
    list of dict records
    """
    datasets = [check_choice(d, "dataset", DATASETS) for d in datasets]
    seeds = [check_int(s, "seed", minimum=0) for s in seeds]
    specs = structured_models(structures)
    # seeds outside, models inside: every model's timings are spread over the whole run, so
    # a change of the machine's load does not fall on one model
    jobs = [(d, spec, s) for d in datasets for s in seeds for spec in specs]
    if progress is not False:
        from tqdm.auto import tqdm
        jobs = tqdm(jobs, desc="structured", disable=progress is None)
    data, records = {}, []
    for dataset, spec, seed in jobs:
        if dataset not in data:
            data[dataset] = load_dataset(dataset)
        records.append(run_structured(spec, dataset, seed, config=config, data=data[dataset],
                                      curvature=curvature))
    return records


def summarize_structured(records, level: float = 0.95) -> list:
    """One row per (dataset, model): accuracy mean with CI, time per epoch, κ.

    Parameters
    ----------
    records : list of :func:`run_structured` dicts
    level : float, default 0.95

    Returns
    -------
    list of dict with ``dataset``, ``model``, ``structure``, ``n_params``, ``budgets``,
    ``matched``, ``n`` (seeds), ``n_diverged`` (runs whose training diverged), ``accuracy``
    (:class:`~cdnotes.stats.Estimate` over the runs that finished, fractions; ``None`` with
    fewer than two), ``epoch_seconds`` (median over finished runs), ``kappa_gn`` (geometric
    mean over finished runs, or ``nan``)
    """
    groups = {}
    for r in records:
        groups.setdefault((r["dataset"], r["model"]), []).append(r)
    rows = []
    for (dataset, model), runs in groups.items():
        first = runs[0]
        done = [r for r in runs if r["test_accuracy"] is not None]
        kappas = [r["kappa_gn"] for r in done if "kappa_gn" in r]
        rows.append({"dataset": dataset, "model": model, "structure": first["structure"],
                     "n_params": first["n_params"], "budgets": first["budgets"],
                     "matched": first["matched"], "n": len(runs),
                     "n_diverged": len(runs) - len(done),
                     "accuracy": (mean_ci([r["test_accuracy"] for r in done], level)
                                  if len(done) >= 2 else None),
                     "epoch_seconds": (float(np.median([r["epoch_seconds"] for r in done]))
                                       if done else math.nan),
                     "kappa_gn": geometric_mean(kappas) if kappas else math.nan})
    return rows


def compare_to_cd(records, dataset: str, budget: str, level: float = 0.95, *,
                  exclude_failed: bool = False, floor: float = FAILURE_FLOOR) -> list:
    """Each structure at ``budget`` against CD at that budget, paired by seed.

    ``difference`` is CD's accuracy minus the structure's (fractions), with a paired
    Student-t interval; ``verdict`` is ``"wins"`` when the interval is above 0, ``"loses"``
    when below, ``"ties"`` when it contains 0. Only seeds where both runs finished are
    paired; with ``exclude_failed`` only seeds where neither run failed (:func:`run_failed`),
    and a model with fewer than two such seeds gets the verdict ``"failed"`` (no interval:
    a model that did not train is no opponent). ``n_diverged`` counts the structure's
    diverged runs at that budget, ``n_failed`` its failed ones.

    Parameters
    ----------
    records : list of :func:`run_structured` dicts
    dataset : str; budget : {"B4", "B8"}
    level : float
    exclude_failed : bool, default False
    floor : float, default :data:`FAILURE_FLOOR`

    Returns
    -------
    list of dict with ``model``, ``structure``, ``n_params``, ``matched``, ``difference``
    (:class:`~cdnotes.stats.Estimate`, or ``None`` for ``"failed"``), ``verdict``,
    ``n_pairs``, ``n_runs``, ``n_diverged`` and ``n_failed``, one per model standing for
    ``budget`` (dense and CD itself excluded)
    """
    runs = [r for r in records if r["dataset"] == dataset and budget in r["budgets"]]

    def usable(r):
        return (not run_failed(r, floor)) if exclude_failed else r["test_accuracy"] is not None

    cd = {r["seed"]: r["test_accuracy"] for r in runs if r["structure"] == "cd" and usable(r)}
    if not cd:
        raise ValueError(f"no CD runs at budget {budget!r} on {dataset!r} in the records")
    out = []
    for model in dict.fromkeys(r["model"] for r in runs if r["structure"] != "cd"):
        everything = [r for r in runs if r["model"] == model]
        mine = {r["seed"]: r for r in everything if usable(r)}
        common = sorted(set(mine) & set(cd))
        first = everything[0]
        row = {"model": model, "structure": first["structure"], "n_params": first["n_params"],
               "matched": first["matched"][budget], "n_pairs": len(common),
               "n_runs": len(everything),
               "n_diverged": sum(r["test_accuracy"] is None for r in everything),
               "n_failed": sum(run_failed(r, floor) for r in everything)}
        if len(common) < 2:
            if not exclude_failed:
                raise ValueError(f"{model} on {dataset!r}: fewer than two seeds where both it "
                                 "and CD finished training")
            out.append({**row, "difference": None, "verdict": "failed"})
            continue
        diff = paired_difference_ci([cd[s] for s in common],
                                    [mine[s]["test_accuracy"] for s in common], level)
        verdict = "wins" if diff.low > 0 else "loses" if diff.high < 0 else "ties"
        out.append({**row, "difference": diff, "verdict": verdict})
    return out


def verdict_text(rows) -> str:
    """The verdicts of :func:`compare_to_cd` in words, models listed in the order given.

    Parameters
    ----------
    rows : list of :func:`compare_to_cd` dicts

    Returns
    -------
    str, e.g. ``"more accurate than low-rank B8 and toeplitz; indistinguishable from
    monarch; less accurate than none"`` (underscores of model names become hyphens), and
    ``"; no verdict against ..., which failed to train"`` for ``"failed"`` rows
    """
    from .report import listed

    by = {v: [r["model"].replace("_", "-") for r in rows if r["verdict"] == v]
          for v in ("wins", "ties", "loses", "failed")}
    text = (f"more accurate than {listed(by['wins'], fmt='s')}; indistinguishable from "
            f"{listed(by['ties'], fmt='s')}; less accurate than {listed(by['loses'], fmt='s')}")
    if by["failed"]:
        text += f"; no verdict against {listed(by['failed'], fmt='s')}, which failed to train"
    return text


def kappa_summary(records, dataset: str, model: str, *, floor: float = FAILURE_FLOOR,
                  cutoff: float = KAPPA_CUTOFF, factor: float | None = None) -> dict:
    """κ of one model over its trained runs, with the ceiling of the cutoff.

    Failed runs (:func:`run_failed`) are left out: a collapsed network's last-layer curvature
    is tiny and well conditioned, which is no virtue. Of the rest, a κ at the ceiling
    (:func:`cdnotes.ceiling.at_ceiling`) is known only to be high; ``median`` is the
    median over the trained runs when fewer than half of them are at the ceiling
    (:func:`cdnotes.ceiling.censored_median`), else ``None``.

    Parameters
    ----------
    records : list of :func:`run_structured` dicts (with ``kappa_gn``)
    dataset, model : str
    floor : float, default :data:`FAILURE_FLOOR`
    cutoff : float, default :data:`KAPPA_CUTOFF` (the cutoff the runs used)
    factor : float, optional (default :data:`cdnotes.ceiling.DEFAULT_FACTOR`)

    Returns
    -------
    dict with ``median`` (float or ``None``), ``kappas`` (the trained runs' κ, in seed
    order), ``n_trained``, ``n_at_ceiling``, ``n_runs`` and ``ceiling`` (the κ from which a
    value counts as at the ceiling)
    """
    from ..ceiling import DEFAULT_FACTOR, censored_median, ceiling

    factor = DEFAULT_FACTOR if factor is None else factor
    runs = sorted((r for r in records if r["dataset"] == dataset and r["model"] == model),
                  key=lambda r: r["seed"])
    if not runs:
        raise ValueError(f"no runs of {model!r} on {dataset!r} in the records")
    kappas = [r["kappa_gn"] for r in runs if not run_failed(r, floor) and "kappa_gn" in r]
    median, n_top = (censored_median(kappas, cutoff, factor) if kappas else (None, 0))
    return {"median": median, "kappas": kappas, "n_trained": len(kappas), "n_at_ceiling": n_top,
            "n_runs": len(runs), "ceiling": ceiling(cutoff) / factor}


def kappa_pairs(records, dataset: str, model: str, other: str, *,
                floor: float = FAILURE_FLOOR, cutoff: float = KAPPA_CUTOFF,
                factor: float | None = None) -> dict:
    """Seed by seed, is ``model``'s κ lower than ``other``'s? A per-seed count.

    Only seeds where both runs trained (:func:`run_failed`) count. A κ at the ceiling
    (:func:`cdnotes.ceiling.at_ceiling`) is only known to be high: against a value below
    the ceiling it is the higher one; two values at the ceiling are ``undecided``.

    Parameters
    ----------
    records : list of :func:`run_structured` dicts
    dataset, model, other : str
    floor, cutoff, factor : as for :func:`kappa_summary`

    Returns
    -------
    dict with ``lower``, ``higher``, ``undecided`` (counts of seeds) and ``n``
    """
    from ..ceiling import DEFAULT_FACTOR, at_ceiling

    factor = DEFAULT_FACTOR if factor is None else factor

    def kappas(name):
        return {r["seed"]: r["kappa_gn"] for r in records if r["dataset"] == dataset
                and r["model"] == name and not run_failed(r, floor) and "kappa_gn" in r}

    a, b = kappas(model), kappas(other)
    counts = {"lower": 0, "higher": 0, "undecided": 0}
    for seed in sorted(set(a) & set(b)):
        top_a, top_b = at_ceiling(a[seed], cutoff, factor), at_ceiling(b[seed], cutoff, factor)
        if top_a and top_b:
            counts["undecided"] += 1
        elif top_a or top_b:
            counts["higher" if top_a else "lower"] += 1
        else:
            counts["lower" if a[seed] < b[seed] else "higher"] += 1
    return {**counts, "n": sum(counts.values())}


def epoch_ratio_by_seed(records, dataset: str, model: str, reference: str = "dense",
                        level: float = 0.95) -> dict:
    """A model's epoch time over the reference's, paired by seed.

    In the grid (:func:`run_structured_grid`) the models of one seed run one after another,
    so a seed is the unit in which both were timed under about the same load:
    :func:`cdnotes.benchmarking.epoch_time_ratio` of the seeds where both finished.

    Parameters
    ----------
    records : list of :func:`run_structured` dicts
    dataset, model, reference : str
    level : float

    Returns
    -------
    dict, as :func:`~cdnotes.benchmarking.epoch_time_ratio`, plus ``seeds``
    """
    from ..benchmarking import epoch_time_ratio

    def times(name):
        return {r["seed"]: r["epoch_seconds"] for r in records
                if r["dataset"] == dataset and r["model"] == name and "epoch_seconds" in r}

    mine, ref = times(model), times(reference)
    seeds = sorted(set(mine) & set(ref))
    if not seeds:
        raise ValueError(f"no seed where both {model!r} and {reference!r} finished on "
                         f"{dataset!r}")
    out = epoch_time_ratio([mine[s] for s in seeds], [ref[s] for s in seeds], level)
    return {**out, "seeds": seeds}


def failure_text(model: str, n_runs: int, n_diverged: int, n_low: int,
                 floor: float = FAILURE_FLOOR) -> str:
    """How a model's runs failed, in words: ``"low-rank B8: 7 of 10 runs diverged, and the
    other 3 all ended below 20%"``.

    Parameters
    ----------
    model : str
        The model's name as shown.
    n_runs : int >= 1
    n_diverged : int
        Runs whose loss became NaN (no accuracy).
    n_low : int
        Of the others, runs that ended below ``floor``.
    floor : float

    Returns
    -------
    str
    """
    from .report import count_words

    check_int(n_runs, "n_runs", minimum=1)
    if not (0 <= n_diverged <= n_runs and 0 <= n_low <= n_runs - n_diverged):
        raise ValueError(f"failure_text: {n_diverged} diverged and {n_low} low of {n_runs}")
    below = f"ended below {100 * floor:.0f}%"
    rest = n_runs - n_diverged
    if n_diverged == 0:
        return f"{model}: {n_low} of {n_runs} runs {below}"
    if n_diverged == n_runs:
        return f"{model}: all {n_runs} runs diverged"
    head = f"{model}: {n_diverged} of {n_runs} runs diverged"
    if n_low == 0:
        return head
    if n_low == rest:
        tail = (f"the other one {below}" if rest == 1 else
                f"the other {rest} all {below}")
    else:
        tail = f"{n_low} of the other {rest} {below}"
    return f"{head}, and {tail}"


def ratio_sides_text(sides, subject: str = "a CD epoch", reference: str = "a dense one") -> str:
    """What a set of ratio intervals says about one comparison, counted.

    Parameters
    ----------
    sides : sequence of ``"faster"``, ``"slower"`` or ``"unsettled"``
        One per interval: below 1, above 1, or containing 1.
    subject, reference : str

    Returns
    -------
    str, e.g. ``"None of the four intervals excludes 1, so this grid does not settle whether
    a CD epoch is slower or faster than a dense one"``
    """
    from .report import number_word

    sides = list(sides)
    if not sides or set(sides) - {"faster", "slower", "unsettled"}:
        raise ValueError(f"ratio_sides_text: sides must be faster/slower/unsettled, got {sides}")
    n = len(sides)
    n_slow, n_fast = sides.count("slower"), sides.count("faster")
    every = "both" if n == 2 else f"all {number_word(n)}"
    if n_slow == n:
        return f"{every.capitalize()} intervals lie above 1: {subject} was slower than {reference}"
    if n_fast == n:
        return f"{every.capitalize()} intervals lie below 1: {subject} was faster than {reference}"
    unsettled = f"so this grid does not settle whether {subject} is slower or faster than {reference}"
    if n_slow + n_fast == 0:
        none = "Neither" if n == 2 else "None of the " + number_word(n)
        return f"{none} {'interval' if n == 2 else 'intervals'} excludes 1, {unsettled}"
    parts = [f"{k} above 1" for k in [n_slow] if k] + [f"{k} below 1" for k in [n_fast] if k]
    return (f"{number_word(n_slow + n_fast).capitalize()} of the {number_word(n)} intervals "
            f"exclude 1 ({' and '.join(parts)}), {unsettled}")


def p_text(p: float) -> str:
    """A p-value to two significant digits: ``"p = 0.052"``, or ``"p < 0.001"``.

    Parameters
    ----------
    p : float in [0, 1]

    Returns
    -------
    str
    """
    check_real(p, "p", low=0.0, high=1.0)
    return "p < 0.001" if p < 0.001 else f"p = {float(f'{p:.2g}'):g}"


def sci_text(x: float) -> str:
    """A positive number as ``"2.3 × 10⁸"`` (two significant digits; plain text).

    Parameters
    ----------
    x : float > 0

    Returns
    -------
    str
    """
    check_real(x, "x", low=0.0, low_open=True)
    mant, exp = f"{x:.1e}".split("e")
    sup = str(int(exp)).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))
    return f"10{sup}" if mant == "1.0" else f"{mant} × 10{sup}"


def kappa_verdict(pairs: dict, model_median, reference_median, *, level: float = 0.05,
                  reference: str = "dense") -> str:
    """The verdict on a per-seed κ comparison (:func:`kappa_pairs`), in words.

    No verdict while either median is at the ceiling (``None`` from :func:`kappa_summary`);
    otherwise a two-sided sign test over the seeds that decided (lower or higher; the
    undecided left out): the model's κ is ``"lower"`` or ``"higher"`` than the reference's
    only where that test gives p < ``level``.

    Parameters
    ----------
    pairs : dict from :func:`kappa_pairs`
    model_median, reference_median : float or None
    level : float, default 0.05
    reference : str

    Returns
    -------
    str, e.g. ``"no verdict (sign test, p = 1)"`` or ``"lower (sign test, p = 0.002)"``
    """
    from scipy.stats import binomtest

    for whose, median in (("its", model_median), (f"{reference}'s", reference_median)):
        if median is None:
            return f"no verdict: {whose} median is at the ceiling"
    k, m = pairs["lower"], pairs["lower"] + pairs["higher"]
    if m == 0:
        return "no verdict: no seed decided"
    p = binomtest(k, m, 0.5).pvalue
    word = ("lower" if k > m - k else "higher") if p < level else "no verdict"
    return f"{word} (sign test, {p_text(p)})"



# ----------------------------------------------------------------------------
# Command line: python -m cdnotes structured
# ----------------------------------------------------------------------------

def add_parser(subparsers):
    """Register ``structured`` on the ``python -m cdnotes`` sub-command parsers.

    Parameters
    ----------
    subparsers : the object returned by ``ArgumentParser.add_subparsers``

    Returns
    -------
    argparse.ArgumentParser
    """
    from ..cli import _out_path, _positive, _positive_int, _seed, _unit
    p = subparsers.add_parser(
        "structured", help="every structured layer in the paper's MLP at the CD budgets",
        description="Train the paper's 64-64-64 MLP with every structure of "
                    "cdnotes.structured.STRUCTURES in every linear layer, at the parameter "
                    "budgets of CD B=4 (2,380) and B=8 (1,296), plus the dense reference, on "
                    "digits and MNIST-1D (padded to 64 inputs), for every seed; write one JSON "
                    "record per (dataset, model, seed): test accuracy, seconds per epoch, the "
                    "last-layer Gauss-Newton κ, with configuration, versions and backend.")
    p.add_argument("--seeds", type=_seed, nargs="+", default=list(range(10)),
                   help="seeds (distinct integers >= 0; default: 0 ... 9)")
    p.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=list(DATASETS),
                   help="data sets (default: both)")
    p.add_argument("--structures", nargs="+", choices=list(STRUCTURES), default=None,
                   help="structures besides dense and CD (default: every registered one)")
    p.add_argument("--out", type=_out_path, default="structured.json",
                   help="output JSON file (default: structured.json)")
    p.add_argument("--epochs", type=_positive_int, default=25, help="epochs (default: 25)")
    p.add_argument("--lr", type=_positive, default=0.1, help="SGD learning rate (default: 0.1)")
    p.add_argument("--momentum", type=_unit, default=0.9, help="SGD momentum (default: 0.9)")
    p.add_argument("--batch-size", type=_positive_int, default=64,
                   help="mini-batch size (default: 64)")
    p.add_argument("--no-curvature", action="store_true",
                   help="skip the last-layer Gauss-Newton spectrum")
    p.add_argument("--quiet", action="store_true", help="print nothing, show no progress bar")
    p.set_defaults(func=run_cli, parser=p)
    return p


def run_cli(args) -> int:
    """Run ``python -m cdnotes structured`` with parsed ``args``; write the JSON.

    Parameters
    ----------
    args : argparse.Namespace from :func:`add_parser`'s parser

    Returns
    -------
    int, the exit status (0)
    """
    from ..results import environment_info, write_json_atomic

    for option, values in (("--seeds", args.seeds), ("--datasets", args.datasets),
                           ("--structures", args.structures or [])):
        if len(set(values)) != len(values):
            args.parser.error(f"argument {option}: values must be distinct; got "
                              f"{' '.join(map(str, values))}")
    config = TrainConfig(epochs=args.epochs, lr=args.lr, momentum=args.momentum,
                         batch_size=args.batch_size)
    show = sys.stderr.isatty() and not args.quiet
    start = time.perf_counter()
    records = run_structured_grid(args.datasets, args.structures, args.seeds, config=config,
                                  curvature=not args.no_curvature,
                                  progress=True if show else None)
    config_dict = {"epochs": config.epochs, "lr": config.lr, "momentum": config.momentum,
                   "batch_size": config.batch_size, "optimizer": config.optimizer,
                   "loss": config.loss, "seeds": list(args.seeds), "datasets": args.datasets,
                   "input_width": INPUT_WIDTH, "hidden": list(HIDDEN),
                   "curvature_rows": CURVATURE_ROWS, "budgets": cd_budgets(),
                   "structures": sorted({r["structure"] for r in records})}
    write_json_atomic(args.out, {"command": "structured", "argv": sys.argv[1:],
                                 "config": config_dict, "records": records,
                                 "environment": environment_info("numpy"),
                                 "wall_seconds": time.perf_counter() - start})
    if not args.quiet:
        for row in summarize_structured(records):
            a = row["accuracy"]
            acc = ("   –" if a is None else
                   f"{100 * a.mean:6.2f} % [{100 * a.low:.2f}, {100 * a.high:.2f}]")
            print(f"{row['dataset']:8s} {row['model']:16s} {row['n_params']:6d} params  {acc}  "
                  f"{1000 * row['epoch_seconds']:7.1f} ms/epoch  κ_GN {row['kappa_gn']:.3g}  "
                  f"diverged {row['n_diverged']}/{row['n']}")
        print(f"wrote {len(records)} records to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0
