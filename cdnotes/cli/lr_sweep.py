"""``python -m cdnotes lr-sweep``: learning-rate sweeps, sharpness, K-FAC and whitening."""
from __future__ import annotations

from .options import (add_sweep_options, check_distinct, positive, positive_int,
                      run_sweep_command)

COMMAND = "lr-sweep"


def add_parser(subparsers):
    """Register ``lr-sweep`` on an ``argparse`` sub-parser collection; returns its parser."""
    from ..experiments import conditioning_training as ct

    def listed(values):
        return " ".join(f"{v:g}" for v in values)

    p = subparsers.add_parser(
        COMMAND, help="does conditioning matter for training? learning-rate sweeps, "
                      "sharpness, K-FAC and whitening",
        description="Does conditioning matter for training? For each data set (digits, "
                    "MNIST-1D) and model (dense, CD-B4, CD-B8): SGD+momentum and Adam over log "
                    "grids of learning rates, K-FAC with the exact per-frequency input factor, "
                    "SGD on ZCA- and per-frequency-whitened inputs, every seed; the Gauss-Newton "
                    "λ_max at initialisation and tracked during a few SGD runs. One job per "
                    "training run; per-epoch loss, accuracy and seconds of every run.")
    add_sweep_options(p, out="conditioning_training.json", seeds=[0, 1, 2, 3, 4])
    p.add_argument("--datasets", nargs="+", choices=list(ct.DATASETS), default=list(ct.DATASETS),
                   help="data sets (default: digits mnist1d)")
    p.add_argument("--models", nargs="+", choices=list(ct.MODELS), default=list(ct.MODELS),
                   help="models (default: dense cd4 cd8)")
    p.add_argument("--epochs-digits", type=positive_int, default=ct.EPOCHS["digits"],
                   help=f"epochs on digits (default: {ct.EPOCHS['digits']})")
    p.add_argument("--epochs-mnist1d", type=positive_int, default=ct.EPOCHS["mnist1d"],
                   help=f"epochs on MNIST-1D (default: {ct.EPOCHS['mnist1d']})")
    for name, rates, what in (("sgd", ct.SGD_RATES, "SGD+momentum rates"),
                              ("adam", ct.ADAM_RATES, "Adam rates"),
                              ("kfac", ct.KFAC_RATES, "K-FAC rates"),
                              ("whitened", ct.WHITENED_RATES, "SGD rates on whitened inputs")):
        p.add_argument(f"--{name}-rates", type=positive, nargs="+", default=list(rates),
                       help=f"{what}, distinct, > 0 (default: {listed(rates)})")
    p.add_argument("--whitenings", nargs="*", choices=["zca", "spectral-block", "pca",
                                                       "standardize", "spectral"],
                   default=list(ct.WHITENINGS),
                   help="input whitenings SGD runs on; spectral-block only for the CD models "
                        f"(default: {' '.join(ct.WHITENINGS)}; none: no whitened runs)")
    p.add_argument("--sharpness-rates", type=positive, nargs="*",
                   default=list(ct.SHARPNESS_RATES),
                   help="SGD rates whose λ_max is tracked every epoch, with the first seed "
                        f"(default: {listed(ct.SHARPNESS_RATES)})")
    p.set_defaults(func=lambda args: run(args, p))
    return p


def sweep(args):
    """The :class:`~cdnotes.engine.Sweep` of parsed ``args``: one job per run."""
    from ..experiments.conditioning_training import lr_sweep

    return lr_sweep(datasets=args.datasets, models=args.models, seeds=args.seeds,
                    epochs={"digits": args.epochs_digits, "mnist1d": args.epochs_mnist1d},
                    sgd_rates=args.sgd_rates, adam_rates=args.adam_rates,
                    kfac_rates=args.kfac_rates, whitened_rates=args.whitened_rates,
                    whitenings=args.whitenings, sharpness_rates=args.sharpness_rates,
                    sharpness_seeds=args.seeds[:1])


def run(args, parser) -> int:
    """Run ``lr-sweep`` for parsed ``args``; returns the exit status."""
    from ..experiments.conditioning_training import conditioning_results

    check_distinct(parser, args, "seeds", "datasets", "models", "sgd_rates", "adam_rates",
                   "kfac_rates", "whitened_rates", "whitenings", "sharpness_rates")
    doc = run_sweep_command(parser, args, sweep(args))
    if not args.quiet:
        view = conditioning_results(doc)
        print(f"wrote {len(view['runs'])} runs and {len(view['lambda_max_init'])} initial "
              f"λ_max to {args.out} in {doc['sources'][-1]['wall_seconds']:.0f} s")
    return 0
