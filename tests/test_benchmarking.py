"""The measuring functions (structure, on tiny sizes) and method="auto"'s cost-model rule."""
import json
import math
import warnings

import numpy as np
import pytest

import cdnotes
from cdnotes import benchmarking
from cdnotes.operators import pathcost
from cdnotes.operators.bcmatmul import resolve_method
from cdnotes.operators.pathcost import DEFAULT_COSTS, PathCosts


@pytest.fixture
def no_calibration(monkeypatch, tmp_path):
    """An empty cache directory and no CDNOTES_PATH_COSTS: the defaults are active."""
    monkeypatch.setenv(pathcost.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(pathcost.PATH_COSTS_ENV, raising=False)
    return tmp_path / "cache" / "path_costs.json"


def scaled(costs, k):
    """The same machine, ``k`` times slower at everything."""
    return PathCosts(overhead_dense_s=k * costs.overhead_dense_s, overhead_fft_s=k * costs.overhead_fft_s,
                     gemm_flops=costs.gemm_flops / k, complex_flops=costs.complex_flops / k,
                     gather_s=k * costs.gather_s, fft_point_s=k * costs.fft_point_s)


def write_calibration(path, costs=DEFAULT_COSTS, **override):
    obj = {"format": pathcost.FORMAT, "costs": {**costs.as_dict(), **override}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))
    return path


# ---------------------------------------------------------------- timing helpers

def test_interleaved_seconds_shuffles_every_round_and_times_each_step_once_per_round():
    calls = []
    steps = {name: (lambda name=name: calls.append(name)) for name in "abcd"}
    times = benchmarking.interleaved_seconds(steps, repeats=40, warmup=1)
    rounds = [calls[k:k + 4] for k in range(0, len(calls), 4)]
    assert rounds[0] == list("abcd")                       # the warm-up round, in order
    assert all(sorted(r) == list("abcd") for r in rounds[1:])
    assert list(times) == list("abcd") and all(len(t) == 40 and min(t) >= 0
                                                for t in times.values())
    # no step keeps one predecessor: each has at least two different ones over 40 rounds
    before = {n: {r[r.index(n) - 1] for r in rounds[1:] if r.index(n) > 0} for n in "abcd"}
    assert all(len(b) >= 2 for b in before.values()), before
    calls.clear()
    benchmarking.interleaved_seconds(steps, repeats=40, warmup=1)
    assert [calls[k:k + 4] for k in range(0, len(calls), 4)] == rounds     # seeded
    calls.clear()
    benchmarking.interleaved_seconds(steps, repeats=40, warmup=1, order_seed=1)
    assert [calls[k:k + 4] for k in range(0, len(calls), 4)] != rounds


def test_interleaved_seconds_runs_more_rounds_for_min_seconds():
    import time
    times = benchmarking.interleaved_seconds({"a": lambda: time.sleep(0.001)}, repeats=2, warmup=0,
                                             min_seconds=0.1)
    assert 5 <= len(times["a"]) <= 101          # rounds of 1-20 ms until 0.1 s have passed
    cpu = benchmarking.interleaved_seconds({"a": lambda: time.sleep(0.002)}, repeats=3, clock="cpu")
    assert len(cpu["a"]) == 3 and max(cpu["a"]) < 0.002        # sleeping uses no processor time
    with pytest.raises(ValueError):
        benchmarking.interleaved_seconds({"a": lambda: None}, clock="cpu", backend="cupy")


