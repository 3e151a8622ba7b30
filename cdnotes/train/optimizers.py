"""Optimizers: they update ``layer.params`` from ``layer.grads`` for any linear layer.

Each optimizer has ``step(layers)`` and keeps its state in dicts keyed by
``(layer index, parameter name)``, so the state can be inspected.
"""
from __future__ import annotations

from ..backend import namespace_of
from ..validation import check_choice, check_real

__all__ = ["SGD", "Adam", "AdaMax", "OPTIMIZERS", "make_optimizer"]


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
        """One update of every parameter of ``layers`` that has a gradient.

        Parameters
        ----------
        layers : sequence of :class:`~cdnotes.layers.Linear`
            Layers whose ``grads`` hold the gradient of the current mini-batch.
        """
        for index, layer in enumerate(layers):
            for name, grad in layer.grads.items():
                v = self.velocity.get((index, name))
                v = grad if v is None else self.momentum * v + grad
                self.velocity[index, name] = v
                layer.params[name] = layer.params[name] - self.lr * v


def _moving_average(state, key, value, beta):
    """``state[key] ← β state[key] + (1 − β) value`` (``(1 − β) value`` the first time)."""
    old = state.get(key)
    new = (1 - beta) * value if old is None else beta * old + (1 - beta) * value
    state[key] = new
    return new


class Adam:
    """Adam (Kingma & Ba 2015, Algorithm 1) with bias correction.

    ``m ← β₁ m + (1 − β₁) g``, ``v ← β₂ v + (1 − β₂) g²``,
    ``θ ← θ − η m̂ / (√v̂ + ε)`` with ``m̂ = m / (1 − β₁ᵗ)``, ``v̂ = v / (1 − β₂ᵗ)``.

    Parameters
    ----------
    lr : float > 0
    beta1, beta2 : float in [0, 1)
    eps : float > 0

    Attributes
    ----------
    t : int — steps taken.
    m, v : dict ``{(layer index, parameter name): array}`` — the moment estimates.
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        self.lr = check_real(lr, "lr", low=0.0, low_open=True)
        self.beta1 = check_real(beta1, "beta1", low=0.0, high=1.0, high_open=True)
        self.beta2 = check_real(beta2, "beta2", low=0.0, high=1.0, high_open=True)
        self.eps = check_real(eps, "eps", low=0.0, low_open=True)
        self.t = 0
        self.m, self.v = {}, {}

    def step(self, layers):
        """One update of every parameter of ``layers`` that has a gradient.

        Parameters
        ----------
        layers : sequence of :class:`~cdnotes.layers.Linear`
            Layers whose ``grads`` hold the gradient of the current mini-batch.
        """
        self.t += 1
        c1, c2 = 1.0 - self.beta1 ** self.t, 1.0 - self.beta2 ** self.t
        for index, layer in enumerate(layers):
            for name, g in layer.grads.items():
                xp = namespace_of(g)
                m = _moving_average(self.m, (index, name), g, self.beta1)
                v = _moving_average(self.v, (index, name), g * g, self.beta2)
                step = (self.lr / c1) * m / (xp.sqrt(v / c2) + self.eps)
                layer.params[name] = layer.params[name] - step


class AdaMax:
    """AdaMax (Kingma & Ba 2015, Algorithm 2): Adam with the infinity norm.

    ``m ← β₁ m + (1 − β₁) g``, ``u ← max(β₂ u, |g| + ε)``, ``θ ← θ − (η / (1 − β₁ᵗ)) m / u``.
    The paper's algorithm has no ``ε``; it is added to ``|g|`` as PyTorch does, so a
    parameter whose gradient has always been exactly zero (a dead unit) is not divided by 0.

    Parameters
    ----------
    lr : float > 0
        The paper's default is 0.002.
    beta1, beta2 : float in [0, 1)
    eps : float > 0

    Attributes
    ----------
    t : int — steps taken.
    m, u : dict ``{(layer index, parameter name): array}`` — the first moment and the
        exponentially weighted infinity norm.
    """

    def __init__(self, lr: float = 2e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        self.lr = check_real(lr, "lr", low=0.0, low_open=True)
        self.beta1 = check_real(beta1, "beta1", low=0.0, high=1.0, high_open=True)
        self.beta2 = check_real(beta2, "beta2", low=0.0, high=1.0, high_open=True)
        self.eps = check_real(eps, "eps", low=0.0, low_open=True)
        self.t = 0
        self.m, self.u = {}, {}

    def step(self, layers):
        """One update of every parameter of ``layers`` that has a gradient.

        Parameters
        ----------
        layers : sequence of :class:`~cdnotes.layers.Linear`
            Layers whose ``grads`` hold the gradient of the current mini-batch.
        """
        self.t += 1
        rate = self.lr / (1.0 - self.beta1 ** self.t)
        for index, layer in enumerate(layers):
            for name, g in layer.grads.items():
                xp = namespace_of(g)
                key = (index, name)
                m = _moving_average(self.m, key, g, self.beta1)
                a = xp.abs(g) + self.eps
                u = a if key not in self.u else xp.maximum(self.beta2 * self.u[key], a)
                self.u[key] = u
                layer.params[name] = layer.params[name] - rate * m / u


OPTIMIZERS = ("sgd", "adam", "adamax")


def make_optimizer(name: str = "sgd", *, lr: float = 0.1, momentum: float = 0.9,
                   beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
    """The optimizer called ``name`` with its hyper-parameters (unused ones are ignored).

    Parameters
    ----------
    name : {"sgd", "adam", "adamax"}
    lr : float > 0
    momentum : float in [0, 1)
        SGD only.
    beta1, beta2 : float in [0, 1); eps : float > 0
        Adam and AdaMax only.

    Returns
    -------
    SGD or Adam or AdaMax
    """
    check_choice(name, "optimizer", OPTIMIZERS)
    if name == "sgd":
        return SGD(lr, momentum)
    cls = Adam if name == "adam" else AdaMax
    return cls(lr, beta1=beta1, beta2=beta2, eps=eps)
