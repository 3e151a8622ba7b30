"""Curvature of a network: the exact last-layer Hessian and the paper's κ readings.

==============  ==========================================================================
``last_layer``  the exact Hessian of the mean cross-entropy with respect to the last
                layer's parameters, its spectrum, and the logit Hessian
``readings``    dead ReLU units; the paper's κ under each reading of its definition
==============  ==========================================================================

Every function evaluates the model in evaluation mode and restores the mode it found.
"""
from .last_layer import (last_layer_hessian, last_layer_inputs, last_layer_spectrum,
                         logit_hessian_spectrum, softmax_outputs)
from .readings import dead_units, paper_kappa_readings

__all__ = ["dead_units", "last_layer_hessian", "last_layer_inputs", "last_layer_spectrum",
           "logit_hessian_spectrum", "paper_kappa_readings", "softmax_outputs"]
