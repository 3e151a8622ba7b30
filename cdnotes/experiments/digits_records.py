"""The digits experiment of the paper (§VI): the typed records of one run.

* :data:`PAPER_TABLE1` — the paper's Table 1; :data:`CURVATURE_LEVELS` — what a run measures;
* :class:`KappaReadings` — the paper's κ readings of one trained model;
* :class:`DigitsRecord` — one run (model, seed): accuracy and loss per epoch, timings, the
  readings and the exact last-layer Hessian, to and from JSON.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np

from ..conditioning import Conditioning
from ..train import TrainConfig

__all__ = ["PAPER_TABLE1", "CURVATURE_LEVELS", "CONFIDENT_PROBABILITY", "KappaReadings",
           "DigitsRecord"]

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
            raise ValueError(f"this record has no {name!r}: it was run with "
                             f"curvature={self.curvature!r}")
        return value

    def to_json(self) -> dict:
        """A JSON-ready dict (the layout ``python -m cdnotes table1`` writes); see
        :meth:`from_json`."""
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
                   hessian=hessian,
                   confident_fraction=None if confident is None else _float(confident),
                   **optional)
