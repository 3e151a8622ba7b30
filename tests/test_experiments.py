"""The book's experiments as library functions: typed records, summaries, sweeps, seeds, JSON."""
import math

import numpy as np
import pytest

from cdnotes import seeds as seeding
from cdnotes.experiments import (DigitsRecord, accuracy_estimates, curvature_summaries,
                                 fisher_penalty_cost, kappa_reading_summaries, paired_gap,
                                 reading_summary, run_digits, run_digits_grid, run_dropout_sweep,
                                 run_fisher_sweep, run_table1, subset_means, summarize, sweep_table)
from cdnotes.experiments.report import ci_text, listed, position, range_text, zero_word
from cdnotes.mlp import paper_model
from cdnotes.results import read_json, write_json_atomic
from cdnotes.stats import Estimate, mean_ci, paired_difference_ci
from cdnotes.train import TrainConfig

FAST = TrainConfig(epochs=2)


@pytest.fixture(scope="module")
def grid():
    """Two models, two seeds, two epochs; the paper's readings but no Hessian (fast)."""
    return run_digits_grid(("dense", "cd4"), (0, 1), config=FAST, curvature="readings")


@pytest.fixture(scope="module")
def full_cd8():
    return run_digits("cd8", 3, config=FAST, curvature="full", split_seed=1)


@pytest.fixture(scope="module")
def sweeps():
    dropout = run_dropout_sweep([0.0, 0.2], (0, 1), config=FAST, curvature="readings")
    fisher = run_fisher_sweep([1e-2, 1.0], (0, 1), config=FAST, baseline=dropout.baseline)
    return dropout, fisher


def test_record_fields(grid, full_cd8):
    assert [(r.model, r.seed) for r in grid] == [("dense", 0), ("dense", 1), ("cd4", 0), ("cd4", 1)]
    for r in grid:
        assert r.n_params == paper_model(r.model).n_params
        assert r.config == FAST and r.split_seed == 0 and r.dropout == 0.0
        assert len(r.test_accuracy) == len(r.train_loss) == len(r.epoch_seconds) == FAST.epochs
        assert r.final_test_accuracy == r.test_accuracy[-1]
        assert 0 <= r.final_test_accuracy <= 1 and r.accuracy_percent == 100 * r.final_test_accuracy
        assert all(t > 0 for t in r.epoch_seconds)
        assert r.curvature == "readings" and r.hessian is None and r.last_layer_eigenvalues is None
        assert len(r.kappa.dead_units) == 2 and r.kappa.weights_sv >= 1
        with pytest.raises(ValueError, match="curvature='readings'"):
            r.hessian_kappa
    assert math.isnan(grid[0].circulant_kappa) and grid[2].circulant_kappa >= 1
    r = full_cd8
    assert r.split_seed == 1 and r.curvature == "full"
    assert r.hessian.n == len(r.last_layer_eigenvalues) == 64 * 16 // 8 + 16
    assert r.hessian_kappa == r.hessian.kappa_nonzero
    assert np.all(np.diff(r.last_layer_eigenvalues) >= 0)
    assert len(r.logit_eigenvalues) == 10 and 0 <= r.confident_fraction <= 1


def test_no_curvature_and_end_only_evaluation_give_the_same_run(grid):
    r = run_digits("cd4", 1, config=FAST, curvature=False, per_epoch=False)
    assert r.curvature == "none" and r.kappa is None and r.test_accuracy == ()
    assert r.final_test_accuracy == grid[3].final_test_accuracy
    assert r.train_loss == grid[3].train_loss


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="curvature"):
        run_digits("cd4", 0, config=FAST, curvature="some")
    with pytest.raises(ValueError, match="seed"):
        run_digits("cd4", -1, config=FAST)
    with pytest.raises(ValueError, match="two distinct seeds"):
        run_dropout_sweep([0.0], (0,), config=FAST)
    with pytest.raises(ValueError, match="distinct"):
        run_fisher_sweep([1e-2, 1e-2], (0, 1), config=FAST)


