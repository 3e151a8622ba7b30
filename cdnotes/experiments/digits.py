"""The digits experiment of the paper (§VI): one seeded run per (model, seed), typed records.

* :func:`run_digits` — train one paper model on the digits split; a :class:`DigitsRecord`.
* :func:`run_digits_grid` — :func:`run_digits` for every (model, seed) on one split.
* :func:`run_table1` — the same as JSON-ready dicts (what ``python -m cdnotes table1`` writes).
* Summaries: :func:`summarize` (mean, std, n per model), :func:`accuracy_estimates`
  (mean with a Student-t interval), :func:`paired_gap` (difference of two models, seed by
  seed), :func:`subset_means` (what disjoint groups of a few seeds would have reported),
  :func:`reading_summary` / :func:`kappa_reading_summaries` (median, geometric mean and
  range of a κ reading), :func:`curvature_summaries` (the exact Hessians, run by run).

Seeds are explicit arguments: chapters pass ``cdnotes.seeds.seeds(range(20))`` and
``cdnotes.seeds.seed(0)`` so that ``CDNOTES_SEED_OFFSET`` moves every one of them.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from ..backend import to_numpy
from ..conditioning import Conditioning
from ..curvature import (dead_units, last_layer_spectrum, logit_hessian_spectrum,
                         paper_kappa_readings, softmax_outputs)
from ..curvature import layer_inputs
from ..data import digits_split
from ..mlp import PAPER_MODELS, paper_model
from ..stats import Estimate, geometric_mean, mean_ci, paired_difference_ci
from ..train import TrainConfig, accuracy, train
from ..validation import check_choice, check_int, check_real

__all__ = ["PAPER_TABLE1", "CURVATURE_LEVELS", "CONFIDENT_PROBABILITY", "READINGS", "KappaReadings",
           "zero_input_blocks",
           "DigitsRecord", "run_digits", "run_digits_grid", "run_table1", "summarize",
           "accuracy_estimates", "paired_gap", "subset_means", "ReadingSummary", "reading_summary",
           "CUTOFF_MARGIN_DECADES", "BULK_QUANTILE",
           "kappa_reading_summaries", "CurvatureSummary", "curvature_summaries", "epoch_gaps"]

PAPER_TABLE1 = {  # the paper's Table 1: test accuracy (%) mean ± std over seeds {0, 1, 2}, and κ
    "dense": {"n_params": 8970, "accuracy": 98.15, "accuracy_std": 0.47, "kappa": 5.9e6},
    "cd4": {"n_params": 2380, "accuracy": 97.50, "accuracy_std": 0.23, "kappa": 1.9e4},
    "cd8": {"n_params": 1296, "accuracy": 96.39, "accuracy_std": None, "kappa": 5.1e2},
}

CURVATURE_LEVELS = ("none", "readings", "full")
"""What :func:`run_digits` measures after training: nothing; the paper's κ readings and dead
units (milliseconds); those plus the exact last-layer and logit Hessian spectra (tenths of a
second per run)."""

CONFIDENT_PROBABILITY = 0.999
"""A training digit is "confidently classified" when its largest softmax output exceeds this."""


def _float(value) -> float:
    """A float from a number or from the strings ``"inf"``/``"nan"`` that the JSON writer uses."""
    return float(value)


def _floats(values) -> tuple:
    return tuple(_float(v) for v in values)


@dataclass(frozen=True)
class KappaReadings:
    """The paper's κ under each reading of its definition, and dead ReLU units.

    See :func:`cdnotes.curvature.paper_kappa_readings`; ``circulant_spectrum`` is ``nan``
    for a dense model (it has no circulant blocks); ``dead_units`` counts, per hidden
    layer, the ReLU outputs that are zero on every training digit; ``zero_input_blocks``
    counts, per linear layer, the blocks of ``B`` consecutive inputs that are all zero on
    every training digit — exactly the case in which Theorem 1's values have a zero and
    ``theorem1_inputs`` is ``inf`` (for a dense layer, ``B = 1``: single inputs). Each κ is
    ``inf`` where its denominator is exactly zero.

    Attributes
    ----------
    weights_sv : float
        Mean over layers of ``σ²_max/σ²_min`` of the weight matrix.
    theorem1_inputs : float
        Mean over layers of max/min of Theorem 1's values on each layer's inputs.
    circulant_spectrum : float
        Mean over layers of max/min of ``|FFT(c_ij)(k)|²``; ``nan`` for a dense model.
    dead_units : tuple of int
        One count per hidden ReLU layer.
    zero_input_blocks : tuple of int
        One count per linear layer (empty when not measured, e.g. an older JSON record).
    """

    weights_sv: float
    theorem1_inputs: float
    circulant_spectrum: float
    dead_units: tuple
    zero_input_blocks: tuple = ()


@dataclass(frozen=True)
class DigitsRecord:
    """One training run of a paper model on the digits split (everything a chapter reads).

    Accuracies are fractions in [0, 1]. ``test_accuracy`` holds the value after every epoch
    (empty when the run evaluated only at the end); ``epoch_seconds`` is the wall time of
    each epoch's mini-batch updates only (no evaluation, no curvature). ``kappa``,
    ``hessian`` and the eigenvalue tuples are ``None`` when the run's curvature level
    did not measure them.

    Attributes
    ----------
    model : str
        ``"dense"``, ``"cd4"`` or ``"cd8"``.
    seed : int
        Seed of the initial weights, dropout masks and batch order.
    split_seed : int
        Seed of the stratified 1437/360 train/test split.
    n_params : int
        Trainable parameters of the model.
    dropout : float
        Dropout rate after each hidden ReLU, in [0, 1).
    config : TrainConfig
    final_test_accuracy : float
        Test accuracy after training, in [0, 1].
    test_accuracy : tuple of float
        After every epoch (empty if evaluated only at the end).
    train_loss : tuple of float
        Mean mini-batch loss of every epoch (including any penalty).
    epoch_seconds : tuple of float
        Wall time of every epoch's updates, seconds.
    curvature : {"none", "readings", "full"}
        What was measured after training (:data:`CURVATURE_LEVELS`).
    kappa : KappaReadings or None
        With ``"readings"`` or ``"full"``.
    hessian : Conditioning or None
        Of the exact last-layer Hessian on the training digits (``"full"``).
    last_layer_eigenvalues : tuple of float or None
        That Hessian's ``P`` eigenvalues, ascending, ``P`` the last layer's parameters
        (``"full"``).
    logit_eigenvalues : tuple of float or None
        The ``n_classes`` eigenvalues, ascending, of the mean cross-entropy Hessian with
        respect to the logits (``"full"``).
    confident_fraction : float or None
        Fraction of training digits whose largest softmax output exceeds
        :data:`CONFIDENT_PROBABILITY` (``"full"``).
    """

    model: str
    seed: int
    split_seed: int
    n_params: int
    dropout: float
    config: TrainConfig
    final_test_accuracy: float
    test_accuracy: tuple
    train_loss: tuple
    epoch_seconds: tuple
    curvature: str = "none"
    kappa: KappaReadings | None = None
    hessian: Conditioning | None = None
    last_layer_eigenvalues: tuple | None = None
    logit_eigenvalues: tuple | None = None
    confident_fraction: float | None = None

    @property
    def accuracy_percent(self) -> float:
        """Final test accuracy in percent."""
        return 100.0 * self.final_test_accuracy

    @property
    def circulant_kappa(self) -> float:
        """max/min of ``|FFT(c_ij)(k)|²`` averaged over layers (``nan`` for dense)."""
        return self._need("kappa").circulant_spectrum

    @property
    def hessian_kappa(self) -> float:
        """κ of the non-zero part of the exact last-layer Hessian."""
        return self._need("hessian").kappa_nonzero

    def logit_nonzero(self, rtol: float = 1e-12) -> np.ndarray:
        """The logit Hessian's eigenvalues above ``rtol × λ_max`` (nine for ten classes)."""
        ev = np.asarray(self._need("logit_eigenvalues"))
        return ev[ev > rtol * ev.max()]

    def _need(self, name):
        value = getattr(self, name)
        if value is None:
            raise ValueError(f"this record has no {name!r}: it was run with curvature={self.curvature!r}")
        return value

    def to_json(self) -> dict:
        """A JSON-ready dict (the layout ``python -m cdnotes table1`` writes); see :meth:`from_json`."""
        out = {"model": self.model, "seed": self.seed, "split_seed": self.split_seed,
               "n_params": self.n_params, "dropout": self.dropout, "config": asdict(self.config),
               "test_accuracy": list(self.test_accuracy),
               "final_test_accuracy": self.final_test_accuracy,
               "train_loss": list(self.train_loss), "epoch_seconds": list(self.epoch_seconds),
               "curvature": self.curvature}
        if self.kappa is not None:
            k = self.kappa
            out["kappa"] = {"weights_sv": k.weights_sv, "theorem1_inputs": k.theorem1_inputs,
                            "circulant_spectrum": k.circulant_spectrum,
                            "dead_units": list(k.dead_units),
                            "zero_input_blocks": list(k.zero_input_blocks)}
            if self.hessian is not None:
                out["kappa"]["last_layer_hessian"] = asdict(self.hessian)
        for name in ("last_layer_eigenvalues", "logit_eigenvalues"):
            if getattr(self, name) is not None:
                out[name] = list(getattr(self, name))
        if self.confident_fraction is not None:
            out["confident_fraction"] = self.confident_fraction
        return out

    @classmethod
    def from_json(cls, data: dict) -> "DigitsRecord":
        """The record back from :meth:`to_json`'s dict (or that dict read from a JSON file).

        Non-finite numbers may be the strings ``"inf"``/``"nan"`` (as
        :func:`cdnotes.results.write_json_atomic` writes them). Extra keys (such as the
        CLI's ``environment``) are ignored.

        Raises
        ------
        ValueError
            If a required key is missing.
        """
        required = ("model", "seed", "split_seed", "n_params", "dropout", "config",
                    "final_test_accuracy", "test_accuracy", "train_loss", "epoch_seconds")
        missing = [key for key in required if key not in data]
        if missing:
            raise ValueError(f"not a digits record: missing keys {missing}")
        kappa = hessian = None
        if "kappa" in data:
            k = data["kappa"]
            kappa = KappaReadings(_float(k["weights_sv"]), _float(k["theorem1_inputs"]),
                                  _float(k["circulant_spectrum"]),
                                  tuple(int(n) for n in k.get("dead_units", ())),
                                  tuple(int(n) for n in k.get("zero_input_blocks", ())))
            if "last_layer_hessian" in k:
                h = k["last_layer_hessian"]
                hessian = Conditioning(**{f.name: (int(h[f.name]) if f.name in ("n_zero", "n")
                                                   else _float(h[f.name]))
                                          for f in fields(Conditioning)})
        level = data.get("curvature", "full" if hessian is not None else
                         "readings" if kappa is not None else "none")
        optional = {name: _floats(data[name]) if name in data else None
                    for name in ("last_layer_eigenvalues", "logit_eigenvalues")}
        confident = data.get("confident_fraction")
        return cls(model=data["model"], seed=int(data["seed"]), split_seed=int(data["split_seed"]),
                   n_params=int(data["n_params"]), dropout=_float(data["dropout"]),
                   config=TrainConfig(**data["config"]),
                   final_test_accuracy=_float(data["final_test_accuracy"]),
                   test_accuracy=_floats(data["test_accuracy"]),
                   train_loss=_floats(data["train_loss"]),
                   epoch_seconds=_floats(data["epoch_seconds"]), curvature=level, kappa=kappa,
                   hessian=hessian, confident_fraction=None if confident is None else _float(confident),
                   **optional)


