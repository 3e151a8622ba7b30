"""``python -m cdnotes spectral-probes``: small runs beside the spectral sweep, added to it."""
from __future__ import annotations

from .options import (add_sweep_options, check_distinct, out_path, positive_int,
                      run_sweep_command)

COMMAND = "spectral-probes"


def add_parser(subparsers):
    """Register ``spectral-probes`` on an ``argparse`` sub-parser collection; returns it."""
    from ..experiments.spectral_training import DATASETS, ProbeConfig

    p = subparsers.add_parser(
        COMMAND, help="spectral-domain training: the initialisation probe, the "
                      "(2I + Φ)⁻¹ form, non-linear widths for overfitting",
        description="Small runs beside the spectral sweep: the initialisation probe of the "
                    "non-linear Λ-and-Φ gap, the compact form A = Φ Λ (2I + Φ)⁻¹ Φ, the "
                    "train-test gap of the non-linear models at more widths N2, and trained "
                    "input eigenvalues started at 1. One job per run; the probes' results "
                    "file (--out) is also added under the key 'probes' to the spectral "
                    "results file --into.")
    p.add_argument("--into", type=out_path, required=True, metavar="FILE",
                   help="the results file of `python -m cdnotes spectral`; the probes are "
                        "added to it under 'probes'")
    add_sweep_options(p, out="spectral_probes.json", seeds=[0, 1, 2, 3, 4])
    p.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS),
                   help="data sets (default: digits mnist1d)")
    p.add_argument("--epochs", type=positive_int, default=ProbeConfig.epochs,
                   help=f"epochs of every run (default: {ProbeConfig.epochs}, the sweep's)")
    p.add_argument("--overfit-widths", nargs="+", type=positive_int, metavar="N2",
                   default=list(ProbeConfig.overfit_widths),
                   help="widths N2 of the non-linear models added for the train-test gap "
                        f"(default: {' '.join(map(str, ProbeConfig.overfit_widths))})")
    p.add_argument("--workers", type=positive_int, dest="jobs", metavar="N",
                   help="the same as --jobs (its former name)")
    p.add_argument("--progress", action="store_true",
                   help="show the progress bar even when stderr is not a terminal (a log)")
    p.set_defaults(func=lambda args: run(args, p))
    return p


def sweep(args):
    """The :class:`~cdnotes.engine.Sweep` of parsed ``args``."""
    from ..experiments.spectral_training import ProbeConfig, probe_sweep

    return probe_sweep(ProbeConfig(datasets=tuple(args.datasets), seeds=tuple(args.seeds),
                                   epochs=args.epochs, overfit_widths=tuple(args.overfit_widths)))


def run(args, parser) -> int:
    """Run ``spectral-probes`` for parsed ``args``; returns the exit status."""
    import os

    from ..experiments.spectral_training import probe_results, spectral_results
    from ..results import read_json, write_json_atomic

    check_distinct(parser, args, "seeds", "datasets", "overfit_widths")
    if os.path.abspath(args.into) == os.path.abspath(args.out):
        parser.error("argument --out: the probes' own results file must differ from --into")
    try:                                   # before the runs: --into must be a spectral file
        spectral_results(args.into)
    except (OSError, ValueError) as exc:
        parser.error(f"argument --into: {args.into} is not a spectral results file ({exc})")
    doc = run_sweep_command(parser, args, sweep(args))
    target = read_json(args.into)
    target["probes"] = doc
    write_json_atomic(args.into, target)
    if not args.quiet:
        probes = probe_results(doc)
        counts = ", ".join(f"{len(probes[k])} {k}" for k in ("init", "compact", "overfit",
                                                               "from_one"))
        print(f"added {len(doc['records'])} probe records ({counts}) to {args.into} (and "
              f"{args.out}) in {doc['sources'][-1]['wall_seconds']:.1f} s")
    return 0