def test_json_round_trip_through_a_file(grid, full_cd8, tmp_path):
    for record in [grid[0], grid[2], full_cd8]:          # dense (nan, inf readings), CD, full
        write_json_atomic(tmp_path / "r.json", record.to_json())
        back = DigitsRecord.from_json(read_json(tmp_path / "r.json"))
        assert back.to_json().keys() == record.to_json().keys()
        write_json_atomic(tmp_path / "s.json", back.to_json())
        assert read_json(tmp_path / "s.json") == read_json(tmp_path / "r.json")
        assert back.config == record.config and back.hessian == record.hessian
        assert back.test_accuracy == record.test_accuracy
    assert math.isnan(DigitsRecord.from_json(grid[0].to_json()).circulant_kappa)
    with pytest.raises(ValueError, match="missing keys"):
        DigitsRecord.from_json({"model": "cd4"})


def test_table1_dicts_keep_the_cli_layout(grid, full_cd8):
    records = run_table1(("cd4",), (0, 1), config=FAST, curvature=False)
    assert all(isinstance(r, dict) for r in records)
    assert {"model", "seed", "n_params", "test_accuracy", "final_test_accuracy", "train_loss",
            "epoch_seconds", "config"} <= records[0].keys()
    assert records[1]["train_loss"] == list(grid[3].train_loss)
    assert summarize(records) == summarize([DigitsRecord.from_json(r) for r in records])
    full = full_cd8.to_json()                  # what the CLI writes with curvature on
    assert {"last_layer_eigenvalues", "kappa"} <= full.keys()
    assert {"weights_sv", "theorem1_inputs", "circulant_spectrum", "dead_units",
            "last_layer_hessian"} <= full["kappa"].keys()


def test_summaries_match_the_statistics_of_the_same_numbers(grid):
    acc = {m: [r.accuracy_percent for r in grid if r.model == m] for m in ("dense", "cd4")}
    s = summarize(grid)
    assert s["cd4"] == {"mean": np.mean(acc["cd4"]), "std": np.std(acc["cd4"], ddof=1), "n": 2}
    assert accuracy_estimates(grid)["dense"] == mean_ci(acc["dense"])
    assert accuracy_estimates(grid, 0.9)["cd4"] == mean_ci(acc["cd4"], 0.9)
    assert paired_gap(grid, "dense", "cd4") == paired_difference_ci(acc["dense"], acc["cd4"])
    with pytest.raises(ValueError, match="no records"):
        paired_gap(grid, "dense", "cd8")
    with pytest.raises(ValueError, match="same seeds"):
        paired_gap(grid[:3], "dense", "cd4")


def test_subset_means_cut_disjoint_groups_of_seeds(grid):
    assert subset_means(grid, 1) == [{"dense": acc_d, "cd4": acc_c} for acc_d, acc_c in
                                     [(grid[0].accuracy_percent, grid[2].accuracy_percent),
                                      (grid[1].accuracy_percent, grid[3].accuracy_percent)]]
    assert subset_means(grid, 2) == [{m: s["mean"] for m, s in summarize(grid).items()}]
    assert subset_means(grid, 3) == []


def test_reading_summary():
    s = reading_summary([10.0, 1000.0, math.inf])
    assert (s.median, s.minimum, s.maximum, s.n_inf, s.n) == (1000.0, 10.0, math.inf, 1, 3)
    assert s.geometric_mean == pytest.approx(100.0, rel=1e-12)
    assert reading_summary([math.inf, math.inf]).geometric_mean is None
    with pytest.raises(ValueError):
        reading_summary([1.0, math.nan])


