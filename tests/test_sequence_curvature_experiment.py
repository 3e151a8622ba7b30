"""``python -m cdnotes sequence-curvature``: whole-network curvature of dense vs CD CNNs and
transformers, the transformer with and without LayerNorm."""
from __future__ import annotations

import json

import numpy as np
import pytest

from cdnotes.cli import build_parser, main
from cdnotes.curvature import CurvatureProducts, lanczos
from cdnotes.engine import run_sweep, strip_timings
from cdnotes.curvature import network_hessian
from cdnotes.experiments.sequence_curvature import (build_model, compare, drop_layernorms,
                                                    evaluation_batch, median_interval,
                                                    slq_estimates, spectra, summarize)
from cdnotes.layers import LayerNorm
from cdnotes.models import Residual, transformer_classifier

# CNNs of 2 channels (P = 166 dense, 146 CD B=2): full matrices; the transformers above
# --full-max: Lanczos extremes (a full transformer Hessian takes too long for a unit test).
TINY = ["--seeds", "0", "1", "--states", "init", "--block-sizes", "2", "--channels", "2",
        "--d-model", "4", "--n-heads", "2", "--ffn-hidden", "4", "--n-eval", "8",
        "--full-max", "200", "--lanczos-steps", "4", "--quiet"]


def _layernorms(net) -> int:
    count = 0
    for layer in net.layers:
        subs = layer.sublayers.values() if isinstance(layer, Residual) else [layer]
        count += sum(isinstance(s, LayerNorm) for s in subs)
    return count


