"""SHFIN in miniature on MNIST-1D: the comparison, the ablations, the masks and the cost.

* :data:`VARIANTS` — every model of the experiment by name: the SHFIN classifier and its
  ablations, a dense MLP, a CD-MLP and a 1-D CNN at matched parameter counts;
* :func:`run_variant` — one seeded training run, a record (accuracy per epoch, parameters,
  seconds, the frequencies the learned masks keep);
* :func:`run_shfin_experiment` — every (variant, seed) on :mod:`cdnotes.engine`
  (:func:`shfin_sweep`, what ``python -m cdnotes shfin`` runs), then the cost sweep
  (:func:`run_cost`, lengths refused beforehand when their attention cannot fit in memory:
  :func:`check_cost_lengths`); :func:`shfin_results` reads its document (or the committed
  files) in one layout;
* :func:`summary_rows`, :func:`mask_histogram`, :func:`cost_fits` — what the chapter shows;
* :func:`late_slope` — whether a variant was still improving when training stopped;
* :func:`kept_energy_test` — how the kept bins sit in the data's energy ranking, against
  masks drawn at random (exact chance levels and tail probabilities);
* :func:`compared_text`, :func:`parts_text` — the chapter's sentences.

The MNIST-1D paper's baselines (Greydanus 2020, Table 1; 4000 training sequences) are in
:data:`PAPER_BASELINES`, for scale only: they were trained longer, with other settings.
"""
from .config import (ABLATIONS, COST_MEMORY_FRACTION, COST_SETTINGS, MAIN_VARIANTS,
                     PAPER_BASELINES, SHFIN_BASE, VARIANTS, attention_memory_bytes,
                     check_cost_lengths, make_variant, memory_cap_bytes)
from .document import shfin_results
from .energy import energy_ranks, kept_energy_test
from .runs import run_job, run_variant
from .summaries import cost_fits, late_slope, mask_histogram, relation, summary_rows
from .sweep import run_cost, run_shfin_experiment, shfin_sweep
from .text import compared_text, parts_text

__all__ = ["VARIANTS", "MAIN_VARIANTS", "ABLATIONS", "PAPER_BASELINES", "SHFIN_BASE",
           "COST_SETTINGS", "COST_MEMORY_FRACTION", "make_variant", "run_variant", "run_job",
           "shfin_sweep", "run_cost", "run_shfin_experiment", "shfin_results", "summary_rows",
           "relation", "mask_histogram", "cost_fits", "late_slope", "energy_ranks",
           "kept_energy_test", "compared_text", "parts_text", "attention_memory_bytes",
           "memory_cap_bytes", "check_cost_lengths"]
