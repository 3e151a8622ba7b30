"""spectral_precondition against the explicit damped solve with cdlinear_hessian.

Goal: >= 100x faster than the explicit solve at n_in = n_out = 512, B = 32,
N = 1024 (P = 8192). The explicit route forms H = cdlinear_hessian(X)/N (P x P, 512 MiB at
that size) and calls numpy.linalg.solve; the spectral route does one real FFT of X and G,
B/2 + 1 Gram matrices and as many Ki x Ki solves. Both are timed in the same run, on the
same number of BLAS threads (default 1), and their results compared.

Usage: python benchmarks/spectral_precondition.py [--n 512] [--block-size 32]
       [--samples 1024] [--damping 1e-3] [--threads 1]
"""
from __future__ import annotations

import argparse

import numpy as np

from cdnotes.benchmarking import best_time, blas_threads
from cdnotes.hessian import cdlinear_hessian
from cdnotes.preconditioning import spectral_precondition


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=512, help="n_in = n_out")
    parser.add_argument("--block-size", type=int, default=32)
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--damping", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    n, B, N = args.n, args.block_size, args.samples
    X = rng.standard_normal((N, n)) @ (np.eye(n) + 0.5 * np.eye(n, k=1))   # correlated inputs
    G = rng.standard_normal((n // B, n // B, B))
    P = G.size

    def explicit():
        H = cdlinear_hessian(X, n, B) / N
        H[np.diag_indices_from(H)] += args.damping
        return np.linalg.solve(H, G.ravel()).reshape(G.shape)

    with blas_threads(args.threads):
        t_explicit, reference = best_time(explicit, 1)
        t_spectral, D = best_time(lambda: spectral_precondition(X, G, args.damping), 20)
    err = np.abs(D - reference).max() / np.abs(reference).max()
    print(f"n_in = n_out = {n}, B = {B}, N = {N}, P = {P}, damping {args.damping}, "
          f"{args.threads} BLAS thread(s), seed {args.seed}")
    print(f"explicit (cdlinear_hessian + solve, one run): {t_explicit:.3f} s")
    print(f"spectral_precondition (best of 20): {t_spectral * 1e3:.3f} ms")
    print(f"speed ratio explicit / spectral: {t_explicit / t_spectral:.0f}x (goal >= 100x)")
    print(f"max |difference| / max |explicit|: {err:.2e}")


if __name__ == "__main__":
    main()
