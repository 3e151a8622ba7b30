"""Exact curvature products of a whole network: gradient, ``H V`` and ``G V``.

The loss is the mean of ``loss`` over the batch (``cross_entropy`` on the model's
``n_classes`` logits, or ``squared_error`` ``½ mean_n ‖z_n − onehot(y_n)‖²``), evaluated
in evaluation mode (dropout off; the model's mode is restored). Coordinates are the flat
``θ`` of :mod:`cdnotes.curvature.params`.

* :func:`loss_and_gradient` — the loss and ``∇L`` ``(P,)``;
* :func:`hessian_vector_product` — ``H V``, exact: Pearlmutter's R-operator
  (forward-over-reverse, :mod:`cdnotes.curvature._rop`), not finite differences;
* :func:`gauss_newton_vector_product` — ``G V``, ``G = (1/N) Σ_n J_nᵀ S̃_n J_n`` with ``J_n``
  the Jacobian of sample ``n``'s logits and ``S̃_n`` the Hessian of its loss in them
  (``diag(p) − p pᵀ`` for cross-entropy, ``I`` for squared error): positive semi-definite.
* :class:`CurvatureProducts` — the same for many products: the primal pass is done once.

``V`` is ``(P,)`` or ``(P, m)``: ``m`` directions cost one pass with a leading tangent axis
of length ``m`` (batched matmuls and FFTs), not ``m`` passes.

The model is an :class:`~cdnotes.mlp.MLP` or a sequence classifier
(:class:`~cdnotes.shfin.models.SequenceModel`: :func:`~cdnotes.models.cnn_classifier`,
:func:`~cdnotes.models.transformer_classifier`, dense or CD), dispatched on its type: the
latter's products come from its layers' own tangent kernels
(:mod:`cdnotes.curvature.sequence_rop`), one direction at a time.
"""
from __future__ import annotations

import contextlib

import array_api_compat
import numpy as np

from ..backend import device_of, namespace_of, to_numpy
from ..train.losses import LOSS_KERNELS
from ..validation import (check_array, check_choice, check_float_array, check_int,
                          check_labels, check_same_dtype)
from ._mode import evaluation_mode, model_input
from ._rop import PrimalPass, check_supported
from .params import flatten, unflatten
from .sequence_rop import SequencePass, is_sequence_model, sequence_input

__all__ = ["CurvatureProducts", "loss_and_gradient", "hessian_vector_product",
           "gauss_newton_vector_product", "KINDS", "blas_limit"]

KINDS = ("hessian", "gauss_newton")
"""The curvature matrices: the loss Hessian ``H`` and the Gauss-Newton matrix ``G``."""


_CONTROLLER = None


def blas_limit(xp, threads):
    """A context limiting the BLAS thread pools to ``threads`` (NumPy only; ``None``: as is).

    The products run many batched matrix products of moderate size; on a machine whose
    cores are shared with other processes, a multi-threaded BLAS waits for its slowest
    thread at every one of them (this module's tests took 58 s on two OpenBLAS threads and
    10 s on one, at a load average of 6 on 2 cores). Hence ``blas_threads=1`` by default.

    Parameters
    ----------
    xp : namespace
    threads : int >= 1 or None

    Returns
    -------
    context manager
    """
    if threads is None or not array_api_compat.is_numpy_namespace(xp):
        return contextlib.nullcontext()
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=check_int(threads, "blas_threads", minimum=1), user_api="blas")


def _checked(model, X, y, loss):
    """Validate the model (an MLP or a sequence model), data and loss name once; return the
    namespace."""
    sequence = is_sequence_model(model)
    xp = sequence_input(model, X) if sequence else model_input(model, X)
    check_choice(loss, "loss", LOSS_KERNELS)
    check_labels(xp, y, X.shape[0], model.n_classes, "y")
    if not sequence:
        check_supported(model)
    return xp


def _reference(model):
    """One parameter array of the model (its dtype, device and backend)."""
    first = model.linear_layers[0]
    if hasattr(first, "reference_param"):
        return first.reference_param
    return next(iter(first.params.values()))


def loss_and_gradient(model, X, y, loss="cross_entropy"):
    """Mean loss over the batch and its gradient ``(P,)``, in evaluation mode.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP` or :class:`~cdnotes.shfin.models.SequenceModel`
    X : array ``(N, n_in)``, real floating, finite; y : integer array ``(N,)`` in
        ``[0, n_classes)``
    loss : {"cross_entropy", "squared_error"}

    Returns
    -------
    loss : float; gradient : array ``(P,)`` on the model's backend (flat ``θ`` order)
    """
    xp = _checked(model, X, y, loss)
    with evaluation_mode(model):
        value, dlogits = LOSS_KERNELS[loss](xp, model.forward_2d(xp, X), y)
        model.backward_2d(xp, dlogits)
        grads = [{name: g[None, ...] for name, g in layer.grads.items()}
                 for layer in model.linear_layers]
    return float(to_numpy(value)), flatten(xp, model, grads)[:, 0]


