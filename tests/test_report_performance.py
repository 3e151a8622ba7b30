"""Chapter 7's report functions: on small constructed timings (each verdict both ways) and on
the committed GPU and peer measurements, against numbers computed directly."""
import copy
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from cdnotes.experiments.report import listed
from cdnotes.measurements import load_measurement
from cdnotes.report import performance as perf
from cdnotes.report import performance_gpu as perf_gpu
from cdnotes.report import performance_plots as perf_plots


def _row(width, B, speedups, dense_s=1.0, materialised=None):
    fft_s = dense_s / max(speedups)
    row = {"width": width, "block_size": B, "fft_speedup": max(speedups),
           "fft_speedup_by_sweep": list(speedups), "dense_s": dense_s, "fft_s": fft_s,
           "dense_peak_bytes": 4 * 2**20, "fft_peak_bytes": 2**20 * B / 64}
    if materialised is not None:
        row["materialised_s"] = materialised
        row["materialised_peak_bytes"] = 5 * 2**20
    return row


@pytest.fixture
def rows():
    return [_row(256, 4, [0.5, 0.4], materialised=1.2), _row(256, 64, [0.9, 1.0]),
            _row(1024, 4, [0.8, 0.8], materialised=1.5), _row(1024, 64, [3.0, 2.0])]


def test_flop_ratio_is_the_formula():
    n, B = 1024, 64
    assert perf.flop_ratio(n, B) == 2 * n * n / (4 * n * n / B + 3 * 2.5 * n * 6)
    assert perf.flop_ratio(n, 1) == 2 * n * n / (4 * n * n + 3 * 2.5 * n * 1)   # B = 1: log2 2


def test_cpu_sweep_on_constructed_rows(rows):
    sec = perf.cpu_sweep(rows, [256, 1024], [4, 64])
    v = sec.values
    assert (v["ch7_best_speedup"], v["ch7_best_width"], v["ch7_best_b"]) == (3.0, 1024, 64)
    assert np.isclose(v["ch7_spread_max"], 50.0) and v["ch7_spread_where"] == "width 1024, B = 64"
    assert np.isclose(v["ch7_spread_median"], np.median([25.0, 100 / 9, 0.0, 50.0]))
    assert (v["ch7_mat_lo"], v["ch7_mat_hi"]) == (1.2, 1.5)
    assert "64" in v["ch7_wins_largest"] and "no" in v["ch7_wins_smallest"].lower()
    assert sec.rows[1][2:] == ["3.00", "50%"] and sec.rows[0][2:] == ["1.00", "25%"]


def test_flop_rates_and_memory(rows):
    sec = perf.flop_rates(rows, 1024)
    dense = 3 * 2 * 256 * 1024 * 1024 / 1.0 / 1e9
    assert sec.values["ch7_dense_gflops"] == dense == sec.data["dense_rate"]
    rates = [dense / perf.flop_ratio(1024, B) / (1 / s) for B, s in ((4, 0.8), (64, 3.0))]
    assert np.isclose(sec.values["ch7_fft_gflops_min"], min(rates))
    assert np.isclose(sec.values["ch7_efficiency"],
                      np.median([0.8 / perf.flop_ratio(1024, 4), 3.0 / perf.flop_ratio(1024, 64)]))
    mem = perf.memory_table(rows, 1024)
    assert mem.values["ch7_mem_ratio"] == 4.0
    assert mem.values["ch7_w_mb_cpu"] == 4.0 and mem.values["ch7_act_mb_cpu"] == 1.0
    assert mem.rows == [[4, "4.0", "0.1", "5.0"], [64, "4.0", "1.0", "–"]]


def _rule_rows(regrets, autos):
    return [{"n_in": 64, "block_size": B, "faster": "fft" if B > 8 else "dense", "auto": a,
             "regret": g, "fft_s": 1.0, "materialised_s": 2.0}
            for B, g, a in zip((4, 16), regrets, autos)]


@pytest.mark.parametrize("here_regret, verdict", [((1.0, 1.0), "better than"),
                                                  ((1.5, 1.0), "exactly as well as"),
                                                  ((2.0, 1.0), "worse than")])
