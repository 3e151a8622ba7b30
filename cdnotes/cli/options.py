"""The options every sub-command shares, checked while the command line is parsed.

A bad value (``--epochs 0``, ``--lr nan``, ``--momentum 1.5``, an ``--out`` that is a
directory or cannot be written, a seed given twice) is a usage error (exit status 2) that
names the option and what it may be — before any job runs.
"""
from __future__ import annotations

import argparse
import math
import sys

__all__ = ["option_type", "positive_int", "seed", "positive", "non_negative", "unit",
           "out_path", "dask_address", "add_output_options", "add_sweep_options", "check_distinct",
           "show_progress", "run_sweep_command", "run_summarized_sweep"]


def option_type(what: str, convert, test):
    """An argparse ``type=``: ``convert(text)`` must succeed and ``test(value)`` hold.

    Parameters
    ----------
    what : str, what the value must be ("a positive integer"), used in the error
    convert : callable ``str -> value`` raising ``ValueError`` on bad text
    test : callable ``value -> bool``

    Returns
    -------
    callable ``str -> value`` raising ``argparse.ArgumentTypeError`` on a bad value
    """

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}") from None
        if not test(value):
            raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}")
        return value

    parse.__name__ = what
    parse.__doc__ = (f"An option value that must be {what}.\n\n    Parameters\n    ----------\n"
                     "    text : str, the value as typed\n\n    Returns\n    -------\n"
                     "    the converted value\n")
    return parse


positive_int = option_type("a positive integer", int, lambda v: v >= 1)
seed = option_type("a non-negative integer", int, lambda v: v >= 0)
positive = option_type("a finite number > 0", float, lambda v: math.isfinite(v) and v > 0)
non_negative = option_type("a finite number >= 0", float, lambda v: math.isfinite(v) and v >= 0)
unit = option_type("a number in [0, 1)", float, lambda v: 0 <= v < 1)


def out_path(text):
    """``--out``: a file path that can be written (checked before any job runs).

    Parameters
    ----------
    text : str, the path as typed

    Returns
    -------
    str, the path
    """
    from ..results import check_writable_path

    try:
        return check_writable_path(text, "--out")
    except (TypeError, OSError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def dask_address(text):
    """``--dask``: a scheduler address ``SCHEME://HOST:PORT`` (checked before any job runs).

    Parameters
    ----------
    text : str, the address as typed

    Returns
    -------
    str, the address
    """
    from ..engine import check_dask_address

    try:
        return check_dask_address(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_output_options(parser, *, out: str, seeds=None):
    """``--seeds`` (when ``seeds`` is a default list), ``--out`` and ``--quiet``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    out : str, the default output file
    seeds : list of int, optional, the default seeds (no ``--seeds`` option when omitted)

    Returns
    -------
    None
    """
    if seeds is not None:
        parser.add_argument("--seeds", type=seed, nargs="+", default=list(seeds),
                            help="seeds (distinct integers >= 0; default: "
                                 f"{' '.join(map(str, seeds))})")
    parser.add_argument("--out", type=out_path, default=out,
                        help=f"output JSON file, written atomically; missing directories are "
                             f"created (default: {out})")
    parser.add_argument("--quiet", action="store_true",
                        help="print nothing, show no progress bar")


def add_sweep_options(parser, *, out: str, seeds=None):
    """:func:`add_output_options` plus the sweep runner's ``--jobs``, ``--dask``, ``--resume``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    out : str, the default output file
    seeds : list of int, optional, the default seeds

    Returns
    -------
    None
    """
    add_output_options(parser, out=out, seeds=seeds)
    parser.add_argument("--jobs", type=positive_int, default=1,
                        help="local worker processes (default: 1; the records are the same "
                             "for any value)")
    parser.add_argument("--dask", metavar="ADDRESS", type=dask_address, default=None,
                        help="run the jobs on the workers of a running dask.distributed "
                             "scheduler, e.g. tcp://10.0.0.5:8786 (pip install "
                             "'cdnotes[cluster]'); --jobs is then ignored")
    parser.add_argument("--resume", action="store_true",
                        help="keep the jobs already in --out (and its journal, after a kill) "
                             "and run only the others")


def check_distinct(parser, args, *names):
    """A usage error when an option given as a list repeats a value.

    Parameters
    ----------
    parser : argparse.ArgumentParser (its ``error`` exits with status 2)
    args : argparse.Namespace
    names : str, attribute names (``"seeds"``, ``"sgd_rates"``); absent or ``None`` skipped

    Returns
    -------
    None (or exits with status 2)
    """
    for name in names:
        values = getattr(args, name, None)
        if values is None:
            continue
        if len(set(values)) != len(values):
            parser.error(f"argument --{name.replace('_', '-')}: values must be distinct; got "
                         f"{' '.join(map(str, values))}")


def show_progress(args) -> bool:
    """Whether to show a progress bar: stderr is a terminal (or ``--progress`` was given)
    and ``--quiet`` was not.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    bool
    """
    return ((sys.stderr.isatty() or getattr(args, "progress", False))
            and not getattr(args, "quiet", False))


def run_sweep_command(parser, args, sweep) -> dict:
    """Run ``sweep`` as the parsed ``--out --jobs --dask --resume --quiet`` ask.

    Parameters
    ----------
    parser : argparse.ArgumentParser, for usage errors (a resumed file of other settings)
    args : argparse.Namespace from a parser given :func:`add_sweep_options`
    sweep : cdnotes.engine.Sweep

    Returns
    -------
    dict, the document written
    """
    from ..engine import SweepDocumentError, run_sweep

    try:
        return run_sweep(sweep, args.out, n_jobs=args.jobs, dask=args.dask,
                         resume=args.resume, progress=show_progress(args),
                         argv=getattr(args, "argv", None))
    except SweepDocumentError as exc:
        parser.error(f"argument --resume: {exc}")


def run_summarized_sweep(parser, args, sweep, summarize) -> dict:
    """:func:`run_sweep_command`, then ``doc["summary"] = summarize(records)``, written again.

    Parameters
    ----------
    parser, args, sweep
        As for :func:`run_sweep_command`.
    summarize : callable
        ``records -> JSON-able summary``.

    Returns
    -------
    dict, the document written (with its ``"summary"``)
    """
    from ..results import write_json_atomic

    doc = run_sweep_command(parser, args, sweep)
    doc["summary"] = summarize(doc["records"])
    write_json_atomic(args.out, doc)
    return doc


def print_rate_summary(doc, out, count="params", width=20):
    """Print a rate-chosen-on-validation summary (one line per label) and where it was written.

    Parameters
    ----------
    doc : dict, a written document with ``summary`` (rows of
        :func:`cdnotes.experiments.architectures.summarize`'s shape), ``records``, ``sources``
    out : str, the file written
    count : str, what ``n_params`` counts ("params", "trainable")
    width : int, the label column's width

    Returns
    -------
    None
    """
    for label, s in doc["summary"].items():
        ci = ("" if s["test_low"] is None
              else f" [{100 * s['test_low']:.1f}, {100 * s['test_high']:.1f}]")
        print(f"{label:{width}s} {s['n_params']:6d} {count}  lr {s['lr']:<7g} test "
              f"{100 * s['test_mean']:.1f} %{ci} (n = {s['n_seeds']}, "
              f"{s['train_seconds']:.1f} s)")
    print(f"wrote {len(doc['records'])} records to {out} in "
          f"{doc['sources'][-1]['wall_seconds']:.1f} s")

