"""The roofline work model (closed-form counts by hand), bounds, limits and fractions."""
from __future__ import annotations

import doctest
import math

import pytest

from cdnotes.benchmarking import roofline
from cdnotes.benchmarking.roofline import (achieved_fraction, algorithm_bound, cell_limit,
                                           dense_work, fft_work, machine_peaks, rdft_work)

PEAKS = {"gemm_gflops": 100.0, "fft_gflops": 10.0, "copy_gbytes_per_s": 20.0}


def test_doctests():
    assert doctest.testmod(roofline).failed == 0


def test_fft_counts_by_hand():
    # n = 16, B = 8, N = 3: K = 2, F = 5; transforms 4·3·2 + 2·2·2 = 32 of 2.5·8·3 = 60 flops
    w = fft_work(16, 8, 3)
    assert w["transform_flops"] == 32 * 60
    assert w["contraction_flops"] == 3 * 8 * 5 * 3 * 2 * 2
    # signals: X, dY, Y, dX 4·3·16 = 192 floats, C and dC 2·2·16 = 64; spectra 2·32·10 = 640
    assert w["bytes"] == 4 * (192 + 64 + 640)


def test_rdft_counts_by_hand():
    # B = 8: nc = 3 complex bins, nr = 2 real-only; B = 5: nc = 2, nr = 1
    w = rdft_work(16, 8, 3)
    assert w["transform_flops"] == 32 * 2 * 64
    assert w["contraction_flops"] == 3 * 2 * (2 + 4 * 3) * 3 * 2 * 2
    assert w["bytes"] == 4 * (192 + 64 + 2 * 32 * 8)
    assert rdft_work(10, 5, 1)["contraction_flops"] == 3 * 2 * (1 + 4 * 2) * 1 * 2 * 2


def test_dense_counts_and_block_size_one():
    assert dense_work(4, 2) == {"transform_flops": 0.0, "contraction_flops": 6 * 2 * 16.0,
                                "bytes": 4 * (4 * 2 * 4 + 2 * 16.0)}
    assert fft_work(4, 1, 2)["transform_flops"] == 0.0       # log2(1) = 0


def test_bound_terms_and_dominant():
    w = {"transform_flops": 2e9, "contraction_flops": 1e9, "bytes": 1e9}
    b = algorithm_bound(w, PEAKS, "fft")
    assert b["transform_s"] == pytest.approx(0.2) and b["contraction_s"] == pytest.approx(0.01)
    assert b["memory_s"] == pytest.approx(0.05)
    assert b["seconds"] == pytest.approx(0.21) and b["dominant"] == "transforms"
    r = algorithm_bound(w, PEAKS, "rdft")                     # transforms at the GEMM peak
    assert r["seconds"] == pytest.approx(0.05) and r["dominant"] == "memory"
    c = algorithm_bound({**w, "transform_flops": 0.0, "bytes": 0.0}, PEAKS, "dense")
    assert c["dominant"] == "contraction"


def test_limit_is_the_smaller_bound_and_fractions_stay_below_one():
    for n, B in [(1024, 8), (1024, 64), (4096, 512), (2048, 2)]:
        lim = cell_limit(n, B, 256, PEAKS)
        assert lim["seconds"] == min(lim["bounds"][a]["seconds"] for a in ("fft", "rdft"))
        assert lim["algorithm"] in ("fft", "rdft")
        for factor in (1.0, 1.5, 10.0):
            assert achieved_fraction(lim["seconds"], lim["seconds"] * factor) <= 1.0
    assert cell_limit(4096, 512, 256, PEAKS)["algorithm"] == "fft"   # B² transforms lose


def test_monotone_in_batch_width_and_peaks():
    base = cell_limit(1024, 64, 256, PEAKS)["seconds"]
    assert cell_limit(1024, 64, 512, PEAKS)["seconds"] > base
    assert cell_limit(2048, 64, 256, PEAKS)["seconds"] > base
    faster = {k: 2 * v for k, v in PEAKS.items()}
    assert cell_limit(1024, 64, 256, faster)["seconds"] == pytest.approx(base / 2)
    assert achieved_fraction(1.0, 2.0) > achieved_fraction(1.0, 3.0)


@pytest.mark.parametrize("call, message", [
    (lambda: fft_work(100, 8, 1), "multiple of the block size"),
    (lambda: rdft_work(0, 1, 1), "n"),
    (lambda: fft_work(16, 8, 0), "batch"),
    (lambda: algorithm_bound(fft_work(16, 8, 1), {"gemm_gflops": 1.0}, "fft"), "lacks"),
    (lambda: algorithm_bound(fft_work(16, 8, 1), {**PEAKS, "fft_gflops": -1.0}, "fft"),
     "positive finite"),
    (lambda: algorithm_bound(fft_work(16, 8, 1), {**PEAKS, "fft_gflops": math.nan}, "fft"),
     "positive finite"),
    (lambda: algorithm_bound(fft_work(16, 8, 1), PEAKS, "fast"), "algorithm must be one of"),
    (lambda: achieved_fraction(1.0, 0.0), "seconds"),
])
def test_bad_inputs_are_refused(call, message):
    with pytest.raises((ValueError, KeyError, TypeError), match=message):
        call()


def test_machine_peaks_small():
    p = machine_peaks(1, gemm_n=64, fft_count=64, fft_length=32, copy_mb=1, repeats=1)
    assert all(p[k] > 0 and math.isfinite(p[k]) for k in roofline.PEAK_KEYS)
    assert p["threads"] == 1 and p["sizes"]["gemm_n"] == 64
    with pytest.raises(ValueError, match="repeats"):
        machine_peaks(1, repeats=0)
