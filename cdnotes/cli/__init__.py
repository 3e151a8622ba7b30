"""Command line: ``python -m cdnotes <command> …`` (``--help`` on each for its options).

One module per sub-command, each with ``add_parser(subparsers)``; the options they share
(``--seeds``, ``--out``, ``--quiet``, ``--jobs``, ``--dask``, ``--resume``) and their checks
live in :mod:`cdnotes.cli.options`; the jobs run on :mod:`cdnotes.engine`.
"""
from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["main", "SUBCOMMANDS", "build_parser"]

SUBCOMMANDS = ("table1", "spectral", "spectral_probes", "lr_sweep", "shfin", "structured",
               "depth", "baselines", "network_hessian", "architectures",
               "sequence_curvature", "adapters")
"""Modules of :mod:`cdnotes.cli`, one per sub-command, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m cdnotes`` parser with every sub-command registered.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="python -m cdnotes",
        description="cdnotes: the experiments of the Communication Dynamics neural-network "
                    "paper, each as seeded jobs written to a JSON results file")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Parse the command line and run the sub-command.

    Parameters
    ----------
    argv : list of str, optional (default ``sys.argv[1:]``)

    Returns
    -------
    int, the exit status
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv                      # recorded in the results file's sources
    return args.func(args)

