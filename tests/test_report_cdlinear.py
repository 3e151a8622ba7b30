"""Chapter 2's report functions: the parameter table against Table 1, the initialisation
section on constructed activation scales (each verdict both ways), and the figures."""
import matplotlib
import numpy as np

matplotlib.use("Agg")

from cdnotes.experiments import PAPER_TABLE1
from cdnotes.experiments.gradient_checks import gradient_check_cases
from cdnotes.experiments.init_scale import InitScale, activation_scale
from cdnotes.experiments.report import count_words
from cdnotes.report import cdlinear
from cdnotes.stats import variance_ratio_ci, welch_difference_ci


def test_model_label_and_parameter_table():
    assert cdlinear.model_label("cd8").startswith("CD-MLP B=8 (64→")
    sec = cdlinear.parameter_table(0)
    v = sec.values
    assert (v["ch2_params_dense"], v["ch2_params_b4"], v["ch2_params_b8"]) == tuple(
        PAPER_TABLE1[m]["n_params"] for m in ("dense", "cd4", "cd8"))
    assert v["ch2_ratio_b8"] == PAPER_TABLE1["dense"]["n_params"] / PAPER_TABLE1["cd8"][
        "n_params"]
    assert sec.data["counts"] == sec.data["paper"]
    assert [sum(map(int, row[1].split(" + "))) for row in sec.rows] == [row[2] for row in sec.rows]


def _scale(B, drift, sd, seed, n=20, depth=12):
    rng = np.random.default_rng(seed)
    log_gain = drift + sd * rng.standard_normal((n, depth - 1))
    first = 1.0 + 0.01 * rng.standard_normal((n, 1))
    ms = first * np.exp(np.concatenate([np.zeros((n, 1)), np.cumsum(log_gain, axis=1)], axis=1))
    return InitScale(B, 256, depth, 500, ms, (), 0)


def test_init_scale_when_large_blocks_shrink_and_spread():
    scale = [_scale(1, 0.0, 0.05, 1), _scale(16, 0.0, 0.2, 2), _scale(64, -0.3, 0.6, 3)]
    sec = cdlinear.init_scale(scale, (1, 16, 64))
    v = sec.values
    assert v["ch2_spread_test"].endswith(": both intervals lie above 1.")
    assert v["ch2_shrink"] == "deep CD stacks with large blocks shrink it"
    g = welch_difference_ci(np.log10(scale[2].mean_square[:, -1]),
                            np.log10(scale[0].mean_square[:, -1]))
    assert np.isclose(v["ch2_gm_ratio"], 10 ** g.mean)
    e = variance_ratio_ci(np.log(scale[1].gains()), np.log(scale[0].gains()))
    assert f"{e.mean:.2f} (95 % CI {e.low:.2f} to {e.high:.2f})" in v["ch2_spread_test"]
    below = int(np.sum(scale[2].mean_square[:, -1] < 1))
    assert v["ch2_below_one"] == count_words(below, 20, "networks")
    assert v["ch2_n_gains"] == 20 * 11 and v["ch2_m_dense"] == np.median(
        scale[0].mean_square[:, -1])
    assert sec.header[3] == "median, layer 12" and [r[0] for r in sec.rows] == [
        "Dense", "CDLinear B=16", "CDLinear B=64"]
    assert set(sec.data["first"]) == {1, 16, 64}


def test_init_scale_when_nothing_changes_with_B():
    scale = [_scale(B, 0.0, 0.2, s) for B, s in ((1, 4), (16, 5), (64, 6))]
    v = cdlinear.init_scale(scale, (1, 16, 64)).values
    assert v["ch2_shrink"] == "deep CD stacks with large blocks need not shrink it"
    ups = [variance_ratio_ci(np.log(a.gains()), np.log(b.gains())).low > 1
           for a, b in ((scale[1], scale[0]), (scale[2], scale[1]))]
    assert sum(ups) < 2
    assert v["ch2_spread_test"].endswith(f": {count_words(sum(ups), 2)} of the intervals "
                                         "lie above 1.")


def test_the_figures_draw():
    import matplotlib.pyplot as plt
    cases = gradient_check_cases([(12, 8, 4), (16, 16, 1)], methods=("fft", "dense"), seed=3)
    fig = cdlinear.plot_gradcheck(cases)
    assert len(fig.axes[0].collections) == 6 and len(fig.axes[0].get_legend().texts) == 6
    plt.close(fig)
    scale = activation_scale((1, 16), width=32, depth=3, n_networks=3, n_inputs=20, seed=4)
    fig = cdlinear.plot_init_scale(scale, 32)
    assert fig.axes[0].get_title().startswith("He initialisation, width 32: 3 networks")
    plt.close(fig)
