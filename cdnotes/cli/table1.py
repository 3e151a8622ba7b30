"""``python -m cdnotes table1``: the three digits models of the paper's Table 1."""
from __future__ import annotations

from dataclasses import asdict

from .options import (add_sweep_options, check_distinct, non_negative, positive,
                      positive_int, run_sweep_command, seed, unit)

COMMAND = "table1"


def add_parser(subparsers):
    """Register ``table1`` on an ``argparse`` sub-parser collection; returns its parser."""
    from ..mlp import PAPER_MODELS

    p = subparsers.add_parser(
        COMMAND, help="train the three models of the paper's Table 1 on digits",
        description="Train the paper's digits models (dense 64-64-64-10, CDLinear B=4 "
                    "64-64-64-12 and B=8 64-64-64-16, logits sliced to 10) for every seed, and "
                    "write one JSON record per (model, seed): n_params, test accuracy and train "
                    "loss per epoch, epoch seconds, the paper's κ readings and the exact "
                    "last-layer Hessian spectrum, with configuration, library versions and "
                    "backend.")
    add_sweep_options(p, out="results.json", seeds=[0, 1, 2])
    p.add_argument("--models", nargs="+", choices=list(PAPER_MODELS), default=list(PAPER_MODELS),
                   help="models to train (default: all three)")
    p.add_argument("--epochs", type=positive_int, default=25, help="epochs (default: 25)")
    p.add_argument("--lr", type=positive, default=0.1, help="SGD learning rate > 0 (default: 0.1)")
    p.add_argument("--momentum", type=unit, default=0.9,
                   help="SGD momentum in [0, 1) (default: 0.9)")
    p.add_argument("--batch-size", type=positive_int, default=64,
                   help="mini-batch size (default: 64)")
    p.add_argument("--loss", choices=["cross_entropy", "squared_error"], default="cross_entropy",
                   help="training loss (default: cross_entropy)")
    p.add_argument("--dropout", type=unit, default=0.0,
                   help="Shannon dropout rate in [0, 1) after each hidden ReLU (paper: 0.0118; "
                        "default: 0)")
    p.add_argument("--fisher", type=non_negative, default=0.0,
                   help="λ_F >= 0 of the Fisher regularizer, Eq. 8 (paper: 1e-4; default: 0 = "
                        "off)")
    p.add_argument("--split-seed", type=seed, default=0,
                   help="seed of the stratified 1437/360 train/test split (default: 0)")
    p.add_argument("--no-curvature", action="store_true",
                   help="skip the κ readings and the last-layer Hessian")
    p.set_defaults(func=lambda args: run(args, p))
    return p


def sweep(args):
    """The :class:`~cdnotes.engine.Sweep` of parsed ``args``: one job per (model, seed)."""
    from ..engine import Sweep
    from ..experiments.digits import table1_job
    from ..train import TrainConfig

    config = TrainConfig(epochs=args.epochs, lr=args.lr, momentum=args.momentum,
                         batch_size=args.batch_size, loss=args.loss, fisher=args.fisher)
    settings = {"config": asdict(config), "dropout": args.dropout, "split_seed": args.split_seed,
                "curvature": not args.no_curvature}
    jobs = [{"model": m, "seed": s} for m in args.models for s in args.seeds]
    return Sweep(COMMAND, settings, jobs, table1_job)


def run(args, parser) -> int:
    """Run ``table1`` for parsed ``args``; returns the exit status."""
    from ..experiments.digits import summarize
    from ..results import write_json_atomic

    check_distinct(parser, args, "seeds", "models")
    doc = run_sweep_command(parser, args, sweep(args))
    doc["summary"] = summarize(doc["records"])
    write_json_atomic(args.out, doc)
    if not args.quiet:
        for name, s in doc["summary"].items():
            print(f"{name:6s} test accuracy {s['mean']:.2f} ± {s['std']:.2f} % (n = {s['n']})")
        print(f"wrote {len(doc['records'])} records to {args.out} in "
              f"{doc['sources'][-1]['wall_seconds']:.1f} s")
    return 0
