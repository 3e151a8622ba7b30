"""Chapter 5's report functions: on a small real grid (3 epochs, 6 seeds), on constructed runs
where a verdict must flip, and on the committed baselines and depth runs."""
import copy
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from cdnotes.experiments import (PAPER_TABLE1, curvature_summaries, kappa_reading_summaries,
                                 run_digits_grid)
from cdnotes.experiments import network_hessian_summary as nhs
from cdnotes.experiments.digits import epoch_gaps
from cdnotes.experiments.report import count_words, range_text, sig_text
from cdnotes.measurements import load_measurement
from cdnotes.report import digits as dg
from cdnotes.report import digits_curvature as dgc
from cdnotes.report import digits_plots
from cdnotes.stats import Estimate
from cdnotes.train import TrainConfig

SEEDS = list(range(6))


@pytest.fixture(scope="module")
def records():
    config = TrainConfig(epochs=3)
    return (run_digits_grid(seeds=SEEDS[:2], config=config, curvature="full")
            + run_digits_grid(seeds=SEEDS[2:], config=config, curvature="readings"))


def _acc(records, m):
    return np.array([r.accuracy_percent for r in sorted(records, key=lambda r: r.seed)
                     if r.model == m])


def test_table1_three_against_the_runs(records):
    sec = dg.table1_three(records, SEEDS)
    for m in dg.MODELS:
        assert np.isclose(sec.values[f"ch5_acc3_{m}"], _acc(records, m)[:3].mean())
    assert sec.header[3] == "test accuracy % (ours, seeds 0–2)"
    assert [row[2] for row in sec.rows] == [PAPER_TABLE1[m]["n_params"] for m in dg.MODELS]
    for row, m in zip(sec.rows, dg.MODELS):
        p = PAPER_TABLE1[m]
        sd = f" ± {p['accuracy_std']:.2f}" if p["accuracy_std"] else ""   # the paper may omit it
        assert row[4] == f"{p['accuracy']:.2f}{sd}"


def test_triples_against_the_runs(records):
    sec = dg.triples(records, SEEDS)
    acc = {m: _acc(records, m) for m in dg.MODELS}
    means = [{m: acc[m][3 * i:3 * i + 3].mean() for m in dg.MODELS} for i in range(2)]
    ordered = [t["dense"] > t["cd4"] > t["cd8"] for t in means]
    assert sec.values["ch5_triples_ordered"] == count_words(sum(ordered), 2, "triples")
    assert [row[4] for row in sec.rows] == ["yes" if o else "no" for o in ordered]
    assert sec.rows[1][0] == "3–5"
    assert np.isclose(sec.values["ch5_sem3_cd8"], acc["cd8"].std(ddof=1) / np.sqrt(3))


def test_twenty_seeds_gaps_against_the_runs(records):
    sec = dg.twenty_seeds(records, records, 7, 360)
    v = sec.values
    diff = _acc(records, "dense") - _acc(records, "cd4")
    assert np.isclose(v["ch5_gap_cd4"], diff.mean())
    assert v["ch5_gap_cd4_zero"] == ("includes" if v["ch5_gap_cd4_low"] <= 0
                                     <= v["ch5_gap_cd4_high"] else "excludes")
    assert np.isclose(v["ch5_gap2"], diff.mean()) and v["ch5_split2"] == 7
    assert v["ch5_gap_images"] == f"{diff.mean() / 100 * 360:.1f}".replace("-0.0", "0.0")
    assert np.isclose(v["ch5_acc20_cd8"], _acc(records, "cd8").mean())
    assert len(sec.rows) == 6 and set(sec.data["est"]) == set(dg.MODELS)


def test_baselines_against_the_committed_file_and_the_place_flip(records):
    base = load_measurement("digits_baselines")
    data = dg.twenty_seeds(records, records, 1, 360).data
    sec = dg.baselines(base, data["est"], data["acc"], base["config"]["split_seed"])
    v = sec.values
    names = base["config"]["classifiers"]
    means = [np.mean([r["accuracy"] for r in base["records"] if r["name"] == n]) for n in names]
    assert v["ch5_base_within2"] == count_words(sum(abs(x - 98) <= 2 for x in means),
                                                len(means), "classifiers")
    assert v["ch5_base_split"] == "on this page's split"
    assert len(sec.rows) == len(names) + 3
    est = copy.deepcopy(data["est"])
    est["dense"] = Estimate(mean=99.99, std=0.0, n=6, low=99.99, high=99.99, level=0.95)
    other = dg.baselines(base, est, data["acc"], base["config"]["split_seed"] + 1).values
    assert other["ch5_base_place"] == "The dense MLP's mean lies above every classifier's mean"
    assert other["ch5_base_split"].startswith("on the split drawn with seed")


def _loss_runs(doubling):
    runs = []
    for m, k in doubling.items():
        for s in range(5):
            loss = [1.0, 0.5, 1.5 if s < k else 0.4, 0.3]
            if m == "dense" and s == 4:
                loss = [1.0, 1.1, 1.15, 1.2]           # rose slowly: never doubled, never fell
            runs.append(SimpleNamespace(model=m, seed=s, train_loss=loss))
    return runs


def test_loss_counts_and_the_doubling_verdict_both_ways():
    v = dg.loss_counts(_loss_runs({"dense": 0, "cd4": 1, "cd8": 5})).values
    assert (v["ch5_doubled_dense"], v["ch5_doubled_cd4"], v["ch5_doubled_cd8"]) == (0, 1, 5)
    assert "more often, a significant difference" in v["ch5_doubled_verdict"]
    assert "Fisher's exact test against B = 4" in v["ch5_doubled_verdict"]
    assert v["ch5_loss_fell"] == count_words(14, 15, "runs")
    assert v["ch5_loss_range_cd4"] == range_text([0.3] * 5, ".1e")
    assert np.isclose(v["ch5_loss_dense"], (4 * 0.3 + 1.2) / 5)
    v = dg.loss_counts(_loss_runs({"dense": 2, "cd4": 1, "cd8": 2})).values
    assert "a difference that is not significant" in v["ch5_doubled_verdict"]
    assert "against B = 4" not in v["ch5_doubled_verdict"]       # the rival: dense


