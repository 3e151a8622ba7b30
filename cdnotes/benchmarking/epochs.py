"""Training epochs on digits, timed in turns, and the book's one epoch-time ratio.
"""
from __future__ import annotations

import time

import numpy as np

from ..timing import blas_threads
from ..validation import check_choice, check_int

__all__ = ["epoch_time_ratio", "digits_epoch_seconds", "goal_text"]


def epoch_time_ratio(model_seconds, reference_seconds, level: float = 0.95) -> dict:
    """A model's epoch time over a reference's, from units (repeats, seeds) timed together.

    The book's one definition of "CD takes so many times a dense epoch": for each unit ``u``
    (a repeat of :func:`digits_epoch_seconds`, or a seed of a training grid, in which both
    models ran on the same machine at about the same time) the ratio of the model's median
    epoch to the reference's, ``r_u = median(model_u) / median(reference_u)``; then their
    median, their range and a Student-t interval for their geometric mean (``mean_ci`` of
    ``log r_u``, mapped back), which a unit whose load differed widens.

    Parameters
    ----------
    model_seconds, reference_seconds : sequence, one entry per unit
        Each entry the epoch times of that unit (a sequence of positive seconds) or one number
        (already a per-unit summary); both sequences of the same length >= 1.
    level : float in (0, 1), default 0.95

    Returns
    -------
    dict with ``by_unit`` (list of ``r_u``), ``median``, ``low``/``high`` (the interval for the
    geometric mean; ``None`` with fewer than two units), ``geometric_mean``, ``lo``/``hi``
    (the smallest and largest ``r_u``) and ``n``
    """
    from ..stats import mean_ci

    if len(model_seconds) != len(reference_seconds) or not len(model_seconds):
        raise ValueError(f"epoch_time_ratio pairs units: got {len(model_seconds)} and "
                         f"{len(reference_seconds)} units")

    def per_unit(t):
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        if t.size == 0 or not np.all(np.isfinite(t)) or np.any(t <= 0):
            raise ValueError("epoch_time_ratio needs positive, finite epoch times")
        return float(np.median(t))

    ratios = [per_unit(m) / per_unit(r) for m, r in zip(model_seconds, reference_seconds)]
    out = {"by_unit": ratios, "median": float(np.median(ratios)), "n": len(ratios),
           "lo": min(ratios), "hi": max(ratios),
           "geometric_mean": float(np.exp(np.mean(np.log(ratios)))), "low": None, "high": None}
    if len(ratios) >= 2:
        ci = mean_ci(np.log(ratios), level)
        out.update(low=float(np.exp(ci.low)), high=float(np.exp(ci.high)))
    return out


def _epoch_summary(per_repeat, models):
    """Median, quartiles and ratios of ``per_repeat`` = ``[{model: [seconds]}]``.

    ``ratio_by_repeat`` is each repeat's median epoch over the first model's; ``ratio`` is
    the median of those, so it lies inside their range (:func:`epoch_time_ratio`, whose
    whole result is ``ratio_detail``).
    """
    seconds = {m: [t for rep in per_repeat for t in rep[m]] for m in models}
    detail = {m: epoch_time_ratio([rep[m] for rep in per_repeat],
                                  [rep[models[0]] for rep in per_repeat]) for m in models}
    by_repeat = [{m: detail[m]["by_unit"][i] for m in models} for i in range(len(per_repeat))]
    return {"seconds": seconds, "median": {m: float(np.median(t)) for m, t in seconds.items()},
            "ratio": {m: detail[m]["median"] for m in models},
            "ratio_by_repeat": by_repeat, "ratio_detail": detail,
            "quartiles": {m: tuple(float(q) for q in np.percentile(t, [25, 75]))
                          for m, t in seconds.items()}}


