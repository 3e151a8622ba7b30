"""``python -m cdnotes network-hessian``: the whole network's Hessian of the digits models.

Runs :func:`cdnotes.experiments.network_hessian.network_hessian_record` for every job
(seed-major: every model, state and inputs of the first seed, then of the next — a run cut
short keeps whole seeds) and writes the results file after each job, atomically, so a killed
run keeps what it did; ``--resume`` skips the jobs already in ``--out``. ``--merge A.json
B.json --out C.json`` combines runs split across machines (their settings must agree, no job
twice).

The file: ``command``, ``settings`` (:func:`~cdnotes.experiments.network_hessian.settings`),
``records`` (one per job, each with ``source``: its index in ``sources``), ``sources`` (per
run: ``argv``, ``environment``, ``wall_seconds``, ``jobs_planned``, ``complete``).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from .mlp import PAPER_MODELS

__all__ = ["COMMAND", "add_parser", "merge_documents", "load_document", "run"]

COMMAND = "network-hessian"


def add_parser(subparsers):
    """Register ``network-hessian`` on an ``argparse`` sub-parser collection.

    Parameters
    ----------
    subparsers : the object ``ArgumentParser.add_subparsers()`` returned

    Returns
    -------
    argparse.ArgumentParser
        The sub-command's parser (its ``func`` default runs it).
    """
    from .cli import _out_path, _positive_int, _seed
    from .experiments.network_hessian import (BACKENDS, DEFAULT_WHITENING, INPUTS, SLQ_PROBES,
                                              SLQ_STEPS, STATES)
    from .whitening import WHITENING_NAMES

    p = subparsers.add_parser(
        COMMAND, help="the exact Hessian of the whole network of each digits model",
        description="For every (model, seed, state, inputs): the full Hessian and Gauss-Newton "
                    "matrices of the mean cross-entropy on all 1,437 training digits, their "
                    "complete spectra (summarised: λ_max, λ_min, negative mass, κ(cutoff), "
                    "percentile ratios, effective rank, log|λ| histograms), κ of the "
                    "Gauss-Newton matrix on its range, exact null directions by cause, every "
                    "layer's diagonal blocks, the paper's κ readings and stochastic Lanczos "
                    "quadrature against the exact spectrum. The JSON file is rewritten after "
                    "every job.")
    p.add_argument("--models", nargs="+", choices=list(PAPER_MODELS), default=list(PAPER_MODELS),
                   help="models (default: all three)")
    p.add_argument("--seeds", type=_seed, nargs="+", default=list(range(10)),
                   help="seeds (distinct integers >= 0; default: 0 … 9)")
    p.add_argument("--states", nargs="+", choices=list(STATES), default=list(STATES),
                   help="at initialisation and/or after the paper's 25-epoch training "
                        "(default: both)")
    p.add_argument("--inputs", nargs="+", choices=list(INPUTS), default=list(INPUTS),
                   help="raw or whitened training digits (default: both)")
    p.add_argument("--whitening", choices=list(WHITENING_NAMES[1:]), default=DEFAULT_WHITENING,
                   help="the whitening of --inputs whitened, fitted on the training digits at "
                        "the model's block size (1 for dense) (default: %(default)s)")
    p.add_argument("--split-seed", type=_seed, default=0,
                   help="seed of the 1437/360 split (default: 0)")
    p.add_argument("--backend", choices=list(BACKENDS), default="numpy",
                   help="where the Hessian products, eigenvalues and SLQ run (default: numpy; "
                        "cupy needs a GPU)")
    p.add_argument("--blas-threads", type=_positive_int, default=1,
                   help="BLAS threads of the NumPy products and eigensolvers (default: 1)")
    p.add_argument("--slq-probes", type=_positive_int, nargs="+", default=list(SLQ_PROBES),
                   help="probe counts of the SLQ comparison, increasing (default: "
                        + " ".join(map(str, SLQ_PROBES)) + ")")
    p.add_argument("--slq-steps", type=_positive_int, default=SLQ_STEPS,
                   help=f"Lanczos steps per SLQ probe (default: {SLQ_STEPS})")
    p.add_argument("--curve-seeds", type=_seed, nargs="*", default=[0],
                   help="seeds whose records keep the smoothed SLQ/exact densities for figures "
                        "(default: 0)")
    p.add_argument("--keep-spectra", action="store_true",
                   help="keep every eigenvalue in the records (large files)")
    p.add_argument("--resume", action="store_true",
                   help="keep the records already in --out and skip their jobs")
    p.add_argument("--merge", nargs="+", metavar="FILE", default=None,
                   help="instead of running: combine these results files into --out")
    p.add_argument("--out", type=_out_path, default="network_hessian.json",
                   help="output JSON file (default: network_hessian.json)")
    p.add_argument("--quiet", action="store_true", help="print nothing, show no progress bar")
    p.set_defaults(func=lambda args: run(args, p))
    return p


def load_document(path) -> dict:
    """A results file of this command, checked.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    dict with ``settings``, ``records`` and ``sources``

    Raises
    ------
    ValueError
        Not a ``network-hessian`` results file (the message names the file).
    """
    from .results import read_json

    doc = read_json(path)
    if not isinstance(doc, dict) or doc.get("command") != COMMAND or not all(
            key in doc for key in ("settings", "records", "sources")):
        raise ValueError(f"{os.fspath(path)} is not a {COMMAND} results file (it needs "
                         "'command': 'network-hessian', 'settings', 'records', 'sources')")
    return doc


def merge_documents(documents) -> dict:
    """One results document from several (runs split across machines).

    Parameters
    ----------
    documents : sequence of dicts as :func:`load_document` returns, at least one

    Returns
    -------
    dict: the records of all of them (each ``source`` renumbered), their ``sources`` in
    order, the shared ``settings``.

    Raises
    ------
    ValueError
        Settings that differ, or the same job (model, seed, state, inputs) twice.
    """
    from .experiments.network_hessian import job_key

    documents = list(documents)
    if not documents:
        raise ValueError("merge needs at least one results document")
    settings = documents[0]["settings"]
    records, sources, seen = [], [], {}
    for index, doc in enumerate(documents):
        if doc["settings"] != settings:
            differ = sorted(k for k in set(settings) | set(doc["settings"])
                            if settings.get(k) != doc["settings"].get(k))
            raise ValueError(f"document {index} was run with other settings ({', '.join(differ)})"
                             " than document 0; only runs of the same settings can be merged")
        for record in doc["records"]:
            key = job_key(record)
            if key in seen:
                raise ValueError(f"job {key} is in document {seen[key]} and in document {index}; "
                                 "drop one of them before merging")
            seen[key] = index
            records.append(dict(record, source=len(sources) + int(record.get("source", 0))))
        sources.extend(doc["sources"])
    return {"command": COMMAND, "settings": settings, "records": records, "sources": sources}


def _jobs(args):
    return [(model, seed, state, inputs) for seed in args.seeds for model in args.models
            for state in args.states for inputs in args.inputs]


def _check(args, parser):
    """Usage errors the option types cannot see (exit status 2)."""
    from .backend import available_backends

    for option in ("seeds", "models", "states", "inputs", "slq_probes"):
        values = getattr(args, option)
        if len(set(values)) != len(values):
            parser.error(f"argument --{option.replace('_', '-')}: values must be distinct; got "
                         f"{' '.join(map(str, values))}")
    if args.slq_probes != sorted(args.slq_probes):
        parser.error("argument --slq-probes: probe counts must be increasing; got "
                     f"{' '.join(map(str, args.slq_probes))}")
    if args.merge is None and args.backend == "cupy" and not available_backends()["cupy"]["usable"]:
        parser.error("argument --backend: cupy is not usable here ("
                     f"{available_backends()['cupy']['detail']}); use numpy")
    if args.merge is not None:
        documents = []
        for path in args.merge:
            try:
                documents.append(load_document(path))
            except (OSError, ValueError) as exc:
                parser.error(f"argument --merge: {exc}")
        return documents
    return None


def run(args, parser) -> int:
    """Run the sub-command for parsed ``args`` (see the module docstring).

    Parameters
    ----------
    args : argparse.Namespace from :func:`add_parser`'s parser
    parser : that parser (for usage errors)

    Returns
    -------
    int, the exit status
    """
    from .experiments.network_hessian import job_key, network_hessian_record, settings
    from .results import environment_info, write_json_atomic
    from .train import TrainConfig

    documents = _check(args, parser)
    start = time.perf_counter()
    if documents is not None:
        try:
            merged = merge_documents(documents)
        except ValueError as exc:
            parser.error(f"argument --merge: {exc}")
        write_json_atomic(args.out, merged)
        if not args.quiet:
            print(f"merged {len(merged['records'])} records from {len(documents)} files into "
                  f"{args.out}")
        return 0
    config = TrainConfig()
    shared = settings(split_seed=args.split_seed, whitening=args.whitening, config=config,
                      slq_probes=args.slq_probes, slq_steps=args.slq_steps)
    doc = {"command": COMMAND, "settings": shared, "records": [], "sources": []}
    if args.resume and os.path.exists(args.out):
        try:
            doc = load_document(args.out)
        except (OSError, ValueError) as exc:
            parser.error(f"argument --resume: {exc}")
        from .results import jsonable
        if doc["settings"] != jsonable(shared):
            parser.error(f"argument --resume: {args.out} was run with other settings; use "
                         "another --out")
    done = {job_key(r) for r in doc["records"]}
    jobs = [job for job in _jobs(args) if job not in done]
    source = {"argv": sys.argv[1:], "environment": environment_info(args.backend),
              "jobs_planned": len(jobs), "complete": False, "wall_seconds": 0.0}
    doc["sources"].append(source)
    index = len(doc["sources"]) - 1
    show = sys.stderr.isatty() and not args.quiet
    from tqdm.auto import tqdm
    bar = tqdm(jobs, desc=COMMAND, unit="job", disable=not show)
    for model, seed, state, inputs in bar:
        bar.set_postfix_str(f"{model} seed {seed} {state} {inputs}")
        record = network_hessian_record(
            model, seed, state, inputs, split_seed=args.split_seed, whitening=args.whitening,
            config=config, backend=args.backend, blas_threads=args.blas_threads,
            slq_probes=args.slq_probes, slq_steps=args.slq_steps,
            curves=seed in args.curve_seeds, keep_spectrum=args.keep_spectra)
        record["source"] = index
        doc["records"].append(record)
        source["wall_seconds"] = time.perf_counter() - start
        write_json_atomic(args.out, doc)
    source["complete"] = True
    source["wall_seconds"] = time.perf_counter() - start
    write_json_atomic(args.out, doc)
    if not args.quiet:
        print(f"wrote {len(jobs)} new records ({len(doc['records'])} in all) to {args.out} in "
              f"{source['wall_seconds']:.1f} s")
    return 0
