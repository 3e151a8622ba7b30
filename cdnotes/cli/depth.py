"""``python -m cdnotes depth``: the paper's models at 1-4 hidden layers (does CD's advantage
grow with depth?)."""
from __future__ import annotations

from .options import add_sweep_options, check_distinct, positive_int, run_sweep_command, seed

COMMAND = "depth"


def add_parser(subparsers):
    """Register ``depth`` on an ``argparse`` sub-parser collection; returns its parser."""
    from ..experiments.depth import DEPTHS
    from ..mlp import PAPER_MODELS

    p = subparsers.add_parser(
        COMMAND, help="the paper's models at 1-4 hidden layers (does CD's advantage grow?)",
        description="Train the dense, CD-B4 and CD-B8 MLPs (width 64) with 1-4 hidden layers on "
                    "digits with the paper's protocol, every seed; record accuracy, loss per "
                    "epoch, the paper's κ readings and the last layer's exact Hessian κ.")
    add_sweep_options(p, out="depth_digits.json", seeds=list(range(10)))
    p.add_argument("--models", nargs="+", choices=list(PAPER_MODELS), default=list(PAPER_MODELS),
                   help="models (default: all three)")
    p.add_argument("--depths", type=positive_int, nargs="+", default=list(DEPTHS),
                   help="numbers of hidden layers (default: "
                        f"{' '.join(map(str, DEPTHS))})")
    p.add_argument("--epochs", type=positive_int, default=25, help="epochs (default: 25)")
    p.add_argument("--split-seed", type=seed, default=0,
                   help="seed of the stratified 1437/360 train/test split (default: 0)")
    p.set_defaults(func=lambda args: run(args, p))
    return p


def sweep(args):
    """The :class:`~cdnotes.engine.Sweep` of parsed ``args``: one job per (model, depth,
    seed)."""
    from ..engine import Sweep
    from ..experiments.depth import depth_job, depth_jobs, depth_settings
    from ..train import TrainConfig

    return Sweep(COMMAND, depth_settings(split_seed=args.split_seed,
                                         config=TrainConfig(epochs=args.epochs)),
                 depth_jobs(args.models, args.depths, args.seeds), depth_job)


def run(args, parser) -> int:
    """Run ``depth`` for parsed ``args``; returns the exit status."""
    check_distinct(parser, args, "seeds", "models", "depths")
    doc = run_sweep_command(parser, args, sweep(args))
    if not args.quiet:
        print(f"{len(doc['records'])} runs in {doc['sources'][-1]['wall_seconds']:.0f} s -> "
              f"{args.out}")
    return 0
