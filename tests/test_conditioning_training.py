"""The conditioning-and-training experiment: runs, summaries, λ_max, the lr-sweep command."""
import json
import math

import numpy as np
import pytest

from cdnotes.cli import main
from cdnotes.curvature import network_hessian
from cdnotes.experiments import conditioning_training as ct
from cdnotes.experiments.conditioning_training import TrainingRun


def _run(lr, seed, losses, model="cd8", optimizer="sgd", diverged=False, seconds=None):
    return TrainingRun("digits", model, optimizer, "none", lr, seed, 10, list(losses),
                       [0.5] * len(losses), list(seconds or [1.0] * len(losses)), diverged)


def test_model_specs():
    assert ct.model_spec("digits", "cd4") == ((64, 64, 64, 12), 4)
    assert ct.model_spec("mnist1d", "cd8") == ((40, 64, 64, 16), 8)
    net = ct.make_model("mnist1d", "cd8", 0)
    assert net.n_in == 40 and net.n_classes == 10
    assert [layer.block_size for layer in net.linear_layers] == [8, 8, 8]
    with pytest.raises(ValueError, match="dataset"):
        ct.model_spec("mnist", "cd8")


def test_thresholds_steps_and_seconds():
    r = _run(0.1, 0, [2.0, 0.5, 0.09, 0.05], seconds=[1.0, 2.0, 3.0, 4.0])
    assert r.epochs_to(0.1) == 3 and r.steps_to(0.1) == 30 and r.seconds_to(0.1) == 6.0
    assert math.isinf(r.steps_to(0.01)) and math.isinf(r.seconds_to(0.01))
    assert r.stable and r.final_loss == 0.05
    assert not _run(0.1, 0, [2.0, 2.4]).stable                    # ends above chance
    d = _run(0.1, 0, [2.0], diverged=True)
    assert not d.stable and d.final_accuracy == 0.1 and math.isinf(d.final_loss)


def test_rate_table_stable_and_best():
    runs = [_run(0.01, s, [1.0, 0.5, 0.2, 0.09]) for s in range(3)]          # 40 steps
    runs += [_run(0.1, s, [1.0, 0.08 + 0.001 * s]) for s in range(3)]        # 20 steps
    runs += [_run(1.0, 0, [1.0, 0.05]), _run(1.0, 1, [3.0], diverged=True),
             _run(1.0, 2, [1.0, 0.05])]
    runs += [_run(10.0, s, [5.0], diverged=True) for s in range(3)]
    rows = ct.rate_table(runs)
    assert [r.lr for r in rows] == [0.01, 0.1, 1.0, 10.0]
    assert [r.stable for r in rows] == [True, True, False, False]
    assert rows[0].steps_mean == 40 and rows[1].steps_mean == 20 and math.isinf(rows[2].steps_mean)
    assert rows[2].n_reached == 2
    assert rows[0].seconds_mean == 4.0 and rows[0].seconds_low == rows[0].seconds_high == 4.0
    assert math.isinf(rows[2].seconds_mean)
    assert abs(rows[2].accuracy_mean - (0.5 + 0.1 + 0.5) / 3) < 1e-12
    assert ct.largest_stable_rate(rows, "digits", "cd8", "sgd") == (0.1, 1.0)
    assert ct.best_rate(rows, "digits", "cd8", "sgd").lr == 0.1
    curve = ct.mean_curve(runs, "digits", "cd8", "sgd", 0.01)
    assert curve["steps"].tolist() == [10, 20, 30, 40]
    assert np.allclose(curve["mean"], [1.0, 0.5, 0.2, 0.09]) and np.allclose(curve["seconds"],
                                                                              [1, 2, 3, 4])
    runs[1].train_loss = [4.0, 0.5, 0.2, 0.09]
    geo = ct.mean_curve(runs, "digits", "cd8", "sgd", 0.01, log=True)
    assert abs(geo["mean"][0] - 4 ** (1 / 3)) < 1e-12 and geo["low"][0] > 0


def test_lambda_max_matches_the_explicit_gauss_newton_matrix():
    X, _, y, _ = ct.load_dataset("digits")
    net = ct.make_model("digits", "cd8", 3)
    lam = ct.gauss_newton_lambda_max(net, X[:100], y[:100], n_steps=40, seed=1)
    G = network_hessian(net, X[:100], y[:100], kind="gauss_newton")
    top = np.linalg.eigvalsh(G)[-1]
    assert abs(lam - top) < 1e-8 * top