def test_blas_threads_limits_and_restores():
    from threadpoolctl import threadpool_info
    before = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    with benchmarking.blas_threads(1):
        assert all(p["num_threads"] == 1 for p in threadpool_info() if p["user_api"] == "blas")
    assert [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"] == before
    with pytest.raises(ValueError):
        with benchmarking.blas_threads(0):
            pass


def test_speed_sweep_rows_and_sweeps():
    rows = benchmarking.speed_sweep([16, 24], [4, 8], batch=8, repeats=2, sweeps=3)
    assert [(r["width"], r["block_size"]) for r in rows] == [(16, 4), (16, 8), (24, 4), (24, 8)]
    for r in rows:
        assert len(r["fft_speedup_by_sweep"]) == 3
        assert r["dense_s"] > 0 and r["fft_s"] > 0 and r["materialised_s"] > 0
        assert math.isclose(r["fft_speedup"], r["dense_s"] / r["fft_s"])
        assert r["dense_peak_bytes"] > 0 and r["fft_peak_bytes"] > 0
    same_width = [r for r in rows if r["width"] == 16]
    assert same_width[0]["dense_s"] == same_width[1]["dense_s"]      # one dense layer per width


def sweep_rows(width, speedups):
    return [{"width": width, "block_size": B, "fft_speedup": s} for B, s in speedups.items()]


def test_fft_wins_lists_the_exceptions_instead_of_a_crossover():
    rows = sweep_rows(2048, {4: 0.5, 8: 1.2, 16: 1.5, 32: 0.13, 64: 2.0, 128: 3.0}) + sweep_rows(256, {4: 9.0})
    w = benchmarking.fft_wins(rows, 2048)
    assert w["faster"] == [8, 16, 64, 128] and w["exceptions"] == [(32, 0.13)] and w["from_b"] is None
    assert w["slower"] == [(4, 0.5), (32, 0.13)] and w["best"] == (128, 3.0)
    assert benchmarking.describe_fft_wins(w) == "for B ∈ {8, 16, 64, 128}; not at B = 32 (0.13×)"


def test_fft_wins_monotone_and_never():
    up = benchmarking.fft_wins(sweep_rows(512, {16: 1.1, 4: 0.4, 8: 0.9, 64: 3.0}), 512)
    assert up["from_b"] == 16 and up["exceptions"] == []
    assert benchmarking.describe_fft_wins(up) == "for every B ≥ 16 measured"
    never = benchmarking.fft_wins(sweep_rows(1024, {16: 0.92, 64: 0.95, 256: 0.37}), 1024)
    assert never["faster"] == [] and never["from_b"] is None
    assert benchmarking.describe_fft_wins(never) == "at no B measured (best 0.95× at B = 64)"
    with pytest.raises(ValueError, match="no rows"):
        benchmarking.fft_wins(sweep_rows(512, {4: 1.0}), 256)


def test_digits_epoch_seconds_structure():
    from cdnotes.data import digits_split
    out = benchmarking.digits_epoch_seconds(("dense", "cd8"), epochs=2, repeats=3, seed=3)
    assert out["n_train"] == digits_split(3)[0].shape[0]
    for clock in ("cpu", "wall", "thread"):
        res = out[clock]
        assert set(res["seconds"]) == {"dense", "cd8"}
        assert all(len(t) == 6 and min(t) > 0 for t in res["seconds"].values())
        assert res["ratio"]["dense"] == 1.0
        by = [r["cd8"] for r in res["ratio_by_repeat"]]
        assert len(by) == 3
        seconds = res["seconds"]
        assert math.isclose(by[1], np.median(seconds["cd8"][2:4]) / np.median(seconds["dense"][2:4]))
        # the ratio is the median of the per-repeat ratios, so it lies inside their range
        assert res["ratio"]["cd8"] == np.median(by) and min(by) <= res["ratio"]["cd8"] <= max(by)
        for m, (q25, q75) in res["quartiles"].items():
            assert q25 <= res["median"][m] <= q75
    # the clocks time the same interval: one thread's processor time fits in the wall clock
    # and in the process's processor time, epoch by epoch
    for m in ("dense", "cd8"):
        for wall, cpu, thread in zip(*(out[c]["seconds"][m] for c in ("wall", "cpu", "thread"))):
            assert thread <= cpu + 1e-6 and thread <= wall + 1e-6
    with pytest.raises(ValueError):
        benchmarking.digits_epoch_seconds(("dense", "cd16"), epochs=1)


def test_blas_threads_limits_the_fft_workers(monkeypatch):
    import scipy.fft
    from cdnotes.operators.fft import fft_of
    seen = []
    real_rfft = scipy.fft.rfft
    monkeypatch.setattr(scipy.fft, "rfft",
                        lambda x, axis=-1, workers=None: seen.append(workers) or real_rfft(x, axis=axis))
    big, small = np.zeros((512, 1024)), np.zeros((4, 8))
    fft = fft_of(np)
    fft.rfft(big); fft.rfft(small)
    with benchmarking.blas_threads(1):
        fft.rfft(big); fft.rfft(small)
    with benchmarking.blas_threads(3):
        fft.rfft(big); fft.rfft(small)
    with benchmarking.blas_threads(None):
        fft.rfft(big)
    fft.rfft(big)                                       # the rule is back
    assert seen == [-1, 1, 1, 1, 3, 1, -1, -1]


def test_auto_rule_check_reports_the_rule_and_its_regret():
    costs = scaled(DEFAULT_COSTS, 2.0)
    rows = benchmarking.auto_rule_check([(16, 16), (16, 8)], [2, 4, 16], batch=4, repeats=1, costs=costs)
    assert [(r["n_in"], r["n_out"], r["block_size"]) for r in rows] == [
        (16, 16, 2), (16, 16, 4), (16, 16, 16), (16, 8, 2), (16, 8, 4)]
    for r in rows:
        assert r["auto"] == resolve_method("auto", r["block_size"], r["n_in"], r["n_out"], batch=4, costs=costs)
        t = {"fft": r["fft_s"], "dense": r["materialised_s"], "rdft": r["rdft_s"]}
        assert benchmarking.path_times(r) == t
        assert r["faster"] == min(t, key=t.get) and r["regret"] == t[r["auto"]] / t[r["faster"]] >= 1


def test_rechoose_refuses_rows_without_the_chosen_path():
    row = {"n_in": 4096, "n_out": 4096, "block_size": 8, "batch": 256, "fft_s": 2.0,
           "materialised_s": 3.0, "faster": "fft", "auto": "fft", "regret": 1.0}
    assert resolve_method("auto", 8, 4096, 4096, batch=256, costs=DEFAULT_COSTS) == "rdft"
    with pytest.raises(ValueError, match="no time for the 'rdft' path"):
        benchmarking.rechoose([row], DEFAULT_COSTS)
    assert benchmarking.path_times(row) == {"fft": 2.0, "dense": 3.0}


# ---------------------------------------------------------------- the cost model

@pytest.mark.parametrize("bad", [0.0, -1e-6, float("nan"), float("inf"), "1e-5", True, None])
def test_path_costs_refuse_non_positive_or_non_numbers(bad):
    with pytest.raises(ValueError, match="overhead_fft_s"):
        PathCosts(**{**DEFAULT_COSTS.as_dict(), "overhead_fft_s": bad})


def test_path_seconds_is_the_documented_formula():
    c = PathCosts(overhead_dense_s=1.0, overhead_fft_s=2.0, gemm_flops=3.0, complex_flops=5.0,
                  gather_s=7.0, fft_point_s=11.0)
    n_in, n_out, B, N = 48, 32, 8, 5
    Ki, Ko, F = 6, 4, 5
    t = pathcost.path_seconds(n_in, n_out, B, N, c)
    assert math.isclose(t["dense"], 1.0 + 6 * N * n_in * n_out / 3.0 + 7.0 * n_in * n_out)
    points = 2 * N * (n_in + n_out) + 2 * Ki * Ko * B
    assert math.isclose(t["fft"], 2.0 + 11.0 * points + 24 * F * N * Ki * Ko / 5.0)
    # B = 8: bins 0 and 4 real (1 product each), bins 1-3 complex (4 each)
    assert math.isclose(t["rdft"], 2.0 + points * (2 * 8 / 3.0 + 7.0)
                        + 6 * (2 + 4 * 3) * N * Ki * Ko / 3.0)
    t7 = pathcost.path_seconds(14, 21, 7, N, c)          # odd B = 7: one real bin, 3 complex
    points7 = 2 * N * 35 + 2 * 2 * 3 * 7
    assert math.isclose(t7["rdft"], 2.0 + points7 * (2 * 7 / 3.0 + 7.0)
                        + 6 * (1 + 4 * 3) * N * 2 * 3 / 3.0)


def test_cheaper_path_takes_the_smallest_prediction_and_the_first_on_ties(monkeypatch):
    order = ("dense", "fft", "rdft")
    for n_in, n_out, B in GRID:
        t = pathcost.path_seconds(n_in, n_out, B, 64, DEFAULT_COSTS)
        best = pathcost.cheaper_path(n_in, n_out, B, 64, DEFAULT_COSTS)
        assert t[best] == min(t.values())
        assert all(t[p] > t[best] for p in order[:order.index(best)])
    for tied in [{"dense": 1.0, "fft": 1.0, "rdft": 1.0}, {"dense": 2.0, "fft": 1.0, "rdft": 1.0},
                 {"dense": 2.0, "fft": 3.0, "rdft": 1.0}]:
        monkeypatch.setattr(pathcost, "path_seconds", lambda *a, t=tied: dict(t))
        assert pathcost.cheaper_path(64, 64, 8) == min(order, key=tied.get)


GRID = [(n_in, n_out, B) for n_in in (8, 16, 64, 128, 256, 512, 1024, 4096)
        for n_out in (8, 16, 64, 512, 4096) for B in (1, 2, 4, 8, 16, 64, 256)
        if n_in % B == 0 and n_out % B == 0]


def test_rule_on_a_grid_with_the_default_costs(no_calibration):
    for n_in, n_out, B in GRID:
        choice = resolve_method("auto", B, n_in, n_out)
        t = pathcost.path_seconds(n_in, n_out, B, 64, DEFAULT_COSTS)
        assert choice == min(("dense", "fft", "rdft"), key=t.get)
        assert cdnotes.CDLinear(n_in, n_out, B).method == choice
        if B <= 2:                      # no fewer flops than the dense product: never the FFT
            assert choice != "fft", (n_in, n_out, B)
        if max(n_in, n_out) <= 64:      # overhead-bound: the materialised path
            assert choice == "dense", (n_in, n_out, B)
        if min(n_in, n_out) >= 1024 and B >= 8:          # flop-bound, B/2-fold fewer flops
            assert choice != "dense", (n_in, n_out, B)
        if min(n_in, n_out) >= 1024 and B >= 256:        # the real DFT's B² transform loses
            assert choice == "fft", (n_in, n_out, B)


def test_rule_depends_on_relative_costs_only():
    for k in (0.125, 4.0, 1024.0):          # powers of two: scaling commutes with rounding
        other = scaled(DEFAULT_COSTS, k)
        assert all(resolve_method("auto", B, n_in, n_out, costs=other) ==
                   resolve_method("auto", B, n_in, n_out, costs=DEFAULT_COSTS) for n_in, n_out, B in GRID)


def test_rule_follows_the_constants():
    slow_fft_calls = PathCosts(**{**DEFAULT_COSTS.as_dict(), "overhead_fft_s": 1e3})
    slow_gemm = PathCosts(**{**DEFAULT_COSTS.as_dict(), "gemm_flops": 1.0, "overhead_dense_s": 1e3})
    assert resolve_method("auto", 64, 4096, 4096, costs=slow_fft_calls) == "dense"
    assert resolve_method("auto", 4, 16, 16, costs=slow_gemm) == "fft"


def test_explicit_methods_and_errors_unchanged():
    assert resolve_method("fft", 1, 8, 8) == "fft" and resolve_method("dense", 64, 4096, 4096) == "dense"
    assert resolve_method("auto", 2) == "dense" and resolve_method("auto", 4) == "fft"
    with pytest.raises(ValueError, match="method must be one of"):
        resolve_method("loop", 4, 8, 8)


# ---------------------------------------------------------------- calibration files

def test_calibration_file_location(monkeypatch, tmp_path):
    monkeypatch.setenv(pathcost.CACHE_DIR_ENV, str(tmp_path / "a"))
    assert pathcost.calibration_file() == tmp_path / "a" / "path_costs.json"
    monkeypatch.delenv(pathcost.CACHE_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert pathcost.calibration_file() == tmp_path / "xdg" / "cdnotes" / "path_costs.json"


def test_calibrate_auto_writes_what_auto_then_reads(no_calibration):
    assert not no_calibration.exists() and pathcost.active_costs() == DEFAULT_COSTS
    costs, path = benchmarking.calibrate_auto(repeats=1)
    assert path == no_calibration and path.exists()
    saved = json.loads(path.read_text())
    assert saved["format"] == pathcost.FORMAT and saved["environment"]["backend"] == "numpy"
    assert set(saved["seconds"]) == {"tiny_dense", "tiny_fft", "gemm", "complex", "gather", "fft"}
    assert pathcost.read_costs(path) == costs == pathcost.active_costs()
    for n_in, n_out, B in GRID:
        assert resolve_method("auto", B, n_in, n_out) == resolve_method("auto", B, n_in, n_out, costs=costs)
    costs2, none = benchmarking.calibrate_auto(repeats=1, write=False)
    assert none is None and isinstance(costs2, PathCosts)


def test_a_calibration_file_decides_and_default_ignores_it(no_calibration, monkeypatch):
    write_calibration(no_calibration, overhead_fft_s=1e3)         # FFT calls made absurdly slow
    assert resolve_method("auto", 64, 4096, 4096) == "dense"
    assert cdnotes.CDLinear(512, 512, 64).method == "dense"
    monkeypatch.setenv(pathcost.PATH_COSTS_ENV, "default")
    assert resolve_method("auto", 64, 4096, 4096) == "fft"
    assert cdnotes.CDLinear(512, 512, 64).method == resolve_method("auto", 64, 512, 512, costs=DEFAULT_COSTS)


def test_an_explicit_calibration_file(no_calibration, monkeypatch, tmp_path):
    path = write_calibration(tmp_path / "mine.json", overhead_dense_s=1e3, gemm_flops=1.0)
    monkeypatch.setenv(pathcost.PATH_COSTS_ENV, str(path))
    assert resolve_method("auto", 4, 16, 16) == "fft"
    monkeypatch.setenv(pathcost.PATH_COSTS_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(ValueError, match="does not exist"):
        resolve_method("auto", 4, 16, 16)
    bad = write_calibration(tmp_path / "bad.json", gather_s=-1.0)
    monkeypatch.setenv(pathcost.PATH_COSTS_ENV, str(bad))
    with pytest.raises(ValueError, match="gather_s"):
        cdnotes.CDLinear(16, 16, 4)


@pytest.mark.parametrize("content", [
    "not json",
    json.dumps([1, 2]),
    json.dumps({"format": "something-else/1", "costs": DEFAULT_COSTS.as_dict()}),
    json.dumps({"format": pathcost.FORMAT, "costs": {**DEFAULT_COSTS.as_dict(), "extra": 1.0}}),
    json.dumps({"format": pathcost.FORMAT, "costs": {k: v for k, v in DEFAULT_COSTS.as_dict().items()
                                                    if k != "gemm_flops"}}),
    json.dumps({"format": pathcost.FORMAT, "costs": {**DEFAULT_COSTS.as_dict(), "gemm_flops": 0}}),
])
def test_an_invalid_cache_file_is_ignored_with_a_warning(no_calibration, content):
    no_calibration.parent.mkdir(parents=True)
    no_calibration.write_text(content)
    with pytest.warns(UserWarning, match="using the default path costs"):
        assert pathcost.active_costs() == DEFAULT_COSTS
    with pytest.raises(ValueError):
        pathcost.read_costs(no_calibration)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert cdnotes.CDLinear(256, 256, 16).method == resolve_method("auto", 16, 256, 256, costs=DEFAULT_COSTS)


def test_measure_path_costs_returns_valid_constants():
    costs, best = benchmarking.measure_path_costs(repeats=1)
    assert isinstance(costs, PathCosts)
    assert math.isclose(costs.overhead_fft_s, best["tiny_fft"])
    assert math.isclose(costs.gemm_flops, 2 * 64 * 512 * 512 / best["gemm"])


def test_epoch_time_ratio_against_a_direct_computation():
    from scipy import stats
    model = [[2.0, 2.2, 1.9], [3.0, 3.3, 2.9], [1.0, 1.1]]
    ref = [[1.0, 1.1, 0.9], [1.5, 1.4, 1.6], [1.0, 0.9]]
    out = benchmarking.epoch_time_ratio(model, ref)
    direct = [np.median(m) / np.median(r) for m, r in zip(model, ref)]
    assert out["by_unit"] == pytest.approx(direct) and out["n"] == 3
    assert out["median"] == pytest.approx(np.median(direct))
    logs = np.log(direct)
    half = stats.t.ppf(0.975, 2) * logs.std(ddof=1) / np.sqrt(3)
    assert out["low"] == pytest.approx(np.exp(logs.mean() - half))
    assert out["high"] == pytest.approx(np.exp(logs.mean() + half))
    one = benchmarking.epoch_time_ratio([2.0], [1.0])               # one unit: no interval
    assert one["median"] == 2.0 and one["low"] is None
    with pytest.raises(ValueError, match="pairs units"):
        benchmarking.epoch_time_ratio([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="positive"):
        benchmarking.epoch_time_ratio([[0.0]], [[1.0]])


def test_goal_text_names_met_missed_and_uncovered():
    from cdnotes.benchmarking import goal_text

    labels = {k: k.upper() for k in "abcdef"}
    text = goal_text({"a": True, "b": True}, labels, "abcd")
    assert text == ("was met by A and B; none of the two layers the goal covers missed it; "
                    "C and D were not part of it")
    text = goal_text({"a": True, "b": False, "c": None}, labels, "abc")
    assert text == "was met by A; B missed it; C was not measured at that width"
    text = goal_text({"a": False}, labels, "ae")
    assert text == ("was met by none of the one layer the goal covers; A missed it; "
                    "E was not part of it")
