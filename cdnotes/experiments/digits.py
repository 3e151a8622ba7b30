"""The digits experiment of the paper (§VI): one seeded run per (model, seed), typed records.

* :func:`run_digits` — train one paper model on the digits split; a :class:`DigitsRecord`.
* :func:`run_digits_grid` — :func:`run_digits` for every (model, seed) on one split.
* :func:`run_table1` — the same as JSON-ready dicts (what ``python -m cdnotes table1`` writes).
* Summaries: :func:`summarize` (mean, std, n per model), :func:`accuracy_estimates`
  (mean with a Student-t interval), :func:`paired_gap` (difference of two models, seed by
  seed), :func:`subset_means` (what disjoint groups of a few seeds would have reported),
  :func:`reading_summary` / :func:`kappa_reading_summaries` (median, geometric mean and
  range of a κ reading), :func:`curvature_summaries` (the exact Hessians, run by run).

The names live in :mod:`~cdnotes.experiments.digits_records` (the typed records),
:mod:`~cdnotes.experiments.digits_runs` (the runs) and
:mod:`~cdnotes.experiments.digits_summaries` (the summaries), re-exported here.

Seeds are explicit arguments: chapters pass ``cdnotes.seeds.seeds(range(20))`` and
``cdnotes.seeds.seed(0)`` so that ``CDNOTES_SEED_OFFSET`` moves every one of them.
"""
from .digits_records import (CONFIDENT_PROBABILITY, CURVATURE_LEVELS, PAPER_TABLE1,
                             DigitsRecord, KappaReadings)
from .digits_runs import (_progress, run_digits, run_digits_grid, run_table1, table1_job,
                          zero_input_blocks)
from .digits_summaries import (BULK_QUANTILE, CUTOFF_MARGIN_DECADES, READINGS,
                               CurvatureSummary, ReadingSummary, _paired, accuracy_estimates,
                               curvature_summaries, epoch_gaps, kappa_reading_summaries,
                               paired_gap, reading_summary, subset_means, summarize)

__all__ = ["PAPER_TABLE1", "CURVATURE_LEVELS", "CONFIDENT_PROBABILITY", "READINGS",
           "KappaReadings", "zero_input_blocks", "DigitsRecord", "run_digits", "run_digits_grid",
           "run_table1", "table1_job", "summarize", "accuracy_estimates", "paired_gap",
           "subset_means", "ReadingSummary", "reading_summary", "CUTOFF_MARGIN_DECADES",
           "BULK_QUANTILE", "kappa_reading_summaries", "CurvatureSummary", "curvature_summaries",
           "epoch_gaps"]
