"""Spectral-domain training (Giambagli, Buffoni et al.) on digits and MNIST-1D.

The paper's four regimes — ``constrained`` (a dense network training only a seeded random
subset of its weights, as many as the spectral model trains eigenvalues; the others frozen
at their initial values), ``eigenvalues`` (Λ only), ``unconstrained`` (every weight) and
``eigenvalues+eigenvectors`` (Λ and Φ) — for its architectures:

``perceptron``   ``n → 10`` (Λ: ``lam_in`` and ``lam_out`` trained, ``n + 10`` eigenvalues)
``wide``         ``n → N₂ → 10``, one telescopic linear layer (Λ: ``N₂ + 10``, ``lam_in`` = 1)
``deep``         ``n → N₂ → N₃ → 10``, two telescopic layers
``nonlinear``    ``n → N₂ (linear) → N₃ ReLU → 10``; the linear layer is retracted after training

The paper fixes the input-node eigenvalues of every layer of a multi-layer model at 1;
:data:`INPUT_VARIANTS` runs that (``"fixed"``, the default) or trains them too
(``"trained"``, :func:`eigenvalue_count`). Every linear model is retracted
(:func:`cdnotes.spectral.retract`) and evaluated again; its retracted weights are compared
with the unconstrained model's of the same seed by the Wasserstein-1 distance. The CD link
puts a CDLinear perceptron, a spectral model, a constrained and a dense perceptron side by
side at matched trained-parameter counts, with the Gauss-Newton conditioning of each.

===============  ========================================================================
``config``       regimes, architectures, paper numbers, :class:`SweepConfig`, :class:`ProbeConfig`
``models``       :func:`build_model` per regime, :func:`cd_models`, the matched counts
``runs``         one run (:func:`run_one`, :func:`cd_link_run`, the probes) and the
                 sweeps' ``run_job`` functions
``sweep``        the jobs of ``python -m cdnotes spectral`` / ``spectral-probes`` and the
                 library functions running them (:func:`run_spectral_training`, …)
``analysis``     weight distances, the convex optimum, the set tied with the best
``summaries``    chapter 9's tables and comparisons
``document``     either layout of a results file as the committed one
                 (:func:`spectral_results`, :func:`probe_results`)
===============  ========================================================================
"""
from ...data import load_dataset
from .analysis import best_set, convex_optimum, weight_distances
from .config import (ACTIVATIONS, ARCHITECTURES, DATASETS, INIT_MODELS, INPUT_VARIANTS,
                     PAPER_PERCEPTRON, PAPER_TABLE1, REGIMES, ProbeConfig, SweepConfig)
from .document import probe_results, spectral_results
from .models import build_model, cd_models, constrained_counts, eigenvalue_count
from .runs import (cd_link_run, compact_run, init_probe, run_configuration, run_job, run_one,
                   run_probe_job)
from .summaries import (cd_link_summary, distance_summary, paired_comparison, regime_curves,
                        table1_rows, table1_summary)
from .sweep import (probe_jobs, probe_sweep, run_cd_link, run_probes, run_spectral_training,
                    run_table, spectral_jobs, spectral_settings, spectral_sweep)

__all__ = ["REGIMES", "ARCHITECTURES", "ACTIVATIONS", "DATASETS", "INPUT_VARIANTS",
           "PAPER_TABLE1", "PAPER_PERCEPTRON", "INIT_MODELS", "SweepConfig", "ProbeConfig",
           "load_dataset", "build_model", "eigenvalue_count", "constrained_counts", "run_one",
           "run_configuration", "cd_link_run", "compact_run", "run_job", "run_probe_job",
           "run_table", "weight_distances", "run_cd_link", "run_spectral_training",
           "table1_rows", "table1_summary", "regime_curves", "paired_comparison",
           "distance_summary", "cd_link_summary", "best_set", "init_probe", "run_probes",
           "convex_optimum", "cd_models", "spectral_results", "probe_results",
           "spectral_settings", "spectral_jobs", "spectral_sweep", "probe_jobs",
           "probe_sweep"]
