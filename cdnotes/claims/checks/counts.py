"""Checks of the parameter counts (the CD paper's models and layers, chapters 2 and 5)."""
from __future__ import annotations

from functools import lru_cache

from ..core import Verdict, check


@lru_cache(maxsize=None)
def paper_params() -> dict:
    from ...mlp import paper_model
    return {m: paper_model(m).n_params for m in ("dense", "cd4", "cd8")}


@check
def params_ratio_b4() -> Verdict:
    p = paper_params()
    r = p["dense"] / p["cd4"]
    return Verdict("holds" if round(r, 1) == 3.8 else "fails",
                   f"The paper's models built here have {p['dense']:,} (dense) and {p['cd4']:,} "
                   f"(CD, B = 4) parameters: {r:.2f}× fewer.")


@check
def params_ratio_b8() -> Verdict:
    p = paper_params()
    r = p["dense"] / p["cd8"]
    return Verdict("holds" if round(r, 1) == 6.9 and p["cd8"] == 1296 else "fails",
                   f"CD, B = 8 has {p['cd8']:,} parameters, {r:.2f}× fewer than dense's "
                   f"{p['dense']:,}.")


@check
def params_b8_over_b4() -> Verdict:
    p = paper_params()
    r = p["cd4"] / p["cd8"]
    return Verdict("holds" if round(r, 1) == 1.8 else "fails",
                   f"CD at B = 4 has {p['cd4']:,} parameters and at B = 8 {p['cd8']:,}: "
                   f"{r:.2f}× fewer.")


@check
def params_matched() -> Verdict:
    p = paper_params()
    r = p["dense"] / p["cd4"]
    return Verdict("fails" if r > 1.5 else "holds",
                   f"The dense baseline has {p['dense']:,} parameters, {r:.1f}× the CD model's "
                   f"{p['cd4']:,}: it is the same architecture, not parameter-matched (chapter "
                   f"*CD among structured matrices* compares structures at matched budgets).")


@check
def param_count_formula() -> Verdict:
    from ...layers import CDLinear, Dense
    rows, ok = [], True
    for n_in, n_out, B in [(64, 64, 4), (64, 16, 8), (48, 96, 3), (64, 64, 64)]:
        cd, dense = CDLinear(n_in, n_out, B, seed=0), Dense(n_in, n_out, seed=0)
        ok &= cd.n_params == n_in * n_out // B + n_out
        ok &= (cd.n_params - n_out) * B == dense.n_params - n_out
        rows.append(f"{n_in}→{n_out}, B = {B}: {cd.n_params:,} against {dense.n_params:,}")
    return Verdict("holds" if ok else "fails",
                   "Counted on built layers, weights are exactly 1/B of a dense layer's (the "
                   "bias, n_out, is not divided): " + "; ".join(rows) + ".")


@check
def layer_compression() -> Verdict:
    from ...layers import CDLinear
    layer = CDLinear(64, 64, 4, seed=0)
    w = layer.n_params - 64
    return Verdict("holds" if (w, 64 * 64 // w) == (1024, 4) else "fails",
                   f"A 64→64 CDLinear at B = 4 has {w:,} weights against 4,096, "
                   f"{4096 / w:.0f}× fewer.")


@check
def block_size_divides() -> Verdict:
    from ...layers import CDLinear
    refused = 0
    for n_in, n_out, B in [(64, 60, 8), (60, 64, 8), (10, 10, 4)]:
        try:
            CDLinear(n_in, n_out, B, seed=0)
        except ValueError:
            refused += 1
    return Verdict("holds" if refused == 3 else "fails",
                   f"A block-circulant W needs whole blocks on both sides; the layer refuses "
                   f"{refused} of 3 shapes where B does not divide a width.")


@check
def odd_block_sizes() -> Verdict:
    odd = [b for b in range(3, 65, 2) if 64 % b == 0]
    return Verdict("fails" if not odd else "partly",
                   f"The paper's own models use B = 4 and 8, outside the odd sequence, and no odd "
                   f"B > 1 divides its width 64 ({len(odd)} such values): the prescription "
                   f"cannot be followed on the paper's architecture.")
