"""cdnotes.report.shfin(_plots): chapter 12's tables and sentences, against the committed runs
recomputed here, and constructed inputs where a verdict flips."""
from __future__ import annotations

import doctest

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from cdnotes.experiments.shfin import (ABLATIONS, late_slope, mask_histogram,  # noqa: E402
                                       summary_rows)
from cdnotes.measurements import load_measurement  # noqa: E402
from cdnotes.report import shfin as report  # noqa: E402
from cdnotes.report import shfin_verdict as verdicts  # noqa: E402
from cdnotes.stats import Estimate, welch_difference_ci  # noqa: E402


def _e(mean, low, high):
    return Estimate(mean=mean, std=0.01, n=5, low=low, high=high, level=0.95)


@pytest.fixture(scope="module")
def result():
    return load_measurement("shfin_mnist1d")


@pytest.fixture(scope="module")
def summary(result):
    return report.summarise(result, last=3)


def test_doctests_and_crossover_never():
    assert doctest.testmod(report).failed == 0 and doctest.testmod(verdicts).failed == 0
    assert verdicts.crossover([{"seq_len": 8, "shfin_seconds": 2, "attention_seconds": 1}]) is None


def test_summarise_is_summary_rows_and_late_slope(result, summary):
    direct = {r["variant"]: r for r in summary_rows(result)}
    assert set(summary["rows"]) == set(direct)
    assert summary["slope"]["cnn"] == late_slope(result, "cnn", 3)
    assert list(summary["acc"]["shfin"]) == direct["shfin"]["accuracies"]


def test_accuracy_words_on_the_runs(result, summary):
    paper = result["paper_baselines"]
    g = report.accuracy_words(summary, paper, 10, 3)
    d = welch_difference_ci(100 * summary["acc"]["shfin"], 100 * summary["acc"]["cnn"])
    assert g["ch12_d_cnn"] == f"{d.mean:+.1f} [{d.low:+.1f}, {d.high:+.1f}]"
    table, glued = report.main_table(summary, paper)
    assert len(table) == 4 + len(paper)
    assert glued["ch12_acc_shfin"] == 100 * summary["rows"]["shfin"]["estimate"].mean


def _fake(rising, shfin_low):
    """A constructed summary: SHFIN well above every baseline, slopes rising or flat."""
    acc = {v: np.array([0.5, 0.52, 0.51]) for v in ("cnn", "mlp", "cd_mlp")}
    acc["shfin"] = np.array([0.8, 0.82, 0.81])
    slope = {v: _e(0.01, 0.005, 0.02) if rising else _e(0.0, -0.01, 0.01) for v in acc}
    rows = {v: {"estimate": _e(a.mean(), shfin_low if v == "shfin" else 0.4, 0.9)}
            for v, a in acc.items()}
    return {"rows": rows, "acc": acc, "slope": slope}


def test_accuracy_words_flip():
    paper = {"logistic": 0.32}
    g = report.accuracy_words(_fake(True, 0.7), paper, 10, 3)
    assert g["ch12_still_rising"].startswith("all four models were still improving after 10")
    assert g["ch12_caveat"] == "after 10 epochs, with every model still improving"
    assert (g["ch12_shfin_vs_cnn"], g["ch12_above_logistic"]) == ("above", "above")
    g = report.accuracy_words(_fake(False, 0.3), paper, 10, 3)
    assert g["ch12_still_rising"].startswith("none of the models was measurably still")
    assert g["ch12_caveat"] == "after 10 epochs, with no model still improving"
    assert g["ch12_above_logistic"] == "not above"


def test_ablation_words_sort_by_the_intervals(summary):
    table, diffs = report.ablation_table(summary)
    assert len(table) == len(ABLATIONS) and set(diffs) == set(ABLATIONS) - {"shfin"}
    g = report.ablation_words(summary, diffs)
    lower = [report.ABL_NAMES[v] for v in ("shfin_all", "shfin_lowpass", "shfin_identity",
                                           "shfin_one_level", "shfin_k2", "shfin_k16")
             if diffs[v].high < 0]
    assert all(name in g["ch12_abl_lower"] for name in lower)
    assert (g["ch12_abl_lower"] == "none") == (not lower)


def _test(p_least, p_most, p_top_low, runs=5):
    return {"k": 2, "n": 5, "top_overlap": 0.2, "overlap_chance": 0.4, "p_top_low": p_top_low,
            "p_top_high": 0.5, "p_least": p_least, "p_most": p_most, "position": 0.7,
            "runs": runs}


