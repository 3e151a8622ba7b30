"""Training: the loop, optimizers, losses and the paper's regularizer.

==================  =======================================================================
``loop``            :func:`train`, :class:`TrainConfig`, :class:`History`, :func:`accuracy`
``optimizers``      :class:`SGD` (heavy-ball momentum), :class:`Adam`, :class:`AdaMax`,
                    :func:`make_optimizer`
``kfac``            :class:`KFAC`: K-FAC with the exact per-frequency input factor for
                    circulant layers, ordinary K-FAC for dense ones
``losses``          softmax cross-entropy and squared error, with their gradients
``regularizers``    the Fisher-information penalty of Eq. 8 and its exact gradient
==================  =======================================================================

The loop works on any model whose ``linear_layers`` implement
:class:`cdnotes.layers.Linear`: nothing in it depends on the layer type.
"""
from .kfac import KFAC
from .loop import History, TrainConfig, accuracy, train
from .optimizers import OPTIMIZERS, SGD, AdaMax, Adam, make_optimizer

__all__ = ["AdaMax", "Adam", "History", "KFAC", "OPTIMIZERS", "SGD", "TrainConfig", "accuracy",
           "make_optimizer", "train"]
