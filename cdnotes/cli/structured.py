"""``python -m cdnotes structured``: every structured layer in the paper's MLP at the CD
budgets, on digits and MNIST-1D."""
from __future__ import annotations

from .options import (add_sweep_options, check_distinct, positive, positive_int,
                      run_sweep_command, unit)

COMMAND = "structured"


def add_parser(subparsers):
    """Register ``structured`` on an ``argparse`` sub-parser collection; returns its parser."""
    from ..experiments.structured_runs import DATASETS
    from ..structured import STRUCTURES

    p = subparsers.add_parser(
        COMMAND, help="every structured layer in the paper's MLP at the CD budgets",
        description="Train the paper's 64-64-64 MLP with every structure of "
                    "cdnotes.structured.STRUCTURES in every linear layer, at the parameter "
                    "budgets of CD B=4 (2,380) and B=8 (1,296), plus the dense reference, on "
                    "digits and MNIST-1D (padded to 64 inputs), for every seed; write one JSON "
                    "record per (dataset, model, seed): test accuracy, seconds per epoch, the "
                    "last-layer Gauss-Newton κ, with the settings, versions and backend.")
    add_sweep_options(p, out="structured.json", seeds=list(range(10)))
    p.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=list(DATASETS),
                   help="data sets (default: both)")
    p.add_argument("--structures", nargs="+", choices=list(STRUCTURES), default=None,
                   help="structures besides dense and CD (default: every registered one)")
    p.add_argument("--epochs", type=positive_int, default=25, help="epochs (default: 25)")
    p.add_argument("--lr", type=positive, default=0.1, help="SGD learning rate (default: 0.1)")
    p.add_argument("--momentum", type=unit, default=0.9,
                   help="SGD momentum in [0, 1) (default: 0.9)")
    p.add_argument("--batch-size", type=positive_int, default=64,
                   help="mini-batch size (default: 64)")
    p.add_argument("--no-curvature", action="store_true",
                   help="skip the last-layer Gauss-Newton spectrum")
    p.set_defaults(func=lambda args: run(args, p))
    return p


def sweep(args):
    """The :class:`~cdnotes.engine.Sweep` of parsed ``args``: one job per (dataset, model,
    seed)."""
    from ..engine import Sweep
    from ..experiments.structured_runs import (structured_job, structured_jobs,
                                               structured_settings)
    from ..train import TrainConfig

    config = TrainConfig(epochs=args.epochs, lr=args.lr, momentum=args.momentum,
                         batch_size=args.batch_size)
    return Sweep(COMMAND, structured_settings(config, not args.no_curvature),
                 structured_jobs(args.datasets, args.structures, args.seeds), structured_job)


def run(args, parser) -> int:
    """Run ``structured`` for parsed ``args``; returns the exit status."""
    from ..experiments.structured_analysis import summarize_structured

    check_distinct(parser, args, "seeds", "datasets", "structures")
    doc = run_sweep_command(parser, args, sweep(args))
    if not args.quiet:
        for row in summarize_structured(doc["records"]):
            a = row["accuracy"]
            acc = ("   –" if a is None else
                   f"{100 * a.mean:6.2f} % [{100 * a.low:.2f}, {100 * a.high:.2f}]")
            print(f"{row['dataset']:8s} {row['model']:16s} {row['n_params']:6d} params  {acc}  "
                  f"{1000 * row['epoch_seconds']:7.1f} ms/epoch  κ_GN {row['kappa_gn']:.3g}  "
                  f"diverged {row['n_diverged']}/{row['n']}")
        print(f"wrote {len(doc['records'])} records to {args.out} in "
              f"{doc['sources'][-1]['wall_seconds']:.1f} s")
    return 0
