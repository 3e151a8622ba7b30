"""KFAC: the damped Newton step on a least-squares layer, and slow Kronecker constructions."""
import numpy as np
import pytest

from cdnotes import CDLinear, Dense, ReLU
from cdnotes.data import digits_split
from cdnotes.hessian import cdlinear_hessian, dense_hessian
from cdnotes.mlp import MLP, make_mlp
from cdnotes.train import TrainConfig, train
from cdnotes.train.kfac import KFAC
from cdnotes.train.losses import softmax_cross_entropy, squared_error

from conftest import asarray, host


def _relative(a, b):
    return np.abs(np.asarray(a) - np.asarray(b)).max() / np.abs(np.asarray(b)).max()


def _one_step(model, X, labels, loss_fn, **kwargs):
    """Gradient of one full batch, one KFAC step: (gradients, parameter changes)."""
    loss, d = loss_fn(model.forward(X), labels)
    model.backward(d)
    grads = [{k: host(v).copy() for k, v in layer.grads.items()} for layer in model.linear_layers]
    before = [{k: host(v).copy() for k, v in layer.params.items()}
              for layer in model.linear_layers]
    opt = KFAC(model, X, **{"lr": 1.0, "momentum": 0.0, "stats_batch": X.shape[0],
                             "kl_clip": None, **kwargs})
    opt.step(model.linear_layers)
    change = [{k: before[i][k] - host(v) for k, v in layer.params.items()}
              for i, layer in enumerate(model.linear_layers)]
    return grads, change, opt


@pytest.mark.parametrize("make, name, hessian", [
    (lambda xp: CDLinear(12, 8, 4, seed=1, xp=xp), "C", lambda X: cdlinear_hessian(X, 8, 4)),
    (lambda xp: CDLinear(15, 10, 5, seed=2, xp=xp), "C", lambda X: cdlinear_hessian(X, 10, 5)),
    (lambda xp: Dense(12, 8, seed=1, xp=xp), "W", lambda X: dense_hessian(X, 8)),
])
@pytest.mark.parametrize("damping", [1e-3, 0.3])
def test_exact_factors_give_the_damped_newton_step(xp, rng, make, name, hessian, damping):
    """Least squares, one layer, S = I: the step is (H/N + λI)⁻¹ g, H the explicit Hessian."""
    layer = make(xp)
    N = 30
    X = rng.standard_normal((N, layer.n_in)) @ rng.standard_normal((layer.n_in, layer.n_in))
    y = rng.integers(0, layer.n_out, N)
    grads, change, _ = _one_step(MLP([layer]), asarray(xp, X), xp.asarray(y), squared_error,
                                 damping=damping, loss="squared_error", output_factor="identity")
    H = hessian(X) / N
    newton = np.linalg.solve(H + damping * np.eye(len(H)), grads[0][name].ravel())
    assert _relative(change[0][name].ravel(), newton) < 1e-9
    assert _relative(change[0]["b"], grads[0]["b"] / (1 + damping)) < 1e-12   # H_bb = I


def _two_layer(block_size, seed=3):
    widths = (12, 8, 8)
    return make_mlp(widths, block_size, n_classes=5, seed=seed)


def _manual_statistics(model, X, y):
    """Inputs and per-sample output gradients of both layers, by hand from to_dense()."""
    (l1, l2) = model.linear_layers
    W1, b1, W2, b2 = l1.to_dense(), host(l1.b), l2.to_dense(), host(l2.b)
    Z1 = X @ W1.T + b1
    H1 = np.maximum(Z1, 0)
    logits = (H1 @ W2.T + b2)[:, :5]
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    d2 = np.zeros((X.shape[0], 8))
    d2[:, :5] = p - np.eye(5)[y]
    d1 = (d2 @ W2) * (Z1 > 0)
    return [(X, d1), (H1, d2)]


def test_dense_kfac_matches_a_slow_kronecker_construction(rng):
    model = _two_layer(None)
    X, y = rng.standard_normal((40, 12)), rng.integers(0, 5, 40)
    stats = _manual_statistics(model, X, y)
    lam = 0.05
    grads, change, opt = _one_step(model, X, y, softmax_cross_entropy, y=y, damping=lam,
                                   output_factor="empirical")
    for k, (Xk, dk) in enumerate(stats):
        A, S = Xk.T @ Xk / len(Xk), dk.T @ dk / len(Xk)
        K = np.kron(S, A)                                 # W.ravel() order (o, i)
        expected = np.linalg.solve(K + lam * np.eye(len(K)), grads[k]["W"].ravel())
        assert _relative(change[k]["W"].ravel(), expected) < 1e-9
        expected_b = np.linalg.solve(S + lam * np.eye(len(S)), grads[k]["b"])
        assert _relative(change[k]["b"], expected_b) < 1e-9
        assert _relative(opt.factors[k]["A"], A) < 1e-12


