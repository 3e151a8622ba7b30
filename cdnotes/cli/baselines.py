"""``python -m cdnotes baselines``: scikit-learn classifiers on the digits split (chapter 5)."""
from __future__ import annotations

from .options import add_sweep_options, check_distinct, run_sweep_command, seed

COMMAND = "baselines"


def add_parser(subparsers):
    """Register ``baselines`` on an ``argparse`` sub-parser collection; returns its parser."""
    from ..experiments.baselines import BASELINES

    p = subparsers.add_parser(
        COMMAND, help="scikit-learn classifiers on the digits split (chapter 5)",
        description="Fit logistic regression, an RBF SVM, k-NN, a random forest and "
                    "scikit-learn's MLPClassifier on the stratified 1437/360 digits split; "
                    "the stochastic ones once per seed. Writes the test accuracies as JSON.")
    add_sweep_options(p, out="digits_baselines.json", seeds=list(range(10)))
    p.add_argument("--names", nargs="+", choices=list(BASELINES), default=list(BASELINES),
                   help="classifiers (default: all five; the seeds apply to forest and mlp)")
    p.add_argument("--split-seed", type=seed, default=0,
                   help="seed of the stratified 1437/360 train/test split (default: 0)")
    p.set_defaults(func=lambda args: run(args, p))
    return p


def sweep(args):
    """The :class:`~cdnotes.engine.Sweep` of parsed ``args``: one job per (classifier, seed),
    a deterministic classifier once."""
    from ..engine import Sweep
    from ..experiments.baselines import baseline_job, baseline_jobs, baseline_settings

    return Sweep(COMMAND, baseline_settings(split_seed=args.split_seed),
                 baseline_jobs(args.names, args.seeds), baseline_job)


def run(args, parser) -> int:
    """Run ``baselines`` for parsed ``args``; returns the exit status."""
    check_distinct(parser, args, "seeds", "names")
    doc = run_sweep_command(parser, args, sweep(args))
    if not args.quiet:
        print(f"{len(doc['records'])} fits in {doc['sources'][-1]['wall_seconds']:.0f} s -> "
              f"{args.out}")
    return 0
