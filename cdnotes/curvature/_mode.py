"""Evaluate a model in evaluation mode without changing the mode its owner left it in."""
from __future__ import annotations

import contextlib

from ..backend import namespace_of
from ..validation import check_array, check_input, check_same_dtype

__all__ = ["evaluation_mode", "model_input", "check_model", "layer_inputs"]


@contextlib.contextmanager
def evaluation_mode(model):
    """``with evaluation_mode(model):`` — every layer in eval mode inside, modes restored after."""
    modes = [layer.training for layer in model.layers]
    model.eval()
    try:
        yield model
    finally:
        for layer, mode in zip(model.layers, modes):
            layer.training = mode


def model_input(model, X):
    """Check ``model`` (an MLP) and ``X`` ``(N, model.n_in)`` against it; return its namespace."""
    check_model(model)
    check_array(X, "X")
    xp = namespace_of(X, *[p for layer in model.linear_layers for p in layer.params.values()])
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, {model.n_in}); got {tuple(X.shape)}")
    check_input(xp, X, model.n_in)
    check_same_dtype(X=X, parameters=model.linear_layers[0].reference_param)
    return xp


def check_model(model):
    """``model`` must be an MLP: layers, linear layers and ``n_classes`` (``TypeError`` otherwise)."""
    if not (hasattr(model, "layers") and hasattr(model, "linear_layers")
            and hasattr(model, "n_classes")):
        raise TypeError(f"model must be a cdnotes.mlp.MLP (layers with a last linear layer); got "
                        f"{type(model).__name__}. Wrap a single layer: MLP([layer])")
    return model


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