def test_rule_table_verdict_each_way(here_regret, verdict):
    checked = _rule_rows((1.5, 1.0), ("fft", "fft"))
    here_rows = _rule_rows(here_regret, ("dense", "fft"))
    costs = SimpleNamespace(a=2.0, b=0.5, as_dict=lambda: {"a": 0, "b": 0})
    defaults = SimpleNamespace(a=1.0, b=1.0, as_dict=lambda: {"a": 0, "b": 0})
    sec = perf.rule_table(checked, here_rows, costs, defaults, [64])
    v = sec.values
    assert v["ch7_rule_verdict"] == verdict
    assert v["ch7_rule_lead"].startswith("Even so" if verdict == "better than" else "Do not")
    assert v["ch7_rule_right_default"] == 1 and v["ch7_rule_worst_default"] == 1.5
    assert np.isclose(v["ch7_rule_extra_default"], 100 * (2.5 / 2 - 1))
    assert v["ch7_rule_disagree"] == "chose differently for 1 of the 2 layers"
    assert (v["ch7_costs_lo"], v["ch7_costs_hi"]) == (0.5, 2.0)
    assert sec.rows == [[64, "materialised at 4; FFT at 16", "FFT at 4, 16",
                         "materialised at 4; FFT at 16"]]
    same = perf.rule_table(checked, checked, costs, defaults, [64]).values
    assert same["ch7_rule_disagree"] == "made the same choice for every layer"


def test_rule_table_names_all_three_paths_and_prices_the_fastest():
    rows = [{"n_in": 128, "block_size": B, "faster": f, "auto": a, "regret": g,
             "fft_s": ft, "materialised_s": ds, "rdft_s": rs}
            for B, f, a, g, ft, ds, rs in [(2, "dense", "dense", 1.0, 3.0, 1.0, 2.0),
                                           (8, "rdft", "fft", 1.5, 3.0, 4.0, 2.0),
                                           (64, "fft", "rdft", 2.0, 1.0, 5.0, 2.0)]]
    one = SimpleNamespace(a=1.0, as_dict=lambda: {"a": 0})
    sec = perf.rule_table(rows, rows, one, one, [128])
    assert sec.rows[0][1] == "materialised at 2; real DFT at 8; FFT at 64"
    assert sec.rows[0][2] == "materialised at 2; real DFT at 64; FFT at 8"
    # chosen: 1 + 3 + 2 = 6 against the fastest 1 + 2 + 1 = 4
    assert np.isclose(sec.values["ch7_rule_extra_default"], 50.0)


def _clock(gm, low, high, wall_gm=None, seconds=1.0):
    ratio = {"dense": 1.0, "cd4": gm, "cd8": gm}
    detail = {m: {"geometric_mean": gm if wall_gm is None else wall_gm, "low": low,
                  "high": high} for m in ("cd4", "cd8")}
    return {"ratio_detail": detail, "ratio_by_repeat": [ratio, {**ratio, "cd4": gm * 1.1}],
            "median": {"dense": 0.01, "cd4": 0.01 * gm, "cd8": 0.01 * gm},
            "quartiles": {m: (0.009, 0.011) for m in ratio}, "ratio": ratio,
            "seconds": {m: [seconds, seconds] for m in ratio}}


def _timed(low, high, wall=1.5, thread_seconds=1.0):
    run = {"cpu": _clock(1.5, low, high), "wall": _clock(1.5, low, high, wall_gm=wall),
           "thread": _clock(1.5, low, high, seconds=thread_seconds),
           "n_train": 1437, "batch_size": 64}
    return {"auto": run, "fft": copy.deepcopy(run)}


@pytest.mark.parametrize("low, high, word", [(1.2, 1.8, "slower"), (0.5, 0.9, "faster"),
                                             (0.9, 1.8, "do not both exclude 1")])
def test_digits_epochs_verdict_each_way(low, high, word):
    sec = perf.digits_epochs(_timed(low, high), {"dense"}, 6)
    v = sec.values
    assert word in v["ch7_digits_verdict"]
    assert v["ch7_digits_auto_path"] == "materialised" and v["ch7_digits_layers"] == 6
    assert v["ch7_digits_cd4_hi"] == 1.5 * 1.1 and v["ch7_digits_cd4_lo"] == 1.5
    assert np.isclose(v["ch7_digits_step_us"], 1e6 * 0.01 / 23)        # ⌈1437/64⌉ = 23
    assert len(sec.rows) == 5 and sec.rows[0][:2] == ["Dense MLP", "–"]
    assert sec.rows[3][1] == "FFT forced"


def test_digits_epochs_threads_and_clocks_flip():
    v = perf.digits_epochs(_timed(1.2, 1.8), {"dense", "fft"}, 6).values
    assert v["ch7_digits_auto_path"] == "materialised and FFT"
    assert v["ch7_digits_one_thread"] == "the epochs ran on one thread"
    assert v["ch7_digits_turns"].startswith("fall inside")
    v = perf.digits_epochs(_timed(1.2, 1.8, wall=3.0, thread_seconds=0.5), {"fft"}, 6).values
    assert v["ch7_digits_one_thread"] == "other threads did a noticeable part of the work"
    assert v["ch7_digits_turns"].startswith("fall outside")
    assert v["ch7_digits_thread_share"] == 50.0 and v["ch7_digits_auto_path"] == "FFT"


