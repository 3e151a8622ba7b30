"""The spectral-training sweeps as jobs (:func:`spectral_sweep`, :func:`probe_sweep`) and
the library functions that run them on :mod:`cdnotes.engine` and return the results in the
committed file's layout (:func:`run_spectral_training`, :func:`run_table`,
:func:`run_cd_link`, :func:`run_probes`)."""
from __future__ import annotations

from dataclasses import asdict

import numpy as np

from ...engine import Sweep
from ..sweeps import run_local
from .config import ACTIVATIONS, INIT_MODELS, REGIMES, ProbeConfig, SweepConfig
from .document import probe_results, spectral_results
from .runs import TRAINING_FIELDS, run_job, run_probe_job
from .summaries import table1_summary

__all__ = ["spectral_settings", "spectral_jobs", "spectral_sweep", "probe_jobs",
           "probe_sweep", "run_table", "run_cd_link", "run_spectral_training", "run_probes"]

SPECTRAL_REGIMES = ("eigenvalues", "eigenvalues+eigenvectors")
"""The regimes of the compact-form and started-at-one probes."""

DESIGN_FIELDS = ("wide", "deep", "nonlinear", "biases", "architectures", "cd_block_sizes")
"""The :class:`SweepConfig` fields beside :data:`TRAINING_FIELDS` that a document keeps in
its settings (data sets, seeds and input-eigenvalue variants are in the jobs)."""


def spectral_settings(config: SweepConfig) -> dict:
    """The settings every job of ``config``'s sweep shares.

    Parameters
    ----------
    config : :class:`SweepConfig`

    Returns
    -------
    dict, JSON-ready
    """
    out = asdict(config)
    return {k: out[k] for k in TRAINING_FIELDS + DESIGN_FIELDS}


def spectral_jobs(config: SweepConfig, *, regimes: bool = True, cd_link: bool = True) -> list:
    """The jobs of ``config``: one per (variant, data set, configuration, bias) with every
    regime and seed, then one per CD-link model (variant, data set, seed, block size).

    Parameters
    ----------
    config : :class:`SweepConfig`
    regimes, cd_link : bool, default True
        Which parts of the experiment.

    Returns
    -------
    list of dict (see :func:`~cdnotes.experiments.spectral_training.run_job`)
    """
    jobs = []
    for variant in config.input_eigenvalues if regimes else ():
        for dataset in config.datasets:
            for architecture, hidden, _ in config.configurations():
                for bias in config.biases:
                    jobs.append({"kind": "regimes", "input_eigenvalues": variant,
                                 "dataset": dataset, "architecture": architecture,
                                 "hidden": list(hidden), "bias": bool(bias),
                                 "seeds": list(config.seeds)})
    for variant in config.input_eigenvalues if cd_link else ():
        for dataset in config.datasets:
            for seed in config.seeds:
                models = [(config.cd_block_sizes[0], "dense")] + [
                    (B, name) for B in config.cd_block_sizes
                    for name in ("cdlinear", "spectral", "constrained")]
                jobs += [{"kind": "cd_link", "input_eigenvalues": variant, "dataset": dataset,
                          "block_size": B, "seed": seed, "model": name,
                          "spectrum": seed == config.seeds[0]} for B, name in models]
    return jobs


def spectral_sweep(config: SweepConfig, *, cd_link: bool = True,
                   keep_weights: bool = False) -> Sweep:
    """The ``spectral`` :class:`~cdnotes.engine.Sweep` of ``config``.

    Parameters
    ----------
    config : :class:`SweepConfig`
    cd_link : bool, default True
    keep_weights : bool, default False
        Keep every linear run's retracted weights in its job's record (:func:`run_table`).

    Returns
    -------
    cdnotes.engine.Sweep
    """
    settings = spectral_settings(config)
    if keep_weights:
        settings["keep_weights"] = True
    return Sweep("spectral", settings, spectral_jobs(config, cd_link=cd_link), run_job)


def probe_jobs(config: ProbeConfig) -> list:
    """The jobs of the probes: one per run (kind, data set, model or regime, widths, seed).

    Parameters
    ----------
    config : :class:`ProbeConfig`

    Returns
    -------
    list of dict
    """
    jobs = []
    for dataset in config.datasets:
        for n2 in config.init_widths:
            jobs += [{"kind": "init", "dataset": dataset, "hidden": [n2, config.n3],
                      "model": model, "seed": seed}
                     for model in INIT_MODELS for seed in config.seeds]
        for architecture, hidden in config.compact_configs:
            hidden = [config.n3 if (architecture == "nonlinear" and k == 1) else h
                      for k, h in enumerate(hidden)]
            jobs += [{"kind": "compact", "dataset": dataset, "architecture": architecture,
                      "hidden": hidden, "regime": regime, "seed": seed}
                     for regime in SPECTRAL_REGIMES for seed in config.seeds]
        for n2 in config.overfit_widths:
            jobs += [{"kind": "overfit", "dataset": dataset, "hidden": [n2, config.n3],
                      "regime": regime, "seed": seed}
                     for regime in REGIMES for seed in config.seeds]
        for architecture, hidden in config.from_one_configs:
            if len(hidden) != len(ACTIVATIONS[architecture]):
                raise ValueError(f"from_one_configs: {architecture} needs "
                                 f"{len(ACTIVATIONS[architecture])} widths; got {hidden}")
            jobs += [{"kind": "from_one", "dataset": dataset, "architecture": architecture,
                      "hidden": list(hidden), "regime": regime, "seed": seed}
                     for regime in SPECTRAL_REGIMES for seed in config.seeds]
    return jobs


