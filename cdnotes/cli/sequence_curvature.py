"""``python -m cdnotes sequence-curvature``: whole-network curvature of dense vs CD CNNs and
transformers on MNIST-1D, the transformer with and without LayerNorm."""
from __future__ import annotations

from .options import (add_sweep_options, check_distinct, option_type, positive, positive_int,
                      run_summarized_sweep, seed)

COMMAND = "sequence-curvature"

non_negative_int = option_type("a non-negative integer", int, lambda v: v >= 0)
"""``--slq-probes``: an integer >= 0."""


def add_parser(subparsers):
    """Register ``sequence-curvature`` on an ``argparse`` sub-parser collection; returns its
    parser."""
    from ..experiments.sequence_curvature import LAYERNORMS, MODELS, STATES

    p = subparsers.add_parser(
        COMMAND, help="the whole network's Hessian of dense and CD CNNs and transformers on "
                      "MNIST-1D (with and without LayerNorm)",
        description="For every (model, block size, LayerNorm, seed, state): a small MNIST-1D "
                    "CNN or transformer (dense or CD) at initialisation or after a short Adam "
                    "training, the Hessian and Gauss-Newton matrices of its mean cross-entropy "
                    "on the first --n-eval training sequences, all their eigenvalues (P <= "
                    "--full-max; else Lanczos extremes), and cutoff-robust measures (λ_max, "
                    "λ_min, negative mass, κ(cutoff), percentile ratios, effective rank). The "
                    "summary gives medians over seeds and paired comparisons dense vs CD and "
                    "with vs without LayerNorm, refusing a verdict on a κ at its ceiling.")
    add_sweep_options(p, out="sequence_curvature.json", seeds=[0, 1, 2, 3, 4])
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS),
                   help=f"models (default: {' '.join(MODELS)})")
    p.add_argument("--block-sizes", type=positive_int, nargs="+", default=[4],
                   help="block sizes B of the CD models (default: 4); each must divide "
                        "--channels, --d-model / --n-heads and --ffn-hidden")
    p.add_argument("--layernorm", nargs="+", choices=list(LAYERNORMS),
                   default=list(LAYERNORMS),
                   help="the transformer with its LayerNorms and/or with each replaced by the "
                        "identity (default: both)")
    p.add_argument("--states", nargs="+", choices=list(STATES), default=list(STATES),
                   help="at initialisation and/or after --epochs of Adam (default: both)")
    p.add_argument("--channels", type=positive_int, default=16,
                   help="the CNN's channels (default: 16)")
    p.add_argument("--d-model", type=positive_int, default=16,
                   help="the transformer's width (default: 16)")
    p.add_argument("--n-heads", type=positive_int, default=2,
                   help="the transformer's heads (default: 2)")
    p.add_argument("--ffn-hidden", type=positive_int, default=32,
                   help="the transformer's feed-forward width (default: 32)")
    p.add_argument("--n-eval", type=positive_int, default=512,
                   help="the evaluation batch: the first N training sequences (default: 512)")
    p.add_argument("--full-max", type=positive_int, default=4000,
                   help="form and diagonalise the full matrices up to this many parameters; "
                        "above, Lanczos extremes only (default: 4000)")
    p.add_argument("--lanczos-steps", type=positive_int, default=80,
                   help="Lanczos steps above --full-max (default: 80)")
    p.add_argument("--slq-probes", type=non_negative_int, default=8,
                   help="SLQ probes above --full-max (trace and negative-mass estimates; 0: "
                        "none; default: 8)")
    p.add_argument("--epochs", type=positive_int, default=10,
                   help="Adam epochs of --states trained (default: 10)")
    p.add_argument("--lr", type=positive, default=1e-3, help="Adam's rate (default: 0.001)")
    p.add_argument("--batch-size", type=positive_int, default=64,
                   help="mini-batch size (default: 64)")
    p.add_argument("--n-train", type=positive_int, default=None,
                   help="train on only the first N training sequences (a smoke run; "
                        "default: all 4000)")
    p.add_argument("--split-seed", type=seed, default=0,
                   help="seed of MNIST-1D's split (default: 0)")
    p.set_defaults(func=lambda args: run(args, p))
    return p


