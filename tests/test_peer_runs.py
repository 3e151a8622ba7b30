"""Two peers runs read together (synthetic cdnotes-peers/2 documents)."""
from __future__ import annotations

import copy

import pytest

from cdnotes.benchmarking.peer_runs import (CDLINEAR, check_run_document, roofline_rows,
                                            run_cells, two_run_verdicts)

PEAKS = {"gemm_gflops": 100.0, "fft_gflops": 10.0, "copy_gbytes_per_s": 20.0}


def make_doc(times, *, threads=(1, 2), exceeded=(), created="2026-12-08T00:00:00+00:00"):
    """``times``: {(width, B): {implementation: best seconds}}; the same for every thread count."""
    runs = []
    for T in threads:
        rows, cells = [], []
        for (n, B), cell in times.items():
            for name, s in cell.items():
                rows.append({"width": n, "block_size": B, "batch": 256, "implementation": name,
                             "best_s": s * T, "median_s": 1.1 * s * T, "rounds_s": [s * T],
                             "ratio_to_cdlinear": s / cell[CDLINEAR],
                             "cpu_wall_ratio": 1.0 + 0.01 * T,
                             "threads_exceeded": (T, n, B, name) in exceeded})
            cells.append({"width": n, "block_size": B, "auto_method": "fft",
                          "load_before": [0.5, 0.4, 0.3], "load_after": [0.6, 0.4, 0.3]})
        runs.append({"threads": T, "rows": rows, "cells": cells, "thread_check": {}})
    env = {"created_utc": created, "cpu_count": 2, "cpu_model": "Test CPU", "machine": "x86_64",
           "peer_versions": {"torch": "2", "jax": "0.1", "jaxlib": "0.1", "peft": "0.2"}}
    return {"benchmark": "peers", "format": "cdnotes-peers/2", "environment": env,
            "config": {"batch": 256, "repeats": 9},
            "machine_peaks": {str(T): dict(PEAKS, threads=T) for T in threads}, "runs": runs}


TIMES = {(1024, 8): {CDLINEAR: 1.0, "torch rfft/einsum": 2.0, "peft C3A": 3.0,
                     "jax.jit rfft/einsum": 1.5, "cdnotes Dense": 0.5},
         (1024, 64): {CDLINEAR: 1.0, "torch rfft/einsum": 2.0, "peft C3A": 3.0,
                      "jax.jit rfft/einsum": 0.8, "cdnotes Dense": 4.0}}


def test_cells_of_one_run():
    cells = run_cells(make_doc(TIMES, exceeded=[(2, 1024, 8, "peft C3A")]))
    assert set(cells) == {(T, 1024, B) for T in (1, 2) for B in (8, 64)}
    assert cells[(2, 1024, 8)]["best"]["peft C3A"] == 6.0
    assert cells[(2, 1024, 8)]["exceeded"] == ["peft C3A"]
    assert cells[(1, 1024, 8)]["load"] == (0.5, 0.6)


def test_agreeing_runs_name_a_winner_and_dense_is_no_candidate():
    v = {(r["threads"], r["block_size"]): r for r in two_run_verdicts(make_doc(TIMES),
                                                                    make_doc(TIMES))}
    assert v[(1, 8)]["winner"] == CDLINEAR and v[(1, 8)]["cdlinear_leads"]      # Dense 0.5
    assert v[(1, 64)]["winner"] == "jax.jit rfft/einsum" and not v[(1, 64)]["cdlinear_leads"]
    assert v[(1, 64)]["ratio"]["jax.jit rfft/einsum"] == (0.8, 0.8)
    assert v[(1, 64)]["spread"]["jax.jit rfft/einsum"] == 0.0
    assert [r["threads"] for r in two_run_verdicts(make_doc(TIMES), make_doc(TIMES))] == \
        [1, 1, 2, 2]


def test_disagreeing_runs_have_no_winner_and_spread_is_measured():
    other = copy.deepcopy(TIMES)
    other[(1024, 8)]["jax.jit rfft/einsum"] = 0.9                  # jax fastest in run 2 only
    v = two_run_verdicts(make_doc(TIMES), make_doc(other))[0]
    assert v["fastest"] == (CDLINEAR, "jax.jit rfft/einsum") and v["winner"] is None
    assert not v["cdlinear_leads"]
    assert v["spread"]["jax.jit rfft/einsum"] == pytest.approx(1.5 / 0.9 - 1)
    slower = copy.deepcopy(TIMES)
    slower[(1024, 8)][CDLINEAR] = 1.2
    v = two_run_verdicts(make_doc(TIMES), make_doc(slower))[0]
    assert v["spread"][CDLINEAR] == pytest.approx(0.2)


def test_exceeded_marks_the_cell_from_either_run():
    flagged = make_doc(TIMES, exceeded=[(1, 1024, 64, "jax.jit rfft/einsum")])
    v = {(r["threads"], r["block_size"]): r for r in two_run_verdicts(make_doc(TIMES), flagged)}
    assert v[(1, 64)]["exceeded"] == ["jax.jit rfft/einsum"] and v[(1, 8)]["exceeded"] == []


def test_only_common_cells_and_clear_errors():
    one = make_doc(TIMES, threads=(1,))
    assert {r["threads"] for r in two_run_verdicts(one, make_doc(TIMES))} == {1}
    with pytest.raises(ValueError, match="share no"):
        two_run_verdicts(make_doc(TIMES, threads=(1,)), make_doc(TIMES, threads=(2,)))
    with pytest.raises(ValueError, match="cdnotes-peers/2"):
        check_run_document({"benchmark": "peers", "rows": []})
    with pytest.raises(TypeError):
        check_run_document([])
    bad = make_doc(TIMES)
    bad["runs"][0]["rows"] = [r for r in bad["runs"][0]["rows"] if r["implementation"] != CDLINEAR]
    with pytest.raises(ValueError, match="no 'cdnotes CDLinear' rows"):
        check_run_document(bad)


def test_roofline_rows_fractions():
    doc = make_doc(TIMES)
    rows = roofline_rows(doc)
    assert len(rows) == 4
    r = rows[0]
    assert r["fraction"][CDLINEAR] == pytest.approx(r["limit"]["seconds"] / 1.0)
    assert r["fraction"]["peft C3A"] == pytest.approx(r["fraction"][CDLINEAR] / 3)
    del doc["machine_peaks"]["2"]
    with pytest.raises(KeyError, match="machine_peaks for 2"):
        roofline_rows(doc)
