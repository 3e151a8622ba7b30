"""Whole-network curvature: products against the gradient, dense Hessians, eigensolvers.

Three measurements, each printed as ratios of times taken in this run (issue 9's goals):

1. one Hessian-vector product against one ``loss_and_gradient`` on all 1,437 training
   digits, for the three paper models (goal: <= 4x). Timed in turns, best of the rounds
   (``cdnotes.benchmarking.interleaved_seconds``), processor time on one BLAS thread;
2. the eigensolvers on random symmetric matrices of size ``--eig-sizes`` (and on the CD-B4
   Hessian): LAPACKE ``dsyevd_2stage`` (through the wheels' OpenBLAS; SciPy does not wrap
   it), ``scipy.linalg.eigh(driver="evd" / "evr")`` and ``numpy.linalg.eigvalsh``, on one
   BLAS thread and on ``--threads`` threads, wall clock;
3. ``network_hessian`` + ``eigenvalues_symmetric`` for the CD models (goal < 10 s) and, with
   ``--dense``, the dense model (8,970 parameters, a 640 MB matrix; goal < 120 s).

The machine's load average is printed before and after: the book's machine has 2 cores
shared with other processes. Usage:
python benchmarks/network_curvature.py [--dense] [--eig-sizes 2000 4000] [--threads 2] [--skip-eig]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

from cdnotes.benchmarking import blas_threads, interleaved_seconds
from cdnotes.curvature import (CurvatureProducts, eigenvalues_symmetric, hessian_vector_product,
                               loss_and_gradient, network_hessian, two_stage_available)
from cdnotes.data import digits_split
from cdnotes.mlp import paper_model

EIG_DRIVERS = ("2stage", "evd", "evr", "numpy")


def load():
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg()) + \
           f" (1/5/15 min) on {os.cpu_count()} cores"


def products(X, y, seed, repeats):
    print("\n1. One Hessian-vector product vs one loss_and_gradient, all "
          f"{X.shape[0]} training digits (processor time, one BLAS thread, best of {repeats})")
    rng = np.random.default_rng(seed)
    with blas_threads(1):
        for name in ("dense", "cd4", "cd8"):
            model = paper_model(name, seed=seed)
            v = rng.standard_normal(model.n_params)
            ops = CurvatureProducts(model, X, y)
            steps = {"gradient": lambda: loss_and_gradient(model, X, y),
                     "hvp": lambda: hessian_vector_product(model, X, y, v),
                     "hvp, primal pass reused": lambda: ops.hessian_product(v),
                     "gauss-newton, reused": lambda: ops.gauss_newton_product(v)}
            best = {k: min(t) for k, t in interleaved_seconds(steps, repeats=repeats,
                                                              min_seconds=2.0, clock="cpu").items()}
            g = best["gradient"]
            print(f"  {name:5s} P={model.n_params:5d}  gradient {g * 1e3:6.2f} ms  "
                  + "  ".join(f"{k} {t * 1e3:6.2f} ms ({t / g:.2f}x)"
                              for k, t in best.items() if k != "gradient"))


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def eigensolvers(sizes, threads, seed, extra=None):
    print(f"\n2. Eigenvalues of a symmetric matrix (wall clock; 2stage available: "
          f"{two_stage_available()})")
    matrices = [(f"random n={n}", n) for n in sizes] + ([extra] if extra else [])
    for label, spec in matrices:
        if isinstance(spec, int):
            A = np.random.default_rng(seed).standard_normal((spec, spec))
            H = A + A.T
        else:
            H = spec
        for t in sorted({1, threads}):
            row, reference = [], None
            for driver in EIG_DRIVERS:
                if driver == "2stage" and not two_stage_available():
                    continue
                w, wall, _ = _timed(lambda: eigenvalues_symmetric(H, driver=driver, check=False,
                                                                  blas_threads=t))
                reference = w if reference is None else reference
                err = np.abs(w - reference).max() / np.abs(reference).max()
                row.append(f"{driver} {wall:6.2f} s" + (f" (diff {err:.0e})" if err else ""))
            print(f"  {label:22s} {t} thread(s): " + "   ".join(row), flush=True)


def hessians(X, y, names, seed, driver):
    print(f"\n3. network_hessian + eigenvalues_symmetric(driver={driver!r}), all "
          f"{X.shape[0]} training digits")
    keep = {}
    for name in names:
        model = paper_model(name, seed=seed)
        H, wall_h, cpu_h = _timed(lambda: network_hessian(model, X, y, blas_threads=1))
        ev, wall_e, cpu_e = _timed(lambda: eigenvalues_symmetric(H, driver=driver, check=False))
        keep[name] = H
        print(f"  {name:5s} P={model.n_params:5d}: Hessian {wall_h:6.1f} s wall "
              f"({cpu_h:6.1f} s processor) + eigenvalues {wall_e:6.1f} s wall "
              f"({cpu_e:6.1f} s processor) = {wall_h + wall_e:6.1f} s (one BLAS thread); "
              f"λ_max {ev[-1]:.4g}, λ_min {ev[0]:.4g}", flush=True)
    return keep


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dense", action="store_true",
                        help="also the dense model's 8,970 x 8,970 Hessian (minutes)")
    parser.add_argument("--eig-sizes", type=int, nargs="*", default=[2000, 4000])
    parser.add_argument("--threads", type=int, default=2,
                        help="BLAS threads for the eigensolvers of step 2 (besides one)")
    parser.add_argument("--driver", default="auto", help="eigensolver driver of step 3")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--skip-products", action="store_true")
    parser.add_argument("--skip-eig", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    X, _, y, _ = digits_split(0)
    print(load())
    if not args.skip_products:
        products(X, y, args.seed, args.repeats)
    names = ["cd4", "cd8"] + (["dense"] if args.dense else [])
    built = hessians(X, y, names, args.seed, args.driver)
    if not args.skip_eig:
        eigensolvers(args.eig_sizes, args.threads, args.seed,
                     extra=("CD-B4 Hessian n=2380", built["cd4"]))
    print(load())


if __name__ == "__main__":
    main()