def test_sweep_rows_match_the_statistics_of_the_same_numbers(sweeps):
    dropout, fisher = sweeps
    assert fisher.baseline is dropout.baseline or fisher.baseline == dropout.baseline
    rows = sweep_table(fisher)
    assert [row.value for row in rows] == [1e-2, 1.0]
    base = [r.accuracy_percent for r in dropout.runs[0.0]]
    for row in rows:
        acc = fisher.accuracy(row.value)
        assert [r.config.fisher_eps for r in fisher.runs[row.value]] == [row.value] * 2
        assert row.accuracy == mean_ci(acc)
        assert row.accuracy_change == paired_difference_ci(acc, base)
        assert row.significantly_lower == (row.accuracy_change.high < 0)
        change = paired_difference_ci(np.log10(fisher.circulant_kappa(row.value)),
                                      np.log10(dropout.circulant_kappa(0.0)))
        assert row.log10_circulant_kappa_change == change
        assert row.hessian_kappa_geomean is None and row.log10_hessian_kappa_change is None
    first, second = sweep_table(dropout)
    assert first.accuracy_change is None and first.log10_circulant_kappa_change is None
    assert second.accuracy_change == paired_difference_ci(dropout.accuracy(0.2), base)
    assert all(r.dropout == 0.2 for r in dropout.runs[0.2])


def test_fisher_sweep_refuses_a_baseline_that_does_not_pair(sweeps):
    dropout, _ = sweeps
    with pytest.raises(ValueError, match="seeds"):
        run_fisher_sweep([1.0], (0, 2), config=FAST, baseline=dropout.baseline)
    with pytest.raises(ValueError, match="not an unregularised"):
        run_fisher_sweep([1.0], (0, 1), config=FAST, baseline=dropout.runs[0.2])
    with pytest.raises(ValueError, match="not an unregularised"):
        run_fisher_sweep([1.0], (0, 1), config=TrainConfig(epochs=3), baseline=dropout.baseline)


def test_seeds_follow_the_offset(monkeypatch, sweeps):
    monkeypatch.setenv(seeding.SEED_OFFSET_ENV, "5")
    shifted = seeding.seeds(range(2))
    assert shifted == [5, 6] and seeding.seed(0) == 5
    fisher = run_fisher_sweep([1.0], shifted, config=FAST, split_seed=seeding.seed(0))
    assert [r.seed for r in fisher.runs[1.0]] == [5, 6] == [r.seed for r in fisher.baseline]
    assert {r.split_seed for r in fisher.runs[1.0]} == {5}
    again = run_digits("cd4", 5, config=TrainConfig(epochs=2, fisher=1e-4, fisher_eps=1.0),
                       split_seed=5, curvature="readings", per_epoch=False)
    assert again.to_json() == fisher.runs[1.0][0].to_json() | {"epoch_seconds": list(again.epoch_seconds)}
    unshifted = sweeps[1].runs[1.0]
    assert [r.train_loss for r in unshifted] != [r.train_loss for r in fisher.runs[1.0]]
    monkeypatch.setenv(seeding.SEED_OFFSET_ENV, "-3")
    with pytest.raises(ValueError, match="non-negative"):
        seeding.seeds(range(2))


def test_fisher_penalty_cost_is_timed_in_the_training_loop():
    cost = fisher_penalty_cost(epochs=2, repeats=2)
    assert cost.n_epochs == 2 and cost.steps_per_epoch == 23          # ceil(1437 / 64)
    assert cost.plain_epoch_seconds > 0 and cost.penalised_epoch_seconds > 0
    assert cost.overhead == cost.penalised_epoch_seconds / cost.plain_epoch_seconds - 1
    assert len(cost.ratios) == 2 and all(r > 0 for r in cost.ratios)
    assert cost.ratio == float(np.median(cost.ratios))


