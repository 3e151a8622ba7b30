"""Chapter 2: CDLinear's backward pass against central finite differences, shape by shape."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..gradcheck import gradcheck
from ..layers import CDLinear
from ..validation import check_block_size, check_choice, check_positive_int, check_real
from ._seeding import check_seed, child_seeds

__all__ = ["GradcheckCase", "gradient_check_cases"]


@dataclass(frozen=True)
class GradcheckCase:
    """Relative errors of one layer's analytic gradients against finite differences.

    Attributes
    ----------
    n_in, n_out, block_size : int
        The layer's shape.
    method : {"fft", "dense"}
        The layer's product path.
    error_C, error_b, error_X : float
        ``‖g_analytic − g_numeric‖ / max(‖g_analytic‖, ‖g_numeric‖)`` for ``∂L/∂C``,
        ``∂L/∂b`` and ``∂L/∂X`` (see :func:`cdnotes.gradcheck.gradcheck`).
    input_seed, layer_seed, probe_seed : int
        Seeds of ``X ~ N(0, 1)`` ``(n_samples, n_in)``, of the layer's initial weights and
        of the probe ``R`` in ``L = Σ R ⊙ Y``: ``gradcheck(CDLinear(..., seed=layer_seed,
        method=method), X, seed=probe_seed)`` reproduces the case.
    n_samples : int
        Rows of ``X``.
    """

    n_in: int
    n_out: int
    block_size: int
    method: str
    error_C: float
    error_b: float
    error_X: float
    input_seed: int
    layer_seed: int
    probe_seed: int
    n_samples: int

    @property
    def max_error(self) -> float:
        """The largest of the three relative errors."""
        return max(self.error_C, self.error_b, self.error_X)

    @property
    def shape(self) -> str:
        """``"(n_in, n_out, B)"``, for labels."""
        return f"({self.n_in}, {self.n_out}, {self.block_size})"


def gradient_check_cases(configs, *, methods=("fft", "dense"), n_samples: int = 5,
                         seed: int = 0, eps: float = 1e-6) -> list[GradcheckCase]:
    """Finite-difference checks of CDLinear layers of several shapes and product paths.

    Parameters
    ----------
    configs : iterable of ``(n_in, n_out, block_size)``
        ``block_size`` must divide both widths.
    methods : iterable of {"fft", "dense"}
        Product paths; every shape is checked through each, on the same ``X``, the same
        initial weights and the same probe.
    n_samples : int
        Rows of the input batch ``X`` ``(n_samples, n_in)``.
    seed : int
        Base seed; shape ``k`` uses the child seeds ``3k, 3k + 1, 3k + 2`` of
        ``numpy.random.SeedSequence(seed)`` for ``X``, the weights and the probe.
    eps : float
        Finite-difference step.

    Returns
    -------
    list of :class:`GradcheckCase`, ordered by shape, then method.
    """
    configs = [check_block_size(*c) for c in configs]
    methods = [check_choice(m, "method", ("fft", "dense")) for m in methods]
    n_samples = check_positive_int(n_samples, "n_samples")
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    seeds = child_seeds(check_seed(seed), 3 * len(configs))
    cases = []
    for k, (n_in, n_out, B) in enumerate(configs):
        input_seed, layer_seed, probe_seed = seeds[3 * k:3 * k + 3]
        X = np.random.default_rng(input_seed).standard_normal((n_samples, n_in))
        for method in methods:
            layer = CDLinear(n_in, n_out, B, seed=layer_seed, method=method)
            errors = gradcheck(layer, X, seed=probe_seed, eps=eps).errors
            cases.append(GradcheckCase(n_in, n_out, B, method, errors["C"], errors["b"],
                                       errors["X"], input_seed, layer_seed, probe_seed,
                                       n_samples))
    return cases