def _slow_circulant_operator(S_f, A_f, B):
    """C-space matrix of D ↦ irfft_k(S_k D̂_k A_kᵀ), assembled over all B frequencies."""
    Ko, Ki = S_f.shape[1], A_f.shape[1]
    P = Ko * Ki * B
    K = np.zeros((P, P), dtype=complex)
    m = np.arange(B)
    for f in range(B):
        Sk, Ak = (S_f[f], A_f[f]) if f <= B // 2 else (np.conj(S_f[B - f]), np.conj(A_f[B - f]))
        phase = np.exp(2j * np.pi * f * (m[:, None] - m[None, :]) / B) / B   # ω^{-fm} ω^{fm'}
        K += np.kron(np.kron(Sk, Ak), phase)               # C.ravel() order (i, j, m)
    assert np.abs(K.imag).max() < 1e-10 * np.abs(K).max()
    return K.real


def _slow_factors(Xk, dk, B):
    """Per-frequency factors with full complex FFTs and explicit sums over samples."""
    n = len(Xk)
    Xf = np.fft.fft(Xk.reshape(n, -1, B), axis=-1)                # (n, Ki, B)
    Df = np.fft.fft(dk.reshape(n, -1, B), axis=-1)                # (n, Ko, B)
    F = B // 2 + 1
    A = np.stack([sum(np.outer(np.conj(Xf[s, :, f]), Xf[s, :, f]) for s in range(n)) / n
                  for f in range(F)])
    S = np.stack([sum(np.outer(Df[s, :, f], np.conj(Df[s, :, f])) for s in range(n)) / (n * B)
                  for f in range(F)])
    return A, S


@pytest.mark.parametrize("B", [2, 4])
def test_circulant_kfac_matches_a_slow_construction(rng, B):
    model = _two_layer(B)
    X, y = rng.standard_normal((40, 12)), rng.integers(0, 5, 40)
    stats = _manual_statistics(model, X, y)
    lam = 0.05
    grads, change, opt = _one_step(model, X, y, softmax_cross_entropy, y=y, damping=lam,
                                   output_factor="empirical")
    for k, (Xk, dk) in enumerate(stats):
        A, S = _slow_factors(Xk, dk, B)
        assert _relative(opt.factors[k]["A"], A) < 1e-12
        assert _relative(opt.factors[k]["S"], S) < 1e-12
        K = _slow_circulant_operator(S, A, B)
        expected = np.linalg.solve(K + lam * np.eye(len(K)), grads[k]["C"].ravel())
        assert _relative(change[k]["C"].ravel(), expected) < 1e-9


def test_slow_operator_with_identity_output_factor_is_the_hessian(rng):
    """The slow construction itself: S_k = I gives Theorem 1's Hessian / N."""
    X = rng.standard_normal((20, 12))
    A, _ = _slow_factors(X, np.zeros((20, 8)), 4)
    S = np.broadcast_to(np.eye(2), (3, 2, 2))
    K = _slow_circulant_operator(S, A, 4)
    assert _relative(K, cdlinear_hessian(X, 8, 4) / 20) < 1e-12


def test_running_average(rng):
    model = _two_layer(4)
    X = rng.standard_normal((60, 12))
    plain, averaged = KFAC(model, X, decay=0.0, stats_batch=20, seed=5), \
        KFAC(model, X, decay=0.7, stats_batch=20, seed=5)
    plain.refresh()
    first = {k: dict(v) for k, v in plain.factors.items()}
    plain.refresh()
    averaged.refresh()
    averaged.refresh()
    for k in first:
        for name in first[k]:
            expected = 0.7 * first[k][name] + 0.3 * plain.factors[k][name]
            assert _relative(averaged.factors[k][name], expected) < 1e-12
    assert averaged.n_refreshes == 2