def test_a_tiny_run_through_the_cli_writes_records_summary_and_provenance(tmp_path):
    out = tmp_path / "kappa.json"
    assert main(["sequence-curvature", *TINY, "--models", "cnn_dense", "cnn_cd",
                 "transformer_cd", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["command"] == "sequence-curvature"
    assert doc["settings"]["full_max"] == 200 and doc["settings"]["n_eval"] == 8
    assert doc["sources"][0]["complete"] and doc["sources"][0]["argv"][0] == "sequence-curvature"
    keys = [(r["model"], r["block_size"], r["layernorm"], r["seed"]) for r in doc["records"]]
    assert keys == [(m, b, ln, s) for s in (0, 1) for m, b, ln in (
        ("cnn_dense", None, None), ("cnn_cd", 2, None), ("transformer_cd", 2, "with"),
        ("transformer_cd", 2, "without"))]
    for r in doc["records"]:
        if r["model"].startswith("cnn"):
            assert r["method"] == "full"
            assert r["hessian"]["n"] == r["gauss_newton"]["n"] == r["n_params"]
            assert len(r["hessian"]["kappa"]) == 11
            assert r["gauss_newton"]["lambda_min"] > -1e-10       # PSD up to rounding
        else:
            assert r["method"] == "lanczos" and r["hessian"]["n_ritz"] == 4
            assert r["hessian"]["slq_probes"] == 8 and r["hessian"]["slq_steps"] == 4
            assert 0 <= r["hessian"]["slq_negative_mass"] < 1
        assert r["hessian"]["lambda_max"] >= r["hessian"]["lambda_min"]
        assert r["loss"] > 0 and r["train_loss"] is None
    assert [r["n_params"] for r in doc["records"][:2]] == [166, 146]
    assert set(doc["summary"]["configs"]) == {"cnn_dense/init", "cnn_cd_B2/init",
                                              "transformer_cd_B2/init",
                                              "transformer_cd_B2_noLN/init"}
    pairs = {(c["first"], c["second"]) for c in doc["summary"]["comparisons"]}
    assert pairs == {("cnn_cd_B2/init", "cnn_dense/init"),
                     ("transformer_cd_B2/init", "transformer_cd_B2_noLN/init")}


def test_jobs_1_and_jobs_2_give_identical_records(tmp_path):
    from cdnotes.cli.sequence_curvature import sweep

    args = build_parser().parse_args(["sequence-curvature", *TINY[5:], "--seeds", "3",
                                      "--models", "cnn_cd",
                                      "transformer_dense", "--layernorm", "without",
                                      "--states", "init", "trained", "--epochs", "1",
                                      "--n-train", "32", "--batch-size", "16",
                                      "--out", str(tmp_path / "x")])
    one = run_sweep(sweep(args), tmp_path / "one.json", n_jobs=1)
    two = run_sweep(sweep(args), tmp_path / "two.json", n_jobs=2)
    assert json.dumps(strip_timings(one["records"]), sort_keys=True) == json.dumps(
        strip_timings(two["records"]), sort_keys=True)
    assert len(one["records"]) == 4 and two["sources"][0]["n_jobs"] == 2
    trained = [r for r in one["records"] if r["state"] == "trained"]
    assert len(trained) == 2 and all(len(r["train_loss"]) == 1 for r in trained)
    # training moved the weights: the loss differs from the same seed's at init
    init = {(r["model"], r["seed"]): r["loss"] for r in one["records"] if r["state"] == "init"}
    assert all(r["loss"] != init[(r["model"], r["seed"])] for r in trained)


def test_the_transformer_without_layernorm_has_none_and_computes_something_else():
    with_ln = build_model("transformer_cd", block_size=2, layernorm="with", seed=3, d_model=4,
                          ffn_hidden=4)
    without = build_model("transformer_cd", block_size=2, layernorm="without", seed=3,
                          d_model=4, ffn_hidden=4)
    assert _layernorms(with_ln) == 3 and _layernorms(without) == 0
    assert with_ln.n_params - without.n_params == 3 * 2 * 4
    X = np.random.default_rng(0).standard_normal((5, 40))
    assert not np.allclose(with_ln.forward(X), without.forward(X))
    # the same weights otherwise (the embedding, attention, feed-forward and head)
    assert with_ln.layers[0].params.keys() == without.layers[0].params.keys()
    attention = [net.layers[1].sublayers["attention"] for net in (with_ln, without)]
    for a, b in ((with_ln.layers[0], without.layers[0]),
                 (with_ln.layers[-1], without.layers[-1]), attention):
        assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    net = transformer_classifier(40, 4, 2, 1, ffn_hidden=4, seed=0)
    assert _layernorms(drop_layernorms(net)) == 0 and _layernorms(net) == 3  # net unchanged
    with pytest.raises(ValueError, match="no LayerNorm to drop"):
        drop_layernorms(drop_layernorms(net))


def test_bad_models_are_refused():
    with pytest.raises(ValueError, match="needs a block size"):
        build_model("cnn_cd")
    with pytest.raises(ValueError, match="block_size is for the CD models"):
        build_model("cnn_dense", block_size=4, layernorm=None)
    with pytest.raises(ValueError, match="the CNN has no LayerNorm"):
        build_model("cnn_dense", layernorm="without")
    with pytest.raises(ValueError, match="layernorm"):
        build_model("transformer_dense", layernorm="sometimes")


def test_full_eigenvalues_equal_the_lanczos_extremes_on_a_tiny_cnn():
    net = build_model("cnn_cd", block_size=2, layernorm=None, seed=1, channels=2)
    _, _, X, y = evaluation_batch(16)
    method, ev, loss = spectra(net, X, y, full_max=1000, lanczos_steps=1)
    assert method == "full" and ev["hessian"].size == net.n_params == 146
    ops = CurvatureProducts(net, X, y)
    assert loss == pytest.approx(ops.loss, rel=1e-15)
    for kind in ("hessian", "gauss_newton"):
        ritz = lanczos(ops.matvec(kind), net.n_params, n_steps=net.n_params, seed=0)
        scale = np.abs(ev[kind]).max()
        assert abs(ritz[-1] - ev[kind][-1]) <= 1e-9 * scale
        assert abs(ritz[0] - ev[kind][0]) <= 1e-9 * scale
    method, ritz, _ = spectra(net, X, y, full_max=100, lanczos_steps=146)
    assert method == "lanczos"
    assert abs(ritz["hessian"][-1] - ev["hessian"][-1]) <= 1e-9 * np.abs(ev["hessian"]).max()


def test_the_slq_trace_is_hutchinsons_estimate_with_the_same_probes():
    net = build_model("cnn_cd", block_size=2, layernorm=None, seed=2, channels=2)
    _, _, X, y = evaluation_batch(8)
    ops = CurvatureProducts(net, X, y)
    H = network_hessian(net, X, y)
    P = net.n_params
    est = slq_estimates(ops.matvec(), P, n_vectors=3, n_steps=5, seed=4)
    rng = np.random.default_rng(4)                  # spectral_density's probes
    probes = [rng.choice(np.array([-1.0, 1.0]), size=P) / np.sqrt(P) for _ in range(3)]
    hutchinson = P * np.mean([v @ H @ v for v in probes])
    assert est["slq_trace"] == pytest.approx(hutchinson, rel=1e-10)
    assert est["slq_abs_trace"] >= abs(est["slq_trace"])
    assert 0 < est["slq_negative_mass"] < 1 and est["slq_probes"] == 3


def _record(model, block, seed, kappa, lam_max, state="init", ln=None):
    spectrum = {"lambda_max": lam_max, "lambda_min": -0.1 * lam_max, "negative_mass": 0.2,
                "effective_rank_entropy": 10.0, "percentile_ratio": [50.0, 10.0, 2.0],
                "kappa": [kappa] * 11}
    return {"model": model, "block_size": block, "layernorm": ln, "state": state,
            "seed": seed, "n_params": 100, "method": "full", "loss": 2.3, "accuracy": 0.1,
            "hessian": spectrum, "gauss_newton": dict(spectrum, lambda_min=0.0)}


def test_the_summary_of_synthetic_records_gives_medians_and_paired_verdicts():
    records = ([_record("cnn_dense", None, s, 2.0 + s, 2.0 + 0.1 * s) for s in range(5)]
               + [_record("cnn_cd", 4, s, 20.0 + s, 1.0 + 0.01 * s) for s in range(5)])
    summary = summarize(records)
    dense = summary["configs"]["cnn_dense/init"]["hessian"]
    assert dense["lambda_max"]["median"] == pytest.approx(2.2)
    assert (dense["lambda_max"]["low"], dense["lambda_max"]["high"]) == (2.0, 2.4)
    assert dense["lambda_max"]["coverage"] == pytest.approx(0.9375)
    assert dense["kappa_0.01"]["median"] == 4.0
    by = {(c["measure"], c["matrix"]): c for c in summary["comparisons"]}
    assert by[("lambda_max", "hessian")]["verdict"] == "lower"       # CD's λ_max is lower
    assert by[("lambda_max", "hessian")]["mean"] == pytest.approx(
        np.mean([np.log10((1 + 0.01 * s) / (2 + 0.1 * s)) for s in range(5)]))
    # κ(1e-2) = 20-24 vs 2-6: CD's reach the ceiling (1 / 1e-2) / 10 = 10, so no verdict
    assert by[("kappa_0.01", "hessian")]["verdict"] == "at the ceiling"
    assert by[("kappa_0.01", "hessian")]["n_at_ceiling"] == 5
    assert summary["configs"]["cnn_cd_B4/init"]["hessian"]["kappa_0.01"]["median"] is None
    # κ(1e-6): far from its ceiling 1e6, CD higher
    assert by[("kappa_1e-06", "hessian")]["verdict"] == "higher"
    assert by[("negative_mass", "hessian")]["verdict"] == "unresolved"   # identical: 0 ± 0
    assert by[("negative_mass", "hessian")]["scale"] == "linear"


def test_the_summary_pairs_by_seed_and_needs_two_common_seeds():
    records = [_record("cnn_dense", None, 0, 5.0, 1.0), _record("cnn_cd", 4, 0, 6.0, 2.0),
               _record("cnn_cd", 4, 1, 6.0, 2.0)]
    c = compare(records, "hessian", "lambda_max", ("cnn_cd", 4, None, "init"),
                ("cnn_dense", None, None, "init"))
    assert c["seeds"] == [0] and c["verdict"] is None and c["mean"] is None
    assert median_interval([3.0])["coverage"] == 0.0
    with pytest.raises(ValueError, match="at least one value"):
        median_interval([])


@pytest.mark.parametrize("argv, message", [
    (["--models", "cnn_cd", "--channels", "6", "--block-sizes", "4"],
     "--block-sizes: 4 must divide --channels (6)"),
    (["--models", "transformer_cd", "--d-model", "8", "--n-heads", "2", "--ffn-hidden", "6",
      "--block-sizes", "4"], "--block-sizes: 4 must divide --ffn-hidden (6)"),
    (["--models", "transformer_dense", "--d-model", "6", "--n-heads", "4"],
     "--n-heads: must divide --d-model 6"),
    (["--models", "rnn"], "invalid choice: 'rnn'"),
    (["--layernorm", "maybe"], "invalid choice: 'maybe'"),
    (["--n-eval", "4001"], "--n-eval: at most the 4000"),
    (["--full-max", "0"], "--full-max: must be a positive integer"),
    (["--slq-probes", "-1"], "--slq-probes: must be a non-negative integer"),
    (["--seeds", "1", "1"], "--seeds: values must be distinct"),
])
def test_bad_options_are_usage_errors(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["sequence-curvature", *argv, "--out", str(tmp_path / "x.json"), "--quiet"])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()
