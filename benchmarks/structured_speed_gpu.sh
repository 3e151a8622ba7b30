#!/usr/bin/env bash
# Structured layers against Dense on a CUDA GPU (CuPy): benchmarks/structured_speed.py --backend cupy.
#
#   bash benchmarks/structured_speed_gpu.sh OUT.json [more arguments of structured_speed.py]
#
# Run from the repository root on the lent GPU machine, e.g. with the device tool:
#   run(command="bash benchmarks/structured_speed_gpu.sh $OUT/structured_speed_gpu.json",
#       carry=[".whl"], timeout_s=300)
# then copy the JSON to cdnotes/measurements/structured_speed_cupy_h100.json (or _h200 after
# the device the JSON names). The machine's image has CuPy, NumPy, SciPy, threadpoolctl and tqdm
# but no array-api-compat: this script installs it from .whl/ (a carried folder of wheels) when
# it is missing. Default measurement: widths 256 ... 8192, batch 256, float32 (the CPU table's
# configuration), best of 10 interleaved rounds with device synchronisation around each call;
# a small warm-up sweep first, so CuPy's kernel compilation is not timed.
set -euo pipefail
out="${1:?usage: bash benchmarks/structured_speed_gpu.sh OUT.json [arguments of structured_speed.py]}"
shift
PY="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1
if ! "$PY" -c "import array_api_compat" 2>/dev/null; then
    wheels=(.whl/array_api_compat-*.whl)
    if [ ! -e "${wheels[0]}" ]; then
        echo "array_api_compat is not installed and .whl/array_api_compat-*.whl is missing:" \
             "carry a folder .whl with that wheel (see the device tool's README)" >&2
        exit 3
    fi
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site \
        "${wheels[@]}"
    export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
"$PY" - <<'PY'
import cupy
count = cupy.cuda.runtime.getDeviceCount()
props = cupy.cuda.runtime.getDeviceProperties(0)
print(f"CuPy {cupy.__version__}, {count} device(s): {props['name']}")
PY
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
# warm-up: compile CuPy's kernels and FFT plans at small widths (not recorded)
"$PY" benchmarks/structured_speed.py --backend cupy --widths 256 --width 256 --repeats 1 >/dev/null
"$PY" benchmarks/structured_speed.py --backend cupy --repeats 10 --json "$out" "$@"