def test_refresh_every_few_steps_and_state(rng):
    Xtr, _, ytr, _ = digits_split(0)
    X, y = Xtr[:200], ytr[:200]
    model = make_mlp((64, 32, 12), 4, n_classes=10, seed=0)
    opt = KFAC(model, X, update_every=3, seed=1)
    train(model, X, y, config=TrainConfig(epochs=1, batch_size=20), optimizer=opt)
    assert opt.t == 10 and opt.n_refreshes == 4                   # steps 0, 3, 6, 9
    assert set(opt.factors) == {0, 1} and set(opt.eigen[0]) == {"A", "S", "S_bias"}
    assert opt.factors[0]["A"].shape == (3, 16, 16) and opt.factors[1]["S"].shape == (3, 3, 3)
    assert set(opt.velocity) == {(0, "C"), (0, "b"), (1, "C"), (1, "b")}


@pytest.mark.parametrize("block_size", [None, 4])
def test_seeded_and_it_trains(block_size):
    Xtr, Xte, ytr, yte = digits_split(0)
    runs = []
    for _ in range(2):
        model = make_mlp((64, 32, 12), block_size, n_classes=10, seed=0)
        opt = KFAC(model, Xtr, lr=0.05, damping=0.01, seed=3)
        h = train(model, Xtr, ytr, Xte, yte, config=TrainConfig(epochs=3), optimizer=opt)
        runs.append((h, host(model.linear_layers[0].params["b"])))
    assert runs[0][0].train_loss == runs[1][0].train_loss
    assert np.array_equal(runs[0][1], runs[1][1])
    h = runs[0][0]
    assert h.train_loss[-1] < 0.5 * h.train_loss[0] and h.final_test_accuracy > 0.8


def test_runs_on_array_api_strict(rng):
    import array_api_strict as xps
    model = make_mlp((12, 8, 8), 4, n_classes=5, seed=0, xp=xps)
    X = xps.asarray(rng.standard_normal((30, 12)))
    y = xps.asarray(rng.integers(0, 5, 30))
    opt = KFAC(model, X, update_every=2, seed=0)
    h = train(model, X, y, config=TrainConfig(epochs=2, batch_size=10), optimizer=opt)
    assert np.isfinite(h.train_loss).all() and opt.n_refreshes == 3


class _Odd(Dense):
    """A linear layer with an extra weight parameter."""

    def param_shapes(self):
        return {"W": (self.n_out, self.n_in), "V": (2,), "b": (self.n_out,)}

    def initial_params(self, std, seed):
        return {**super().initial_params(std, seed), "V": np.zeros(2)}


@pytest.mark.parametrize("kwargs, words", [
    ({"damping": -0.1}, "damping"), ({"damping": 0.0}, "damping"),
    ({"lr": 0.0}, "lr"), ({"momentum": 1.0}, "momentum"), ({"update_every": 0}, "update_every"),
    ({"decay": 1.0}, "decay"), ({"stats_batch": 0}, "stats_batch"),
    ({"output_factor": "fisher"}, "output_factor"), ({"loss": "hinge"}, "loss"),
    ({"output_factor": "empirical"}, "labels"), ({"seed": -1}, "seed"),
    ({"X": np.zeros((5, 7))}, "n_in"), ({"y": np.array([0, 9])}, "y"),
    ({"model": "dense"}, "MLP"),
])
def test_bad_input(rng, kwargs, words):
    args = {"model": make_mlp((12, 8, 8), 4, n_classes=5), "X": rng.standard_normal((10, 12))}
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError)) as info:
        KFAC(args.pop("model"), args.pop("X"), **args)
    assert words in str(info.value)


def test_unsupported_layer_and_wrong_layers(rng):
    with pytest.raises(ValueError, match="_Odd"):
        KFAC(MLP([_Odd(12, 8, seed=0)]), rng.standard_normal((5, 12)))
    model, other = make_mlp((12, 8, 8), 4, seed=0), make_mlp((12, 8, 8), 4, seed=0)
    opt = KFAC(model, rng.standard_normal((5, 12)))
    with pytest.raises(ValueError, match="linear layers of the model"):
        opt.step(other.linear_layers)
    assert isinstance(MLP([Dense(12, 8), ReLU(), Dense(8, 4)]).layers[1], ReLU)


def test_kl_clipping_bounds_the_step(rng):
    """Clipped: ν² η² Σ D·g = kl_clip (the step is η ν D, so η ν Σ step·g = kl_clip)."""
    X, y = rng.standard_normal((40, 12)) * 5, rng.integers(0, 5, 40)
    model = _two_layer(4)
    grads, change, opt = _one_step(model, X, y, softmax_cross_entropy, lr=10.0, kl_clip=1e-4)
    assert opt.last_scale < 1
    quad = sum(np.sum(change[k][n] * grads[k][n]) for k in range(2) for n in grads[k])
    assert abs(10.0 * opt.last_scale * quad / 1e-4 - 1) < 1e-9
