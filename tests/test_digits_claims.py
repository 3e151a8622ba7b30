"""Chapter 5's new measurements: baselines, depth, per-epoch gaps, and the verdict words."""
import numpy as np
import pytest

from cdnotes.experiments import run_digits_grid
from cdnotes.experiments.baselines import (BASELINES, baseline_accuracies, load_baseline_results,
                                           make_baseline, run_baselines)
from cdnotes.experiments.depth import (depth_gaps, depth_model, gap_growth, load_depth_results,
                                       run_depth)
from cdnotes.experiments.digits import epoch_gaps
from cdnotes.experiments.verdicts import (count_verdict, epochs_verdict, gap_verdict,
                                          growth_verdict, saturation_verdict, spread_verdict)
from cdnotes.mlp import paper_model
from cdnotes.stats import Estimate, paired_difference_ci
from cdnotes.train import TrainConfig


def test_depth_model_at_two_hidden_layers_is_the_paper_model():
    for name in ("dense", "cd4", "cd8"):
        a, b = depth_model(name, 2, seed=3), paper_model(name, seed=3)
        assert a.n_params == b.n_params
        for la, lb in zip(a.linear_layers, b.linear_layers):
            assert np.array_equal(np.asarray(la.to_dense()), np.asarray(lb.to_dense()))
    assert len(depth_model("cd4", 4).linear_layers) == 5
    with pytest.raises(ValueError):
        depth_model("cd4", 0)


def _fake(depths=(1, 3), seeds=range(5)):
    """Records whose dense − cd4 accuracy gap is depth + seed/10 (grows with depth)."""
    out = []
    for d in depths:
        for s in seeds:
            for m, acc in (("dense", 90 + d + s / 10), ("cd4", 90 - 0.01 * s)):
                out.append({"model": m, "depth": d, "seed": s, "accuracy": acc,
                            "kappa_weights": 10.0 ** (d if m == "dense" else 1),
                            "kappa_hessian": 1.0})
    return out


def test_depth_gaps_and_growth_against_a_direct_computation():
    recs = _fake()
    gaps = depth_gaps(recs, "accuracy", "cd4")
    for d in (1, 3):
        direct = paired_difference_ci(
            [r["accuracy"] for r in recs if r["depth"] == d and r["model"] == "dense"],
            [r["accuracy"] for r in recs if r["depth"] == d and r["model"] == "cd4"])
        assert gaps[d].mean == pytest.approx(direct.mean)
        assert gaps[d].low == pytest.approx(direct.low)
    k = depth_gaps(recs, "log10_kappa_weights", "cd4")
    assert k[3].mean == pytest.approx(2.0)
    g = gap_growth(recs, "accuracy", "cd4")
    assert g.mean == pytest.approx(2.0) and g.low > 0
    assert growth_verdict(g, "the gap") == "the gap grows with depth"


def test_run_depth_records_one_short_run():
    r = run_depth("cd8", 1, 0, config=TrainConfig(epochs=1))
    assert r["depth"] == 1 and r["n_params"] == depth_model("cd8", 1).n_params
    assert 0 <= r["accuracy"] <= 100 and len(r["train_loss"]) == 1
    assert r["kappa_weights"] >= 1 and r["kappa_hessian"] >= 1


def test_baselines_run_and_group():
    recs = run_baselines([0, 1], names=("knn", "forest"))
    acc = baseline_accuracies(recs)
    assert list(acc) == ["knn", "forest"] and acc["knn"].size == 1 and acc["forest"].size == 2
    assert all(80 < a < 100 for v in acc.values() for a in v)
    assert set(BASELINES) == {"logistic", "svc", "knn", "forest", "mlp"}
    assert make_baseline("forest", 3).random_state == 3


def test_epoch_gaps_are_paired_per_epoch():
    recs = run_digits_grid(("dense", "cd8"), (0, 1), config=TrainConfig(epochs=2),
                           curvature="none")
    gaps = epoch_gaps(recs, "dense", "cd8")
    assert len(gaps) == 2
    d = [r for r in recs if r.model == "dense"]
    c = [r for r in recs if r.model == "cd8"]
    direct = paired_difference_ci(np.log10([r.train_loss[1] for r in d]),
                                  np.log10([r.train_loss[1] for r in c]))
    assert gaps[1].mean == pytest.approx(direct.mean)
    acc = epoch_gaps(recs, "dense", "cd8", "accuracy")
    assert acc[0].mean == pytest.approx(100 * np.mean([a.test_accuracy[0] - b.test_accuracy[0]
                                                       for a, b in zip(d, c)]))


def _e(low, high):
    return Estimate((low + high) / 2, 1.0, 10, low, high, 0.95)