def zero_input_blocks(model, X) -> list:
    """Per linear layer, the blocks of ``B`` consecutive inputs that are zero for every row of ``X``.

    Such a block makes Theorem 1's values ``Σ_n |FFT(X_{n,j})(k)|²`` zero at every ``k``
    (and only such a block can, for inputs that are not cancelled exactly); for a dense
    layer (``B = 1``) it is a single input that is always zero.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
    X : array ``(N, n_in)``, real floating, finite

    Returns
    -------
    list of int, one per linear layer
    """
    trace = layer_inputs(model, X)                  # checks the model and X first
    linear = {id(layer) for layer in model.linear_layers}
    counts = []
    for layer, H in trace[:-1]:
        if id(layer) in linear:
            blocks = np.asarray(to_numpy(H)).reshape(H.shape[0], -1, layer.block_size)
            counts.append(int(np.sum(np.all(blocks == 0, axis=(0, 2)))))
    return counts


def _curvature_level(curvature) -> str:
    if curvature is True:
        return "full"
    if curvature is False:
        return "none"
    return check_choice(curvature, "curvature", CURVATURE_LEVELS)


def run_digits(model_name: str, seed: int, *, config: TrainConfig = TrainConfig(), dropout=0.0,
               split_seed: int = 0, curvature="full", per_epoch: bool = True,
               data=None) -> DigitsRecord:
    """Train one paper model on the digits split; one :class:`DigitsRecord`.

    Parameters
    ----------
    model_name : ``"dense"``, ``"cd4"`` or ``"cd8"`` (:data:`cdnotes.mlp.PAPER_MODELS`).
    seed : int
        Fixes the initial weights, the dropout masks and the batch order.
    config : :class:`~cdnotes.train.TrainConfig`
        Epochs, SGD settings, loss and the Fisher penalty (``fisher``, ``fisher_eps``).
    dropout : float
        Shannon dropout rate after each hidden ReLU (0 = none).
    split_seed : int
        Fixes the stratified 1437/360 split (ignored when ``data`` is given).
    curvature : ``"none"``, ``"readings"``, ``"full"`` (or ``False``/``True`` for none/full)
        What is measured on the training digits after training (:data:`CURVATURE_LEVELS`).
    per_epoch : bool
        Evaluate the test accuracy after every epoch (Figure 1); ``False`` evaluates it
        once at the end, which halves the cost of a run. The final accuracy is the same.
    data : optional ``(X_train, X_test, y_train, y_test)`` of ``digits_split(split_seed)``,
        to avoid reloading it for every run.

    Returns
    -------
    DigitsRecord
    """
    level = _curvature_level(curvature)
    seed = check_int(seed, "seed", minimum=0)
    split_seed = check_int(split_seed, "split_seed", minimum=0)
    dropout = check_real(dropout, "dropout", low=0.0, high=1.0, high_open=True)
    X_train, X_test, y_train, y_test = digits_split(split_seed) if data is None else data
    model = paper_model(model_name, seed=seed, dropout=dropout)
    if per_epoch:
        history = train(model, X_train, y_train, X_test, y_test, config=config, seed=seed)
        final = history.final_test_accuracy
    else:
        history = train(model, X_train, y_train, config=config, seed=seed)
        final = accuracy(model, X_test, y_test)
    extra = {}
    if level != "none":
        r = paper_kappa_readings(model, X_train)
        extra["kappa"] = KappaReadings(r["weights_sv"], r["theorem1_inputs"], r["circulant_spectrum"],
                                       tuple(dead_units(model, X_train)),
                                       tuple(zero_input_blocks(model, X_train)))
    if level == "full":
        ev, extra["hessian"] = last_layer_spectrum(model, X_train)
        extra["last_layer_eigenvalues"] = _floats(ev)
        extra["logit_eigenvalues"] = _floats(logit_hessian_spectrum(model, X_train))
        _, p = softmax_outputs(model, X_train)
        extra["confident_fraction"] = float(np.mean(p.max(axis=1) > CONFIDENT_PROBABILITY))
    return DigitsRecord(model=model_name, seed=seed, split_seed=split_seed, n_params=model.n_params,
                        dropout=dropout, config=config, final_test_accuracy=float(final),
                        test_accuracy=_floats(history.test_accuracy),
                        train_loss=_floats(history.train_loss),
                        epoch_seconds=_floats(history.epoch_seconds), curvature=level, **extra)


