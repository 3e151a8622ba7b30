"""SpectralLinear forward + backward against a Dense layer of the same shape (goal: <= ~1.5x).

For each shape ``(n_in, n_out)`` and each trained group set (eigenvalues; eigenvalues and
eigenvectors), times one ``forward_2d`` + ``backward_2d`` of the spectral layer, of a
dense layer and of the constrained direct-space baseline (:class:`cdnotes.layers.MaskedDense`)
in turns (``cdnotes.benchmarking.interleaved_seconds``, one BLAS thread unless --threads 0),
best round of each, and prints the time ratios measured in this one run.

    python benchmarks/spectral_layer.py                              # float64, batch 300
    python benchmarks/spectral_layer.py --shapes 784x10 784x1000 1000x10 --batch 300
"""
from __future__ import annotations

import argparse

import numpy as np

from cdnotes.backend import import_namespace
from cdnotes.benchmarking import blas_threads, interleaved_seconds
from cdnotes.layers import Dense, MaskedDense
from cdnotes.spectral import SpectralLinear


def _step(layer, xp, X, dY):
    def step():
        layer.forward_2d(xp, X)
        layer.backward_2d(xp, dY)
    return step


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shapes", nargs="+", default=["64x10", "64x1000", "1000x10",
                                                        "784x10", "784x1000", "1000x1000"],
                        help="n_in x n_out")
    parser.add_argument("--batch", type=int, default=300)
    parser.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads; 0: as is")
    args = parser.parse_args(argv)
    xp = import_namespace("numpy")
    rng = np.random.default_rng(0)
    print(f"numpy {args.dtype}, batch {args.batch}, best of {args.repeats} rounds in turns; "
          "ratio = layer time / dense time (forward_2d + backward_2d)")
    print(f"{'shape':>10} {'dense ms':>9} {'Λ ms':>8} {'Λ x':>6} {'Λ,Φ ms':>8} {'Λ,Φ x':>6} "
          f"{'masked ms':>10} {'masked x':>8}")
    worst = 0.0
    with blas_threads(args.threads or None):
        for shape in args.shapes:
            n_in, n_out = (int(s) for s in shape.lower().split("x"))
            X = rng.standard_normal((args.batch, n_in)).astype(args.dtype)
            dY = rng.standard_normal((args.batch, n_out)).astype(args.dtype)
            layers = {
                "dense": Dense(n_in, n_out, seed=0, dtype=args.dtype),
                "L": SpectralLinear(n_in, n_out, seed=0, dtype=args.dtype),
                "LP": SpectralLinear(n_in, n_out, train=("eigenvalues", "eigenvectors"), seed=0,
                                     dtype=args.dtype),
                "masked": MaskedDense(n_in, n_out, n_in + n_out, seed=0, dtype=args.dtype),
            }
            times = interleaved_seconds({k: _step(v, xp, X, dY) for k, v in layers.items()},
                                        repeats=args.repeats, warmup=2)
            best = {k: min(v) for k, v in times.items()}
            ratio = {k: best[k] / best["dense"] for k in best}
            worst = max(worst, ratio["L"], ratio["LP"])
            print(f"{shape:>10} {best['dense'] * 1e3:>9.3f} {best['L'] * 1e3:>8.3f} "
                  f"{ratio['L']:>6.2f} {best['LP'] * 1e3:>8.3f} {ratio['LP']:>6.2f} "
                  f"{best['masked'] * 1e3:>10.3f} {ratio['masked']:>8.2f}")
    print(f"largest spectral/dense ratio: {worst:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main()
