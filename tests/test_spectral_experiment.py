"""The spectral-training experiment (issue 10): model construction per regime, matched
counts, retraction inside the sweep, weight distances, the CD link, the CLI and the
committed results file."""
import json
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdnotes.cli import main
from cdnotes.experiments.spectral_training import (REGIMES, SweepConfig, build_model,
                                                   constrained_counts, eigenvalue_count,
                                                   load_dataset, run_one,
                                                   run_spectral_training, table1_rows,
                                                   weight_distances)

TINY = SweepConfig(datasets=("digits",), seeds=(0, 1), epochs=1, wide=(10,), deep=((10, 5),),
                   nonlinear=(10,), n3=8, cd_block_sizes=(8,), curvature_samples=100,
                   input_eigenvalues=("fixed", "trained"))


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@given(total=st.integers(3, 400), shapes=st.lists(st.tuples(st.integers(1, 30),
                                                            st.integers(1, 30)),
                                                  min_size=1, max_size=3))
def test_constrained_counts_add_up_and_fit(total, shapes):
    capacity = sum(a * b for a, b in shapes)
    counts = constrained_counts(total, shapes)
    assert len(counts) == len(shapes)
    assert all(1 <= c <= a * b for c, (a, b) in zip(counts, shapes))
    assert sum(counts) == min(max(total, len(shapes)), capacity)
    sizes = np.array([a * b for a, b in shapes])
    target = sum(counts) * sizes / sizes.sum()
    counts = np.array(counts)
    # Rounding moves a count by less than 1 from its target; layers lifted to the floor of
    # one weight take their excess 1 - target from the others (total 4 over sizes 1, 1, 6:
    # targets 0.5, 0.5, 3, forced counts 1, 1, 2), so the others may fall short by that too.
    lifted = np.sum(np.where((counts == 1) & (target < 1), 1 - target, 0.0))
    free = counts > 1
    assert np.all(np.abs(counts[free] - target[free]) < 1 + lifted + 1e-9)


def test_constrained_counts_lifted_layers_take_from_the_others():
    assert constrained_counts(4, [(1, 1), (1, 1), (1, 6)]) == [1, 1, 2]
    assert constrained_counts(9, [(1, 1), (2, 4)]) == [1, 8]


@pytest.mark.parametrize("hidden,activations", [((), []), ((30,), [None]),
                                                ((30, 20), [None, None]),
                                                ((30, 12), [None, "relu"])])
@pytest.mark.parametrize("bias", [False, True])
def test_constrained_trains_as_many_weights_as_there_are_eigenvalues(hidden, activations, bias):
    models = {r: build_model(r, 64, hidden, activations, bias=bias, seed=0) for r in REGIMES}
    assert models["constrained"].n_params == models["eigenvalues"].n_params
    widths = (64, *hidden, 10)
    eigen = 74 if not hidden else sum(widths[1:])
    n_bias = sum(widths[1:]) if bias else 0
    assert models["eigenvalues"].n_params == eigen + n_bias
    weights = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    assert models["unconstrained"].n_params == weights + n_bias
    assert models["eigenvalues+eigenvectors"].n_params == eigen + weights + n_bias
    for model in models.values():
        assert sum(layer.has_bias for layer in model.linear_layers) == (
            len(model.linear_layers) if bias else 0)


@pytest.mark.parametrize("hidden,activations", [((), []), ((30,), [None]),
                                                ((30, 20), [None, None]),
                                                ((30, 12), [None, "relu"])])
@pytest.mark.parametrize("bias", [False, True])
def test_trained_input_eigenvalues_counts(hidden, activations, bias):
    # every layer's input-node eigenvalues join the trained ones: Σ_k (N_k + N_{k+1})
    models = {r: build_model(r, 64, hidden, activations, bias=bias, seed=0,
                             input_eigenvalues="trained") for r in REGIMES}
    widths = (64, *hidden, 10)
    eigen = sum(widths[:-1]) + sum(widths[1:])
    assert eigenvalue_count(widths, "trained") == eigen
    n_bias = sum(widths[1:]) if bias else 0
    assert models["eigenvalues"].n_params == eigen + n_bias
    assert models["constrained"].n_params == eigen + n_bias
    weights = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    assert models["eigenvalues+eigenvectors"].n_params == eigen + weights + n_bias
    fixed = build_model("eigenvalues", 64, hidden, activations, bias=bias, seed=0)
    assert fixed.n_params == eigenvalue_count(widths, "fixed") + n_bias
    if hidden:                                    # the perceptron is the same in both
        assert models["eigenvalues"].n_params - fixed.n_params == sum(widths[:-1])
    else:
        assert models["eigenvalues"].n_params == fixed.n_params
    for layer in models["eigenvalues"].linear_layers:
        assert "lam_in" in layer.params
    for layer in fixed.linear_layers:
        assert ("lam_in" in layer.params) == (not hidden)