def test_kappa_and_curvature_summaries(grid, full_cd8):
    readings = kappa_reading_summaries(grid)
    assert set(readings) == {("dense", "weights_sv"), ("dense", "theorem1_inputs"),
                             ("cd4", "weights_sv"), ("cd4", "theorem1_inputs"),
                             ("cd4", "circulant_spectrum")}        # dense: no circulant spectrum
    values = [r.kappa.weights_sv for r in grid if r.model == "cd4"]
    assert readings["cd4", "weights_sv"] == reading_summary(values)
    assert curvature_summaries(grid) == {}                         # no run measured the Hessian
    s = curvature_summaries(grid + [full_cd8])["cd8"]
    assert s.seeds == (3,) and s.n_params_last == full_cd8.hessian.n
    assert s.hessian_decades == (pytest.approx(math.log10(full_cd8.hessian_kappa)),)
    assert s.n_zero == (full_cd8.hessian.n_zero,) and s.dead_units == (sum(full_cd8.kappa.dead_units),)
    assert s.logit_nonzero == (full_cd8.logit_nonzero().size,) == (9,)
    assert s.confident_percent == (100 * full_cd8.confident_fraction,)
    with pytest.raises(ValueError, match="curvature='none'"):
        kappa_reading_summaries([run_digits("cd4", 0, config=FAST, curvature="none", per_epoch=False)])


def test_report_words():
    below = Estimate(mean=-1.2, std=0.8, n=10, low=-1.8, high=-0.6, level=0.95)
    across = Estimate(mean=0.1, std=0.8, n=10, low=-0.5, high=0.7, level=0.95)
    assert ci_text(below) == "-1.20 [-1.80, -0.60]" and ci_text(None) == "—"
    assert ci_text(across, ".1f") == "0.1 [-0.5, 0.7]"
    assert (zero_word(below), zero_word(across)) == ("excludes", "includes")
    assert [position(v, across) for v in (1.0, 0.0, -1.0, 0.7)] == ["above", "inside", "below", "inside"]
    assert listed([], "rate", "rates", "no rate") == "no rate"
    assert listed([0.5], "rate", "rates", "no rate") == "rate 0.5"
    assert listed([0.2, 0.5], "rate", "rates", "no rate") == "rates 0.2 and 0.5"
    assert listed([1e-4, 1e-3, 1e-2], "ε =", "ε =", "no ε") == "ε = 0.0001, 0.001 and 0.01"
    assert listed([0.1, 0.5]) == "0.1 and 0.5" and listed([]) == "none" and listed([2], fmt=".1f") == "2.0"
    assert range_text([19, 19]) == "19" and range_text([32, 19, 20]) == "19–32"
    assert range_text([4.99, 9.1], ".1f") == "5.0–9.1" and range_text([4.96, 5.04], ".1f") == "5.0"


def test_reading_summary_quartiles_count_infinite_runs():
    s = reading_summary([1.0, 2.0, 3.0, 4.0, 5.0])
    assert (s.lower_quartile, s.median, s.upper_quartile) == (2.0, 3.0, 4.0)
    assert s.n_finite == 5 and [s.position(v) for v in (1.5, 2.0, 4.5)] == ["below", "inside", "above"]
    s = reading_summary([10.0, 20.0, math.inf, math.inf])        # positions 0.75, 1.5, 2.25
    assert s.lower_quartile == pytest.approx(17.5) and s.median == math.inf
    assert s.upper_quartile == math.inf and (s.n_finite, s.n_inf) == (2, 2)
    assert s.position(1e300) == "inside"
    assert reading_summary([math.inf] * 3).lower_quartile == math.inf


