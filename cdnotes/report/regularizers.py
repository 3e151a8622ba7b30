"""Chapter 6 (the regularisers): its tables and the words of its sentences.

The functions read the sweeps of :mod:`cdnotes.experiments.regularizers` and the checks of
:mod:`cdnotes.experiments.identities`, and return a :class:`cdnotes.report.glued.Section`.
The figures are in :mod:`cdnotes.report.regularizers_plots`.
"""
from __future__ import annotations

import numpy as np

from ..experiments import sweep_table
from ..experiments.identities import (DFT_NORMS, eta_sums, fisher_trace, fisher_trace_dense,
                                      parseval_check)
from ..experiments.report import ci_text, count_words, listed, range_text, zero_word
from ..train.regularizers import LAMBDA_FISHER, fisher_penalty
from .glued import Section, Sentence

__all__ = ["estimate_values", "dropout_table", "penalty_at_init", "fisher_table",
           "parseval_table", "eq8_table"]


def estimate_values(name, e) -> dict:
    """``name``: the mean; ``name_low``/``name_high``: the interval; ``name_zero``: the words
    ``"includes"``/``"excludes"`` (zero).

    Parameters
    ----------
    name : str
        the glue name
    e : Estimate

    Returns
    -------
    dict
    """
    return {name: e.mean, f"{name}_low": e.low, f"{name}_high": e.high,
            f"{name}_zero": zero_word(e)}


def dropout_table(dropout, alpha) -> Section:
    """Accuracy and the last layer's κ per dropout rate, against rate 0, paired by seed.

    Parameters
    ----------
    dropout : cdnotes.experiments.regularizers.Sweep
        The dropout sweep (its rates include 0, ``alpha`` and 0.5).
    alpha : float
        The paper's rate α.

    ``data["row"]`` maps each rate to its :class:`~cdnotes.experiments.regularizers.SweepRow`.

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    rows = sweep_table(dropout)
    row = {r.value: r for r in rows}
    a = row[alpha]
    values = estimate_values("ch6_alpha", a.accuracy_change)
    values.update({"ch6_alpha_verb": "lowered" if a.accuracy_change.mean < 0 else "raised",
                   "ch6_alpha_abs": abs(a.accuracy_change.mean),
                   "ch6_acc_0": row[0.0].accuracy.mean, "ch6_acc_alpha": a.accuracy.mean,
                   "ch6_acc_05": row[0.5].accuracy.mean})
    higher = listed([r.value for r in rows if r.significantly_higher], "rate", "rates",
                    "no rate")
    values["ch6_rates_higher"] = Sentence(higher[0].upper() + higher[1:])
    values["ch6_rates_lower"] = listed([r.value for r in rows if r.significantly_lower],
                                       "rate", "rates", "no rate")
    best = max(rows, key=lambda r: r.accuracy.mean)
    values["ch6_best_rate"] = f"{best.value:g}" + (" (no dropout)" if best.value == 0 else "")
    values["ch6_best_acc"] = best.accuracy.mean
    values.update(estimate_values("ch6_alpha_kappa", a.log10_hessian_kappa_change))
    changes = [r for r in rows if r.log10_hessian_kappa_change is not None]
    values["ch6_kappa_lower"] = listed([r.value for r in changes
                                        if r.log10_hessian_kappa_change.high < 0])
    values["ch6_kappa_higher"] = listed([r.value for r in changes
                                         if r.log10_hessian_kappa_change.low > 0])
    # per rate: does κ span more than two decades over the seeds? (a count, stated as such)
    spans = [np.ptp(np.log10(dropout.hessian_kappa(r))) for r in dropout.values]
    values["ch6_kappa_wide"] = count_words(int(sum(s > 2 for s in spans)), len(spans), "rates")
    values["ch6_kappa_span"] = range_text(spans, ".1f")
    header = ["dropout rate", "accuracy % [95 % CI]", "Δ accuracy vs. rate 0 [95 % CI]",
              "κ Hessian (geo. mean)", "Δ log₁₀ κ Hessian [95 % CI]"]
    table = [[f"{r.value:g}", ci_text(r.accuracy, ".2f"), ci_text(r.accuracy_change),
              f"{r.hessian_kappa_geomean:.2e}", ci_text(r.log10_hessian_kappa_change)]
             for r in rows]
    return Section(values, header, table, data={"row": row})


def penalty_at_init(C, eps=1e-4) -> Section:
    """The Fisher penalty's terms on freshly initialised circulant coefficients.

    ``C``: each layer's coefficient tensor, shape (K_o, K_i, B); the first layer's smallest
    |FFT|² sets the largest term 1 / (min + ε).

    Parameters
    ----------
    C : list of ndarray
        each layer's coefficients, shape (K_o, K_i, B)
    eps : float, default 1e-4

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    min_power = float(np.min(np.abs(np.fft.fft(C[0], axis=-1)) ** 2))
    penalty0 = sum(fisher_penalty(c, eps) for c in C)
    return Section({"ch6_min_power": min_power, "ch6_min_term": 1 / (min_power + eps),
                    "ch6_n_terms": f"{sum(c.size for c in C):,}", "ch6_penalty0": penalty0,
                    "ch6_lambda_penalty0": LAMBDA_FISHER * penalty0})


