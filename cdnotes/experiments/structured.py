"""CD among structured matrices (chapter 10): every structure in the paper's MLP, at the
parameter budgets of the CD models, on digits and MNIST-1D.

The names live in three modules, re-exported here:

=======================  ==================================================================
``structured_runs``      the models, the data, one seeded run, the sweep's jobs
                         (``python -m cdnotes structured``), the results file
``structured_analysis``  summaries, CD against each structure paired by seed, κ with its
                         ceiling, epoch-time ratios
``structured_text``      the chapter's sentences and table cells
=======================  ==================================================================
"""
from .structured_analysis import (compare_to_cd, epoch_ratio_by_seed, kappa_pairs,
                                  kappa_summary, run_failed, summarize_structured)
from .structured_runs import (CURVATURE_ROWS, DATASETS, FAILURE_FLOOR, HIDDEN, INPUT_WIDTH,
                              KAPPA_CUTOFF, MNIST1D_BASELINES, RESULTS_NAME, ModelSpec,
                              cd_budgets, last_layer_gauss_newton, load_dataset,
                              load_structured_results, pad_inputs, run_structured,
                              run_structured_grid, structured_job, structured_jobs,
                              structured_models, structured_settings)
from .structured_text import (failure_text, kappa_verdict, p_text, ratio_sides_text,
                              sci_text, verdict_text)

__all__ = ["DATASETS", "INPUT_WIDTH", "HIDDEN", "CURVATURE_ROWS", "MNIST1D_BASELINES",
           "RESULTS_NAME", "cd_budgets", "ModelSpec", "structured_models", "pad_inputs",
           "load_dataset", "last_layer_gauss_newton", "run_structured", "run_structured_grid",
           "structured_settings", "structured_jobs", "structured_job", "load_structured_results",
           "summarize_structured", "compare_to_cd", "verdict_text",
           "FAILURE_FLOOR", "KAPPA_CUTOFF", "run_failed", "kappa_summary", "kappa_pairs",
           "epoch_ratio_by_seed", "failure_text", "ratio_sides_text", "kappa_verdict",
           "p_text", "sci_text"]

