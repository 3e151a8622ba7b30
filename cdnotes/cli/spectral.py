"""``python -m cdnotes spectral``: spectral-domain training, the four regimes, the CD link."""
from __future__ import annotations

import math

from .options import (add_sweep_options, check_distinct, positive_int, run_sweep_command)

COMMAND = "spectral"


def add_parser(subparsers):
    """Register ``spectral`` on an ``argparse`` sub-parser collection; returns its parser."""
    from ..experiments.spectral_training import (ARCHITECTURES, DATASETS, INPUT_VARIANTS,
                                                 SweepConfig)

    p = subparsers.add_parser(
        COMMAND, help="spectral-domain training: the four regimes on digits and MNIST-1D",
        description="Spectral-domain training (Giambagli, Buffoni et al.): constrained direct, "
                    "eigenvalues only, unconstrained direct and eigenvalues+eigenvectors, for "
                    "the perceptron, wide and deep linear and non-linear models, with and "
                    "without a bias (AdaMax, the paper's settings); the Wasserstein-1 distance "
                    "of each linear model's retracted weights to the unconstrained ones; the "
                    "link to CDLinear at matched parameter counts with Gauss-Newton "
                    "conditioning. One job per (data set, architecture and widths, bias) with "
                    "every regime and seed, and one per CD-link model.")
    add_sweep_options(p, out="spectral_training.json", seeds=[0, 1, 2, 3, 4])
    p.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS),
                   help="data sets (default: digits mnist1d)")
    p.add_argument("--epochs", type=positive_int, default=20, help="epochs (default: 20)")
    p.add_argument("--wide", nargs="+", type=positive_int, metavar="N2",
                   default=list(SweepConfig.wide),
                   help="hidden widths N2 of the wide linear models (default: "
                        f"{' '.join(map(str, SweepConfig.wide))})")
    p.add_argument("--nonlinear", nargs="+", type=positive_int,
                   default=list(SweepConfig.nonlinear), metavar="N2",
                   help="widths N2 of the non-linear models' linear layer (default: "
                        f"{' '.join(map(str, SweepConfig.nonlinear))})")
    p.add_argument("--input-eigenvalues", nargs="+", choices=INPUT_VARIANTS,
                   default=["fixed"], dest="input_eigenvalues",
                   help="input-node eigenvalues of the multi-layer spectral models: fixed at "
                        "1 (the paper, the default) and/or trained; one run each")
    p.add_argument("--architectures", nargs="+", choices=ARCHITECTURES,
                   default=list(ARCHITECTURES), help="the architectures run (default: all)")
    p.add_argument("--workers", type=positive_int, dest="jobs", metavar="N",
                   help="the same as --jobs (its former name)")
    p.add_argument("--no-cd-link", action="store_true", help="skip the CDLinear comparison")
    p.add_argument("--progress", action="store_true",
                   help="show the progress bar even when stderr is not a terminal (a log)")
    p.set_defaults(func=lambda args: run(args, p))
    return p


def config(args):
    """The :class:`~cdnotes.experiments.spectral_training.SweepConfig` of parsed ``args``."""
    from ..experiments.spectral_training import SweepConfig

    return SweepConfig(datasets=tuple(args.datasets), seeds=tuple(args.seeds),
                       epochs=args.epochs, wide=tuple(args.wide),
                       nonlinear=tuple(args.nonlinear),
                       input_eigenvalues=tuple(args.input_eigenvalues),
                       architectures=tuple(args.architectures))


def sweep(args):
    """The :class:`~cdnotes.engine.Sweep` of parsed ``args``."""
    from ..experiments.spectral_training import spectral_sweep

    return spectral_sweep(config(args), cd_link=not args.no_cd_link)


def run(args, parser) -> int:
    """Run ``spectral`` for parsed ``args``; returns the exit status."""
    from ..experiments.spectral_training import spectral_results, table1_summary
    from ..results import write_json_atomic

    check_distinct(parser, args, "seeds", "datasets", "wide", "nonlinear", "input_eigenvalues",
                   "architectures")
    doc = run_sweep_command(parser, args, sweep(args))
    view = spectral_results(doc)
    cfg = view["config"]
    doc["table1"] = table1_summary(view["records"], cfg["input_eigenvalues"], cfg["datasets"],
                                   cfg["biases"])
    write_json_atomic(args.out, doc)
    if not args.quiet:
        for variant, by_dataset in doc["table1"].items():
            for dataset, by_bias in by_dataset.items():
                for regime, row in by_bias["False"].items():
                    cells = ", ".join(f"{a} {v['mean']:.1f}±{v['std']:.1f}"
                                      for a, v in row.items() if not math.isnan(v["mean"]))
                    print(f"{variant:7s} {dataset:8s} {regime:25s} {cells}")
        print(f"wrote {len(view['records'])} runs ({len(doc['records'])} jobs) to {args.out} "
              f"in {doc['sources'][-1]['wall_seconds']:.1f} s")
    return 0
