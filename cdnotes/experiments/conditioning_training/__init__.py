"""Does conditioning matter for training? Learning-rate sweeps, sharpness, K-FAC, whitening.

The experiment of chapter 11 ("Does conditioning matter for training?"):

* :func:`run_training` — one seeded run (data set, model, optimizer, rate, whitening) as a
  :class:`TrainingRun`: per-epoch training loss, test accuracy and seconds, and whether it
  diverged; optionally the Gauss-Newton ``λ_max`` after every epoch (a sharpness curve);
* :func:`gauss_newton_lambda_max` — ``λ_max`` of the Gauss-Newton matrix by Lanczos;
* :func:`run_conditioning_training` — the whole grid (what ``python -m cdnotes lr-sweep``
  runs, one job per run, :func:`lr_sweep`): rate sweeps for SGD+momentum and Adam, K-FAC
  (:class:`cdnotes.train.kfac.KFAC`), SGD on whitened inputs, ``λ_max`` at
  initialisation, sharpness curves; :func:`conditioning_results` reads its document (or the
  committed file) in one layout;
* summaries: :func:`rate_table` (per rate: accuracy, steps to the loss threshold, stability),
  :func:`largest_stable_rate`, :func:`best_rate`, :func:`verdict_rows`, :func:`mean_curve`;
* comparisons over seeds: :func:`cell_values` (one cell's per-seed values) and
  :func:`cell_difference` (the Welch interval of the difference of two cells' means).

Models: on digits the paper's three (:func:`cdnotes.mlp.paper_model`: dense 64-64-64-10,
CD-B4 64-64-64-12, CD-B8 64-64-64-16, logits sliced to 10); on MNIST-1D (40 inputs) the
same shape family with 40 inputs: 40-64-64-10 dense, 40-64-64-12 with ``B = 4`` and
40-64-64-16 with ``B = 8`` (``B`` divides 40 and every width).

A rate is *stable* for a (data set, model, optimizer) when every seed's training loss stays
finite and its last epoch's mean mini-batch loss ends below ``log(10)`` (chance level for
10 classes); *steps to threshold* counts the mini-batch steps up to the end of the first
epoch whose mean mini-batch loss is at most the data set's threshold (:data:`THRESHOLDS`).
"""
from ...data import load_dataset
from .config import (ADAM_RATES, BATCH_SIZE, CHANCE_LOSS, DATASETS, EPOCHS, KFAC_OPTIONS,
                     KFAC_RATES, MODELS, MOMENTUM, SGD_RATES, SHARPNESS_RATES,
                     SHARPNESS_SAMPLES, STALL_EPOCHS, THRESHOLDS, WHITENED_RATES, WHITENINGS,
                     make_model, model_spec)
from .document import conditioning_results, runs_from_json
from .runs import TrainingRun, gauss_newton_lambda_max, run_job, run_training
from .summaries import (CELL_QUANTITIES, RateRow, best_rate, cell_difference, cell_values,
                        largest_stable_rate, mean_curve, rate_table, verdict_rows)
from .sweep import lr_sweep, run_conditioning_training
from .text import protocol_text, spread_text

__all__ = ["DATASETS", "MODELS", "THRESHOLDS", "SGD_RATES", "ADAM_RATES", "KFAC_RATES",
           "WHITENED_RATES", "STALL_EPOCHS", "KFAC_OPTIONS", "MOMENTUM", "BATCH_SIZE",
           "CHANCE_LOSS", "EPOCHS", "SHARPNESS_RATES", "SHARPNESS_SAMPLES", "WHITENINGS",
           "TrainingRun", "model_spec", "load_dataset", "make_model",
           "gauss_newton_lambda_max", "run_training", "run_job", "lr_sweep",
           "run_conditioning_training", "conditioning_results", "rate_table",
           "largest_stable_rate", "best_rate", "verdict_rows", "mean_curve", "runs_from_json",
           "RateRow", "CELL_QUANTITIES", "cell_values", "cell_difference", "spread_text",
           "protocol_text"]
