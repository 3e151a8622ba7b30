"""Chapter 8 (the whole network's Hessian): its tables and the words of its sentences.

Every function reads the committed records of ``network-hessian`` (the ``"records"`` list of
:func:`cdnotes.experiments.network_hessian_summary.load_results`) and returns a
:class:`cdnotes.report.glued.Section`: the glued values the page quotes, and its table.
Each layer's block and whitened against raw inputs are in
:mod:`cdnotes.report.network_hessian_blocks`; the verdicts, orderings and paper comparisons in
:mod:`cdnotes.report.network_hessian_verdicts`;
the figures in :mod:`cdnotes.report.network_hessian_plots`.
"""
from __future__ import annotations

import numpy as np

from ..curvature.null_space import GAUSS_NEWTON_CAUSES
from ..experiments import PAPER_TABLE1
from ..experiments import network_hessian_summary as nhs
from ..experiments.network_hessian import CUTOFFS, INPUTS, STATES
from ..experiments.report import count_words
from .glued import Section, Sentence

__all__ = ["MODELS", "NAME", "num", "geo", "overview", "tools_demo", "main_table",
           "cause_table", "near_null", "ceiling", "ratio_cell", "paired_table"]

MODELS = ["dense", "cd4", "cd8"]
NAME = {"dense": "dense", "cd4": "CD-B4", "cd8": "CD-B8"}


def num(x, spec=".2g") -> str:
    """A number for a table: ``format(x, spec)``, or ``"–"`` where the file has no runs (NaN).

    Parameters
    ----------
    x : float
    spec : str, default ".2g"

    Returns
    -------
    str
    """
    return "–" if not np.isfinite(x) else format(x, spec)


def geo(records, name, m, s, i="raw") -> float:
    """Geometric mean over seeds of metric ``name`` (NaN without seeds).

    Parameters
    ----------
    records : list of dict
        the committed ``network-hessian`` records
    name : str
        a metric of :data:`~cdnotes.experiments.network_hessian_summary.METRICS`
    m : str
        model
    s : str
        state
    i : str, default "raw"
        inputs

    Returns
    -------
    float
    """
    v = list(nhs.values(records, name, m, s, i).values())
    return 10 ** np.mean(np.log10(v)) if v else float("nan")


def overview(results) -> Section:
    """Seeds per model and setting, the number of jobs, the whitening and the backends.

    Parameters
    ----------
    results : dict
        :func:`~cdnotes.experiments.network_hessian_summary.load_results`'s document.

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    records = results["records"]
    n_seeds = {(m, s, i): len(nhs.seeds_of(records, m, s, i))
               for m in MODELS for s in STATES for i in INPUTS}
    values = {f"ch8_n_{m}": min(n_seeds[m, s, i] for s in STATES for i in INPUTS)
              for m in MODELS}
    values["ch8_n_records"] = len(records)
    values["ch8_whitening"] = results["settings"]["whitening"]
    values["ch8_backends"] = " and ".join(sorted({r["backend"] for r in records}))
    header = (["model", "parameters"]
              + [f"seeds: {s}, {i}" for s in STATES for i in INPUTS])
    rows = [[NAME[m], PAPER_TABLE1[m]["n_params"]]
            + [n_seeds[m, s, i] for s in STATES for i in INPUTS] for m in MODELS]
    return Section(values, header, rows)


def tools_demo(check, ev, ritz, n_params) -> Section:
    """The live check of the tools: finite differences and Lanczos against the exact spectrum.

    Parameters
    ----------
    check : dict
        :func:`~cdnotes.experiments.network_hessian.finite_difference_check`'s result.
    ev : ndarray, shape (P,)
        Every eigenvalue of the explicit Hessian, ascending.
    ritz : ndarray
        Lanczos's Ritz values, ascending.
    n_params : int

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    spread = ev[-1] - ev[0]
    return Section({
        "ch8_demo_fd": max(check["relative_error"]),
        "ch8_demo_p": n_params,
        "ch8_demo_top": abs(ritz[-1] - ev[-1]) / spread,
        "ch8_demo_bottom": abs(ritz[0] - ev[0]) / spread,
        "ch8_demo_lmax": f"{ev[-1]:.4f}".replace("-", "−"),
        "ch8_demo_lmin": f"{ev[0]:.4f}".replace("-", "−")})


