"""Command line: ``python -m cdnotes <command> …`` (``--help`` on each for its options).

One module per sub-command, each with ``add_parser(subparsers)``; the options they share
(``--seeds``, ``--out``, ``--quiet``, ``--jobs``, ``--dask``, ``--resume``) and their checks
live in :mod:`cdnotes.cli.options`; the jobs run on :mod:`cdnotes.engine`.
"""
from __future__ import annotations

import argparse
import importlib

__all__ = ["main", "SUBCOMMANDS", "build_parser"]

SUBCOMMANDS = ("table1", "structured", "depth", "baselines", "network_hessian")
"""Modules of :mod:`cdnotes.cli`, one per sub-command, in the order ``--help`` lists them."""

_LEGACY = (("..experiments.shfin", "add_parser"),
           ("..experiments.conditioning_training", "add_parser"),
           ("..experiments.spectral_training", "add_parser"))


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m cdnotes`` parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="python -m cdnotes",
        description="cdnotes: the experiments of the Communication Dynamics neural-network "
                    "paper, each as seeded jobs written to a JSON results file")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    for module, attr in _LEGACY:
        getattr(importlib.import_module(module, __name__), attr)(sub)
    return parser


def main(argv=None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``) and run the sub-command; the exit status."""
    args = build_parser().parse_args(argv)
    return args.func(args)


# Until every sub-command has its module here: the names the older parsers import.
from .options import (non_negative as _non_negative, out_path as _out_path,  # noqa: E402
                      positive as _positive, positive_int as _positive_int, seed as _seed,
                      unit as _unit)
