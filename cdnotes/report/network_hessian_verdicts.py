"""Chapter 8: the paper's κ beside the measured ones, the verdict table, the equal count, SLQ.

Like :mod:`cdnotes.report.network_hessian`, every function reads the committed records and
returns a :class:`cdnotes.report.glued.Section`.
"""
from __future__ import annotations

import numpy as np

from ..experiments import PAPER_TABLE1
from ..experiments import network_hessian_summary as nhs
from ..experiments.network_hessian import INPUTS, STATES
from ..experiments.report import count_words
from .glued import Section, Sentence
from .network_hessian import MODELS, NAME, geo, num

__all__ = ["ORDER", "PHRASE", "KINDS", "paper_kappa_table", "verdict_table", "equal_count",
           "slq_table"]

ORDER = ("dense", "cd4", "cd8")
PAPER_ROWS = ["kappa_gn_range", "kappa_h_1e-6", "ratio_rank_half"]
PHRASE = {"holds": "holds", "fails": "fails", "unresolved": "is unresolved",
          "no verdict (at the ceiling)": "gets no verdict (at the ceiling)", None: "–"}
KINDS = {"cutoff κ": ["kappa_gn_range", "kappa_gn_structural", "kappa_h_structural",
                      "kappa_h_1e-6", "kappa_h_1e-3", "last_block_kappa_1e-6"],
         "equal count": ["ratio_rank_half", "ratio_rank_tenth"],
         "weights": ["paper_weights_sv"]}
SETTINGS = [(s, i) for i in INPUTS for s in STATES]


def paper_kappa_table(records) -> Section:
    """The paper's κ, the weights reading (median, quartiles) and the network's κ, trained, raw.

    Parameters
    ----------
    records : list of dict
        the committed ``network-hessian`` records

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    reading = {m: nhs.paper_reading(records, m) for m in MODELS}

    def geo_cell(k, m):
        mark = " †" if nhs.runs_at_ceiling(records, k, m, "trained", "raw") else ""
        return num(geo(records, k, m, "trained")) + mark

    rows = [[NAME[m], f"{PAPER_TABLE1[m]['kappa']:.2g}", reading[m].n,
             f"{reading[m].median:.2g}",
             f"{reading[m].lower_quartile:.2g} – {reading[m].upper_quartile:.2g}"]
            + [geo_cell(k, m) for k in PAPER_ROWS] for m in MODELS]

    def order_word(k):
        # the paper's ordering, each neighbouring pair paired by seed (95% interval)
        return (f"{nhs.metric(k)[0]}: "
                f"{nhs.ordering_verdict(records, k, ORDER, 'trained', 'raw') or 'n < 2'}")

    held = {True: "holds", False: "fails"}
    values = {
        "ch8_paper_order": Sentence("; ".join(order_word(k) for k in PAPER_ROWS)),
        "ch8_paper_paired_order": PHRASE[nhs.ordering_verdict(
            records, "paper_weights_sv", ORDER, "trained", "raw")],
        "ch8_paper_median_order": held[bool(nhs.ordering(reading, ORDER))],
        "ch8_paper_geo_order": held[bool(nhs.ordering(reading, ORDER, "geometric_mean"))]}
    for m in MODELS:
        values[f"ch8_paper_median_{m}"] = f"{reading[m].median:.2e}"
        values[f"ch8_paper_geo_{m}"] = f"{reading[m].geometric_mean:.2g}"
        values[f"ch8_paper_n_{m}"] = reading[m].n
    worst = max(nhs.values(records, "paper_weights_sv", "cd8", "trained", "raw").items(),
                key=lambda kv: kv[1])
    values["ch8_paper_worst_seed"] = worst[0]
    values["ch8_paper_worst"] = f"{worst[1]:.1e}"
    seeds = nhs.seeds_of(records, "cd8", "trained", "raw")
    values["ch8_paper_seeds"] = f"{min(seeds)}–{max(seeds)}"
    pairs = {(a, b): nhs.compare(records, "paper_weights_sv", (a, "trained", "raw"),
                                 (b, "trained", "raw"))
             for a, b in (("cd4", "dense"), ("cd8", "dense"), ("cd8", "cd4"))}
    resolved = [c for c in pairs.values() if c.verdict in ("lower", "higher")]
    values["ch8_paper_resolved"] = count_words(len(resolved), len(pairs), "pairs")
    values["ch8_paper_paired"] = Sentence("; ".join(
        f"{NAME[a]}/{NAME[b]} {nhs.format_comparison(c)} ({c.verdict})"
        for (a, b), c in pairs.items()))
    header = (["model", "paper's κ", "seeds", "weights reading: median",
               "interquartile range"] + [nhs.metric(k)[0] for k in PAPER_ROWS])
    return Section(values, header, rows)


def verdict_table(records) -> Section:
    """Each definition of κ and setting: CD-B4 / CD-B8 against dense, and the counts.

    ``data["by_kind"]`` holds :func:`~cdnotes.experiments.network_hessian_summary.verdict_counts`
    per kind of measure, and the values include the chapter's answer
    (:func:`~cdnotes.experiments.network_hessian_summary.conditioning_answer`).

    Parameters
    ----------
    records : list of dict
        the committed ``network-hessian`` records

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    definitions = [k for names in KINDS.values() for k in names]
    verdicts = {(k, s, i, m): nhs.compare(records, k, (m, s, i), ("dense", s, i)).verdict
                for k in definitions for s, i in SETTINGS for m in ("cd4", "cd8")}

    def cell(k, s, i):
        words = [verdicts[k, s, i, m] or "–" for m in ("cd4", "cd8")]
        return words[0] if words[0] == words[1] else " / ".join(words)

    rows = [[nhs.metric(k)[0]] + [cell(k, s, i) for s, i in SETTINGS] for k in definitions]
    by_kind = {kind: nhs.verdict_counts(v for (k, *_), v in verdicts.items() if k in names)
               for kind, names in KINDS.items()}
    every = nhs.verdict_counts(verdicts.values())
    values = {"ch8_rank_tenth": nhs.EQUAL_COUNT_RANKS["tenth"],
              "ch8_n_comparisons": every["total"],
              "ch8_n_ceiling": every["at the ceiling"],
              "ch8_n_verdicts": every["decided"]}
    for word in ("lower", "higher", "unresolved"):
        values[f"ch8_n_{word}"] = every[word]
    values["ch8_verdict_sentence"] = Sentence(nhs.conditioning_answer(by_kind))
    header = (["definition (CD-B4 / CD-B8 against dense; one word: both)"]
              + [f"{s}, {i}" for s, i in SETTINGS])
    return Section(values, header, rows, data={"by_kind": by_kind})


