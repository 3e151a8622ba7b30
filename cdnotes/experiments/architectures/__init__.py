"""The fair comparison on MNIST-1D (``python -m cdnotes architectures``).

The protocol, the same for every model of :data:`MODELS`:

* data: MNIST-1D's 4000 training sequences less a stratified validation split (500 by default,
  one seed for every run: :func:`validation_split`), its 1000 test sequences untouched;
* training: Adam, batch 64, a fixed epoch budget with early stopping on validation accuracy
  (:func:`train_early_stopping`), over the same grid of learning rates for every model;
* one job per (model, block size, learning rate, seed): every run records its best validation
  accuracy and its test accuracy **at the best-validation epoch** (the early-stopped model);
* the choice is made when summarising (:func:`summarize`): per model the rate with the best
  mean validation accuracy over the seeds, and the test accuracy of every seed at that rate
  (mean, Student-t 95 % interval). The test accuracies of the other rates are in the records
  but never choose anything. One stage, rather than a selection stage and a test stage, lets
  the sweep runner spread every run at once and is as fair: the test set plays no part in any
  choice.

Models at comparable parameter budgets (:func:`build_model`, :func:`matched_width`): each CD
model's width is the one whose parameter count is closest to its dense counterpart's.
"""
from .protocol import (CD_MODELS, DENSE_WIDTHS, MODELS, SHFIN_SIZES, build_model, matched_width,
                       model_width, train_early_stopping, validation_split)
from .runs import protocol_data, run_architecture, run_job
from .summary import model_label, summarize

__all__ = ["MODELS", "CD_MODELS", "DENSE_WIDTHS", "SHFIN_SIZES", "build_model", "model_width",
           "matched_width", "validation_split", "train_early_stopping", "protocol_data",
           "run_architecture", "run_job", "model_label", "summarize"]
