"""Chapters 3 and 4 (Theorems 1 and 2, computed): their tables and the words of their sentences.

Chapter 3's functions read :mod:`cdnotes.hessian`'s structure check and the cases and timings
of :mod:`cdnotes.experiments.theorem1`; chapter 4's read the cases of
:mod:`cdnotes.experiments.theorem2`
(:class:`~cdnotes.experiments.theorem2.PopulationCase`,
:class:`~cdnotes.experiments.theorem2.FiniteSampleCase`,
:class:`~cdnotes.experiments.theorem2.KappaExponents`) and the explorer's frames, and return a
:class:`cdnotes.report.glued.Section`. The figures are in :mod:`cdnotes.report.theorems_plots`.
"""
from __future__ import annotations

import numpy as np

from ..explorer import kappa_text
from ..experiments import PAPER_TABLE1
from ..experiments.report import sig_text
from ..experiments.records import columns
from ..stats import (fit_power_law, mean_ci, paired_difference_ci, rank_sum_test,
                     welch_difference_ci)
from .glued import Section, Sentence

__all__ = ["structure_table", "kappa_cases", "spectrum_cost", "signed", "interval",
           "population_table", "exponent_table", "fair_table", "explorer_values"]


def structure_table(s) -> Section:
    """Theorem 1's claims about the explicit Hessian, each with its measured size and verdict.

    ``s``: :func:`cdnotes.hessian.hessian_structure`'s result (sizes relative to ‖H‖_F).

    Parameters
    ----------
    s : HessianStructure
        :func:`cdnotes.hessian.hessian_structure`

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    values = {"ch3_circ_dev": s.max_circulant_deviation, "ch3_cross_out": s.max_cross_output_norm,
              "ch3_identical": s.output_blocks_identical, "ch3_cross_in": s.max_cross_input_norm}
    rows = [["every B×B block is circulant",
             f"largest distance from circulant {s.max_circulant_deviation:.1e}", "holds"],
            ["blocks with i ≠ i' vanish",
             f"largest such block {s.max_cross_output_norm:.1e}", "holds"],
            ["all output blocks i share one matrix",
             f"largest difference {s.output_blocks_identical:.1e}", "holds: H = I_Ko ⊗ H_in"],
            ["blocks with j ≠ j' vanish (Theorem 1)",
             f"largest such block {s.max_cross_input_norm:.3f}", "**fails**"]]
    return Section(values, ["claim", "measured (relative to ‖H‖_F)", "verdict"], rows)


def kappa_cases(cases, summary) -> Section:
    """Theorem 1's κ over the true one in many random layers; lowest when ρ is high?

    Parameters
    ----------
    cases : list
        :func:`cdnotes.experiments.theorem1.theorem1_kappa_cases`.
    summary : KappaRatioSummary
        :func:`cdnotes.experiments.theorem1.summarize_kappa_cases` of them.

    The ratios of the cases with K_i > 1 at ρ above ``summary.high_rho`` and below
    ``summary.low_rho`` are compared with a Mann–Whitney test (5 % level).

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    ki, rho, ratio = columns(cases, "n_in_blocks", "rho", "ratio")
    multi = ki > 1
    p = rank_sum_test(ratio[multi & (rho > summary.high_rho)],
                      ratio[multi & (rho < summary.low_rho)])
    lower = summary.median_high_rho < summary.median_low_rho
    s = summary
    return Section({
        "ch3_rho_verdict": Sentence((
            "lowest when inputs are correlated" if p < 0.05 and lower
            else "highest when inputs are correlated" if p < 0.05
            else "with no significant difference between correlated and uncorrelated inputs")
            + f" (Mann–Whitney test, p = {p:.2g})"),
        "ch3_ratio_low_rho": s.median_low_rho, "ch3_ratio_high_rho": s.median_high_rho,
        "ch3_cases_multi": s.n_multi_block, "ch3_ratio_ki1_max": s.single_block_max_deviation,
        "ch3_ratio_median": s.ratio_median, "ch3_ratio_min": s.ratio_min,
        "ch3_ratio_max": s.ratio_max})


