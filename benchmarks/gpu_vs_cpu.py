"""One CDLinear layer (forward + both backward passes) on CuPy against NumPy, in one run.

Default: width 4096, B = 64, batch 4096, float32 (issue 5's goal: the GPU at least 10x
faster than NumPy), plus a dense layer on both for reference. Writes JSON with the
device, library versions and date when --json is given. Needs a CUDA GPU and CuPy.

    python benchmarks/gpu_vs_cpu.py --json cdnotes/measurements/gpu_vs_cpu_h100.json

(the file the Performance chapter reads through cdnotes.measurements.load_measurement).
"""
from __future__ import annotations

import argparse

import numpy as np

import cdnotes
from cdnotes.backend import import_namespace
from cdnotes.results import environment_info, write_json_atomic

from cdnotes.benchmarking import peak_step_bytes, step_seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[1024, 4096])
    parser.add_argument("--block-sizes", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    import cupy

    rng = np.random.default_rng(0)
    rows = []
    print(f"{args.dtype}, batch {args.batch}; best of {args.repeats}; ratio = NumPy time / CuPy time")
    print(f"{'width':>6} {'layer':>10} {'numpy ms':>10} {'cupy ms':>9} {'ratio':>7} {'GPU MB':>8}")
    for n in args.widths:
        Xh = rng.standard_normal((args.batch, n)).astype(args.dtype)
        dYh = rng.standard_normal((args.batch, n)).astype(args.dtype)
        for B in [None] + [b for b in args.block_sizes if n % b == 0]:
            times, mem = {}, None
            for backend in ("numpy", "cupy"):
                xp = import_namespace(backend)
                X, dY = xp.asarray(Xh), xp.asarray(dYh)
                layer = (cdnotes.Dense(n, n, seed=0, dtype=args.dtype, xp=backend) if B is None else
                         cdnotes.CDLinear(n, n, B, seed=0, dtype=args.dtype, xp=backend, method="fft"))
                times[backend] = step_seconds(layer, xp, X, dY, args.repeats, backend)
                if backend == "cupy":
                    mem = peak_step_bytes(layer, xp, X, dY, backend)
            name = "dense" if B is None else f"CD B={B}"
            print(f"{n:>6} {name:>10} {times['numpy'] * 1e3:>10.2f} {times['cupy'] * 1e3:>9.3f} "
                  f"{times['numpy'] / times['cupy']:>7.1f} {mem / 2**20:>8.1f}")
            rows.append({"width": n, "block_size": B, "numpy_s": times["numpy"], "cupy_s": times["cupy"],
                         "ratio": times["numpy"] / times["cupy"], "cupy_peak_bytes": mem})
    if args.json:
        env = environment_info("cupy")
        props = cupy.cuda.runtime.getDeviceProperties(0)
        env["device"] = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        import os
        env["cpu_count"] = os.cpu_count()
        write_json_atomic(args.json, {"benchmark": "gpu_vs_cpu", "config": vars(args), "environment": env,
                                      "rows": rows})


if __name__ == "__main__":
    main()