def test_the_papers_counts_imply_fixed_input_eigenvalues():
    # the perceptron: N₁ + N₂ = 794 (784 → 10); the wide model "N₂ + N₃ eigenvalues";
    # the non-linear one "N₂ + N₃ + N₄"
    assert eigenvalue_count((784, 10), "fixed") == 794 == eigenvalue_count((784, 10),
                                                                              "trained")
    assert eigenvalue_count((784, 1000, 10), "fixed") == 1000 + 10
    assert eigenvalue_count((784, 1000, 10), "trained") == 784 + 1000 + 1000 + 10
    assert eigenvalue_count((784, 300, 120, 10), "fixed") == 300 + 120 + 10
    with pytest.raises(ValueError, match="input_eigenvalues"):
        eigenvalue_count((4, 3), "free")


@pytest.mark.parametrize("regime", ["eigenvalues", "eigenvalues+eigenvectors"])
def test_trained_input_eigenvalues_gradients_against_central_differences(regime):
    from cdnotes.curvature import flat_params, loss_and_gradient, set_flat_params
    rng = np.random.default_rng(3)
    model = build_model(regime, 6, (5, 4), [None, "relu"], bias=False, seed=2,
                        input_eigenvalues="trained")
    theta = flat_params(model) + 0.5 * rng.standard_normal(model.n_params)
    set_flat_params(model, theta)
    X, y = rng.standard_normal((12, 6)), rng.integers(0, 10, 12)
    _, grad = loss_and_gradient(model, X, y)
    eps, numeric = 1e-5, np.zeros_like(theta)
    for k in range(theta.size):
        step = np.zeros_like(theta)
        step[k] = eps
        set_flat_params(model, theta + step)
        up, _ = loss_and_gradient(model, X, y)
        set_flat_params(model, theta - step)
        down, _ = loss_and_gradient(model, X, y)
        numeric[k] = (up - down) / (2 * eps)
    set_flat_params(model, theta)
    n_in = sum(layer.n_in for layer in model.linear_layers)
    assert model.n_params >= n_in                      # lam_in of every layer among them
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_load_dataset_shapes():
    Xtr, Xte, ytr, yte = load_dataset("digits")
    assert Xtr.shape == (1437, 64) and Xte.shape == (360, 64)
    with pytest.raises(ValueError, match="dataset"):
        load_dataset("mnist")


def test_weight_distances_against_a_direct_computation():
    from scipy.stats import wasserstein_distance
    rng = np.random.default_rng(0)
    records, weights = [], []
    for regime in ("unconstrained", "eigenvalues"):
        for seed in (0, 1):
            records.append({"dataset": "d", "architecture": "perceptron", "hidden": [],
                            "bias": False, "regime": regime, "seed": seed})
            weights.append(rng.standard_normal((10, 8)) * (1 + seed))
    floor = weight_distances(records, weights)
    assert records[0]["w1"] == 0.0
    expected = wasserstein_distance(weights[2].ravel(), weights[0].ravel())
    assert records[2]["w1"] == pytest.approx(expected, rel=1e-12)
    assert len(floor) == 1 and floor[0]["unconstrained_w1"] == pytest.approx(
        wasserstein_distance(weights[0].ravel(), weights[1].ravel()), rel=1e-12)


@pytest.fixture(scope="module")
def tiny():
    return run_spectral_training(TINY, progress=False)


