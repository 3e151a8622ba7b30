"""Reading ``adapters`` records: per (base, regime, size) the rate chosen on validation and the
test accuracy there (:func:`summarize`)."""
from __future__ import annotations

from ..architectures.summary import summarize as _summarize_by_label

__all__ = ["regime_label", "summarize"]


def regime_label(base, kind, size) -> str:
    """``"transformer/lora_r4"``, ``"mlp/cd_B8"``, ``"mlp/head"``.

    Parameters
    ----------
    base, kind : str; size : int or None

    Returns
    -------
    str
    """
    tail = {"lora": f"lora_r{size}", "cd": f"cd_B{size}"}.get(kind, kind)
    return f"{base}/{tail}"


def summarize(records, level: float = 0.95) -> dict:
    """Per regime: the rate with the best mean validation accuracy over seeds, the test
    accuracy of every seed at that rate (the fair comparison's rule,
    :func:`cdnotes.experiments.architectures.summarize`), and the trainable count.

    Parameters
    ----------
    records : list of dict, ``adapters`` records
    level : float in (0, 1)

    Returns
    -------
    dict ``{label: row}`` (labels of :func:`regime_label`), rows as the fair comparison's with
    ``n_params`` the trainable count, plus ``base``, ``kind``, ``size``
    """
    shaped = [{**r, "model": regime_label(r["base"], r["kind"], r["size"]), "block_size": None,
               "n_params": r["trainable_params"]} for r in records]
    table = _summarize_by_label(shaped, level)
    first = {regime_label(r["base"], r["kind"], r["size"]): r for r in records}
    for label, row in table.items():
        r = first[label]
        row.update(base=r["base"], kind=r["kind"], size=r["size"])
    return table