def _progress(items, progress, desc):
    if progress is False:
        return items
    from tqdm.auto import tqdm
    return tqdm(items, desc=desc, disable=progress is None)


def run_digits_grid(models=tuple(PAPER_MODELS), seeds=(0, 1, 2), *,
                    config: TrainConfig = TrainConfig(), dropout=0.0, split_seed: int = 0,
                    curvature="full", per_epoch: bool = True, progress=False) -> list:
    """:func:`run_digits` for every (model, seed) on one split; a list of :class:`DigitsRecord`.

    ``progress``: ``False`` (nothing), ``True`` (a progress bar) or ``None`` (a disabled one).

    Parameters
    ----------
    models : iterable of str, default every model of :data:`cdnotes.mlp.PAPER_MODELS`
    seeds : iterable of int, default (0, 1, 2)
    config, dropout, split_seed, curvature, per_epoch
        As for :func:`run_digits` (the split is loaded once).
    progress : bool or None, default False

    Returns
    -------
    list of DigitsRecord
        Model-major: every seed of the first model, then of the next.
    """
    data = digits_split(check_int(split_seed, "split_seed", minimum=0))
    runs = [(m, s) for m in models for s in seeds]
    return [run_digits(m, s, config=config, dropout=dropout, split_seed=split_seed,
                       curvature=curvature, per_epoch=per_epoch, data=data)
            for m, s in _progress(runs, progress, "training")]


