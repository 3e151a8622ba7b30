"""cdnotes.report.structured(_plots): chapter 10's tables, verdicts and sentences, against the
committed grid recomputed here, and constructed inputs where a verdict flips."""
from __future__ import annotations

import doctest

import matplotlib
import pytest

matplotlib.use("Agg")

from cdnotes.experiments.structured import (MNIST1D_BASELINES, run_failed,  # noqa: E402
                                            structured_models, summarize_structured)
from cdnotes.measurements import load_measurement  # noqa: E402
from cdnotes.report import structured as report  # noqa: E402
from cdnotes.report import structured_speed as speed_report  # noqa: E402
from cdnotes.report.glued import Sentence  # noqa: E402
from cdnotes.stats import Estimate, paired_difference_ci  # noqa: E402


@pytest.fixture(scope="module")
def saved():
    return load_measurement("structured_digits_mnist1d")


@pytest.fixture(scope="module")
def rows(saved):
    return summarize_structured(saved["records"])


def _e(mean, low, high):
    return Estimate(mean=mean, std=0.01, n=5, low=low, high=high, level=0.95)


def test_doctests_hold():
    assert doctest.testmod(report).failed == 0


def test_grid_facts_name_the_absent_structures(saved):
    every = ["dense", "cd", "low_rank", "acdc", "sparse", "fourier_mixing"]
    g = report.grid_facts(saved, every)
    assert g["ch10_absent"] == "Every structure of the library is in it."
    assert g["ch10_n_runs"] == len(saved["records"]) and isinstance(g["ch10_structures"], Sentence)
    assert report.grid_facts(saved, every[:3] + ["sparse"])["ch10_absent"] == (
        "ACDC and Fourier mixing are not in this run.")
    assert report.grid_facts(saved, every[:-1])["ch10_absent"] == (
        "Fourier mixing is not in this run.")


def test_model_table_lists_the_unmatched(saved):
    specs = {s.name: s for s in structured_models(
        list(dict.fromkeys(r["structure"] for r in saved["records"])))}
    table, g = report.model_table(specs)
    unmatched = sorted({s.structure.replace("_", "-") for s in specs.values()
                        if s.budgets and not all(s.matched.values())})
    assert len(unmatched) > 1
    assert g["ch10_unmatched"] == ", ".join(unmatched[:-1]) + " and " + unmatched[-1]
    assert [r[2] for r in table] == [s.n_params for s in specs.values()]
    ranks = {"kronecker": 16, "acdc": 64, "sparse": 64, "cd": 64, "low_rank": 8,
             "toeplitz": 64, "dense": 64}
    g = report.expressivity_words(specs, ranks, saved["config"]["budgets"])
    assert g["ch10_full_rank"] == "acdc, sparse and toeplitz"
    assert g["ch10_kron_rank"] == 16


def _row(ds, model, structure, n, mean, high=None, matched=True):
    return {"dataset": ds, "model": model, "structure": structure, "n_params": n,
            "accuracy": _e(mean, mean - 0.01, mean + 0.01 if high is None else high),
            "matched": {"B4": matched}, "n_diverged": 0}


def test_accuracy_words_front_failures_and_baseline():
    rows = [_row(ds, m, s, n, a, high) for ds in ("digits", "mnist1d")
            for m, s, n, a, high in (("dense", "dense", 5000, 0.9, 0.95),
                                     ("cd B4", "cd", 2000, 0.8, None),
                                     ("cd B8", "cd", 1000, 0.85, None),
                                     ("toeplitz", "toeplitz", 1000, 0.84, None),
                                     ("low_rank B8", "low_rank", 1100, 0.7, None))]
    records = [{"dataset": "digits", "model": "low_rank B8", "test_accuracy": acc,
                "structure": "low_rank", "train_loss": 1.0} for acc in (0.1, None, 0.8)]
    g = report.accuracy_words(rows, records)
    # cd B4 is beaten by the smaller B8, toeplitz by B8 at as many parameters
    assert g["ch10_digits_front"] == "cd B8 and dense"
    assert g["ch10_digits_best"] == "toeplitz"
    assert "low-rank B8" in g["ch10_digits_failed"] and g["ch10_mnist1d_failed"] == (
        "no run failed")
    mlp = MNIST1D_BASELINES["MLP"]
    assert g["ch10_mnist1d_vs_mlp"] == ("below" if 0.95 < mlp else "not below")
    rows[5] = _row("mnist1d", "dense", "dense", 5000, mlp - 0.1, mlp - 0.05)
    assert report.accuracy_words(rows, records)["ch10_mnist1d_vs_mlp"] == "below"


