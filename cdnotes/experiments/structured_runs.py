"""CD among structured matrices (chapter 10): the models and their seeded runs.

* :func:`structured_models` — the models: dense, CD B=4 and B=8, and every other structure
  of :data:`cdnotes.structured.STRUCTURES` with its option chosen by
  :func:`cdnotes.structured.match_budget` for each CD budget (``matched`` says whether the
  count is within ±10%; a structure without a fitting option is kept at its closest count).
* :func:`load_dataset` — digits (64 pixels) or MNIST-1D (40 values, :func:`pad_inputs` to
  64), so every model is ``64 -> 64 -> 64 -> out`` (the paper's shape; square structures
  keep 10 of 64 outputs, as the CD models keep 10 of 12 or 16).
* :func:`run_structured` / :func:`run_structured_grid` — one seeded run per (dataset, model,
  seed): test accuracy, training seconds per epoch, the last-layer Gauss-Newton κ on its
  range (:func:`cdnotes.curvature.last_layer_gauss_newton`).
* :func:`structured_jobs`, :func:`structured_settings`, :func:`structured_job` — the same
  runs as a sweep of :mod:`cdnotes.engine` (``python -m cdnotes structured``);
  :func:`load_structured_results` reads a results file of either layout.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from ..conditioning import condition_number
from ..curvature import last_layer_gauss_newton
from ..curvature.products import blas_limit
from ..mlp import make_mlp, paper_model
from ..structured import STRUCTURES, match_budget
from ..train import TrainConfig, accuracy, train
from ..validation import check_choice, check_int

__all__ = ["DATASETS", "INPUT_WIDTH", "HIDDEN", "CURVATURE_ROWS", "MNIST1D_BASELINES",
           "FAILURE_FLOOR", "KAPPA_CUTOFF", "RESULTS_NAME", "cd_budgets", "ModelSpec",
           "structured_models", "pad_inputs", "load_dataset", "last_layer_gauss_newton",
           "run_structured", "run_structured_grid", "structured_settings", "structured_jobs",
           "structured_job", "load_structured_results"]

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
RESULTS_NAME = "structured_digits_mnist1d"
"""The committed results file in :mod:`cdnotes.measurements`."""


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




def pad_inputs(X, width: int = INPUT_WIDTH):
    """``X`` with zero columns appended up to ``width`` features.

    Parameters
    ----------
    X : numpy array ``(N, d)``, ``d <= width``
    width : int, default :data:`INPUT_WIDTH`

    Returns
    -------
    numpy array ``(N, width)``
    """
    return np.concatenate([X, np.zeros((X.shape[0], width - X.shape[1]))], axis=1)


def load_dataset(name: str, split_seed: int = 0):
    """A data set with ``INPUT_WIDTH`` features (:func:`cdnotes.data.load_dataset`, padded).

    Parameters
    ----------
    name : {"digits", "mnist1d"}
    split_seed : int
        The digits split (:func:`cdnotes.data.digits_split`); MNIST-1D has a fixed split.

    Returns
    -------
    X_train ``(N, 64)``, X_test ``(M, 64)``, y_train ``(N,)``, y_test ``(M,)``
    """
    from ..data import load_dataset as load

    check_choice(name, "dataset", DATASETS)
    X_train, X_test, y_train, y_test = load(name, split_seed)
    if name == "digits":
        return X_train, X_test, y_train, y_test
    return pad_inputs(X_train), pad_inputs(X_test), y_train, y_test


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



def structured_settings(config: TrainConfig = TrainConfig(), curvature: bool = True) -> dict:
    """The settings every job of a ``structured`` sweep shares (JSON-ready).

    Parameters
    ----------
    config : TrainConfig; curvature : bool

    Returns
    -------
    dict with ``config`` (the TrainConfig's fields), ``curvature``, ``input_width``,
    ``hidden``, ``curvature_rows``, ``budgets``
    """
    return {"config": asdict(config), "curvature": bool(curvature), "input_width": INPUT_WIDTH,
            "hidden": list(HIDDEN), "curvature_rows": CURVATURE_ROWS, "budgets": cd_budgets()}


def structured_jobs(datasets=DATASETS, structures=None, seeds=range(10)) -> list:
    """One job per (dataset, model, seed): ``{"dataset", "structure", "model", "seed"}``.

    Seeds outside, models inside (as :func:`run_structured_grid`): run one after another,
    every model's timings are spread over the whole run.

    Parameters
    ----------
    datasets : iterable of {"digits", "mnist1d"}
    structures : iterable of str, optional (see :func:`structured_models`)
    seeds : iterable of int >= 0

    Returns
    -------
    list of dict
    """
    specs = structured_models(structures)
    return [{"dataset": d, "structure": spec.structure, "model": spec.name, "seed": int(s)}
            for d in datasets for s in seeds for spec in specs]


@lru_cache(maxsize=None)
def _spec(structure: str, name: str) -> ModelSpec:
    for spec in structured_models([structure]):
        if spec.name == name:
            return spec
    raise ValueError(f"no model {name!r} of structure {structure!r}")


@lru_cache(maxsize=2)
def _data(dataset: str):
    return load_dataset(dataset)


def structured_job(job: dict, settings: dict) -> dict:
    """Run one job of :func:`structured_jobs` (the engine's ``run_job``).

    Parameters
    ----------
    job : dict ``{"dataset", "structure", "model", "seed"}``
    settings : dict from :func:`structured_settings`

    Returns
    -------
    dict, :func:`run_structured`'s record
    """
    config = TrainConfig(**settings["config"])
    with blas_limit(np, 1):           # one BLAS thread: the same record however spread
        return run_structured(_spec(job["structure"], job["model"]), job["dataset"], job["seed"],
                              config=config, data=_data(job["dataset"]),
                              curvature=settings["curvature"])


def load_structured_results(source=RESULTS_NAME) -> dict:
    """A ``structured`` results file in the committed layout, whichever layout it has.

    Parameters
    ----------
    source : measurement name, path or dict (:func:`~cdnotes.experiments.result_files.\
read_results`), default the committed :data:`RESULTS_NAME`

    Returns
    -------
    dict with ``command``, ``argv``, ``config`` (``epochs``, ``lr``, ``momentum``,
    ``batch_size``, ``optimizer``, ``loss``, ``seeds``, ``datasets``, ``input_width``,
    ``hidden``, ``curvature_rows``, ``budgets``, ``structures``), ``records``,
    ``environment``, ``wall_seconds``
    """
    from .result_files import committed_view, is_sweep_document, job_values, read_results

    doc = read_results(source)
    if not is_sweep_document(doc):
        return doc
    s, records = doc["settings"], doc["records"]
    config = {key: s["config"][key] for key in ("epochs", "lr", "momentum", "batch_size",
                                                "optimizer", "loss")}
    config.update(seeds=job_values(records, "seed"), datasets=job_values(records, "dataset"),
                  input_width=s["input_width"], hidden=s["hidden"],
                  curvature_rows=s["curvature_rows"], budgets=s["budgets"],
                  structures=sorted(set(job_values(records, "structure"))))
    return committed_view(doc, config, command_text=False)
