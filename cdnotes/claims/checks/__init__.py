"""The checks behind the claims table: each computes a verdict and one sentence of evidence.

Every check takes at most a second or two: small live computations (circulant algebra, the
layer against its dense matrix, Theorem 1 against the explicit Hessian, parameter counts) or
readings of the chapters' committed runs (``cdnotes/measurements/*.json``). Where a chapter
measures the same quantity, the check reads that chapter's data and calls that chapter's
functions (``cdnotes.experiments``), so the claims page and the chapter give one number. The
verdict is decided here from the computed values, never typed beside the claim.

One module per part of the papers (every name imports from here, and importing this package
registers every check in :data:`cdnotes.claims.core.CHECKS`, in the order below):

===================  =====================================================================
``common``           number formats of the evidence sentences, the seeded draws
``counts``           parameter counts (chapters 2 and 5)
``layer``            circulant algebra and the CD layer (chapters 1 and 2)
``theorem1``         Theorem 1 (chapter 3), Parseval and the Fisher information (chapter 6)
``theorem2``         Theorem 2 and dense conditioning (chapter 4)
``accuracy``         the digits experiment's accuracies (chapters 5 and 10)
``kappa``            the digits experiment's condition numbers (chapters 5 and 8)
``training``         chapter 5's baselines, depth and convergence runs; chapter 11
``spectral_domain``  the spectral-domain training paper (chapter 9)
``shfin``            the SHFIN paper (chapter 12)
``architectures``    CD convolutions and attention, SHFIN restated (chapter 13)
===================  =====================================================================
"""
from __future__ import annotations

from .common import (SUP, ci_text, pct, sci, _rng)  # noqa: F401
from .counts import (block_size_divides, layer_compression, odd_block_sizes, paper_params,
                     param_count_formula, params_b8_over_b4, params_matched, params_ratio_b4,
                     params_ratio_b8)  # noqa: F401
from .layer import (block_circulant_family, circulant_eigenvalue_formula, conv_interpretation,
                    cpu_speed_batched, dft_diagonalises, dropout_rate_mild, eq2_forward,
                    eq3_eq4_backward, fft_cost_condition, first_row_convention, gpu_crossover,
                    gradients_finite_differences, _layer_case)  # noqa: F401
from .theorem1 import (EQ8_EPS, chapter6_eq8, chapter6_parseval, eq8_fisher_trace,
                       fisher_blocks_circulant, hessian_weight_free, parseval_sum,
                       theorem1_block_diagonal, theorem1_circulant_blocks,
                       theorem1_eigenvalues_exact, _correlated_inputs, _theorem1_case,
                       _theorem1_gap)  # noqa: F401
from .theorem2 import (dense_hessian_is_input_moment, dense_whitened_kappa,
                       normalization_whitening, one_step_gradient_descent, random_dense_kappa,
                       raw_input_advantage, theorem2_finite_sample, theorem2_population,
                       _population)  # noqa: F401
from .accuracy import (NAMES, PAPER_ACC, PAPER_KAPPA, RUNS, RUNS_CH10, accuracy_cd4, accuracy_cd8,
                       accuracy_dense, accuracy_gap_b4, accuracy_gap_b8, accuracy_gap_harder_task,
                       accuracy_gap_within_std, benchmark_discriminates, digits_split_sizes,
                       structured_digits, tiny_networks_saturate, _acc, _accuracy_verdict,
                       _gap_verdict)  # noqa: F401
from .kappa import (KAPPA_RUNS, READING, kappa_cd4, kappa_cd8, kappa_dense, kappa_ratio_b4,
                    kappa_ratio_b4_b8, kappa_ratio_b8, kappa_same_reading, paper_kappa_reading,
                    theorem2_vs_table1, _gmean, _kappa_ratio, _kappa_value)  # noqa: F401
from .training import (chapter5_baselines, conditioning_speeds_training, convergence_gaps,
                       convergence_runs, depth_advantage, depth_run, digits_saturates,
                       early_epoch_advantage, epoch20_cd4_lower, final_loss_similar,
                       plateau_dense_higher, _conv_text)  # noqa: F401
from .spectral_domain import (SPECTRAL, VARIANTS, chapter9_operator, compact_cascade, phi_inverse,
                              phi_variant, retraction_exact, spectral_compact_changes,
                              spectral_data, spectral_full_matches_unconstrained_all,
                              spectral_full_matches_unconstrained_nonlinear,
                              spectral_full_matches_unconstrained_perceptron,
                              spectral_lambda_beats_constrained_all,
                              spectral_lambda_beats_constrained_deep,
                              spectral_lambda_beats_constrained_nonlinear,
                              spectral_lambda_beats_constrained_perceptron,
                              spectral_lambda_beats_constrained_wide, spectral_overfit_summary,
                              spectral_overfitting, spectral_perceptron_count, spectral_records,
                              spectral_variant, spectral_weight_distribution,
                              spectral_weight_distribution_deep, spectral_wide_fraction,
                              _ordering_verdict, _paired_counts, _param_fraction,
                              _spectral_groups, _weight_distribution)  # noqa: F401
from .shfin import (shfin_hierarchy, shfin_mask_informative, shfin_mixer,
                    shfin_parameters, shfin_runs, shfin_subquadratic, _shfin_acc, _shfin_compare,
                    _shfin_settings)  # noqa: F401
from .architectures import (architecture_sections, cd_architectures_accuracy,
                            cd_convolution_extension, curvature_comparisons,
                            layernorm_whole_network, shfin_replaces_conv_attention)  # noqa: F401
