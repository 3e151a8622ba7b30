"""The structured-matrices experiment (issue 11): models at the CD budgets, the last-layer
Gauss-Newton matrix against the exact Hessian and against per-sample Jacobians, runs,
summaries, the paired verdicts, and the command line."""
import json

import numpy as np
import pytest

from cdnotes import Dense, ReLU
from cdnotes.cli import main
from cdnotes.curvature import last_layer_hessian, softmax_outputs
from cdnotes.experiments.structured import (INPUT_WIDTH, compare_to_cd, cd_budgets,
                                            last_layer_gauss_newton, load_dataset,
                                            run_structured, structured_models,
                                            summarize_structured, verdict_text)
from cdnotes.mlp import MLP
from cdnotes.structured import STRUCTURES, Kronecker, LowRank, Monarch, Toeplitz
from cdnotes.structured._common import entrywise_weight_jacobian, multilinear_weight_jacobian
from cdnotes.train import TrainConfig


def test_budgets_are_the_paper_cd_models_and_every_model_reports_its_count():
    assert cd_budgets() == {"B4": 2380, "B8": 1296}
    specs = structured_models()
    names = [s.name for s in specs]
    assert names[:3] == ["dense", "cd B4", "cd B8"] and len(set(names)) == len(names)
    assert {s.structure for s in specs} == set(STRUCTURES)
    for spec in specs:
        model = spec.build(0)
        assert model.n_params == spec.n_params and model.n_in == INPUT_WIDTH
        for label, error in spec.budgets.items():
            assert error == pytest.approx(spec.n_params / cd_budgets()[label] - 1)
            assert spec.matched[label] == (abs(error) <= 0.1)
    cd = {s.name: s for s in specs}
    assert cd["cd B4"].n_params == 2380 and cd["cd B8"].n_params == 1296


def test_mnist1d_is_padded_with_zeros_and_digits_is_the_paper_split():
    X_train, X_test, y_train, y_test = load_dataset("mnist1d")
    assert X_train.shape == (4000, 64) and X_test.shape == (1000, 64)
    assert np.all(X_train[:, 40:] == 0) and np.any(X_train[:, :40] != 0)
    X_train, X_test, _, _ = load_dataset("digits")
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    with pytest.raises(ValueError, match="dataset must be one of"):
        load_dataset("mnist")


def _model(last, rng):
    model = MLP([Dense(8, 6, seed=1), ReLU(), last], n_classes=3)
    for layer in model.linear_layers:
        layer.b = 0.1 * rng.standard_normal(layer.n_out)
    return model


@pytest.mark.parametrize("make", [lambda: Dense(6, 4, seed=2), lambda: Toeplitz(6, 4, seed=2)],
                         ids=["Dense", "Toeplitz"])
def test_gauss_newton_is_the_exact_hessian_for_layers_linear_in_their_parameters(make, rng):
    model = _model(make(), rng)
    X = rng.standard_normal((30, 8))
    G = last_layer_gauss_newton(model, X)
    H = last_layer_hessian(model, X)
    np.testing.assert_allclose(G, H, rtol=0, atol=1e-13 * np.abs(H).max())


@pytest.mark.parametrize("make", [lambda: LowRank(6, 4, 2, seed=2),
                                  lambda: Kronecker((2, 2), (2, 3), seed=2),
                                  lambda: Monarch(6, 2, seed=2)],
                         ids=["LowRank", "Kronecker", "Monarch"])
