"""CuPy: the same code on the GPU, with no host round trips inside forward/backward/training steps.

Skipped where no GPU is usable (CI has none); run on a GPU machine to check the CuPy path.
"""
import numpy as np
import pytest

import cdnotes

cupy = pytest.importorskip("cupy")
if not cdnotes.available_backends()["cupy"]["usable"]:
    pytest.skip("no usable CUDA device", allow_module_level=True)
import cupyx  # noqa: E402

from cdnotes.backend import import_namespace  # noqa: E402
from cdnotes.train.losses import LOSS_KERNELS, softmax_cross_entropy  # noqa: E402
from cdnotes.mlp import paper_model  # noqa: E402
from cdnotes.train import SGD  # noqa: E402

xp = import_namespace("cupy")


@pytest.mark.parametrize("method", ["fft", "dense"])
def test_layer_step_never_synchronises(method):
    layer = cdnotes.CDLinear(1024, 512, 64, seed=0, xp="cupy", dtype="float32", method=method)
    X = cupy.random.standard_normal((256, 1024), dtype=cupy.float32)
    dY = cupy.random.standard_normal((256, 512), dtype=cupy.float32)
    layer.forward_2d(xp, X)                  # warm-up: cuFFT plans, kernels, index caches
    layer.backward_2d(xp, dY)
    with cupyx.allow_synchronize(False):     # raises cupyx.DeviceSynchronized on any device sync
        Y = layer.forward_2d(xp, X)
        dX = layer.backward_2d(xp, dY)
    assert isinstance(Y, cupy.ndarray) and isinstance(dX, cupy.ndarray)
    W = layer.to_dense()
    assert cupy.allclose(Y, X @ W.T + layer.b, rtol=1e-3, atol=1e-3)


def test_training_step_never_synchronises():
    model = paper_model("cd4", seed=0, xp="cupy")
    opt = SGD(0.1, 0.9)
    X = cupy.random.random((64, 64))
    y = cupy.asarray(np.random.default_rng(0).integers(0, 10, 64))
    # The loop's step: the unchecked kernels. (The public softmax_cross_entropy and
    # MLP.backward validate their input - finite values, labels in range - and reading
    # that verdict back is a synchronisation by design.)
    loss_kernel = LOSS_KERNELS["cross_entropy"]
    for _ in range(2):                       # warm-up, then a checked step
        with cupyx.allow_synchronize(_ == 0):
            loss, dlogits = loss_kernel(xp, model.forward_2d(xp, X), y)
            model.backward_2d(xp, dlogits)
            opt.step(model.linear_layers)
    assert float(loss) > 0
    reference, _ = softmax_cross_entropy(model.forward_2d(xp, X), y)   # the checked API
    assert float(reference) > 0


def test_results_match_numpy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 256))
    for method in ("fft", "dense"):
        cpu = cdnotes.CDLinear(256, 128, 16, seed=1, method=method)
        gpu = cdnotes.CDLinear(256, 128, 16, seed=1, method=method, xp="cupy")
        assert np.allclose(cupy.asnumpy(gpu.forward(cupy.asarray(X))), cpu.forward(X), atol=1e-10)
