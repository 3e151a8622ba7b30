"""Which of CDLinear's three paths is cheapest: a cost model with re-measurable constants.

``method="auto"`` (:func:`cdnotes.operators.resolve_method`) predicts the seconds of one
forward + backward pass of each path for a layer ``n_in -> n_out`` with block size ``B`` and
a mini-batch of ``N`` rows, and takes the cheaper one. With ``Ki = n_in/B``, ``Ko = n_out/B``
and ``F = B//2 + 1`` frequencies:

    materialised:  overhead_dense + 6·N·n_in·n_out / gemm_flops + gather·n_in·n_out
    FFT:           overhead_fft + fft_point·S + 24·F·N·Ki·Ko / complex_flops
    real DFT:      overhead_fft + S·(2·B / gemm_flops + gather) + 6·P·N·Ki·Ko / gemm_flops

* ``6·N·n_in·n_out``: the three real matrix products of the forward and backward pass;
  ``gather·n_in·n_out``: building ``W`` from ``C`` and projecting ``∂L/∂W`` back onto ``C``.
* ``S = 2·N·(n_in + n_out) + 2·n_in·n_out/B``: the real samples transformed (inputs, outputs,
  their gradients, ``C`` and ``∂L/∂C``). A length-``B`` transform costs ``O(B log B)``
  flops, but for the short transforms here (``B <= 256``) the per-transform and memory costs
  dominate, and a constant cost per sample predicted the measured times better than one
  growing like ``log B`` (``benchmarks/cdlinear_paths.py`` checks the rule);
  ``24·F·N·Ki·Ko``: the three batched complex products, 8 real flops per multiply-add.
* real DFT (``"rdft"``, :mod:`cdnotes.operators.rdft`): every real sample is transformed by
  a ``(B, B)`` GEMM (``2·B`` flops) and packed (one memory pass, priced like a gather);
  ``P = nr + 4·nc`` real products per block pair (``nc = (B-1)//2`` complex bins, ``nr``
  real-only ones), three times. Fitted on 41 layers (widths 64–2048, ``B`` = 2–128, float64
  batch 64 and float32 batch 256, one thread): the three-way choice with these terms cost
  1.4% more time than always taking the measured fastest path (mean regret 1.014).
* ``overhead_*``: the fixed cost of a pass (Python and NumPy calls), which decides tiny layers.

Each constant is one measured number (:func:`cdnotes.benchmarking.calibrate_auto` measures
all six in about a second and writes them to :func:`calibration_file`). The defaults
(:data:`DEFAULT_COSTS`) were measured that way on the 2-core CPU that builds the book, one
BLAS thread, float64; the same constants are used for float32 layers.

Which constants ``resolve_method`` uses (:func:`active_costs`) is set by the environment
variable ``CDNOTES_PATH_COSTS``:

* unset or empty: the calibration file if there is one (an invalid file is ignored with a
  warning), else the defaults;
* ``default``: the defaults, whatever the cache holds (the test suite's setting);
* anything else: the path of a calibration file, which must be valid (else ``ValueError``).

The choice is deterministic given the constants: no timing happens when a layer is built.
"""
from __future__ import annotations

import math
import os
import warnings
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ..cache import CACHE_DIR_ENV, cache_dir

__all__ = ["PathCosts", "DEFAULT_COSTS", "PATH_COSTS_ENV", "CACHE_DIR_ENV", "FORMAT",
           "path_seconds", "cheaper_path", "calibration_file", "costs_from_json",
           "read_costs", "active_costs"]

PATH_COSTS_ENV = "CDNOTES_PATH_COSTS"
FORMAT = "cdnotes-path-costs/1"


@dataclass(frozen=True)
class PathCosts:
    """The six constants of the cost model (seconds, or flops per second); all finite and > 0.

    Attributes
    ----------
    overhead_dense_s : float
        Seconds of one forward + backward pass of a tiny materialised layer.
    overhead_fft_s : float
        The same on the FFT path.
    gemm_flops : float
        Real matrix products, flops per second.
    complex_flops : float
        Batched complex matrix products, real flops per second.
    gather_s : float
        Building ``W`` and projecting ``dW``, seconds per entry of ``W``.
    fft_point_s : float
        Seconds per transformed real sample (forward or inverse).
    """

    overhead_dense_s: float        # one forward + backward of a tiny materialised layer
    overhead_fft_s: float          # the same on the FFT path
    gemm_flops: float              # real matrix products, flops per second
    complex_flops: float           # batched complex matrix products, real flops per second
    gather_s: float                # building W and projecting dW, seconds per entry of W
    fft_point_s: float             # seconds per transformed real sample (forward or inverse)

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{f.name} must be a number; got {value!r}")
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{f.name} must be finite and > 0; got {value!r}")

    def as_dict(self) -> dict:
        return asdict(self)


#: Measured with ``calibrate_auto()`` on the book's build machine (2 cores, Skylake-X,
#: OpenBLAS 0.3.31 on one thread; float64), rounded: the medians of three calibrations,
#: which agreed within 10%.
DEFAULT_COSTS = PathCosts(overhead_dense_s=3.1e-5, overhead_fft_s=7.1e-5, gemm_flops=4.2e10,
                          complex_flops=4.3e10, gather_s=1.4e-9, fft_point_s=3.8e-9)