def test_gauss_newton_is_the_mean_of_jt_s_j_with_central_difference_jacobians(make, rng):
    """G = (1/N) Σ_n J_nᵀ S_n J_n, J_n = ∂z_n/∂θ by central differences of the used logits
    (exact: the logits are affine in each single parameter), S_n = diag(p_n) − p_n p_nᵀ."""
    last = make()
    model = _model(last, rng)
    X = rng.standard_normal((12, 8))
    names = list(last.params)
    theta = np.concatenate([last.params[n].ravel() for n in names])

    def logits(t):
        start = 0
        for n in names:
            size = last.params[n].size
            last.params[n] = t[start:start + size].reshape(last.params[n].shape).copy()
            start += size
        return model.forward(X)

    J = np.stack([(logits(theta + e) - logits(theta - e)) / 2
                  for e in np.eye(theta.size)], axis=2)               # (N, K, P)
    logits(theta)
    _, p = softmax_outputs(model, X)
    S = np.stack([np.diag(q) - np.outer(q, q) for q in p])
    G = np.einsum("nkp,nkl,nlq->pq", J, S, J) / X.shape[0]
    np.testing.assert_allclose(last_layer_gauss_newton(model, X), G, rtol=0,
                               atol=1e-12 * np.abs(G).max())


@pytest.mark.parametrize("make", [lambda: LowRank(6, 4, 2, seed=2), lambda: Monarch(6, 3, seed=1)])
def test_entrywise_jacobian_equals_the_factor_jacobian(make):
    layer = make()
    np.testing.assert_allclose(entrywise_weight_jacobian(layer), multilinear_weight_jacobian(layer),
                               rtol=0, atol=1e-14)


def test_run_records_and_summary():
    specs = {s.name: s for s in structured_models(["low_rank"])}
    data = load_dataset("digits")
    config = TrainConfig(epochs=1)
    records = [run_structured(specs[name], "digits", seed, config=config, data=data)
               for name in ("cd B8", "low_rank B8") for seed in (0, 1)]
    for r in records:
        assert 0 <= r["test_accuracy"] <= 1 and r["epoch_seconds"] > 0
        assert r["kappa_gn"] >= 1 and r["gn_size"] == specs[r["model"]].build(0).linear_layers[-1].n_params
        json.dumps(r)
    again = run_structured(specs["cd B8"], "digits", 0, config=config, data=data)
    assert again["test_accuracy"] == records[0]["test_accuracy"]      # seeded
    rows = {row["model"]: row for row in summarize_structured(records)}
    assert rows["cd B8"]["n"] == 2
    mean = np.mean([r["test_accuracy"] for r in records[:2]])
    assert rows["cd B8"]["accuracy"].mean == pytest.approx(mean)


def _fake(model, structure, seed, acc, budgets=("B8",)):
    return {"dataset": "digits", "model": model, "structure": structure, "seed": seed,
            "test_accuracy": acc, "budgets": {b: 0.0 for b in budgets},
            "matched": {b: True for b in budgets}, "n_params": 100, "epoch_seconds": 0.1}


def test_compare_to_cd_pairs_by_seed_and_words_the_interval():
    rng = np.random.default_rng(0)
    records = []
    for seed in range(10):
        base = 0.9 + 0.01 * rng.standard_normal()
        records += [_fake("cd B8", "cd", seed, base), _fake("worse", "low_rank", seed, base - 0.05),
                    _fake("same", "toeplitz", seed, base + 0.001 * (-1) ** seed),
                    _fake("better", "kronecker", seed, base + 0.05),
                    _fake("elsewhere", "monarch", seed, 0.1, budgets=("B4",))]
    rows = compare_to_cd(records, "digits", "B8")
    verdicts = {row["model"]: row["verdict"] for row in rows}
    assert verdicts == {"worse": "wins", "same": "ties", "better": "loses"}
    assert verdict_text(rows) == ("more accurate than worse; indistinguishable from same; "
                                  "less accurate than better")
    assert verdict_text(rows[:1]).endswith("indistinguishable from none; less accurate than none")
    assert all(r["n_pairs"] == 10 and r["n_diverged"] == 0 for r in rows)
    records[1]["test_accuracy"] = None                        # seed 0 of "worse" diverged
    records[1]["diverged"] = "training diverged"
    worse = next(r for r in compare_to_cd(records, "digits", "B8") if r["model"] == "worse")
    assert worse["n_pairs"] == 9 and worse["n_diverged"] == 1
    summary = {r["model"]: r for r in summarize_structured(records)}
    assert summary["worse"]["n_diverged"] == 1 and summary["worse"]["accuracy"].n == 9
    with pytest.raises(ValueError, match="no CD runs"):
        compare_to_cd(records, "digits", "B4")


