"""The book's experiments as tested library functions; chapters tell the story and call them.

=====================  ===================================================================
``dft_checks``         chapter 1: a circulant is diagonalised by the DFT, checked over sizes
``gradient_checks``    chapter 2: finite-difference checks of every layer and path
``init_scale``         chapter 2: the activation scale through deep stacks at initialisation
``theorem1``           chapter 3: Theorem 1's κ against the true κ over random cases; timings
``theorem2``           chapter 4: population and finite-sample κ under whitening; exponent fits
``digits``             the paper's digits experiment (§VI): one seeded run per (model, seed) as a
                       :class:`DigitsRecord`, Table 1, and its summaries with confidence intervals
``regularizers``       Shannon dropout and the Fisher penalty (§IV): sweeps paired by seed, their
                       table rows, the penalty's cost per epoch
``shfin``              SHFIN in miniature on MNIST-1D: variants at matched size, ablations, the
                       masks kept, cost against self-attention; ``python -m cdnotes shfin``
``spectral_training``  spectral-domain training (Giambagli, Buffoni et al.): four regimes,
                       weight distances, the link to CDLinear (``python -m cdnotes spectral``)
``report``             words and numbers for the text, chosen by the measurement (interval
                       texts, "includes"/"excludes", lists of values)
``records``            tables of records as columns
=====================  ===================================================================

The digits and regularizer functions are importable from here; the theory chapters'
functions from their modules (``from cdnotes.experiments.theorem1 import ...``).
"""
from ._seeding import child_seeds
from .digits import (PAPER_TABLE1, CurvatureSummary, DigitsRecord, KappaReadings, ReadingSummary,
                     accuracy_estimates, curvature_summaries, kappa_reading_summaries, paired_gap,
                     reading_summary, run_digits, run_digits_grid, run_table1, subset_means,
                     summarize)
from .regularizers import (PenaltyCost, Sweep, SweepRow, fisher_penalty_cost, run_dropout_sweep,
                           run_fisher_sweep, sweep_table)

__all__ = ["child_seeds", "PAPER_TABLE1", "CurvatureSummary", "DigitsRecord", "KappaReadings", "PenaltyCost",
           "ReadingSummary", "Sweep", "SweepRow", "accuracy_estimates", "curvature_summaries",
           "fisher_penalty_cost", "kappa_reading_summaries", "paired_gap", "reading_summary",
           "run_digits", "run_digits_grid", "run_dropout_sweep", "run_fisher_sweep", "run_table1",
           "subset_means", "summarize", "sweep_table"]
