"""Optimizers: they update ``layer.params`` from ``layer.grads`` for any linear layer."""
from __future__ import annotations

from ..validation import check_real

__all__ = ["SGD"]


class SGD:
    """SGD with (heavy-ball) momentum, PyTorch's convention: ``v ← μ v + g``, ``θ ← θ − η v``.

    Parameters
    ----------
    lr : float > 0
    momentum : float in [0, 1)

    Attributes
    ----------
    velocity : dict ``{(layer index, parameter name): array}`` — the state, inspectable.
    """

    def __init__(self, lr: float = 0.1, momentum: float = 0.9):
        self.lr = check_real(lr, "lr", low=0.0, low_open=True)
        self.momentum = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
        self.velocity = {}

    def step(self, layers):
        """One update of every parameter of ``layers`` that has a gradient."""
        for index, layer in enumerate(layers):
            for name, grad in layer.grads.items():
                v = self.velocity.get((index, name))
                v = grad if v is None else self.momentum * v + grad
                self.velocity[index, name] = v
                layer.params[name] = layer.params[name] - self.lr * v