def run_table1(models=tuple(PAPER_MODELS), seeds=(0, 1, 2), *, config: TrainConfig = TrainConfig(),
               dropout=0.0, split_seed: int = 0, curvature=True, progress=False) -> list:
    """:func:`run_digits_grid` as JSON-ready dicts (:meth:`DigitsRecord.to_json`), for the CLI.

    Parameters
    ----------
    models, seeds, config, dropout, split_seed, curvature, progress
        As for :func:`run_digits_grid`.

    Returns
    -------
    list of dict
    """
    return [r.to_json() for r in run_digits_grid(models, seeds, config=config, dropout=dropout,
                                                 split_seed=split_seed, curvature=curvature,
                                                 progress=progress)]


def _records(records) -> list:
    return [r if isinstance(r, DigitsRecord) else DigitsRecord.from_json(r) for r in records]


def _by_model(records) -> dict:
    out = {}
    for r in _records(records):
        out.setdefault(r.model, []).append(r)
    return out


def summarize(records) -> dict:
    """Mean, std (ddof=1) and count of the final test accuracy (%) per model, in first-seen order.

    Parameters
    ----------
    records : list of :class:`DigitsRecord` or of their JSON dicts

    Returns
    -------
    dict ``{model: {"mean", "std", "n"}}``
    """
    out = {}
    for name, runs in _by_model(records).items():
        acc = np.array([r.accuracy_percent for r in runs])
        out[name] = {"mean": float(acc.mean()), "std": float(acc.std(ddof=1)) if acc.size > 1 else 0.0,
                     "n": int(acc.size)}
    return out