def test_the_sweep_retracts_without_changing_predictions(tiny):
    records = tiny["records"]
    assert len(records) == 2 * 2 * 4 * 4 * 2          # variants, biases, configs, regimes, seeds
    for r in records:
        assert r["input_eigenvalues"] in ("fixed", "trained")
        assert 0 <= r["train_accuracy"] <= 100
        assert r["retracted_accuracy"] == r["test_accuracy"]
        assert r["retraction_logit_error"] <= 1e-10 * max(1.0, r["retraction_logit_scale"])
        linear = all(a is None for a in r["activations"])
        if linear:
            assert r["merged"] == [list(range(len(r["hidden"]) + 1))]
            assert "w1" in r and r["w1"] >= 0
        else:
            assert r["merged"] == [[0, 1], [3]]
    rows = table1_rows(records, "digits")
    assert set(rows) == set(REGIMES) and set(rows["eigenvalues"]) == {
        "perceptron", "wide", "deep", "nonlinear"}
    # the variant changes only the spectral and constrained models with hidden layers
    by = {}
    for r in records:
        by.setdefault((r["architecture"], tuple(r["hidden"]), r["regime"], r["bias"],
                       r["seed"]), {})[r["input_eigenvalues"]] = r
    for (arch, _, regime, _, _), pair in by.items():
        same = arch == "perceptron" or regime == "unconstrained"
        assert (pair["fixed"]["n_trained"] == pair["trained"]["n_trained"]) == same
        if same:
            assert pair["fixed"]["test_accuracy"] == pair["trained"]["test_accuracy"]
    assert set(tiny["table1"]) == {"fixed", "trained"}
    json.dumps(tiny)                                           # JSON-ready


def test_the_cd_link_matches_counts_and_reports_conditioning(tiny):
    by = {}
    for r in tiny["cd_link"]:
        by.setdefault((r["input_eigenvalues"], r["seed"], r["block_size"]), {})[r["model"]] = r
        assert r["kappa_range"] >= 1 and r["rank"] + r["n_zero"] == r["n_trained"]
    assert {k for k in by if k[2] is None} == {(v, s, None) for v in ("fixed", "trained")
                                               for s in (0, 1)}     # dense once per seed
    for (variant, seed, B), models in by.items():
        if B is None:
            assert set(models) == {"dense"} and models["dense"]["n_trained"] == 650
            continue
        P = models["cdlinear"]["n_trained"]
        assert P == 64 * 16 // B + 16
        assert models["spectral"]["n_trained"] == P == models["constrained"]["n_trained"]
    assert {s["model"] for s in tiny["cd_spectra"]} == {"cdlinear", "spectral", "constrained",
                                                       "dense"}


