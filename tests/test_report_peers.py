"""Chapter 7's peers section from two synthetic cdnotes-peers/2 runs (and the shipped ones)."""
from __future__ import annotations

import copy

import pytest
from test_peer_runs import TIMES, make_doc

from cdnotes.benchmarking.peer_runs import CDLINEAR
from cdnotes.measurements import load_measurement
from cdnotes.report import peers as report


def test_settings_values():
    v = report.peer_settings(make_doc(TIMES), make_doc(TIMES, created="2026-12-08T02:30:00+00:00"))
    assert v.values["ch7_peers_batch"] == 256 and v.values["ch7_peers_repeats"] == "9"
    assert v.values["ch7_peers_threads"] == "1 and 2" and v.data["threads"] == [1, 2]
    assert v.values["ch7_peers_apart_h"] == pytest.approx(2.5)
    assert (v.values["ch7_peers_load_lo"], v.values["ch7_peers_load_hi"]) == (0.5, 0.6)
    assert v.values["ch7_peers_cpu"] == "Test CPU"
    assert v.values["ch7_peers_jax_one_thread_cores"] == pytest.approx(1.01)


def test_verdict_table_and_counts():
    other = copy.deepcopy(TIMES)
    other[(1024, 8)]["jax.jit rfft/einsum"] = 0.9
    sec = report.peer_verdicts(make_doc(TIMES), make_doc(other), 1)
    v = sec.values
    assert (v["ch7_peers_t1_cells"], v["ch7_peers_t1_cd_wins"], v["ch7_peers_t1_no_winner"],
            v["ch7_peers_t1_leads"]) == (2, 0, 1, 0)
    assert v["ch7_peers_t1_peer_wins"] == "jax won at width 1024, B = 64"
    assert v["ch7_peers_t1_ratio_spread"] == pytest.approx(100 * (1.5 / 0.9 - 1))
    assert sec.header[:4] == ["width", "B", "auto's path", "CDLinear ms (run 1/2)"]
    row = sec.rows[0]
    assert row[:4] == [1024, 8, "fft", "1000.00/1000.00"]
    assert row[sec.header.index("jax")] == "1.50/0.90"
    assert row[4] == "no winner" and sec.rows[1][4] == "jax"
    assert "over thread budget" not in sec.header        # no implementation was flagged
    assert not set(sec.header) & {"CD fft", "Dense", "jax dense"}   # not candidates: elsewhere
    alt = report.peer_alternatives(make_doc(TIMES), make_doc(other), 1)
    assert alt.header[:2] == ["width", "B"] and "jax" not in alt.header
    assert "Dense" in alt.header
    assert all(len(r) == len(alt.header) for r in alt.rows)
    with pytest.raises(ValueError, match="no cell on 4 thread"):
        report.peer_verdicts(make_doc(TIMES), make_doc(TIMES), 4)


def test_verdict_marks_threads_exceeded():
    flagged = make_doc(TIMES, exceeded=[(2, 1024, 8, "peft C3A")])
    sec = report.peer_verdicts(make_doc(TIMES), flagged, 2)
    assert sec.header[-1] == "over thread budget"
    assert sec.rows[0][-1] == "peft C3A" and sec.rows[1][-1] == "–"
    assert sec.values["ch7_peers_t2_exceeded"] == "width 1024, B = 8"


def test_roofline_table_and_ranges():
    sec = report.peer_roofline(make_doc(TIMES), make_doc(TIMES), 1)
    assert len(sec.rows) == 2 and sec.header[4] == "CDLinear"
    v = sec.values
    assert v["ch7_peers_t1_roof_cd_lo"] <= v["ch7_peers_t1_roof_cd_hi"]
    assert v["ch7_peers_t1_roof_gemm"] == 100.0
    # the best block-circulant peer at B = 64 is jax, 1.25x CDLinear's fraction
    assert v["ch7_peers_t1_roof_peer_hi"] >= 1.25 * v["ch7_peers_t1_roof_cd_lo"]


def test_the_shipped_runs_read():
    run1, run2 = load_measurement("peers_cpu_run1"), load_measurement("peers_cpu_run2")
    settings = report.peer_settings(run1, run2)
    for T in settings.data["threads"]:
        sec = report.peer_verdicts(run1, run2, T)
        assert sec.values[f"ch7_peers_t{T}_cells"] == len(sec.rows) > 0
        assert all(len(r) == len(sec.header) for r in sec.rows)
        roof = report.peer_roofline(run1, run2, T)
        assert len(roof.rows) == len(sec.rows)
        assert 0 < roof.values[f"ch7_peers_t{T}_roof_cd_lo"]
    assert {r["implementation"] for t in run1["runs"] for r in t["rows"]} >= {CDLINEAR}


