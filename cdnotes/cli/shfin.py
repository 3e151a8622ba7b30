"""``python -m cdnotes shfin``: SHFIN in miniature on MNIST-1D, ablations and cost."""
from __future__ import annotations

from .options import (add_sweep_options, check_distinct, positive, positive_int,
                      run_sweep_command)

COMMAND = "shfin"


def add_parser(subparsers):
    """Register ``shfin`` on an ``argparse`` sub-parser collection; returns its parser."""
    from ..experiments.shfin import (ABLATIONS, COST_MEMORY_FRACTION, MAIN_VARIANTS,
                                     VARIANTS)
    from ..experiments.shfin.sweep import DEFAULT_LENGTHS

    p = subparsers.add_parser(
        COMMAND, help="SHFIN in miniature on MNIST-1D: comparison, ablations, cost",
        description="Train the SHFIN classifier, its ablations, a dense MLP, a CD-MLP and a "
                    "1-D CNN on MNIST-1D for every seed (Adam; one job per model and seed), "
                    "then time an SHFIN block against dense self-attention over sequence "
                    "lengths, alone, after the training jobs.")
    add_sweep_options(p, out="shfin_mnist1d.json", seeds=[0, 1, 2, 3, 4])
    p.add_argument("--variants", nargs="+", choices=list(VARIANTS), metavar="VARIANT",
                   default=list(MAIN_VARIANTS + ABLATIONS[1:]),
                   help=f"models to train, of {', '.join(VARIANTS)} (default: all)")
    p.add_argument("--epochs", type=positive_int, default=10, help="epochs (default: 10)")
    p.add_argument("--lr", type=positive, default=3e-3, help="Adam learning rate (default: 3e-3)")
    p.add_argument("--batch-size", type=positive_int, default=64,
                   help="mini-batch size (default: 64)")
    p.add_argument("--lengths", type=positive_int, nargs="*", default=list(DEFAULT_LENGTHS),
                   help="sequence lengths of the cost sweep, distinct multiples of 16 whose "
                        "dense attention (3 × 4 × L² float64 numbers) fits in "
                        f"{100 * COST_MEMORY_FRACTION:.0f}%% of this machine's memory (default: 64 ... "
                        "8192; none: no sweep)")
    p.add_argument("--cost-repeats", type=positive_int, default=3,
                   help="best-of repeats per timing (default: 3)")
    p.set_defaults(func=lambda args: run(args, p))
    return p


def sweep(args):
    """The :class:`~cdnotes.engine.Sweep` of parsed ``args``: one job per (variant, seed)."""
    from ..experiments.shfin import shfin_sweep
    from ..train import TrainConfig

    config = TrainConfig(epochs=args.epochs, lr=args.lr, optimizer="adam",
                         batch_size=args.batch_size)
    return shfin_sweep(args.variants, args.seeds, config)


def run(args, parser) -> int:
    """Run ``shfin`` for parsed ``args``; returns the exit status."""
    import sys

    from ..experiments.shfin import check_cost_lengths, cost_fits, run_cost, summary_rows
    from ..results import write_json_atomic
    from .options import show_progress

    check_distinct(parser, args, "seeds", "variants", "lengths")
    if len(args.seeds) < 2:
        parser.error("argument --seeds: at least two seeds (for a confidence interval)")
    try:
        check_cost_lengths(args.lengths)                # before any training
    except ValueError as exc:
        parser.error(f"argument --lengths: {exc}")
    doc = run_sweep_command(parser, args, sweep(args))
    bar = None
    if args.lengths and show_progress(args):
        from tqdm.auto import tqdm
        bar = tqdm(total=len(args.lengths), desc="cost", unit="length", file=sys.stderr)
    doc.update(run_cost(args.lengths, args.cost_repeats,
                        progress=(lambda L: bar.update()) if bar is not None else None))
    if bar is not None:
        bar.close()
    write_json_atomic(args.out, doc)
    if not args.quiet:
        for row in summary_rows(doc):
            e = row["estimate"]
            print(f"{row['variant']:16s} {row['n_params']:6d} params  accuracy "
                  f"{100 * e.mean:.1f} % [{100 * e.low:.1f}, {100 * e.high:.1f}]")
        if len(args.lengths) >= 2:
            long = [L for L in args.lengths if L >= 256]
            fits = cost_fits(doc, 256 if len(long) >= 2 else min(args.lengths))
            print("log-log slopes:", {k: round(v, 2) for k, v in fits.items()})
        print(f"wrote {len(doc['records'])} runs to {args.out} in "
              f"{doc['sources'][-1]['wall_seconds']:.0f} s of training")
    return 0