def test_epoch_time_words_flip_with_the_interval():
    rows = [{"dataset": ds, "model": m, "structure": s}
            for ds in ("digits", "mnist1d")
            for m, s in (("cd B4", "cd"), ("cd B8", "cd"), ("toeplitz", "toeplitz"))]

    def q(lo, hi):
        return {"geometric_mean": (lo + hi) / 2, "low": lo, "high": hi, "lo": lo, "hi": hi}

    records = [{"dataset": ds, "model": "dense", "epoch_seconds": 0.01}
               for ds in ("digits", "mnist1d")]
    ratios = {(ds, m): q(0.5, 0.8) for ds in ("digits", "mnist1d") for m in ("cd B4", "cd B8")}
    ratios.update({(ds, "toeplitz"): q(1.5, 2.5) for ds in ("digits", "mnist1d")})
    g = speed_report.epoch_time_words(records, rows, ratios)
    assert g["ch10_digits_faster"] == "cd B4 and cd B8" and g["ch10_digits_slower"] == "toeplitz"
    assert g["ch10_transform_time"].startswith("toeplitz (2.0× [1.5, 2.5] and 2.0× [1.5, 2.5])")
    ratios["mnist1d", "toeplitz"] = q(0.9, 1.1)
    g = speed_report.epoch_time_words(records, rows, ratios)
    assert g["ch10_transform_time"].startswith("none took longer")
    assert g["ch10_mnist1d_slower"] == "no model"


def test_speed_table_reads_the_committed_file():
    speed = load_measurement("structured_speed_cpu")
    head, rows, g = speed_report.speed_table(speed, lambda *a: "goal")
    assert len(rows) == len(speed["crossings"]) + 1 and len(head) == len(rows[0])
    assert g["ch10_speed_sparse_best"] == max(speed["crossings"]["sparse_fixed"]["speedups"])
    assert g["ch10_speed_first"] == speed["config"]["widths"][0] and g["ch10_speed_goal"] == "goal"


def test_kappa_words_verdict_needs_five_models_and_significance():
    models = [f"m{i}" for i in range(6)]
    rows = [{"dataset": ds, "model": m} for ds in ("digits", "mnist1d") for m in models]
    records = [{"dataset": ds, "model": m, "test_accuracy": 0.5 + 0.05 * i, "train_loss": 0.1}
               for ds in ("digits", "mnist1d") for i, m in enumerate(models)]
    kap = {(ds, m): {"n_trained": 5, "median": 10.0 ** (6 - i), "ceiling": 1e9}
           for ds in ("digits", "mnist1d") for i, m in enumerate(models)}
    kap["digits", "dense"] = {"ceiling": 1e9}
    g = report.kappa_words(records, rows, kap)
    assert g["ch10_digits_corr_words"] == ("more accurate models had lower κ "
                                           "(significant at the 5% level)")
    assert g["ch10_digits_kappa_lowest"] == "m5" and g["ch10_digits_kappa_top"] == "no model"
    assert g["ch10_kappa_top"] == "$10^{10}$"
    for m in models[:2]:
        kap["mnist1d", m]["median"] = None              # at the ceiling
    g = report.kappa_words(records, rows, kap)
    assert g["ch10_mnist1d_corr_words"] == "too few models below the ceiling for a verdict"
    assert g["ch10_mnist1d_kappa_top"] == "m0 and m1"


def test_verdict_table_counts_and_monarch_gap(saved, rows):
    records = saved["records"]
    specs = {s.name: s for s in structured_models(
        list(dict.fromkeys(r["structure"] for r in records)))}
    table, g, facts = report.verdict_table(records, rows, specs, saved["config"]["budgets"])
    assert g["ch10_n_wins"] == sum(r[-1] == "wins" for r in table)
    assert g["ch10_n_comparisons"] == sum(r[-1] in ("wins", "ties", "loses") for r in table)
    acc = {m: {r["seed"]: r["test_accuracy"] for r in records if r["dataset"] == "digits"
               and r["model"] == m and not run_failed(r)} for m in ("dense", "monarch")}
    s = sorted(set(acc["dense"]) & set(acc["monarch"]))
    e = paired_difference_ci([acc["dense"][i] for i in s], [acc["monarch"][i] for i in s])
    assert g["ch10_monarch_gap_digits"] == 100 * e.mean
    low = [r for r in records if r["dataset"] == "digits" and r["structure"] == "low_rank"]
    assert facts["lowrank_failed_digits"] == sum(run_failed(r) for r in low)


def test_figures_draw(saved, rows):
    import matplotlib.pyplot as plt
    from cdnotes.report import structured_plots as plots
    structures = list(dict.fromkeys(r["structure"] for r in saved["records"]))
    fig, axes = plots.pareto(rows, structures, lambda r: r["n_params"], "parameters")
    plots.kappa_band(axes, 1e8)
    assert [a.get_title() for a in axes] == ["digits", "MNIST-1D"]
    fig2 = plots.speed_figure(load_measurement("structured_speed_cpu"))
    pictured = [s for s in structured_models(["dense", "low_rank"])
                if not s.budgets or "B8" in s.budgets]
    fig3, ranks = plots.expressivity_figure(pictured, 0)
    assert ranks["dense"] == 64 and ranks["low_rank"] < 64
    for f in (fig, fig2, fig3):
        plt.close(f)
