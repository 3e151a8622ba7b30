"""``python -m cdnotes network-hessian``: the whole network's Hessian of the digits models.

One job per (model, seed, state, inputs), seed-major (a run cut short keeps whole seeds), on
:mod:`cdnotes.engine`: ``--jobs``/``--dask`` spread them, each finished record is journaled,
``--resume`` runs only the jobs not yet in ``--out``. ``--merge A.json B.json --out C.json``
combines runs split across machines (their settings must agree, no job twice).
"""
from __future__ import annotations

from .options import (add_sweep_options, check_distinct, positive_int, run_sweep_command,
                      seed)

COMMAND = "network-hessian"


def add_parser(subparsers):
    """Register ``network-hessian`` on an ``argparse`` sub-parser collection; returns its
    parser."""
    from ..experiments.network_hessian import (BACKENDS, DEFAULT_WHITENING, INPUTS, SLQ_PROBES,
                                               SLQ_STEPS, STATES)
    from ..mlp import PAPER_MODELS
    from ..whitening import WHITENING_NAMES

    p = subparsers.add_parser(
        COMMAND, help="the exact Hessian of the whole network of each digits model",
        description="For every (model, seed, state, inputs): the full Hessian and Gauss-Newton "
                    "matrices of the mean cross-entropy on all 1,437 training digits, their "
                    "complete spectra (summarised: λ_max, λ_min, negative mass, κ(cutoff), "
                    "percentile ratios, effective rank, log|λ| histograms), κ of the "
                    "Gauss-Newton matrix on its range, exact null directions by cause, every "
                    "layer's diagonal blocks, the paper's κ readings and stochastic Lanczos "
                    "quadrature against the exact spectrum. Each finished job is kept at once "
                    "(--resume after a kill).")
    add_sweep_options(p, out="network_hessian.json", seeds=list(range(10)))
    p.add_argument("--models", nargs="+", choices=list(PAPER_MODELS), default=list(PAPER_MODELS),
                   help="models (default: all three)")
    p.add_argument("--states", nargs="+", choices=list(STATES), default=list(STATES),
                   help="at initialisation and/or after the paper's 25-epoch training "
                        "(default: both)")
    p.add_argument("--inputs", nargs="+", choices=list(INPUTS), default=list(INPUTS),
                   help="raw or whitened training digits (default: both)")
    p.add_argument("--whitening", choices=list(WHITENING_NAMES[1:]), default=DEFAULT_WHITENING,
                   help="the whitening of --inputs whitened, fitted on the training digits at "
                        "the model's block size (1 for dense) (default: %(default)s)")
    p.add_argument("--split-seed", type=seed, default=0,
                   help="seed of the 1437/360 split (default: 0)")
    p.add_argument("--backend", choices=list(BACKENDS), default="numpy",
                   help="where the Hessian products, eigenvalues and SLQ run (default: numpy; "
                        "cupy needs a GPU)")
    p.add_argument("--blas-threads", type=positive_int, default=1,
                   help="BLAS threads of the NumPy products and eigensolvers, per job "
                        "(default: 1)")
    p.add_argument("--slq-probes", type=positive_int, nargs="+", default=list(SLQ_PROBES),
                   help="probe counts of the SLQ comparison, increasing (default: "
                        + " ".join(map(str, SLQ_PROBES)) + ")")
    p.add_argument("--slq-steps", type=positive_int, default=SLQ_STEPS,
                   help=f"Lanczos steps per SLQ probe (default: {SLQ_STEPS})")
    p.add_argument("--curve-seeds", type=seed, nargs="*", default=[0],
                   help="seeds whose records keep the smoothed SLQ/exact densities for figures "
                        "(default: 0)")
    p.add_argument("--keep-spectra", action="store_true",
                   help="keep every eigenvalue in the records (large files)")
    p.add_argument("--merge", nargs="+", metavar="FILE", default=None,
                   help="instead of running: combine these results files into --out")
    p.set_defaults(func=lambda args: run(args, p))
    return p


def sweep(args):
    """The :class:`~cdnotes.engine.Sweep` of parsed ``args``."""
    from ..engine import Sweep
    from ..experiments.network_hessian import (network_hessian_job, network_hessian_jobs,
                                               sweep_settings)

    settings = sweep_settings(split_seed=args.split_seed, whitening=args.whitening,
                              slq_probes=args.slq_probes, slq_steps=args.slq_steps,
                              backend=args.backend, blas_threads=args.blas_threads,
                              curve_seeds=args.curve_seeds, keep_spectra=args.keep_spectra)
    return Sweep(COMMAND, settings,
                 network_hessian_jobs(args.models, args.seeds, args.states, args.inputs),
                 network_hessian_job, backend=args.backend)


def merge(args, parser) -> dict:
    """``--merge``: the files' documents merged (a usage error names a file that is not one)."""
    from ..engine import SweepDocumentError, load_document, merge_documents

    try:
        return merge_documents([load_document(path, COMMAND) for path in args.merge], COMMAND)
    except SweepDocumentError as exc:
        parser.error(f"argument --merge: {exc}")


def run(args, parser) -> int:
    """Run ``network-hessian`` for parsed ``args``; returns the exit status."""
    from ..backend import available_backends
    from ..results import write_json_atomic

    check_distinct(parser, args, "seeds", "models", "states", "inputs", "slq_probes",
                   "curve_seeds", "merge")
    if args.slq_probes != sorted(args.slq_probes):
        parser.error("argument --slq-probes: probe counts must be increasing; got "
                     f"{' '.join(map(str, args.slq_probes))}")
    if args.merge is not None:
        merged = merge(args, parser)
        write_json_atomic(args.out, merged)
        if not args.quiet:
            print(f"merged {len(merged['records'])} records from {len(args.merge)} files into "
                  f"{args.out}")
        return 0
    if args.backend == "cupy" and not available_backends()["cupy"]["usable"]:
        parser.error("argument --backend: cupy is not usable here ("
                     f"{available_backends()['cupy']['detail']}); use numpy")
    doc = run_sweep_command(parser, args, sweep(args))
    if not args.quiet:
        source = doc["sources"][-1]
        print(f"wrote {source['jobs_planned']} new records ({len(doc['records'])} in all) to "
              f"{args.out} in {source['wall_seconds']:.1f} s")
    return 0
