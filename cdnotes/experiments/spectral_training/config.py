"""What the spectral-training experiment runs: its regimes, architectures, paper numbers and
the two configurations (:class:`SweepConfig` for ``python -m cdnotes spectral``,
:class:`ProbeConfig` for ``python -m cdnotes spectral-probes``)."""
from __future__ import annotations

from dataclasses import dataclass

from ...validation import check_choice, check_int

__all__ = ["REGIMES", "ARCHITECTURES", "ACTIVATIONS", "DATASETS", "INPUT_VARIANTS",
           "PAPER_TABLE1", "PAPER_PERCEPTRON", "INIT_MODELS", "SweepConfig", "ProbeConfig"]

REGIMES = ("constrained", "eigenvalues", "unconstrained", "eigenvalues+eigenvectors")
"""The paper's four training regimes, in the order of its Table 1."""

ARCHITECTURES = ("perceptron", "wide", "deep", "nonlinear")
"""The paper's architectures (see the module docstring)."""

DATASETS = ("digits", "mnist1d")

INPUT_VARIANTS = ("fixed", "trained")
"""Input-node eigenvalues of the multi-layer spectral models: fixed at 1 (the paper) or trained."""

PAPER_TABLE1 = {
    "constrained": {"wide": 87.8, "deep": 90.8, "nonlinear": 88.9},
    "eigenvalues": {"wide": 90.9, "deep": 91.5, "nonlinear": 93.5},
    "unconstrained": {"wide": 91.0, "deep": 91.2, "nonlinear": 96.4},
    "eigenvalues+eigenvectors": {"wide": 92.2, "deep": 91.8, "nonlinear": 97.3},
}
"""The paper's Table 1 (MNIST, best mean test accuracy in % over the widths explored)."""

PAPER_PERCEPTRON = {"constrained": (79.0, 3.0), "eigenvalues": (82.0, 2.0),
                    "unconstrained": (92.7, 0.1), "eigenvalues+eigenvectors": (92.5, 0.2)}
"""The paper's linear perceptron on MNIST (mean ± sd over 5 runs, %)."""

ACTIVATIONS = {"perceptron": [], "wide": [None], "deep": [None, None],
               "nonlinear": [None, "relu"]}
"""The activation after each hidden layer of every architecture (``None``: linear)."""

INIT_MODELS = ("unconstrained", "unconstrained, spectral init", "eigenvalues+eigenvectors",
               "eigenvalues+eigenvectors, He-scaled φ")
"""The four models of :func:`~cdnotes.experiments.spectral_training.init_probe`."""

@dataclass(frozen=True)
class SweepConfig:
    """What :func:`run_spectral_training` runs (defaults: the committed sweep).

    Attributes
    ----------
    datasets : tuple of {"digits", "mnist1d"}
    seeds : tuple of int
        One training run per seed and configuration (model initialisation, batch order and
        the constrained subset derive from it).
    epochs, batch_size : int; lr_linear, lr_nonlinear : float
        The paper's settings (AdaMax).
    wide : tuple of int
        ``N₂`` of the wide linear models.
    deep : tuple of (int, int)
        ``(N₂, N₃)`` of the deep linear models.
    nonlinear : tuple of int
        ``N₂`` of the non-linear models; ``n3`` their ReLU layer's width.
    biases : tuple of bool
    input_eigenvalues : tuple of {"fixed", "trained"}
        The variants run (:data:`INPUT_VARIANTS`).
    architectures : tuple of str
        The architectures run (:data:`ARCHITECTURES`).
    cd_block_sizes : tuple of int
        Block sizes of the CDLinear perceptrons of :func:`run_cd_link`.
    curvature_samples : int
        Training samples the Gauss-Newton matrices are computed on.
    split_seed : int
        The digits split.
    """

    datasets: tuple = DATASETS
    seeds: tuple = (0, 1, 2, 3, 4)
    epochs: int = 20
    batch_size: int = 300
    lr_linear: float = 0.03
    lr_nonlinear: float = 0.01
    wide: tuple = (10, 30, 100, 300)
    deep: tuple = ((30, 10), (100, 30))
    nonlinear: tuple = (30, 100)
    n3: int = 120
    biases: tuple = (False, True)
    input_eigenvalues: tuple = ("fixed",)
    architectures: tuple = ARCHITECTURES
    cd_block_sizes: tuple = (4, 8)
    curvature_samples: int = 1000
    split_seed: int = 0

    def __post_init__(self):
        for d in self.datasets:
            check_choice(d, "dataset", DATASETS)
        if not self.input_eigenvalues or not self.architectures:
            raise ValueError("input_eigenvalues and architectures must name at least one value")
        for v in self.input_eigenvalues:
            check_choice(v, "input_eigenvalues", INPUT_VARIANTS)
        for a in self.architectures:
            check_choice(a, "architecture", ARCHITECTURES)
        if not self.seeds:
            raise ValueError("seeds must name at least one seed")
        for s in self.seeds:
            check_int(s, "each seed", minimum=0)
        check_int(self.epochs, "epochs", minimum=1)
        check_int(self.batch_size, "batch_size", minimum=1)
        for w in list(self.wide) + list(self.nonlinear) + [self.n3] + [
                v for pair in self.deep for v in pair]:
            check_int(w, "each width", minimum=1)
        for B in self.cd_block_sizes:
            check_int(B, "each block size", minimum=1)
        check_int(self.curvature_samples, "curvature_samples", minimum=1)

    def configurations(self):
        """``[(architecture, hidden widths, activations)]`` of the sweep, in order.

        Returns
        -------
        list of tuples
        """
        out = [("perceptron", (), [])]
        out += [("wide", (w,), [None]) for w in self.wide]
        out += [("deep", tuple(pair), [None, None]) for pair in self.deep]
        out += [("nonlinear", (w, self.n3), [None, "relu"]) for w in self.nonlinear]
        return [c for c in out if c[0] in self.architectures]


