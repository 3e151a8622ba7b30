"""The models of the spectral-training experiment: one per regime and architecture
(:func:`build_model`, with the constrained model's matched weight count), and the four
matched perceptrons of the CD link (:func:`cd_models`)."""
from __future__ import annotations

import numpy as np

from ...layers import CDLinear, Dense, MaskedDense, ReLU
from ...mlp import MLP
from ...spectral import spectral_mlp
from ...validation import check_choice
from .config import INPUT_VARIANTS, REGIMES

__all__ = ["constrained_counts", "eigenvalue_count", "build_model", "cd_models", "is_linear"]


def constrained_counts(total: int, shapes) -> list:
    """Split ``total`` trained weights over layers of ``shapes`` ``[(n_out, n_in)]``.

    Proportionally to each layer's number of weights, at least one per layer, at most all
    of them; the counts add up to ``total`` clipped to ``[len(shapes), Σ sizes]``.

    Parameters
    ----------
    total : int >= len(shapes)
    shapes : sequence of (n_out, n_in)

    Returns
    -------
    list of int
    """
    sizes = np.array([a * b for a, b in shapes], dtype=np.int64)
    goal = min(max(int(total), len(sizes)), int(sizes.sum()))
    target = goal * sizes / sizes.sum()
    counts = np.minimum(np.maximum(1, np.floor(target).astype(np.int64)), sizes)
    while counts.sum() > goal:                 # the floor of 1 overshot: take from the largest
        i = int(np.argmax(np.where(counts > 1, counts - target, -np.inf)))
        counts[i] -= 1
    while counts.sum() < goal:                 # hand out the rest where most is missing
        i = int(np.argmax(np.where(counts < sizes, target - counts, -np.inf)))
        counts[i] += 1
    return [int(c) for c in counts]


def eigenvalue_count(widths, input_eigenvalues: str = "fixed") -> int:
    """Trained eigenvalues of the Λ-only model of ``widths`` ``(n_in, *hidden, n_classes)``.

    The perceptron trains its ``n_in + n_classes`` eigenvalues in both variants; a model
    with hidden layers trains each layer's output-node eigenvalues (``Σ widths[1:]``,
    ``"fixed"``) and, ``"trained"``, each layer's input-node eigenvalues too
    (``+ Σ widths[:-1]``: a hidden node has one eigenvalue in the layer it ends and one in
    the layer it starts, as each layer's operator ``A_k`` has its own ``Λ_k``).

    Parameters
    ----------
    widths : sequence of int
    input_eigenvalues : {"fixed", "trained"}

    Returns
    -------
    int
    """
    check_choice(input_eigenvalues, "input_eigenvalues", INPUT_VARIANTS)
    widths = list(widths)
    if len(widths) == 2 or input_eigenvalues == "trained":
        return sum(widths[:-1]) + sum(widths[1:])
    return sum(widths[1:])


