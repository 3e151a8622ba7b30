"""Chapter 8: each layer's diagonal block against the whole network, and whitened against raw
inputs (paired by seed).

Like :mod:`cdnotes.report.network_hessian`, every function reads the committed records and
returns a :class:`cdnotes.report.glued.Section`.
"""
from __future__ import annotations

import numpy as np

from ..experiments import network_hessian_summary as nhs
from ..experiments.network_hessian import CUTOFFS, INPUTS, STATES
from ..experiments.report import count_words
from .glued import Section, Sentence
from .network_hessian import MODELS, NAME, geo, num, ratio_cell

__all__ = ["block_table", "whitened_table"]


def _block_geo(records, m, s, layer, field) -> float:
    """A diagonal block's κ(10⁻⁶) or max/median |λ| (geometric means) or its share of λ_max.

    ``field``: ``"kappa"``, ``"p50"`` or ``"share"`` (mean over seeds of the block's λ_max
    over the whole network's); NaN without runs.
    """
    rows = nhs.select(records, m, s, "raw")
    if not rows:
        return float("nan")
    if field == "kappa":
        k6 = CUTOFFS.index(1e-6)
        return 10 ** np.mean([np.log10(r["layers"][layer]["hessian"]["kappa"][k6])
                              for r in rows])
    if field == "p50":
        ratios = [r["layers"][layer]["hessian"]["percentile_ratio"][0] for r in rows]
        return 10 ** np.mean(np.log10(ratios))
    return np.mean([r["layers"][layer]["hessian"]["lambda_max"]
                    / r["hessian"]["lambda_max"] for r in rows])


def block_table(records) -> Section:
    """Each layer's diagonal block against the whole network, and the counts over blocks.

    Parameters
    ----------
    records : list of dict
        the committed ``network-hessian`` records

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    blocks = [(r, l) for r in records for l in r["layers"]]
    n_blocks = len(blocks)
    # counted over every block of every run: no negative curvature beyond rounding, the
    # block of H equal to G's (same λ_max), the whole λ_max above every block's
    values = {
        "ch8_block_neg": max(l["hessian"]["negative_mass"] for _, l in blocks),
        "ch8_blocks_psd": count_words(
            sum(l["hessian"]["negative_mass"] < 1e-9 for _, l in blocks), n_blocks, "blocks"),
        "ch8_blocks_equal_gn": count_words(
            sum(abs(l["hessian"]["lambda_max"] / l["gauss_newton"]["lambda_max"] - 1) < 1e-6
                for _, l in blocks), n_blocks, "blocks"),
        "ch8_blocks_below": count_words(
            sum(l["hessian"]["lambda_max"] <= r["hessian"]["lambda_max"] * (1 + 1e-9)
                for r, l in blocks), n_blocks, "blocks")}
    rows = [[NAME[m], s, num(geo(records, "ratio_p50", m, s))]
            + [num(_block_geo(records, m, s, l, "p50")) for l in range(3)]
            + [num(_block_geo(records, m, s, l, "share"), ".2f") for l in range(3)]
            for s in STATES for m in MODELS]
    last_share = [_block_geo(records, m, s, 2, "share") for m in MODELS for s in STATES]
    values["ch8_last_share_lo"] = np.nanmin(last_share)
    values["ch8_last_share_hi"] = np.nanmax(last_share)
    block_k6 = [_block_geo(records, m, s, l, "kappa") * 1e-6 for m in MODELS for s in STATES
                for l in range(3)]
    values["ch8_block_k6_lo"] = np.nanmin(block_k6)
    values["ch8_block_k6_hi"] = np.nanmax(block_k6)
    header = ["model", "state", "max|λ| / median |λ|, whole", "layer 1", "layer 2",
              "layer 3", "λ_max layer 1 / whole", "layer 2", "layer 3"]
    return Section(values, header, rows)


def whitened_table(records) -> Section:
    """Whitened against raw inputs, paired by seed; the trained models' test accuracy.

    Parameters
    ----------
    records : list of dict
        the committed ``network-hessian`` records

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    white_names = ["lambda_max", "kappa_gn_range", "kappa_h_1e-6", "ratio_p50",
                   "first_block_kappa_1e-6"]
    white = {(k, m, s): nhs.compare(records, k, (m, s, "whitened"), (m, s, "raw"),
                                    scale="log")
             for k in white_names for m in MODELS for s in STATES}
    rows = [[NAME[m], s] + [ratio_cell(white[k, m, s]) for k in white_names]
            for s in STATES for m in MODELS]
    values = {}
    for m in MODELS:
        for i in INPUTS:
            a = nhs.estimate(records, "test_accuracy", m, "trained", i)
            values[f"ch8_acc_{m}_{i}"] = float("nan") if a is None else 100 * a.mean
    first = white["first_block_kappa_1e-6", "cd8", "init"]
    values["ch8_first_white_cd8_init"] = nhs.format_comparison(first)
    values["ch8_first_white_ceiling"] = count_words(
        nhs.runs_at_ceiling(records, "first_block_kappa_1e-6", "cd8", "init", "raw"),
        len(first.seeds), "raw runs")
    for key, name in (("ch8_white_kgn", "kappa_gn_range"), ("ch8_white_p50", "ratio_p50")):
        values[key] = Sentence(nhs.settings_sentence(
            {f"{NAME[m]} {s}": white[name, m, s].verdict for m in MODELS for s in STATES}))
    return Section(values, ["model", "state"] + [nhs.metric(k)[0] for k in white_names], rows)