def test_run_training_records_and_divergence():
    data = ct.load_dataset("digits")
    r = ct.run_training("digits", "cd8", "kfac", 0.01, 0, epochs=2, data=data,
                        track_sharpness=True, sharpness_samples=64)
    assert len(r.train_loss) == 2 == len(r.test_accuracy) == len(r.epoch_seconds)
    assert len(r.sharpness) == 3 and r.steps_per_epoch == 23 and not r.diverged
    again = ct.run_training("digits", "cd8", "kfac", 0.01, 0, epochs=2, data=data)
    assert again.train_loss == r.train_loss                     # seeded
    bad = ct.run_training("digits", "dense", "sgd", 50.0, 0, epochs=3, data=data)
    assert not bad.stable and bad.final_loss > math.log(10)       # blown up (dead ReLUs or NaN)
    w = ct.run_training("digits", "cd4", "sgd", 0.1, 0, epochs=1, data=data,
                        whitening="spectral-block")
    assert w.whitening == "spectral-block" and np.isfinite(w.train_loss).all()


SMALLEST = ["lr-sweep", "--datasets", "digits", "--models", "cd8", "--seeds", "0", "1",
            "--epochs-digits", "1", "--sgd-rates", "0.1", "--adam-rates", "0.001",
            "--kfac-rates", "0.01", "--whitenings", "zca", "--whitened-rates", "0.1",
            "--sharpness-rates", "0.1", "--quiet"]


