"""The layer interface every cdnotes layer shares (as in micrograd or numpy-ml).

``forward(X)``
    ``X`` of shape ``(..., n_in)`` -> ``Y``; caches what the backward pass needs.
``backward(dY)``
    ``∂L/∂Y`` -> returns ``∂L/∂X`` and fills ``grads`` (same keys and shapes as
    ``params``), summed over all batch dimensions.
``forward_2d(xp, X2)`` / ``backward_2d(xp, dY2)``
    the same on 2-D arrays with no checks, for models that validate once at their
    boundary (:class:`cdnotes.mlp.MLP`).
``params`` / ``grads``
    dicts of arrays; ``n_params`` counts the scalars in ``params``.
``train()`` / ``eval()``
    training or evaluation mode (only dropout behaves differently).
``to(xp, device=None, dtype=None)``
    move (and optionally cast) the parameters to another array backend.
"""
from __future__ import annotations

from ..backend import namespace_of, to_numpy
from ..validation import check_dtype, check_namespace

__all__ = ["Layer"]


class Layer:
    """Base class: parameter bookkeeping, train/eval mode, moving between backends.

    Attributes
    ----------
    params : dict of arrays
        The trainable arrays (empty for activations and dropout).
    grads : dict of arrays
        Filled by ``backward``: the same keys and shapes as ``params``.
    training : bool
        ``True`` in training mode (dropout active).
    n_params : int
        Number of trainable scalars.
    """

    def __init__(self):
        self.params: dict = {}
        self.grads: dict = {}
        self.training = True
        self._cache = None
        self._batch = None          # batch shape of the last public forward()

    # -- mode ---------------------------------------------------------------
    def train(self):
        """Training mode (dropout active). Returns ``self``."""
        self.training = True
        return self

    def eval(self):
        """Evaluation mode (dropout is the identity). Returns ``self``."""
        self.training = False
        return self

    # -- bookkeeping --------------------------------------------------------
    @property
    def n_params(self) -> int:
        """Number of trainable scalars."""
        return sum(int(p.size) for p in self.params.values())

    def to(self, xp=None, device=None, dtype=None):
        """Move the parameters to backend ``xp`` (a name or a namespace; default: stay).

        ``dtype`` (``"float32"``/``"float64"``) also casts them. Returns ``self``.
        """
        target = check_namespace(xp) if xp is not None else None
        for name, value in self.params.items():
            host = to_numpy(value)
            space = target if target is not None else namespace_of(value)
            new_dtype = check_dtype(space, dtype if dtype is not None else str(host.dtype))
            kwargs = {} if device is None else {"device": device}
            self.params[name] = space.asarray(host, dtype=new_dtype, **kwargs)
        self.grads = {}
        self._cache = None
        return self

    def curvature(self):
        """The layer's curvature hooks (:mod:`cdnotes.layers.hooks`); ``None``: it has none."""
        return None

    def __call__(self, X):
        return self.forward(X)

    def forward(self, X):  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, dY):  # pragma: no cover - interface
        raise NotImplementedError

    def _cached(self):
        cache = self._cache
        if cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward; run "
                               "forward(X) on the batch first")
        return cache