def probe_sweep(config: ProbeConfig) -> Sweep:
    """The ``spectral-probes`` :class:`~cdnotes.engine.Sweep` of ``config``.

    Parameters
    ----------
    config : :class:`ProbeConfig`

    Returns
    -------
    cdnotes.engine.Sweep
    """
    settings = {k: v for k, v in asdict(config).items() if k not in ("datasets", "seeds")}
    return Sweep("spectral-probes", settings, probe_jobs(config), run_probe_job)


def run_table(config: SweepConfig = SweepConfig(), *, workers: int = 1, progress=None):
    """Every (dataset, configuration, bias, regime, seed) of ``config``: records and weights.

    Parameters
    ----------
    config : :class:`SweepConfig`
    workers : int >= 1
        Local processes of :mod:`cdnotes.engine` (the records do not depend on it).
    progress : None, True or False
        A progress bar over jobs (``None``: only on a terminal).

    Returns
    -------
    records : list of dict (see :func:`~cdnotes.experiments.spectral_training.run_one`;
        linear runs with their weight distances)
    weights : list of numpy arrays or None, parallel to ``records``
    """
    doc = run_local(spectral_sweep(config, cd_link=False, keep_weights=True), n_jobs=workers,
                    progress=progress)
    pairs = [(run, None if W is None else np.array(W, dtype=np.float64))
             for r in doc["records"] for run, W in zip(r["runs"], r["weights"])]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def run_cd_link(config: SweepConfig = SweepConfig(), *, workers: int = 1, progress=None):
    """Spectral vs CDLinear vs constrained vs dense at matched trained-parameter counts.

    For each dataset, block size ``B`` and seed: the CDLinear, spectral and constrained
    models (:func:`~cdnotes.experiments.spectral_training.cd_models`), and once per seed the
    dense perceptron (its ``block_size`` is ``None``), trained with the linear settings;
    test accuracy; the Gauss-Newton matrix (cross-entropy) with respect to the model's own
    trained parameters on the first ``curvature_samples`` training samples; its eigenvalues
    and condition number on the range (:func:`cdnotes.conditioning.condition_number`) and
    ``κ`` at the relative cutoffs 1e-6 and 1e-10.

    Parameters
    ----------
    config : :class:`SweepConfig`
    workers : int >= 1
    progress : None, True or False

    Returns
    -------
    records : list of dict
    spectra : list of dict
        For the first seed: the sorted Gauss-Newton eigenvalues of every model.
    """
    sweep = Sweep("spectral", spectral_settings(config),
                  spectral_jobs(config, regimes=False), run_job)
    out = spectral_results(run_local(sweep, n_jobs=workers, progress=progress))
    return out.get("cd_link", []), out.get("cd_spectra", [])


def run_spectral_training(config: SweepConfig = SweepConfig(), *, workers: int = 1,
                          progress=None, cd_link: bool = True) -> dict:
    """The whole experiment: the regime sweep, the weight distances, the CD link.

    Parameters
    ----------
    config : :class:`SweepConfig`
    workers : int >= 1
        Local processes of :mod:`cdnotes.engine` (the results do not depend on it).
    progress : None, True or False
    cd_link : bool
        Also run the CD link (:func:`run_cd_link`).

    Returns
    -------
    dict
        ``config``, ``records``, ``seed_floor`` (unconstrained-to-unconstrained W1),
        ``perceptron_weights`` (the first seed's retracted perceptron weights per variant,
        dataset, bias and regime), ``cd_link``, ``cd_spectra``, ``table1`` (per variant,
        dataset and bias), ``paper``, and the run's provenance.
    """
    doc = run_local(spectral_sweep(config, cd_link=cd_link), n_jobs=workers, progress=progress)
    out = spectral_results(doc)
    out["table1"] = table1_summary(out["records"], config.input_eigenvalues, config.datasets,
                                   config.biases)
    return out


def run_probes(config: ProbeConfig = ProbeConfig(), *, workers: int = 1, progress=None):
    """The initialisation probe, the compact form and the non-linear widths for overfitting.

    Parameters
    ----------
    config : :class:`ProbeConfig`
    workers : int >= 1
    progress : None, True or False

    Returns
    -------
    dict
        ``config``; ``init`` (:func:`~cdnotes.experiments.spectral_training.init_probe`
        records); ``compact`` (the ``transfer="compact"`` models); ``overfit`` (run_one
        records of the extra non-linear widths); ``from_one`` (trained input eigenvalues
        started at 1); the run's provenance.
    """
    return probe_results(run_local(probe_sweep(config), n_jobs=workers, progress=progress))