def accuracy_estimates(records, level: float = 0.95) -> dict:
    """Per model, the mean final test accuracy (%) with its Student-t interval (:func:`~cdnotes.stats.mean_ci`).

    Parameters
    ----------
    records : list of DigitsRecord or of their JSON dicts
        At least two runs per model.
    level : float in (0, 1), default 0.95

    Returns
    -------
    dict
        ``{model: Estimate}``, in first-seen order.
    """
    return {name: mean_ci([r.accuracy_percent for r in runs], level)
            for name, runs in _by_model(records).items()}


def _paired(a_runs, b_runs, what):
    a = {r.seed: r for r in a_runs}
    b = {r.seed: r for r in b_runs}
    if sorted(a) != sorted(b) or len(a) != len(a_runs) or len(b) != len(b_runs):
        raise ValueError(f"{what} must have the same seeds, each once; got {sorted(a)} and {sorted(b)}")
    if len({r.split_seed for r in (*a_runs, *b_runs)}) != 1:
        raise ValueError(f"{what} must share one data split")
    return [(a[s], b[s]) for s in sorted(a)]


def paired_gap(records, model_a: str, model_b: str, level: float = 0.95) -> Estimate:
    """``accuracy(model_a) − accuracy(model_b)`` in points, paired by seed, with its t interval.

    Parameters
    ----------
    records : list of DigitsRecord or of their JSON dicts
        The two models must have runs for the same seeds (each once, at least two) on one
        data split, else ``ValueError``.
    model_a, model_b : str
    level : float in (0, 1), default 0.95

    Returns
    -------
    Estimate
        Of the per-seed differences of final test accuracy, percentage points.
    """
    groups = _by_model(records)
    for name in (model_a, model_b):
        if name not in groups:
            raise ValueError(f"no records of model {name!r}; have {list(groups)}")
    pairs = _paired(groups[model_a], groups[model_b], f"{model_a} and {model_b}")
    return paired_difference_ci([a.accuracy_percent for a, _ in pairs],
                                [b.accuracy_percent for _, b in pairs], level)


