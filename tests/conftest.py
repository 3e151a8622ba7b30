"""Shared fixtures: the array backends every numerical test runs on, and hypothesis settings."""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import cdnotes
from cdnotes.backend import import_namespace, to_numpy

# The tests (and the notebooks they execute, which inherit the environment) use the default
# path-cost constants of method="auto", not a calibration file a developer may have written.
os.environ.setdefault("CDNOTES_PATH_COSTS", "default")

settings.register_profile("default", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("thorough", max_examples=400, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

_report = cdnotes.available_backends()
BACKENDS = ["numpy", "array_api_strict"] + (["cupy"] if _report["cupy"]["usable"] else [])


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Name of an array backend; the test runs once per usable backend."""
    return request.param


@pytest.fixture
def xp(backend):
    """The array-API namespace of the backend."""
    return import_namespace(backend)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def asarray(xp, a, dtype="float64"):
    """Host numpy -> backend array of the given float dtype."""
    return xp.asarray(np.asarray(a), dtype=getattr(xp, dtype))


def host(a):
    return np.asarray(to_numpy(a))


def reference_block_circulant(C):
    """Slow, obvious W from scipy.linalg.circulant blocks (host numpy)."""
    import scipy.linalg

    C = np.asarray(C)
    return np.block([[scipy.linalg.circulant(C[i, j]) for j in range(C.shape[1])]
                     for i in range(C.shape[0])])


def reference_grad_C(G, B):
    """∂L/∂C from ∂L/∂W by explicit loops: sum G over the entries each C[i, j, m] fills."""
    n_out, n_in = G.shape
    Ko, Ki = n_out // B, n_in // B
    out = np.zeros((Ko, Ki, B))
    for i in range(Ko):
        for j in range(Ki):
            for k in range(B):
                for l in range(B):
                    out[i, j, (k - l) % B] += G[i * B + k, j * B + l]
    return out


REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_NOT_SOURCE = (".git", ".venv", "_build", "build", "dist", "*.egg-info", ".pytest_cache",
               ".hypothesis", "__pycache__", ".ipynb_checkpoints")


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory):
    """The wheel ``pip`` builds from a clean copy of the repository (what Colab's ``pip install`` gets).

    The copy keeps stale ``build/`` directories from leaking into the wheel. The build backend is
    installed in an isolated environment (needs the package index) unless the local setuptools
    already satisfies ``[build-system] requires``.
    """
    import shutil
    import subprocess
    import sys

    from packaging.version import Version
    import setuptools

    tmp = tmp_path_factory.mktemp("wheel")
    src, out = tmp / "src", tmp / "dist"
    shutil.copytree(REPO_ROOT, src, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    isolation = [] if Version(setuptools.__version__) < Version("77") else ["--no-build-isolation"]
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *isolation,
                           str(src), "-w", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = out.glob("cdnotes-*.whl")
    return wheel