def test_gap_verdict_follows_the_intervals():
    assert gap_verdict("X", {"a": _e(-1, 1), "b": _e(-2, 2)}) == \
        "X is not significantly different from either other"
    assert gap_verdict("X", {"a": _e(-3, -1), "b": _e(0.5, 2)}) == \
        "X is significantly less accurate than b, significantly more accurate than a"


def test_spread_count_and_epoch_words():
    s = spread_verdict("B = 8", {"dense": 0.4, "B = 4": 0.3, "B = 8": 0.9}, "dense", 0.01)
    assert "the largest of the three" in s and "significant at" in s and "not" not in s
    s = spread_verdict("B = 8", {"dense": 1.4, "B = 8": 0.9}, "dense", 0.3)
    assert "not the largest (dense)" in s and "not significant" in s
    c = count_verdict({"B = 8": 7, "dense": 1}, 20, "B = 8", "dense", 0.04, "it happened")
    assert "7 of the twenty B = 8 runs" in c and "more often, a significant" in c
    c = count_verdict({"B = 8": 2, "dense": 3}, 20, "B = 8", "dense", 1.0, "it happened")
    assert "not significant" in c
    assert epochs_verdict([_e(-2, -1), _e(1, 2), _e(-1, 1)], [1, 2, 3], "above") == (1, 3)
    assert "None of the two" in saturation_verdict({"a": 90.0, "b": 99.5})


def test_cli_depth_and_baselines_write_json(tmp_path):
    import json
    from cdnotes.cli import main
    out = tmp_path / "d.json"
    assert main(["depth", "--models", "cd8", "--depths", "1", "--seeds", "0", "--epochs", "1",
                 "--out", str(out), "--quiet"]) == 0
    data = json.loads(out.read_text())
    assert data["command"] == "depth" and data["records"][0]["job"] == {
        "model": "cd8", "depth": 1, "seed": 0}
    view = load_depth_results(str(out))           # the committed layout's keys, read alike
    assert view["command"].startswith("python -m cdnotes depth") and len(view["records"]) == 1
    assert view["config"] == {"epochs": 1, "lr": 0.1, "momentum": 0.9, "batch_size": 64,
                              "split_seed": 0, "depths": [1], "models": ["cd8"], "seeds": [0]}
    committed = load_depth_results()
    assert set(committed) >= {"command", "config", "records", "environment", "seconds"}
    for doc in (view, committed):
        assert set(doc) >= {"command", "config", "records", "environment", "seconds"}
        assert {"accuracy", "kappa_weights", "kappa_hessian", "depth", "seed"} <= set(
            doc["records"][0])
    out = tmp_path / "b.json"
    assert main(["baselines", "--names", "knn", "forest", "--seeds", "0", "1", "--out", str(out),
                 "--quiet"]) == 0
    data = json.loads(out.read_text())
    assert [r["job"] for r in data["records"]] == [{"name": "knn", "seed": None},
                                                   {"name": "forest", "seed": 0},
                                                   {"name": "forest", "seed": 1}]
    for doc in (load_baseline_results(str(out)), load_baseline_results()):
        assert {"name", "seed", "accuracy"} <= set(doc["records"][0])
        assert set(doc["config"]) == {"split_seed", "seeds", "classifiers"}
        assert doc["command"].startswith("python -m cdnotes baselines")
        assert set(baseline_accuracies(doc["records"])) <= set(BASELINES)
    assert load_baseline_results(str(out))["config"]["seeds"] == [0, 1]
    for argv in (["depth", "--epochs", "0"], ["depth", "--depths", "x"],
                 ["depth", "--depths", "1", "1"], ["baselines", "--names", "knn", "knn"],
                 ["baselines", "--names", "tree"], ["baselines", "--seeds", "-1"]):
        with pytest.raises(SystemExit) as err:
            main(argv)
        assert err.value.code == 2


@pytest.mark.parametrize("argv", [
    ["depth", "--models", "cd8", "dense", "--depths", "1", "--seeds", "0", "--epochs", "1"],
    ["baselines", "--names", "knn", "mlp", "--seeds", "0", "1"]])
def test_cli_jobs_1_and_2_give_the_same_records(argv, tmp_path):
    import json
    from cdnotes.cli import main
    from cdnotes.engine import strip_timings
    docs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"{jobs}.json"
        assert main([*argv, "--jobs", jobs, "--quiet", "--out", str(out)]) == 0
        docs.append(json.loads(out.read_text()))
    assert len(docs[0]["records"]) in (2, 3) and docs[1]["sources"][0]["n_jobs"] == 2
    assert strip_timings(docs[0]["records"]) == strip_timings(docs[1]["records"])