def test_old_file_note():
    v = report.old_file_note(load_measurement("peers_cpu")).values
    assert v["ch7_peers_old_flags"].startswith("--xla_cpu_multi_thread_eigen=false")
    assert v["ch7_peers_old_date"] == "2026-11-27" and v["ch7_peers_old_jax"] == "1 (XLA_FLAGS)"
    assert report.old_file_note({"environment": {"created_utc": "2026-01-01T00:00"}}).values[
        "ch7_peers_old_flags"] == "none"


def test_the_real_grid_shape():
    grid = {(n, B): {CDLINEAR: n / 1e6, f"{CDLINEAR} fft": n / 1e6, f"{CDLINEAR} rdft": B / 1e4,
                     "torch rfft/einsum": 2 * n / 1e6, "peft C3A": 3 * n / 1e6,
                     "jax.jit rfft/einsum": 0.9 * n / 1e6 if B == 8 else 1.1 * n / 1e6,
                     "cdnotes Dense": n * n / 1e9, "torch Linear": n * n / 1e9,
                     "jax.jit dense": n * n / 1e9}
            for n in (1024, 2048, 4096) for B in (8, 64, 512)}
    run1, run2 = make_doc(grid), make_doc(grid)
    for T in (1, 2):
        sec = report.peer_verdicts(run1, run2, T)
        assert len(sec.rows) == 9 and len(sec.header) == 5 + 3
        alt = report.peer_alternatives(run1, run2, T)
        assert len(alt.rows) == 9 and len(alt.header) == 2 + 5
        dense = [r[k] for r in alt.rows for k, h in enumerate(alt.header)
                 if h in ("Dense", "torch Linear", "jax dense")]
        lo = min(float(x.split("/")[0]) for x in dense)
        assert alt.values[f"ch7_peers_t{T}_dense_lo"] == pytest.approx(lo, abs=0.006)
        assert sec.values[f"ch7_peers_t{T}_cd_wins"] == 6
        assert sec.values[f"ch7_peers_t{T}_peer_wins"].count("jax won at width") == 3
        roof = report.peer_roofline(run1, run2, T)
        assert len(roof.rows) == 9 and all(len(r) == len(roof.header) for r in roof.rows)
        assert {r[3].split(":")[0] for r in roof.rows} <= {"fft", "rdft"}


def test_unpinned_control_clause():
    run1, run2 = make_doc(TIMES), make_doc(TIMES)
    v = report.unpinned_control(run1, run2).values
    assert v["ch7_peers_control"] == ("run 1 has no unpinned control of jax; "
                                      "run 2 has no unpinned control of jax")
    assert v["ch7_peers_control_cores"] != v["ch7_peers_control_cores"]          # NaN
    control = make_doc({(1024, 8): TIMES[(1024, 8)]}, threads=(1,))["runs"][0]
    for r in control["rows"]:
        r["best_s"] /= 2
        r["cpu_wall_ratio"] = 1.5
    run1["control"] = control
    v = report.unpinned_control(run1, run2).values
    assert v["ch7_peers_control"].startswith(
        "in run 1 (width 1024, B = 8) jax used 1.50 cores' worth of processor time "
        "(pinned: 1.01) and took 0.50× its pinned time, at a load of 0.50; run 2 has no")
    assert v["ch7_peers_control_cores"] == 1.5


def test_roofline_glues_the_peak_sizes():
    doc = make_doc(TIMES)
    doc["machine_peaks"]["1"]["sizes"] = {"gemm_n": 2048, "fft_count": 16384, "fft_length": 512,
                                          "copy_mb": 128}
    v = report.peer_roofline(doc, make_doc(TIMES), 1).values
    assert (v["ch7_peers_peak_gemm_n"], v["ch7_peers_peak_copy_mb"]) == (2048, 128)
    doc["machine_peaks"]["2"] = dict(doc["machine_peaks"]["1"])
    two = report.peer_roofline(doc, doc, 2).values            # glued once, with threads=1
    assert not any(k.startswith("ch7_peers_peak_") for k in two)


def test_roofline_names_fractions_above_one_and_glues_both_runs_peaks():
    doc = make_doc(TIMES)
    fast = make_doc(TIMES)
    for t, peaks in fast["machine_peaks"].items():
        fast["machine_peaks"][t] = {**peaks, "fft_gflops": peaks["fft_gflops"] / 1000,
                                    "gemm_gflops": peaks["gemm_gflops"] / 1000,
                                    "copy_gbytes_per_s": peaks["copy_gbytes_per_s"] / 1000}
    v = report.peer_roofline(doc, fast, 1).values
    assert v["ch7_peers_t1_roof_fft_run2"] == doc["machine_peaks"]["1"]["fft_gflops"] / 1000
    assert "above 1" in v["ch7_peers_t1_roof_above_one"] and "in run 2" in \
        v["ch7_peers_t1_roof_above_one"] and "in run 1" not in v["ch7_peers_t1_roof_above_one"]
    same = report.peer_roofline(doc, doc, 1).values["ch7_peers_t1_roof_above_one"]
    assert same == "no fraction was above 1"
