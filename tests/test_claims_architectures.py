"""Chapter 13's claims: each verdict is the chapter's own reading of the committed runs."""
from __future__ import annotations

import pytest

from cdnotes.claims import evaluate
from cdnotes.measurements import load_measurement
from cdnotes.report import architectures as ra
from cdnotes.report import architectures_verdicts as rv
from cdnotes.report import sequence_curvature as rs


@pytest.fixture(scope="module")
def sections():
    result = load_measurement("architectures_mnist1d")
    acc = ra.accuracy_section(result)
    table, chosen = acc.data["table"], acc.data["chosen"]
    return ra.cd_vs_dense(table, chosen), ra.shfin_section(table, chosen)


CATEGORY_VERDICT = {"indistinguishable": "holds", "higher": "holds", "lower": "fails",
                    "mixed": "partly"}


def test_the_convolution_claims_are_the_chapters_cnn_comparison(sections):
    category, phrase, text = rv.family_verdict(sections[0].data["comparisons"], "cnn")
    v = evaluate("cd-vii-conv-straightforward")
    expected = ("partly" if category == "lower" and "indistinguishable" in phrase
                else CATEGORY_VERDICT[category])
    assert v.verdict == expected and text in v.evidence and phrase in v.evidence
    both = {CATEGORY_VERDICT[category], CATEGORY_VERDICT[
        rv.family_verdict(sections[0].data["comparisons"], "transformer")[0]]}
    scope = evaluate("cd-scope-architectures")
    assert scope.verdict == (both.pop() if len(both) == 1 else "partly")


def test_shfin_is_restated_from_the_fair_comparison(sections):
    v = evaluate("sh-cnn")
    s = sections[1].values
    assert s["ch13_shfin_vs_cnn_dense_d"] in v.evidence
    assert s["ch13_shfin_vs_transformer_dense_d"] in v.evidence
    words = (s["ch13_shfin_vs_cnn_dense"], s["ch13_shfin_vs_transformer_dense"])
    expected = ("holds" if "lower" not in words else
                "fails" if set(words) == {"lower"} else "partly")
    assert v.verdict == expected


def test_layernorm_claim_counts_the_chapters_comparisons():
    result = load_measurement("sequence_curvature_mnist1d")
    summary = rs.measures_section(result).data["summary"]
    ln = rs.comparisons_section(summary, "layernorm").values
    v = evaluate("cd-vii-normalization-network")
    assert f"{ln['ch13c_layernorm_lower']} lower, {ln['ch13c_layernorm_higher']} higher" \
        in v.evidence
    lower, higher = ln["ch13c_layernorm_lower"], ln["ch13c_layernorm_higher"]
    undecided = ln["ch13c_layernorm_unresolved"] + ln["ch13c_layernorm_ceiling"]
    expected = ("holds" if lower and not higher and lower > undecided else
                "fails" if higher and not lower and higher > undecided else "partly")
    assert v.verdict == expected
