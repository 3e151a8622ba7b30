"""Chapter 2: how the signal's scale drifts through deep stacks of freshly initialised layers."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..layers import CDLinear, Dense, ReLU
from ..validation import check_block_size, check_positive_int
from ._seeding import check_seed, child_seeds

__all__ = ["InitScale", "activation_scale"]


@dataclass(frozen=True)
class InitScale:
    """Mean square activations of random ReLU networks of one kind, layer by layer.

    Attributes
    ----------
    block_size : int
        ``B`` of every layer; ``1`` means :class:`cdnotes.Dense` layers.
    width, depth, n_inputs : int
        Every layer is ``width → width``; ``n_inputs`` Gaussian inputs ``N(0, I)``.
    mean_square : numpy.ndarray ``(n_networks, depth)``
        ``mean(h_l²)`` over inputs and units after layer ``l`` (linear, then ReLU).
    layer_seeds : tuple of tuples of int, ``(n_networks, depth)``
        The seed of every layer's initial weights.
    input_seed : int
        Seed of the inputs (shared by all kinds).
    """

    block_size: int
    width: int
    depth: int
    n_inputs: int
    mean_square: np.ndarray
    layer_seeds: tuple
    input_seed: int

    @property
    def label(self) -> str:
        return "Dense" if self.block_size == 1 else f"CDLinear B={self.block_size}"

    def quartiles(self):
        """``(q25, median, q75)`` over networks, each ``(depth,)``."""
        return tuple(np.percentile(self.mean_square, [25, 50, 75], axis=0))

    def gains(self) -> np.ndarray:
        """Gains of layers 2 to ``depth``: ``mean_square[:, l] / mean_square[:, l − 1]``.

        Averaged over weight draws, a He-initialised layer followed by a ReLU has gain 1
        for every ``B`` (given the layer's input ``h``, each output is a Gaussian of
        variance ``2·mean(h²)``, and the ReLU halves its mean square); how much one
        draw's gain fluctuates around 1 depends on ``B``.

        Returns
        -------
        numpy.ndarray ``(n_networks, depth − 1)``
        """
        return self.mean_square[:, 1:] / self.mean_square[:, :-1]


def activation_scale(block_sizes=(1, 16, 64), *, width: int = 256, depth: int = 12,
                     n_networks: int = 20, n_inputs: int = 500, seed: int = 0):
    """Push Gaussian inputs through random He-initialised ReLU networks; record the scale.

    Parameters
    ----------
    block_sizes : iterable of int
        One kind of network per entry: ``1`` is a stack of dense layers, ``B > 1`` of
        CDLinear layers with block size ``B`` (it must divide ``width``).
    width, depth : int
        Every network has ``depth`` layers ``width → width``, each followed by a ReLU.
    n_networks : int
        Random networks per kind.
    n_inputs : int
        Inputs ``X ~ N(0, I)`` of shape ``(n_inputs, width)``, the same for every network.
    seed : int
        Base seed. Child seed 0 of ``numpy.random.SeedSequence(seed)`` draws the inputs;
        layer ``l`` of network ``k`` uses child seed ``1 + k·depth + l`` — the same for
        every kind, so the kinds are compared on common random numbers.

    Returns
    -------
    list of :class:`InitScale`, one per block size.
    """
    width = check_positive_int(width, "width")
    depth = check_positive_int(depth, "depth")
    n_networks = check_positive_int(n_networks, "n_networks")
    n_inputs = check_positive_int(n_inputs, "n_inputs")
    block_sizes = [check_block_size(width, width, B)[2] for B in block_sizes]
    seeds = child_seeds(check_seed(seed), 1 + n_networks * depth)
    X = np.random.default_rng(seeds[0]).standard_normal((n_inputs, width))
    layer_seeds = tuple(tuple(seeds[1 + k * depth:1 + (k + 1) * depth])
                        for k in range(n_networks))
    relu = ReLU()
    out = []
    for B in block_sizes:
        moments = np.empty((n_networks, depth))
        for k, network_seeds in enumerate(layer_seeds):
            H = X
            for l, s in enumerate(network_seeds):
                layer = Dense(width, width, seed=s) if B == 1 else CDLinear(width, width, B, seed=s)
                H = relu.forward(layer.forward(H))
                moments[k, l] = np.mean(H ** 2)
        out.append(InitScale(B, width, depth, n_inputs, moments, layer_seeds, seeds[0]))
    return out
