"""Forward + backward time of CDLinear's two paths ("fft", "dense") against a Dense layer.

Prints, for each width and block size, the time of one forward+backward step of
each path divided by the Dense layer's time measured in the same run (so the
ratios are comparable even on a noisy shared machine), and which path
``method="auto"`` picks. Usage:

    python benchmarks/cdlinear_paths.py [--widths 64 256 1024] [--batch 64] [--dtype float64]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import cdnotes
from cdnotes.operators.bcmatmul import resolve_method


def step_time(layer, X, dY, repeats: int) -> float:
    """Best-of-``repeats`` seconds for one forward + backward."""
    layer.forward(X)
    layer.backward(dY)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        layer.forward(X)
        layer.backward(dY)
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    print(f"batch {args.batch}, {args.dtype}; times are best of {args.repeats}, "
          "ratios are path time / Dense time (below 1 = faster than Dense)")
    print(f"{'width':>6} {'B':>5} {'dense us':>9} {'fft/Dense':>10} {'mat/Dense':>10} {'auto':>6}")
    for n in args.widths:
        X = rng.standard_normal((args.batch, n)).astype(args.dtype)
        dY = rng.standard_normal((args.batch, n)).astype(args.dtype)
        t_dense = step_time(cdnotes.Dense(n, n, seed=0, dtype=args.dtype), X, dY, args.repeats)
        for B in [b for b in (2, 4, 8, 16, 32, 64, 128) if n % b == 0 and b <= n]:
            t = {m: step_time(cdnotes.CDLinear(n, n, B, seed=0, dtype=args.dtype, method=m),
                              X, dY, args.repeats) for m in ("fft", "dense")}
            print(f"{n:>6} {B:>5} {t_dense * 1e6:>9.1f} {t['fft'] / t_dense:>10.2f} "
                  f"{t['dense'] / t_dense:>10.2f} {resolve_method('auto', B, n, n):>6}")


if __name__ == "__main__":
    main()
