"""Chapter 5: the early epochs, the last layer's Hessian, the readings of κ and the depth runs.

Each function returns a :class:`cdnotes.report.glued.Section` of the glued values and the
table; the chapter keeps its guard assertions and calls these for the words.
"""
from __future__ import annotations

import numpy as np

from ..experiments import PAPER_TABLE1
from ..experiments import network_hessian_summary as nhs
from ..experiments.depth import depth_gaps, gap_growth
from ..experiments.digits import BULK_QUANTILE
from ..experiments.report import ci_text, count_words, position, range_text, ratio_ci_text, sig_text
from ..experiments.verdicts import epochs_verdict, growth_verdict, like_for_like_text
from ..mlp import paper_model
from ..stats import paired_difference_ci
from .digits import MODELS, SHORT, by_model
from .glued import Section, Sentence

__all__ = ["early_epochs", "last_layer", "exact_zeros", "READINGS", "num", "readings_table",
           "paper_readings", "depth_table", "SHOWN_EPOCHS"]

SHOWN_EPOCHS = (1, 2, 3, 5, 10, 15, 20, 25)
READINGS = {"weights_sv": "weights", "theorem1_inputs": "Theorem 1 on inputs",
            "circulant_spectrum": "circulant spectrum"}
PAPER_READING = {"dense": "weights_sv", "cd4": "theorem1_inputs", "cd8": "theorem1_inputs"}


def num(x) -> str:
    """A κ reading for the page: ``"∞"`` or three significant digits.

    Parameters
    ----------
    x : float

    Returns
    -------
    str
    """
    return "∞" if np.isinf(x) else f"{x:.3g}"


def _ratio_text(g):
    return f"{10 ** g.mean:.2f} [{10 ** g.low:.2f}, {10 ** g.high:.2f}]"


def early_epochs(loss_gap, acc_gap, first=range(1, 11), last_from=20) -> Section:
    """Epochs where dense's loss or accuracy is significantly ahead or behind (paired by seed).

    Parameters
    ----------
    loss_gap, acc_gap : dict
        ``{"cd4": [...], "cd8": [...]}``: :func:`~cdnotes.experiments.digits.epoch_gaps` per epoch
        (log10 of the loss ratio dense / CD; accuracy dense − CD).
    first : range
        The "first epochs".
    last_from : int
        The late epochs run from here to the last.

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    n_ep = len(loss_gap["cd4"])
    if n_ep < max(max(first), last_from):
        raise ValueError(f"early_epochs: the runs have {n_ep} epochs; the first epochs "
                         f"{first.start}–{first.stop - 1} and the late ones from {last_from} "
                         "need at least as many")
    last = range(last_from, n_ep + 1)
    late = f"epochs {last[0]}–{last[-1]}"
    values = {}
    for m in ("cd4", "cd8"):
        for key, gaps, epochs, side, words in (
                ("early_loss", loss_gap, first, "below", "first epochs"),
                ("late_loss", loss_gap, last, "above", late),
                ("early_acc", acc_gap, first, "above", "first epochs"),
                ("late_acc", acc_gap, last, "above", late)):
            k, n = epochs_verdict(gaps[m], epochs, side)
            values[f"ch5_{key}_{m}"] = count_words(k, n, words)
    shown = [e for e in SHOWN_EPOCHS if e <= n_ep]
    rows = [[e, _ratio_text(loss_gap["cd4"][e - 1]), _ratio_text(loss_gap["cd8"][e - 1]),
             ci_text(acc_gap["cd4"][e - 1]), ci_text(acc_gap["cd8"][e - 1])] for e in shown]
    header = ["epoch", "loss dense / B = 4", "loss dense / B = 8", "Δ accuracy dense − B = 4",
              "Δ accuracy dense − B = 8"]
    return Section(values, header, rows)


def last_layer(curv, n_hessian) -> Section:
    """The last layer's exact Hessian after training: zeros, the bulk's decades, dead ReLUs.

    Parameters
    ----------
    curv : dict
        :func:`~cdnotes.experiments.curvature_summaries` of the runs with the full Hessian.
    n_hessian : int
        The seeds per model with the full Hessian.

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    values = {}
    for m in MODELS:
        values[f"ch5_bulk_{m}"] = range_text(curv[m].bulk_decades, ".1f")
        values[f"ch5_hess_zero_{m}"] = range_text(curv[m].n_zero)
    bulk = [d for c in curv.values() for d in c.bulk_decades]
    n_cd = sum(len(curv[m].seeds) for m in ("cd4", "cd8"))
    n_reach = sum(curv["cd4"].reaches_cutoff + curv["cd8"].reaches_cutoff)
    share = f"{100 * (1 - BULK_QUANTILE):.0f} %"
    values.update({
        "ch5_bulk_over3": count_words(sum(d > 3 for d in bulk), len(bulk), "runs"),
        "ch5_dense_reach": count_words(sum(curv["dense"].reaches_cutoff),
                                       len(curv["dense"].seeds), "runs"),
        "ch5_cd_reach": count_words(n_reach, n_cd, "CD runs"),
        "ch5_n_hessian": n_hessian, "ch5_bulk_share": share,
        "ch5_bulk_min": min(bulk), "ch5_bulk_max": max(bulk)})
    rows = [[MODELS[m], c.n_params_last, range_text(c.n_zero),
             range_text(c.bulk_decades, ".1f"),
             count_words(sum(c.reaches_cutoff), len(c.seeds)), range_text(c.dead_units)]
            for m, c in curv.items()]
    header = ["model", "P", "zero eigenvalues (< 1e-10 λ_max)",
              f"decades spanned by the largest {share} of the rest",
              "runs reaching the threshold (within a decade)", "dead ReLUs (both hidden layers)"]
    return Section(values, header, rows)


