"""Adam and AdaMax against element-by-element transcriptions of Kingma & Ba's algorithms."""
import math

import numpy as np
import pytest

from cdnotes import Dense
from cdnotes.train import SGD, AdaMax, Adam, TrainConfig, make_optimizer


def _adam_reference(theta, grads, lr, b1, b2, eps):
    """Algorithm 1 of Kingma & Ba (2015), one scalar at a time, in plain Python floats."""
    theta = [float(t) for t in theta]
    m = [0.0] * len(theta)
    v = [0.0] * len(theta)
    for t, g in enumerate(grads, start=1):
        for i, gi in enumerate(g):
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi * gi
            m_hat, v_hat = m[i] / (1 - b1 ** t), v[i] / (1 - b2 ** t)
            theta[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
    return np.array(theta)


def _adamax_reference(theta, grads, lr, b1, b2, eps):
    """Algorithm 2 of Kingma & Ba (2015), with PyTorch's ε added to |g|."""
    theta = [float(t) for t in theta]
    m = [0.0] * len(theta)
    u = [0.0] * len(theta)
    for t, g in enumerate(grads, start=1):
        for i, gi in enumerate(g):
            m[i] = b1 * m[i] + (1 - b1) * gi
            u[i] = max(b2 * u[i], abs(gi) + eps)
            theta[i] -= (lr / (1 - b1 ** t)) * m[i] / u[i]
    return np.array(theta)


class _Param:
    """A minimal layer: one parameter vector and its gradient."""

    def __init__(self, theta):
        self.params = {"w": np.array(theta, dtype=np.float64)}
        self.grads = {}


@pytest.mark.parametrize("cls, reference", [(Adam, _adam_reference),
                                            (AdaMax, _adamax_reference)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_the_papers_algorithm(cls, reference, seed):
    rng = np.random.default_rng(seed)
    theta0 = rng.standard_normal(7)
    grads = [rng.standard_normal(7) * 10.0 ** rng.uniform(-3, 1) for _ in range(25)]
    grads[3][2] = 0.0                             # a zero gradient entry
    lr, b1, b2, eps = 0.03, 0.8, 0.99, 1e-8
    layer = _Param(theta0)
    opt = cls(lr, beta1=b1, beta2=b2, eps=eps)
    for g in grads:
        layer.grads["w"] = g
        opt.step([layer])
    expected = reference(theta0, grads, lr, b1, b2, eps)
    np.testing.assert_allclose(layer.params["w"], expected, rtol=1e-12, atol=1e-14)
    assert opt.t == len(grads)


@pytest.mark.parametrize("cls", [Adam, AdaMax])
def test_first_step_has_length_lr_per_coordinate(cls):
    """Both methods' first step is lr·sign(g) (up to ε), whatever the gradient's scale."""
    layer = _Param(np.zeros(4))
    layer.grads["w"] = np.array([1e-3, -2.0, 50.0, -1e-5])
    cls(0.1, eps=1e-12).step([layer])
    np.testing.assert_allclose(layer.params["w"], -0.1 * np.sign(layer.grads["w"]), rtol=1e-6)


def test_adamax_never_divides_by_zero_on_a_dead_parameter():
    layer = _Param(np.ones(3))
    opt = AdaMax(0.01)
    for _ in range(5):
        layer.grads["w"] = np.zeros(3)
        opt.step([layer])
    np.testing.assert_array_equal(layer.params["w"], np.ones(3))


def test_make_optimizer_and_config():
    assert isinstance(make_optimizer("sgd", lr=0.2), SGD)
    assert isinstance(TrainConfig(optimizer="adamax", lr=0.03).make_optimizer(), AdaMax)
    assert isinstance(TrainConfig(optimizer="adam").make_optimizer(), Adam)
    with pytest.raises(ValueError, match="optimizer.*adamax"):
        TrainConfig(optimizer="rmsprop")
    for bad in (dict(beta1=1.0), dict(beta2=-0.1), dict(eps=0.0)):
        with pytest.raises(ValueError):
            TrainConfig(optimizer="adam", **bad)
    with pytest.raises(ValueError, match="lr"):
        AdaMax(lr=0.0)


def test_training_with_adamax_lowers_the_loss_on_numpy_and_array_api_strict():
    """One Dense softmax regression on separable data, trained through the loop."""
    from cdnotes.mlp import MLP
    from cdnotes.train import train

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 5))
    y = (X[:, 0] > 0).astype(np.int64)
    losses = []
    for backend in ("numpy", "array_api_strict"):
        if backend == "array_api_strict":
            xp = pytest.importorskip("array_api_strict")
            Xb, yb = xp.asarray(X), xp.asarray(y)
        else:
            xp, Xb, yb = None, X, y
        model = MLP([Dense(5, 2, seed=1, xp=xp)])
        history = train(model, Xb, yb, config=TrainConfig(epochs=5, optimizer="adamax",
                                                          lr=0.05, batch_size=50), seed=0)
        assert history.train_loss[-1] < 0.5 * history.train_loss[0]
        losses.append(history.train_loss)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-10)


def test_train_accepts_an_optimizer_object_and_rejects_others():
    from cdnotes.mlp import MLP
    from cdnotes.train import train

    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((40, 3)), rng.integers(0, 2, 40)
    model = MLP([Dense(3, 2, seed=0)])
    opt = Adam(0.01)
    train(model, X, y, config=TrainConfig(epochs=2, batch_size=10), optimizer=opt)
    assert opt.t == 8
    with pytest.raises(TypeError, match="step"):
        train(model, X, y, optimizer="adam")


def test_loop_runs_a_last_partial_batch_on_array_api_strict():
    """50 samples in batches of 16: the last batch has 2 (strict arrays refuse overrun slices)."""
    xp = pytest.importorskip("array_api_strict")
    from cdnotes.mlp import MLP
    from cdnotes.train import train

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 3)), rng.integers(0, 2, 50)
    losses = []
    for x_ns in (None, xp):
        Xb, yb = (X, y) if x_ns is None else (xp.asarray(X), xp.asarray(y))
        model = MLP([Dense(3, 2, seed=0, xp=x_ns)])
        losses.append(train(model, Xb, yb, config=TrainConfig(epochs=2, batch_size=16)).train_loss)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-12)