def test_mask_words_follow_the_tests():
    hist = [{"patch_size": 40, "counts": [5, 0, 3], "runs": 5}]
    energy = {8: (_test(0.01, 0.9, 0.01), _test(0.5, 0.5, 0.5), [5, 5, 0, 2, 3],
                  np.array([3, 4, 0, 1, 2]))}
    g = report.mask_words(energy, hist)
    assert g["ch12_reading_8"].startswith(
        "in the patches of 8 the masks avoid the most energetic bins (fewer of them than "
        "chance, above) and keep the less energetic bins: every run kept bins 0 and 1, the 2 "
        "least energetic of the 5, and ")
    assert g["ch12_always_40"] == "the masks of all 5 runs kept bin 0"
    assert g["ch12_never_40"] == "bin 1"
    energy = {8: (_test(0.9, 0.01, 0.5), _test(0.5, 0.5, 0.5), [1, 1, 0, 2, 3],
                  np.array([3, 4, 0, 1, 2]))}
    g = report.mask_words(energy, [{"patch_size": 40, "counts": [1, 2], "runs": 5}])
    assert g["ch12_reading_8"].startswith("in the patches of 8 the masks keep the more "
                                          "energetic bins: the kept bins' mean place")
    assert g["ch12_always_40"] == "no bin was kept by all 5 runs"


def test_cost_verdict_flips_at_one_and_a_half():
    rows = [{"seq_len": 64, "shfin_seconds": 2.0, "attention_seconds": 1.0},
            {"seq_len": 128, "shfin_seconds": 2.0, "attention_seconds": 4.0}]
    fit = {"shfin_seconds": 1.1, "shfin_flops": 1.0, "attention_seconds": 2.0,
           "attention_flops": 2.0}
    g = verdicts.cost_words(rows, rows, fit, fit, 64, 64)
    assert (g["ch12_subquad"], g["ch12_cross_cpu"], g["ch12_gpu_last_ratio"]) == (
        "holds", 128, 2.0)
    g = verdicts.cost_words(rows, rows, dict(fit, shfin_flops=1.6), fit, 64, 64)
    assert g["ch12_subquad"] == "does not hold"


def test_longer_runs_and_verdict_table(result, summary):
    from cdnotes.experiments.shfin import cost_fits, energy_ranks, kept_energy_test
    longer = load_measurement("shfin_mnist1d_30epochs")
    variants = [v for v in ("shfin", "shfin_all", "shfin_lowpass", "cnn", "mlp")
                if v in longer["config"]["variants"]]
    s30 = report.summarise(longer, variants, last=3)
    head, rows, g = verdicts.longer_words(longer, result, summary, s30, 3)
    assert len(rows) == len(variants) and len(head) == 4 and g["ch12_drift"] >= 0
    power = np.arange(5.0)[::-1]
    kept = [[0, 1]] * 5
    energy = {s: (kept_energy_test(kept, power), kept_energy_test(kept, -np.arange(5)),
                  [5, 5, 0, 0, 0], energy_ranks(power)) for s in (8, 40)}
    gpu = load_measurement("shfin_cost_h100")
    cpu_fit = cost_fits(result, min_length=256)
    table = verdicts.verdict_table(summary, s30, 30, 5, energy, result["cost"], gpu["rows"],
                                 cpu_fit, 10)
    words = verdicts.cost_words(result["cost"], gpu["rows"], cpu_fit,
                              cost_fits(gpu | {"cost": gpu["rows"]}, min_length=8192), 256, 8192)
    assert table[0][2].startswith(words["ch12_subquad"] + ":")
    assert len(table) == 7 and all(len(r) == 3 for r in table)


def test_figures_draw(result, summary):
    import matplotlib.pyplot as plt
    from cdnotes.experiments.shfin import cost_fits
    from cdnotes.report import shfin_plots as plots
    paper = result["paper_baselines"]
    fit = cost_fits(result, min_length=256)
    figs = [plots.accuracy_figure(result, paper), plots.ablation_figure(summary["rows"], paper),
            plots.cost_figure(result["cost"], result["cost"], "cpu", fit, fit, 256, 256)]
    fig, energy = plots.mask_figure(result, mask_histogram(result, "shfin"),
                                    np.random.default_rng(0).standard_normal((20, 40)))
    assert set(energy) == {h["patch_size"] for h in mask_histogram(result, "shfin")}
    for f in figs + [fig]:
        plt.close(f)
