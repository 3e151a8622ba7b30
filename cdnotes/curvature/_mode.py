"""Models checked at the curvature tools' boundary; layer inputs in evaluation mode.

``evaluation_mode``, ``check_model`` and ``model_input`` live with the models
(:mod:`cdnotes.mlp`); this module keeps their old import path, and adds the check of the
sequence models the curvature tools take (:func:`check_curvature_model`).
"""
from __future__ import annotations

from ..mlp import check_model, evaluation_mode, model_input
from ..shfin.models import SequenceModel

__all__ = ["evaluation_mode", "model_input", "check_model", "check_curvature_model",
           "check_sequence_model", "layer_inputs"]

_KERNELS = ("jvp_2d", "rop_backward_2d")


def check_sequence_model(model):
    """A :class:`~cdnotes.shfin.models.SequenceModel` every layer of which has the
    R-operator's kernels (``jvp_2d``, ``rop_backward_2d``): the CNN and Transformer
    classifiers of :mod:`cdnotes.models`, dense or CD.

    Parameters
    ----------
    model : :class:`~cdnotes.shfin.models.SequenceModel`

    Returns
    -------
    ``model``

    Raises
    ------
    TypeError
        A layer without them (the SHFIN block, ``PositionwiseFFN``), named.
    ValueError
        A model without parameters.
    """
    odd = sorted({type(layer).__name__ for layer in model.layers
                  if not all(hasattr(layer, name) for name in _KERNELS)})
    if odd:
        raise TypeError(
            f"model must be a cdnotes.mlp.MLP of linear layers or a SequenceModel whose every "
            f"layer has the R-operator's kernels jvp_2d and rop_backward_2d (the CNN and "
            f"Transformer classifiers of cdnotes.models); this SequenceModel has "
            f"{', '.join(odd)} without them. SHFIN sequence models are not supported (their "
            f"Fourier-interaction blocks have no tangent kernels).")
    if not model.linear_layers:
        raise ValueError("the model has no parameters: its Hessian is empty")
    return model


def check_curvature_model(model):
    """An :class:`~cdnotes.mlp.MLP` of linear layers (:func:`check_model`) or a sequence
    model with the R-operator's kernels (:func:`check_sequence_model`).

    Parameters
    ----------
    model : object

    Returns
    -------
    ``model``
    """
    if isinstance(model, SequenceModel):
        return check_sequence_model(model)
    return check_model(model)


def layer_inputs(model, X):
    """Every layer with the activations entering it, in evaluation mode (the mode is restored).

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
    X : array ``(N, n_in)``, real floating, finite (checked against the model)

    Returns
    -------
    list of ``(layer, H)`` pairs, one per layer in order, ``H`` the ``(N, width)`` input of
    ``layer`` (on ``X``'s backend), followed by ``(None, output)`` with the last layer's
    output (all ``n_out`` columns, before slicing to ``n_classes``).
    """
    xp = model_input(model, X)
    trace, H = [], X
    with evaluation_mode(model):
        for layer in model.layers:
            trace.append((layer, H))
            H = layer.forward_2d(xp, H)
    trace.append((None, H))
    return trace
