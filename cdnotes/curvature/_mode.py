"""Evaluate a model in evaluation mode without changing the mode its owner left it in."""
from __future__ import annotations

import contextlib

from ..backend import namespace_of
from ..validation import check_input

__all__ = ["evaluation_mode", "model_input"]


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
    """Check ``X`` ``(N, model.n_in)`` against the model; return its namespace."""
    xp = namespace_of(X, *[p for layer in model.linear_layers for p in layer.params.values()])
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, {model.n_in}); got {tuple(X.shape)}")
    check_input(xp, X, model.n_in)
    return xp