def fisher_table(fisher, near_chance=20.0) -> Section:
    """Accuracy and the circulant blocks' κ per ε of the Fisher penalty, against no penalty.

    ``fisher``: the ε sweep (its values include 1e-4, 1e-3, 1e-2 and 1); a run below
    ``near_chance`` % accuracy counts as near chance (chance: 10 %).

    Parameters
    ----------
    fisher : Sweep
        the ε sweep
    near_chance : float, default 20.0
        accuracy (%) counted as near chance

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    rows = sweep_table(fisher)
    row = {r.value: r for r in rows}
    worst = fisher.accuracy(1e-4)
    near = int(np.sum(worst < near_chance))
    values = {"ch6_base_acc": row[1e-4].accuracy.mean - row[1e-4].accuracy_change.mean,
              "ch6_near_chance": count_words(near, worst.size, "seeds"),
              "ch6_eps_small_verb": Sentence(
                  "wrecks training" if near == worst.size else
                  "wrecks most runs" if 2 * near > worst.size else "hurts some runs"),
              "ch6_acc_eps_small_max": worst.max(),
              "ch6_acc_eps_1e3_min": fisher.accuracy(1e-3).min(),
              "ch6_acc_eps_1e3_max": fisher.accuracy(1e-3).max(),
              "ch6_eps_lower": listed([r.value for r in rows if r.significantly_lower],
                                      "ε =", "ε =", "no ε")}
    mid = row[1e-2]
    circ = mid.log10_circulant_kappa_change
    values["ch6_circ_mid"] = Sentence((
        f"it lowers the circulant blocks' condition number by {-circ.mean:.1f} decades"
        if circ.high < 0 else
        f"it raises the circulant blocks' condition number by {circ.mean:.1f} decades"
        if circ.low > 0 else
        "its change of the circulant blocks' condition number is not significant")
        + " (95 % CI of the change of $\\log_{10}\\kappa$: "
        f"{circ.low:+.2f} to {circ.high:+.2f})")
    values["ch6_circ_does"] = Sentence("does what it is built to do" if circ.high < 0 else
                                       "does not do what it is built to do")
    values.update(estimate_values("ch6_mid_acc", mid.accuracy_change))
    values["ch6_mid_pays"] = "significant" if mid.significantly_lower else "not significant"
    values.update(estimate_values("ch6_large_acc", row[1.0].accuracy_change))
    values.update(estimate_values("ch6_large_circ", row[1.0].log10_circulant_kappa_change))
    header = ["ε", "accuracy % [95 % CI]", "Δ accuracy vs. no penalty [95 % CI]",
              "Δ log₁₀ κ circulant blocks [95 % CI]"]
    table = [[f"{r.value:g}", ci_text(r.accuracy, ".2f"), ci_text(r.accuracy_change),
              ci_text(r.log10_circulant_kappa_change)] for r in rows]
    return Section(values, header, table)


def parseval_table(X_train, unit_seed, blocks=(4, 8)) -> Section:
    """Σₖηₖ = B‖Xⱼ‖² on the training digits' blocks, and one unit block under each DFT norm.

    Parameters
    ----------
    X_train : ndarray (N, 64)
        the training digits
    unit_seed : int
        seed of the unit block
    blocks : tuple of int, default (4, 8)
        block sizes

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    values, rows = {}, []
    for B in blocks:
        p = parseval_check(X_train, B)
        rows.append([B, f"{p.n_blocks:,}", f"{p.n_zero_blocks:,}",
                     f"{p.max_parseval_error:.1e}", f"{p.ratio_min:.3g} – {p.ratio_max:.3g}",
                     f"{p.normalised_max_error:.1e}"])
        values[f"ch6_parseval_err_{B}"] = p.max_parseval_error
        values[f"ch6_parseval_unit_{B}"] = p.normalised_max_error
        values[f"ch6_parseval_range_{B}"] = f"{p.ratio_min:.3g} to {p.ratio_max:.3g}"
        values[f"ch6_parseval_zero_{B}"] = f"{p.n_zero_blocks:,}"
    # the same unit block under NumPy's three DFT normalisations
    unit = np.random.default_rng(unit_seed).standard_normal((1, 8))
    unit /= np.linalg.norm(unit)
    sums = {n: float(eta_sums(unit, 8, norm=n)[0, 0]) for n in DFT_NORMS}
    values["ch6_parseval_norms"] = Sentence("; ".join(f"`norm=\"{n}\"`: {v:.6g}"
                                                      for n, v in sums.items()))
    header = ["B", "non-zero blocks", "zero blocks", "max rel. error of Σₖηₖ = B‖Xⱼ‖²",
              "Σₖηₖ / B on the raw blocks", "max |Σₖηₖ − B| after ‖Xⱼ‖ = 1"]
    return Section(values, header, rows)