def _gaps(highs):
    return [Estimate(mean=h - 0.1, std=0.1, n=5, low=h - 0.2, high=h, level=0.95)
            for h in highs]


def test_early_epochs_counts_each_side():
    below = _gaps([-0.1] * 3 + [0.5] * 22)           # dense lower in the first three epochs
    above = _gaps([0.5] * 25)
    sec = dgc.early_epochs({"cd4": below, "cd8": above}, {"cd4": above, "cd8": below})
    v = sec.values
    assert v["ch5_early_loss_cd4"] == count_words(3, 10, "first epochs")
    assert v["ch5_early_loss_cd8"] == count_words(0, 10, "first epochs")
    assert v["ch5_late_loss_cd4"] == count_words(6, 6, "epochs 20–25")
    assert v["ch5_early_acc_cd8"] == count_words(7, 10, "first epochs")
    assert [row[0] for row in sec.rows] == list(dgc.SHOWN_EPOCHS)
    short = dgc.early_epochs({"cd4": below[:22], "cd8": below[:22]},
                             {"cd4": above[:22], "cd8": above[:22]})
    assert short.rows[-1][0] == 20 and short.values["ch5_late_loss_cd4"] == count_words(
        3, 3, "epochs 20–22")
    with pytest.raises(ValueError, match="the runs have 12 epochs"):
        dgc.early_epochs({"cd4": below[:12], "cd8": below[:12]},
                         {"cd4": above[:12], "cd8": above[:12]})


def test_last_layer_and_exact_zeros_against_the_summaries(records):
    curv = curvature_summaries(records)
    v = dgc.last_layer(curv, 2).values
    bulk = [d for c in curv.values() for d in c.bulk_decades]
    assert (v["ch5_bulk_min"], v["ch5_bulk_max"]) == (min(bulk), max(bulk))
    assert v["ch5_bulk_over3"] == count_words(sum(d > 3 for d in bulk), len(bulk), "runs")
    zeros = dgc.exact_zeros(curv)
    # dense last layer 64 → 10: 64 + 1 null directions; CD 64 → 16 at B = 8: 8 + 1 + 6 unused
    assert zeros.data["null"] == {"dense": 65, "cd4": 64 // 4 + 1 + 2, "cd8": 64 // 8 + 1 + 6}
    assert zeros.values["ch5_pad_cd8"] == 6 and "ch5_pad_dense" not in zeros.values
    fewer = max(curv["cd4"].n_zero + curv["cd8"].n_zero) < min(curv["dense"].n_zero)
    assert zeros.values["ch5_fewer_zeros"].startswith(
        "So in every run" if fewer else "So the exact zeros alone")


def test_readings_against_the_runs(records):
    readings = kappa_reading_summaries(records)
    rows = dgc.readings_table(readings).rows
    assert any(row[1].endswith("(a)") for row in rows) == any(
        s.n_finite == 0 for s in readings.values())
    v = dgc.paper_readings(records, readings, nhs.load_results()["records"]).values
    n_inf = sum(np.isinf(r.kappa.theorem1_inputs) for r in records if r.model != "dense")
    assert v["ch5_cd_inf"] == n_inf and v["ch5_cd_runs"] == 2 * len(SEEDS)
    med = {m: np.median([r.kappa.weights_sv for r in records if r.model == m])
           for m in dg.MODELS}
    assert v["ch5_like_cd4"] == sig_text(med["dense"] / med["cd4"])
    open_ended = [m for m in ("cd4", "cd8")
                  if np.isinf(readings[m, "theorem1_inputs"].upper_quartile)]
    assert v["ch5_read_open"] == ("Neither CD range reaches ∞." if not open_ended else
                                  f"At {' and '.join('B = ' + m[2:] for m in open_ended)} "
                                  "the range reaches ∞: it holds any large value, so a value "
                                  "inside it says little.")
    assert dgc.num(float("inf")) == "∞" and dgc.num(12345.0) == "1.23e+04"


def test_depth_table_against_the_committed_runs():
    deep = load_measurement("depth_digits")
    sec = dgc.depth_table(deep)
    recs = deep["records"]
    depths = sorted({r["depth"] for r in recs})
    acc = {(r["model"], r["depth"], r["seed"]): r["accuracy"] for r in recs}
    first = [acc["dense", depths[0], s] - acc["cd4", depths[0], s] for s in deep["config"]["seeds"]]
    assert sec.rows[0][2].startswith(f"{np.mean(first):+.2f}")
    assert sec.values["ch5_depth_first"] == depths[0] and sec.values["ch5_depth_last"] == depths[-1]
    assert sec.values["ch5_depth_cmd"] == f"`{deep['command']}`"
    assert len(sec.rows) == len(depths)


def test_the_figures_draw(records):
    import matplotlib.pyplot as plt
    fig = digits_plots.plot_figure1(records, 360)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 3
    plt.close(fig)
    gaps = {m: epoch_gaps(records, "dense", m) for m in ("cd4", "cd8")}
    fig = digits_plots.plot_epoch_gaps(gaps, gaps)
    assert len(fig.axes[0].lines) == 3            # two models and the line at 1
    plt.close(fig)
    fig = digits_plots.plot_figure2(records)
    assert len(fig.axes[0].lines) == 4
    plt.close(fig)