def equal_count(records) -> Section:
    """Why the equal count: the size effect, and CD / dense at the medians and at equal rank.

    Parameters
    ----------
    records : list of dict
        the committed ``network-hessian`` records

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    values = {"ch8_n_dense_seeds": min(len(nhs.seeds_of(records, "dense", s, i))
                                       for s, i in SETTINGS)}
    gaps = [nhs.compare(records, "kappa_h_1e-6", (m, s, i), ("dense", s, i))
            for s, i in SETTINGS for m in ("cd4", "cd8")]
    gaps = [10 ** abs(g.estimate.mean) for g in gaps if g.estimate is not None]
    values["ch8_cutoff_gap_text"] = f"at most {max(gaps):.2g}-fold" if gaps else "not measured"
    # the size effect: one model's median |λ| against its own k-th largest (k: equal count)
    for m in ("dense", "cd4"):
        size = (geo(records, "ratio_p50", m, "init")
                / geo(records, "ratio_rank_half", m, "init"))
        values[f"ch8_size_{m}"] = f"{size:.2g}"
        values[f"ch8_median_rank_{m}"] = PAPER_TABLE1[m]["n_params"] // 2
    for m in ("cd4", "cd8"):
        p50 = nhs.compare(records, "ratio_p50", (m, "init", "raw"), ("dense", "init", "raw"))
        half = nhs.compare(records, "ratio_rank_half", (m, "init", "raw"),
                           ("dense", "init", "raw"))
        values[f"ch8_p50_{m}"] = nhs.format_comparison(p50)
        values[f"ch8_half_{m}"] = nhs.format_comparison(half)
        values[f"ch8_half_{m}_verdict"] = half.verdict
    values["ch8_p50_lower_all"] = count_words(
        sum(nhs.compare(records, k, (m, s, i), ("dense", s, i)).verdict == "lower"
            for k in ("ratio_p50", "ratio_p90") for s, i in SETTINGS for m in ("cd4", "cd8")),
        2 * len(SETTINGS) * 2, "comparisons")
    return Section(values)


def share_within(r, log10_edges) -> float:
    """Share of a run's eigenvalues with |λ| below one SLQ smoothing width (whole bins only)."""
    h, edges = r["hessian"]["log_histogram"], np.array(log10_edges)
    inside = edges[1:] <= np.log10(r["slq"]["sigma"])
    n = sum(np.sum(np.array(h[k])[inside]) for k in ("positive", "negative"))
    return (n + h["zero"] + sum(h["below"])) / r["n_params"]


def slq_table(results, threshold=0.05) -> Section:
    """SLQ against the exact smoothed density: L¹ distances, probes needed, mass near zero.

    Parameters
    ----------
    results : dict
        the ``network-hessian`` document (``records``, ``settings``)
    threshold : float, default 0.05
        the L¹ distance counted as close

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    records, probes = results["records"], results["settings"]["slq_probes"]
    rows = []
    for m in MODELS:
        for s in STATES:
            runs = nhs.select(records, m, s, "raw")
            if runs:
                l1 = np.mean([r["slq"]["l1_smoothed"] for r in runs], axis=0)
                rows.append([NAME[m], s, len(runs)] + [f"{x:.3f}" for x in l1])
    need = [nhs.probes_needed(r, threshold) for r in records if r["inputs"] == "raw"]
    raw = [r for r in records if r["inputs"] == "raw"]
    edges = results["settings"]["log10_edges"]
    values = {
        "ch8_slq_threshold": threshold,
        "ch8_slq_need": Sentence(nhs.probes_sentence(need, probes)),
        "ch8_slq_need_median": Sentence(nhs.probe_words(
            float(np.median([np.inf if p is None else p for p in need])))),
        "ch8_slq_l1_first": np.mean([r["slq"]["l1_smoothed"][0] for r in raw]),
        "ch8_slq_l1_last": np.mean([r["slq"]["l1_smoothed"][-1] for r in raw]),
        "ch8_slq_probes_last": probes[-1],
        "ch8_slq_share_min": 100 * min(share_within(r, edges) for r in raw)}
    header = (["model", "state", "seeds"]
              + [f"L1, {p} probe{'s' if p > 1 else ''}" for p in probes])
    return Section(values, header, rows)