def test_cli_writes_json_with_provenance(tmp_path):
    from cdnotes.experiments.spectral_training import spectral_results
    out = tmp_path / "s.json"
    assert main(["spectral", "--datasets", "digits", "--seeds", "0", "--epochs", "1", "--wide",
                 "10", "--nonlinear", "10", "--no-cd-link", "--quiet", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["command"] == "spectral" and "environment" in doc["sources"][0]
    data = spectral_results(doc)
    assert data["config"]["epochs"] == 1 and "cd_link" not in data
    assert {r["input_eigenvalues"] for r in data["records"]} == {"fixed"}      # the default
    assert set(doc["table1"]) == {"fixed"} and data["environment"]["versions"]
    out2 = tmp_path / "t.json"
    assert main(["spectral", "--datasets", "digits", "--seeds", "0", "--epochs", "1",
                 "--architectures", "wide", "--wide", "10", "--input-eigenvalues", "trained",
                 "--no-cd-link", "--quiet", "--out", str(out2)]) == 0
    data = spectral_results(str(out2))
    assert {(r["input_eigenvalues"], r["architecture"]) for r in data["records"]} == {
        ("trained", "wide")}
    assert data["config"]["input_eigenvalues"] == ["trained"]
    for argv in (["--seeds", "0", "0"], ["--wide", "10", "10"], ["--datasets", "digits", "digits"],
                 ["--architectures", "wide", "wide"], ["--workers", "0"]):
        with pytest.raises(SystemExit) as info:
            main(["spectral", *argv, "--out", str(out)])
        assert info.value.code == 2


SMALLEST = ["spectral", "--datasets", "digits", "--architectures", "perceptron", "--seeds", "0",
            "1", "--epochs", "1", "--quiet"]


def _records(path):
    from cdnotes.engine import strip_timings
    from cdnotes.results import read_json
    return json.dumps(strip_timings(read_json(path)["records"]), sort_keys=True)


def test_spectral_jobs_1_and_2_give_identical_records(tmp_path):
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert main([*SMALLEST, "--jobs", "1", "--out", str(one)]) == 0
    assert main([*SMALLEST, "--jobs", "2", "--out", str(two)]) == 0
    assert _records(one) == _records(two)
    doc = json.loads(two.read_text())
    assert doc["sources"][0]["n_jobs"] == 2
    kinds = [r["job"]["kind"] for r in doc["records"]]
    assert kinds == ["regimes"] * 2 + ["cd_link"] * 14        # two biases; 7 models per seed
    # what was compared is what training produced: sixteen different runs
    runs = [run for r in doc["records"][:2] for run in r["runs"]]
    assert len({json.dumps(r["train_loss"]) for r in runs}) == 16
    # spectral-probes on the same engine, its document added to --into under "probes"
    probes = ["spectral-probes", "--into", str(one), "--datasets", "digits", "--seeds", "0",
              "--epochs", "1", "--overfit-widths", "5", "--quiet"]
    assert main([*probes, "--jobs", "1", "--out", str(tmp_path / "p1.json")]) == 0
    assert main([*probes, "--jobs", "2", "--out", str(tmp_path / "p2.json")]) == 0
    assert _records(tmp_path / "p1.json") == _records(tmp_path / "p2.json")
    assert json.loads(one.read_text())["probes"]["command"] == "spectral-probes"


def test_summaries_read_the_sweep_document_and_the_committed_layout(tmp_path):
    from cdnotes.experiments.spectral_training import (cd_link_summary, distance_summary,
                                                       paired_comparison, probe_results,
                                                       regime_curves, spectral_results)
    from cdnotes.measurements import load_measurement
    out = tmp_path / "s.json"
    assert main([*SMALLEST, "--out", str(out)]) == 0
    assert main(["spectral-probes", "--into", str(out), "--datasets", "digits", "--seeds", "0",
                 "1", "--epochs", "1", "--overfit-widths", "5", "--quiet",
                 "--out", str(tmp_path / "p.json")]) == 0
    committed = load_measurement("spectral_training")
    assert spectral_results(committed) is committed                 # the old layout as is
    assert probe_results(committed["probes"]) is committed["probes"]
    for doc in (json.loads(out.read_text()), committed):
        data = spectral_results(doc)
        assert {"config", "records", "seed_floor", "perceptron_weights", "cd_link",
                "cd_spectra", "probes", "environment", "wall_seconds"} <= set(data)
        distances = distance_summary(doc)
        assert distances and all("floor" in v for v in distances.values())
        assert cd_link_summary(data["cd_link"])
        assert regime_curves(data["records"], "digits")["eigenvalues"]
        assert paired_comparison(data["records"], "eigenvalues", "constrained")
        assert {r["transfer"] for r in data["probes"]["compact"]} == {"compact"}
    data = spectral_results(json.loads(out.read_text()))
    assert data["config"]["seeds"] == [0, 1] and len(data["records"]) == 16
    assert len(data["seed_floor"]) == 2 and len(data["perceptron_weights"]) == 8
    assert {s["model"] for s in data["cd_spectra"]} == {"cdlinear", "spectral", "constrained",
                                                       "dense"}
    assert data["probes"]["config"]["seeds"] == [0, 1] and len(data["probes"]["init"]) == 16
    with pytest.raises(ValueError, match="not of 'spectral'"):
        spectral_results({"command": "shfin", "records": []})


def test_the_committed_results():
    from cdnotes.measurements import available_measurements, load_measurement
    if "spectral_training" not in available_measurements():
        pytest.skip("no committed spectral_training.json")
    data = load_measurement("spectral_training")
    assert data["command"] == "spectral" and data["environment"]
    assert data["config"]["epochs"] == 20 and len(data["config"]["seeds"]) >= 5
    for r in data["records"]:
        assert r["retracted_accuracy"] == r["test_accuracy"]
        assert r["retraction_logit_error"] <= 1e-10 * max(1.0, r["retraction_logit_scale"])
    path = os.path.join(os.path.dirname(__file__), "..", "cdnotes", "measurements",
                        "spectral_training.json")
    assert os.path.getsize(path) <= 2 * 2**20
    variants = {r["input_eigenvalues"] for r in data["records"] + data["cd_link"]}
    assert variants == {"fixed", "trained"}
    assert {"init", "compact", "overfit", "environment"} <= set(data["probes"])


@pytest.mark.parametrize("variant,dataset,architecture,hidden,activations,regime,bias,seed", [
    ("fixed", "digits", "wide", (100,), [None], "eigenvalues", False, 2),
    ("fixed", "mnist1d", "perceptron", (), [], "constrained", True, 1),
    ("trained", "digits", "wide", (100,), [None], "eigenvalues", False, 0),
    ("trained", "mnist1d", "deep", (30, 10), [None, None], "constrained", False, 4)])
def test_committed_records_reproduce(variant, dataset, architecture, hidden, activations,
                                     regime, bias, seed):
    # a few committed runs, rerun from their settings, give the same numbers to the last bit
    from cdnotes.measurements import load_measurement
    data = load_measurement("spectral_training")
    config = SweepConfig(**{k: tuple(tuple(x) if isinstance(x, list) else x for x in v)
                            if isinstance(v, list) else v for k, v in data["config"].items()})
    committed = next(r for r in data["records"] if (
        r["input_eigenvalues"], r["dataset"], r["architecture"], tuple(r["hidden"]),
        r["regime"], r["bias"], r["seed"]) == (variant, dataset, architecture, hidden,
                                               regime, bias, seed))
    record, _ = run_one(load_dataset(dataset, config.split_seed), dataset, architecture,
                        hidden, activations, regime, bias, seed, config,
                        input_eigenvalues=variant)
    for field in ("n_trained", "test_accuracy", "train_accuracy", "train_loss"):
        assert record[field] == committed[field], field


def test_init_probe_models_start_where_they_say():
    from cdnotes.experiments.spectral_training import INIT_MODELS, init_probe
    data = load_dataset("digits")
    config = SweepConfig(epochs=1)
    runs = {m: init_probe(data, "digits", (12, 8), m, 0, config) for m in INIT_MODELS}
    std = {m: np.array(r["initial_weight_std"]) for m, r in runs.items()}
    # the spectral init: W = φ ⊙ (1 − λ_out) with φ ~ U[−0.5, 0.5], sd 1/√12 in every layer
    np.testing.assert_array_equal(std["unconstrained, spectral init"],
                                  std["eigenvalues+eigenvectors"])
    assert np.all(np.abs(std["eigenvalues+eigenvectors"] - 12 ** -0.5) < 0.06)
    he = np.sqrt(2 / np.array([64, 12, 8]))
    assert np.all(np.abs(std["eigenvalues+eigenvectors, He-scaled φ"] / he - 1) < 0.25)
    assert np.all(np.abs(std["unconstrained"] / he - 1) < 0.25)
    # the probe's plain models are the sweep's (same seeds, same numbers)
    record, _ = run_one(data, "digits", "nonlinear", (12, 8), [None, "relu"],
                        "unconstrained", False, 0, config)
    assert record["test_accuracy"] == runs["unconstrained"]["test_accuracy"]


def test_convex_optimum_is_a_minimum_and_beats_training():
    from cdnotes.curvature import flat_params, loss_and_gradient, set_flat_params
    from cdnotes.experiments.spectral_training import convex_optimum
    from cdnotes.layers import CDLinear
    from cdnotes.mlp import MLP
    from cdnotes.train import TrainConfig, train
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((200, 8)), rng.integers(0, 4, 200)
    model = MLP([CDLinear(8, 4, 4, seed=1)])
    train(model, X, y, config=TrainConfig(epochs=3, lr=0.03, batch_size=50,
                                          optimizer="adamax"), seed=2)
    trained, _ = loss_and_gradient(model, X, y)
    result = convex_optimum(model, X, y)
    assert result["loss"] <= trained and result["gradient_norm"] < 1e-6
    theta = flat_params(model)
    for k in range(5):                          # no random nearby point is lower
        set_flat_params(model, theta + 1e-3 * rng.standard_normal(theta.shape))
        assert loss_and_gradient(model, X, y)[0] >= result["loss"] - 1e-12


def test_best_set_keeps_ties_and_drops_clear_losers():
    from cdnotes.experiments.spectral_training import best_set
    groups = {"a": [50.5, 51.5, 52.5, 51, 52], "b": [50.2, 51.1, 51.9, 50.9, 51.0],
              "c": [40, 41, 40.5, 39.5, 40.2]}
    assert best_set(groups) == ["a", "b"]
    assert best_set({"c": [1, 2], "d": [10, 11]}) == ["d"]
    with pytest.raises(ValueError):
        best_set({})


def test_run_probes_tiny():
    from cdnotes.experiments.spectral_training import ProbeConfig, run_probes
    out = run_probes(ProbeConfig(datasets=("digits",), seeds=(0,), epochs=1, n3=6,
                                 init_widths=(8,), compact_configs=(("perceptron", ()),),
                                 from_one_configs=(("wide", (6,)),),
                                 overfit_widths=(5,)), progress=False)
    assert len(out["init"]) == 4 and len(out["compact"]) == 2 and len(out["overfit"]) == 4
    assert len(out["from_one"]) == 2 and all(r["lam_in_start"] == "one" for r in out["from_one"])
    assert {r["transfer"] for r in out["compact"]} == {"compact"}
    json.dumps(out)