def test_cli_writes_records_with_provenance(tmp_path):
    from cdnotes.experiments.structured import load_structured_results

    out = tmp_path / "s.json"
    assert main(["structured", "--seeds", "0", "1", "--datasets", "digits", "--structures",
                 "toeplitz", "--epochs", "1", "--no-curvature", "--quiet", "--out", str(out)]) == 0
    saved = json.loads(out.read_text())
    assert saved["command"] == "structured" and saved["settings"]["config"]["epochs"] == 1
    assert "versions" in saved["sources"][0]["environment"]
    assert {r["model"] for r in saved["records"]} == {"dense", "cd B4", "cd B8", "toeplitz"}
    assert len(saved["records"]) == 8 and "kappa_gn" not in saved["records"][0]
    assert saved["records"][0]["job"] == {"dataset": "digits", "structure": "dense",
                                          "model": "dense", "seed": 0}
    # the new layout and the committed one read alike
    view, committed = load_structured_results(str(out)), load_structured_results()
    assert view["config"]["epochs"] == 1 and view["config"]["seeds"] == [0, 1]
    assert view["config"]["datasets"] == ["digits"]
    assert view["config"]["structures"] == ["cd", "dense", "toeplitz"]
    for doc in (view, committed):
        assert {"command", "argv", "config", "records", "environment", "wall_seconds"} <= set(doc)
        assert set(doc["config"]) == set(committed["config"])
        assert doc["command"] == "structured" and doc["argv"][0] == "structured"
        assert {"dataset", "model", "seed", "test_accuracy"} <= set(doc["records"][0])
    rows = summarize_structured(view["records"])
    assert len(rows) == 4 and all(r["n"] == 2 for r in rows)


def test_cli_jobs_1_and_2_give_the_same_records(tmp_path):
    """The smallest grid with every measurement, in this process and on two processes."""
    from cdnotes.engine import strip_timings

    argv = ["structured", "--seeds", "0", "--datasets", "digits", "--structures", "low_rank",
            "--epochs", "1", "--quiet"]
    docs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"{jobs}.json"
        assert main([*argv, "--jobs", jobs, "--out", str(out)]) == 0
        docs.append(json.loads(out.read_text()))
    assert len(docs[0]["records"]) == 5 and "kappa_gn" in docs[0]["records"][0]
    assert strip_timings(docs[0]["records"]) == strip_timings(docs[1]["records"])


@pytest.mark.parametrize("argv", [["--seeds", "0", "0"], ["--epochs", "0"],
                                  ["--structures", "butterfly"], ["--datasets", "mnist"],
                                  ["--datasets", "digits", "digits"],
                                  ["--structures", "toeplitz", "toeplitz"], ["--jobs", "0"]])
def test_cli_refuses_bad_options(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["structured", *argv])
    assert exc.value.code == 2
    assert argv[0] in capsys.readouterr().err


def test_a_diverging_run_is_recorded_not_raised():
    spec = next(s for s in structured_models(["low_rank"]) if s.name == "low_rank B4")
    record = run_structured(spec, "digits", 0, config=TrainConfig(epochs=2, lr=50.0),
                            curvature=True)
    assert record["test_accuracy"] is None and "diverged" in record["diverged"]
    assert "kappa_gn" not in record and record["n_params"] == spec.n_params


def test_run_failed_by_the_floor_and_divergence():
    from cdnotes.experiments.structured import FAILURE_FLOOR, run_failed
    assert FAILURE_FLOOR == 0.2
    assert run_failed({"test_accuracy": None})                  # diverged
    assert run_failed({"test_accuracy": float("nan")})
    assert run_failed({"test_accuracy": 0.1})                   # chance
    assert run_failed({"test_accuracy": 0.199})
    assert not run_failed({"test_accuracy": 0.2})
    assert not run_failed({"test_accuracy": 0.9})
    assert run_failed({"test_accuracy": 0.5}, floor=0.6)


