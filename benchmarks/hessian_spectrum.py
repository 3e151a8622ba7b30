"""Closed-form CDLinear Hessian spectrum against the explicit Hessian + eigvalsh.

Default size (issue 3): n_in = n_out = 256, B = 16, N = 1000, so P = 4096. Prints
both times, measured in the same run, their ratio, and the largest eigenvalue
difference. Usage: python benchmarks/hessian_spectrum.py [--n 256] [--block-size 16] [--samples 1000]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from cdnotes.benchmarking import best_time
from cdnotes.hessian import cdlinear_hessian, cdlinear_spectrum


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=256, help="n_in = n_out")
    parser.add_argument("--block-size", type=int, default=16)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    X = np.random.default_rng(args.seed).standard_normal((args.samples, args.n))
    n, B = args.n, args.block_size

    t_build, H = best_time(lambda: cdlinear_hessian(X, n, B), 1)
    t_eig, explicit = best_time(lambda: np.linalg.eigvalsh(H), 1)
    t_closed, closed = best_time(lambda: cdlinear_spectrum(X, n, B), 20)
    err = np.abs(explicit - closed).max() / explicit.max()
    print(f"n_in = n_out = {n}, B = {B}, N = {args.samples}, P = {H.shape[0]}, seed {args.seed}")
    print(f"explicit: build {t_build:.3f} s + eigvalsh {t_eig:.3f} s = {t_build + t_eig:.3f} s")
    print(f"closed form (best of 20): {t_closed * 1e3:.3f} ms")
    print(f"speed ratio explicit / closed form: {(t_build + t_eig) / t_closed:.0f}x")
    print(f"max |eigenvalue difference| / lambda_max: {err:.2e}")


if __name__ == "__main__":
    main()
