"""The claims of the spectral-domain training paper and of the SHFIN paper, in each paper's
order.

Part of :data:`cdnotes.claims.data.CLAIMS` (see there and :class:`cdnotes.claims.core.Claim`).
"""
from __future__ import annotations

from .core import NT, Claim

_c = Claim            # positional: id, paper, section, quote, link, check, verdict, reason

OTHER_CLAIMS = [
    # ------------------------------------------------------------------ spectral-domain training
    _c("sp-operator", "spectral", "Method",
       "A_k is then assembled as A_k = Φ_k Λ_k (2I − Φ_k)", "ch9-operator", "phi_inverse"),
    _c("sp-variant", "spectral", "Method",
       "(or, in the compact algorithmic variant, A_k = Φ_k Λ_k (2I + Φ_k)^{-1} Φ_k as per the "
       "implementation description)", "ch9-compact-form", "phi_variant"),
    _c("sp-compact", "spectral", "Method",
       "For linear architectures, the cascade can be compacted into a single equivalent "
       "perceptron", "ch9-retraction", "compact_cascade"),
    _c("sp-retract", "spectral", "Conclusions",
       "Telescopic linear layers inserted during training expand the spectral parameter space "
       "and can be retracted post-training without loss of performance", "ch9-retraction",
       "retraction_exact"),
    _c("sp-794", "spectral", "Results (perceptron)",
       "Spectral training of eigenvalues only (N=N₁+N₂=794 parameters)", "ch9-regimes",
       "spectral_perceptron_count"),
    _c("sp-82", "spectral", "Results (perceptron)",
       "achieved accuracy 82 ± 2% (mean over 5 runs)", "ch9-regimes", verdict=NT,
       reason="An MNIST number; the book has no MNIST (no download) and runs digits and "
              "MNIST-1D instead. The orderings are tested in the rows below."),
    _c("sp-79", "spectral", "Results (perceptron)",
       "Direct-space constrained NN with the same number of trainable parameters achieved "
       "79 ± 3%", "ch9-regimes", "spectral_lambda_beats_constrained_perceptron"),
    _c("sp-92.7", "spectral", "Results (perceptron)",
       "Full direct-space training (all N₁×N₂ weights plus biases) achieved 92.7 ± 0.1%",
       "ch9-regimes", verdict=NT,
       reason="An MNIST number (see above); the comparison with Λ + Φ is the next row."),
    _c("sp-92.5", "spectral", "Results (perceptron)",
       "Spectral training of both eigenvalues and eigenvectors (total N₁+N₂+N₁×N₂ parameters) "
       "achieved 92.5 ± 0.2%, matching full direct-space performance", "ch9-regimes",
       "spectral_full_matches_unconstrained_perceptron"),
    _c("sp-weights", "spectral", "Results (perceptron)",
       "Training only eigenvalues in spectral domain yields a weight distribution closely "
       "matching full direct-space training", "ch9-weights", "spectral_weight_distribution"),
    _c("sp-10pct", "spectral", "Results (perceptron)",
       "despite using about 10% of the parameters", "ch9-regimes", "spectral_perceptron_count"),
    _c("sp-wide", "spectral", "Results (wide)",
       "Spectral training on N₂ + N₃ eigenvalues outperforms direct-space constrained training "
       "on the same number of parameters across N₂ values", "ch9-regimes",
       "spectral_lambda_beats_constrained_wide"),
    _c("sp-13pct", "spectral", "Results (wide)",
       "using roughly 13% of the parameters of a standard two-layer perceptron", "ch9-regimes",
       "spectral_wide_fraction"),
    _c("sp-0.13pct", "spectral", "Results (wide)",
       "spectral training used only ~0.13% of parameters compared to standard full training",
       "ch9-regimes", "spectral_wide_fraction"),
    _c("sp-deep", "spectral", "Results (deep linear)",
       "spectral eigenvalue training consistently outperforms direct-space constrained training "
       "with the same parameter counts", "ch9-regimes", "spectral_lambda_beats_constrained_deep"),
    _c("sp-deep-weights", "spectral", "Results (deep linear)",
       "The equivalent compact perceptron’s weight distribution from spectral training matches "
       "that from full direct-space training", "ch9-weights", "spectral_weight_distribution_deep"),
    _c("sp-nonlinear", "spectral", "Results (non-linear)",
       "Spectral eigenvalues-only training outperforms direct-space constrained training for "
       "matched parameter budgets", "ch9-regimes", "spectral_lambda_beats_constrained_nonlinear"),
    _c("sp-nonlinear-full", "spectral", "Results (non-linear)",
       "achieves accuracy comparable to spectral training when both eigenvalues and "
       "eigenvectors are trained", "ch9-regimes",
       "spectral_full_matches_unconstrained_nonlinear"),
    _c("sp-overfitting", "spectral", "Results (non-linear)",
       "spectral appears more robust to overfitting as N₂ increases", "ch9-overfitting",
       "spectral_overfitting"),
    _c("sp-table1", "spectral", "Table 1",
       "Train Λ, Φ (spectral eigenvalues+eigenvectors): Linear wide 92.2%, Linear deep 91.8%, "
       "Non-linear 97.3%", "ch9-holds", verdict=NT,
       reason="MNIST accuracies (see above); chapter 9 gives the same table on digits and "
              "MNIST-1D beside the paper's."),
    _c("sp-levers", "spectral", "Discussion",
       "even when eigenvectors are fixed, tuning eigenvalues surpasses direct-space training "
       "constrained to the same parameter count, across linear and non-linear architectures",
       "ch9-holds", "spectral_lambda_beats_constrained_all"),
    _c("sp-pretraining", "spectral", "Discussion",
       "spectral pretraining can guide networks toward solutions similar to fully optimized "
       "models while using orders of magnitude fewer trainable parameters", "here-untestable",
       verdict=NT,
       reason="No pretraining is run, here or in the paper; a suggestion, not a measurement."),
    _c("sp-less-overfitting", "spectral", "Discussion",
       "In non-linear settings, spectral training remains advantageous and appears less prone "
       "to overfitting as capacity grows", "ch9-overfitting", "spectral_overfitting"),
    _c("sp-on-par", "spectral", "Summary",
       "training both eigenvalues and eigenvectors yields accuracy on par with fully trained "
       "direct-space models", "ch9-holds", "spectral_full_matches_unconstrained_all"),
    _c("sp-fashion", "spectral", "Limitations",
       "The primary evaluation is on MNIST (and Fashion-MNIST in supplementary material)",
       "here-untestable", verdict=NT,
       reason="A statement of scope; neither data set is available offline here."),
    # ------------------------------------------------------------------ SHFIN
    _c("sh-subquadratic", "shfin", "TL;DR",
       "achieving sub‑quadratic complexity and parameter efficiency", "ch12-cost",
       "shfin_subquadratic"),
    _c("sh-benchmarks", "shfin", "TL;DR",
       "Across ImageNet‑1k, CIFAR, and WMT14 En→De, SHFIN delivers competitive or superior "
       "accuracy", "ch12-mnist1d", verdict=NT,
       reason="ImageNet and WMT training are far beyond this book's CPU budget; chapter 12 "
              "tests a miniature on MNIST-1D instead (the rows below)."),
    _c("sh-reducing", "shfin", "TL;DR",
       "while reducing parameters, FLOPs, and latency relative to CNN, Transformer, and Fourier "
       "baselines", "ch12-mnist1d", "shfin_parameters"),
    _c("sh-cnn", "shfin", "Figure 1",
       "This end‐to‐end spectral pipeline replaces both convolutional filters and quadratic "
       "self‐attention with a compact, spectrum‑sparse operator", "ch13-shfin",
       "shfin_replaces_conv_attention"),
    _c("sh-hierarchy", "shfin", "Abstract",
       "A hierarchical patch wise Fourier transform that affords simultaneous access to local "
       "detail and global context", "ch12-ablations", "shfin_hierarchy"),
    _c("sh-mask", "shfin", "Abstract",
       "A learnable, differentiable top K masking mechanism which retains only the most "
       "informative spectral coefficients", "ch12-masks", "shfin_mask_informative"),
    _c("sh-mixer", "shfin", "TL;DR",
       "employs a gated low‑rank bilinear mixer to model cross‑frequency interactions",
       "ch12-ablations", "shfin_mixer"),
    _c("sh-hardware", "shfin", "TL;DR",
       "This work suggests a hardware‑friendly, interpretable alternative to traditional "
       "operators", "ch12-masks", verdict="partly",
       reason="Chapter 12: the learned masks are readable (one can list the kept frequencies), "
              "but on a GPU the block's many small kernels make it slower than attention up to "
              "long sequences (the cost claim above)."),
]
