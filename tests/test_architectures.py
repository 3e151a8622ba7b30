"""The fair comparison (``python -m cdnotes architectures``): one protocol for every model,
the rate chosen on validation, the same records however the jobs are spread."""
from __future__ import annotations

import json

import numpy as np
import pytest

from cdnotes.cli import build_parser, main
from cdnotes.engine import run_sweep, strip_timings
from cdnotes.engine.document import TIMING_KEYS
from cdnotes.experiments.architectures import (CD_MODELS, MODELS, build_model, matched_width,
                                               protocol, protocol_data, summarize,
                                               train_early_stopping, validation_split)

TINY = ["--epochs", "2", "--seeds", "0", "1", "--lrs", "1e-3", "1e-2", "--models", "cnn_dense",
        "cnn_cd", "--block-sizes", "4", "--n-train", "120", "--n-val", "100", "--quiet"]
TIMINGS = TIMING_KEYS           # train_seconds among them


def test_a_tiny_run_through_the_cli_writes_records_summary_and_provenance(tmp_path):
    out = tmp_path / "arch.json"
    assert main(["architectures", *TINY, "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["command"] == "architectures"
    assert doc["settings"] == {"epochs": 2, "patience": 10, "batch_size": 64, "n_val": 100,
                               "val_seed": 0, "n_train": 120, "optimizer": "adam"}
    src = doc["sources"][0]
    assert src["complete"] and "environment" in src and src["argv"][0] == "architectures"
    assert [(r["model"], r["block_size"], r["lr"], r["seed"]) for r in doc["records"]] == [
        (m, b, lr, s) for m, b in (("cnn_dense", None), ("cnn_cd", 4))
        for lr in (1e-3, 1e-2) for s in (0, 1)]
    for r in doc["records"]:
        assert r["structure"] == ("cd" if r["model"] == "cnn_cd" else "dense")
        assert r["epochs_run"] == len(r["val_curve"]) == len(r["test_curve"]) == 2
        assert r["val_accuracy"] == max(r["val_curve"])
        assert r["test_accuracy"] == r["test_curve"][r["best_epoch"] - 1]
        assert r["train_seconds"] > 0 and len(r["train_loss"]) == 2
    assert {(r["n_params"], r["width"]) for r in doc["records"]} == {(7162, 24), (7402, 44)}
    assert all(r["seconds"] >= r["train_seconds"] for r in doc["records"])
    # the four seeds' runs differ (the seed reaches the weights and the batch order)
    assert len({json.dumps(r["train_loss"]) for r in doc["records"][:4]}) == 4
    assert set(doc["summary"]) == {"cnn_dense", "cnn_cd_B4"}
    assert doc["summary"]["cnn_cd_B4"]["n_seeds"] == 2


def test_jobs_1_and_jobs_2_give_identical_records(tmp_path):
    from cdnotes.cli.architectures import sweep

    args = build_parser().parse_args([
        "architectures", "--epochs", "2", "--seeds", "0", "1", "--lrs", "3e-3", "--models",
        "mlp_cd", "cnn_cd", "transformer_cd", "shfin", "--block-sizes", "8", "--n-train", "64",
        "--n-val", "50", "--quiet", "--out", str(tmp_path / "x")])
    one = run_sweep(sweep(args), tmp_path / "one.json", n_jobs=1)
    two = run_sweep(sweep(args), tmp_path / "two.json", n_jobs=2)
    assert json.dumps(strip_timings(one["records"], TIMINGS), sort_keys=True) == json.dumps(
        strip_timings(two["records"], TIMINGS), sort_keys=True)
    assert len(one["records"]) == 8 and two["sources"][0]["n_jobs"] == 2
    assert len({json.dumps(r["train_loss"]) for r in one["records"]}) == 8


def test_a_job_runs_with_one_blas_thread(monkeypatch):
    from threadpoolctl import threadpool_info

    from cdnotes.experiments.architectures import runs

    def threads(*args, **kwargs):
        return {"blas": [i["num_threads"] for i in threadpool_info()
                         if i["user_api"] == "blas"]}

    monkeypatch.setattr(runs, "run_architecture", threads)
    job = {"model": "mlp_dense", "block_size": None, "lr": 1e-3, "seed": 0}
    settings = {"epochs": 1, "patience": 1, "batch_size": 64, "n_val": 50, "val_seed": 0,
                "n_train": 64}
    blas = runs.run_job(job, settings)["blas"]
    assert blas and set(blas) == {1}


def _record(model, lr, seed, val, test, block_size=None):
    return {"model": model, "block_size": block_size, "lr": lr, "seed": seed,
            "val_accuracy": val, "test_accuracy": test, "n_params": 100,
            "train_seconds": 1.0, "epochs_run": 5}


def test_the_summary_reports_the_test_accuracy_at_the_rate_chosen_on_validation():
    # lr 0.01 has the best validation accuracy, lr 0.1 the best test accuracy
    records = [_record("cnn_cd", lr, s, val, test, 4)
               for lr, val, tests in ((0.01, 0.80, (0.70, 0.72, 0.74)),
                                      (0.1, 0.75, (0.90, 0.91, 0.92)))
               for s, test in enumerate(tests)]
    row = summarize(records)["cnn_cd_B4"]
    assert row["lr"] == 0.01 and row["val_accuracy"] == pytest.approx(0.80)
    assert row["test_mean"] == pytest.approx(0.72)
    # Student-t 95 %: t(0.975, 2) = 4.302653, std 0.02, n 3
    half = 4.302652729911275 * 0.02 / np.sqrt(3)
    assert row["test_low"] == pytest.approx(0.72 - half)
    assert row["test_high"] == pytest.approx(0.72 + half)
    assert row["seeds"] == [0, 1, 2] and row["n_seeds"] == 3
    assert row["val_by_lr"] == {"0.01": pytest.approx(0.80), "0.1": pytest.approx(0.75)}


def test_the_summary_breaks_ties_to_the_smaller_rate_and_refuses_unequal_grids():
    tied = [_record("mlp_dense", lr, 0, 0.5, 0.5) for lr in (0.1, 0.01)]
    row = summarize(tied)["mlp_dense"]
    assert row["lr"] == 0.01 and row["test_low"] is None and row["test_std"] is None
    with pytest.raises(ValueError, match="different seeds"):
        summarize(tied + [_record("mlp_dense", 0.1, 1, 0.5, 0.5)])
    with pytest.raises(ValueError, match="no records"):
        summarize([])


@pytest.mark.parametrize("argv, message", [
    (["--lrs", "0"], "--lrs: must be a finite number > 0"),
    (["--lrs", "1e-3", "1e-3"], "--lrs: values must be distinct"),
    (["--models", "mlp_cd", "--block-sizes", "3"], "--block-sizes: the MLP's block sizes"),
    (["--models", "rnn"], "invalid choice: 'rnn'"),
    (["--n-train", "3600"], "--n-train: at most 3500"),
    (["--n-val", "4000"], "--n-val: must be below the 4000"),
    (["--patience", "0"], "--patience: must be a positive integer"),
    (["--seeds", "1", "1"], "--seeds: values must be distinct"),
])
def test_bad_options_are_usage_errors(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["architectures", *argv, "--out", str(tmp_path / "x.json"), "--quiet"])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_the_cd_models_match_the_dense_parameter_budgets():
    for model in CD_MODELS:
        family = model.split("_")[0]
        dense = build_model(f"{family}_dense").n_params
        for B in (2, 4, 8):
            n = build_model(model, B).n_params
            assert abs(n - dense) <= 0.15 * dense, (model, B, n, dense)
            assert matched_width(family, B) % (2 * B if family == "transformer" else B) == 0
    assert [build_model(m, 4 if m in CD_MODELS else None).n_params for m in MODELS] == [
        7434, 7356, 7162, 7402, 6178, 5810, 6884]
    with pytest.raises(ValueError, match="needs a block size"):
        build_model("cnn_cd")
    with pytest.raises(ValueError, match="block_size is for the CD models"):
        build_model("shfin", 4)


def test_the_validation_split_is_stratified_disjoint_and_seeded():
    y = np.repeat(np.arange(4), [50, 30, 15, 5])
    train, val = validation_split(y, 20, seed=3)
    assert np.intersect1d(train, val).size == 0 and train.size + val.size == y.size
    assert np.bincount(y[val], minlength=4).tolist() == [10, 6, 3, 1]
    assert np.array_equal(val, validation_split(y, 20, seed=3)[1])
    assert not np.array_equal(val, validation_split(y, 20, seed=4)[1])
    with pytest.raises(ValueError, match="n_val must be in"):
        validation_split(y, 100, seed=0)
    with pytest.raises(TypeError, match="seed"):
        validation_split(y, 20, seed=None)          # an unseeded split is refused


def test_early_stopping_stops_after_patience_and_reports_the_best_validation_epoch():
    data = protocol_data(200, 0, 100)
    r = train_early_stopping(build_model("mlp_dense"), data, lr=0.3, epochs=30, patience=2)
    assert r["epochs_run"] < 30                       # it stopped
    assert r["epochs_run"] - r["best_epoch"] == 2     # two epochs without a better one
    assert r["val_accuracy"] == max(r["val_curve"]) > max(r["val_curve"][r["best_epoch"]:])
    assert r["test_accuracy"] == r["test_curve"][r["best_epoch"] - 1]
    assert not r["diverged"]


def test_a_diverged_run_keeps_its_best_epoch_before_the_divergence(monkeypatch):
    data = protocol_data(200, 0, 100)
    real, calls = protocol.train, []

    def diverging(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise FloatingPointError("training diverged")
        return real(*args, **kwargs)

    monkeypatch.setattr(protocol, "train", diverging)
    r = train_early_stopping(build_model("mlp_dense"), data, lr=1e-3, epochs=10, patience=5)
    assert r["diverged"] and r["epochs_run"] == 2
    assert r["test_accuracy"] == r["test_curve"][r["best_epoch"] - 1]
