"""Fine-tuning with adapters (``python -m cdnotes adapters``; issue 20).

Each dense base (the fair comparison's MLP and transformer) is pretrained once on the published
MNIST-1D, then fine-tuned on a shifted MNIST-1D (:data:`cdnotes.data.SHIFTED_MNIST1D`) from a
small stratified training set, in each regime of :data:`REGIMES` — full fine-tuning, the head
alone, LoRA at a rank, CD adapters at a block size — over one grid of Adam rates with early
stopping on a validation set, every seed at every rate; the rate is chosen on validation.
"""
from .curvature import adapter_indices, curvature_block
from .protocol import (BASES, REGIMES, TARGETS, build_regime, cd_block_sizes, finetune_data,
                       matched_pairs, pretrained, trainable_params)
from .runs import run_finetune, run_job
from .summary import regime_label, summarize

__all__ = ["BASES", "REGIMES", "TARGETS", "pretrained", "finetune_data", "build_regime",
           "trainable_params", "matched_pairs", "cd_block_sizes", "run_finetune", "run_job", "regime_label",
           "summarize", "adapter_indices", "curvature_block"]