@dataclass(frozen=True)
class ProbeConfig:
    """What :func:`run_probes` runs (defaults: the committed probes).

    Attributes
    ----------
    datasets, seeds, epochs, batch_size, lr_linear, lr_nonlinear, n3, split_seed
        As in :class:`SweepConfig` (the paper's settings).
    init_widths : tuple of int
        ``N₂`` of the non-linear models of the initialisation probe (:func:`init_probe`).
    compact_configs : tuple of (architecture, hidden)
        The configurations trained with ``transfer="compact"`` (Λ only and Λ and Φ, no
        bias, input eigenvalues fixed): the sweep has the same ones with ``"inverse"``.
    overfit_widths : tuple of int
        ``N₂`` of the non-linear models added for the train–test gap against ``N₂`` (the
        four regimes, no bias, input eigenvalues fixed).
    from_one_configs : tuple of (architecture, hidden)
        Trained input eigenvalues started at 1 (the fixed variant's value) instead of
        ``U[−0.01, 0.01]``: Λ only and Λ and Φ, no bias.
    """

    datasets: tuple = DATASETS
    seeds: tuple = (0, 1, 2, 3, 4)
    epochs: int = 20
    batch_size: int = 300
    lr_linear: float = 0.03
    lr_nonlinear: float = 0.01
    n3: int = 120
    split_seed: int = 0
    init_widths: tuple = (30, 100)
    compact_configs: tuple = (("perceptron", ()), ("wide", (100,)), ("nonlinear", (100, 120)))
    overfit_widths: tuple = (10, 300)
    from_one_configs: tuple = (("wide", (100,)), ("deep", (100, 30)), ("nonlinear", (100, 120)))

    def __post_init__(self):
        SweepConfig(datasets=self.datasets, seeds=self.seeds, epochs=self.epochs,
                    batch_size=self.batch_size, n3=self.n3)            # validates those
        for w in list(self.init_widths) + list(self.overfit_widths):
            check_int(w, "each width", minimum=1)
        for arch, _ in tuple(self.compact_configs) + tuple(self.from_one_configs):
            check_choice(arch, "architecture", ARCHITECTURES)

    def sweep(self, **changes) -> SweepConfig:
        """The :class:`SweepConfig` with these settings (and ``changes``)."""
        fields = dict(datasets=self.datasets, seeds=self.seeds, epochs=self.epochs,
                      batch_size=self.batch_size, lr_linear=self.lr_linear,
                      lr_nonlinear=self.lr_nonlinear, n3=self.n3, split_seed=self.split_seed)
        fields.update(changes)
        return SweepConfig(**fields)