def test_lr_sweep_command(tmp_path):
    from cdnotes.measurements import load_measurement
    out = tmp_path / "r.json"
    assert main([*SMALLEST, "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["command"] == "lr-sweep" and "versions" in doc["sources"][0]["environment"]
    result = ct.conditioning_results(doc)
    assert result["command"] == "lr-sweep" and "versions" in result["environment"]
    assert len(result["runs"]) == 2 * 4 + 1 and len(result["lambda_max_init"]) == 2
    assert result["config"]["seeds"] == [0, 1] and result["config"]["kfac_options"]["damping"]
    assert result["config"]["sharpness_seeds"] == [0] and result["config"]["epochs"]["digits"] == 1
    runs = ct.runs_from_json(doc)                             # either layout, or its runs
    assert [r.seed for r in runs] == [r.seed for r in ct.runs_from_json(result["runs"])]
    assert {(r.optimizer, r.whitening) for r in runs} == {("sgd", "none"), ("adam", "none"),
                                                          ("kfac", "none"), ("sgd", "zca")}
    rows = ct.rate_table(runs, result["config"]["thresholds"])
    assert ct.verdict_rows(rows, "digits", models=("cd8",))
    # the committed file's layout reads the same way
    committed = load_measurement("conditioning_training")
    assert ct.conditioning_results(committed) is committed
    assert len(ct.runs_from_json(committed)) == len(committed["runs"])


def test_lr_sweep_jobs_1_and_2_give_identical_records(tmp_path):
    from cdnotes.engine import strip_timings
    from cdnotes.results import read_json
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert main([*SMALLEST, "--jobs", "1", "--out", str(one)]) == 0
    assert main([*SMALLEST, "--jobs", "2", "--out", str(two)]) == 0
    a, b = (strip_timings(read_json(p)["records"]) for p in (one, two))
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    # nine runs, eight different: the tracked SGD run repeats the sweep's cell of its seed
    losses = [json.dumps(r["train_loss"]) for r in a if r["job"]["kind"] == "run"]
    assert len(losses) == 9 and len(set(losses)) == 8


@pytest.mark.parametrize("argv", [["--epochs-digits", "0"], ["--sgd-rates", "-1"],
                                  ["--seeds", "-1"], ["--models", "cd16"],
                                  ["--seeds", "1", "1"], ["--whitenings", "none"],
                                  ["--sgd-rates", "0.1", "0.1"], ["--models", "cd4", "cd4"],
                                  ["--whitenings", "zca", "zca"], ["--adam-rates", "1", "1"],
                                  ["--kfac-rates", "1", "1"], ["--whitened-rates", "1", "1"],
                                  ["--sharpness-rates", "1", "1"],
                                  ["--datasets", "digits", "digits"]])
def test_lr_sweep_usage_errors(argv, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["lr-sweep", *argv, "--out", str(tmp_path / "r.json")])
    assert info.value.code == 2
    assert argv[0] in capsys.readouterr().err


def test_cell_values_and_difference_against_a_direct_computation():
    """Per-seed values of one cell, and the Welch interval of two cells' difference, against
    the runs read directly (and the t quantile from scipy)."""
    from scipy import stats

    fast = [_run(0.1, s, [1.0, 0.09 - 0.01 * (s == 2)]) for s in range(3)]       # 20 steps
    slow = [_run(0.01, s, [1.0, 0.5, 0.2 + 0.01 * s, 0.09]) for s in range(3)]   # 40 steps
    for r, acc in zip(fast + slow, [0.9, 0.8, 0.95, 0.6, 0.7, 0.65]):
        r.test_accuracy[-1] = acc
    never = [_run(0.001, s, [1.0, 0.5]) for s in range(3)]
    runs = fast + slow + never + [_run(0.1, 0, [1.0, 0.05], seconds=[9.0, 9.0])]
    runs[-1].sharpness = [1.0, 2.0]                     # a sharpness-tracked repeat: left out
    rows = {r.lr: r for r in ct.rate_table(runs)}
    assert list(ct.cell_values(runs, rows[0.1], "steps")) == [20, 20, 20]
    assert list(ct.cell_values(runs, rows[0.01], "seconds")) == [4.0, 4.0, 4.0]
    a = np.array([0.9, 0.8, 0.95])
    b = np.array([0.6, 0.7, 0.65])
    e = ct.cell_difference(runs, rows[0.1], rows[0.01])
    se = math.sqrt(a.var(ddof=1) / 3 + b.var(ddof=1) / 3)
    df = se ** 4 / ((a.var(ddof=1) / 3) ** 2 / 2 + (b.var(ddof=1) / 3) ** 2 / 2)
    half = stats.t.ppf(0.975, df) * se
    assert e.mean == pytest.approx(a.mean() - b.mean())
    assert (e.low, e.high) == pytest.approx((a.mean() - b.mean() - half, a.mean() - b.mean() + half))
    assert ct.cell_difference(runs, rows[0.1], rows[0.01], "steps").mean == -20
    assert ct.cell_difference(runs, rows[0.001], rows[0.01], "steps") is None    # never reached
    with pytest.raises(ValueError, match="what"):
        ct.cell_values(runs, rows[0.1], "loss")


def test_spread_text_compares_within_each_data_set():
    values = {("digits", "dense"): 6.4, ("digits", "cd4"): 9.1, ("digits", "cd8"): 7.0,
              ("mnist1d", "dense"): 10.0, ("mnist1d", "cd4"): 13.0}
    text = ct.spread_text(values, {"digits": "digits", "mnist1d": "MNIST-1D"})
    # the slow way: each data set's ratio on its own, never across data sets (13/6.4)
    assert text == ("a factor of 1.42 on digits (6.4 to 9.1) and of 1.30 on MNIST-1D "
                    "(10.0 to 13.0)")
    assert f"{13.0 / 6.4:.2f}" not in text
    with pytest.raises(ValueError, match="no value"):
        ct.spread_text(values, {"other": "other"})


def test_protocol_text_has_no_reprs():
    text = ct.protocol_text(748, [0, 1, 2, 3, 4], {"digits": 15, "mnist1d": 12},
                            {"digits": 0.1, "mnist1d": 1.3},
                            {"digits": "digits", "mnist1d": "MNIST-1D"})
    assert text == ("748 runs, seeds 0–4; digits: 15 epochs, loss threshold 0.1; "
                    "MNIST-1D: 12 epochs, loss threshold 1.3")
    assert not set("[]{}'") & set(text)
    assert "seeds 0, 2, 5;" in ct.protocol_text(3, [5, 0, 2], {"d": 1}, {"d": 1.0},
                                                {"d": "d"})


def test_sig_text_keeps_two_figures():
    from cdnotes.experiments.report import sig_text
    assert sig_text(5.9e6 / 5.1e2) == "1.2 × 10⁴"
    assert sig_text(311.4) == sig_text(310.2) == "310"
    assert sig_text(0.04213) == "0.042" and sig_text(9.97) == "10"
    assert sig_text(78.44, 3) == "78.4" and sig_text(-1234) == "-1200"
    with pytest.raises(ValueError):
        sig_text(float("nan"))
