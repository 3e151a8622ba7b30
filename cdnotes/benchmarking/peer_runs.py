"""Two runs of ``benchmarks/peers.py`` (format ``cdnotes-peers/2``) read together: verdicts.

A run document holds ``runs``: one entry per thread count ``T`` with ``rows`` (one per
implementation and cell: ``width``, ``block_size``, ``implementation``, ``best_s``,
``median_s``, ``threads_exceeded``) and ``cells`` (``auto_method``, load averages), and
``machine_peaks`` by thread count (:func:`cdnotes.benchmarking.roofline.machine_peaks`).

For each thread count and cell present in both runs, :func:`two_run_verdicts` gives each
implementation's best time and ratio to CDLinear (``method="auto"``) in each run, the spread of
that ratio between the runs, the fastest *block-circulant* implementation of each run (the
candidates are :data:`BLOCK_CIRCULANT`; dense layers and CDLinear's explicit paths are reported,
not candidates) and the cell's winner only if both runs name the same one (else ``None``: no
winner). :func:`roofline_rows` puts each measured time against the cell's limit.
"""
from __future__ import annotations

import math

from .roofline import achieved_fraction, cell_limit

__all__ = ["PEERS_FORMAT", "CDLINEAR", "BLOCK_CIRCULANT", "check_run_document", "run_cells",
           "two_run_verdicts", "roofline_rows"]

PEERS_FORMAT = "cdnotes-peers/2"
CDLINEAR = "cdnotes CDLinear"
BLOCK_CIRCULANT = (CDLINEAR, "torch rfft/einsum", "peft C3A", "jax.jit rfft/einsum")


def check_run_document(doc) -> dict:
    """``doc`` itself if it is a ``cdnotes-peers/2`` document with runs, else a clear error.

    Parameters
    ----------
    doc : dict

    Returns
    -------
    dict
    """
    if not isinstance(doc, dict):
        raise TypeError(f"a peers run document is a dict, got {type(doc).__name__}")
    if doc.get("format") != PEERS_FORMAT:
        raise ValueError(f"not a {PEERS_FORMAT!r} peers document "
                         f"(format {doc.get('format')!r}); the "
                         "old one-run peers_cpu.json has no 'format' and is not read here")
    if not doc.get("runs"):
        raise ValueError("the peers document has no runs")
    for run in doc["runs"]:
        names = {r["implementation"] for r in run["rows"]}
        if run["rows"] and CDLINEAR not in names:
            raise ValueError(f"the {run['threads']}-thread run has no {CDLINEAR!r} rows")
    return doc


def run_cells(doc) -> dict:
    """``{(threads, width, block_size): cell}`` of one run document.

    Parameters
    ----------
    doc : dict
        A ``cdnotes-peers/2`` document.

    Returns
    -------
    dict
        Each cell: ``best`` and ``median`` (``{implementation: seconds}``), ``exceeded`` (the
        implementations whose processor / wall time passed ``T + 0.25``), ``auto_method`` and
        ``load`` (``(load before, load after)``, 1-minute averages; ``None`` if not recorded).
    """
    check_run_document(doc)
    cells = {}
    for run in doc["runs"]:
        T = run["threads"]
        info = {(c["width"], c["block_size"]): c for c in run.get("cells", [])}
        for r in run["rows"]:
            key = (T, r["width"], r["block_size"])
            c = info.get(key[1:], {})
            cell = cells.setdefault(key, {
                "best": {}, "median": {}, "exceeded": [], "auto_method": c.get("auto_method"),
                "load": (c["load_before"][0], c["load_after"][0]) if "load_before" in c
                else None})
            cell["best"][r["implementation"]] = r["best_s"]
            cell["median"][r["implementation"]] = r["median_s"]
            if r.get("threads_exceeded"):
                cell["exceeded"].append(r["implementation"])
    return cells


def _fastest(best):
    candidates = [n for n in BLOCK_CIRCULANT if n in best]
    return min(candidates, key=lambda n: best[n])


def two_run_verdicts(run1, run2) -> list:
    """Per thread count and cell common to both runs: times, ratios, spread and the winner.

    Parameters
    ----------
    run1, run2 : dict
        Two ``cdnotes-peers/2`` documents (the same command run twice).

    Returns
    -------
    list of dict
        Sorted by ``(threads, width, block_size)``; each has ``threads``, ``width``,
        ``block_size``, ``auto_method`` (a pair), ``best_s`` and ``ratio`` (``{implementation:
        (run 1, run 2)}``, ratio = time / CDLinear's time in the same run), ``spread``
        (``{implementation: max/min − 1}`` of the two ratios; CDLinear's own entry compares its
        two times), ``fastest`` (the fastest block-circulant implementation in each run),
        ``winner`` (that name if both runs agree, else ``None``), ``cdlinear_leads`` (CDLinear
        at most 1.0× the fastest block-circulant peer in both runs), ``exceeded`` (the
        implementations over their thread budget in either run) and ``load`` (a pair).
    """
    a, b = run_cells(run1), run_cells(run2)
    common = sorted(set(a) & set(b))
    if not common:
        raise ValueError("the two peers runs share no (threads, width, block size) cell")
    out = []
    for key in common:
        ca, cb = a[key], b[key]
        names = [n for n in ca["best"] if n in cb["best"]]
        best = {n: (ca["best"][n], cb["best"][n]) for n in names}
        ratio = {n: (ca["best"][n] / ca["best"][CDLINEAR], cb["best"][n] / cb["best"][CDLINEAR])
                 for n in names}
        spread = {n: max(ratio[n]) / min(ratio[n]) - 1 for n in names}
        spread[CDLINEAR] = max(best[CDLINEAR]) / min(best[CDLINEAR]) - 1
        fastest = (_fastest(ca["best"]), _fastest(cb["best"]))
        peers = [n for n in BLOCK_CIRCULANT if n in names and n != CDLINEAR]
        leads = all(ratio[p][i] >= 1.0 for p in peers for i in (0, 1))
        out.append({"threads": key[0], "width": key[1], "block_size": key[2],
                    "auto_method": (ca["auto_method"], cb["auto_method"]),
                    "best_s": best, "ratio": ratio, "spread": spread, "fastest": fastest,
                    "winner": fastest[0] if fastest[0] == fastest[1] else None,
                    "cdlinear_leads": leads,
                    "exceeded": sorted(set(ca["exceeded"]) | set(cb["exceeded"])),
                    "load": (ca["load"], cb["load"])})
    return out


def roofline_rows(doc) -> list:
    """Each cell's limit at the run's own machine peaks and every implementation's fraction.

    Parameters
    ----------
    doc : dict
        A ``cdnotes-peers/2`` document with ``machine_peaks`` for each thread count.

    Returns
    -------
    list of dict
        Sorted by ``(threads, width, block_size)``: ``threads``, ``width``, ``block_size``,
        ``limit`` (:func:`cdnotes.benchmarking.roofline.cell_limit`'s dict) and ``fraction``
        (``{implementation: limit / best time}``).
    """
    check_run_document(doc)
    batch = doc["config"]["batch"]
    rows = []
    for (T, n, B), cell in sorted(run_cells(doc).items()):
        peaks = doc.get("machine_peaks", {}).get(str(T))
        if peaks is None:
            raise KeyError(f"the peers document has no machine_peaks for {T} thread(s)")
        limit = cell_limit(n, B, batch, peaks)
        fraction = {name: achieved_fraction(limit["seconds"], s)
                    for name, s in cell["best"].items() if math.isfinite(s) and s > 0}
        rows.append({"threads": T, "width": n, "block_size": B, "limit": limit,
                     "fraction": fraction})
    return rows
