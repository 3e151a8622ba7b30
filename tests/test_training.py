"""The digits experiment machinery: losses, regularizer, model, optimizer, training, curvature."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import cdnotes
from cdnotes import curvature
from cdnotes.train import losses
from cdnotes.data import digits_split, load_digits
from cdnotes.gradcheck import numerical_gradient, relative_error
from cdnotes.mlp import MLP, make_mlp, paper_model
from cdnotes.train.regularizers import fisher_penalty, fisher_penalty_and_grad
from cdnotes.train import SGD, TrainConfig, train


@pytest.mark.parametrize("loss", [losses.softmax_cross_entropy, losses.squared_error])
def test_loss_gradients_match_finite_differences(loss, rng):
    logits, y = rng.standard_normal((7, 5)), rng.integers(0, 5, 7)
    value, grad = loss(logits, y)
    assert relative_error(grad, numerical_gradient(lambda z: loss(z, y)[0], logits)) < 1e-7
    assert np.isfinite(value)


def test_cross_entropy_is_stable_for_huge_logits():
    value, grad = losses.softmax_cross_entropy(np.array([[1e4, 0.0], [0.0, -1e4]]), np.array([0, 1]))
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    assert np.isclose(value, 1e4 / 2)


@pytest.mark.parametrize("B", [1, 4, 5, 8])
def test_fisher_gradient_matches_finite_differences(B, rng):
    C = rng.standard_normal((2, 3, B))
    value, grad = fisher_penalty_and_grad(C, eps=1e-3)
    assert float(value) == fisher_penalty(C, eps=1e-3)
    assert relative_error(grad, numerical_gradient(lambda c: fisher_penalty(c, 1e-3), C)) < 1e-7
    expected = np.sum(1 / (np.abs(np.fft.fft(C, axis=-1)) ** 2 + 1e-3))
    assert np.isclose(value, expected)


def test_mlp_end_to_end_gradients(rng):
    """Every parameter of a CD-MLP (with sliced logits) against finite differences of the loss."""
    model = make_mlp([8, 8, 6], block_size=2, n_classes=5, seed=0)
    X, y = rng.standard_normal((4, 8)), rng.integers(0, 5, 4)

    def loss_of(layer, name):
        def f(value):
            saved = layer.params[name]
            layer.params[name] = value
            out = losses.softmax_cross_entropy(model.forward(X), y)[0]
            layer.params[name] = saved
            return out
        return f

    _, dlogits = losses.softmax_cross_entropy(model.forward(X), y)
    dX = model.backward(dlogits)
    assert dX.shape == X.shape
    for layer in model.linear_layers:
        for name, value in layer.params.items():
            assert relative_error(layer.grads[name], numerical_gradient(loss_of(layer, name), value)) < 1e-6


def test_paper_models():
    assert [paper_model(n).n_params for n in ("dense", "cd4", "cd8")] == [8970, 2380, 1296]
    m = paper_model("cd8", seed=0, dropout=0.0118)
    assert m.n_classes == 10 and m.n_out == 16
    assert sum(isinstance(layer, cdnotes.ShannonDropout) for layer in m.layers) == 2
    with pytest.raises(ValueError, match="model must be one of"):
        paper_model("cd3")


def test_sgd_momentum_step():
    layer = cdnotes.Dense(2, 1, seed=0)
    w0 = layer.W.copy()
    opt = SGD(lr=0.1, momentum=0.9)
    layer.grads = {"W": np.ones((1, 2)), "b": np.zeros(1)}
    opt.step([layer])
    opt.step([layer])                       # v1 = g, v2 = 0.9 g + g
    assert np.allclose(layer.W, w0 - 0.1 * (1 + 1.9))
    with pytest.raises(ValueError):
        SGD(lr=0.1, momentum=1.0)


@pytest.fixture(scope="module")
def digits():
    return digits_split(0)


def test_digits_split(digits):
    X_train, X_test, y_train, y_test = digits
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert X_train.min() >= 0 and X_train.max() <= 1
    counts = np.bincount(y_test, minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37                 # stratified
    assert not np.array_equal(digits_split(1)[0], X_train)
    assert load_digits()[0].shape == (1797, 64)


def test_same_seed_same_numbers(digits):
    config = TrainConfig(epochs=3)
    runs = [train(paper_model("cd4", seed=5, dropout=0.2), *digits[:1], digits[2], digits[1], digits[3],
                  config=config, seed=5) for _ in range(2)]
    assert runs[0].train_loss == runs[1].train_loss and runs[0].test_accuracy == runs[1].test_accuracy
    other = train(paper_model("cd4", seed=6, dropout=0.2), digits[0], digits[2], digits[1], digits[3],
                  config=config, seed=6)
    assert other.train_loss != runs[0].train_loss


def test_training_learns_digits(digits):
    history = train(paper_model("cd4", seed=0), digits[0], digits[2], digits[1], digits[3],
                    config=TrainConfig(epochs=10), seed=0)
    assert history.train_loss[-1] < history.train_loss[0] / 5
    assert history.final_test_accuracy > 0.9
    assert len(history.epoch_seconds) == 10


def test_fisher_option_changes_training(digits):
    a = train(paper_model("cd4", seed=0), digits[0], digits[2], config=TrainConfig(epochs=2), seed=0)
    b = train(paper_model("cd4", seed=0), digits[0], digits[2], config=TrainConfig(epochs=2, fisher=1e-4),
              seed=0)
    assert a.train_loss != b.train_loss


def test_divergence_is_reported(digits):
    config = TrainConfig(epochs=3, lr=10.0, loss="squared_error")      # far too large a step
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="diverged: mean loss (inf|nan) in epoch 0"):
        train(paper_model("dense", seed=0), digits[0], digits[2], config=config, seed=0)


@pytest.mark.parametrize("name", ["dense", "cd4"])
def test_last_layer_hessian_matches_finite_differences(name, rng):
    widths, B = ([6, 8, 5], None) if name == "dense" else ([8, 8, 8], 4)
    model = make_mlp(widths, B, n_classes=5, seed=1)
    X, y = rng.standard_normal((30, widths[0])), rng.integers(0, 5, 30)
    H = curvature.last_layer_hessian(model, X)
    last = model.linear_layers[-1]
    names = ["W" if B is None else "C", "b"]
    theta0 = np.concatenate([last.params[n].ravel() for n in names])

    def grad(theta):
        sizes = np.cumsum([last.params[n].size for n in names])[:-1]
        for n, part in zip(names, np.split(theta, sizes)):
            last.params[n] = part.reshape(last.params[n].shape)
        _, dl = losses.softmax_cross_entropy(model.forward(X), y)
        model.backward(dl)
        return np.concatenate([last.grads[n].ravel() for n in names])

    eps = 1e-5
    numeric = np.stack([(grad(theta0 + eps * e) - grad(theta0 - eps * e)) / (2 * eps)
                        for e in np.eye(theta0.size)], axis=1)
    grad(theta0)
    assert H.shape == (theta0.size, theta0.size)
    assert np.abs(H - numeric).max() < 1e-6 * np.abs(H).max()


def test_softmax_shift_and_dead_units_are_null_directions(rng):
    model = make_mlp([6, 8, 4], None, seed=2)
    X, y = rng.standard_normal((40, 6)), rng.integers(0, 4, 40)
    model.linear_layers[0].params["b"][:3] = -100.0              # three hidden units never fire
    assert curvature.dead_units(model, X) == [3]
    ev, cond = curvature.last_layer_spectrum(model, X)
    # shift invariance of softmax: (8 inputs + bias) directions; each dead unit: one per output,
    # minus the one shared with the shift -> 9 + 3 * (4 - 1) = 18 exact zeros
    assert cond.n_zero == 9 + 3 * 3


def test_paper_kappa_readings(digits):
    model = paper_model("cd4", seed=0)
    train(model, digits[0], digits[2], config=TrainConfig(epochs=2), seed=0)
    r = curvature.paper_kappa_readings(model, digits[0])
    assert set(r) == {"weights_sv", "theorem1_inputs", "circulant_spectrum"}
    assert all(v >= 1 for v in r.values())
    W = model.linear_layers[0].to_dense()
    s = np.linalg.svd(W, compute_uv=False) ** 2
    assert r["weights_sv"] >= 1 and np.isfinite(s.max() / s.min())
    # the weights reading is the mean over layers of σ²_max/σ²_min, recomputed independently
    squared = [np.linalg.svd(layer.to_dense(), compute_uv=False) ** 2 for layer in model.linear_layers]
    ratios = [v.max() / v.min() for v in squared]
    assert np.isclose(r["weights_sv"], np.mean(ratios), rtol=1e-12)
    assert np.isnan(curvature.paper_kappa_readings(paper_model("dense"), digits[0])["circulant_spectrum"])


def test_cli_table1_writes_json(tmp_path):
    out = tmp_path / "sub" / "r.json"
    proc = subprocess.run([sys.executable, "-m", "cdnotes", "table1", "--seeds", "0", "1", "--models",
                           "cd4", "dense", "--epochs", "2", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "cd4" in proc.stdout and proc.stderr == ""          # no progress bar when not a terminal
    data = json.loads(out.read_text())
    assert len(data["records"]) == 4 and os.listdir(out.parent) == ["r.json"]
    rec = data["records"][0]
    for key in ("model", "seed", "n_params", "test_accuracy", "final_test_accuracy", "train_loss",
                "epoch_seconds", "kappa", "config", "job", "source"):
        assert key in rec
    assert rec["job"] == {"model": "cd4", "seed": 0}
    environment = data["sources"][rec["source"]]["environment"]
    assert len(rec["test_accuracy"]) == 2 and environment["backend"] == "numpy"
    assert "numpy" in environment["versions"]


def test_cli_help():
    proc = subprocess.run([sys.executable, "-m", "cdnotes", "table1", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0
    for flag in ("--seeds", "--out", "--models", "--epochs", "--dropout", "--fisher", "--split-seed"):
        assert flag in proc.stdout


def test_json_writer_handles_non_finite(tmp_path):
    from cdnotes.results import read_json, write_json_atomic
    write_json_atomic(tmp_path / "x.json", {"a": float("inf"), "b": np.float64(2.5), "c": np.arange(3)})
    assert read_json(tmp_path / "x.json") == {"a": float("inf"), "b": 2.5, "c": [0, 1, 2]}


def test_mean_ci_against_scipy():
    from scipy import stats
    from cdnotes.stats import geometric_mean, mean_ci, paired_difference_ci

    x = np.array([97.2, 96.9, 98.1, 97.5, 96.4])
    est = mean_ci(x)
    low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert np.isclose(est.low, low) and np.isclose(est.high, high) and est.n == 5
    d = paired_difference_ci(x, x - 1.0)
    assert np.isclose(d.mean, 1.0) and np.isclose(d.std, 0.0)
    assert np.isclose(geometric_mean([1, 100]), 10)
    with pytest.raises(ValueError):
        mean_ci([1.0])


def test_logit_hessian_has_one_null_direction(rng):
    model = make_mlp([6, 8, 5], None, seed=0)
    ev = curvature.logit_hessian_spectrum(model, rng.standard_normal((50, 6)))
    assert ev.shape == (5,) and abs(ev[0]) < 1e-12 and ev[1] > 1e-6


def test_speed_sweep_rows():
    from cdnotes.benchmarking import speed_sweep
    rows = speed_sweep([64, 96], [8, 32], batch=16, repeats=1)
    assert [(r["width"], r["block_size"]) for r in rows] == [(64, 8), (64, 32), (96, 8), (96, 32)]
    for r in rows:
        assert r["dense_s"] > 0 and r["fft_s"] > 0 and r["materialised_s"] > 0
        assert r["fft_peak_bytes"] > 0 and np.isclose(r["fft_speedup"], r["dense_s"] / r["fft_s"])