def exact_zeros(curv) -> Section:
    """Exact null directions from the last layer's shape; fewer zeros for CD?; the logits' part.

    ``curv`` as for :func:`last_layer`. The exact null directions of the last layer's Hessian,
    from its shape: ``n_in // B + 1`` plus one per unused output (``n_out - 10``);
    ``data["null"]`` holds them per model.

    Parameters
    ----------
    curv : dict
        :func:`~cdnotes.experiments.curvature_summaries` of the runs with the full Hessian

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    values, null = {}, {}
    for m in MODELS:
        last = paper_model(m).linear_layers[-1]
        pad = last.n_out - 10                     # outputs beyond the ten classes
        null[m] = last.n_in // last.block_size + 1 + pad
        values[f"ch5_null_{m}"] = null[m]
        if pad:
            values[f"ch5_pad_{m}"] = pad
    # fewer zeros in every run? (a per-run comparison, stated as such)
    zeros = {m: curv[m].n_zero for m in MODELS}
    fewer = max(zeros["cd4"] + zeros["cd8"]) < min(zeros["dense"])
    values["ch5_fewer_zeros"] = Sentence((
        "So in every run the CD layers have fewer zeros" if fewer else
        "So the exact zeros alone are fewer in CD layers, but counted with the numerical "
        "ones not in every run") + f" ({range_text(zeros['cd4'])} at $B = 4$ and "
        f"{range_text(zeros['cd8'])} at $B = 8$, against {range_text(zeros['dense'])} "
        "for dense).")
    for m in MODELS:
        values[f"ch5_confident_{m}"] = range_text(curv[m].confident_percent)
    spans = [d for c in curv.values() for d in c.logit_decades]
    nine = sum(n == 9 for c in curv.values() for n in c.logit_nonzero)
    values["ch5_logit_nine"] = count_words(nine, len(spans), "runs")
    values["ch5_logit_five"] = ("not five" if max(spans) < 5 else "at most "
                                f"{max(spans):.1f}, five or more in "
                                f"{sum(d >= 5 for d in spans)}")
    values["ch5_logit_decades_min"] = min(spans)
    values["ch5_logit_decades_max"] = max(spans)
    rows = [[MODELS[m], range_text(c.logit_nonzero), range_text(c.logit_decades, ".1f"),
             range_text(c.confident_percent)] for m, c in curv.items()]
    header = ["model", "non-zero eigenvalues", "decades spanned",
              "% of training digits with p > 0.999"]
    return Section(values, header, rows, data={"null": null})


def readings_table(readings) -> Section:
    """Each reading of the paper's κ over the seeds: median, quartiles, finite / ∞ runs.

    ``readings``: :func:`~cdnotes.experiments.kappa_reading_summaries`' result; a reading
    with no finite run is marked "(a)" (the page's footnote).

    Parameters
    ----------
    readings : dict
        ``{(model, reading): ReadingSummary}``

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    rows = [[MODELS[m], READINGS[key] + (" (a)" if s.n_finite == 0 else ""), num(s.median),
             f"{num(s.lower_quartile)} – {num(s.upper_quartile)}",
             f"{s.n_finite} / {s.n_inf}", f"{PAPER_TABLE1[m]['kappa']:.2g}"]
            for (m, key), s in readings.items()]
    header = ["model", "reading", "median", "interquartile range", "runs finite / ∞", "paper"]
    return Section({}, header, rows)


def paper_readings(records, readings, hess_records) -> Section:
    """The paper's κ against our readings, and the like-for-like weights reading by seed.

    Parameters
    ----------
    records : list of DigitsRecord
    readings : dict
        As for :func:`readings_table`.
    hess_records : list of dict
        Chapter 8's committed two-layer runs (``network_hessian_summary.load_results``).

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    by = by_model(records)
    values = {}
    where = {m: readings[m, key].position(PAPER_TABLE1[m]["kappa"])
             for m, key in PAPER_READING.items()}
    for m, key in PAPER_READING.items():
        s = readings[m, key]
        values[f"ch5_read_{m}_is"] = where[m]
        values[f"ch5_read_{m}_iqr"] = f"{num(s.lower_quartile)} to {num(s.upper_quartile)}"
        values[f"ch5_read_{m}_inf"] = count_words(s.n_inf, s.n)
    values["ch5_read_inside"] = count_words(sum(w == "inside" for w in where.values()), 3)
    open_ended = [f"B = {m[2:]}" for m in ("cd4", "cd8")
                  if np.isinf(readings[m, PAPER_READING[m]].upper_quartile)]
    values["ch5_read_open"] = (
        "Neither CD range reaches ∞." if not open_ended else
        f"At {' and '.join(open_ended)} the range reaches ∞: it holds any large value, so a"
        " value inside it says little.")
    values["ch5_cd_inf"] = sum(np.isinf(r.kappa.theorem1_inputs) for r in records
                               if r.model != "dense")
    values["ch5_cd_runs"] = sum(r.model != "dense" for r in records)
    like = {m: readings[m, "weights_sv"].median for m in MODELS}
    paper_ratio = {m: PAPER_TABLE1["dense"]["kappa"] / PAPER_TABLE1[m]["kappa"]
                   for m in ("cd4", "cd8")}
    like_gm = {}
    for m in ("cd4", "cd8"):
        values[f"ch5_like_{m}"] = sig_text(like["dense"] / like[m])
        # the same ratio seed by seed: log10 κ(dense) − log10 κ(CD), paired, with its interval
        g = paired_difference_ci(np.log10([r.kappa.weights_sv for r in by["dense"]]),
                                 np.log10([r.kappa.weights_sv for r in by[m]]))
        like_gm[SHORT[m]] = g
        values[f"ch5_like_{m}_gm"] = sig_text(10 ** g.mean)
        values[f"ch5_like_{m}_low"] = sig_text(10 ** g.low)
        values[f"ch5_like_{m}_high"] = sig_text(10 ** g.high)
        values[f"ch5_like_{m}_paper"] = position(np.log10(paper_ratio[m]), g)
        values[f"ch5_like_{m}_factor"] = sig_text(paper_ratio[m] / 10 ** g.high)
        values[f"ch5_paper_ratio_{m}"] = Sentence(f"≈{sig_text(paper_ratio[m])}")
    # the same reading in chapter 8's committed two-layer runs: CD against dense, by seed
    other = {SHORT[m]: nhs.compare(hess_records, "paper_weights_sv", (m, "trained", "raw"),
                                   ("dense", "trained", "raw")) for m in ("cd4", "cd8")}
    values["ch5_like_summary"] = Sentence(like_for_like_text(
        like_gm, {k: (c.verdict, len(c.seeds)) for k, c in other.items()},
        "chapter 8's two-layer runs"))
    return Section(values)


def depth_table(deep) -> Section:
    """Gaps dense − CD in accuracy and the weights' κ by depth, and whether they grow.

    ``deep``: the ``depth_digits`` document (``records``, ``config``, ``command``).

    Parameters
    ----------
    deep : dict
        the ``depth_digits`` document

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    drec = deep["records"]
    acc_d = {m: depth_gaps(drec, "accuracy", m) for m in ("cd4", "cd8")}
    kap_d = {m: depth_gaps(drec, "log10_kappa_weights", m) for m in ("cd4", "cd8")}
    params = {(r["model"], r["depth"]): r["n_params"] for r in drec}
    depths = sorted(acc_d["cd4"])
    rows = [[d, " / ".join(f"{params[m, d]:,}" for m in MODELS),
             ci_text(acc_d["cd4"][d]), ci_text(acc_d["cd8"][d]),
             ratio_ci_text(kap_d["cd4"][d]), ratio_ci_text(kap_d["cd8"][d])] for d in depths]
    values = {}
    for m in ("cd4", "cd8"):
        grow_acc = gap_growth(drec, "accuracy", m)
        values[f"ch5_depth_acc_{m}"] = Sentence(growth_verdict(
            grow_acc, f"the accuracy gap dense − {SHORT[m]}")
            + f" (its change {ci_text(grow_acc)} points)")
        grow = gap_growth(drec, "log10_kappa_weights", m)
        values[f"ch5_depth_kappa_{m}"] = Sentence(growth_verdict(
            grow, f"the κ ratio dense / {SHORT[m]}"))
        values[f"ch5_depth_kappa_{m}_x"] = sig_text(10 ** grow.mean)
        values[f"ch5_depth_kappa_{m}_low"] = sig_text(10 ** grow.low)
        values[f"ch5_depth_kappa_{m}_high"] = sig_text(10 ** grow.high)
    values.update({"ch5_depth_first": depths[0], "ch5_depth_last": depths[-1],
                   "ch5_depth_seeds": range_text(deep["config"]["seeds"]),
                   "ch5_depth_split": deep["config"]["split_seed"],
                   "ch5_depth_cmd": Sentence(f"`{deep['command']}`")})
    header = ["hidden layers", "parameters dense / B = 4 / B = 8", "Δ accuracy dense − B = 4",
              "Δ accuracy dense − B = 8", "κ dense / B = 4", "κ dense / B = 8"]
    return Section(values, header, rows)