def test_failed_runs_are_no_wins_when_excluded():
    rng = np.random.default_rng(1)
    records = []
    for seed in range(6):
        base = 0.9 + 0.01 * rng.standard_normal()
        records += [_fake("cd B8", "cd", seed, base),
                    _fake("collapsed", "low_rank", seed, None if seed % 2 else 0.1),
                    _fake("once", "toeplitz", seed, 0.85 if seed == 0 else 0.11),
                    _fake("worse", "kronecker", seed, base - 0.05 if seed else 0.1)]
    counted = {r["model"]: r for r in compare_to_cd(records, "digits", "B8")}
    assert counted["collapsed"]["verdict"] == "wins"        # a failure counted as a loss
    assert counted["collapsed"]["n_pairs"] == 3 and counted["collapsed"]["n_failed"] == 6
    trained = {r["model"]: r for r in compare_to_cd(records, "digits", "B8",
                                                     exclude_failed=True)}
    assert trained["collapsed"]["verdict"] == "failed" and trained["collapsed"]["difference"] is None
    assert trained["once"]["verdict"] == "failed" and trained["once"]["n_pairs"] == 1
    assert trained["worse"]["verdict"] == "wins" and trained["worse"]["n_pairs"] == 5
    assert trained["worse"]["n_failed"] == 1 and trained["worse"]["n_runs"] == 6
    text = verdict_text(list(trained.values()))
    assert text.endswith("no verdict against collapsed and once, which failed to train")


def _kappa_run(model, seed, acc, kappa):
    return {**_fake(model, "cd", seed, acc), "kappa_gn": kappa}


def test_kappa_summary_leaves_out_failed_runs_and_the_ceiling():
    from cdnotes.experiments.structured import kappa_pairs, kappa_summary
    records = [_kappa_run("a", s, 0.9, k) for s, k in enumerate([1e3, 2e3, 3e3, 5e9, 6e9])]
    records += [_kappa_run("a", 5, 0.1, 1.1)]                         # collapsed: left out
    records += [_kappa_run("b", s, 0.9, k) for s, k in enumerate([5e9, 6e9, 7e9, 8e9, 2e3])]
    a = kappa_summary(records, "digits", "a")
    assert a["median"] == 3e3 and a["n_at_ceiling"] == 2 and a["n_trained"] == 5
    assert a["n_runs"] == 6 and a["ceiling"] == pytest.approx(1e9)
    b = kappa_summary(records, "digits", "b")
    assert b["median"] is None and b["n_at_ceiling"] == 4
    pairs = kappa_pairs(records, "digits", "a", "b")
    # seeds 0-2: a below, b at the ceiling; 3: both at it; 4: 6e9 (top) vs 2e3
    assert pairs == {"lower": 3, "higher": 1, "undecided": 1, "n": 5}
    with pytest.raises(ValueError, match="no runs"):
        kappa_summary(records, "digits", "c")


def test_epoch_ratio_by_seed_pairs_the_seeds_both_finished():
    from cdnotes.experiments.structured import epoch_ratio_by_seed
    records = []
    for seed, (t_cd, t_dense) in enumerate([(2.0, 1.0), (3.0, 2.0), (8.0, 4.0)]):
        records += [{**_fake("cd B8", "cd", seed, 0.9), "epoch_seconds": t_cd},
                    {**_fake("dense", "dense", seed, 0.9), "epoch_seconds": t_dense}]
    records += [{**_fake("cd B8", "cd", 3, 0.9), "epoch_seconds": 100.0}]   # no dense partner
    out = epoch_ratio_by_seed(records, "digits", "cd B8")
    assert out["seeds"] == [0, 1, 2] and out["by_unit"] == [2.0, 1.5, 2.0]
    assert out["median"] == 2.0 and out["lo"] == 1.5 and out["hi"] == 2.0
    assert out["geometric_mean"] == pytest.approx((2.0 * 1.5 * 2.0) ** (1 / 3))
    assert out["low"] < out["geometric_mean"] < out["high"]


