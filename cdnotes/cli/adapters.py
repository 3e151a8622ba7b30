"""``python -m cdnotes adapters``: fine-tuning a pretrained MLP and transformer on a shifted
MNIST-1D — full, head only, LoRA and CD adapters — under one protocol."""
from __future__ import annotations

from .options import (add_sweep_options, check_distinct, positive, positive_int,
                      print_rate_summary, run_summarized_sweep, seed)

COMMAND = "adapters"
LRS = (1e-3, 3e-3, 1e-2, 3e-2)
"""Adam's rates, the same grid for every regime."""


def add_parser(subparsers):
    """Register ``adapters`` on an ``argparse`` sub-parser collection; returns its parser."""
    from ..experiments.adapters import BASES, REGIMES

    p = subparsers.add_parser(
        COMMAND, help="fine-tuning on a shifted MNIST-1D: full, head, LoRA and CD adapters",
        description="Each dense base is pretrained once on the published MNIST-1D (Adam, "
                    "early stopping), then fine-tuned on a shifted MNIST-1D (more scale, "
                    "noise and shear; cdnotes.data.SHIFTED_MNIST1D) from a small stratified "
                    "training set: full fine-tuning, the head alone, LoRA at each rank and CD "
                    "adapters at each block size that divides the adapted widths (adapters on "
                    "the MLP's hidden layers and the transformer's q, k, v, o; the head trains "
                    "too). One grid of Adam rates with early stopping on validation, every "
                    "seed at every rate; the rate is chosen on validation.")
    add_sweep_options(p, out="adapters_mnist1d.json", seeds=[0, 1, 2, 3, 4])
    p.add_argument("--bases", nargs="+", choices=list(BASES), default=list(BASES),
                   help=f"pretrained models (default: {' '.join(BASES)})")
    p.add_argument("--regimes", nargs="+", choices=list(REGIMES), default=list(REGIMES),
                   help=f"regimes (default: {' '.join(REGIMES)})")
    p.add_argument("--ranks", type=positive_int, nargs="+", default=[1, 2, 4, 8, 16],
                   help="LoRA ranks (default: 1 2 4 8 16)")
    p.add_argument("--block-sizes", type=positive_int, nargs="+", default=[2, 3, 4, 6, 8, 12],
                   help="CD block sizes; each base uses those dividing its adapted widths "
                        "(default: 2 3 4 6 8 12)")
    p.add_argument("--lrs", type=positive, nargs="+", default=list(LRS),
                   help=f"Adam rates of fine-tuning (default: {' '.join(f'{v:g}' for v in LRS)})")
    p.add_argument("--epochs", type=positive_int, default=100,
                   help="epoch budget of pretraining and of every fine-tuning run (default: 100)")
    p.add_argument("--patience", type=positive_int, default=10,
                   help="early-stopping patience, in epochs (default: 10)")
    p.add_argument("--batch-size", type=positive_int, default=64)
    p.add_argument("--n-train", type=positive_int, default=500,
                   help="fine-tuning training sequences, stratified (default: 500)")
    p.add_argument("--n-val", type=positive_int, default=500,
                   help="fine-tuning validation sequences (default: 500)")
    p.add_argument("--pretrain-lr", type=positive, default=3e-3,
                   help="Adam's rate of pretraining (default: 0.003)")
    p.add_argument("--pretrain-seed", type=seed, default=0,
                   help="seed of the pretrained weights (default: 0)")
    p.add_argument("--data-seed", type=seed, default=0,
                   help="seed of the fine-tuning subsets (default: 0)")
    p.set_defaults(func=lambda args: run(args, p))
    return p


def sweep(args):
    """The :class:`~cdnotes.engine.Sweep` of parsed ``args``: one job per (base, regime, size,
    rate, seed)."""
    from ..engine import Sweep
    from ..experiments.adapters import cd_block_sizes, run_job

    settings = {"pretrain_lr": args.pretrain_lr, "pretrain_epochs": args.epochs,
                "pretrain_seed": args.pretrain_seed, "epochs": args.epochs,
                "patience": args.patience, "batch_size": args.batch_size,
                "n_train": args.n_train, "n_val": args.n_val, "data_seed": args.data_seed}
    jobs = []
    for base in args.bases:
        for regime in args.regimes:
            sizes = {"lora": args.ranks,
                     "cd": cd_block_sizes(base, args.block_sizes)}.get(regime, [None])
            jobs += [{"base": base, "regime": regime, "size": s, "lr": lr, "seed": sd}
                     for s in sizes for lr in args.lrs for sd in args.seeds]
    return Sweep(COMMAND, settings, jobs, run_job)


def check(parser, args):
    """Usage errors for options that are fine alone but not together (exit status 2)."""
    check_distinct(parser, args, "seeds", "bases", "regimes", "ranks", "block_sizes", "lrs")
    if args.n_train + args.n_val > 4000:
        parser.error(f"arguments --n-train, --n-val: at most 4000 together; got "
                     f"{args.n_train} + {args.n_val}")
    if "cd" in args.regimes:
        from ..experiments.adapters import cd_block_sizes
        for base in args.bases:
            if not cd_block_sizes(base, args.block_sizes):
                parser.error(f"argument --block-sizes: none divides the widths of the {base}")


def run(args, parser) -> int:
    """Run ``adapters`` for parsed ``args``; returns the exit status."""
    from ..experiments.adapters import summarize

    check(parser, args)
    doc = run_summarized_sweep(parser, args, sweep(args), summarize)
    if not args.quiet:
        print_rate_summary(doc, args.out, count="trainable", width=22)
    return 0