def main_table(records) -> Section:
    """λ_max, λ_min, negative mass, κ(G) and null directions per model and state (raw inputs).

    Parameters
    ----------
    records : list of dict
        the committed ``network-hessian`` records

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    main = ["lambda_max", "lambda_min", "negative_mass", "kappa_gn_range", "null_hessian",
            "null_gauss_newton"]
    rows = [[NAME[m], s] + [nhs.format_estimate(nhs.estimate(records, k, m, s, "raw"),
                                                nhs.metric(k)[1], 2) for k in main]
            for s in STATES for m in MODELS]
    values = {}
    for m in MODELS:
        for s in STATES:
            e = nhs.estimate(records, "negative_mass", m, s, "raw")
            values[f"ch8_neg_{m}_{s}"] = float("nan") if e is None else e.mean
            values[f"ch8_lmax_{m}_{s}"] = np.mean(list(
                nhs.values(records, "lambda_max", m, s, "raw").values()) or [np.nan])
    # for which models training lowers the negative mass (trained − init, paired by seed,
    # 95% interval below 0)
    trained_vs_init = {m: nhs.compare(records, "negative_mass", (m, "trained", "raw"),
                                      (m, "init", "raw")) for m in MODELS}
    lowered = [NAME[m] for m, c in trained_vs_init.items() if c.verdict == "lower"]
    other = [NAME[m] for m, c in trained_vs_init.items()
             if c.verdict is not None and NAME[m] not in lowered]
    values["ch8_neg_sentence"] = Sentence(
        ("Training lowers the negative mass (trained − initial, paired by seed, "
         "the 95% interval below 0) for " + ", ".join(lowered)
         if lowered else "For no model does training lower the negative mass with "
         "the paired 95% interval below 0")
        + (f"; not clearly for {', '.join(other)}" if other else ""))
    values["ch8_lmin_max"] = max(r["hessian"]["lambda_min"] for r in records)
    n_lmin_neg = sum(r["hessian"]["lambda_min"] < 0 for r in records)
    values["ch8_lmin_runs"] = count_words(n_lmin_neg, len(records), "runs")
    kgn = [nhs.metric("kappa_gn_range")[2](r) for r in records]
    values["ch8_kgn_min"] = min(kgn)
    values["ch8_kgn_max"] = max(kgn)
    for i in INPUTS:
        for s in STATES:
            runs = sum(len(nhs.select(records, m, s, i)) for m in MODELS)
            hit = sum(nhs.near_rounding(records, "kappa_gn_range", m, s, i) for m in MODELS)
            values[f"ch8_round_{s}_{i}"] = f"{hit} of {runs}"
    header = ["model", "state", "λ_max", "λ_min", "negative mass", "κ(G) on its range",
              "null directions of H", "of G"]
    return Section(values, header, rows)


def mean_cause(records, m, s, cause, i="raw") -> float:
    """Mean over seeds of the exact null directions of one cause (NaN without runs)."""
    rows = nhs.select(records, m, s, i)
    if not rows:
        return np.nan
    return np.mean([r["null_directions"]["by_cause"][cause] for r in rows])


def unexplained(records, m, s, i="raw", matrix="hessian", cutoff=1e-12) -> float:
    """Mean count of eigenvalues at or below ``cutoff``·max|λ| beyond the exact null directions."""
    rows = nhs.select(records, m, s, i)
    k = "hessian" if matrix == "hessian" else "gauss_newton"
    return np.mean([r[matrix]["n_below"][CUTOFFS.index(cutoff)] - r["null_directions"][k]
                    for r in rows]) if rows else np.nan


def cause_table(records) -> Section:
    """Exact null directions by cause, and the zeros no cause explains (means over seeds).

    Parameters
    ----------
    records : list of dict
        the committed ``network-hessian`` records

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    rows = [[NAME[m], s]
            + [num(mean_cause(records, m, s, c), ".1f") for c in GAUSS_NEWTON_CAUSES]
            + [num(unexplained(records, m, s), ".1f"),
               num(unexplained(records, m, s, matrix="gauss_newton"), ".1f")]
            for s in STATES for m in MODELS]
    values = {
        "ch8_kh_struct_max": max(r["hessian"]["kappa_structural"] for r in records),
        "ch8_softmax_cd8": mean_cause(records, "cd8", "init", "softmax_shift"),
        "ch8_unused_cd8": mean_cause(records, "cd8", "init", "unused_logits"),
        "ch8_rescaling_cd8": mean_cause(records, "cd8", "init", "rescaling")}
    header = (["model", "state"] + [c.replace("_", " ") for c in GAUSS_NEWTON_CAUSES]
              + ["other zeros of H", "other zeros of G"])
    return Section(values, header, rows)


