"""Seconds per training epoch on digits: the CD models against the dense MLP, in one run.

One epoch = forward, backward and SGD update over the 1,437 training digits in mini-batches
of 64, no evaluation. The models train one epoch at a time, in turns
(``cdnotes.benchmarking.digits_epoch_seconds``, the function the Performance chapter uses).
Usage: python benchmarks/digits_epoch.py [--epochs 10] [--repeats 3] [--method auto] [--threads 1]
"""
from __future__ import annotations

import argparse

from cdnotes.benchmarking import digits_epoch_seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10, help="timed epochs per repeat")
    parser.add_argument("--repeats", type=int, default=3, help="fresh models per repeat")
    parser.add_argument("--method", default="auto", choices=["auto", "fft", "dense"])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads; 0: the library default")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = digits_epoch_seconds(epochs=args.epochs, repeats=args.repeats, seed=args.seed,
                               method=args.method, threads=args.threads or None)
    print(f"median per epoch over {args.repeats} x {args.epochs} epochs (one warm-up epoch per "
          f"repeat untimed); CD path: {args.method}; BLAS threads: {args.threads or 'default'}")
    for clock, label in (("cpu", "processor time"), ("wall", "wall clock")):
        res = out[clock]
        print(label)
        for m in out["models"]:
            q25, q75 = res["quartiles"][m]
            by_repeat = [r[m] for r in res["ratio_by_repeat"]]
            print(f"  {m:6s} {res['median'][m] * 1e3:7.2f} ms (quartiles {q25 * 1e3:.2f}-{q75 * 1e3:.2f})"
                  f"  ratio to dense {res['ratio'][m]:5.2f} "
                  f"(per repeat {min(by_repeat):.2f}-{max(by_repeat):.2f})")

if __name__ == "__main__":
    main()