def test_failure_text_counts_each_case():
    from cdnotes.experiments.structured import failure_text

    assert (failure_text("low-rank B8", 10, 7, 3)
            == "low-rank B8: 7 of 10 runs diverged, and the other 3 all ended below 20%")
    assert failure_text("m", 10, 7, 2) == "m: 7 of 10 runs diverged, and 2 of the other 3 ended below 20%"
    assert failure_text("m", 10, 9, 1) == "m: 9 of 10 runs diverged, and the other one ended below 20%"
    assert failure_text("m", 10, 4, 0) == "m: 4 of 10 runs diverged"
    assert failure_text("m", 10, 10, 0) == "m: all 10 runs diverged"
    assert failure_text("m", 10, 0, 4) == "m: 4 of 10 runs ended below 20%"
    with pytest.raises(ValueError):
        failure_text("m", 10, 7, 4)


def test_ratio_sides_text_counts_the_intervals():
    from cdnotes.experiments.structured import ratio_sides_text

    none = ratio_sides_text(["unsettled"] * 4)
    assert none.startswith("None of the four intervals excludes 1, so this grid does not")
    assert ratio_sides_text(["slower"] * 4).startswith("All four intervals lie above 1")
    assert ratio_sides_text(["faster", "faster"]).startswith("Both intervals lie below 1")
    some = ratio_sides_text(["slower", "unsettled", "faster", "slower"])
    assert some.startswith("Three of the four intervals exclude 1 (2 above 1 and 1 below 1)")
    assert ratio_sides_text(["unsettled"] * 2).startswith("Neither interval excludes 1")
    with pytest.raises(ValueError):
        ratio_sides_text(["quicker"])


def test_p_text_two_significant_digits():
    from cdnotes.experiments.structured import p_text

    assert p_text(0.05234) == "p = 0.052"
    assert p_text(0.5) == "p = 0.5"
    assert p_text(1.0) == "p = 1"
    assert p_text(0.0123) == "p = 0.012"
    assert p_text(0.0004) == "p < 0.001"


def test_sci_text_against_the_logarithm():
    from cdnotes.experiments.structured import sci_text

    for x in (2.34e8, 4.56e8, 1.3e7, 1.0e10, 9.96e3, 3.0):
        e = int(np.floor(np.log10(x)))
        m = x / 10.0 ** e
        if round(m, 1) >= 10:             # 9.96 -> 10.0 rounds into the next decade
            e, m = e + 1, m / 10
        digits = "".join("⁰¹²³⁴⁵⁶⁷⁸⁹"[int(c)] for c in str(e))
        want = f"10{digits}" if round(m, 1) == 1 else f"{m:.1f} × 10{digits}"
        assert sci_text(x) == want
    with pytest.raises(ValueError):
        sci_text(0.0)


def test_kappa_verdict_is_a_sign_test_refused_at_the_ceiling():
    from math import comb

    from cdnotes.experiments.structured import kappa_verdict

    even = {"lower": 5, "higher": 5, "undecided": 0, "n": 10}
    assert kappa_verdict(even, 1e5, 1e6) == "no verdict (sign test, p = 1)"
    allow = {"lower": 10, "higher": 0, "undecided": 0, "n": 10}
    # the slow twin: two-sided exact binomial, 2 * P(X >= 10 | n=10, 1/2)
    p = 2 * sum(comb(10, k) for k in range(10, 11)) / 2 ** 10
    assert kappa_verdict(allow, 1e5, 1e6) == f"lower (sign test, p = {p:.2g})"
    high = {"lower": 1, "higher": 9, "undecided": 2, "n": 12}
    p = 2 * sum(comb(10, k) for k in range(0, 2)) / 2 ** 10
    assert kappa_verdict(high, 1e5, 1e6) == f"higher (sign test, p = {p:.2g})"
    assert kappa_verdict(allow, 1e5, None) == "no verdict: dense's median is at the ceiling"
    assert kappa_verdict(allow, None, 1e5) == "no verdict: its median is at the ceiling"