def spectrum_cost(timings, block_size=8) -> Section:
    """Power-law fits of the explicit and the closed-form spectrum's time against P.

    ``timings``: :func:`cdnotes.experiments.theorem1.spectrum_timings` (square layers);
    ``data`` holds ``P``, the times and the fits ``(a, p)`` for the figure.

    Parameters
    ----------
    timings : list
        :func:`~cdnotes.experiments.theorem1.spectrum_timings`
    block_size : int, default 8

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    P, t_explicit, t_closed = columns(timings, "n_params", "seconds_explicit",
                                      "seconds_closed")
    a_explicit, p_explicit = fit_power_law(P, t_explicit)
    a_closed, p_closed = fit_power_law(P, t_closed)
    below_counts = p_explicit < 3 and p_closed < 1           # the operation counts: P³ and P
    values = {"ch3_p_explicit": p_explicit, "ch3_p_closed": p_closed,
              "ch3_p_gap": p_explicit - p_closed,
              "ch3_p_vs_counts": "both below" if below_counts else "not both below",
              "ch3_P_min": int(P[0]), "ch3_P_max": int(P[-1]),
              "ch3_speedup": timings[-1].speedup,
              "ch3_bench_err": max(t.max_relative_error for t in timings),
              # square layers: K_i = width / B = √(P/B)
              "ch3_Ki_max": int(round(np.sqrt(P[-1] / block_size)))}
    return Section(values, data={"P": P, "explicit": t_explicit, "closed": t_closed,
                                 "fit_explicit": (a_explicit, p_explicit),
                                 "fit_closed": (a_closed, p_closed)})


def signed(x, fmt=".2f") -> str:
    """A number as the page prints it: with a true minus sign (−), not a hyphen.

    Parameters
    ----------
    x : float
    fmt : str, default ".2f"

    Returns
    -------
    str
    """
    return format(x, fmt).replace("-", "−")


def interval(ci) -> str:
    """``[low, high]`` with true minus signs and a space that does not break.

    Parameters
    ----------
    ci : Estimate
        anything with ``low`` and ``high``

    Returns
    -------
    str
    """
    return f"[{signed(ci.low)},\u00a0{signed(ci.high)}]"


def _kappa_cell(k):
    return f"{k.kappa_nonzero:.3g}" + (f" ({k.n_zero} zero)" if k.n_zero else "")


def population_table(cases, X_digits) -> Section:
    """Population κ of a CD layer and a dense one, per input law and whitening.

    Parameters
    ----------
    cases : list of PopulationCase
        Two input laws, ``"AR(1)…"`` and ``"digits"``, under every whitening.
    X_digits : ndarray, shape (N, n_in)
        The digits whose covariance is the second law (blank pixels: zero variance).

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    values = {}
    for c in cases:
        key = "ar" if c.inputs.startswith("AR") else "digits"
        w = c.whitening.replace("-", "_")
        values[f"ch4_{key}_{w}_cd"] = c.cd.kappa_nonzero
        values[f"ch4_{key}_{w}_dense"] = c.dense.kappa_nonzero
    blank = np.flatnonzero(X_digits.std(axis=0) == 0)
    raw = next(c for c in cases if (c.inputs, c.whitening) == ("digits", "none"))
    values.update({"ch4_blank": len(blank), "ch4_n_images": f"{len(X_digits):,}",
                   "ch4_rank": X_digits.shape[1] - len(blank),
                   "ch4_digits_dense_zero": raw.dense.n_zero,
                   "ch4_digits_cd_zero": raw.cd.n_zero})
    rows = [[c.inputs, "no whitening" if c.whitening == "none" else c.whitening,
             _kappa_cell(c.cd), _kappa_cell(c.dense)] for c in cases]
    return Section(values, ["inputs", "whitening", "κ CDLinear B=8", "κ dense"], rows)


