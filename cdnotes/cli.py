"""Command line: ``python -m cdnotes table1 --seeds 0 1 2 --out results.json``.

Every option is checked while the command line is parsed, before any training: a bad
value (``--epochs 0``, ``--lr nan``, ``--momentum 1.5``, an ``--out`` that is a directory
or cannot be written) is a usage error (exit status 2) naming the option and what it may be.
"""
from __future__ import annotations

import argparse
import math
import sys
import time

from .mlp import PAPER_MODELS
from .train import TrainConfig


def _option(what: str, convert, test):
    """An argparse ``type=``: ``convert(text)`` must succeed and ``test(value)`` hold."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}") from None
        if not test(value):
            raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}")
        return value

    parse.__name__ = what
    return parse


_positive_int = _option("a positive integer", int, lambda v: v >= 1)
_seed = _option("a non-negative integer", int, lambda v: v >= 0)
_positive = _option("a finite number > 0", float, lambda v: math.isfinite(v) and v > 0)
_non_negative = _option("a finite number >= 0", float, lambda v: math.isfinite(v) and v >= 0)
_unit = _option("a number in [0, 1)", float, lambda v: 0 <= v < 1)


def _out_path(text):
    """``--out``: a file path that can be written (checked before training starts)."""
    from .results import check_writable_path

    try:
        return check_writable_path(text, "--out")
    except (TypeError, OSError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _table1(args) -> int:
    from .experiments import run_table1, summarize
    from .results import environment_info, write_json_atomic

    config = TrainConfig(epochs=args.epochs, lr=args.lr, momentum=args.momentum,
                         batch_size=args.batch_size, loss=args.loss, fisher=args.fisher)
    show = sys.stderr.isatty() and not args.quiet
    start = time.perf_counter()
    records = run_table1(args.models, args.seeds, config=config, dropout=args.dropout,
                         split_seed=args.split_seed, curvature=not args.no_curvature,
                         progress=True if show else None)
    environment = environment_info("numpy")
    for record in records:
        record["environment"] = environment
    write_json_atomic(args.out, {"command": "table1", "argv": sys.argv[1:], "records": records,
                                 "summary": summarize(records), "environment": environment,
                                 "wall_seconds": time.perf_counter() - start})
    if not args.quiet:
        for name, s in summarize(records).items():
            print(f"{name:6s} test accuracy {s['mean']:.2f} ± {s['std']:.2f} % (n = {s['n']})")
        print(f"wrote {len(records)} records to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cdnotes",
                                     description="cdnotes: experiments of the CD neural-network paper")
    sub = parser.add_subparsers(dest="command", required=True)
    t1 = sub.add_parser(
        "table1", help="train the three models of the paper's Table 1 on digits",
        description="Train the paper's digits models (dense 64-64-64-10, CDLinear B=4 "
                    "64-64-64-12 and B=8 64-64-64-16, logits sliced to 10) for every seed, and "
                    "write one JSON record per (model, seed): n_params, test accuracy and train "
                    "loss per epoch, epoch seconds, the paper's κ readings and the exact "
                    "last-layer Hessian spectrum, with configuration, library versions and backend. "
                    "The file is written atomically.")
    t1.add_argument("--seeds", type=_seed, nargs="+", default=[0, 1, 2],
                    help="seeds (distinct integers >= 0): initial weights, dropout masks, batch "
                         "order (default: 0 1 2)")
    t1.add_argument("--out", type=_out_path, default="results.json",
                    help="output JSON file; missing directories are created (default: "
                         "results.json)")
    t1.add_argument("--models", nargs="+", choices=list(PAPER_MODELS), default=list(PAPER_MODELS),
                    help="models to train (default: all three)")
    t1.add_argument("--epochs", type=_positive_int, default=25, help="epochs (default: 25)")
    t1.add_argument("--lr", type=_positive, default=0.1, help="SGD learning rate > 0 (default: 0.1)")
    t1.add_argument("--momentum", type=_unit, default=0.9,
                    help="SGD momentum in [0, 1) (default: 0.9)")
    t1.add_argument("--batch-size", type=_positive_int, default=64,
                    help="mini-batch size (default: 64)")
    t1.add_argument("--loss", choices=["cross_entropy", "squared_error"], default="cross_entropy",
                    help="training loss (default: cross_entropy)")
    t1.add_argument("--dropout", type=_unit, default=0.0,
                    help="Shannon dropout rate in [0, 1) after each hidden ReLU (paper: 0.0118; "
                         "default: 0)")
    t1.add_argument("--fisher", type=_non_negative, default=0.0,
                    help="λ_F >= 0 of the Fisher regularizer, Eq. 8 (paper: 1e-4; default: 0 = off)")
    t1.add_argument("--split-seed", type=_seed, default=0,
                    help="seed of the stratified 1437/360 train/test split (default: 0)")
    t1.add_argument("--no-curvature", action="store_true",
                    help="skip the κ readings and the last-layer Hessian")
    t1.add_argument("--quiet", action="store_true", help="print nothing, show no progress bar")
    t1.set_defaults(func=_table1)
    from .experiments.shfin import add_parser as add_shfin_parser
    add_shfin_parser(sub)
    from .experiments.conditioning_training import add_parser as _lr_sweep
    _lr_sweep(sub)
    from .experiments.spectral_training import add_parser as add_spectral_parser
    add_spectral_parser(sub)
    from .experiments.structured import add_parser as _structured_parser
    _structured_parser(sub)
    from .network_hessian_cli import add_parser as add_network_hessian
    from .experiments.depth import add_parser as add_depth_parser
    add_depth_parser(sub)
    from .experiments.baselines import add_parser as add_baselines_parser
    add_baselines_parser(sub)
    add_network_hessian(sub)
    args = parser.parse_args(argv)
    if args.command == "table1":
        for option, values in (("--seeds", args.seeds), ("--models", args.models)):
            if len(set(values)) != len(values):
                t1.error(f"argument {option}: values must be distinct; got "
                         f"{' '.join(map(str, values))}")
    return args.func(args)