def eq8_table(cases, tensors, eps_values, last_layer) -> Section:
    """Eq. 8's trace against the exact one, per tensor and ε; the last layer's null space.

    Parameters
    ----------
    cases : list
        :func:`cdnotes.experiments.identities.eq8_cases` of ``tensors`` at ``eps_values``.
    tensors : list of (label, ndarray (K_o, K_i, B))
    eps_values : tuple of float
    last_layer : CDLinear
        The trained model's last layer.

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    # the fast trace against the explicit matrix, every case
    values = {"ch6_eq8_explicit_err": max(abs(fisher_trace(T, e) / fisher_trace_dense(T, e) - 1)
                                          for _, T in tensors for e in eps_values)}
    single = [c for c in cases if c.n_out_blocks == c.n_in_blocks == 1]
    multi = [c for c in cases if not c.n_out_blocks == c.n_in_blocks == 1]
    values["ch6_eq8_single_err"] = max(abs(c.ratio - 1) for c in single)
    values["ch6_eq8_multi"] = range_text([c.ratio for c in multi], ".2g")
    values["ch6_eq8_multi_near"] = count_words(sum(abs(c.ratio - 1) < 0.01 for c in multi),
                                               len(multi), "cases with more than one block")
    by_case = {}
    for c in cases:
        by_case.setdefault((c.label, c.n_out_blocks, c.n_in_blocks, c.block_size), {})[c.eps] = c
    rows = [[label, f"{ko} × {ki} × {B}", *(f"{r[e].ratio:.3g}" for e in eps_values)]
            for (label, ko, ki, B), r in by_case.items()]
    # the last layer maps 64 inputs to 12 outputs: WᵀW has a null space of 64 − 12 at least
    W = np.asarray(last_layer.to_dense())
    null_dim = W.shape[1] - np.linalg.matrix_rank(W)
    t_exact = fisher_trace(np.asarray(last_layer.params[last_layer.circulant_param]), 1e-4)
    values.update({"ch6_eq8_null_dim": int(null_dim), "ch6_eq8_null_in": W.shape[1],
                   "ch6_eq8_null_out": W.shape[0],
                   "ch6_eq8_null_share": 100 * null_dim / 1e-4 / t_exact})
    header = ["coefficients", "Ko × Ki × B", *(f"Eq. 8 / exact, ε = {e:g}" for e in eps_values)]
    return Section(values, header, rows)