@pytest.fixture(scope="module")
def gpu():
    return load_measurement("gpu_vs_cpu_h100")


@pytest.fixture(scope="module")
def sweep():
    return load_measurement("cdlinear_speed_cupy_h100")


def test_gpu_vs_cpu_against_the_json(gpu):
    sec = perf_gpu.gpu_vs_cpu(gpu, dense_rate=10.0)
    cd = [r for r in gpu["rows"] if r["width"] == 4096 and r["block_size"] == 64][0]
    host = [r for r in gpu["rows"] if r["width"] == 4096 and r["block_size"] is None][0]
    gflops = 6 * gpu["config"]["batch"] * 4096 ** 2 / host["numpy_s"] / 1e9
    assert sec.values["ch7_gpu_ratio"] == cd["ratio"]
    assert np.isclose(sec.values["ch7_gpu_host_gflops"], gflops)
    assert np.isclose(sec.values["ch7_gpu_host_vs_here"], gflops / 10.0)
    assert len(sec.rows) == len(gpu["rows"])
    assert perf_gpu.environment_line(gpu).startswith(f"device: {gpu['environment']['device']}")


def test_gpu_sweep_and_the_two_runs_against_the_json(gpu, sweep):
    sec = perf_gpu.gpu_sweep(sweep)
    widths = sorted({r["width"] for r in sweep["rows"]})
    n = widths[-1]
    ratios = [r["fft_peak_bytes"] / r["dense_peak_bytes"] for r in sweep["rows"] if r["width"] == n]
    assert sec.values[f"ch7_gpu_mem_hi_{n}"] == max(ratios)
    assert sec.data["widths"] == widths and len(sec.rows) == len(widths)
    runs = perf_gpu.gpu_runs(gpu, sweep)
    a = {(r["width"], r["block_size"]): r["cupy_s"] for r in gpu["rows"]}
    b = {(r["width"], r["block_size"]): r["fft_s"] for r in sweep["rows"]}
    b.update({(r["width"], None): r["dense_s"] for r in sweep["rows"]})
    common = [k for k in a if k in b]
    for w in {k[0] for k in common}:
        d = max(max(a[k], b[k]) / min(a[k], b[k]) - 1 for k in common if k[0] == w)
        assert np.isclose(runs.values[f"ch7_gpu_runs_differ_{w}"], 100 * d)
    assert len(runs.rows) == len(common)
    assert runs.data["fft_1024"]["gpu_vs_cpu"] == {B: a[w, B] for w, B in common
                                                   if w == 1024 and B is not None}


def test_grid_epochs_against_the_json():
    grid = load_measurement("structured_digits_mnist1d")["records"]
    v = perf_gpu.grid_epochs(grid).values
    dense = [r["epoch_seconds"] for r in grid if r["dataset"] == "digits" and r["model"] == "dense"]
    assert v["ch7_grid_dense_spread"] == max(dense) / min(dense)
    assert v["ch7_grid_contain"] in ("both intervals contain 1", "not both intervals contain 1")
    assert v["ch7_grid_ratios"].count("95% interval") == 2
    assert (v["ch7_paper_low"], v["ch7_paper_high"]) == (11 / 0.02, 22 / 0.02)


@pytest.fixture(scope="module")
def peers():
    return load_measurement("peers_cpu")


def test_peer_checks_against_the_json_and_when_peft_is_right(peers):
    v = perf_gpu.peer_checks(peers).values
    peft = peers["checks"]["peft C3A"]
    assert v["ch7_peft_input_err"] == peft["input_grad"]
    wrong = [perf_gpu.WHAT[k] for k, e in peft.items() if e > 1e-6]
    assert wrong and v["ch7_peft_wrong"] == listed(wrong, fmt="s")
    fixed = copy.deepcopy(peers)
    for k in fixed["checks"]["peft C3A"]:
        fixed["checks"]["peft C3A"][k] = 1e-9
    assert perf_gpu.peer_checks(fixed).values["ch7_peft_wrong"] == "nothing"

def test_the_figures_draw(rows):
    import matplotlib.pyplot as plt
    fig = perf_plots.plot_speedups(rows, [256, 1024], [4, 64], "ratio", title="t")
    assert len(fig.axes[0].lines) == 3 and fig.axes[0].get_title() == "t"
    plt.close(fig)
    fig = perf_plots.plot_flop_model(rows, [256, 1024], [4, 64])
    assert len(fig.axes[0].lines) == 5
    plt.close(fig)