def subset_means(records, size: int) -> list:
    """Mean accuracy (%) per model over disjoint groups of ``size`` consecutive seeds.

    The seeds present for every model, sorted, are cut into ``len // size`` groups (a
    remainder is dropped): what ``len // size`` independent replications of a
    ``size``-seed experiment would have reported.

    Parameters
    ----------
    records : list of DigitsRecord or of their JSON dicts
    size : int >= 1
        Seeds per group.

    Returns
    -------
    list of dict
        One ``{model: mean accuracy (%)}`` per group, in seed order (empty if fewer than
        ``size`` common seeds).
    """
    size = check_int(size, "size", minimum=1)
    groups = _by_model(records)
    common = sorted(set.intersection(*({r.seed for r in runs} for runs in groups.values())))
    out = []
    for start in range(0, len(common) - size + 1, size):
        chosen = set(common[start:start + size])
        out.append({name: float(np.mean([r.accuracy_percent for r in runs if r.seed in chosen]))
                    for name, runs in groups.items()})
    return out


@dataclass(frozen=True)
class ReadingSummary:
    """A κ reading over seeds: quartiles, geometric mean of the finite values, range, infinities.

    The quartiles count every run, infinite ones included (as the largest values), so a
    median or upper quartile is ``inf`` when enough runs are; ``geometric_mean`` is of the
    finite values only and ``None`` when there are none.

    Attributes
    ----------
    median : float
    lower_quartile, upper_quartile : float
        25th and 75th percentiles (linear interpolation between order statistics;
        ``inf`` where an infinite value enters).
    geometric_mean : float or None
        Of the finite values only.
    minimum, maximum : float
    n_inf : int
        Infinite values.
    n : int
        All values.
    """

    median: float
    geometric_mean: float | None
    minimum: float
    maximum: float
    n_inf: int
    n: int
    lower_quartile: float = math.nan
    upper_quartile: float = math.nan

    @property
    def n_finite(self) -> int:
        """Finite values."""
        return self.n - self.n_inf

    def position(self, value: float) -> str:
        """``"below"``, ``"inside"`` or ``"above"`` the interquartile range (ends inside)."""
        return ("below" if value < self.lower_quartile else
                "above" if value > self.upper_quartile else "inside")


def _quantile(sorted_values, q: float) -> float:
    """Linear-interpolation quantile of ascending values that may end in ``inf``."""
    position = q * (sorted_values.size - 1)
    lo, hi = int(np.floor(position)), int(np.ceil(position))
    a, b = sorted_values[lo], sorted_values[hi]
    if lo == hi or a == b:
        return float(a)
    if np.isinf(b):
        return math.inf
    return float(a + (position - lo) * (b - a))