def exponent_table(fit, records, sweep, n_fits) -> Section:
    """The fitted exponents of κ − 1 against Marchenko–Pastur and the paper; K_i = 1 vs B = 8.

    Parameters
    ----------
    fit : KappaExponents
        With per-seed ``intervals``.
    records : dict
        ``{(n_in, B): [FiniteSampleCase, ...]}``, containing (64, 64) and (64, 8) at N = 1024.
    sweep : list of FiniteSampleCase
        Every case of the sweep.
    n_fits : int
        The per-seed fits behind the intervals.

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    values = {}
    for name, value, mp, ci in zip("pqr", fit.measured, fit.marchenko_pastur, fit.intervals):
        values[f"ch4_fit_{name}"] = signed(value)
        values[f"ch4_mp_{name}"] = signed(mp)
        values[f"ch4_ci_{name}"] = interval(ci)
    values["ch4_n_fits"] = n_fits
    inside = sum(ci.low <= mp <= ci.high for ci, mp in zip(fit.intervals, fit.marchenko_pastur))
    values["ch4_mp_inside"] = ["none", "one", "two", "all three"][inside]
    # smaller κ at this N? the per-seed values of the two settings, Welch interval
    k1 = {c.n_samples: c for c in records[64, 64]}[1024]
    k8 = {c.n_samples: c for c in records[64, 8]}[1024]
    d = welch_difference_ci(k1.kappa_cd, k8.kappa_cd)
    values["ch4_ki1_verdict"] = Sentence("smaller than" if d.high < 0 else "larger than"
                                         if d.low > 0 else "not significantly different from")
    values["ch4_ki1_d_low"] = d.low
    values["ch4_ki1_d_high"] = d.high
    # ... but not at equal K_i/N: each K_i = 1 point against the K_i > 1 points at its K_i/N
    one = {1 / c.n_samples: c.mean_cd for c in records[64, 64]}
    pairs = [(one[c.n_in_blocks / c.n_samples], c.mean_cd) for c in sweep
             if c.n_in_blocks > 1 and c.n_in_blocks / c.n_samples in one]
    n_above = sum(a > b for a, b in pairs)
    values["ch4_ki1_equal"] = Sentence("it is not smaller" if 2 * n_above > len(pairs) else
                                       "it is smaller in most pairs")
    values["ch4_ki1_above"] = n_above
    values["ch4_ki1_pairs"] = len(pairs)
    values["ch4_ki1_1024"] = k1.mean_cd
    values["ch4_b8_1024"] = k8.mean_cd
    header = ["exponent of", "measured", f"95% CI (t, {n_fits} per-seed fits)",
              "Marchenko–Pastur at these sizes", "MP, N → ∞", "paper: 1 + O(√(B/N))"]
    rows = [[f"{label} ({name})", signed(value), interval(ci), signed(mp), limit, paper]
            for label, name, value, ci, mp, limit, paper in zip(
                ["n_in", "B", "N"], "pqr", fit.measured, fit.intervals, fit.marchenko_pastur,
                ["0.5", "−0.5", "−0.5"], ["0", "+0.5", "−0.5"])]
    return Section(values, header, rows)


def fair_table(cases, shown=(128, 512, 2048, 8192), first=128, last=8192) -> Section:
    """Dense κ over CD κ on the same samples (n_in = 64, B = 8), and whether it shrinks with N.

    ``cases``: the (64, 8) :class:`~cdnotes.experiments.theorem2.FiniteSampleCase` list; the
    ratio's change from ``first`` to ``last`` samples is paired by seed (log10).

    Parameters
    ----------
    cases : list of FiniteSampleCase
        n_in = 64, B = 8
    shown : tuple of int
        the rows' N
    first, last : int
        the N whose ratios are compared

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    fair, rows = {}, []
    for c in cases:
        if c.n_samples in shown:
            fair[c.n_samples] = c.mean_dense / c.mean_cd
            rows.append([c.n_samples, f"{c.mean_cd:.3f}", f"{c.mean_dense:.3f}",
                         f"{fair[c.n_samples]:.2f}", f"{c.marchenko_pastur_cd:.3f}",
                         f"{c.marchenko_pastur_dense:.3f}"])
    # per seed: log10 of dense κ / CD κ (both on the same sample)
    by_n = {c.n_samples: c for c in cases}
    log_fair = {N: np.log10(by_n[N].kappa_dense) - np.log10(by_n[N].kappa_cd)
                for N in (first, last)}
    shrink = paired_difference_ci(log_fair[first], log_fair[last])
    values = {}
    for N in (first, last):
        e = mean_ci(log_fair[N])
        values[f"ch4_fair_{N}_low"] = 10 ** e.low
        values[f"ch4_fair_{N}_high"] = 10 ** e.high
    values["ch4_fair_shrinks"] = Sentence(
        "the advantage shrinks with $N$" if shrink.low > 0 else
        "the advantage does not shrink significantly with $N$")
    values[f"ch4_fair_{first}"] = fair[first]
    values[f"ch4_fair_{last}"] = fair[last]
    # the paper's dense / CD-B4 ratio of its Table 1 κ (2 significant figures, as its inputs)
    values["ch4_paper_gap"] = Sentence("≈" + sig_text(PAPER_TABLE1["dense"]["kappa"]
                                                      / PAPER_TABLE1["cd4"]["kappa"]) + "×")
    return Section(values, ["N", "κ CD (B=8)", "κ dense", "dense / CD", "MP CD", "MP dense"],
                   rows)


