"""Shared fixtures: the array backends every numerical test runs on, and hypothesis settings;
the pytest-xdist set-up of ``make test`` (workers, BLAS threads per worker, test groups)."""
import math
import os
import sys


def available_cpus() -> int:
    """CPUs this process may use: its affinity mask, capped by a cgroup v2 CPU quota
    (``/sys/fs/cgroup/cpu.max``, as ``docker --cpus`` sets it); at least 1."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, count)


def _share_the_cores_between_workers():
    """Under pytest-xdist, give each worker ``cpus // workers`` BLAS/OpenMP threads (at
    least 1), so ``-n auto`` does not run workers x cores threads on the cores (threads of
    small products on a busy core run slower than one). Set before NumPy loads, in the
    environment the notebooks' kernels and the CLI subprocesses inherit; a variable the user
    set is kept. Each worker also gets its own IPython directory: kernels of two workers
    running at once would otherwise share one history database."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if not workers:
        return
    threads = str(max(1, available_cpus() // int(workers)))
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, threads)
    if "numpy" in sys.modules:             # a plugin loaded it first: limit the loaded pools
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=int(os.environ["OPENBLAS_NUM_THREADS"]))
    if "IPYTHONDIR" not in os.environ:
        import atexit
        import shutil
        import tempfile
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw")
        os.environ["IPYTHONDIR"] = tempfile.mkdtemp(prefix=f"cdnotes-ipython-{worker}-")
        atexit.register(shutil.rmtree, os.environ["IPYTHONDIR"], ignore_errors=True)


_share_the_cores_between_workers()

import numpy as np  # noqa: E402  (after the thread variables are set)
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

import cdnotes  # noqa: E402
from cdnotes.backend import import_namespace, to_numpy  # noqa: E402

# The tests (and the notebooks they execute, which inherit the environment) use the default
# path-cost constants of method="auto", not a calibration file a developer may have written.
os.environ.setdefault("CDNOTES_PATH_COSTS", "default")

settings.register_profile("default", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("thorough", max_examples=400, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """``-n auto`` and ``-n logical``: one worker per CPU this process may use (xdist's own
    count reads the machine's cores, ignoring a container's CPU set or quota)."""
    return available_cpus()


# Tests that read the built book run on the one worker that built it: a second worker would
# build the whole book again for its share of them. (xdist's own `xdist_group` mark is not used:
# with pytest 9.2 and xdist 3.8 it silently stops grouping, pytest-xdist issue #1386.)
BOOK_BUILD_GROUP = "book-build"
BOOK_BUILD_FIXTURE = "built_book"


def tests_taking(fixture: str, folder: str = os.path.dirname(os.path.abspath(__file__))) -> set:
    """``{(file name, function name)}`` of the test functions under ``folder`` that take
    ``fixture`` as an argument (read from the source, as xdist's controller collects nothing)."""
    import ast
    found = set()
    for name in sorted(os.listdir(folder)):
        if name.startswith("test_") and name.endswith(".py"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                tree = ast.parse(f.read())
            found |= {(name, node.name) for node in ast.walk(tree)
                      if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.name.startswith("test")
                      and fixture in [a.arg for a in node.args.args + node.args.kwonlyargs]}
    return found


def xdist_scope(nodeid: str, book_tests: set) -> str:
    """The work unit of a test id under ``--dist loadgroup``: ``BOOK_BUILD_GROUP`` for a test
    in ``book_tests`` (:func:`tests_taking`), else the test alone."""
    path, _, rest = nodeid.partition("::")
    function = rest.split("::")[-1].split("[")[0]
    return BOOK_BUILD_GROUP if (os.path.basename(path), function) in book_tests else nodeid


def pytest_collection_modifyitems(config, items):
    """In an xdist worker: the long tests (marked ``book`` or ``slow``) first, so they start
    early and the short ones fill in at the end (every worker sorts alike; the scheduler hands
    out tests in this order after the book's group)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: not (item.get_closest_marker("book")
                                         or item.get_closest_marker("slow")))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` (the default, pyproject.toml): xdist's loadgroup scheduling, with
    every test of the built book in one group. Groups go out largest first, so the book's
    starts at once on one worker while the others run the chapters and the rest."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    book_tests = tests_taking(BOOK_BUILD_FIXTURE)

    class BookGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid):
            scope = xdist_scope(nodeid, book_tests)
            return scope if scope == BOOK_BUILD_GROUP else super()._split_scope(nodeid)

    return BookGroupScheduling(config, log)


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
    already satisfies ``[build-system] requires``. Under pytest-xdist the workers of one run
    share one build (the first builds it, under a file lock, in the run's temporary folder).
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return _build_wheel(tmp_path_factory.mktemp("wheel"))
    try:
        import fcntl
    except ImportError:                 # no flock (Windows): a build per worker
        return _build_wheel(tmp_path_factory.mktemp("wheel"))
    shared = tmp_path_factory.getbasetemp().parent / "cdnotes-wheel"   # this run's, all workers
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = sorted((shared / "dist").glob("cdnotes-*.whl"))
        return built[0] if built else _build_wheel(shared)


def _build_wheel(tmp):
    """Build the wheel from a clean copy of the repository under ``tmp``; its path."""
    import shutil
    import subprocess
    import sys

    from packaging.version import Version
    try:
        import setuptools
        local = Version(setuptools.__version__) >= Version("77")
    except ImportError:                 # Python >= 3.12 venvs come without setuptools
        local = False

    src, out = tmp / "src", tmp / "dist"
    shutil.copytree(REPO_ROOT, src, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    isolation = ["--no-build-isolation"] if local else []
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *isolation,
                           str(src), "-w", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = out.glob("cdnotes-*.whl")
    return wheel