def reading_summary(values) -> ReadingSummary:
    """:class:`ReadingSummary` of positive readings (``inf`` allowed, ``nan`` refused).

    Parameters
    ----------
    values : array-like of float > 0
        At least one (flattened); ``inf`` allowed.

    Returns
    -------
    ReadingSummary
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0 or np.any(np.isnan(v)) or np.any(v <= 0):
        raise ValueError("reading_summary needs at least one positive value (inf allowed, no nan)")
    finite = v[np.isfinite(v)]
    ordered = np.sort(v)
    return ReadingSummary(median=_quantile(ordered, 0.5),
                          geometric_mean=geometric_mean(finite) if finite.size else None,
                          minimum=float(v.min()), maximum=float(v.max()),
                          n_inf=int(np.sum(np.isinf(v))), n=int(v.size),
                          lower_quartile=_quantile(ordered, 0.25),
                          upper_quartile=_quantile(ordered, 0.75))



READINGS = ("weights_sv", "theorem1_inputs", "circulant_spectrum")
"""The paper's κ readings a :class:`KappaReadings` holds (see :func:`cdnotes.curvature.paper_kappa_readings`)."""


def kappa_reading_summaries(records) -> dict:
    """``{(model, reading): ReadingSummary}`` over each model's runs, for every reading in
    :data:`READINGS` that is defined for the model (a dense model has no circulant spectrum).

    Parameters
    ----------
    records : list of DigitsRecord or of their JSON dicts
        Every run measured with ``curvature="readings"`` or ``"full"``.

    Returns
    -------
    dict
        ``{(model, reading): ReadingSummary}``; a reading that is ``nan`` on every run of a
        model is left out.

    Raises
    ------
    ValueError
        If a run has no readings (``curvature="none"``).
    """
    out = {}
    for name, runs in _by_model(records).items():
        for key in READINGS:
            values = [getattr(r._need("kappa"), key) for r in runs]
            if not all(math.isnan(v) for v in values):
                out[name, key] = reading_summary(values)
    return out


@dataclass(frozen=True)
class CurvatureSummary:
    """One model's exact curvature over its runs with ``curvature="full"``, one entry per run.

    ``hessian_decades`` is ``log10`` of the last-layer Hessian's κ (non-zero part), which
    can be set by the zero threshold rather than by the spectrum: ``reaches_cutoff`` says
    where the smallest non-zero eigenvalue lies within :data:`CUTOFF_MARGIN_DECADES` of it,
    and ``bulk_decades`` measures the span inside the spectrum instead (``λ_max`` over the
    :data:`BULK_QUANTILE` quantile of the non-zero eigenvalues);
    ``n_zero`` its zero eigenvalues; ``dead_units`` the dead ReLUs of both hidden layers;
    ``logit_nonzero`` / ``logit_decades`` the non-zero eigenvalues of the logit Hessian and
    the decades they span; ``confident_percent`` the training digits classified with
    probability above :data:`CONFIDENT_PROBABILITY`.

    Attributes
    ----------
    seeds : tuple of int
        The runs' seeds, ascending; every other tuple follows this order.
    n_params_last : int
        Parameters of the last layer (the size of its Hessian).
    hessian_decades : tuple of float
        ``log10`` of the last-layer Hessian's κ on its non-zero part.
    reaches_cutoff : tuple of bool
        Whether that part runs down to within :data:`CUTOFF_MARGIN_DECADES` of the zero
        threshold (then ``hessian_decades`` measures the threshold, not the spectrum).
    bulk_decades : tuple of float
        ``log10(λ_max / q)``, ``q`` the :data:`BULK_QUANTILE` quantile of the non-zero
        eigenvalues.
    n_zero : tuple of int
        Zero eigenvalues of that Hessian.
    dead_units : tuple of int
        Dead ReLUs, summed over the hidden layers.
    logit_nonzero : tuple of int
        Number of non-zero logit-Hessian eigenvalues (above ``1e-12 × λ_max``).
    logit_decades : tuple of float
        ``log10(λ_max/λ_min)`` of those.
    confident_percent : tuple of float
        Percent of training digits classified with probability above
        :data:`CONFIDENT_PROBABILITY`.
    """

    seeds: tuple
    n_params_last: int
    hessian_decades: tuple
    reaches_cutoff: tuple
    bulk_decades: tuple
    n_zero: tuple
    dead_units: tuple
    logit_nonzero: tuple
    logit_decades: tuple
    confident_percent: tuple


CUTOFF_MARGIN_DECADES = 1.0
"""A spectrum "reaches" the zero threshold when its smallest non-zero eigenvalue is within
this many decades of it."""

