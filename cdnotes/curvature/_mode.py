"""Models checked at the curvature tools' boundary; layer inputs in evaluation mode.

``evaluation_mode``, ``check_model`` and ``model_input`` live with the models
(:mod:`cdnotes.mlp`); this module keeps their old import path.
"""
from __future__ import annotations

from ..mlp import check_model, evaluation_mode, model_input

__all__ = ["evaluation_mode", "model_input", "check_model", "layer_inputs"]


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
