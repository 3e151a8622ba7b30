"""Checks of the digits experiment's condition numbers κ (chapter 8's trained networks, and
chapter 5's twenty seeds)."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..core import Verdict, check
from .accuracy import PAPER_KAPPA
from .common import sci


@lru_cache(maxsize=None)
def paper_kappa_reading() -> dict:
    """The trained networks of chapter 8 (raw inputs), summarised as chapter 8 does
    (``network_hessian_summary.paper_reading``, which calls chapter 5's ``reading_summary``):
    ``(model, "weights_sv")`` — the weights reading, the paper's dense definition applied to
    every model; ``(model, "theorem1_inputs")`` — Theorem 1's values on the inputs, the paper's
    CD definition (chapter 5's). ``model`` alone: the paper's own definition for that model."""
    from ...experiments import network_hessian_summary as nhs
    from ...experiments.digits import reading_summary
    from ...measurements import load_measurement
    records = load_measurement("network_hessian_digits")["records"]
    out = {}
    for m in ("dense", "cd4", "cd8"):
        out[m, "weights_sv"] = nhs.paper_reading(records, m)
        out[m, "theorem1_inputs"] = reading_summary(
            [r["paper_kappa"]["theorem1_inputs"]
             for r in nhs.select(records, m, "trained", "raw")])
        out[m] = out[m, "weights_sv" if m == "dense" else "theorem1_inputs"]
    return out


def _gmean(values):
    v = np.asarray(values, dtype=float)
    return float(np.exp(np.mean(np.log(v)))) if np.all(np.isfinite(v)) else math.inf


KAPPA_RUNS = ("median over chapter 8's 10 trained networks, raw inputs; chapter 5's twenty "
              "live seeds give the other median (ch. 5, which κ)")
READING = {"dense": "The weights reading (the paper's dense definition)",
           "cd4": "Theorem 1's values on the inputs (the paper's CD definition, chapter 5's "
                  "reading)",
           "cd8": "Theorem 1's values on the inputs (the paper's CD definition, chapter 5's "
                  "reading)"}


def _kappa_value(model) -> Verdict:
    s = paper_kappa_reading()[model]
    k, n_inf = s.median, s.n_inf
    paper = PAPER_KAPPA[model]
    within = math.isfinite(k) and 0.1 <= k / paper <= 10
    inf_text = (f"; infinite (a block of zero inputs) in {n_inf} run{'s' if n_inf > 1 else ''}"
                if n_inf else "")
    return Verdict("holds" if within else "fails",
                   f"{READING[model]} gives {sci(k)} ({KAPPA_RUNS}{inf_text}) against the "
                   f"paper's {sci(paper)}: {'within' if within else 'not within'} a factor of ten.")


@check
def kappa_dense() -> Verdict:
    return _kappa_value("dense")


@check
def kappa_cd4() -> Verdict:
    return _kappa_value("cd4")


@check
def kappa_cd8() -> Verdict:
    return _kappa_value("cd8")


def _kappa_ratio(a, b, paper) -> Verdict:
    k = paper_kappa_reading()
    ka, kb = k[a].median, k[b].median
    if not (math.isfinite(ka) and math.isfinite(kb)):
        return Verdict("fails",
                       f"No finite ratio: the reading is infinite in {k[a].n_inf} and "
                       f"{k[b].n_inf} of the runs ({KAPPA_RUNS}), so its median is.")
    r = ka / kb
    within = 0.1 <= r / paper <= 10
    verdict = ("holds" if within else "partly") if r > 1 else "fails"
    how = ("the weights reading for dense, Theorem 1's values on the inputs for CD"
           if a == "dense" else "Theorem 1's values on the inputs for both")
    return Verdict(verdict,
                   f"Under the paper's definitions ({how}) the ratio of medians is {sci(r)} "
                   f"({KAPPA_RUNS}) against the paper's {sci(paper)}: the direction "
                   f"{'holds' if r > 1 else 'fails'}, the size is "
                   f"{'within' if within else 'not within'} a factor of ten. Chapter 8 shows "
                   f"what these readings do and do not measure.")


@check
def kappa_ratio_b4() -> Verdict:
    return _kappa_ratio("dense", "cd4", 310)


@check
def kappa_ratio_b8() -> Verdict:
    return _kappa_ratio("dense", "cd8", 12000)


@check
def kappa_ratio_b4_b8() -> Verdict:
    return _kappa_ratio("cd4", "cd8", 35)


@check
def kappa_same_reading() -> Verdict:
    k = paper_kappa_reading()
    same = k["dense", "weights_sv"].median / k["cd4", "weights_sv"].median
    mixed = k["dense"].median / k["cd4"].median
    apart = not (0.1 <= same / mixed <= 10)
    return Verdict("corrected" if apart else "holds",
                   f"The two definitions measure different things (the weights for dense, the "
                   f"inputs for CD). With the weights reading — the paper's dense definition "
                   f"applied to every model, as chapter 8 reads it — dense/CD-B4 is "
                   f"{sci(same)}; mixed as the paper defines it (Theorem 1's values on the "
                   f"inputs for CD), {sci(mixed)} ({KAPPA_RUNS}): "
                   f"{'more' if apart else 'less'} than a factor of ten apart.")


@check
def theorem2_vs_table1() -> Verdict:
    k = paper_kappa_reading()["cd4"].median
    bound = 1 + math.sqrt(4 / 1437)
    return Verdict("fails" if k > 10 * bound else "holds",
                   f"Theorem 2 bounds one whitened layer's κ by 1 + O(√(B/N)) ≈ {bound:.2f} at "
                   f"B = 4, N = 1,437; Table 1's CD κ is a different quantity, Theorem 1's "
                   f"values on raw inputs (the paper's CD definition), and reads {sci(k)} "
                   f"({KAPPA_RUNS}): the numbers cannot agree or confirm it.")
