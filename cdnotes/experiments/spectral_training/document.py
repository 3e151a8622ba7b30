"""Reading a spectral-training results document of either layout.

The committed ``spectral_training.json`` holds ``config``, ``records`` (one per run),
``seed_floor``, ``perceptron_weights``, ``table1``, ``paper``, ``cd_link``, ``cd_spectra``,
``probes`` and its provenance at the top level. ``python -m cdnotes spectral`` writes a sweep
document (:mod:`cdnotes.engine`): ``settings``, one record per job (a configuration's runs,
or one CD-link model), ``sources``, and ``table1`` (and ``probes``, added by
``spectral-probes``). :func:`spectral_results` and :func:`probe_results` give the first
layout for both, so every summary reads either.
"""
from __future__ import annotations

from dataclasses import fields

from ..sweeps import is_sweep_document, plain_record, provenance, read_document, unique
from .config import PAPER_PERCEPTRON, PAPER_TABLE1, ProbeConfig, SweepConfig

__all__ = ["spectral_results", "probe_results"]

PROBE_KINDS = ("init", "compact", "overfit", "from_one")


def _config(cls, settings: dict, derived: dict) -> dict:
    """The configuration's fields in their order: ``derived`` first, then ``settings``."""
    return {f.name: derived[f.name] if f.name in derived else settings.get(f.name)
            for f in fields(cls)}


def spectral_results(doc) -> dict:
    """A ``spectral`` results document in the committed file's layout.

    Parameters
    ----------
    doc : dict, str or os.PathLike
        The committed layout (returned unchanged) or the sweep document of
        ``python -m cdnotes spectral``, or a path to either.

    Returns
    -------
    dict
        ``config`` (the :class:`SweepConfig` fields), ``records`` (one per run),
        ``seed_floor``, ``perceptron_weights``, ``paper``, ``cd_link`` and ``cd_spectra``
        (when the CD link ran), ``table1`` and ``probes`` (when present), ``command``,
        ``argv``, ``environment``, ``wall_seconds``.

    Raises
    ------
    ValueError
        Not a results document of ``spectral``.
    """
    doc = read_document(doc, "spectral")
    if not is_sweep_document(doc):
        probes = doc.get("probes")
        if isinstance(probes, dict) and "records" in probes:      # new probes, older file
            return dict(doc, probes=probe_results(probes))
        return doc
    regimes = [r for r in doc["records"] if r["job"].get("kind") == "regimes"]
    cd = [r for r in doc["records"] if r["job"].get("kind") == "cd_link"]
    jobs = [r["job"] for r in regimes + cd]
    seeds = unique([s for j in jobs for s in j.get("seeds", [j.get("seed")])])
    config = _config(SweepConfig, doc["settings"],
                     {"datasets": unique(j["dataset"] for j in jobs), "seeds": seeds,
                      "input_eigenvalues": unique(j["input_eigenvalues"] for j in jobs)})
    out = {"config": config,
           "records": [run for r in regimes for run in r["runs"]],
           "seed_floor": [row for r in regimes for row in r["seed_floor"]],
           "perceptron_weights": [row for r in regimes for row in r["perceptron_weights"]],
           "paper": {"table1_mnist": PAPER_TABLE1, "perceptron_mnist": PAPER_PERCEPTRON}}
    if "table1" in doc:
        out["table1"] = doc["table1"]
    if cd:
        out["cd_link"] = [plain_record(r, "eigenvalues") for r in cd]
        out["cd_spectra"] = [{"input_eigenvalues": r["input_eigenvalues"],
                              "dataset": r["dataset"], "block_size": r["block_size"],
                              "model": r["model"], "eigenvalues": r["eigenvalues"]}
                             for r in cd if "eigenvalues" in r]
    if "probes" in doc:
        out["probes"] = probe_results(doc["probes"])
    out.update(provenance(doc))
    return out


def probe_results(doc) -> dict:
    """A ``spectral-probes`` document (the ``probes`` of a spectral file) in the committed
    layout.

    Parameters
    ----------
    doc : dict, str or os.PathLike
        The committed ``probes`` object (returned unchanged) or the sweep document of
        ``python -m cdnotes spectral-probes``.

    Returns
    -------
    dict
        ``config`` (the :class:`ProbeConfig` fields), ``init``, ``compact``, ``overfit``,
        ``from_one`` (records of each kind, in job order), ``command``, ``argv``,
        ``environment``, ``wall_seconds``.
    """
    if isinstance(doc, dict) and "records" not in doc:            # the committed layout
        return doc
    doc = read_document(doc, "spectral-probes")
    if not is_sweep_document(doc):
        return doc
    jobs = [r["job"] for r in doc["records"]]
    config = _config(ProbeConfig, doc["settings"],
                     {"datasets": unique(j["dataset"] for j in jobs),
                      "seeds": unique(j["seed"] for j in jobs)})
    out = {"config": config}
    for kind in PROBE_KINDS:
        out[kind] = [plain_record(r) for r in doc["records"] if r["job"]["kind"] == kind]
    out.update(provenance(doc))
    return out
