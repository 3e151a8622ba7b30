"""CDLinear forward + both backward passes against a dense layer of the same shape.

For each width (n_in = n_out) and block size, times one forward and one backward pass
(the layers' kernels, input checks off) of: a dense layer, CDLinear's FFT path and its
materialised path, all measured in the same run; prints time ratios, the crossover
block size above which the FFT path beats dense, and the peak memory of one training
step (forward, backward, SGD update) per path. Works on NumPy and CuPy (GPU times are
taken between device synchronisations).

    python benchmarks/cdlinear_speed.py                          # float32, batch 256, CPU
    python benchmarks/cdlinear_speed.py --backend cupy --batch 4096 --json results.json
"""
from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

import cdnotes
from cdnotes.backend import import_namespace
from cdnotes.results import environment_info, write_json_atomic
from cdnotes.train import SGD


def _sync(backend):
    if backend == "cupy":
        import cupy
        cupy.cuda.Device().synchronize()


def step_seconds(layer, xp, X, dY, repeats, backend):
    """Best-of-``repeats`` time of ``forward_2d`` + ``backward_2d``."""
    layer.forward_2d(xp, X)
    layer.backward_2d(xp, dY)
    best = np.inf
    for _ in range(repeats):
        _sync(backend)
        t0 = time.perf_counter()
        layer.forward_2d(xp, X)
        layer.backward_2d(xp, dY)
        _sync(backend)
        best = min(best, time.perf_counter() - t0)
    return best


def peak_step_bytes(layer, xp, X, dY, backend):
    """Peak extra memory of one forward + backward + SGD step (tracemalloc / CuPy pool)."""
    opt = SGD(0.01, 0.9)
    if backend == "cupy":
        import cupy
        pool = cupy.get_default_memory_pool()
        pool.free_all_blocks()
        _sync(backend)
        before = pool.used_bytes()
        layer.forward_2d(xp, X)
        layer.backward_2d(xp, dY)
        opt.step([layer])
        _sync(backend)
        return pool.total_bytes() - before
    tracemalloc.start()
    tracemalloc.reset_peak()
    layer.forward_2d(xp, X)
    layer.backward_2d(xp, dY)
    opt.step([layer])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096])
    parser.add_argument("--block-sizes", type=int, nargs="+", default=[4, 8, 16, 32, 64, 128])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--backend", default="numpy", choices=["numpy", "cupy"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-materialised", action="store_true", help="skip the materialised path")
    parser.add_argument("--json", help="also write the measurements to this JSON file")
    args = parser.parse_args(argv)

    xp = import_namespace(args.backend)
    rng = np.random.default_rng(0)
    rows = []
    print(f"backend {args.backend}, {args.dtype}, batch {args.batch}; best of {args.repeats}; "
          "speed-up = dense time / path time")
    print(f"{'width':>6} {'B':>5} {'dense ms':>9} {'fft ms':>9} {'fft x':>7} {'mat ms':>9} {'mat x':>7}"
          f" {'MB dense':>9} {'MB fft':>8} {'MB mat':>8}")
    for n in args.widths:
        X = xp.asarray(rng.standard_normal((args.batch, n)), dtype=getattr(xp, args.dtype))
        dY = xp.asarray(rng.standard_normal((args.batch, n)), dtype=getattr(xp, args.dtype))
        dense = cdnotes.Dense(n, n, seed=0, dtype=args.dtype, xp=args.backend)
        t_dense = step_seconds(dense, xp, X, dY, args.repeats, args.backend)
        m_dense = peak_step_bytes(dense, xp, X, dY, args.backend)
        crossover = None
        for B in [b for b in args.block_sizes if n % b == 0]:
            row = {"width": n, "block_size": B, "dense_s": t_dense, "dense_peak_bytes": m_dense}
            for method in ("fft",) + (() if args.no_materialised else ("dense",)):
                layer = cdnotes.CDLinear(n, n, B, seed=0, dtype=args.dtype, xp=args.backend, method=method)
                key = "fft" if method == "fft" else "materialised"
                row[f"{key}_s"] = step_seconds(layer, xp, X, dY, args.repeats, args.backend)
                row[f"{key}_peak_bytes"] = peak_step_bytes(layer, xp, X, dY, args.backend)
            if crossover is None and row["fft_s"] < t_dense:
                crossover = B
            row["fft_speedup"] = t_dense / row["fft_s"]
            mat = row.get("materialised_s")
            print(f"{n:>6} {B:>5} {t_dense * 1e3:>9.3f} {row['fft_s'] * 1e3:>9.3f} {row['fft_speedup']:>7.2f} "
                  + (f"{mat * 1e3:>9.3f} {t_dense / mat:>7.2f} " if mat else f"{'-':>9} {'-':>7} ")
                  + f"{m_dense / 2**20:>9.1f} {row['fft_peak_bytes'] / 2**20:>8.1f} "
                  + (f"{row['materialised_peak_bytes'] / 2**20:>8.1f}" if mat else f"{'-':>8}"))
            rows.append(row)
        print(f"{'':>6} crossover: FFT path faster than dense from B = {crossover} on"
              if crossover else f"{'':>6} FFT path never faster than dense at width {n}")
    if args.json:
        env = environment_info(args.backend)
        if args.backend == "cupy":
            import cupy
            props = cupy.cuda.runtime.getDeviceProperties(0)
            env["device"] = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        write_json_atomic(args.json, {"benchmark": "cdlinear_speed", "config": vars(args),
                                      "environment": env, "rows": rows})


if __name__ == "__main__":
    main()