def explorer_values(pop32, spectral, zca, zca_by_B) -> Section:
    """The explorer's frames the text quotes, glued as the explorer prints them.

    Parameters
    ----------
    pop32 : float
        The population κ of the CD layer (n = 32, B = 8, spectral whitening).
    spectral : dict
        N -> frame, spectral whitening, B = 8 (N = 64 and 8192).
    zca : dict
        N -> frame, ZCA, B = 8 (N = 16 and 8192).
    zca_by_B : dict
        B -> frame, ZCA, N = 256 (B = 1 first).

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    kappa_B = [s["kappa_cd"].kappa for s in zca_by_B.values()]
    falls = int(np.sum(np.diff(kappa_B) < 0))
    big = zca[max(zca)]
    values = {
        "ch4_exp_pop": pop32,
        "ch4_exp_spectral_64": kappa_text(spectral[64]["kappa_cd"]),
        "ch4_exp_spectral": kappa_text(spectral[8192]["kappa_cd"]),
        "ch4_exp_zca_cd": kappa_text(big["kappa_cd"]),
        "ch4_exp_zca_dense": kappa_text(big["kappa_dense"]),
        "ch4_exp_B1": kappa_text(zca_by_B[1]["kappa_cd"]),
        "ch4_exp_B32": kappa_text(zca_by_B[32]["kappa_cd"]),
        "ch4_exp_B_dense": kappa_text(zca_by_B[1]["kappa_dense"]),
        "ch4_exp_n16_zeros": zca[16]["kappa_dense"].n_zero,
        "ch4_exp_n16_cd": kappa_text(zca[16]["kappa_cd"]),
        # one draw per setting (what the explorer shows): the words follow that draw
        "ch4_exp_closer": Sentence(
            "the CD layer closer" if big["kappa_cd"].kappa < big["kappa_dense"].kappa
            else "in this draw the dense layer closer"),
        "ch4_exp_falls": Sentence(
            "falls with every step" if falls == len(kappa_B) - 1 else
            f"falls in {falls} of the {len(kappa_B) - 1} steps of this draw")}
    return Section(values)
