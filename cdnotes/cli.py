"""Command line: ``python -m cdnotes table1 --seeds 0 1 2 --out results.json``."""
from __future__ import annotations

import argparse
import sys
import time

from .mlp import PAPER_MODELS
from .train import TrainConfig


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
    t1.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                    help="seeds: initial weights, dropout masks, batch order (default: 0 1 2)")
    t1.add_argument("--out", default="results.json", help="output JSON file (default: results.json)")
    t1.add_argument("--models", nargs="+", choices=list(PAPER_MODELS), default=list(PAPER_MODELS),
                    help="models to train (default: all three)")
    t1.add_argument("--epochs", type=int, default=25, help="epochs (default: 25)")
    t1.add_argument("--lr", type=float, default=0.1, help="SGD learning rate (default: 0.1)")
    t1.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default: 0.9)")
    t1.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default: 64)")
    t1.add_argument("--loss", choices=["cross_entropy", "squared_error"], default="cross_entropy",
                    help="training loss (default: cross_entropy)")
    t1.add_argument("--dropout", type=float, default=0.0,
                    help="Shannon dropout rate after each hidden ReLU (paper: 0.0118; default: 0)")
    t1.add_argument("--fisher", type=float, default=0.0,
                    help="λ_F of the Fisher regularizer, Eq. 8 (paper: 1e-4; default: 0 = off)")
    t1.add_argument("--split-seed", type=int, default=0,
                    help="seed of the stratified 1437/360 train/test split (default: 0)")
    t1.add_argument("--no-curvature", action="store_true",
                    help="skip the κ readings and the last-layer Hessian")
    t1.add_argument("--quiet", action="store_true", help="print nothing, show no progress bar")
    t1.set_defaults(func=_table1)
    args = parser.parse_args(argv)
    return args.func(args)
