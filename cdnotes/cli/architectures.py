"""``python -m cdnotes architectures``: the fair comparison of dense and CD models on MNIST-1D."""
from __future__ import annotations

from .options import (add_sweep_options, check_distinct, positive, positive_int,
                      print_rate_summary, run_summarized_sweep, seed)

COMMAND = "architectures"
LRS = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
"""Adam's rates, the same grid for every model."""


def add_parser(subparsers):
    """Register ``architectures`` on an ``argparse`` sub-parser collection; returns its parser."""
    from ..experiments.architectures import MODELS

    p = subparsers.add_parser(
        COMMAND, help="the fair comparison on MNIST-1D: MLP, CNN, transformer (dense and CD) "
                      "and SHFIN under one protocol",
        description="One protocol for every model on MNIST-1D: Adam over the same grid of "
                    "learning rates, the same epoch budget with early stopping on a stratified "
                    "validation split carved from the training set, every seed at every rate. "
                    "The rate is chosen on validation accuracy (mean over seeds) and the test "
                    "accuracy reported at that rate (taken at each run's best-validation "
                    "epoch). Models at comparable parameter budgets (~5.4k-7.5k). One JSON "
                    "record per (model, block size, rate, seed) with the per-epoch curves.")
    add_sweep_options(p, out="architectures_mnist1d.json", seeds=[0, 1, 2, 3, 4])
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS),
                   help=f"models (default: {' '.join(MODELS)})")
    p.add_argument("--block-sizes", type=positive_int, nargs="+", default=[2, 4, 8],
                   help="block sizes B of every CD model (default: 2 4 8); the MLP's must "
                        "divide 40")
    p.add_argument("--lrs", type=positive, nargs="+", default=list(LRS),
                   help=f"Adam learning rates, distinct, > 0 (default: "
                        f"{' '.join(f'{v:g}' for v in LRS)})")
    p.add_argument("--epochs", type=positive_int, default=100,
                   help="epoch budget of every run (default: 100)")
    p.add_argument("--patience", type=positive_int, default=10,
                   help="stop after this many epochs without a better validation accuracy "
                        "(default: 10)")
    p.add_argument("--batch-size", type=positive_int, default=64,
                   help="mini-batch size (default: 64)")
    p.add_argument("--n-val", type=positive_int, default=500,
                   help="validation samples carved from the 4000 training ones (default: 500)")
    p.add_argument("--val-seed", type=seed, default=0,
                   help="seed of the validation split, the same for every run (default: 0)")
    p.add_argument("--n-train", type=positive_int, default=None,
                   help="train on only this many of the remaining training samples (a smoke "
                        "run; default: all)")
    p.set_defaults(func=lambda args: run(args, p))
    return p


def sweep(args):
    """The :class:`~cdnotes.engine.Sweep` of parsed ``args``: one job per (model, block size,
    rate, seed)."""
    from ..engine import Sweep
    from ..experiments.architectures import CD_MODELS, run_job

    settings = {"epochs": args.epochs, "patience": args.patience, "batch_size": args.batch_size,
                "n_val": args.n_val, "val_seed": args.val_seed, "n_train": args.n_train,
                "optimizer": "adam"}
    jobs = [{"model": m, "block_size": b, "lr": lr, "seed": s}
            for m in args.models for b in (args.block_sizes if m in CD_MODELS else [None])
            for lr in args.lrs for s in args.seeds]
    return Sweep(COMMAND, settings, jobs, run_job)


def check(parser, args):
    """Usage errors for options that are fine alone but not together (exit status 2)."""
    check_distinct(parser, args, "seeds", "models", "block_sizes", "lrs")
    if "mlp_cd" in args.models:
        bad = [b for b in args.block_sizes if 40 % b]
        if bad:
            parser.error(f"argument --block-sizes: the MLP's block sizes must divide its 40 "
                         f"inputs (1 2 4 5 8 10 20 40); got {' '.join(map(str, bad))}")
    if args.n_val >= 4000:
        parser.error(f"argument --n-val: must be below the 4000 training samples; got "
                     f"{args.n_val}")
    if args.n_train is not None and args.n_train > 4000 - args.n_val:
        parser.error(f"argument --n-train: at most {4000 - args.n_val} (4000 - --n-val) "
                     f"samples remain for training; got {args.n_train}")


def run(args, parser) -> int:
    """Run ``architectures`` for parsed ``args``; returns the exit status."""
    from ..experiments.architectures import summarize

    check(parser, args)
    doc = run_summarized_sweep(parser, args, sweep(args), summarize)
    if not args.quiet:
        print_rate_summary(doc, args.out, count="params", width=20)
    return 0