BULK_QUANTILE = 0.1
"""The bulk of a spectrum: its non-zero eigenvalues from this quantile up."""


def _reaches_cutoff(h) -> bool:
    return bool(h.lambda_min_nonzero <= h.zero_threshold * 10 ** CUTOFF_MARGIN_DECADES)


def _bulk_decades(record) -> float:
    h = record.hessian
    ev = np.asarray(record.last_layer_eigenvalues)
    nonzero = ev[ev > h.zero_threshold]
    return float(np.log10(h.lambda_max / np.quantile(nonzero, BULK_QUANTILE)))


def curvature_summaries(records) -> dict:
    """``{model: CurvatureSummary}`` over the runs that measured the full curvature (others skipped).

    Parameters
    ----------
    records : list of DigitsRecord or of their JSON dicts

    Returns
    -------
    dict
        ``{model: CurvatureSummary}``; a model with no ``curvature="full"`` run is left out.
    """
    out = {}
    for name, runs in _by_model(records).items():
        full = sorted((r for r in runs if r.curvature == "full"), key=lambda r: r.seed)
        if not full:
            continue
        logit = [r.logit_nonzero() for r in full]
        out[name] = CurvatureSummary(
            seeds=tuple(r.seed for r in full), n_params_last=len(full[0].last_layer_eigenvalues),
            hessian_decades=tuple(float(np.log10(r.hessian_kappa)) for r in full),
            reaches_cutoff=tuple(_reaches_cutoff(r.hessian) for r in full),
            bulk_decades=tuple(_bulk_decades(r) for r in full),
            n_zero=tuple(r.hessian.n_zero for r in full),
            dead_units=tuple(sum(r.kappa.dead_units) for r in full),
            logit_nonzero=tuple(ev.size for ev in logit),
            logit_decades=tuple(float(np.log10(ev.max() / ev.min())) for ev in logit),
            confident_percent=tuple(100 * r.confident_fraction for r in full))
    return out


def epoch_gaps(records, a: str, b: str, metric: str = "log10_loss", level: float = 0.95) -> list:
    """Per epoch, ``a − b`` of a per-epoch metric, paired by seed, with a t interval.

    Parameters
    ----------
    records : list of DigitsRecord (or their JSON dicts), run with ``per_epoch=True``
    a, b : model names
    metric : {"log10_loss", "accuracy"}
        ``log10`` of the epoch's mean training loss, or the test accuracy after the epoch (%).
    level : float, default 0.95

    Returns
    -------
    list of :class:`~cdnotes.stats.Estimate`, one per epoch (epoch 1 first)
    """
    check_choice(metric, "metric", ("log10_loss", "accuracy"))
    runs = _by_model(records)

    def series(r):
        if metric == "accuracy":
            return 100.0 * np.asarray(r.test_accuracy)
        return np.log10(np.asarray(r.train_loss))

    va = {r.seed: series(r) for r in runs[a]}
    vb = {r.seed: series(r) for r in runs[b]}
    seeds = sorted(set(va) & set(vb))
    A, B = np.array([va[s] for s in seeds]), np.array([vb[s] for s in seeds])
    if A.ndim != 2 or A.shape[1] == 0:
        raise ValueError("epoch_gaps needs per-epoch values (runs with per_epoch=True)")
    return [paired_difference_ci(A[:, e], B[:, e], level) for e in range(A.shape[1])]


def table1_job(job: dict, settings: dict) -> dict:
    """One (model, seed) of ``python -m cdnotes table1`` for the sweep runner.

    Parameters
    ----------
    job : dict ``{"model": str, "seed": int}``
    settings : dict ``{"config": TrainConfig fields, "dropout", "split_seed", "curvature"}``

    Returns
    -------
    dict, :meth:`DigitsRecord.to_json` of :func:`run_digits`
    """
    from ..curvature.products import blas_limit

    with blas_limit(np, 1):           # one BLAS thread: the same record however spread
        return run_digits(job["model"], job["seed"], config=TrainConfig(**settings["config"]),
                          dropout=settings["dropout"], split_seed=settings["split_seed"],
                          curvature=settings["curvature"]).to_json()
