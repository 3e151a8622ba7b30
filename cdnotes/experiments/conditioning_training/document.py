"""Reading an ``lr-sweep`` results document of either layout.

The committed ``conditioning_training.json`` holds ``config``, ``runs``,
``lambda_max_init`` and its provenance at the top level; ``python -m cdnotes lr-sweep``
writes a sweep document (:mod:`cdnotes.engine`: ``settings``, one record per job,
``sources``). :func:`conditioning_results` gives the first layout for both, and
:func:`runs_from_json` takes either document or its ``runs``.
"""
from __future__ import annotations

from ..sweeps import is_sweep_document, plain_record, provenance, read_document, unique
from .config import model_spec
from .runs import TrainingRun

__all__ = ["conditioning_results", "runs_from_json"]

_CONFIG_ORDER = ("datasets", "models", "seeds", "epochs", "sgd_rates", "adam_rates",
                 "kfac_rates", "kfac_options", "whitened_rates", "stall_epochs", "whitenings",
                 "sharpness_rates", "sharpness_seeds", "lanczos_steps", "sharpness_samples",
                 "momentum", "batch_size", "thresholds", "threads", "model_widths")


def conditioning_results(doc) -> dict:
    """An ``lr-sweep`` results document in the committed file's layout.

    Parameters
    ----------
    doc : dict, str or os.PathLike
        The committed layout (returned unchanged), the sweep document of
        ``python -m cdnotes lr-sweep``, or a path to either.

    Returns
    -------
    dict
        ``config`` (data sets, models, seeds, rate grids, …, ``model_widths``), ``runs``
        (one dict per training run), ``lambda_max_init``, ``command``, ``argv``,
        ``environment``, ``wall_seconds``.

    Raises
    ------
    ValueError
        Not a results document of ``lr-sweep``.
    """
    doc = read_document(doc, "lr-sweep")
    if not is_sweep_document(doc):
        return doc
    jobs = [r["job"] for r in doc["records"]]
    datasets, models = unique(j["dataset"] for j in jobs), unique(j["model"] for j in jobs)
    derived = {"datasets": datasets, "models": models, "seeds": unique(j["seed"] for j in jobs),
               "sharpness_seeds": unique(j["seed"] for j in jobs if j.get("track_sharpness")),
               "model_widths": {d: {m: list(model_spec(d, m)[0]) for m in models}
                                for d in datasets}}
    config = {k: derived[k] if k in derived else doc["settings"].get(k) for k in _CONFIG_ORDER}
    out = {"config": config,
           "runs": [plain_record(r) for r in doc["records"] if r["job"]["kind"] == "run"],
           "lambda_max_init": [plain_record(r) for r in doc["records"]
                               if r["job"]["kind"] == "lambda_max_init"]}
    out.update(provenance(doc))
    return out


def runs_from_json(rows):
    """:class:`TrainingRun` objects from the ``runs`` of a results file.

    Parameters
    ----------
    rows : list of dict, or a results document of either layout (its runs)

    Returns
    -------
    list of TrainingRun
    """
    if isinstance(rows, dict):
        rows = conditioning_results(rows)["runs"]
    return [TrainingRun(**row) for row in rows]
