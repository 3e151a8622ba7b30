"""CDLinear's three paths ("fft", "rdft", "dense") against a Dense layer, and how "auto" chose.

For each layer (n_in = n_out = width) and block size, times one forward + backward pass
of each path and of a Dense layer in turns (best of --repeats, one BLAS thread unless
--threads 0), prints the ratios to the Dense layer, the path that ``method="auto"`` picks
(the cost model of ``cdnotes.operators.pathcost`` with the active constants) and its
*regret*: the chosen path's time over the fastest path's (1.00 = it chose the fastest).
``--calibrate`` first re-measures the constants on this machine and saves them to the
cache file that ``method="auto"`` reads. Usage:

    python benchmarks/cdlinear_paths.py [--widths 64 128 256 512 1024] [--batch 64] [--calibrate]
"""
from __future__ import annotations

import argparse

import numpy as np

from cdnotes.benchmarking import auto_rule_check, calibrate_auto
from cdnotes.operators.pathcost import active_costs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[64, 128, 256, 512, 1024])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads; 0: the library default")
    parser.add_argument("--calibrate", action="store_true", help="re-measure the cost model's constants")
    args = parser.parse_args(argv)
    threads = args.threads or None
    if args.calibrate:
        _, path = calibrate_auto(threads=threads)
        print(f"calibrated; wrote {path}")
    print("cost model constants:", active_costs())
    rows = auto_rule_check([(n, n) for n in args.widths], [1, 2, 4, 8, 16, 32, 64, 128, 256],
                           batch=args.batch, dtype=args.dtype, repeats=args.repeats, threads=threads)
    print(f"batch {args.batch}, {args.dtype}; best of {args.repeats}; ratios are path time / Dense time")
    print(f"{'width':>6} {'B':>5} {'dense us':>9} {'fft/Dense':>10} {'rdft/Dense':>11} "
          f"{'mat/Dense':>10} {'auto':>6} {'regret':>7}")
    for r in rows:
        print(f"{r['n_in']:>6} {r['block_size']:>5} {r['dense_s'] * 1e6:>9.1f} "
              f"{r['fft_s'] / r['dense_s']:>10.2f} {r['rdft_s'] / r['dense_s']:>11.2f} "
              f"{r['materialised_s'] / r['dense_s']:>10.2f} {r['auto']:>6} {r['regret']:>7.2f}")
    regret = np.array([r["regret"] for r in rows])
    print(f"auto chose the fastest path in {np.sum(regret == 1)} of {regret.size} layers; "
          f"worst regret {regret.max():.2f}")


if __name__ == "__main__":
    main()
