"""Whole-network curvature of dense vs CD CNNs and transformers on MNIST-1D
(``python -m cdnotes sequence-curvature``).

One job per (model, block size, LayerNorm, seed, state): a small model (:func:`build_model`;
the transformer with or without its LayerNorms, :func:`drop_layernorms`) at initialisation or
after a short Adam training, the exact Hessian and Gauss-Newton matrices of its mean
cross-entropy on a fixed evaluation batch (the first ``n_eval`` training sequences), their
eigenvalues (all of them when ``P <= full_max``, else Lanczos extremes and SLQ estimates) and
chapter 8's cutoff-robust measures (:func:`run_job`). :func:`summarize` gives medians over
seeds and the paired comparisons dense vs CD and with vs without LayerNorm, with no verdict on
a κ at its ceiling.
"""
from .models import (CD_MODELS, LAYERNORMS, MODELS, build_model, drop_layernorms,
                     model_structure)
from .runs import (MATRICES, STATES, evaluation_batch, run_job, run_sequence_curvature,
                   slq_estimates, spectra)
from .summary import (KAPPA_CUTOFFS, MEASURES, compare, comparisons, config_key, config_label,
                      measure_value, median_interval, summarize)

__all__ = ["MODELS", "CD_MODELS", "LAYERNORMS", "STATES", "MATRICES", "MEASURES",
           "KAPPA_CUTOFFS", "build_model", "drop_layernorms", "model_structure",
           "evaluation_batch", "slq_estimates", "spectra", "run_sequence_curvature", "run_job",
           "config_key",
           "config_label", "measure_value", "median_interval", "compare", "comparisons",
           "summarize"]