def path_seconds(n_in: int, n_out: int, block_size: int, batch: int = 64,
                 costs: PathCosts = DEFAULT_COSTS) -> dict:
    """Predicted seconds of one forward + backward pass of each path.

    ``"dense"`` is the materialised path. Sizes are not checked (``block_size`` must
    divide ``n_in`` and ``n_out``).

    Parameters
    ----------
    n_in, n_out : int
    block_size : int
        ``B``.
    batch : int, default 64
        Rows ``N`` of the mini-batch.
    costs : PathCosts, default DEFAULT_COSTS

    Returns
    -------
    dict
        ``{"dense": seconds, "fft": seconds, "rdft": seconds}`` (floats).
    """
    B, N = block_size, batch
    Ki, Ko, F = n_in // B, n_out // B, B // 2 + 1
    points = 2 * N * (n_in + n_out) + 2 * n_in * n_out / B
    dense = (costs.overhead_dense_s + 6.0 * N * n_in * n_out / costs.gemm_flops
             + costs.gather_s * n_in * n_out)
    fft = (costs.overhead_fft_s + costs.fft_point_s * points
           + 24.0 * F * N * Ki * Ko / costs.complex_flops)
    nc = (B - 1) // 2
    products = (B - 2 * nc) + 4 * nc
    rdft = (costs.overhead_fft_s + points * (2.0 * B / costs.gemm_flops + costs.gather_s)
            + 6.0 * products * N * Ki * Ko / costs.gemm_flops)
    return {"dense": dense, "fft": fft, "rdft": rdft}


def cheaper_path(n_in: int, n_out: int, block_size: int, batch: int = 64,
                 costs: PathCosts = DEFAULT_COSTS) -> str:
    """The path the model predicts fastest: ``"dense"``, ``"fft"`` or ``"rdft"``.

    Ties go to the first of ``"dense"``, ``"fft"``, ``"rdft"`` (a path must be strictly
    faster to be chosen over an earlier one).

    Parameters
    ----------
    n_in, n_out, block_size, batch, costs
        As for :func:`path_seconds` (not checked).

    Returns
    -------
    str
        ``"dense"``, ``"fft"`` or ``"rdft"``.
    """
    t = path_seconds(n_in, n_out, block_size, batch, costs)
    return min(("dense", "fft", "rdft"), key=t.__getitem__)


def calibration_file() -> Path:
    """Where :func:`~cdnotes.benchmarking.calibrate_auto` writes by default.

    ``$CDNOTES_CACHE_DIR/path_costs.json``, else ``$XDG_CACHE_HOME/cdnotes/path_costs.json``,
    else ``~/.cache/cdnotes/path_costs.json``.

    Returns
    -------
    pathlib.Path
        The file need not exist.
    """
    return cache_dir() / "path_costs.json"


def costs_from_json(obj) -> PathCosts:
    """The :class:`PathCosts` of a parsed calibration file; ``ValueError`` if it is not one.

    Parameters
    ----------
    obj : object
        The parsed JSON: a dict with ``"format"`` equal to :data:`FORMAT` and ``"costs"``
        holding exactly the six fields of :class:`PathCosts`.

    Returns
    -------
    PathCosts
    """
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise ValueError(f"not a calibration file: expected a JSON object with "
                         f'"format": "{FORMAT}"')
    costs = obj.get("costs")
    names = {f.name for f in fields(PathCosts)}
    if not isinstance(costs, dict) or set(costs) != names:
        raise ValueError(f'"costs" must hold exactly the keys {sorted(names)}')
    return PathCosts(**costs)


def read_costs(path) -> PathCosts:
    """Read and validate a calibration file; ``ValueError`` if it is unreadable or invalid.

    Parameters
    ----------
    path : str or path-like
        A JSON file as written by :func:`cdnotes.benchmarking.calibrate_auto`.

    Returns
    -------
    PathCosts
    """
    import json

    try:
        with open(path) as fh:
            obj = json.load(fh)
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"cannot read calibration file {os.fspath(path)}: {err}") from None
    try:
        return costs_from_json(obj)
    except ValueError as err:
        raise ValueError(f"invalid calibration file {os.fspath(path)}: {err}") from None


_READ: dict = {}      # (path, mtime_ns, size) -> PathCosts or the error message


def _cached_read(path: Path):
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _READ:
        try:
            _READ[key] = read_costs(path)
        except ValueError as err:
            _READ[key] = str(err)
    return _READ[key]


def active_costs() -> PathCosts:
    """The constants ``method="auto"`` uses now (see the module docstring for the rules).

    Returns
    -------
    PathCosts
        From ``$CDNOTES_PATH_COSTS``, the calibration file, or :data:`DEFAULT_COSTS`.
    """
    setting = os.environ.get(PATH_COSTS_ENV, "").strip()
    if setting == "default":
        return DEFAULT_COSTS
    if setting:
        result = _cached_read(Path(setting)) if Path(setting).exists() else \
            f"calibration file {setting} ({PATH_COSTS_ENV}) does not exist"
        if isinstance(result, str):
            raise ValueError(result)
        return result
    path = calibration_file()
    if not path.exists():
        return DEFAULT_COSTS
    result = _cached_read(path)
    if isinstance(result, str):
        warnings.warn(f"{result}; using the default path costs (re-run "
                      "cdnotes.benchmarking.calibrate_auto() or delete the file)", UserWarning,
                      stacklevel=3)
        return DEFAULT_COSTS
    return result