class CurvatureProducts:
    """Products with the Hessian and the Gauss-Newton matrix of a model on ``(X, y)``.

    The constructor validates the arguments once and runs the primal pass (forward,
    loss, backward) in evaluation mode, keeping copies of the weights: later changes to
    the model do not affect the products.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP` or :class:`~cdnotes.shfin.models.SequenceModel`
    X : ``(N, n_in)``; y : ``(N,)`` integer labels
    loss : {"cross_entropy", "squared_error"}
    blas_threads : int or None, default 1
        BLAS threads while computing (NumPy; :func:`blas_limit`); ``None`` leaves them as is.

    Attributes
    ----------
    n_params : int ``P``; loss : float; gradient : array ``(P,)``
    """

    def __init__(self, model, X, y, loss="cross_entropy", *, blas_threads=1):
        self.xp = _checked(model, X, y, loss)
        if blas_threads is not None:
            check_int(blas_threads, "blas_threads", minimum=1)
        self.model, self.n_params, self.n_samples = model, model.n_params, X.shape[0]
        self.blas_threads = blas_threads
        self._like = _reference(model)
        kernel = SequencePass if is_sequence_model(model) else PrimalPass
        with blas_limit(self.xp, blas_threads):
            self._pass = kernel(self.xp, model, X, y, loss)
        self.loss, self.gradient = self._pass.loss, self._pass.gradient

    def _directions(self, V):
        check_array(V, "V")
        namespace_of(V, self._like)
        P = self.n_params
        if V.ndim not in (1, 2) or V.shape[0] != P or (V.ndim == 2 and V.shape[1] == 0):
            raise ValueError(f"V must have shape ({P},) or ({P}, m) with m >= 1 (P = "
                             f"model.n_params); got {tuple(V.shape)}")
        check_float_array(self.xp, V, "V")
        check_same_dtype(V=V, parameters=self._like)
        return V

    def product(self, V, kind="hessian"):
        """``H V`` (``kind="hessian"``) or ``G V`` (``"gauss_newton"``), exact.

        Parameters
        ----------
        V : array ``(P,)`` or ``(P, m)``, the model's backend and dtype

        Returns
        -------
        array of ``V``'s shape
        """
        check_choice(kind, "kind", KINDS)
        V = self._directions(V)
        xp = self.xp
        V2 = V[:, None] if V.ndim == 1 else V
        with blas_limit(xp, self.blas_threads):
            pieces = self._pass.product(unflatten(xp, self.model, V2), kind == "hessian")
            out = flatten(xp, self.model, pieces)
        return out[:, 0] if V.ndim == 1 else out

    def hessian_product(self, V):
        """``H V``; see :meth:`product`."""
        return self.product(V, "hessian")

    def gauss_newton_product(self, V):
        """``G V``; see :meth:`product`."""
        return self.product(V, "gauss_newton")

    def matvec(self, kind="hessian"):
        """A host function ``v (P,) -> H v`` (or ``G v``) on float64 NumPy vectors.

        For :func:`~cdnotes.curvature.lanczos` and
        :func:`~cdnotes.curvature.spectral_density`; it moves ``v`` to the model's
        backend and the product back.
        """
        check_choice(kind, "kind", KINDS)
        xp, like = self.xp, self._like

        def apply(v):
            w = xp.asarray(np.asarray(v, dtype=np.float64), dtype=like.dtype,
                           device=device_of(like))
            return np.asarray(to_numpy(self.product(w, kind)), dtype=np.float64)

        return apply


def hessian_vector_product(model, X, y, V, loss="cross_entropy", *, blas_threads=1):
    """``H V``: the exact Hessian of the mean loss (evaluation mode) times ``V``.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP` or :class:`~cdnotes.shfin.models.SequenceModel`
    X : array ``(N, n_in)``; y : integer array ``(N,)``
    V : array ``(P,)`` or ``(P, m)`` (the model's backend and dtype)
    loss : {"cross_entropy", "squared_error"}
    blas_threads : int or None, default 1 (see :func:`blas_limit`)

    Returns
    -------
    array of ``V``'s shape

    Notes
    -----
    Forward-over-reverse (the R-operator, Pearlmutter 1994): about the cost of three
    gradients, and ``m`` columns cost one pass with a leading tangent axis. For many
    products on the same data use :class:`CurvatureProducts` (one primal pass).
    """
    return CurvatureProducts(model, X, y, loss, blas_threads=blas_threads).product(V, "hessian")


def gauss_newton_vector_product(model, X, y, V, loss="cross_entropy", *, blas_threads=1):
    """``G V``, ``G = (1/N) Σ_n J_nᵀ S̃_n J_n`` (positive semi-definite).

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP` or :class:`~cdnotes.shfin.models.SequenceModel`
    X : array ``(N, n_in)``; y : integer array ``(N,)``
    V : array ``(P,)`` or ``(P, m)`` (the model's backend and dtype)
    loss : {"cross_entropy", "squared_error"}
    blas_threads : int or None, default 1 (see :func:`blas_limit`)

    Returns
    -------
    array of ``V``'s shape
    """
    return CurvatureProducts(model, X, y, loss, blas_threads=blas_threads).product(V, "gauss_newton")
