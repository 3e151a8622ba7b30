"""Seconds per training epoch on digits: each CD-MLP against the dense MLP, in one run.

Trains every paper model for a few epochs (same data, same seed) and prints the median
epoch time of each and its ratio to the dense model's. Goal (issue 4): CD <= 1.5x dense.
Usage: python benchmarks/digits_epoch.py [--epochs 15] [--repeats 3]
"""
from __future__ import annotations

import argparse

import numpy as np

from cdnotes.data import digits_split
from cdnotes.mlp import paper_model
from cdnotes.train import TrainConfig, train


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats per model")
    parser.add_argument("--method", default="auto", choices=["auto", "fft", "dense"])
    args = parser.parse_args(argv)
    X_train, X_test, y_train, y_test = digits_split(0)
    config = TrainConfig(epochs=args.epochs)
    times = {name: [] for name in ("dense", "cd4", "cd8")}
    for _ in range(args.repeats):                    # interleave models so drift hits all alike
        for name in times:
            model = paper_model(name, seed=0, method=args.method)
            times[name] += train(model, X_train, y_train, config=config, seed=0).epoch_seconds[1:]
    dense = np.median(times["dense"])
    print(f"median seconds per epoch over {args.repeats} x {args.epochs - 1} epochs (first dropped); "
          f"CD path: {args.method}")
    for name, t in times.items():
        print(f"{name:6s} {np.median(t) * 1e3:7.2f} ms   ratio to dense {np.median(t) / dense:5.2f}")


if __name__ == "__main__":
    main()