def near_null(near, n_digits=1437) -> Section:
    """The sentence and table about one live model's near-null eigenvalues.

    Parameters
    ----------
    near : dict
        :func:`~cdnotes.experiments.network_hessian.near_null_directions`'s result
        (``n_exact``, ``n_near`` and ``directions``: dicts with ``relative_eigenvalue``,
        ``layer``, ``param``, ``share``, ``active``, ``confidence``).
    n_digits : int, default 1437
        The training digits (the sentence's "of the 1,437 digits").

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    d = near["directions"]
    mostly = [x for x in d if x["share"] >= 0.5]
    text = (f"Here $H$ has {near['n_exact']} exact null directions and {near['n_near']} "
            "near-null eigenvalues beyond them")
    if mostly:
        gap = max(1 - (x["confidence"] or 1) for x in mostly)
        verb = "is" if len(mostly) == 1 else "are"
        most = max(x["active"] for x in mostly)
        text += (f"; {len(mostly)} of them {verb} carried mostly (at least half) by one "
                 f"parameter, and what that parameter touches is active on at most {most} "
                 f"of the {n_digits:,} digits, classified with a top probability within "
                 f"{gap:.0e} of 1. "
                 "The loss's curvature in the logits, diag(p) − ppᵀ, nearly vanishes on such "
                 "digits, so a parameter seen only through them has almost no curvature: "
                 "rarely active units on confidently classified digits, not a symmetry.")
    elif d:
        text += ", none of them carried mostly by one parameter."
    else:
        text += ": this seed's model has none to explain."
    header = ["eigenvalue / max", "layer", "parameter", "share of the eigenvector",
              "digits active", "smallest top probability"]
    rows = [[f"{x['relative_eigenvalue']:.1e}", x["layer"] + 1, x["param"],
             f"{x['share']:.2f}", x["active"],
             "–" if x["confidence"] is None else f"{x['confidence']:.6f}"] for x in d]
    return Section({"ch8_near_sentence": Sentence(text)}, header, rows)


def ceiling(records) -> Section:
    """κ(10⁻⁶) against its ceiling 1/c, the ceiling's factors, and the runs at the ceiling.

    Parameters
    ----------
    records : list of dict
        the committed ``network-hessian`` records

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    values = {}
    for i in INPUTS:
        ratio = [geo(records, "kappa_h_1e-6", m, s, i) * 1e-6 for m in MODELS for s in STATES]
        values[f"ch8_ceiling_lo_{i}"] = np.nanmin(ratio)
        values[f"ch8_ceiling_hi_{i}"] = np.nanmax(ratio)
    values["ch8_ceiling_factor"] = f"{nhs.CEILING_FACTOR:g}"
    values["ch8_rounding_margin"] = f"{nhs.ROUNDING_MARGIN:g}"
    at_1e6 = sum(nhs.runs_at_ceiling(records, "kappa_h_1e-6", m, s, i)
                 for m in MODELS for s in STATES for i in INPUTS)
    values["ch8_ceiling_runs_1e6"] = count_words(at_1e6, len(records), "runs")
    return Section(values)


def ratio_cell(c) -> str:
    """A paired ratio as the tables print it, with † where a value is at its ceiling.

    Parameters
    ----------
    c : Comparison
        :func:`~cdnotes.experiments.network_hessian_summary.compare`

    Returns
    -------
    str
    """
    return nhs.format_comparison(c) + (" †" if c.n_at_ceiling else "")


def paired_table(records) -> Section:
    """Dense against CD, paired by seed: ratios of κ, the equal-count ratio and λ_max.

    Parameters
    ----------
    records : list of dict
        the committed ``network-hessian`` records

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    compare = ["kappa_gn_range", "kappa_h_structural", "kappa_h_1e-6", "ratio_rank_half",
               "lambda_max"]
    pairs = [("cd4", "dense"), ("cd8", "dense"), ("cd8", "cd4")]
    pair = {(k, a, b, s): nhs.compare(records, k, (a, s, "raw"), (b, s, "raw"), scale="log")
            for k in compare for a, b in pairs for s in STATES}
    rows = [[s, f"{NAME[a]} / {NAME[b]}"] + [ratio_cell(pair[k, a, b, s]) for k in compare]
            for s in STATES for a, b in pairs]
    tried = [c for c in pair.values() if c.verdict not in (None, "at the ceiling")]
    resolved = [f"{NAME[c.first[0]]}/{NAME[c.second[0]]} {nhs.metric(c.name)[0]} "
                f"({c.first[1]}): {10 ** c.estimate.mean:.2g}×"
                for c in tried if c.verdict in ("lower", "higher")]
    values = {"ch8_rank_half": nhs.EQUAL_COUNT_RANKS["half"],
              "ch8_pairs_tried": len(tried),
              "ch8_pairs_resolved": len(resolved),
              "ch8_pairs_list": Sentence("; ".join(resolved) if resolved else "none"),
              "ch8_pairs_ceiling": sum(c.verdict == "at the ceiling" for c in pair.values())}
    return Section(values, ["state", "models"] + [nhs.metric(k)[0] for k in compare], rows)
