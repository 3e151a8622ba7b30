"""The book's experiments as tested library functions; chapters tell the story and call them.

================  ========================================================================
``digits``        the paper's digits experiment (§VI): one seeded run per (model, seed) as a
                  :class:`DigitsRecord`, Table 1, and its summaries with confidence intervals
``regularizers``  Shannon dropout and the Fisher penalty (§IV): sweeps paired by seed, their
                  table rows, the penalty's cost per epoch
``report``        words and numbers for the text, chosen by the measurement (interval
                  texts, "includes"/"excludes", lists of values)
================  ========================================================================
"""
from .digits import (PAPER_TABLE1, CurvatureSummary, DigitsRecord, KappaReadings, ReadingSummary,
                     accuracy_estimates, curvature_summaries, kappa_reading_summaries, paired_gap,
                     reading_summary, run_digits, run_digits_grid, run_table1, subset_means,
                     summarize)
from .regularizers import (PenaltyCost, Sweep, SweepRow, fisher_penalty_cost, run_dropout_sweep,
                           run_fisher_sweep, sweep_table)

__all__ = ["PAPER_TABLE1", "CurvatureSummary", "DigitsRecord", "KappaReadings", "PenaltyCost",
           "ReadingSummary", "Sweep", "SweepRow", "accuracy_estimates", "curvature_summaries",
           "fisher_penalty_cost", "kappa_reading_summaries", "paired_gap", "reading_summary",
           "run_digits", "run_digits_grid", "run_dropout_sweep", "run_fisher_sweep", "run_table1",
           "subset_means", "summarize", "sweep_table"]
