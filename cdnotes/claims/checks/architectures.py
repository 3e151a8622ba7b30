"""Checks of the CD paper's deferred architectures and SHFIN's replacement claim (chapter 13):
readings of the committed fair comparison (``architectures_mnist1d``) and whole-network
curvature run (``sequence_curvature_mnist1d``), through the chapter's own functions."""
from __future__ import annotations

from functools import lru_cache

from ..core import Verdict, check


@lru_cache(maxsize=None)
def architecture_sections():
    """The chapter's accuracy, CD-vs-dense and SHFIN sections of the committed runs."""
    from ...measurements import load_measurement
    from ...report import architectures as ra
    result = load_measurement("architectures_mnist1d")
    acc = ra.accuracy_section(result)
    table, chosen = acc.data["table"], acc.data["chosen"]
    return acc, ra.cd_vs_dense(table, chosen), ra.shfin_section(table, chosen)


def _settings() -> str:
    v = architecture_sections()[0].values
    return (f"MNIST-1D, Adam over rates {v['ch13_lrs']} chosen on validation, early stopping "
            f"(≤ {v['ch13_epochs']} epochs), seeds {v['ch13_seeds']}, matched parameter budgets")


def _family(fam):
    from ...report.architectures_verdicts import family_verdict
    return family_verdict(architecture_sections()[1].data["comparisons"], fam)


_VERDICT = {"indistinguishable": "holds", "higher": "holds", "lower": "fails",
            "mixed": "partly"}


@check
def cd_convolution_extension() -> Verdict:
    category, phrase, text = _family("cnn")
    verdict = "partly" if category == "lower" and "indistinguishable" in phrase else \
        _VERDICT[category]
    return Verdict(verdict,
                   f"Built (`CDConv1D`, gradients checked) and trained: the CD CNN is {phrase} "
                   f"— CD − dense, test accuracy: {text} (Welch 95 %; {_settings()}).")


@check
def cd_architectures_accuracy() -> Verdict:
    cnn, cnn_phrase, cnn_text = _family("cnn")
    tr, tr_phrase, tr_text = _family("transformer")
    verdicts = {_VERDICT[cnn], _VERDICT[tr]}
    verdict = verdicts.pop() if len(verdicts) == 1 else "partly"
    return Verdict(verdict,
                   f"Measured here: the CD CNN is {cnn_phrase} ({cnn_text}); the CD "
                   f"transformer is {tr_phrase} ({tr_text}); points of test accuracy, Welch "
                   f"95 % ({_settings()}). Harder benchmarks stay untested.")


@lru_cache(maxsize=None)
def curvature_comparisons():
    from ...measurements import load_measurement
    from ...report import sequence_curvature as rs
    result = load_measurement("sequence_curvature_mnist1d")
    summary = rs.measures_section(result).data["summary"]
    return (rs.comparisons_section(summary, "layernorm"),
            rs.comparisons_section(summary, "structure"), result["settings"])


@check
def layernorm_whole_network() -> Verdict:
    from ...report.architectures_verdicts import count_verdict
    v = curvature_comparisons()[0].values
    s = curvature_comparisons()[2]
    lower, higher = v["ch13c_layernorm_lower"], v["ch13c_layernorm_higher"]
    undecided = v["ch13c_layernorm_unresolved"] + v["ch13c_layernorm_ceiling"]
    word = count_verdict(lower, higher)
    # one-sided and decided in most comparisons: holds / fails; else partly
    verdict = ("holds" if word == "lower" and lower > undecided else
               "fails" if word == "higher" and higher > undecided else "partly")
    return Verdict(verdict,
                   f"Whole transformers (width {s['d_model']}, {s['n_eval']} sequences, init "
                   f"and trained) with against without LayerNorm, κ-type measures of the "
                   f"Hessian and Gauss-Newton matrices, paired by seed: "
                   f"{v['ch13c_layernorm_lower']} lower, {v['ch13c_layernorm_higher']} higher, "
                   f"{v['ch13c_layernorm_unresolved']} unresolved, "
                   f"{v['ch13c_layernorm_ceiling']} at the ceiling (no verdict).")


@check
def shfin_replaces_conv_attention() -> Verdict:
    v = architecture_sections()[2].values
    words = (v["ch13_shfin_vs_cnn_dense"], v["ch13_shfin_vs_transformer_dense"])
    verdict = ("holds" if all(w != "lower" for w in words) else
               "fails" if all(w == "lower" for w in words) else "partly")
    return Verdict(verdict,
                   f"SHFIN − dense CNN: {v['ch13_shfin_vs_cnn_dense_d']} points; SHFIN − dense "
                   f"transformer: {v['ch13_shfin_vs_transformer_dense_d']} points (Welch 95 %; "
                   f"{_settings()}; chapter 12's shorter runs are superseded).")
