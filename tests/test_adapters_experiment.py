"""The fine-tuning experiment (``python -m cdnotes adapters``): pretrained bases, the shifted
task, the regimes and their trainable counts, and the CLI's records."""
from __future__ import annotations

import json

import numpy as np
import pytest

from cdnotes.cli import build_parser, main
from cdnotes.engine import run_sweep, strip_timings
from cdnotes.experiments.adapters import (build_regime, finetune_data, matched_pairs,
                                          pretrained, regime_label, trainable_params)
from cdnotes.experiments.architectures import build_model

TINY = ["--epochs", "2", "--seeds", "0", "1", "--lrs", "1e-2", "--ranks", "2",
        "--block-sizes", "6", "8", "--n-train", "60", "--n-val", "50", "--quiet"]


def test_a_tiny_run_through_the_cli(tmp_path):
    out = tmp_path / "ad.json"
    assert main(["adapters", *TINY, "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    labels = {regime_label(r["base"], r["kind"], r["size"]) for r in doc["records"]}
    # B = 6 divides the transformer's 24 but not the MLP's 40 and 64
    assert labels == {"mlp/full", "mlp/head", "mlp/lora_r2", "mlp/cd_B8", "transformer/full",
                      "transformer/head", "transformer/lora_r2", "transformer/cd_B6",
                      "transformer/cd_B8"}
    assert len(doc["records"]) == 2 * len(labels) and set(doc["summary"]) == labels
    for r in doc["records"]:
        assert r["trainable_params"] == trainable_params(r["base"], r["kind"], r["size"])
        assert r["state_bytes"] == 24 * r["trainable_params"]
        assert r["epochs_run"] == 2 and 0 <= r["zero_shot_accuracy"] <= 1
        assert r["pretrain"]["epochs_run"] == 2
    # every regime of one base starts from the same pretrained model
    for base in ("mlp", "transformer"):
        assert len({r["zero_shot_accuracy"] for r in doc["records"] if r["base"] == base}) == 1


def test_jobs_1_and_2_give_the_same_records(tmp_path):
    from cdnotes.cli.adapters import sweep
    from cdnotes.engine.document import TIMING_KEYS

    args = build_parser().parse_args(["adapters", *TINY, "--bases", "transformer", "--regimes",
                                      "lora", "cd", "--out", str(tmp_path / "x")])
    one = run_sweep(sweep(args), tmp_path / "one.json", n_jobs=1)
    two = run_sweep(sweep(args), tmp_path / "two.json", n_jobs=2)
    assert json.dumps(strip_timings(one["records"], TIMING_KEYS), sort_keys=True) == json.dumps(
        strip_timings(two["records"], TIMING_KEYS), sort_keys=True)


def test_the_pretrained_model_is_cached_and_handed_out_as_a_copy():
    a, rec = pretrained("mlp", lr=1e-2, epochs=1, patience=5)
    b, _ = pretrained("mlp", lr=1e-2, epochs=1, patience=5)
    assert a is not b
    W = b.layers[0].params["W"].copy()
    a.layers[0].params["W"] = a.layers[0].params["W"] + 1.0          # "train" one copy
    c, _ = pretrained("mlp", lr=1e-2, epochs=1, patience=5)
    np.testing.assert_array_equal(c.layers[0].params["W"], W)
    assert rec["epochs_run"] == 1 and "val_curve" not in rec


def test_the_finetuning_subsets_are_disjoint_stratified_and_shifted():
    from cdnotes.data import load_mnist1d

    X, y, Xv, yv, Xt, yt = finetune_data(100, 50)
    assert X.shape == (100, 40) and Xv.shape == (50, 40) and Xt.shape == (1000, 40)
    assert np.bincount(y, minlength=10).tolist() == [10] * 10
    assert not {r.tobytes() for r in X} & {r.tobytes() for r in Xv}
    assert not np.allclose(Xt, load_mnist1d()[1])                  # not the published test set
    with pytest.raises(ValueError, match="at most 4000"):
        finetune_data(3900, 200)


def test_cd_block_sizes_are_those_dividing_the_adapted_widths():
    from cdnotes.experiments.adapters import cd_block_sizes
    # MLP: hidden layers 40 -> 64 -> 64 (the head is not adapted); transformer: q, k, v, o 24x24
    assert cd_block_sizes("mlp", [1, 2, 3, 4, 5, 6, 8, 12, 16]) == [1, 2, 4, 8]
    assert cd_block_sizes("transformer", [2, 3, 4, 5, 6, 8, 12, 16]) == [2, 3, 4, 6, 8, 12]
    slow = [b for b in range(1, 30) if all(w % b == 0 for w in (40, 64))]
    assert cd_block_sizes("mlp", range(1, 30)) == slow


def test_regimes_counts_and_matched_pairs():
    net = build_model("transformer_dense", None, 0)
    assert build_regime(net, "transformer", "full") is net
    assert build_regime(net, "transformer", "head").n_params == 24 * 10 + 10
    assert trainable_params("transformer", "lora", 2) == 4 * 2 * 48 + 250
    assert trainable_params("transformer", "cd", 6) == 4 * 24 * 24 // 6 + 250
    pairs = matched_pairs("transformer", [1, 2, 4], [3, 6, 12])
    assert [(p["rank"], p["block_size"]) for p in pairs] == [(1, 12), (2, 6), (4, 3)]
    assert all(abs(p["gap"]) <= 0.10 for p in matched_pairs("mlp", [1, 2, 4, 8, 16], [2, 4, 8]))
    with pytest.raises(ValueError, match="takes no size"):
        build_regime(net, "transformer", "head", 4)
    with pytest.raises(ValueError, match="regime"):
        build_regime(net, "transformer", "dora", 4)


@pytest.mark.parametrize("argv, message", [
    (["--n-train", "3800", "--n-val", "500"], "at most 4000"),
    (["--bases", "mlp", "--block-sizes", "3"], "none divides"),
    (["--ranks", "2", "2"], "ranks"),
])
def test_bad_options_are_usage_errors(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["adapters", *argv, "--out", str(tmp_path / "x.json")])
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_the_adapter_block_is_the_full_hessians_sub_block():
    from cdnotes.adapters import apply_adapters
    from cdnotes.curvature import network_hessian
    from cdnotes.experiments.adapters.curvature import adapter_indices, curvature_block
    from cdnotes.mlp import make_mlp

    model = apply_adapters(make_mlp((8, 6, 6, 3), None, n_classes=3, seed=0), "lora",
                           targets="linear", rank=2, seed=1)
    rng = np.random.default_rng(0)
    for layer in model.linear_layers:                  # move B off zero
        for k, v in layer.params.items():
            layer.params[k] = v + 0.1 * rng.standard_normal(v.shape)
    X, y = rng.standard_normal((7, 8)), rng.integers(0, 3, 7)
    idx = adapter_indices(model)
    assert idx.size == 2 * (8 + 6) + 2 * (6 + 6)          # the head's 21 left out
    assert idx.tolist() == list(range(idx.size))         # the adapters come first here
    full = network_hessian(model, X, y, "hessian")
    for kind in ("hessian", "gauss_newton"):
        block = curvature_block(model, X, y, idx, kind, batch=5)
        ref = network_hessian(model, X, y, kind)[np.ix_(idx, idx)]
        np.testing.assert_allclose(block, ref, atol=1e-12)
    assert np.allclose(full, full.T)
    with pytest.raises(ValueError, match="indices"):
        curvature_block(model, X, y, [model.n_params])