def digits_epoch_seconds(models=("dense", "cd4", "cd8"), *, epochs: int = 10, repeats: int = 1,
                         seed: int = 0, method: str = "auto", threads=1, batch_size: int = 64):
    """Seconds per training epoch of the paper's digits models, measured in turns.

    One epoch is the forward pass, backward pass and SGD update (momentum 0.9) of every
    mini-batch of ``batch_size`` over the digits training split (1,437 images), with no
    evaluation. For each of ``repeats`` repeats, every model is built afresh (seed ``seed``,
    CDLinear path ``method``) and trained one untimed epoch, then ``epochs`` timed epochs;
    epoch ``e`` of every model runs before epoch ``e + 1`` of any, in an order rotated each
    epoch (each epoch is one call of :func:`cdnotes.train.train` with one epoch, so the
    optimizer's momentum restarts — which changes no cost).

    Three clocks time the same interval, the whole ``train`` call (its argument checks and
    batch shuffling included): ``"wall"`` (``time.perf_counter``), ``"cpu"``, the processor
    time of the process (``time.process_time``, all its threads) and ``"thread"``, that of
    the calling thread alone (``time.thread_time``). On a machine shared with other
    processes the wall clock also counts the time spent waiting for a core, the processor
    time does not; ``"cpu"`` exceeds ``"thread"`` by the work of other threads (BLAS or FFT
    threads if ``threads`` allows them, or e.g. a Jupyter kernel's own threads).

    Parameters
    ----------
    models : sequence of {"dense", "cd4", "cd8"}, default ("dense", "cd4", "cd8")
        The paper's models (:func:`cdnotes.mlp.paper_model`); ratios are to the first.
    epochs : int >= 1, default 10
        Timed epochs per model and repeat.
    repeats : int >= 1, default 1
    seed : int, default 0
        Seed of the data split and the models; epoch ``e`` shuffles with ``seed + 1 + e``.
    method : {"auto", "fft", "dense"}, default "auto"
        CDLinear's path.
    threads : int >= 1 or None, default 1
        BLAS and FFT threads (:func:`~cdnotes.timing.blas_threads`).
    batch_size : int, default 64

    Returns
    -------
    dict
        The settings (``models``, ``epochs``, ``repeats``, ``seed``, ``method``,
        ``threads``, ``batch_size``), ``n_train``, and for each clock (``"cpu"``,
        ``"wall"``, ``"thread"``): ``seconds`` (``{model: [every timed epoch]}``),
        ``median``, ``ratio_by_repeat`` (per repeat, the model's median epoch over the first
        model's), ``ratio`` (the median of those), ``ratio_detail`` (``{model:``
        :func:`epoch_time_ratio` ``}``) and ``quartiles`` (``{model: (25th, 75th
        percentile)}``).
    """
    from ..data import digits_split
    from ..mlp import paper_model
    from ..train import TrainConfig, train

    models = [check_choice(m, "model", ("dense", "cd4", "cd8")) for m in models]
    epochs = check_int(epochs, "epochs", minimum=1)
    repeats = check_int(repeats, "repeats", minimum=1)
    X, _, y, _ = digits_split(seed)
    config = TrainConfig(epochs=1, batch_size=batch_size)
    clocks = {"wall": time.perf_counter, "cpu": time.process_time, "thread": time.thread_time}
    measured = {clock: [] for clock in clocks}
    with blas_threads(threads):
        for r in range(repeats):
            nets = {m: paper_model(m, seed=seed, method=method) for m in models}
            for m in models:                                     # warm-up epoch
                train(nets[m], X, y, config=config, seed=seed)
            for per_repeat in measured.values():
                per_repeat.append({m: [] for m in models})
            for e in range(epochs):
                shift = (e + r) % len(models)
                for m in models[shift:] + models[:shift]:
                    start = {clock: read() for clock, read in clocks.items()}
                    train(nets[m], X, y, config=config, seed=seed + 1 + e)
                    # read in reverse, so the wall-clock interval contains the others
                    end = {clock: read() for clock, read in reversed(clocks.items())}
                    for clock in clocks:
                        measured[clock][-1][m].append(end[clock] - start[clock])
    return {"models": models, "epochs": epochs, "repeats": repeats, "seed": seed, "method": method,
            "threads": threads, "batch_size": batch_size, "n_train": int(X.shape[0]),
            **{clock: _epoch_summary(measured[clock], models) for clock in clocks}}


def goal_text(meets: dict, labels: dict, layers) -> str:
    """Which layers met a speed goal, which missed it, and which it did not cover, in words.

    Parameters
    ----------
    meets : dict
        Layer key -> ``True`` (met), ``False`` (missed) or ``None`` (not measured), for the
        layers the goal covers.
    labels : dict
        Layer key -> name as shown.
    layers : iterable of str
        Every layer measured, in the order to list them.

    Returns
    -------
    str, e.g. ``"was met by A and B; none of the six layers the goal covers missed it;
    C and D were not part of it"``
    """
    from ..words import listed, number_word

    def names(keys):
        return listed([labels[k] for k in keys], fmt="s")

    met = [k for k, v in meets.items() if v]
    missed = [k for k, v in meets.items() if v is False]
    unmeasured = [k for k, v in meets.items() if v is None]
    outside = [k for k in layers if k not in meets]
    covered = ("the one layer the goal covers" if len(meets) == 1 else
               f"the {number_word(len(meets))} layers the goal covers")
    parts = [f"was met by {names(met)}" if met else f"was met by none of {covered}"]
    if not missed:
        parts.append(f"none of {covered} missed it")
    else:
        parts.append(f"{names(missed)} missed it")
    if unmeasured:
        parts.append(f"{names(unmeasured)} {'was' if len(unmeasured) == 1 else 'were'} "
                     "not measured at that width")
    if outside:
        parts.append(f"{names(outside)} {'was' if len(outside) == 1 else 'were'} "
                     "not part of it")
    return "; ".join(parts)