def sweep(args):
    """The :class:`~cdnotes.engine.Sweep` of parsed ``args``: one job per (model, block size,
    LayerNorm, seed, state), seed-major."""
    from ..engine import Sweep
    from ..experiments.sequence_curvature import CD_MODELS, run_job

    settings = {"n_eval": args.n_eval, "split_seed": args.split_seed, "epochs": args.epochs,
                "lr": args.lr, "batch_size": args.batch_size, "n_train": args.n_train,
                "full_max": args.full_max, "lanczos_steps": args.lanczos_steps,
                "slq_probes": args.slq_probes,
                "channels": args.channels, "d_model": args.d_model, "n_heads": args.n_heads,
                "ffn_hidden": args.ffn_hidden, "optimizer": "adam"}
    jobs = [{"model": m, "block_size": b, "layernorm": ln, "seed": s, "state": state}
            for s in args.seeds for state in args.states for m in args.models
            for b in (args.block_sizes if m in CD_MODELS else [None])
            for ln in (args.layernorm if m.startswith("transformer") else [None])]
    return Sweep(COMMAND, settings, jobs, run_job)


def check(parser, args):
    """Usage errors for options that are fine alone but not together (exit status 2)."""
    check_distinct(parser, args, "seeds", "models", "block_sizes", "layernorm", "states")
    cnn = any(m.startswith("cnn") for m in args.models)
    transformer = any(m.startswith("transformer") for m in args.models)
    if transformer and args.d_model % args.n_heads:
        parser.error(f"argument --n-heads: must divide --d-model {args.d_model}; got "
                     f"{args.n_heads}")
    if any(m.endswith("_cd") for m in args.models):
        sizes = ({"--channels": args.channels} if cnn else {}) | (
            {"--d-model / --n-heads": args.d_model // args.n_heads,
             "--ffn-hidden": args.ffn_hidden} if transformer else {})
        for b in args.block_sizes:
            bad = [name for name, n in sizes.items() if n % b]
            if bad:
                parser.error(f"argument --block-sizes: {b} must divide {', '.join(bad)} "
                             f"({', '.join(str(sizes[n]) for n in bad)})")
    if args.n_eval > 4000:
        parser.error(f"argument --n-eval: at most the 4000 training sequences; got "
                     f"{args.n_eval}")
    if args.n_train is not None and args.n_train > 4000:
        parser.error(f"argument --n-train: at most the 4000 training sequences; got "
                     f"{args.n_train}")


def run(args, parser) -> int:
    """Run ``sequence-curvature`` for parsed ``args``; returns the exit status."""
    from ..experiments.sequence_curvature import summarize

    check(parser, args)
    doc = run_summarized_sweep(parser, args, sweep(args), summarize)
    if not args.quiet:
        for label, s in doc["summary"]["configs"].items():
            h = s["hessian"]
            kap = h.get("kappa_1e-06", {}).get("median")
            print(f"{label:34s} P {s['n_params']:5d}  loss {s['loss']['median']:.3f}  "
                  f"λ_max {h['lambda_max']['median']:.3g}  κ(1e-6) "
                  f"{'at ceiling' if kap is None else f'{kap:.3g}'} (n = {len(s['seeds'])})")
        for c in doc["summary"]["comparisons"]:
            if c["matrix"] == "hessian" and c["measure"] in ("lambda_max", "kappa_1e-06",
                                                              "negative_mass"):
                print(f"{c['first']} vs {c['second']}: {c['measure']} {c['verdict']}")
        print(f"wrote {len(doc['records'])} records to {args.out} in "
              f"{doc['sources'][-1]['wall_seconds']:.1f} s")
    return 0