def build_model(regime: str, n_in: int, hidden, activations, *, bias: bool, seed: int,
                n_classes: int = 10, input_eigenvalues: str = "fixed",
                transfer: str = "inverse") -> MLP:
    """The model of one regime for ``n_in → hidden… → n_classes``.

    Parameters
    ----------
    regime : one of :data:`REGIMES`
    n_in : int
    hidden : tuple of int
        Hidden widths.
    activations : list of {"relu", None}
        One per hidden layer.
    bias : bool
    seed : int
    n_classes : int, default 10
    input_eigenvalues : {"fixed", "trained"}, default "fixed"
        The spectral models' input-node eigenvalues (the perceptron's are trained in both);
        the constrained model trains as many weights as the Λ-only model eigenvalues
        (:func:`eigenvalue_count`). The unconstrained model does not depend on it.
    transfer : {"inverse", "compact"}, default "inverse"
        The spectral layers' form (:data:`cdnotes.spectral.TRANSFERS`).

    Returns
    -------
    :class:`~cdnotes.mlp.MLP`
    """
    check_choice(regime, "regime", REGIMES)
    check_choice(input_eigenvalues, "input_eigenvalues", INPUT_VARIANTS)
    widths = (n_in, *hidden, n_classes)
    perceptron = not hidden
    if regime in ("eigenvalues", "eigenvalues+eigenvectors"):
        train_groups = ("eigenvalues",) if regime == "eigenvalues" else (
            "eigenvalues", "eigenvectors")
        trainable = perceptron or input_eigenvalues == "trained"
        return spectral_mlp(widths, activations=activations, train=train_groups,
                            input_eigenvalues="trainable" if trainable else "fixed",
                            bias=bias, seed=seed, transfer=transfer)
    seeds = np.random.SeedSequence(seed).spawn(len(widths))
    shapes = list(zip(widths[1:], widths[:-1]))
    if regime == "constrained":
        counts = constrained_counts(eigenvalue_count(widths, input_eigenvalues), shapes)
    layers = []
    for k, (n_out, n_prev) in enumerate(shapes):
        layer_seed = int(seeds[k].generate_state(1)[0])
        if regime == "unconstrained" and bias:
            layer = Dense(n_prev, n_out, seed=layer_seed)
        elif regime == "unconstrained":
            layer = MaskedDense(n_prev, n_out, n_prev * n_out, seed=layer_seed)
        else:
            layer = MaskedDense(n_prev, n_out, counts[k], bias=bias, frozen="init",
                                seed=layer_seed)
        layers.append(layer)
        if k < len(activations) and activations[k] == "relu":
            layers.append(ReLU())
    return MLP(layers)


def is_linear(activations) -> bool:
    """Whether a model with these hidden activations is linear (no ReLU).

    Parameters
    ----------
    activations : sequence of ``None`` or activation names, one per hidden layer

    Returns
    -------
    bool
    """
    return all(a is None for a in activations)


def cd_models(n_in: int, B: int, seed: int, input_eigenvalues: str = "fixed") -> dict:
    """The matched models of :func:`~cdnotes.experiments.spectral_training.run_cd_link`,
    untrained: ``{name: MLP}``.

    Parameters
    ----------
    n_in : int; B : int (divides 16 and ``n_in``); seed : int
    input_eigenvalues : {"fixed", "trained"}
        The spectral model's variant (its ``N₂`` keeps the count equal to CDLinear's).

    Returns
    -------
    dict ``{"cdlinear", "spectral", "constrained", "dense": MLP}``
    """
    n_out = 16 if 16 % B == 0 and n_in % B == 0 else None
    if n_out is None:
        raise ValueError(f"block size {B} must divide 16 and the input width {n_in}")
    check_choice(input_eigenvalues, "input_eigenvalues", INPUT_VARIANTS)
    cd = MLP([CDLinear(n_in, n_out, B, seed=seed, method="dense")], n_classes=10)
    P = cd.n_params
    if input_eigenvalues == "fixed":
        n2 = P - 20                 # N₂ + 10 eigenvalues + 10 output biases = P
    else:                           # n + N₂ + N₂ + 10 eigenvalues + 10 output biases = P
        n2, odd = divmod(P - 20 - n_in, 2)
        if odd or n2 < 1:
            raise ValueError(f"no N₂ matches P = {P} with trained input eigenvalues "
                             f"(n_in = {n_in})")
    # no bias in the telescopic layer: in a linear stack it adds nothing the output bias
    # cannot (N₂ parameters, at most 10 independent directions)
    spectral = spectral_mlp((n_in, n2, 10), activations=[None], bias=[False, True], seed=seed,
                            input_eigenvalues="fixed" if input_eigenvalues == "fixed"
                            else "trainable")
    constrained = MLP([MaskedDense(n_in, 10, P - 10, bias=True, frozen="init", seed=seed)])
    dense = MLP([Dense(n_in, 10, seed=seed)])
    return {"cdlinear": cd, "spectral": spectral, "constrained": constrained, "dense": dense}
