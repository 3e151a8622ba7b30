"""Reading a ``shfin`` results document of either layout.

The committed ``shfin_mnist1d*.json`` hold ``config``, ``records``, ``cost``,
``paper_baselines`` and their provenance at the top level; ``python -m cdnotes shfin``
writes a sweep document (:mod:`cdnotes.engine`: ``settings``, one record per (variant,
seed), ``sources``) with ``cost`` and ``cost_config`` added. :func:`shfin_results` gives the
first layout for both.
"""
from __future__ import annotations

from ..sweeps import is_sweep_document, plain_record, provenance, read_document, unique
from .config import COST_SETTINGS, PAPER_BASELINES, VARIANTS

__all__ = ["shfin_results"]


def shfin_results(doc) -> dict:
    """A ``shfin`` results document in the committed files' layout.

    Parameters
    ----------
    doc : dict, str or os.PathLike
        The committed layout (returned unchanged), the sweep document of
        ``python -m cdnotes shfin``, or a path to either.

    Returns
    -------
    dict
        ``config`` (``train``, ``variants`` with descriptions, ``seeds``, ``shfin_base``,
        ``jobs``, ``cost``), ``records`` (one per run), ``cost`` (one row per length),
        ``paper_baselines``, ``command``, ``argv``, ``environment``, ``wall_seconds``.

    Raises
    ------
    ValueError
        Not a results document of ``shfin``.
    """
    doc = read_document(doc, "shfin")
    if not is_sweep_document(doc):
        return doc
    jobs = [r["job"] for r in doc["records"]]
    sources = doc["sources"]
    config = {"train": doc["settings"].get("train"),
              "variants": {v: VARIANTS[v][2] if v in VARIANTS else v
                           for v in unique(j["variant"] for j in jobs)},
              "seeds": unique(j["seed"] for j in jobs),
              "shfin_base": doc["settings"].get("shfin_base"),
              "jobs": sources[-1].get("n_jobs") if sources else None,
              "cost": doc.get("cost_config", {"lengths": [], **COST_SETTINGS})}
    out = {"config": config, "records": [plain_record(r) for r in doc["records"]],
           "cost": doc.get("cost", []), "paper_baselines": PAPER_BASELINES}
    out.update(provenance(doc))
    return out
