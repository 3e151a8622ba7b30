"""Curvature of a network: the exact last-layer Hessian, the paper's κ readings, and the
whole network's Hessian (products, dense matrix, spectrum, null directions).

=====================  ======================================================================
``last_layer``         the exact Hessian of the mean cross-entropy with respect to the last
                       layer's parameters, its spectrum, and the logit Hessian
``readings``           dead ReLU units; the paper's κ under each reading of its definition
``params``             the parameters as one flat vector ``θ`` (the Hessian's coordinates)
``products``           loss and gradient; exact Hessian- and Gauss-Newton-vector products
                       (Pearlmutter's R-operator, batched over a leading tangent axis)
``sequence_rop``       the same products for the sequence classifiers of
                       :mod:`cdnotes.models` (CNN, Transformer; dense or CD), dispatched by
                       ``products`` on the model's type
``network``            the whole network's Hessian or Gauss-Newton matrix, ``(P, P)``
``eigensolver``        eigenvalues of a dense symmetric matrix (LAPACK driver by measurement)
``lanczos``            Lanczos Ritz values; stochastic Lanczos quadrature; smoothed densities
``spectrum_measures``  cutoff-robust measures of an indefinite spectrum
``null_space``         exact null directions of the Hessian and Gauss-Newton matrix by cause
=====================  ======================================================================

Every function evaluates the model in evaluation mode and restores the mode it found.
"""
from ._mode import layer_inputs
from .eigensolver import eigenvalues_symmetric, two_stage_available
from .lanczos import lanczos, smooth_density, spectral_density
from .last_layer import (last_layer_gauss_newton, last_layer_hessian, last_layer_inputs,
                         last_layer_spectrum, logit_hessian_spectrum, softmax_outputs)
from .network import hessian_bytes, network_hessian
from .null_space import NullDirections, null_directions
from .params import flat_params, param_slices, set_flat_params
from .products import (CurvatureProducts, gauss_newton_vector_product, hessian_vector_product,
                       loss_and_gradient)
from .readings import dead_units, paper_kappa_readings
from .spectrum_measures import SpectrumMeasures, spectrum_measures

__all__ = ["CurvatureProducts", "NullDirections", "SpectrumMeasures", "dead_units", "layer_inputs",
           "eigenvalues_symmetric", "flat_params", "gauss_newton_vector_product",
           "hessian_bytes", "hessian_vector_product", "lanczos", "last_layer_gauss_newton",
           "last_layer_hessian",
           "last_layer_inputs", "last_layer_spectrum", "logit_hessian_spectrum",
           "loss_and_gradient", "network_hessian", "null_directions", "paper_kappa_readings",
           "param_slices", "set_flat_params", "smooth_density", "softmax_outputs",
           "spectral_density", "spectrum_measures", "two_stage_available"]