def test_zero_input_blocks_match_the_infinite_theorem1_reading(grid):
    from cdnotes.data import digits_split
    from cdnotes.experiments.digits import zero_input_blocks
    X = digits_split(0)[0]
    blank = int(np.sum(np.all(X == 0, axis=0)))
    for r in grid:
        assert len(r.kappa.zero_input_blocks) == 3
        assert math.isinf(r.kappa.theorem1_inputs) == (sum(r.kappa.zero_input_blocks) > 0)
        if r.model == "dense":
            assert r.kappa.zero_input_blocks[0] == blank
    # a CD layer whose whole first input block is silenced: exactly one zero block there
    net = paper_model("cd4", seed=0)
    X0 = X.copy()
    X0[:, :4] = 0
    assert zero_input_blocks(net, X0)[0] == int(np.sum(np.all(X0.reshape(-1, 16, 4) == 0,
                                                               axis=(0, 2))))
    assert zero_input_blocks(net, X0)[0] >= 1


def test_curvature_summary_separates_the_threshold_from_the_spectrum(full_cd8):
    from cdnotes.experiments.digits import BULK_QUANTILE, CUTOFF_MARGIN_DECADES
    s = curvature_summaries([full_cd8])["cd8"]
    h = full_cd8.hessian
    ev = np.asarray(full_cd8.last_layer_eigenvalues)
    q = np.quantile(ev[ev > h.zero_threshold], BULK_QUANTILE)
    assert s.bulk_decades == (pytest.approx(math.log10(h.lambda_max / q)),)
    assert s.bulk_decades[0] <= s.hessian_decades[0] + 1e-12
    reaches = h.lambda_min_nonzero <= h.zero_threshold * 10 ** CUTOFF_MARGIN_DECADES
    assert s.reaches_cutoff == (reaches,)


def test_count_words():
    from cdnotes.experiments.report import count_words, number_word
    assert count_words(6, 6) == "all six" and count_words(0, 3) == "none of the three"
    assert count_words(4, 6, "triples") == "4 of the six triples"
    assert number_word(21) == "21" and number_word(20) == "twenty"
    with pytest.raises(ValueError):
        count_words(4, 3)


def test_sig_text_keeps_two_significant_figures():
    from decimal import Decimal

    from cdnotes.experiments.report import ratio_ci_text, sig_text
    from cdnotes.stats import Estimate
    rng = np.random.default_rng(0)
    for x in 10 ** rng.uniform(-2.9, 3.9, 300):
        text = sig_text(x)
        # the slow twin: the number read back agrees with x to two significant figures
        digits = Decimal(text.replace(" ", "")).as_tuple().digits
        assert abs(float(text) - x) <= 0.5 * 10 ** (np.floor(np.log10(x)) - 1) * 1.0001
        assert len(str(int(Decimal(text).normalize().scaleb(
            -Decimal(text).adjusted() + 1)))) <= 2, (x, text, digits)
    assert sig_text(11569.0) == "1.2 × 10⁴" and sig_text(9999) == "1.0 × 10⁴"
    assert sig_text(310.5) == "310" and sig_text(0.999) == "1.0" and sig_text(2.1e-5) == "2.1 × 10⁻⁵"
    e = Estimate(mean=np.log10(5.594), std=1.0, n=10, low=np.log10(0.1534),
                 high=np.log10(212.33), level=0.95)
    assert ratio_ci_text(e) == "5.6 [0.15, 210]"


def test_like_for_like_text_words_follow_the_intervals():
    from cdnotes.experiments.verdicts import like_for_like_text, ratio_interval_text
    from cdnotes.stats import Estimate

    def est(mean, low, high):
        return Estimate(mean, 1.0, 20, low, high, 0.95)
    assert ratio_interval_text(est(0.1, -0.2, 0.4)).endswith("includes 1)")
    assert ratio_interval_text(est(-0.5, -0.8, -0.2)).endswith("below 1)")
    text = like_for_like_text({"B = 4": est(0.62, 0.01, 1.24)},
                              {"B = 4": ("lower", 9), "B = 8": ("unresolved", 10)}, "ch8")
    assert text.startswith("seed by seed, the geometric mean of the ratio dense / CD is 4.2 (95 %")
    assert "ch8 (9–10 seeds) find CD lower at B = 4; they leave it unresolved at B = 8" in text
